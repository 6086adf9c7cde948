"""Activations, as torch.nn.functional has them.

relu, hardtanh, sigmoid, tanh and the softmaxes are Tensor methods; the other elementwise ones
are declared in `insitu.ops.activation` (its FUNCTIONAL table) and their entry points are
generated here, once. The in-place forms keep only their output where PyTorch's rule reads it
(relu_, leaky_relu_ with a positive slope, elu_, selu_, celu_, rrelu_); hardtanh_ and threshold_
keep a copy of their input, as PyTorch's. glu is one fused node (GluBackward0); tanhshrink,
softsign, softmin are PyTorch's own compositions of Tensor ops.
"""
import warnings

from ...backend import xp
from ...core.tensor import Tensor, _wrap_dim, new_tensor
from ...creation import rng
from ...ops.activation import FUNCTIONAL
from ...ops.checks import not_implemented
from ...ops.codegen import entry_points
from ...ops.derivatives import DIFFERENTIATED, Derivative, backward_node, record
from ...ops.shape import cat

_GEN = {name: entry_points(op) for name, op in FUNCTIONAL.items()}


def _fn(name):
    return _GEN[name]["function"]


def _inplace(name):
    return _GEN[name]["inplace"]


_leaky_relu, _leaky_relu_ = _fn("leaky_relu"), _inplace("leaky_relu_")
_elu, _elu_ = _fn("elu"), _inplace("elu_")
_celu, _celu_ = _fn("celu"), _inplace("celu_")
_gelu = _fn("gelu")
_silu, _silu_ = _fn("silu"), _inplace("silu")
_mish, _mish_ = _fn("mish"), _inplace("mish")
_hardswish, _hardswish_ = _fn("hardswish"), _inplace("hardswish")
_hardsigmoid, _hardsigmoid_ = _fn("hardsigmoid"), _inplace("hardsigmoid")
_softplus = _fn("softplus")
_log_sigmoid = _fn("log_sigmoid")
_hardshrink, _softshrink = _fn("hardshrink"), _fn("softshrink")
_threshold, _threshold_ = _fn("threshold"), _inplace("threshold_")
_rrelu_train, _rrelu_train_ = _fn("rrelu_train"), _inplace("rrelu_train_")
_rrelu_eval, _rrelu_eval_ = _fn("rrelu_eval"), _inplace("rrelu_eval_")
_prelu_kernel = _fn("prelu")

# SELU's constants, as PyTorch writes them
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# ------------------------------------------------------------------ rectifiers

def relu(input, inplace=False):
    """`max(0, x)`, elementwise (`nn.ReLU`).

    The node (ReluBackward0) keeps only the output, in place too: the gradient is read off it.
    `inplace=True` writes into the input (its version moves by one) and returns it.

    Shape: input `(*)`; output the same shape.
    """
    try:
        return input.relu_() if inplace else input.relu()
    except AttributeError:
        raise _not_a_tensor("relu_" if inplace else "relu", input) from None


def _not_a_tensor(name, value):
    """PyTorch's refusal of an input that is not a tensor (its `torch._C._nn` functions'
    argument parser); anything else is re-raised as it was."""
    if isinstance(value, Tensor):
        raise
    return TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                     f"{type(value).__name__}")


def relu_(input):
    """In-place ReLU.

    `relu(input, inplace=True)`: writes into the input (its version moves by one) and returns it;
    the node keeps only the output.
    """
    try:
        return input.relu_()
    except AttributeError:
        raise _not_a_tensor("relu_", input) from None


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamps each element to `[min_val, max_val]`.

    `x` clamped to `[min_val, max_val]` (defaults -1 and 1; `nn.Hardtanh`); `min_val > max_val`
    raises ValueError.

    The gradient passes where the input is strictly inside the bounds. The node (HardtanhBackward0)
    keeps the input (in place, a copy of it, as PyTorch's). `inplace=True` writes into the input
    (its version moves by one) and returns it.

    Shape: input `(*)`; output the same shape.
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    try:
        if inplace:
            return input.hardtanh_(min_val, max_val)
        return input.hardtanh(min_val, max_val)
    except AttributeError:
        raise _not_a_tensor("hardtanh_" if inplace else "hardtanh", input) from None


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place hardtanh.

    `hardtanh(input, min_val, max_val, inplace=True)`: writes into the input (its version moves by
    one); the node keeps a copy of the input.
    """
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """ReLU capped at 6, elementwise.

    `min(max(0, x), 6)`: `hardtanh(input, 0, 6, inplace)` (`nn.ReLU6`). The node (HardtanhBackward0)
    keeps the input (in place, a copy of it). `inplace=True` writes into the input (its version
    moves by one) and returns it.

    Shape: input `(*)`; output the same shape.
    """
    if inplace and not isinstance(input, Tensor):
        raise _not_a_tensor("relu6_", input)
    if not isinstance(input, Tensor):
        raise _not_a_tensor("relu6", input)
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """Leaky ReLU, elementwise.

    `x` where `x >= 0`, `negative_slope * x` elsewhere (`negative_slope=0.01`; `nn.LeakyReLU`;
    floating inputs only).

    Out of place the node (LeakyReluBackward0) keeps the input. `inplace=True` writes into the input
    (its version moves by one) and the node (LeakyReluBackward1) keeps only the output; its backward
    then refuses a negative slope with PyTorch's error.

    Shape: input `(*)`; output the same shape.
    """
    if inplace and not isinstance(input, Tensor):
        raise _not_a_tensor("leaky_relu_", input)
    if inplace:
        return _leaky_relu_(input, negative_slope)
    return _leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    """In-place leaky ReLU.

    `leaky_relu(input, negative_slope, inplace=True)`: writes into the input (its version moves by
    one); the node (LeakyReluBackward1) keeps only the output.
    """
    return _leaky_relu_(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """Exponential linear unit, elementwise.

    `x` where `x > 0`, `alpha * (exp(x) - 1)` elsewhere (`alpha=1.0`; `nn.ELU`; floating inputs
    only).

    Out of place the node (EluBackward0) keeps the input. `inplace=True` writes into the input (its
    version moves by one) and the node (EluBackward1) keeps only the output; its backward then
    refuses a negative `alpha`, as PyTorch's.

    Shape: input `(*)`; output the same shape.
    """
    if inplace and not isinstance(input, Tensor):
        raise _not_a_tensor("elu_", input)
    return _elu_(input, alpha) if inplace else _elu(input, alpha)


def elu_(input, alpha=1.0):
    """In-place ELU.

    `elu(input, alpha, inplace=True)`: writes into the input (its version moves by one); the node
    (EluBackward1) keeps only the output.
    """
    return _elu_(input, alpha)


def selu(input, inplace=False):
    """Scaled ELU with the self-normalising constants.

    `scale * elu(x, alpha)` with PyTorch's constants (`alpha = 1.6732632423543772`,
    `scale = 1.0507009873554805`; `nn.SELU`).

    It is elu with those coefficients: EluBackward0 keeping the input, or with `inplace=True` (the
    input overwritten, its version moved by one) EluBackward1 keeping only the output.

    Shape: input `(*)`; output the same shape.
    """
    if inplace and not isinstance(input, Tensor):
        raise _not_a_tensor("selu_", input)
    if inplace:
        return _elu_(input, _SELU_ALPHA, _SELU_SCALE)
    return _elu(input, _SELU_ALPHA, _SELU_SCALE)


def selu_(input):
    """In-place SELU.

    `selu(input, inplace=True)`: writes into the input (its version moves by one); the node
    (EluBackward1) keeps only the output.
    """
    return selu(input, inplace=True)


def _check_celu(alpha):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")


def celu(input, alpha=1.0, inplace=False):
    """`max(0, x) + min(0, alpha * (exp(x / alpha) - 1))` (`alpha=1.0`, not 0; `nn.CELU`).

    Out of place the node (CeluBackward0) keeps the input; `inplace=True` writes into the input (its
    version moves by one) and the node (CeluBackward1) keeps only the output.

    Shape: input `(*)`; output the same shape.
    """
    if inplace and not isinstance(input, Tensor):
        raise _not_a_tensor("celu_", input)
    _check_celu(alpha)
    return _celu_(input, alpha) if inplace else _celu(input, alpha)


def celu_(input, alpha=1.0):
    """In-place CELU.

    `celu(input, alpha, inplace=True)`: writes into the input (its version moves by one); the node
    (CeluBackward1) keeps only the output.
    """
    return celu(input, alpha, inplace=True)


def _rrelu_noise(input, lower, upper):
    """PyTorch's noise: a slope drawn uniformly in [lower, upper] where the input is <= 0, 1
    elsewhere."""
    x = input._data
    slopes = rng().random(x.shape)
    slopes *= upper - lower
    slopes += lower
    noise = xp.where(x <= 0, slopes, 1.0).astype(x.dtype, copy=False)
    return new_tensor(noise, input._dtype)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomised leaky ReLU.

    Randomised leaky ReLU (`nn.RReLU`). With `training=True`, each element `x <= 0` of a floating
    input is multiplied by a slope drawn uniformly from `[lower, upper]` (defaults 1/8 and 1/3);
    otherwise it is `leaky_relu` with slope `(lower + upper) / 2`. Note `training=False` by default,
    as PyTorch.

    In training the node (RreluWithNoiseBackward0) keeps the drawn noise (the slopes, 1 where
    `x > 0`), otherwise the input. `inplace=True` writes into the input (its version moves by one)
    and the node (RreluWithNoiseBackward1) keeps the noise in training, only the output otherwise.

    Shape: input `(*)`; output the same shape.
    """
    if inplace and not isinstance(input, Tensor):
        raise _not_a_tensor("rrelu_", input)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if training:
        if input._dtype.is_floating_point:
            noise = _rrelu_noise(input, lower, upper)
            return _rrelu_train_(input, noise) if inplace else _rrelu_train(input, noise)
    return _rrelu_eval_(input, lower, upper) if inplace else _rrelu_eval(input, lower, upper)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place randomised leaky ReLU.

    `rrelu(input, lower, upper, training, inplace=True)`: writes into the input (its version moves
    by one).
    """
    return rrelu(input, lower, upper, training, inplace=True)


def threshold(input, threshold, value, inplace=False):
    """Replaces the values at or below a threshold.

    `x` where `x > threshold`, `value` elsewhere (`nn.Threshold`), the two numbers taken in the
    input's dtype as PyTorch's kernel takes them.

    Out of place the node (ThresholdBackward0) keeps the input. `inplace=True` writes into the input
    (its version moves by one) and the node (ThresholdBackward1) keeps a copy of the input, as
    PyTorch's does.

    Shape: input `(*)`; output the same shape.
    """
    if inplace and not isinstance(input, Tensor):
        raise _not_a_tensor("threshold_", input)
    if inplace:
        return threshold_(input, threshold, value)
    return _threshold(input, threshold, value)


def threshold_(input, threshold, value):
    """In-place threshold.

    `threshold(input, threshold, value, inplace=True)`: writes into the input (its version moves by
    one); the node keeps a copy of the input.
    """
    return _threshold_(input, threshold, value)


def prelu(input, weight):
    """`x` where `x > 0`, `weight * x` elsewhere (`nn.PReLU`).

    `weight` is a scalar or a 1-D tensor of one slope per channel (dim 1 of the input; a 1-D input
    takes a single slope), of the input's dtype (no type promotion, as PyTorch). The node
    (PreluKernelBackward0) keeps the input and the weight; both get gradients.

    Shape: input `(*)`, channels at dim 1; weight `(1,)` or `(C,)`; output the input's shape.
    """
    if input._dtype is not weight._dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {input._dtype.legacy} and "
                           f"{weight._dtype.legacy}")
    n = weight.numel()
    ndim = input.dim()
    if n != 1:
        if ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if ndim > 1 else 1
        if channels != n:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {n} and channel size = {channels}.")
    if weight.dim() > 1:
        raise RuntimeError("prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.dim()}")
    if ndim != weight.dim():
        shape = [1] * ndim
        if ndim > 1:
            shape[1] = n
        weight = weight.reshape(shape)
    return _prelu_kernel(input, weight)


# ------------------------------------------------------------------ smooth

def gelu(input, approximate="none"):
    """Gaussian error linear unit, elementwise (exact or tanh-approximated).

    `x * Phi(x)`, Phi the standard normal CDF (`nn.GELU`); `approximate="tanh"` uses
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`. Other values raise.

    The node (GeluBackward0) keeps the input.

    Shape: input `(*)`; output the same shape.
    """
    return _gelu(input, approximate)


def silu(input, inplace=False):
    """`x * sigmoid(x)`, elementwise (`nn.SiLU`).

    The node (SiluBackward0) keeps the input; `inplace=True` writes into the input (its version
    moves by one) and the node keeps a copy of the input, as PyTorch's does.

    Shape: input `(*)`; output the same shape.
    """
    if inplace and not isinstance(input, Tensor):
        raise _not_a_tensor("silu_", input)
    return _silu_(input) if inplace else _silu(input)


def mish(input, inplace=False):
    """`x * tanh(softplus(x))`, elementwise (`nn.Mish`; floating inputs only).

    The node (MishBackward0) keeps the input; `inplace=True` writes into the input (its version
    moves by one) and the node keeps a copy of the input.

    Shape: input `(*)`; output the same shape.
    """
    if inplace and not isinstance(input, Tensor):
        raise _not_a_tensor("mish_", input)
    return _mish_(input) if inplace else _mish(input)


def hardswish(input, inplace=False):
    """`x * relu6(x + 3) / 6`, elementwise (`nn.Hardswish`; floating inputs only).

    The node (HardswishBackward0) keeps the input; `inplace=True` writes into the input (its version
    moves by one) and the node keeps a copy of the input.

    Shape: input `(*)`; output the same shape.
    """
    if inplace and not isinstance(input, Tensor):
        raise _not_a_tensor("hardswish_", input)
    return _hardswish_(input) if inplace else _hardswish(input)


def hardsigmoid(input, inplace=False):
    """`relu6(x + 3) / 6`, elementwise (`nn.Hardsigmoid`; floating inputs only).

    The node (HardsigmoidBackward0) keeps the input; `inplace=True` writes into the input (its
    version moves by one) and the node keeps a copy of the input.

    Shape: input `(*)`; output the same shape.
    """
    if inplace and not isinstance(input, Tensor):
        raise _not_a_tensor("hardsigmoid_", input)
    return _hardsigmoid_(input) if inplace else _hardsigmoid(input)


def softplus(input, beta=1.0, threshold=20.0):
    """Softplus, a smooth ReLU, elementwise.

    `log(1 + exp(beta * x)) / beta`, and `x` itself where `beta * x > threshold` (defaults
    `beta=1.0`, `threshold=20.0`; `nn.Softplus`).

    The node (SoftplusBackward0) keeps the input.

    Shape: input `(*)`; output the same shape.
    """
    return _softplus(input, beta, threshold)


def logsigmoid(input):
    """Log of the sigmoid, elementwise.

    `log(sigmoid(x))`, computed as `min(x, 0) - log1p(exp(-|x|))` (`nn.LogSigmoid`). The node
    (LogSigmoidBackward0) keeps the input.

    Shape: input `(*)`; output the same shape.
    """
    return _log_sigmoid(input)


def sigmoid(input):
    """`1 / (1 + exp(-x))`: `input.sigmoid()`. The node (SigmoidBackward0) keeps only the output.

    Shape: input `(*)`; output the same shape.
    """
    return input.sigmoid()


def tanh(input):
    """`tanh(x)`: `input.tanh()`. The node (TanhBackward0) keeps only the output.

    Shape: input `(*)`; output the same shape.
    """
    return input.tanh()


def tanhshrink(input):
    """`x - tanh(x)` (`nn.Tanhshrink`), composed as PyTorch composes it (its node SubBackward0).

    Shape: input `(*)`; output the same shape.
    """
    return input - input.tanh()


def softsign(input):
    """`x / (1 + |x|)` (`nn.Softsign`), composed as PyTorch composes it (its node DivBackward0).

    Shape: input `(*)`; output the same shape.
    """
    return input / (input.abs() + 1)


# ------------------------------------------------------------------ shrinkage

def hardshrink(input, lambd=0.5):
    """Hard shrinkage: zeroes the values within `lambd` of 0.

    `x` where `|x| > lambd`, 0 elsewhere (`lambd=0.5`; `nn.Hardshrink`). The node
    (HardshrinkBackward0) keeps the input.

    Shape: input `(*)`; output the same shape.
    """
    return _hardshrink(input, lambd)


def softshrink(input, lambd=0.5):
    """Soft shrinkage: moves each value `lambd` towards 0, zeroing those within it.

    `x - lambd` above `lambd`, `x + lambd` below `-lambd`, 0 between (`lambd=0.5`; `nn.Softshrink`);
    a negative `lambd` raises. The node (SoftshrinkBackward0) keeps the input.

    Shape: input `(*)`; output the same shape.
    """
    dt = input._dtype
    if dt.is_floating_point and not 0 <= lambd <= float(xp.finfo(dt.np).max):
        raise RuntimeError(f"lambda must be in range [0, {float(xp.finfo(dt.np).max):g}] for "
                           f"input dtype {dt.legacy}, but found {lambd:g}")
    return _softshrink(input, lambd)


# ------------------------------------------------------------------ glu

def _halves(x, dim):
    n = x.shape[dim] // 2
    first = [slice(None)] * x.ndim
    second = list(first)
    first[dim], second[dim] = slice(0, n), slice(n, None)
    return x[tuple(first)], x[tuple(second)]


def _glu_adjoint(grad, self, dim):
    """The gradient of glu's backward for its grad_output (PyTorch's
    glu_double_backward_grad_output): the backward's adjoint, the two halves of
    grad * glu_backward(ones, self) summed."""
    shape = list(self.shape)
    shape[dim] //= 2
    t = grad * _glu_backward(self.new_ones(shape), self, dim)
    a, b = t.chunk(2, dim)
    return a + b


@backward_node(grad_output=_glu_adjoint, self=DIFFERENTIATED)
def _glu_backward(grad, self, dim):
    a, b = self.chunk(2, dim)
    s = b.sigmoid()
    ga = grad * s
    return cat([ga, ga * a * (1 - s)], dim)


_GLU = Derivative("GluBackward0", {"self": _glu_backward})


def glu(input, dim=-1):
    """Gated linear unit: one half of the input gated by the other.

    The gated linear unit: `a * sigmoid(b)`, `a` and `b` the halves of the input along `dim`
    (default -1; `nn.GLU`).

    One fused node (GluBackward0) that keeps the input. Scalars, odd sizes at `dim` and non-floating
    inputs raise, with PyTorch's messages.

    Shape: input `(*, 2 * M, *)`; output `(*, M, *)`.
    """
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _wrap_dim(dim, input.dim())
    if not input._dtype.is_floating_point:
        raise not_implemented("glu_cpu", input._dtype)
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    a, b = _halves(input._data, d)
    # a * sigmoid(b), the sigmoid as 1 / (1 + exp(-b))
    s = xp.negative(b)
    xp.exp(s, out=s)
    s += 1
    xp.reciprocal(s, out=s)
    s *= a
    return record(_GLU, (input,), new_tensor(s, input._dtype), {"dim": d})


# ------------------------------------------------------------------ softmax family

def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """`exp(x) / sum(exp(x))` along `dim`, computed stably (`nn.Softmax`).

    `dim=None` is PyTorch's deprecated implicit choice (a warning; dim 0 for 0-, 1- and 3-D inputs,
    1 otherwise). `dtype` casts the input first. The node (SoftmaxBackward0) keeps only the output.

    Shape: input `(*)`; output the same shape.
    """
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return input.softmax(dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """Softmin along a dim: the softmax of the negated input.

    `softmax(-x)` along `dim` (`nn.Softmin`); `dim` and `dtype` as for `softmax`. The softmax node
    keeps only the output.

    Shape: input `(*)`; output the same shape.
    """
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    neg = -input
    if dtype is not None:
        neg = neg.to(dtype)
    return neg.softmax(dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Log of the softmax along a dim.

    `log(softmax(x))` along `dim`, computed stably (`nn.LogSoftmax`); `dim` and `dtype` as for
    `softmax`. The node (LogSoftmaxBackward0) keeps only the output.

    Shape: input `(*)`; output the same shape.
    """
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return input.log_softmax(dim)
