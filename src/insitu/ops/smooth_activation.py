"""The smooth activations as table ops (gelu, silu, softplus, mish, log_sigmoid) and the
piecewise-linear hardswish and hardsigmoid: the part of `insitu.nn.functional`'s FUNCTIONAL
table that `activation` joins to the rectifiers'.

Kernels compute as PyTorch's CPU kernels do (the same expression, the coefficients in the
input's dtype); each formula is PyTorch's derivatives.yaml entry written with insitu ops, so it
differentiates again, and runs on arrays (`activation_arrays`) when no graph is built. The
in-place forms (`silu_`, `mish_`, `hardswish_`, `hardsigmoid_`) keep a copy of their input, as
PyTorch does.
"""
from ..backend import clip, xp
from .checks import all_of, refuse
from .derivatives import DIFFERENTIATED, backward_node
from .bitselect import BITS as _BITS, pass_where as _pass
from . import activation_arrays as _arr
from .kernels import store
from .pointwise import where
from .special import erf_array
from .table import Op

_FLOAT = "iub"          # the dtype kinds PyTorch's float-only activation kernels refuse
_SQRT_HALF, _SQRT_2_OVER_PI = _arr.SQRT_HALF, _arr.SQRT_2_OVER_PI
_INV_SQRT_2PI, _GELU_C = _arr.INV_SQRT_2PI, _arr.GELU_C
_any_dim, _src = _arr.any_dim, _arr.in_dtype


def float_only(kernel):
    """The check of a kernel PyTorch has for floating dtypes only."""
    return refuse(kernel, _FLOAT)


# ------------------------------------------------------------------ smooth

def _k_gelu(out, dt, a, approximate="none"):
    if approximate == "tanh":
        inner = xp.multiply(a, a, out=_own(out, a))
        inner *= _GELU_C
        inner += 1
        inner *= a
        inner *= _SQRT_2_OVER_PI
        xp.tanh(inner, out=inner)
        inner += 1
        inner *= a
        inner *= 0.5
    else:
        # every step in place in the result: nothing but it is allocated
        inner = xp.multiply(a, _SQRT_HALF, out=_own(out, a))
        erf_array(inner, inner)
        inner += 1
        inner *= a
        inner *= 0.5
    return store(inner, out)


def _own(out, a):
    """`out` when a kernel may compute in it step by step (of a's dtype and shape, not sharing
    a's memory, which the later steps read), else a new array (an array even when `a` is 0-dim,
    where a ufunc without `out=` gives a NumPy scalar the later steps cannot write into)."""
    if out is not None and out.dtype == a.dtype and out.shape == a.shape \
            and not xp.may_share_memory(out, a):
        return out
    return xp.empty(a.shape, a.dtype)


def _check_gelu(args, params):
    if params["approximate"] not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")


@backward_node(self=DIFFERENTIATED)
def _gelu_backward(grad, self, approximate):
    x = self
    if isinstance(grad, xp.ndarray) and x.dtype == grad.dtype and x.shape == grad.shape:
        # (otherwise the tensor formula's methods send the node back to tensors)
        f = _arr.gelu_tanh_grad_array if approximate == "tanh" else _arr.gelu_grad_array
        return f(grad, x)
    if approximate == "tanh":
        inner = (x + x * x * x * _GELU_C) * _SQRT_2_OVER_PI
        t = inner.tanh()
        d_inner = (1 + x * x * (3 * _GELU_C)) * _SQRT_2_OVER_PI
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)
    cdf = ((x * _SQRT_HALF).erf() + 1) * 0.5
    pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
    return grad * (cdf + x * pdf)


@_any_dim
def _k_silu(out, dt, a):
    # x * sigmoid(x) = x / (1 + exp(-x))
    r = xp.negative(a, out=_own(out, a))
    xp.exp(r, out=r)
    r += 1
    if out is None:
        return xp.divide(a, r, out=r)
    return xp.divide(a, r, out=out)


def _silu_backward(grad, self):
    if isinstance(grad, xp.ndarray) and self.ndim and self.dtype in _arr.F32_64 \
            and grad.dtype == self.dtype and grad.shape == self.shape:
        # (otherwise the tensor formula's methods send the node back to tensors)
        return _arr.silu_grad_array(grad, self)
    s = self.sigmoid()
    return grad * s * (1 + self * (1 - s))


@_any_dim
def _k_softplus(out, dt, a, beta=1.0, threshold=20.0):
    # PyTorch: (x * beta) > threshold ? x : log1p(exp(x * beta)) / beta
    a = _src(dt, a)
    t = a.dtype.type
    z = a * t(beta)
    linear = z > t(threshold)
    xp.exp(z, out=z)
    xp.log1p(z, out=z)
    z /= t(beta)
    xp.copyto(z, a, where=linear)
    return store(z, out)


@backward_node(self=DIFFERENTIATED)
def _softplus_backward(grad, self, beta, threshold):
    xb = self * beta
    z = xb.exp()
    return where(xb > threshold, grad, grad * z / (z + 1))


@_any_dim
def _k_mish(out, dt, a):
    # x * tanh(softplus(x))
    a = _src(dt, a)
    r = xp.exp(a)
    xp.log1p(r, out=r)
    xp.tanh(r, out=r)
    r *= a
    return store(r, out)


def _mish_backward(grad, self):
    s = self.sigmoid()
    ts = self.exp().log1p().tanh()
    return grad * (ts + self * s * (1 - ts * ts))


@_any_dim
def _k_log_sigmoid(out, dt, a):
    # min(x, 0) - log1p(exp(-|x|)): no overflow either way
    a = _src(dt, a)
    z = xp.abs(a)
    xp.negative(z, out=z)
    xp.exp(z, out=z)
    xp.log1p(z, out=z)
    r = xp.minimum(a, a.dtype.type(0))
    r -= z
    return store(r, out)


@backward_node(self=DIFFERENTIATED)
def _log_sigmoid_backward(grad, self):
    z = (-self.abs()).exp()
    q = z / (z + 1)
    return where(self < 0, grad * (1 - q), grad * q)


@_any_dim
def _k_hardswish(out, dt, a):
    # x * min(max(x + 3, 0), 6) / 6
    a = _src(dt, a)
    t = a.dtype.type
    r = a + t(3)
    clip(r, t(0), t(6), out=r)
    r *= a
    r /= t(6)
    return store(r, out)


def _hardswish_double(grad, grad_output, self):
    # PyTorch's: grad * grad_output / 3 strictly between -3 and 3, else 0
    return where((self > -3) & (self < 3), grad * grad_output / 3.0)


@backward_node(self=_hardswish_double)
def _hardswish_backward(grad, self):
    # 0 below -3, grad * (x / 3 + 0.5) up to 3, grad above
    if (isinstance(grad, xp.ndarray) and self.dtype == grad.dtype and self.shape == grad.shape
            and grad.dtype in _BITS):
        return _arr.hardswish_grad_array(grad, self)
    inner = where(self <= 3, grad * (self / 3 + 0.5), grad)
    return inner.masked_fill(self < -3, 0)


@_any_dim
def _k_hardsigmoid(out, dt, a):
    # min(max(x + 3, 0), 6) / 6
    a = _src(dt, a)
    t = a.dtype.type
    r = a + t(3)
    clip(r, t(0), t(6), out=r)
    r /= t(6)
    return store(r, out)


# PyTorch's kernel multiplies by 1.0f / 6.0f, a C++ float, whatever the input's dtype
_ONE_SIXTH = float(xp.float32(1.0) / xp.float32(6.0))


@backward_node(not_implemented="hardsigmoid_backward")
def _hardsigmoid_backward(grad, self):
    if isinstance(grad, xp.ndarray) and self.shape == grad.shape and self.dtype == grad.dtype:
        inside = xp.greater(self, -3)
        inside &= xp.less(self, 3)
        scaled = xp.multiply(grad, _ONE_SIXTH)
        return _pass(inside, scaled)
    return where((self > -3) & (self < 3), grad * _ONE_SIXTH)


FUNCTIONAL = {
    "gelu": Op("gelu(Tensor self, approximate='none')", _k_gelu, promote="same",
               variants="function",
               check=all_of(_check_gelu, float_only("GeluKernelImpl")),
               derivatives={"self": _gelu_backward}, on_arrays=True),
    "silu": Op("silu(Tensor self)", _k_silu, promote="same", variants="function inplace",
               check=float_only("silu_cpu"), derivatives={"self": _silu_backward},
               on_arrays=True),
    "softplus": Op("softplus(Tensor self, beta=1.0, threshold=20.0)", _k_softplus,
                   promote="same", variants="function", check=float_only("softplus_cpu"),
                   derivatives={"self": _softplus_backward}),
    "mish": Op("mish(Tensor self)", _k_mish, promote="same", variants="function inplace",
               check=float_only("mish_cpu"), derivatives={"self": _mish_backward}),
    "log_sigmoid": Op("log_sigmoid(Tensor self)", _k_log_sigmoid, promote="same",
                      variants="function", node="LogSigmoidBackward0",
                      check=float_only("log_sigmoid_cpu"),
                      derivatives={"self": _log_sigmoid_backward}),
    "hardswish": Op("hardswish(Tensor self)", _k_hardswish, promote="same",
                    variants="function inplace", check=float_only("hardswish_cpu"),
                    derivatives={"self": _hardswish_backward}, on_arrays=True),
    "hardsigmoid": Op("hardsigmoid(Tensor self)", _k_hardsigmoid, promote="same",
                      variants="function inplace", check=float_only("hardsigmoid_cpu"),
                      derivatives={"self": _hardsigmoid_backward}, on_arrays=True),
}
