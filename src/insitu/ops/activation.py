"""Activation functions as table ops: relu and hardtanh (Tensor methods), and the functional
forms behind `insitu.nn.functional` (the FUNCTIONAL table): the rectifiers and their relatives
(leaky_relu, rrelu, elu/selu/celu, threshold, the shrinks, prelu's kernel); the smooth ones
(gelu, silu, softplus, mish, log_sigmoid) and the piecewise-linear hardswish and hardsigmoid are
declared in `smooth_activation` and joined into the table here.

Kernels compute as PyTorch's CPU kernels do (the same expression, the coefficients in the
input's dtype), and each formula is PyTorch's derivatives.yaml entry written with insitu ops, so
it differentiates again.

In-place forms whose PyTorch rule reads the output (`relu_`, `leaky_relu_`, `elu_`, `selu_`,
`celu_`, `rrelu_`) keep the output itself, as PyTorch's `...Backward1` nodes do: no copy of the
input. Those are separate declarations (their formulas read `result`, not `self`). The others
(`hardtanh_`, `threshold_`, `silu_`, `mish_`, `hardswish_`, `hardsigmoid_`) keep a copy of their
input, as PyTorch does: what a later in-place write makes stale at backward is PyTorch's.
"""

from ..backend import clip, xp
from ..core import dtypes
from .checks import all_of, refuse, refuse_bool
from .derivatives import DIFFERENTIATED, ZEROS, backward_node
from .bitselect import BITS as _BITS, bitwise as _bitwise
from .bitselect import pass_where as _pass, select as _select
from . import activation_arrays as _arr
from . import smooth_activation
from .smooth_activation import float_only as _float_only
from .kernels import blocked, fresh, store
from .pointwise import where
from .table import EXPANDED_SELF, Op

_any_dim, _src = _arr.any_dim, _arr.in_dtype


def _relu_backward(grad, result):
    # PyTorch's threshold_backward zeroes where result <= 0: a nan result passes the gradient
    if isinstance(grad, xp.ndarray):
        return _pass(xp.logical_not(result <= 0), grad)
    return where((result <= 0).logical_not(), grad)


def _k_relu(out, dt, a):
    # zero first: NumPy's maximum returns its second operand on a tie, so relu(-0.0) is -0.0.
    # Against a number NumPy's maximum runs no SIMD loop (3x slower than against an array): a
    # float array is taken a block at a time against a block of zeros
    if a.dtype in _BITS and a.ndim and (out is None or out.dtype == a.dtype):
        r = out if out is not None else xp.empty(a.shape, a.dtype)
        return blocked(r, (a,), _relu_block, None)
    return xp.maximum(a.dtype.type(0), a, out=out)


def _relu_block(out, a, dtype):
    xp.maximum(_arr.zeros_block(a.dtype, a.shape), a, out=out)


def _k_hardtanh(out, dt, a, min_val=-1.0, max_val=1.0):
    if dt is not None and a.dtype != dt:
        a = a.astype(dt)
    if a.dtype.kind in "iu":
        min_val, max_val = _integer_bounds(a.dtype, min_val, max_val)
    return clip(a, min_val, max_val, out=out)


def _integer_bounds(np_dtype, *bounds):
    """hardtanh's bounds on an integer tensor, as PyTorch converts them (its Scalar.to<T>):
    checked as int64 first (inf and nan are refused there), truncated toward zero, then
    refused beyond the type's range (and negative for an unsigned type)."""
    dt = dtypes.from_numpy_dtype(np_dtype)
    for b in bounds:
        dtypes.checked_scalar(b, dtypes.int64)
    if np_dtype.kind == "u":
        if any(int(b) < 0 for b in bounds):
            raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
        bounds = tuple(int(b) for b in bounds)
    for b in bounds:
        dtypes.checked_scalar(b, dt)
    return tuple(int(b) for b in bounds)


# ------------------------------------------------------------------ leaky relu, rrelu

def _k_leaky_relu(out, dt, a, negative_slope=0.01):
    u = _BITS.get(a.dtype)
    if u is None or (dt is not None and dt != a.dtype):
        neg = a < 0                       # a 1-byte mask: the only temporary
        r = fresh(out, a, dt)
        return xp.multiply(r, negative_slope, out=r, where=neg)
    r = out if out is not None else xp.empty(a.shape, a.dtype)
    slope = a.dtype.type(negative_slope)
    body = _arr.leaky_block_max if 0 < slope <= 1 else _arr.leaky_block
    return blocked(r, (a, slope), body, u)


def _leaky_backward(grad, self, negative_slope):
    if isinstance(grad, xp.ndarray):
        slope = grad.dtype.type(negative_slope)
        if 0 <= slope <= 1 and _bitwise(grad, self) is not None:
            # grad * (self > 0 ? 1 : slope): the factor is the larger of the mask and the slope
            f = xp.empty(grad.shape, grad.dtype)
            xp.copyto(f, self > 0)
            xp.maximum(f, slope, out=f)
            return xp.multiply(grad, f, out=f)
        return _select(self > 0, grad, grad * slope)
    return where(self > 0, grad, grad * negative_slope)


def _leaky_backward_result(grad, result, negative_slope):
    if negative_slope < 0:
        raise RuntimeError(
            "In-place leakyReLu backward calculation is triggered with a negative slope which is "
            "not supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead. File an issue at "
            "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
            "backward calculation with negative slope")
    return _leaky_backward(grad, result, negative_slope)


def _k_rrelu_noise(out, dt, a, noise):
    # training: the noise holds a slope drawn in [lower, upper] where a <= 0 and 1 elsewhere
    return xp.multiply(a, noise, out=out)


def _k_rrelu_eval(out, dt, a, lower, upper):
    return _k_leaky_relu(out, dt, a, (lower + upper) / 2)


@backward_node(self=ZEROS)
def _rrelu_noise_backward(grad, self, noise):
    # self is not read, but kept: PyTorch's backward function reads it (and its own backward
    # is over self)
    return grad * noise


@backward_node(result=ZEROS)
def _rrelu_noise_backward_result(grad, result, noise):
    return grad * noise


@backward_node(self=ZEROS)
def _rrelu_eval_backward(grad, self, lower, upper):
    return _leaky_backward(grad, self, (lower + upper) / 2)


@backward_node(result=ZEROS)
def _rrelu_eval_backward_result(grad, result, lower, upper):
    return _leaky_backward_result(grad, result, (lower + upper) / 2)


# ------------------------------------------------------------------ elu, selu, celu

def _k_elu(out, dt, a, alpha=1.0, scale=1.0, input_scale=1.0):
    # PyTorch: x <= 0 ? expm1(x * input_scale) * (alpha * scale) : x * scale, the coefficients
    # in the input's dtype
    t = (dt or a.dtype).type
    u = _BITS.get(a.dtype)
    if u is not None and a.ndim and (dt is None or dt == a.dtype):
        r = out if out is not None else xp.empty(a.shape, a.dtype)
        return blocked(r, (a, t(alpha) * t(scale), t(scale), t(input_scale)), _arr.elu_block, u)
    neg = a <= 0
    r = fresh(out, a, dt)
    if input_scale != 1:
        xp.multiply(r, t(input_scale), out=r, where=neg)
    xp.expm1(r, out=r, where=neg)
    xp.multiply(r, t(alpha) * t(scale), out=r, where=neg)
    if scale != 1:
        xp.multiply(r, t(scale), out=r, where=~neg)
    return r


@backward_node(self=DIFFERENTIATED)
def _elu_backward(grad, self, alpha, scale, input_scale):
    if isinstance(grad, xp.ndarray):
        return _arr.elu_backward_array(grad, self, alpha, scale, input_scale)
    e = self.exp() if input_scale == 1 else (self * input_scale).exp()
    neg = grad * e * (alpha * scale * input_scale)
    return where(self <= 0, neg, grad if scale == 1 else grad * scale)


@backward_node(result=DIFFERENTIATED)
def _elu_backward_result(grad, result, alpha, scale, input_scale):
    if alpha < 0:
        raise RuntimeError(
            "In-place elu backward calculation is triggered with a negative slope which is not "
            "supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead.")
    if isinstance(grad, xp.ndarray):
        return _arr.elu_backward_result_array(grad, result, alpha, scale, input_scale)
    neg = grad * (result + alpha * scale)
    if input_scale != 1:
        neg = neg * input_scale
    return where(result <= 0, neg, grad if scale == 1 else grad * scale)


def _celu_input_scale(alpha):
    # PyTorch's backward divides by alpha converted to a C++ float (its forward by the double)
    return 1.0 / float(xp.float32(alpha))


def _k_celu(out, dt, a, alpha=1.0):
    return _k_elu(out, dt, a, alpha, 1.0, 1.0 / alpha)


@backward_node(name="EluBackwardBackward0", self=DIFFERENTIATED)
def _celu_backward(grad, self, alpha):
    return _elu_backward(grad, self, alpha, 1.0, _celu_input_scale(alpha))


@backward_node(name="EluBackwardBackward0", result=DIFFERENTIATED)
def _celu_backward_result(grad, result, alpha):
    return _elu_backward_result(grad, result, alpha, 1.0, _celu_input_scale(alpha))


# ------------------------------------------------------------------ threshold, shrinkage

def _cast_scalar(dt, a, v):
    """A Python number as PyTorch's kernels see it: converted to the input's dtype (an integer
    tensor truncates a float threshold)."""
    return (dt or a.dtype).type(v)


def _k_threshold(out, dt, a, threshold, value):
    d = dt or a.dtype
    replace = a <= _checked_scalar(d, threshold)
    r = fresh(out, a, dt)
    xp.copyto(r, _checked_scalar(d, value), where=replace)
    return r


def _checked_scalar(d, v):
    """A Python number converted into dtype `d` as PyTorch's threshold kernel converts it: out
    of the type's range is PyTorch's overflow error; an integer type truncates a float."""
    if d.kind in "iu":
        v = dtypes.checked_scalar(v, dtypes.from_numpy_dtype(d))
        return xp.asarray(v).astype(d)[()]
    return d.type(v)


def _threshold_backward(grad, self, threshold):
    return grad.masked_fill(self <= threshold, 0)


def _k_hardshrink(out, dt, a, lambd=0.5):
    lam = _cast_scalar(dt, a, lambd)
    src = _src(dt, a)
    if _bitwise(src) is None:
        inside = (a >= -lam) & (a <= lam)
        r = fresh(out, a, dt)
        xp.copyto(r, 0, where=inside)
        return r
    return _shrink(_arr.hardshrink_block, out, src, lam)


def _shrink(block, out, src, lam):
    """block(r, a, lam) over src, a block at a time, into out (when of src's dtype)."""
    def body(r, a, _):
        block(r, a, lam)
    if out is not None and out.dtype == src.dtype:
        return blocked(out, (src,), body, None)
    return store(blocked(xp.empty(src.shape, src.dtype), (src,), body, None), out)


def _shrink_backward(grad, self, lambd):
    inside = (self >= -lambd) & (self <= lambd)
    if isinstance(grad, xp.ndarray):
        return _pass(xp.logical_not(inside, out=inside), grad)
    return grad.masked_fill(inside, 0)


@_any_dim
def _k_softshrink(out, dt, a, lambd=0.5):
    # x - clamp(x, -lambd, lambd): x - lambd above, x + lambd below, 0 between
    lam = _cast_scalar(dt, a, lambd)
    if _bitwise(a) is not None:
        return _shrink(_arr.softshrink_block, out, a, lam)
    r = clip(a, -lam, lam)
    r = xp.subtract(a, r, out=out if out is not None else r)
    # between the bounds PyTorch's kernel gives x * 0: a zero with x's sign
    inside = (a >= -lam) & (a <= lam)
    return xp.multiply(a, 0, out=r, where=inside)


# ------------------------------------------------------------------ prelu

def _k_prelu(out, dt, a, weight):
    # x > 0 ? x : weight * x, with the weight viewed to broadcast over the channels
    r = xp.asarray(xp.multiply(weight, a))       # an array even when both are 0-dim
    if r.shape == a.shape and r.size and 0 < weight.min() and weight.max() <= 1:
        return store(xp.maximum(a, r, out=r), out)   # the larger of the two (leaky_block_max)
    r = _select(a > 0, a, r)
    if out is not None:
        xp.copyto(out, r)
        return out
    return r


def _prelu_masked_product(grad, grad_output, self):
    # the gradient of weight * grad_output (input's) and of self * grad_output (weight's) where
    # self <= 0, for the other factor
    return (grad * grad_output).masked_fill(self > 0, 0)


# both gradients are of PyTorch's one node over grad_output, self and weight: each reads all
# three, so that its own gradient requires grad when any of them does
@backward_node(name="PreluKernelBackwardBackward0", self=ZEROS, weight=_prelu_masked_product)
def _prelu_input_backward(grad, self, weight):
    return where(self > 0, grad, weight * grad)


@backward_node(name="PreluKernelBackwardBackward0", self=_prelu_masked_product, weight=ZEROS)
def _prelu_weight_backward(grad, self, weight):
    return (self * grad).masked_fill(self > 0, 0)


# the rectifiers' formulas as PyTorch's backward functions, with their own nodes when
# differentiated again (ThresholdBackwardBackward0, ...): the tensor they read is a mask
_relu_backward = backward_node("ThresholdBackwardBackward0", result=ZEROS)(_relu_backward)
_threshold_backward = backward_node("ThresholdBackwardBackward0", self=ZEROS)(_threshold_backward)
_leaky_backward_result = backward_node("LeakyReluBackwardBackward0",
                                       result=ZEROS)(_leaky_backward_result)
_leaky_backward = backward_node("LeakyReluBackwardBackward0", self=ZEROS)(_leaky_backward)
_hardshrink_backward = backward_node("HardshrinkBackwardBackward0", self=ZEROS)(_shrink_backward)
_softshrink_backward = backward_node("SoftshrinkBackwardBackward0", self=ZEROS)(_shrink_backward)


@backward_node(self=ZEROS)
def _hardtanh_backward(grad, self, min_val, max_val):
    """No gradient at or beyond the bounds, all of it elsewhere (NaN included); PyTorch's
    hardtanh_backward (HardtanhBackwardBackward0 when differentiated again)."""
    out = (self <= min_val) | (self >= max_val)
    if isinstance(grad, xp.ndarray):
        return xp.where(out, grad.dtype.type(0), grad)
    return grad.masked_fill(out, 0)


_HARDTANH = {"self": _hardtanh_backward}

TENSOR_METHODS = [
    Op("relu(Tensor self)", _k_relu, promote="same",
       check=refuse_bool("Boolean inputs not supported for relu"),
       derivatives={"self": _relu_backward}, on_arrays=True),
    Op("hardtanh(Tensor self, min_val=-1.0, max_val=1.0)", _k_hardtanh, promote="same",
       check=refuse_bool("Bool inputs not supported for hardtanh"), derivatives=_HARDTANH),
]


def _same_dtype(args, params):
    """prelu's weight has the input's dtype (PyTorch's kernel does not promote)."""
    self, weight = args
    if weight._dtype is not self._dtype:
        raise RuntimeError(f"Found dtype {weight._dtype.legacy} but expected "
                           f"{self._dtype.legacy}")


_ELU = {"self": _elu_backward}
_ELU_RESULT = {"self": _elu_backward_result}
_LEAKY_CHECK = _float_only("leaky_relu_cpu")

FUNCTIONAL = {
    "leaky_relu": Op("leaky_relu(Tensor self, negative_slope=0.01)", _k_leaky_relu,
                     promote="same", variants="function", node="LeakyReluBackward0",
                     check=_LEAKY_CHECK, derivatives={"self": _leaky_backward},
                     on_arrays=True),
    "leaky_relu_": Op("leaky_relu(Tensor self, negative_slope=0.01)", _k_leaky_relu,
                      promote="same", variants="inplace", node="LeakyReluBackward1",
                      check=_LEAKY_CHECK, derivatives={"self": _leaky_backward_result},
                      on_arrays=True),
    # elu carries PyTorch's scale and input_scale, so selu is elu with SELU's constants (its
    # node is EluBackward0, as PyTorch's)
    "elu": Op("elu(Tensor self, alpha=1.0, scale=1.0, input_scale=1.0)", _k_elu,
              promote="same", variants="function", node="EluBackward0",
              check=_float_only("elu_cpu"), derivatives=_ELU, on_arrays=True),
    "elu_": Op("elu(Tensor self, alpha=1.0, scale=1.0, input_scale=1.0)", _k_elu,
               promote="same", variants="inplace", node="EluBackward1",
               check=_float_only("elu_cpu"), derivatives=_ELU_RESULT, on_arrays=True),
    "celu": Op("celu(Tensor self, alpha=1.0)", _k_celu, promote="same", variants="function",
               node="CeluBackward0", check=_float_only("elu_cpu"),
               derivatives={"self": _celu_backward}, on_arrays=True),
    "celu_": Op("celu(Tensor self, alpha=1.0)", _k_celu, promote="same", variants="inplace",
                node="CeluBackward1", check=_float_only("elu_cpu"),
                derivatives={"self": _celu_backward_result}, on_arrays=True),
    # rrelu: in training the slopes are drawn by the caller (the noise operand, kept for
    # backward as PyTorch keeps it); in evaluation it is leaky_relu with the mean slope
    "rrelu_train": Op("rrelu_with_noise(Tensor self, Tensor noise)", _k_rrelu_noise,
                      promote="same", variants="function", node="RreluWithNoiseBackward0",
                      check=_LEAKY_CHECK,
                      derivatives={"self": _rrelu_noise_backward}),
    "rrelu_train_": Op("rrelu_with_noise(Tensor self, Tensor noise)", _k_rrelu_noise,
                       promote="same", variants="inplace", node="RreluWithNoiseBackward1",
                       check=_LEAKY_CHECK,
                       derivatives={"self": _rrelu_noise_backward_result}),
    "rrelu_eval": Op("rrelu_with_noise(Tensor self, lower, upper)", _k_rrelu_eval,
                     promote="same", variants="function", node="RreluWithNoiseBackward0",
                     check=_LEAKY_CHECK, derivatives={"self": _rrelu_eval_backward}),
    "rrelu_eval_": Op("rrelu_with_noise(Tensor self, lower, upper)", _k_rrelu_eval,
                      promote="same", variants="inplace", node="RreluWithNoiseBackward1",
                      check=_LEAKY_CHECK, derivatives={"self": _rrelu_eval_backward_result}),
    "threshold": Op("threshold(Tensor self, threshold, value)", _k_threshold, promote="same",
                    variants="function", node="ThresholdBackward0",
                    check=refuse("threshold_cpu", "b"),
                    derivatives={"self": _threshold_backward}),
    # in place PyTorch's rule still reads the input: the node keeps a copy of it
    "threshold_": Op("threshold(Tensor self, threshold, value)", _k_threshold,
                     promote="same", variants="inplace", node="ThresholdBackward1",
                     writes=(EXPANDED_SELF,),  # PyTorch's threshold checks no overlap
                     check=refuse("threshold_cpu", "b"),
                     derivatives={"self": _threshold_backward}),
    "hardshrink": Op("hardshrink(Tensor self, lambd=0.5)", _k_hardshrink, promote="same",
                     variants="function method", check=_float_only("hardshrink_cpu"),
                     derivatives={"self": _hardshrink_backward}, on_arrays=True),
    "softshrink": Op("softshrink(Tensor self, lambd=0.5)", _k_softshrink, promote="same",
                     variants="function", check=_float_only("softshrink_check"),
                     derivatives={"self": _softshrink_backward}, on_arrays=True),
    "prelu": Op("_prelu_kernel(Tensor self, Tensor weight)", _k_prelu, variants="function",
                node="PreluKernelBackward0",
                check=all_of(_same_dtype, _float_only("prelu_cpu")),
                derivatives={"self": _prelu_input_backward,
                             "weight": _prelu_weight_backward}),
    **smooth_activation.FUNCTIONAL,
}

# the ones PyTorch also has in its torch namespace (torch.hardshrink, Tensor.hardshrink,
# torch.celu, torch._prelu_kernel), attached there by `insitu.methods`
TORCH_NAMESPACE = [FUNCTIONAL["hardshrink"], FUNCTIONAL["celu"], FUNCTIONAL["prelu"]]
