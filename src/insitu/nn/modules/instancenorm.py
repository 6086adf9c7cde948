"""InstanceNorm1d/2d/3d: per-sample, per-channel normalisation (PyTorch's defaults: no affine
parameters, no running statistics). Inputs without a batch dimension are taken as one sample.
"""
import warnings

from .. import functional as F
from .batchnorm import _NormBase


class _InstanceNorm(_NormBase):
    _batch_dims: int = 0    # the input's dimensions with a batch dimension (set per class)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _check_input_dim(self, input):
        n = self._batch_dims
        if input.dim() not in (n - 1, n):
            raise ValueError(f"expected {n - 1}D or {n}D input (got {input.dim()}D input)")

    def _get_no_batch_dim(self):
        return self._batch_dims - 1

    def _handle_no_batch_input(self, input):
        return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)

    def _apply_instance_norm(self, input):
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight,
                               self.bias, self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def forward(self, input):
        """`F.instance_norm` of `input` with the layer's statistics and affine parameters.

        An input without a batch dim is one sample. A wrong rank raises ValueError, a channel count
        other than `num_features` too with `affine=True` (only a warning otherwise).
        """
        self._check_input_dim(input)
        feature_dim = input.dim() - self._get_no_batch_dim()
        if input.size(feature_dim) != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features"
                    f" ({self.num_features}), but got: {input.size(feature_dim)}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. "
                          "You can silence this warning by not passing in num_features, "
                          "which is not used because affine=False", stacklevel=2)
        if input.dim() == self._get_no_batch_dim():
            return self._handle_no_batch_input(input)
        return self._apply_instance_norm(input)


_COMMON_DOC = """    Arguments: `num_features` (C), `eps=1e-5`, `momentum=0.1`, `affine=False` (learnable `weight`
    and `bias` of shape `(C,)`), `track_running_stats=False` (running statistics kept, then used in
    evaluation mode), `device`, `dtype`, keyword `bias=True`. An input without a batch dimension is
    one sample. A channel count other than `num_features` raises with `affine=True`, and only warns
    otherwise, as PyTorch.

    It runs as batch norm of the input viewed as one sample of `N * C` channels
    (NativeBatchNormBackward0); running statistics, when kept, are the mean over the batch, one
    `copy_` each per training call (their version moves).

"""


class InstanceNorm1d(_InstanceNorm):
    __doc__ = """Instance normalisation layer for 1-d signals.

    Instance normalisation of 1-d signals. Each sample's channels are normalised over their own
    spatial positions (`F.instance_norm`).

{common}    Shape: input `(N, C, L)` or `(C, L)`; output the same shape.
    """.format(common=_COMMON_DOC)

    _batch_dims = 3


class InstanceNorm2d(_InstanceNorm):
    __doc__ = """Instance normalisation layer for images.

    Instance normalisation of images. Each sample's channels are normalised over their own spatial
    positions (`F.instance_norm`).

{common}    Shape: input `(N, C, H, W)` or `(C, H, W)`; output the same shape.
    """.format(common=_COMMON_DOC)

    _batch_dims = 4


class InstanceNorm3d(_InstanceNorm):
    __doc__ = """Instance normalisation layer for volumes.

    Instance normalisation of volumes. Each sample's channels are normalised over their own spatial
    positions (`F.instance_norm`).

{common}    Shape: input `(N, C, D, H, W)` or `(C, D, H, W)`; output the same shape.
    """.format(common=_COMMON_DOC)

    _batch_dims = 5
