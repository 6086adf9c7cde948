"""Activation functions that are not tensor methods in PyTorch: leaky_relu, elu, gelu, silu.

They are declared like every other elementwise op (`ops.registry.Op`), so their in-place forms
get the same guards, version bump and graph rewrite. In-place forms whose gradient can be read
off the output (`leaky_relu_`, `elu_`) save the output itself, as PyTorch's `...Backward1` nodes
do: no copy of the input is kept. `silu` is not invertible, so `silu_` keeps a copy (PyTorch too).
"""
import math

from ..backend import xp
from ..ops.registry import Op, generate
from ..ops.special import erf_array

def where(cond, a, b):
    return a.where(cond, b)


_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_C = 0.044715


def _fresh(out, a, dt):
    """The buffer an elementwise kernel writes into: `out`, or a copy of the input."""
    if out is not None:
        if out is not a:
            xp.copyto(out, a, casting="unsafe")
        return out
    return a.astype(dt) if dt is not None else a.copy()


# ------------------------------------------------------------------ leaky_relu

def _k_leaky_relu(out, dt, a, negative_slope=0.01):
    neg = a < 0                       # a 1-byte mask: the only temporary
    r = _fresh(out, a, dt)
    return xp.multiply(r, negative_slope, out=r, where=neg)


def _leaky_backward(n, g):
    slope = n.params["negative_slope"]
    return (where(n.self > 0, g, g * slope),)


def _leaky_backward_result(n, g):
    slope = n.params["negative_slope"]
    if slope < 0:
        raise RuntimeError(
            "In-place leakyReLu backward calculation is triggered with a negative slope which is "
            "not supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead. File an issue at "
            "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
            "backward calculation with negative slope")
    return (where(n.result > 0, g, g * slope),)


# ------------------------------------------------------------------ elu

def _k_elu(out, dt, a, alpha=1.0):
    neg = a <= 0
    r = _fresh(out, a, dt)
    xp.expm1(r, out=r, where=neg)
    return xp.multiply(r, alpha, out=r, where=neg)


def _elu_backward(n, g):
    alpha = n.params["alpha"]
    x = n.self
    return (where(x > 0, g, g * x.exp() * alpha),)


def _elu_backward_result(n, g):
    alpha = n.params["alpha"]
    if alpha < 0:
        raise RuntimeError(
            "In-place elu backward calculation is triggered with a negative slope which is not "
            "supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead.")
    y = n.result
    return (where(y > 0, g, g * (y + alpha)),)


# ------------------------------------------------------------------ gelu

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


def _gelu_backward(n, g):
    x = n.self
    if n.params["approximate"] == "tanh":
        inner = (x + x * x * x * _GELU_C) * _SQRT_2_OVER_PI
        t = inner.tanh()
        d_inner = (1 + x * x * (3 * _GELU_C)) * _SQRT_2_OVER_PI
        return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner),)
    from ..autograd.grad_mode import mode
    if mode.grad:   # building a graph (create_graph): the same formula with insitu ops
        cdf = ((x * _SQRT_HALF).erf() + 1) * 0.5
        pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
        return (g * (cdf + x * pdf),)
    from ..ops.registry import wrap
    a = x._data
    cdf = erf_array(a * _SQRT_HALF)
    cdf += 1
    cdf *= 0.5
    pdf = xp.exp(-0.5 * a * a)
    pdf *= _INV_SQRT_2PI
    pdf *= a
    cdf += pdf
    return (g * wrap(cdf, x._dtype),)


# ------------------------------------------------------------------ silu

def _k_silu(out, dt, a):
    # x * sigmoid(x) = x / (1 + exp(-x))
    r = xp.negative(a)
    xp.exp(r, out=r)
    r += 1
    if out is None:
        return xp.divide(a, r, out=r)
    return xp.divide(a, r, out=out)


def _silu_backward(n, g):
    x = n.self
    s = x.sigmoid()
    return (g * s * (1 + x * (1 - s)),)


# ------------------------------------------------------------------ declarations

def _op(name, sig, kernel, backward, saves, node, inplace=True, function=True, **kw):
    return Op(name, sig, ("self",), kernel, promote="same", inplace=inplace, backward=backward,
              saves=saves, node=node, method=False, function=function, **kw)


_OPS = {
    "leaky_relu": _op("leaky_relu", "self, negative_slope=0.01", _k_leaky_relu, _leaky_backward,
                      (("self", None),), "LeakyReluBackward0", inplace=False),
    "leaky_relu_": _op("leaky_relu", "self, negative_slope=0.01", _k_leaky_relu,
                       _leaky_backward_result, (("result", None),), "LeakyReluBackward1",
                       function=False),
    "elu": _op("elu", "self, alpha=1.0", _k_elu, _elu_backward, (("self", None),),
               "EluBackward0", inplace=False),
    "elu_": _op("elu", "self, alpha=1.0", _k_elu, _elu_backward_result, (("result", None),),
                "EluBackward1", function=False),
    "gelu": _op("gelu", "self, approximate='none'", _k_gelu, _gelu_backward,
                (("self", None),), "GeluBackward0", inplace=False, check_args=_check_gelu),
    "silu": _op("silu", "self", _k_silu, _silu_backward, (("self", None),), "SiluBackward0"),
}

_GEN = {name: generate(op) for name, op in _OPS.items()}

leaky_relu_out = _GEN["leaky_relu"]["function"]
leaky_relu_inplace = _GEN["leaky_relu_"]["inplace"]
elu_out = _GEN["elu"]["function"]
elu_inplace = _GEN["elu_"]["inplace"]
gelu_out = _GEN["gelu"]["function"]
silu_out = _GEN["silu"]["function"]
silu_inplace = _GEN["silu"]["inplace"]
