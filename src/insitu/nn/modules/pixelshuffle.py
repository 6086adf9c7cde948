"""PixelShuffle, PixelUnshuffle and ChannelShuffle over their F forms."""
from .. import functional as F
from .module import Module


class PixelShuffle(Module):
    """Moves channel blocks into space (sub-pixel upscaling).

    Rearranges `(*, C * r^2, H, W)` into `(*, C, H * r, W * r)`, r the `upscale_factor`
    (`F.pixel_shuffle`). The gradient is a pixel unshuffle; nothing is kept.
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        """Returns `F.pixel_shuffle(input, self.upscale_factor)`."""
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Moves space into channels: the inverse of `PixelShuffle`.

    Rearranges `(*, C, H * r, W * r)` into `(*, C * r^2, H, W)`, r the `downscale_factor`: the
    inverse of `PixelShuffle` (`F.pixel_unshuffle`). The gradient is a pixel shuffle.
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        """Returns `F.pixel_unshuffle(input, self.downscale_factor)`."""
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleaves the channels of `groups` groups.

    Shuffles the channels of `(N, C, *)`: seen as `(N, groups, C / groups, *)`, the two channel dims
    are swapped (`F.channel_shuffle`). The gradient is the inverse shuffle.
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        """Returns `F.channel_shuffle(input, self.groups)`."""
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
