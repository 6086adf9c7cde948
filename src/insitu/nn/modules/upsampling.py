"""Upsample, UpsamplingNearest2d and UpsamplingBilinear2d over F.interpolate."""
from .. import functional as F
from .module import Module


class Upsample(Module):
    """Resizes a batch of 1-d or 2-d signals to `size` or by `scale_factor` (`F.interpolate`).

    Arguments: `size=None`, `scale_factor=None` (exactly one of them), `mode="nearest"` (also
    "nearest-exact", "linear" for 3-D inputs, "bilinear" and "bicubic" for 4-D inputs, "area"),
    `align_corners=None`, `recompute_scale_factor=None`. 5-D inputs ("trilinear") are not supported.

    Shape: input `(N, C, L)` or `(N, C, H, W)`; output with the new spatial sizes.
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        """`F.interpolate` of the inputs with the layer's arguments."""
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour 2-d upsampling.

    `Upsample(size, scale_factor, mode="nearest")` for `(N, C, H, W)` inputs (PyTorch's older
    spelling).
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear 2-d upsampling with aligned corners.

    `Upsample(size, scale_factor, mode="bilinear", align_corners=True)` for `(N, C, H, W)` inputs
    (PyTorch's older spelling).
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
