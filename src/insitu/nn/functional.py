"""insitu.nn.functional: the functional forms of layers, activations and losses.

`inplace=True` activations write into their input and keep nothing extra for backward where the
gradient can be read off the output (relu, relu6/hardtanh, leaky_relu with a positive slope,
elu): the saved tensor *is* the output buffer.
"""
import warnings

from ._activations import (leaky_relu_out, leaky_relu_inplace, elu_out, elu_inplace, gelu_out,
                           silu_out, silu_inplace)
from ._linear import linear, bilinear
from ._losses import (mse_loss, l1_loss, smooth_l1_loss, huber_loss, cross_entropy, nll_loss,
                      binary_cross_entropy, binary_cross_entropy_with_logits)
from ._norms import layer_norm, batch_norm
from ._sparse import embedding

__all__ = [
    "linear", "bilinear", "embedding", "dropout", "layer_norm", "batch_norm", "relu", "relu_",
    "leaky_relu", "leaky_relu_", "relu6", "hardtanh", "hardtanh_", "elu", "elu_", "gelu",
    "silu", "sigmoid", "tanh", "softmax", "log_softmax", "mse_loss", "l1_loss",
    "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "one_hot",
]


# ------------------------------------------------------------------ activations

def relu(input, inplace=False):
    return input.relu_() if inplace else input.relu()


def relu_(input):
    return input.relu_()


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return input.hardtanh_(min_val, max_val)
    return input.hardtanh(min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        return leaky_relu_inplace(input, negative_slope)
    return leaky_relu_out(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu_inplace(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return elu_inplace(input, alpha) if inplace else elu_out(input, alpha)


def elu_(input, alpha=1.0):
    return elu_inplace(input, alpha)


def gelu(input, approximate="none"):
    return gelu_out(input, approximate)


def silu(input, inplace=False):
    return silu_inplace(input) if inplace else silu_out(input)


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return input.softmax(dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return input.log_softmax(dim)


# ------------------------------------------------------------------ dropout

def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (PyTorch's
    `input * noise`, so the mask is what backward keeps; in place, nothing else is kept)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0 or input.numel() == 0:
        return input
    from ..creation import bernoulli, zeros
    if p == 1:
        noise = zeros((), dtype=input.dtype)
    else:
        noise = bernoulli(input.detach(), 1 - p)
        noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


# ------------------------------------------------------------------ misc

def one_hot(tensor, num_classes=-1):
    from ..backend import xp
    from ..core import dtypes
    from ..core.tensor import wrap
    idx = tensor._data
    if idx.dtype != xp.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0):
        raise RuntimeError("Class values must be non-negative.")
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = xp.zeros(idx.shape + (num_classes,), xp.int64)
    xp.put_along_axis(out, idx[..., None], 1, axis=-1)
    return wrap(out, dtypes.int64)


