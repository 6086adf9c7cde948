"""LayerNorm, GroupNorm, RMSNorm and LocalResponseNorm (the batch and instance norms are in
`batchnorm` and `instancenorm`)."""
from ...creation import empty
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import _factory, _optional_bias
from .module import Module


class LayerNorm(Module):
    """Layer normalisation over the trailing dims.

    Normalises over the last `len(normalized_shape)` dims:
    `y = (x - mean) / sqrt(var + eps) * weight + bias`, the variance biased (`F.layer_norm`).

    Arguments: `normalized_shape` (an int or a tuple: the trailing dims), `eps=1e-5`,
    `elementwise_affine=True` (learnable `weight`, ones, and `bias`, zeros, of shape
    `normalized_shape`), `bias=True` (False registers `bias` as None), `device`, `dtype`.

    One fused node (NativeLayerNormBackward0): it keeps the input and the weight (version-checked)
    and each row's mean and inverse standard deviation (private arrays), and rebuilds the normalised
    input from them.

    Shape: input `(*, *normalized_shape)`; output the same shape.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        dt = _factory(device, dtype)
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, dtype=dt))
            _optional_bias(self, bias, self.normalized_shape, dt)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Sets `weight` to ones and `bias` to zeros, when `elementwise_affine`."""
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        """`F.layer_norm` of the inputs with the layer's arguments."""
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")




class GroupNorm(Module):
    """Group normalisation layer.

    Splits the channels into `num_groups` groups and normalises each sample's group over its
    channels and positions, then scales and shifts per channel (`F.group_norm`).

    Arguments: `num_groups`, `num_channels` (divisible by `num_groups`), `eps=1e-5`, `affine=True`
    (learnable `weight`, ones, and `bias`, zeros, of shape `(num_channels,)`), `device`, `dtype`,
    keyword `bias=True`.

    One fused node (NativeGroupNormBackward0) keeping the input, the weight and each group's mean
    and inverse standard deviation.

    Shape: input `(N, C, *)`; output the same shape.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None,
                 *, bias=True):
        super().__init__()
        dt = _factory(device, dtype)
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(empty(num_channels, dtype=dt))
            _optional_bias(self, bias, num_channels, dt)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Sets `weight` to ones and `bias` to zeros, when `affine`."""
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        """Returns `F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)`."""
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalisation layer.

    `y = x / sqrt(mean(x^2) + eps) * weight`, the mean over the last `len(normalized_shape)` dims
    (`F.rms_norm`).

    Arguments: `normalized_shape`, `eps=None` (the input dtype's machine epsilon),
    `elementwise_affine=True` (a learnable `weight` of ones; there is no bias), `device`, `dtype`.
    Composed of Tensor ops as PyTorch composes it.

    Shape: input `(*, *normalized_shape)`; output the same shape.
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        dt = _factory(device, dtype)
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, dtype=dt))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Sets `weight` to ones, when `elementwise_affine`."""
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x):
        """Returns `F.rms_norm(x, self.normalized_shape, self.weight, self.eps)`."""
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Local response normalisation across neighbouring channels.

    Normalises each channel by its neighbours: `y_c = x_c / (k + alpha / size * sum of x^2 over the
    size channels around c)^beta`, zero padded at the ends (`F.local_response_norm`).

    Arguments: `size`, `alpha=1e-4`, `beta=0.75`, `k=1.0`. Composed of Tensor ops as PyTorch
    composes it.

    Shape: input `(N, C, *)`, at least 3-D; output the same shape.
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        """Returns `F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)`."""
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
