"""The gamma function's family and its neighbours as table ops: lgamma, digamma, polygamma,
mvlgamma, erfc, erfinv, i0 (integers become the default float, as in PyTorch).

The kernels are `gamma_kernels` and `erf_family`; the formulas are derivatives.yaml's, written
with insitu ops so they differentiate again. i0's gradient is i1 (`special_i1`, recorded as
PyTorch's SpecialI1Backward0 node).
"""
import math

from ..backend import xp
from ..core import dtypes
from ..core.tensor import new_tensor
from . import erf_family, gamma_kernels
from .derivatives import Derivative, record
from .kernels import store
from .table import ANY_DTYPE, Op

_F32 = xp.dtype(xp.float32)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_HALF_SQRT_PI = 0.5 * math.sqrt(math.pi)
_LOG_PI = math.log(math.pi)


def _computing(fn):
    """A kernel from fn(array) -> array of its dtype: the input in the compute dtype (half
    precision computes in float32, as PyTorch's CPU kernels do), the result into `out`."""
    def kernel(out, dt, a, *params):
        if dt is not None and a.dtype != dt:
            a = a.astype(dt)
        wide = (a.astype(_F32) if a.dtype.itemsize < 4 else a).reshape(-1)   # 0-dim: 1-D
        r = fn(wide, *params).reshape(a.shape)
        if out is None and not a.flags.c_contiguous:    # the input's layout, as PyTorch's
            out = xp.empty_like(a)
        if r.dtype != a.dtype:
            r = r.astype(a.dtype)
        return store(r, out)
    kernel.__name__ = fn.__name__
    return kernel


def _mvlgamma(a, p):
    """sum over j < p of lgamma(a - j / 2), plus p (p - 1) / 4 log(pi) (PyTorch's order:
    the arguments a + (1 - p) / 2, ..., a + 0, summed from the first)."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    t = a.dtype.type
    total = None
    for j in range(p):
        term = gamma_kernels.lgamma(a + t(-p * 0.5 + 0.5 + 0.5 * j))
        total = term if total is None else total + term
    return total + t(p * (p - 1) * _LOG_PI * 0.25)


# the checks of parameter values run in the kernels (an op's `check` may only depend on
# types: the fast path keeps its verdict per kind), before anything is written

def _polygamma(a, n):
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return gamma_kernels.polygamma(n, a)


def _k_mvlgamma(out, dt, a, p):
    if out is not None and out.dtype.kind in "iub":
        # mvlgamma_ of an integer tensor (the in-place form skips the generic cast check)
        raise RuntimeError(f"mvlgamma: result type {dtypes.from_numpy_dtype(out.dtype).legacy} "
                           f"can't be cast to the desired output type "
                           f"{dtypes.get_default_dtype().legacy}")
    return _MVLGAMMA(out, dt, a, p)


def _check_mvlgamma(args, params):
    if args[0]._dtype is dtypes.bool_:
        raise RuntimeError("The input tensor may not be a boolean tensor.")


def _mvlgamma_grad(grad, self, p):
    total = None
    for j in range(p):
        term = (self + (-p * 0.5 + 0.5 + 0.5 * j)).digamma()
        total = term if total is None else total + term
    return grad * total


def _polygamma_grad(grad, self, n):
    return grad * self.polygamma(n + 1)


_MVLGAMMA = _computing(_mvlgamma)


# ------------------------------------------------------------------ i1, i0's gradient

def _i1_grad(grad, self, result):
    """PyTorch's i1_backward: i0(x) - i1(x) / x, and 0.5 where |x| is below epsilon."""
    eps = float(xp.finfo(self._dtype.np).eps)
    not_tiny = self.abs() > eps
    safe = self.where(not_tiny, eps)
    gradx = safe.i0() - result * safe.reciprocal()
    return grad * gradx.where(not_tiny, 0.5)


SPECIAL_I1 = Derivative("SpecialI1Backward0", {"self": _i1_grad})


def special_i1(input):
    """The modified Bessel function of the first kind of order 1 (PyTorch's special.i1)."""
    dt = input._dtype if input._dtype.is_floating_point else dtypes.get_default_dtype()
    a = input._data.astype(dt.np, copy=False)
    wide = (a.astype(_F32) if a.dtype.itemsize < 4 else a).reshape(-1)
    res = erf_family.i1(wide).reshape(a.shape).astype(dt.np, copy=False)
    out = new_tensor(res, dt)
    return record(SPECIAL_I1, (input,), out)


# ------------------------------------------------------------------ the table

def _float(name, fn, formula):
    return Op(f"{name}(Tensor self)", _computing(fn), promote="float",
              derivatives={"self": formula})


OPS = [
    _float("lgamma", gamma_kernels.lgamma, lambda grad, self: grad * self.digamma()),
    _float("digamma", gamma_kernels.digamma, lambda grad, self: grad * self.polygamma(1)),
    _float("erfc", erf_family.erfc,
           lambda grad, self: -_TWO_OVER_SQRT_PI * (-(self * self)).exp() * grad),
    _float("erfinv", erf_family.erfinv,
           lambda grad, self: _HALF_SQRT_PI * (self.erfinv() ** 2).exp() * grad),
    _float("i0", erf_family.i0, lambda grad, self: grad * special_i1(self)),
    Op("mvlgamma(Tensor self, p)", _k_mvlgamma, promote="float", check=_check_mvlgamma,
       writes=(ANY_DTYPE,), derivatives={"self": _mvlgamma_grad}),
    # polygamma(n, x) is PolygammaBackward0; its in-place form is another overload of
    # PyTorch's (polygamma_(self, n)), whose node is PolygammaBackward1
    Op("polygamma(n, Tensor self)", _computing(_polygamma),
       promote="float", variants="function method",
       derivatives={"self": _polygamma_grad}),
    Op("polygamma(Tensor self, n)", _computing(_polygamma),
       promote="float", variants="inplace",
       node="PolygammaBackward1", derivatives={"self": _polygamma_grad}),
]
