"""Activations, as torch.nn.functional has them.

relu, hardtanh, sigmoid, tanh and the softmaxes are Tensor methods; leaky_relu, elu, gelu and
silu are declared in `insitu.ops.activation` (its FUNCTIONAL table) and their entry points are
generated here, once. The in-place forms keep only their output where the gradient can be read
off it (relu_, hardtanh_, leaky_relu_ with a positive slope, elu_).
"""
import warnings

from ...ops.activation import FUNCTIONAL
from ...ops.codegen import entry_points

_GEN = {name: entry_points(op) for name, op in FUNCTIONAL.items()}

_leaky_relu = _GEN["leaky_relu"]["function"]
_leaky_relu_ = _GEN["leaky_relu_"]["inplace"]
_elu = _GEN["elu"]["function"]
_elu_ = _GEN["elu_"]["inplace"]
_gelu = _GEN["gelu"]["function"]
_silu = _GEN["silu"]["function"]
_silu_ = _GEN["silu"]["inplace"]


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
        return _leaky_relu_(input, negative_slope)
    return _leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return _leaky_relu_(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return _elu_(input, alpha) if inplace else _elu(input, alpha)


def elu_(input, alpha=1.0):
    return _elu_(input, alpha)


def gelu(input, approximate="none"):
    return _gelu(input, approximate)


def silu(input, inplace=False):
    return _silu_(input) if inplace else _silu(input)


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
