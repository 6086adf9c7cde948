"""Elementwise functions of one tensor: exp/log, trigonometry, roots, sign and rounding.

A formula that reads `result` (exp, tanh, sigmoid, sqrt, ...) makes the in-place form free: the
node keeps the output, which is self. One that reads `self` (sin, log, ...) makes the in-place
form keep a copy of self's old value (PyTorch does the same).
"""
import math

from ..backend import xp
from .checks import refuse, refuse_bool
from .derivatives import backward_node
from .kernels import UNSAFE, blocked, buffer, scratch, store, uf, unary_float
from .libm import call, libm_kernel, rounded_kernel, small
from .pointwise import zeros_like
from .table import Op, formulas_on_arrays

LN2, LN10 = math.log(2.0), math.log(10.0)


def _k_sigmoid(out, dt, a):
    if dt is not None and a.dtype != dt:
        a = a.astype(dt)
    if a.dtype.kind == "f" and small(a.size, a.dtype.itemsize):
        # PyTorch's scalar loop: 1 / (1 + std::exp(-a)), the C library's exp
        e = call("exp", xp.negative(a))
        if e is not None:
            e += 1
            return xp.reciprocal(e, out=out)
    return blocked(buffer(out, a), (a,), _sigmoid_block, None)


def _sigmoid_block(r, a, dtype):
    """1 / (1 + exp(-a)) in place on the output, a block at a time (the four passes stay in
    cache; r may be a)."""
    xp.negative(a, out=r)
    xp.exp(r, out=r)
    r += 1
    xp.reciprocal(r, out=r)


@backward_node(result=lambda grad, grad_output, result: grad * grad_output * (-2 * result + 1))
def _sigmoid_grad(grad, result):
    """grad * (1 - result) * result, rounded in PyTorch's order (PyTorch's sigmoid_backward:
    SigmoidBackwardBackward0 when differentiated again)."""
    if isinstance(grad, xp.ndarray):        # in one buffer
        t = xp.subtract(1, result, dtype=result.dtype)
        t *= grad
        t *= result
        return t
    return grad * (1 - result) * result


@backward_node(result=lambda grad, grad_output, result: grad * (-2 * result * grad_output))
def _tanh_grad(grad, result):
    """PyTorch's tanh_backward (TanhBackwardBackward0 when differentiated again)."""
    return grad * (1 - result * result)


def _k_rsqrt(out, dt, a):
    if dt is not None and a.dtype != dt:
        a = a.astype(dt)
    r = xp.sqrt(a, out=buffer(out, a))
    return xp.reciprocal(r, out=r)


def _k_abs(out, dt, a):
    return xp.absolute(a, out=out) if a.dtype != xp.bool_ else store(a.copy(), out)


def _k_sign(out, dt, a):
    if a.dtype == xp.bool_:
        return store(a.copy(), out)
    if a.dtype.kind != "f":
        return xp.sign(a, out=buffer(out, a))
    # PyTorch's sign is (0 < x) - (x < 0): +0 for zeros and nan, where NumPy's gives nan for
    # nan (and runs no SIMD loop): the two comparisons' bytes subtracted, then converted
    return blocked(buffer(out, a), (a,), _sign_block, None)


def _sign_block(out, a, dtype):
    shape = a.shape
    gt = xp.greater(a, 0, out=scratch(0, xp.bool_, shape)).view(xp.int8)
    lt = xp.less(a, 0, out=scratch(1, xp.bool_, shape)).view(xp.int8)
    xp.copyto(out, xp.subtract(gt, lt, out=gt), casting=UNSAFE)


def _k_frac(out, dt, a):
    t = xp.trunc(a)
    return xp.subtract(a, t, out=out)


def _k_round(out, dt, a, decimals=None):
    if a.dtype.kind != "f":
        return store(a.copy(), out) if out is None or out is not a else out
    return xp.round(a, decimals, out=out) if decimals else xp.rint(a, out=out)


def _check_round(args, params):
    decimals = params["decimals"]
    if decimals is None:
        refuse("round_vml_cpu", "b")(args, params)
    else:
        refuse("round_vml_cpu" if decimals == 0 else "round_cpu", "iub")(args, params)


def _k_int_identity(ufunc):
    """floor/ceil/trunc: integers are returned unchanged (NumPy would refuse or go float)."""
    def kernel(out, dt, a):
        if a.dtype.kind in "iub":
            if out is None:
                return a.copy()
            return out if out is a else store(a, out)    # out=, or a block of a new result
        return ufunc(a, out=out)
    kernel.__name__ = ufunc.__name__
    return kernel


def _k_square(out, dt, a, _exponent):
    return xp.multiply(a, a, out=out, dtype=dt, casting="unsafe")


def _float(name, ufunc, formula, node=None, kernel=None):
    return Op(f"{name}(Tensor self)", kernel or unary_float(ufunc), promote="float", node=node,
              derivatives={"self": formula})


def _zero(grad):
    return zeros_like(grad)


FLOAT = [
    _float("exp", xp.exp, kernel=rounded_kernel(xp.exp),
           formula=lambda grad, result: grad * result),
    _float("exp2", xp.exp2, lambda grad, result: grad * result * LN2,
           kernel=libm_kernel(xp.exp2, "exp2")),
    _float("expm1", xp.expm1, kernel=rounded_kernel(xp.expm1),
           formula=lambda grad, result: grad * (result + 1)),
    _float("log", xp.log, kernel=rounded_kernel(xp.log),
           formula=lambda grad, self: grad / self),
    _float("log2", xp.log2, kernel=rounded_kernel(xp.log2),
           formula=lambda grad, self: grad / (self * LN2)),
    _float("log10", xp.log10, kernel=rounded_kernel(xp.log10),
           formula=lambda grad, self: grad / (self * LN10)),
    _float("log1p", xp.log1p, kernel=rounded_kernel(xp.log1p),
           formula=lambda grad, self: grad / (self + 1), node="Log1PBackward0"),
    _float("sqrt", xp.sqrt, lambda grad, result: grad / (2 * result)),
    _float("sin", xp.sin, kernel=rounded_kernel(xp.sin),
           formula=lambda grad, self: grad * self.cos()),
    _float("cos", xp.cos, kernel=rounded_kernel(xp.cos),
           formula=lambda grad, self: -grad * self.sin()),
    _float("tan", xp.tan, kernel=rounded_kernel(xp.tan),
           formula=lambda grad, result: grad * (1 + result * result)),
    _float("tanh", xp.tanh, kernel=rounded_kernel(xp.tanh),
           formula=_tanh_grad),
    _float("sinh", xp.sinh, lambda grad, self: grad * self.cosh(),
           kernel=libm_kernel(xp.sinh, "sinh")),
    _float("cosh", xp.cosh, lambda grad, self: grad * self.sinh(),
           kernel=libm_kernel(xp.cosh, "cosh")),
    # PyTorch's formulas: grad * (-self * self + 1).rsqrt() (a MulBackward0 differentiated)
    _float("asin", xp.arcsin, kernel=rounded_kernel(xp.arcsin),
           formula=lambda grad, self: grad * (-self * self + 1).rsqrt()),
    _float("acos", xp.arccos, kernel=rounded_kernel(xp.arccos),
           formula=lambda grad, self: -grad * (-self * self + 1).rsqrt()),
    _float("atan", xp.arctan, kernel=rounded_kernel(xp.arctan),
           formula=lambda grad, self: grad / (1 + self * self)),
    _float("reciprocal", xp.reciprocal, lambda grad, result: -grad * result * result),
    _float("sigmoid", None, _sigmoid_grad, kernel=_k_sigmoid),
    _float("rsqrt", None, lambda grad, result: grad * -0.5 * result * result * result,
           kernel=_k_rsqrt),
]

SAME = [
    Op("neg(Tensor self)", uf(xp.negative), promote="same",
       check=refuse_bool("Negation, the `-` operator, on a bool tensor is not supported. If you "
                         "are trying to invert a mask, use the `~` or `logical_not()` operator "
                         "instead."),
       derivatives={"self": lambda grad: -grad}, operators=("__neg__",)),
    Op("abs(Tensor self)", _k_abs, promote="same", check=refuse("abs_cpu", "b"),
       derivatives={"self": lambda grad, self: grad * self.sign()}, operators=("__abs__",),
       composite_out="abs"),
    Op("sign(Tensor self)", _k_sign, promote="same", derivatives={"self": _zero}),
    # PyTorch's sgn formula (for complex tensors) keeps self and the result: zero for real ones
    Op("sgn(Tensor self)", _k_sign, promote="same",
       derivatives={"self": lambda grad, self, result: zeros_like(grad)}),
    Op("floor(Tensor self)", _k_int_identity(xp.floor), promote="same",
       check=refuse("floor_vml_cpu", "b"), derivatives={"self": _zero}),
    Op("ceil(Tensor self)", _k_int_identity(xp.ceil), promote="same",
       check=refuse("ceil_vml_cpu", "b"), derivatives={"self": _zero}),
    Op("trunc(Tensor self)", _k_int_identity(xp.trunc), promote="same",
       check=refuse("trunc_vml_cpu", "b"), derivatives={"self": _zero}),
    # round(decimals=...) is another overload (RoundBackward1), with its own dtype refusals
    Op("round(Tensor self, *, decimals=None)", _k_round, promote="same", check=_check_round,
       node=lambda args, params: "RoundBackward0" if params["decimals"] is None
       else "RoundBackward1", derivatives={"self": _zero}),
    Op("frac(Tensor self)", _k_frac, promote="same", check=refuse("frac_cpu", "iub"),
       derivatives={"self": lambda grad: grad}),
    # square is pow(self, 2): the exponent takes part in promotion (bool squares to int64)
    Op("square(Tensor self, *, Tensor _exponent=2)", _k_square, node="PowBackward0",
       derivatives={"self": lambda grad, self: grad * 2 * self}),
]

ALL = formulas_on_arrays(FLOAT + SAME)
