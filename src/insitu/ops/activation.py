"""Activation functions: relu and hardtanh (Tensor methods), leaky_relu, elu, gelu and silu (the
functional forms behind `insitu.nn.functional`).

In-place forms whose gradient can be read off the output (`relu_`, `hardtanh_`, `leaky_relu_`,
`elu_`) keep the output itself, as PyTorch's `...Backward1` nodes do: no copy of the input.
Those are separate declarations (their formulas read `result`, not `self`). `silu` is not
invertible, so `silu_` keeps a copy of its input (PyTorch too).
"""
import math

from ..backend import clip, xp
from .checks import refuse_bool
from .kernels import fresh
from .pointwise import where
from .special import erf_array
from .table import Op

_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_C = 0.044715


def _k_relu(out, dt, a):
    # zero first: NumPy's maximum returns its second operand on a tie, so relu(-0.0) is -0.0
    return xp.maximum(a.dtype.type(0), a, out=out)


def _k_hardtanh(out, dt, a, min_val=-1.0, max_val=1.0):
    if dt is not None and a.dtype != dt:
        a = a.astype(dt)
    return clip(a, min_val, max_val, out=out)


def _k_leaky_relu(out, dt, a, negative_slope=0.01):
    neg = a < 0                       # a 1-byte mask: the only temporary
    r = fresh(out, a, dt)
    return xp.multiply(r, negative_slope, out=r, where=neg)


def _leaky_backward(grad, self, negative_slope):
    return where(self > 0, grad, grad * negative_slope)


def _leaky_backward_result(grad, result, negative_slope):
    if negative_slope < 0:
        raise RuntimeError(
            "In-place leakyReLu backward calculation is triggered with a negative slope which is "
            "not supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead. File an issue at "
            "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
            "backward calculation with negative slope")
    return where(result > 0, grad, grad * negative_slope)


def _k_elu(out, dt, a, alpha=1.0):
    neg = a <= 0
    r = fresh(out, a, dt)
    xp.expm1(r, out=r, where=neg)
    return xp.multiply(r, alpha, out=r, where=neg)


def _elu_backward(grad, self, alpha):
    return where(self > 0, grad, grad * self.exp() * alpha)


def _elu_backward_result(grad, result, alpha):
    if alpha < 0:
        raise RuntimeError(
            "In-place elu backward calculation is triggered with a negative slope which is not "
            "supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead.")
    return where(result > 0, grad, grad * (result + alpha))


def _k_gelu(out, dt, a, approximate="none"):
    if approximate == "tanh":
        inner = a * a
        inner *= _GELU_C
        inner += 1
        inner *= a
        inner *= _SQRT_2_OVER_PI
        xp.tanh(inner, out=inner)
        inner += 1
        inner *= a
        inner *= 0.5
    else:
        inner = erf_array(a * _SQRT_HALF)
        inner += 1
        inner *= a
        inner *= 0.5
    if out is not None:
        xp.copyto(out, inner)
        return out
    return inner


def _check_gelu(args, params):
    if params["approximate"] not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")


def _gelu_backward(grad, self, approximate):
    x = self
    if approximate == "tanh":
        inner = (x + x * x * x * _GELU_C) * _SQRT_2_OVER_PI
        t = inner.tanh()
        d_inner = (1 + x * x * (3 * _GELU_C)) * _SQRT_2_OVER_PI
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)
    cdf = ((x * _SQRT_HALF).erf() + 1) * 0.5
    pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
    return grad * (cdf + x * pdf)


def _k_silu(out, dt, a):
    # x * sigmoid(x) = x / (1 + exp(-x))
    r = xp.negative(a)
    xp.exp(r, out=r)
    r += 1
    if out is None:
        return xp.divide(a, r, out=r)
    return xp.divide(a, r, out=out)


def _silu_backward(grad, self):
    s = self.sigmoid()
    return grad * s * (1 + self * (1 - s))


_HARDTANH = {"self": lambda grad, result, min_val, max_val:
             where((result > min_val) & (result < max_val), grad)}

TENSOR_METHODS = [
    Op("relu(Tensor self)", _k_relu, promote="same",
       check=refuse_bool("Boolean inputs not supported for relu"),
       derivatives={"self": lambda grad, result: where(result > 0, grad)}),
    # hardtanh's gradient is decided by the result (strictly inside the bounds), so its in-place
    # form keeps nothing extra: the output itself is saved
    Op("hardtanh(Tensor self, min_val=-1.0, max_val=1.0)", _k_hardtanh, promote="same",
       derivatives=_HARDTANH),
]

FUNCTIONAL = {
    "leaky_relu": Op("leaky_relu(Tensor self, negative_slope=0.01)", _k_leaky_relu,
                     promote="same", variants="function", node="LeakyReluBackward0",
                     derivatives={"self": _leaky_backward}),
    "leaky_relu_": Op("leaky_relu(Tensor self, negative_slope=0.01)", _k_leaky_relu,
                      promote="same", variants="inplace", node="LeakyReluBackward1",
                      derivatives={"self": _leaky_backward_result}),
    "elu": Op("elu(Tensor self, alpha=1.0)", _k_elu, promote="same", variants="function",
              node="EluBackward0", derivatives={"self": _elu_backward}),
    "elu_": Op("elu(Tensor self, alpha=1.0)", _k_elu, promote="same", variants="inplace",
               node="EluBackward1", derivatives={"self": _elu_backward_result}),
    "gelu": Op("gelu(Tensor self, approximate='none')", _k_gelu, promote="same",
               variants="function", check=_check_gelu, derivatives={"self": _gelu_backward}),
    "silu": Op("silu(Tensor self)", _k_silu, promote="same", variants="function inplace",
               derivatives={"self": _silu_backward}),
}
