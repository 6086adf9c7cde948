"""More elementwise functions as table ops: inverse hyperbolics, angle conversions, sinc,
logit, copysign, logaddexp(2), fmax/fmin, xlogy, heaviside, gcd/lcm, nextafter, ldexp; and
float_power, which PyTorch composes from `to(float64)` and pow.

Kernels compute as PyTorch's CPU kernels do, in the result's dtype (a number operand is first
converted to it): deg2rad is `x * (pi / 180)` rounded to the dtype, logaddexp is
`max + log1p(exp(-|a - b|))` with equal infinities passed through (logaddexp2's last step is a
fused multiply-add), xlogy is 0 where x is 0 (unless y is nan), fmax/fmin keep the first operand
on ties (fmax(0.0, -0.0) is 0.0).
"""
import math

from ..autograd.grad_mode import mode as grad_mode
from ..backend import xp
from ..core import dtypes
from ..core.tensor import Tensor
from . import checks, nextafter
from .checks import refusing
from .codegen import function
from .kernels import UNSAFE, store, uf, unary_float
from .libm import libm_kernel
from .pointwise import zeros_like
from .table import ANY_DTYPE, Op

_LN2 = math.log(2.0)
_INV_LN2 = 1.0 / _LN2


def _operands(dt, *operands):
    """The operands as arrays of the compute dtype (forced, or NumPy's natural one)."""
    d = dt if dt is not None else xp.result_type(*operands)
    return d, [xp.asarray(v, dtype=d) if not isinstance(v, xp.ndarray) or v.dtype != d
               else v for v in operands]


def _scaled(factor):
    def kernel(out, dt, a):
        d, (a,) = _operands(dt, a)
        return xp.multiply(a, d.type(factor), out=out, casting=UNSAFE)
    return kernel


def _k_sinc(out, dt, a):
    d, (a,) = _operands(dt, a)
    product = a * d.type(math.pi)
    r = xp.where(a == 0, d.type(1), xp.sin(product) / product)
    return store(r, out)


def _k_logit(out, dt, a, eps=None):
    d, (a,) = _operands(dt, a)
    t = d.type
    if eps is not None:
        lo = t(eps)
        hi = t(1) - lo
        a = xp.where(a < lo, lo, xp.where(a > hi, hi, a))   # nan stays nan
    return xp.log(a / (t(1) - a), out=out)


def _k_nextafter(out, dt, a, b):
    if dt is None and nextafter.applies(out, a, b):
        return nextafter.nextafter(out, a, b)
    return xp.nextafter(a, b, out=out, dtype=dt, casting=UNSAFE)


def _k_copysign(out, dt, a, b):
    d, (a, b) = _operands(dt, a, b)
    return xp.copysign(a, b, out=out, casting=UNSAFE)


def _k_logaddexp(out, dt, a, b):
    d, (a, b) = _operands(dt, a, b)
    m = xp.maximum(a, b)
    r = m + xp.log1p(xp.exp(-xp.abs(a - b)))
    same_inf = (a == b) & xp.isinf(a)
    return store(xp.where(same_inf, a, r), out)


def _fma(x, y, z):
    """x * y + z rounded once, as the vectorized kernel's fused multiply-add: float32 through
    float64 (the product is exact there); float64 with Dekker's exact product and a
    compensated sum."""
    if x.dtype.itemsize <= 4:
        w = x.astype(xp.float64) * y.astype(xp.float64) + z
        return w.astype(x.dtype)
    p = x * y
    split = 134217729.0                       # 2^27 + 1
    xh = x * split
    xh = xh - (xh - x)
    yh = y * split
    yh = yh - (yh - y)
    xl, yl = x - xh, y - yh
    e = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl
    sm = p + z
    bb = sm - p
    t = (p - (sm - bb)) + (z - bb)
    r = sm + (t + e)
    return xp.where(xp.isfinite(p) & xp.isfinite(z), r, p + z)


def _k_logaddexp2(out, dt, a, b):
    d, (a, b) = _operands(dt, a, b)
    m = xp.maximum(a, b)
    r = _fma(xp.log1p(xp.exp2(-xp.abs(a - b))), xp.full(m.shape, d.type(_INV_LN2)), m)
    same_inf = (a == b) & xp.isinf(a)
    return store(xp.where(same_inf, a, r), out)


def _first_unless(pick):
    """fmax/fmin: the first operand where it wins or ties or the second is nan."""
    def kernel(out, dt, a, b):
        d, (a, b) = _operands(dt, a, b)
        if d.kind == "f":
            keep = pick(a, b) | xp.isnan(b)
        else:
            keep = pick(a, b)
        return store(xp.where(keep, a, b), out)
    kernel.__name__ = pick.__name__
    return kernel


def _k_xlogy(out, dt, a, b):
    d, (a, b) = _operands(dt, a, b)
    r = a * xp.log(b)
    r = xp.where(a == 0, d.type(0), r)
    return store(xp.where(xp.isnan(b), d.type("nan"), r), out)


def _k_heaviside(out, dt, a, b):
    d, (a, b) = _operands(dt, a, b)
    return store(xp.where(a == 0, b, (a > 0).astype(d)), out)


def _check_heaviside(args, params, out=None):
    dt = args[0]._dtype
    if args[1]._dtype is not dt or out is not None and out._dtype is not dt:
        raise RuntimeError("heaviside is not yet implemented for tensors with different "
                           "dtypes.")


# out='s dtype too, before anything else is checked (`pipelines.into_out`)
setattr(_check_heaviside, "out", _check_heaviside)


def _check_ldexp(args, params):
    """A float self with a bool exponent: PyTorch's ldexp has no kernel for it (an integral self
    goes its composite way, self * 2 ** other)."""
    if args[1]._dtype is dtypes.bool_ and args[0]._dtype.is_floating_point:
        raise checks.not_implemented("ldexp_cpu_exp", dtypes.bool_)


def _check_ldexp_inplace(args, params):
    """ldexp_ into an integer or bool tensor: PyTorch refuses the cast before any shape check."""
    self = args[0]
    if not self._dtype.is_floating_point and self._dtype.np.kind in "iub":
        raise RuntimeError(f"ldexp can't be cast to the desired output type {self._dtype.legacy}")
    _check_ldexp(args, params)


setattr(_check_ldexp, "inplace", _check_ldexp_inplace)   # `Op` runs it for ldexp_


def _k_ldexp(out, dt, a, b):
    if out is not None and out.dtype.kind in "iub":
        # ldexp_ into an integer tensor (its in-place form skips the generic cast check)
        raise RuntimeError(f"ldexp can't be cast to the desired output type "
                           f"{dtypes.from_numpy_dtype(out.dtype).legacy}")
    b = xp.asarray(b)
    d = dt if dt is not None else xp.result_type(a, b)
    if a.dtype.kind == "f" and b.dtype.kind in "iu":
        # PyTorch's kernel for an integral exponent: C's ldexp in double, rounded once
        e = b if b.dtype.itemsize < 8 else xp.clip(b, -1 << 30, 1 << 30)
        r = xp.ldexp(a.astype(xp.float64), e.astype(xp.int32))
        return r.astype(d) if out is None else store(r, out)
    # otherwise self * pow(base, other): the base 2 is a 0-dim tensor of self's dtype for
    # float16 and float64 (an operand of pow's type promotion), a number otherwise (other's
    # float dtype, or the default one)
    if a.dtype == xp.float16 or a.dtype == xp.float64:
        pd = b.dtype if b.ndim else xp.promote_types(a.dtype, b.dtype)
    else:
        pd = b.dtype if b.dtype.kind == "f" else dtypes.get_default_dtype().np
    # NumPy's float32 power loop may be an ulp off the C library's, which PyTorch's matches:
    # computed in float64, rounded once
    p = xp.power(2.0, b, dtype=xp.float64).astype(pd, copy=False)
    if d == xp.float16:     # half products are computed in float32 (a 0-dim factor too)
        r = xp.multiply(a.astype(xp.float32), p.astype(xp.float32))
        return r.astype(d) if out is None else store(r, out)
    return xp.multiply(a.astype(d, copy=False), p.astype(d, copy=False), out=out,
                       casting=UNSAFE)


# PyTorch's ldexp is mul(self, pow(2, other)): other is read first (`overlapping_writes`)
setattr(_k_ldexp, "temporary_from", 1)


# ------------------------------------------------------------------ formulas

def _zeros_of_shape(grad, other_shape):
    """copysign's gradient for `other`: zeros (PyTorch's node keeps only its shape)."""
    if isinstance(grad, Tensor):
        return grad.new_zeros(other_shape)
    return xp.zeros(other_shape, grad.dtype)


def _copysign_grad(grad, self, result):
    """PyTorch's copysign_tensor_self_backward: grad * result / self, 0 where self is 0."""
    return grad * (result / self).masked_fill(self == 0, 0)


def _sinc_grad(grad, self):
    self_pi = self * math.pi
    self_squared_pi = self * self * math.pi
    out = grad * ((self_pi * self_pi.cos()) - self_pi.sin()) / self_squared_pi
    return out.where(self_squared_pi != 0, 0.0)


def _logit_grad(grad, self, eps):
    """PyTorch's logit backward: 0 (with eps) or nan (without) outside the range. Without a
    graph, its kernel's: at 0 and 1 exactly, grad * inf (+inf at -0.0 too), and a nan input
    passes through the division; with one, its infinitely differentiable composite."""
    lo, fill = (0.0, float("nan")) if eps is None else (eps, 0.0)
    if not grad_mode.grad:
        q = grad / (self * (1.0 - self))
        q = q.where((self == 0).logical_or(self == 1).logical_not(), grad * math.inf)
        return q.masked_fill((self < lo).logical_or(self > 1.0 - lo), fill)
    inside = (self >= lo).logical_and(self <= 1.0 - lo)
    return (grad / (self * (1.0 - self))).where(inside, fill)


def _fmax_self(grad, self, other):
    return grad.masked_fill((self >= other).logical_or(other.isnan()).logical_not(), 0)


def _fmax_other(grad, self, other):
    return grad.masked_fill((self >= other).logical_or(other.isnan()), 0)


def _fmin_self(grad, self, other):
    return grad.masked_fill((self <= other).logical_or(other.isnan()).logical_not(), 0)


def _fmin_other(grad, self, other):
    return grad.masked_fill((self <= other).logical_or(other.isnan()), 0)


def _xlogy_self(grad, self, other):
    return grad.xlogy(other).masked_fill((self == 0) & (other <= 0), 0)


def _xlogy_node(args, params):
    """xlogy(Tensor, Tensor) is XlogyBackward0, (Scalar, Tensor) 1, (Tensor, Scalar) 2."""
    if not isinstance(args[0], Tensor):
        return "XlogyBackward1"
    return "XlogyBackward0" if isinstance(args[1], Tensor) else "XlogyBackward2"


def _float(name, kernel, formula, node=None, composite_out=None):
    return Op(f"{name}(Tensor self)", kernel, promote="float", node=node,
              derivatives={"self": formula}, composite_out=composite_out)


def _inverse_hyperbolic(name, ufunc, formula):
    """PyTorch's in-place acosh_/asinh_/atanh_ are another overload (node ...Backward1) whose
    derivative is not implemented: backward raises."""
    def inplace_grad(grad):
        raise NotImplementedError(f"the derivative for 'inplace version of {name}' is not "
                                  f"implemented.")
    # PyTorch's acosh and asinh call the C library for every element, atanh past its blocks
    kernel = libm_kernel(ufunc, name)
    return [Op(f"{name}(Tensor self)", kernel, promote="float", variants="function method",
               derivatives={"self": formula}),
            Op(f"{name}(Tensor self)", kernel, promote="float", variants="inplace",
               node=_camel(name) + "Backward1", derivatives={"self": inplace_grad})]


def _camel(name):
    return name.capitalize()


OPS = [
    *_inverse_hyperbolic("acosh", xp.arccosh, lambda grad, self: grad * (self * self - 1).rsqrt()),
    *_inverse_hyperbolic("asinh", xp.arcsinh, lambda grad, self: grad * (self * self + 1).rsqrt()),
    *_inverse_hyperbolic("atanh", xp.arctanh, lambda grad, self: grad / (1 - self * self)),
    _float("deg2rad", _scaled(math.pi / 180), lambda grad: grad * (math.pi / 180),
           node="Deg2RadBackward0", composite_out="deg2rad"),
    _float("rad2deg", _scaled(180 / math.pi), lambda grad: grad * (180 / math.pi),
           node="Rad2DegBackward0", composite_out="rad2deg"),
    _float("sinc", _k_sinc, _sinc_grad),
    Op("logit(Tensor self, eps=None)", _k_logit, promote="float",
       derivatives={"self": _logit_grad}),
    Op("copysign(Tensor self, Scalar other)", _k_copysign, promote="float",
       node=lambda args, params: "CopysignBackward0" if isinstance(args[1], Tensor)
       else "CopysignBackward1",
       derivatives={"self": _copysign_grad, "other": _zeros_of_shape}),
    Op("logaddexp(Tensor self, Tensor other)", refusing(_k_logaddexp, "logaddexp_cpu", "iub"),
       variants="function method", check=checks.operands_broadcast,
       derivatives={"self": lambda grad, self, other: grad / (1 + (other - self).exp()),
                    "other": lambda grad, self, other: grad / (1 + (self - other).exp())}),
    Op("logaddexp2(Tensor self, Tensor other)",
       refusing(_k_logaddexp2, "logaddexp2_cpu", "iub"), variants="function method",
       check=checks.operands_broadcast,
       derivatives={"self": lambda grad, self, other: grad / (1 + 2 ** (other - self)),
                    "other": lambda grad, self, other: grad / (1 + 2 ** (self - other))}),
    Op("fmax(Tensor self, Tensor other)", _first_unless(xp.greater_equal),
       variants="function method",
       derivatives={"self": _fmax_self, "other": _fmax_other}),
    Op("fmin(Tensor self, Tensor other)", _first_unless(xp.less_equal),
       variants="function method",
       derivatives={"self": _fmin_self, "other": _fmin_other}),
    Op("xlogy(Scalar self, Scalar other)", _k_xlogy, promote="float", node=_xlogy_node,
       derivatives={"self": _xlogy_self,
                    "other": lambda grad, self, other: grad * self / other}),
    # PyTorch has no derivative for heaviside: its node's backward raises
    Op("heaviside(Tensor self, Tensor values)", _k_heaviside, check=_check_heaviside,
       node="NotImplemented", derivatives={}),
    # nor for gcd and lcm (integers only: the node never outlives the kernel's refusal)
    Op("gcd(Tensor self, Tensor other)", refusing(uf(xp.gcd), "gcd_cpu", "fb"),
       node="NotImplemented", derivatives={}),
    Op("lcm(Tensor self, Tensor other)", refusing(uf(xp.lcm), "lcm_cpu", "fb"),
       node="NotImplemented", derivatives={}),
    Op("nextafter(Tensor self, Tensor other)", refusing(_k_nextafter, "nextafter_cpu", "iub"),
       derivatives={"self": lambda grad, self, other: grad.where(self != other, 0.0),
                    "other": lambda grad, other: zeros_like(other)}),
    Op("ldexp(Tensor self, Tensor other)", _k_ldexp, promote="float",
       check=_check_ldexp, writes=(ANY_DTYPE,), cast_names="ldexp", composite_out="pow",
       derivatives={"self": lambda grad, other: grad * 2 ** other,
                    "other": lambda grad, result: grad * result * _LN2}),
]


# ------------------------------------------------------------------ float_power

_POW = function("pow")      # pointwise (imported above) declares it


def _double(x):
    return x.to(dtypes.float64) if isinstance(x, Tensor) else float(x)


def float_power(input, exponent, *, out=None):
    """pow computed in float64, as PyTorch's: both operands converted first."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power() received an invalid combination of arguments")
    if out is None:
        return _POW(_double(input), _double(exponent))
    return _POW(_double(input), _double(exponent), out=out)


def float_power_(self, exponent):
    """Tensor.float_power_(exponent): self raised to exponent in place, for a float64 self only
    (any other dtype raises RuntimeError, as PyTorch's float_power_ cannot change self's dtype);
    the exponent (a number or a tensor) is converted to float64 first. It is pow_: one version
    bump through the write tail, pow_'s node and what it keeps."""
    if self._dtype is not dtypes.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {self._dtype.legacy} but "
                           f"the operation's result requires dtype Double")
    return self.pow_(_double(exponent))


FUNCTIONS = {"float_power": float_power}
METHODS = {"float_power": float_power, "float_power_": float_power_}
