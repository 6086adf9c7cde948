"""Elementwise arithmetic: the binary and ternary ops, clamp, where and masked_fill.

One declaration each (`ops.table.Op`): schema, kernel, promotion, checks, and the backward
formulas whose parameter names say what a node keeps. The formulas are written with insitu ops
(so they differentiate again) and, where they only use what NumPy arrays share, also run on the
arrays themselves when no graph is built (`on_arrays`).
"""
from ..autograd.grad_mode import mode
from ..autograd.versions import write
from ..backend import xp, clip
from ..core import dtypes
from ..core.tensor import Tensor, new_tensor
from . import checks, float_division, hypot, parallel
from .bitselect import BITS, fill_where, select
from .checks import not_implemented, refuse, refusing
from .codegen import entry_points
from .kernels import (UNSAFE, blocked, buffer, fma_into, is_array, is_integral, result_array,
                      scalar_in, scratch, store, uf)
from .libm import libm_binary_kernel
from .table import ANY_DTYPE, EXPANDED_WARNS, Op, formulas_on_arrays

_BOOL = xp.dtype(bool)


def zeros_like(x):
    """Zeros shaped like a gradient (a tensor, or an array on the array path): PyTorch's
    `zeros_like(grad)`, exactly zero even where the gradient is inf or nan."""
    return x.new_zeros(x.shape) if isinstance(x, Tensor) else xp.zeros_like(x)


def where(mask, g, other=0):
    """`g` where `mask` holds, else `other` (PyTorch's `where(mask, grad, 0)`: not `g * mask`,
    which turns an inf gradient into nan)."""
    if isinstance(g, Tensor):
        return g.where(mask, other)
    return select(mask, g, g.dtype.type(other).item())     # on the bits when it can


# ------------------------------------------------------------------- kernels

def _op_dtype(dt, *operands):
    """The dtype an op computes in: the forced one, or NumPy's (already PyTorch's) otherwise."""
    return dt if dt is not None else xp.result_type(*operands)


def _add_scaled(out, x, other, alpha, d):
    """x + alpha * other, alpha and the sum one fused multiply-add (PyTorch's add with alpha)."""
    fma_into(out, other, scalar_in(d, alpha), x, d)


def _k_add(out, dt, a, b, alpha=1):
    if alpha == 1:
        return xp.add(a, b, out=out, dtype=dt, casting=UNSAFE)
    d = _op_dtype(dt, a, b)
    return blocked(result_array(out, d, a, b), (a, b, alpha), _add_scaled, d)


def _k_sub(out, dt, a, b, alpha=1):
    if alpha == 1:
        return xp.subtract(a, b, out=out, dtype=dt, casting=UNSAFE)
    d = _op_dtype(dt, a, b)
    return blocked(result_array(out, d, a, b), (a, b, -alpha), _add_scaled, d)


# kernel(None, None, a, b) with alpha at its default is the plain ufunc (`kernels.uf`)
setattr(_k_add, "plain", xp.add)
setattr(_k_sub, "plain", xp.subtract)


def _k_rsub(out, dt, a, b, alpha=1):
    return _k_sub(out, dt, b, a, alpha)


# div's rounding_mode when the keyword is left out: true division like None, but PyTorch's
# overload without the keyword names its node DivBackward0, and `rounding_mode=None` DivBackward2
_TRUE_DIV = "true"


def _k_div(out, dt, a, b, rounding_mode=_TRUE_DIV):
    if rounding_mode is None or rounding_mode == _TRUE_DIV:
        return xp.true_divide(a, b, out=out, dtype=dt, casting=UNSAFE)
    if (dt if dt is not None else xp.result_type(a, b)).kind == "b":
        raise checks.not_implemented(f"div_{rounding_mode}_cpu", dtypes.bool_)
    if is_integral(a, b, dt):
        _check_int_zero(a, b, dt)
        if rounding_mode == "floor":
            return xp.floor_divide(a, b, out=out, dtype=dt, casting=UNSAFE)
        q = xp.floor_divide(a, b, dtype=dt)
        q += ((xp.remainder(a, b, dtype=dt) != 0) & ((xp.asarray(a) < 0) != (xp.asarray(b) < 0)))
        return store(q, out)
    if rounding_mode == "floor":   # NumPy's floor_divide is PyTorch's fmod-based algorithm
        if float_division.applies(out, _op_dtype(dt, a, b), a, b):
            return float_division.floor_divide(out, a, b)
        return xp.floor_divide(a, b, out=out, dtype=dt, casting=UNSAFE)
    return xp.trunc(xp.true_divide(a, b, dtype=dt), out=out)


def _k_floor_divide(out, dt, a, b):
    return _k_div(out, dt, a, b, "floor")


def _k_remainder(out, dt, a, b):
    _check_int_zero(a, b, dt)
    d = _op_dtype(dt, a, b)
    if d.kind != "f":
        return xp.remainder(a, b, out=out, dtype=dt, casting=UNSAFE)
    if float_division.applies(out, d, a, b):
        return float_division.remainder(out, a, b)
    # PyTorch's float remainder: fmod, then + b where the signs differ (a zero stays fmod's,
    # +0 for 2 % -2 where NumPy's remainder gives -0)
    mod = xp.asarray(xp.fmod(a, b, dtype=d, casting=UNSAFE))
    b = xp.asarray(b, dtype=d)
    xp.add(mod, b, out=mod, where=(mod != 0) & ((b < 0) != (mod < 0)))
    return store(mod, out)


def _k_fmod(out, dt, a, b):
    _check_int_zero(a, b, dt)
    if float_division.applies(out, _op_dtype(dt, a, b), a, b):
        return float_division.fmod(out, a, b)
    return xp.fmod(a, b, out=out, dtype=dt, casting=UNSAFE)


def _check_int_zero(a, b, dt):
    """PyTorch's integer division by zero, raised before anything is written (PyTorch's kernel
    writes the elements it walks before the first zero divisor first: docs/differences.md)."""
    if is_integral(a, b, dt) and xp.any(xp.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")


def _pow_by_number(out, a, b):
    """PyTorch's own kernels for these float exponents (pow_tensor_scalar_optimized_kernel,
    sqrt, rsqrt, reciprocal): x * x for 2, x * x * x for 3, 1 / (x * x) for -2, ...; None for
    the other exponents."""
    if b == 2:
        return xp.multiply(a, a, out=out)
    if b == 3:
        return blocked(result_array(out, a.dtype, a), (a,), _cube, None)
    if b == 0.5:
        return xp.sqrt(a, out=out)
    if b == -1:
        return xp.reciprocal(a, out=out)
    if b == -2:     # into an array, also for a 0-dim `a` (NumPy would return a scalar)
        r = xp.multiply(a, a, out=buffer(out, a))
        return xp.reciprocal(r, out=r)
    if b == -0.5:
        r = xp.sqrt(a, out=buffer(out, a))
        return xp.divide(1, r, out=r)
    return None


def _cube(out, a, dtype):
    """a * a * a rounded twice, as PyTorch's kernel; the square in scratch, so `out` may be a."""
    t = xp.multiply(a, a, out=scratch(0, a.dtype, a.shape))
    xp.multiply(t, a, out=out)


def _k_pow(out, dt, a, b):
    if (b.__class__ is int or b.__class__ is float) and a.__class__ is xp.ndarray and \
            a.dtype.kind == "f" and (dt is None or dt == a.dtype) and \
            (out is None or out.dtype == a.dtype):
        r = _pow_by_number(out, a, b)
        if r is not None:
            return r
    if isinstance(b, xp.ndarray) or not isinstance(a, xp.ndarray):
        # bool ** bool has no kernel, except with a Python-number exponent
        if (dt or xp.result_type(a, b)).kind == "b":
            raise not_implemented("pow", dtypes.bool_)
    if is_integral(a, b, dt):
        if type(b) is int and b < 0:   # only a Python-number exponent is refused
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if isinstance(b, xp.ndarray) and b.dtype.kind == "i" and xp.any(b < 0):
            return store(_int_pow_negative(a, b, dt or xp.result_type(a, b)), out)
    elif type(b) in (int, float) and b in _SPECIAL_EXPONENTS and isinstance(a, xp.ndarray):
        d = _op_dtype(dt, a, b)
        if d.kind == "f":
            return _SPECIAL_EXPONENTS[b](a if a.dtype == d else a.astype(d), out)
    return xp.power(a, b, out=out, dtype=dt, casting=UNSAFE)


def _reciprocal_of(r, out):
    if out is None:
        r = out = xp.asarray(r)       # a 0-dim operand's square or root is a NumPy scalar
    return xp.true_divide(r.dtype.type(1), r, out=out)


# PyTorch computes these Python-number exponents by their own formulas (so rsqrt(-0.0) is -inf
# and a ** 2 is a * a, exactly)
_SPECIAL_EXPONENTS = {
    0.5: lambda a, out: xp.sqrt(a, out=out),
    -0.5: lambda a, out: _reciprocal_of(xp.sqrt(a), out),
    2: lambda a, out: xp.multiply(a, a, out=out),
    3: lambda a, out: xp.multiply(xp.multiply(a, a), a, out=out),
    -1: lambda a, out: xp.true_divide(a.dtype.type(1), a, out=out),
    -2: lambda a, out: _reciprocal_of(xp.multiply(a, a), out),
}


def _int_pow_negative(a, b, dt):
    """Integer powers with some negative exponents, as PyTorch computes them: 1 ** -n is 1,
    (-1) ** -n is +-1 by parity, anything else (0 included) gives 0."""
    neg = b < 0
    res = xp.power(a, xp.where(neg, 0, b), dtype=dt)
    base = xp.asarray(a)
    odd = (b % 2) != 0
    special = xp.where(base == 1, 1, xp.where(base == -1, xp.where(odd, -1, 1), 0))
    return xp.where(neg, special, res).astype(dt)


def _k_clamp(out, dt, a, lo=None, hi=None):
    if dt is not None and a.dtype != dt:
        a = a.astype(dt)
    if lo is not None and hi is not None:
        m = _LAST_BOUNDS[0]
        if m[0] is lo and m[1] is hi and m[2] is a.dtype:
            return clip(a, m[3], m[4], out=out)   # max wins when min > max, as in PyTorch
        _remember_bounds(lo, hi, a.dtype)
        return clip(a, lo, hi, out=out)
    # PyTorch keeps self's element unless it is strictly past the bound (clamp_min(-0.0, 0.0)
    # is -0.0): NumPy's maximum and minimum return their second operand on a tie
    ufunc, bound = (xp.maximum, lo) if lo is not None else (xp.minimum, hi)
    if (type(bound) is float or type(bound) is int) and a.dtype in BITS and a.ndim \
            and (out is None or out.dtype == a.dtype):
        # against a number NumPy's maximum runs no SIMD loop: a block of the bound instead
        r = out if out is not None else xp.empty(a.shape, a.dtype)
        return blocked(r, (a, ufunc, a.dtype.type(bound)), _bound_block, None)
    return ufunc(bound, a, out=out)


# the last number bounds clamp saw, as NumPy scalars of the array's dtype: NumPy converts a
# Python number at every call, which costs more than the clip of a small array. Only exact
# conversions are kept, so the clip is the one the Python numbers give; the same objects
# (`x.clamp_(0, 1)` in a loop) find them again. One tuple, replaced whole: threads agree.
_LAST_BOUNDS = [(None, None, None, None, None)]
_FLOAT_MAX = {xp.dtype(t): float(xp.finfo(t).max) for t in (xp.float16, xp.float32, xp.float64)}


def _remember_bounds(lo, hi, dt):
    c = lo.__class__
    d = hi.__class__
    if not ((c is int or c is float) and (d is int or d is float)) or \
            (dt.kind != "f" and (c is float or d is float)):
        return
    top = _FLOAT_MAX.get(dt)
    if top is not None and not (-top <= lo <= top and -top <= hi <= top):
        return      # NaN, or past the dtype's range (NumPy would warn converting it)
    try:
        slo = dt.type(lo)
        shi = dt.type(hi)
    except (OverflowError, ValueError):
        return
    if slo == lo and shi == hi:
        _LAST_BOUNDS[0] = (lo, hi, dt, slo, shi)


def _bound_block(out, a, ufunc, bound, _):
    b = scratch(0, a.dtype, a.shape)
    b.fill(bound)
    ufunc(b, a, out=out)


def _k_clamp_min(out, dt, a, lo):
    return _k_clamp(out, dt, a, lo, None)


def _k_clamp_max(out, dt, a, hi):
    return _k_clamp(out, dt, a, None, hi)


def _lerp_block(out, a, end, weight, d):
    """PyTorch's lerp: `self + w * (end - self)` for |w| < 0.5, else `end - (end - self) *
    (1 - w)`, each as one fused multiply-add (so it is exact at w = 0 and w = 1)."""
    diff = scratch(0, d, out.shape)
    xp.subtract(end, a, out=diff, casting=UNSAFE)
    if is_array(weight):
        small = scratch(0, _BOOL, out.shape)
        coeff = scratch(1, d, out.shape)
        base = scratch(2, d, out.shape)
        xp.less(xp.abs(weight, out=coeff), 0.5, out=small)
        xp.subtract(weight.dtype.type(1), weight, out=coeff, casting=UNSAFE)
        xp.negative(coeff, out=coeff)       # -(1 - w): -0.0 at w = 1, as PyTorch's fnmadd
        xp.copyto(coeff, weight, where=small, casting=UNSAFE)
        xp.copyto(base, end, casting=UNSAFE)
        xp.copyto(base, a, where=small, casting=UNSAFE)
    else:
        w = d.type(weight)
        small = abs(w) < 0.5
        coeff = w if small else -(d.type(1) - w)
        base = a if small else end
    fma_into(out, coeff, diff, base, d)


def _first_on_ties(ufunc):
    """maximum/minimum as PyTorch's: self wins a tie (maximum(0.0, -0.0) is 0.0); NumPy's
    ufunc returns its second operand there, so the operands go in swapped."""
    def kernel(out, dt, a, b):
        return ufunc(b, a, out=out, dtype=dt, casting=UNSAFE)
    kernel.__name__ = ufunc.__name__
    return kernel


def _k_lerp(out, dt, a, end, weight):
    d = _op_dtype(dt, a, end)
    return blocked(result_array(out, d, a, end, weight), (a, end, weight), _lerp_block, d)


def _addcmul_block(out, a, t1, t2, value, d):
    """self + (value * tensor1) * tensor2, the last two steps fused (PyTorch's vector kernel)."""
    scaled = scratch(0, d, out.shape)
    xp.multiply(t1, scalar_in(d, value), out=scaled, casting=UNSAFE)
    fma_into(out, scaled, t2, a, d)


def _k_addcmul(out, dt, a, t1, t2, value=1):
    d = _op_dtype(dt, a, t1, t2)
    if d.kind in "iub" and isinstance(value, float):
        value = int(value)
    if d.kind in "iu" and value.__class__ is int:
        # PyTorch's range check of the number, then its conversion (-1 is 255 in uint8)
        value = int(xp.asarray(dtypes.checked_scalar(value, dtypes.from_numpy_dtype(d)))
                    .astype(d))
    return blocked(result_array(out, d, a, t1, t2), (a, t1, t2, value), _addcmul_block, d)


def _addcdiv_block(out, a, t1, t2, value, d, q=None):
    """(value * tensor1) / tensor2 + self, as PyTorch's kernel rounds it (the quotient in `q`,
    the thread's scratch by default)."""
    q = scratch(0, d, out.shape) if q is None else q
    xp.multiply(t1, scalar_in(d, value), out=q, casting=UNSAFE)
    xp.true_divide(q, t2, out=q, casting=UNSAFE)
    xp.add(a, q, out=out, casting=UNSAFE)


def _shares(v, r):
    return isinstance(v, xp.ndarray) and xp.may_share_memory(v, r)


def _k_addcdiv(out, dt, a, t1, t2, value=1):
    d = _op_dtype(dt, a, t1, t2)
    r = result_array(out, d, a, t1, t2)
    if r.dtype == d and (out is None or not (
            _shares(a, r) or _shares(t2, r) or (t1 is not r and _shares(t1, r)))):
        # the steps in the result itself (it holds none of the operands it still has to read;
        # tensor1, read first, may be it): three whole passes, the block's values
        _addcdiv_block(r, a, t1, t2, value, d, r)
        return r
    return blocked(r, (a, t1, t2, value), _addcdiv_block, d)


def _k_where(out, dt, cond, a, b):
    r = select(cond, a, b)      # on the bits when it can (`ops.bitselect`)
    return store(r.astype(dt) if dt is not None and r.dtype != dt else r, out)


def _k_masked_fill(out, dt, a, mask, value):
    value = checks.fill_value(value, out.dtype if out is not None else dt or a.dtype)
    if out is None:
        shape = xp.broadcast_shapes(a.shape, mask.shape)
        out = xp.array(xp.broadcast_to(a, shape), dtype=dt or a.dtype)
    elif out is not a:
        xp.copyto(out, a, casting=UNSAFE)
    if mask.shape == out.shape and out.dtype in BITS and isinstance(value, (int, float)):
        return fill_where(out, mask, value)
    xp.copyto(out, value, where=xp.broadcast_to(mask, out.shape), casting=UNSAFE)
    return out


# ------------------------------------------------------------------- checks

def _check_lerp(args, params):
    self, end, weight = args
    if not isinstance(end, Tensor):
        raise TypeError("lerp(): argument 'end' (position 2) must be Tensor, not "
                        f"{type(end).__name__}")
    names = dtypes.CPP_NAMES
    if end._dtype is not self._dtype:
        raise RuntimeError(f"expected dtype {names[self._dtype.name]} for `end` but got dtype "
                           f"{names[end._dtype.name]}")
    tensor_weight = isinstance(weight, Tensor)
    if tensor_weight and weight._data.ndim and weight._dtype is not self._dtype:
        raise RuntimeError(f"expected dtype {names[self._dtype.name]} for `weight` but got "
                           f"dtype {names[weight._dtype.name]}")
    if tensor_weight:
        refuse("lerp_kernel_tensor", "iub")(args, params)
    elif self._dtype.np.kind in "iub":
        # a Scalar weight takes no part in PyTorch's dtype (here it does): no cast check of
        # PyTorch's can refuse first, so the refusal is not deferred past insitu's
        e = not_implemented("lerp_kernel_scalar", self._dtype)
        e.early = True
        raise e


def _check_masked_fill(args, params):
    self, mask, value = args
    if mask._dtype is not dtypes.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{dtypes.CPP_NAMES[mask._dtype.name]}")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")


def _check_addcdiv(args, params):
    if all(not getattr(a, "_dtype", dtypes.float32).is_floating_point for a in args[1:]):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")


# ------------------------------------------------------------------- backward formulas

def _scaled(g, factor):
    return g if factor == 1 else g * factor


def _numbered_by(position, stem):
    """PyTorch numbers the Scalar-operand overload's node 0 and the Tensor one's 1 (fmod)."""
    names = (stem + "Backward0", stem + "Backward1")
    return lambda args, params: names[isinstance(args[position], Tensor)]


def _remainder_node(args, params):
    """remainder(Scalar, Tensor) (`2 % t`) has no derivative in PyTorch."""
    if not isinstance(args[0], Tensor):
        return "NotImplemented"
    return "RemainderBackward1" if isinstance(args[1], Tensor) else "RemainderBackward0"


def _pow_node(args, params):
    """pow(Tensor, Scalar) is PowBackward0, pow(Tensor, Tensor) 1, pow(Scalar, Tensor) 2."""
    if not isinstance(args[0], Tensor):
        return "PowBackward2"
    return "PowBackward1" if isinstance(args[1], Tensor) else "PowBackward0"


def _is_number(x):
    return isinstance(x, (int, float))


def _zero_where(cond, x):
    """x with zeros where cond holds (cond broadcasts into x)."""
    if isinstance(x, Tensor):
        return x.masked_fill(cond, 0)
    return xp.where(cond, x.dtype.type(0), x)


def _log(x):
    return x.log() if isinstance(x, Tensor) else xp.log(x)


def _pow_self_grad(grad, self, exponent):
    """PyTorch's pow_backward_self: 0 where the exponent is 0 (not the nan of 0 * inf); a
    number exponent is grad * (exponent * self ** (exponent - 1)), rounded in that order."""
    if _is_number(exponent):
        if exponent == 0:
            return zeros_like(grad)
        if exponent == 2:                       # self ** 1 is self: skip its copy
            return grad * (self * 2.0)
        return grad * (exponent * self ** (exponent - 1))
    return _zero_where(exponent == 0, grad * exponent * self ** (exponent - 1))


def _pow_exponent_grad(grad, self, exponent, result):
    """PyTorch's pow_backward_exponent: 0 where the base is 0 and the exponent >= 0."""
    if _is_number(self):    # scalar ** tensor
        ge = grad * result * float(xp.log(self))   # log of a negative base is nan, no error
        return _zero_where(exponent >= 0, ge) if self == 0 else ge
    return _zero_where((self == 0) & (exponent >= 0), grad * result * _log(self))


def _div_self_grad(grad, other, rounding_mode):
    return grad / other if rounding_mode in (None, _TRUE_DIV) else zeros_like(grad)


def _div_other_grad(grad, self, other, rounding_mode):
    if rounding_mode not in (None, _TRUE_DIV):
        return zeros_like(grad)
    return -grad * self / (other * other)


def _extremum_grad(grad, a, b, loses):
    """maximum/minimum's gradient for operand `a` (PyTorch's `where(a == b, grad / 2, grad)
    .masked_fill_(loses, 0)`): half of it on a tie, none where `a` loses, all of it elsewhere,
    NaN included (maximum(x, x) at a NaN gives the whole gradient to both operands)."""
    if isinstance(grad, Tensor):
        return (grad / 2).where(a == b, grad).masked_fill(loses, 0)
    r = xp.where(a == b, grad / 2, grad)
    return xp.where(loses, r.dtype.type(0), r)


def _max_grad(grad, a, b):
    return _extremum_grad(grad, a, b, a < b)


def _min_grad(grad, a, b):
    return _extremum_grad(grad, a, b, a > b)


def _floor_div(self, other):
    """PyTorch's div(rounding_mode="floor") (remainder's gradient for `other`): fmod-based, so
    inf // 1 is nan where floor(inf / 1) is inf."""
    if isinstance(self, Tensor):
        return self.div(other, rounding_mode="floor")
    return xp.floor_divide(self, other)


def _atan2_recip(self, other):
    """1 / (self² + other²), 0 where that is 0 (PyTorch's atan2_backward: the gradient at the
    origin is 0, not nan)."""
    denom = self * self + other * other
    recip = denom.reciprocal()
    if isinstance(recip, Tensor):
        return recip.masked_fill(denom == 0, 0)
    return xp.where(denom == 0, recip.dtype.type(0), recip)


def _clamp_mask(which):
    """Where each operand of clamp gets the gradient (PyTorch's clamp_backward and
    clamp_backward_min_max), computed before the kernel overwrites self."""
    def mask(inputs, params):
        self, lo, hi = inputs[0], inputs[1], inputs[2] if len(inputs) > 2 else None
        if not self._dtype.is_floating_point and self._requires_grad:
            # PyTorch's clamp_ keeps a copy of self for backward: for an integer self that
            # requires grad, that copy refuses to get a grad_fn
            raise RuntimeError(f"Autograd not support dtype: {self._dtype.legacy}")
        a = self._data
        lo = lo._data if isinstance(lo, Tensor) else lo
        hi = hi._data if isinstance(hi, Tensor) else hi
        # the result's shape: the bounds may broadcast self (the gradient is summed back)
        shape = xp.broadcast_shapes(*[x.shape for x in (a, lo, hi) if isinstance(x, xp.ndarray)])
        if which == "self":
            m = xp.ones(shape, bool)
            if lo is not None:
                m &= a >= lo
            if hi is not None:
                m &= a <= hi
        elif which == "min":
            m = a < lo
            if hi is not None:
                m = m & (lo < hi)
        else:
            m = a > hi
            if lo is not None:
                m = m | (hi < lo)
        return _private(xp.ascontiguousarray(xp.broadcast_to(m, shape)))
    return mask


def _private(arr):
    """A mask the node keeps: a tensor of its own (counted by the memory accounting), never
    visible to the user."""
    return new_tensor(arr, dtypes.bool_)


_CLAMP_NODES = lambda args, params: ("ClampBackward0" if isinstance(args[1], Tensor) or  # noqa
                                     isinstance(args[2], Tensor) else "ClampBackward1")

# kept_self: PyTorch's node keeps self (out of place: a later write into it fails the
# backward); in place it keeps a copy, which the masks stand for (`derivatives._keep` keeps no
# computed value that is the input being overwritten)
_MASKS = {"mask": _clamp_mask("self"), "min_mask": _clamp_mask("min"),
          "max_mask": _clamp_mask("max"), "kept_self": lambda inputs, params: inputs[0]}


# ------------------------------------------------------------------- the table

def _where_nonzero(condition):
    return condition.nonzero(as_tuple=True)


BINARY = [
    Op("add(Tensor self, Tensor other, *, alpha=1)", _k_add, check=checks.alpha_args,
       derivatives={"self": lambda grad: grad,
                    "other": lambda grad, alpha: _scaled(grad, alpha)},
       operators=("__add__", "__radd__", "__iadd__")),
    Op("sub(Tensor self, Tensor other, *, alpha=1)", _k_sub, check=checks.sub_args,
       derivatives={"self": lambda grad: grad,
                    "other": lambda grad, alpha: -_scaled(grad, alpha)},
       operators=("__sub__", "__isub__")),
    # `2.0 - t` is rsub (RsubBackward1), as in PyTorch's Tensor.__rsub__
    Op("rsub(Tensor self, Scalar other, *, alpha=1)", _k_rsub, check=checks.sub_args,
       variants="function",
       node=lambda args, params: "RsubBackward0" if isinstance(args[1], Tensor) else "RsubBackward1",
       derivatives={"self": lambda grad, alpha: -_scaled(grad, alpha),
                    "other": lambda grad: grad},
       operators=("__rsub__",)),
    Op("mul(Tensor self, Tensor other)", uf(xp.multiply),
       derivatives={"self": lambda grad, other: grad * other,
                    "other": lambda grad, self: grad * self},
       operators=("__mul__", "__rmul__", "__imul__")),
    Op(f"div(Tensor self, Tensor other, *, rounding_mode={_TRUE_DIV!r})", _k_div,
       promote=lambda p: "true_div" if p["rounding_mode"] in (None, _TRUE_DIV) else "binary",
       node=lambda args, params: "DivBackward0" if params["rounding_mode"] == _TRUE_DIV
       else "DivBackward2",
       derivatives={"self": _div_self_grad, "other": _div_other_grad},
       operators=("__truediv__", "__itruediv__"), pointwise="float"),
    # PyTorch implements no derivative for floor_divide: a NotImplemented node whose
    # backward raises
    Op("floor_divide(Tensor self, Tensor other)", _k_floor_divide,
       check=refuse("div_floor_cpu", "b"), node="NotImplemented", derivatives={},
       pointwise="float",
       operators=("__floordiv__", "__rfloordiv__", "__ifloordiv__")),
    Op("remainder(Tensor self, Scalar other)", _k_remainder,
       check=refuse("remainder_cpu", "b"), node=_remainder_node, pointwise="float",
       derivatives={"self": lambda grad: grad,
                    "other": lambda grad, self, other: -grad * _floor_div(self, other)},
       operators=("__mod__", "__rmod__", "__imod__")),
    Op("fmod(Tensor self, Scalar other)", _k_fmod, check=refuse("fmod_cpu", "b"),
       node=_numbered_by(1, "Fmod"), pointwise="float",
       derivatives={"self": lambda grad: grad,
                    "other": lambda grad, self, other: -grad * (self / other).trunc()}),
    Op("pow(Scalar self, Scalar exponent)", _k_pow, node=_pow_node, value_check=checks.pow_values,
       derivatives={"self": _pow_self_grad, "exponent": _pow_exponent_grad},
       operators=("__pow__", "__rpow__", "__ipow__")),
    Op("maximum(Tensor self, Tensor other)", _first_on_ties(xp.maximum), variants="function method",
       derivatives={"self": lambda grad, self, other: _max_grad(grad, self, other),
                    "other": lambda grad, self, other: _max_grad(grad, other, self)}),
    Op("minimum(Tensor self, Tensor other)", _first_on_ties(xp.minimum), variants="function method",
       derivatives={"self": lambda grad, self, other: _min_grad(grad, self, other),
                    "other": lambda grad, self, other: _min_grad(grad, other, self)}),
    Op("atan2(Tensor self, Tensor other)", libm_binary_kernel(xp.arctan2, "atan2"),
       promote="float",
       derivatives={"self": lambda grad, self, other: grad * other * _atan2_recip(self, other),
                    "other": lambda grad, self, other: grad * -self * _atan2_recip(self, other)}),
    Op("hypot(Tensor self, Tensor other)", refusing(hypot.kernel, "hypot_cpu", "iub"),
       check=checks.operands_broadcast,
       derivatives={"self": lambda grad, self, result: grad * self / result,
                    "other": lambda grad, other, result: grad * other / result}),
]

def _number_bound(args):
    """clamp_min_/clamp_max_ with a number bound (the Scalar overload) word a cast error with
    C++ dtype names ("long int"), with a tensor bound with PyTorch's ("Long")."""
    return not isinstance(args[1], Tensor)


CLAMP = [
    Op("clamp(Tensor self, Scalar? min=None, Scalar? max=None)", _k_clamp, promote="same",
       check=checks.clamp_args,
       cast_names=lambda args: _CLAMP_NODES(args, None) == "ClampBackward1",
       node=_CLAMP_NODES, computed=_MASKS,
       derivatives={"self": lambda grad, mask, kept_self: where(mask, grad),
                    "min": lambda grad, min_mask, kept_self, min, max: where(min_mask, grad),
                    "max": lambda grad, max_mask, kept_self, min, max: where(max_mask, grad)}),
    Op("clamp_min(Tensor self, Scalar min)", _k_clamp_min, promote="same",
       cast_names=_number_bound, check=checks.clamp_bound("clamp_min_scalar_cpu"),
       node=_numbered_by(1, "ClampMin"),
       computed={"mask": lambda inputs, p: _MASKS["mask"]((inputs[0], inputs[1], None), p),
                 "min_mask": lambda inputs, p: _MASKS["min_mask"]((inputs[0], inputs[1], None),
                                                                  p),
                 "kept_self": _MASKS["kept_self"]},
       derivatives={"self": lambda grad, mask, kept_self: where(mask, grad),
                    "min": lambda grad, min_mask, kept_self, min: where(min_mask, grad)}),
    Op("clamp_max(Tensor self, Scalar max)", _k_clamp_max, promote="same",
       cast_names=_number_bound, check=checks.clamp_bound("clamp_max_scalar_cpu"),
       node=_numbered_by(1, "ClampMax"),
       computed={"mask": lambda inputs, p: _MASKS["mask"]((inputs[0], None, inputs[1]), p),
                 "max_mask": lambda inputs, p: _MASKS["max_mask"]((inputs[0], None, inputs[1]),
                                                                  p),
                 "kept_self": _MASKS["kept_self"]},
       derivatives={"self": lambda grad, mask, kept_self: where(mask, grad),
                    "max": lambda grad, max_mask, kept_self, max: where(max_mask, grad)}),
]

TERNARY = [
    Op("lerp(Tensor self, Tensor end, Scalar weight)", _k_lerp, check=_check_lerp,
       node=_numbered_by(2, "Lerp"),
       derivatives={"self": lambda grad, weight: grad * (1 - weight),
                    "end": lambda grad, weight: grad * weight,
                    "weight": lambda grad, self, end: grad * (end - self)}),
    Op("addcmul(Tensor self, Tensor tensor1, Tensor tensor2, *, value=1)", _k_addcmul,
       check=refuse("addcmul_cpu_out", "b"),
       derivatives={"self": lambda grad: grad,
                    "tensor1": lambda grad, tensor2, value: grad * tensor2 * value,
                    "tensor2": lambda grad, tensor1, value: grad * tensor1 * value}),
    Op("addcdiv(Tensor self, Tensor tensor1, Tensor tensor2, *, value=1)", _k_addcdiv,
       check=_check_addcdiv,
       derivatives={"self": lambda grad: grad,
                    "tensor1": lambda grad, tensor2, value: grad * value / tensor2,
                    "tensor2": lambda grad, tensor1, tensor2, value:
                    -grad * value * tensor1 / (tensor2 * tensor2)}),
    Op("masked_fill(Tensor self, Tensor mask, Scalar value)", _k_masked_fill, promote="self",
       check=_check_masked_fill, writes=(ANY_DTYPE, EXPANDED_WARNS),
       node=_numbered_by(2, "MaskedFill"),
       derivatives={"self": lambda grad, mask: grad.masked_fill(mask, 0),
                    "value": lambda grad, mask: grad.where(mask, 0).sum()}),
    Op("where(Tensor condition, Tensor self, Tensor other)", _k_where,
       variants="function method", short=_where_nonzero,
       derivatives={"self": lambda grad, condition: grad.where(condition, 0),
                    "other": lambda grad, condition: grad.where(~condition, 0)}),
]

ALL = formulas_on_arrays(BINARY + CLAMP + TERNARY)


def rtruediv(self, other):
    """`2.0 / t` is `t.reciprocal() * 2.0`, as PyTorch's Tensor defines it (MulBackward0 over
    ReciprocalBackward0, and that rounding)."""
    if not isinstance(other, (int, float, bool, Tensor)):
        return NotImplemented
    return self.reciprocal() * other


def positive(input):
    """PyTorch returns the input itself: no copy, no graph node."""
    if input._dtype is dtypes.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


_CLAMP = entry_points(CLAMP[0])
_CLAMP_INPLACE = checks.one_kind_of_bounds(_CLAMP["inplace"])
_CLAMP_FAST = CLAMP[0]._fast_in
_MISS = object()


# `x.clamp_(lo, hi)` with number bounds into a tensor that needs nothing checked before a write
# (no `special` storage bit, no view, no autograd, fewer elements than are split over threads):
# the generated fast path of those operand kinds, less its generic operand code, for the
# commonest call of a hot one
def clamp_(*args, **kwargs):
    if not kwargs and len(args) == 3:
        self, lo, hi = args
        c1 = lo.__class__
        c2 = hi.__class__
        if (c1 is float or c1 is int) and (c2 is float or c2 is int):
            st = self._storage
            sd = self._data
            if not st.special and self._base is None and sd.ndim \
                    and not (self._requires_grad and mode.grad) and sd.size < parallel.MIN_SIZE:
                info = _CLAMP_FAST.get((self._dtype, c1, c2), _MISS)
                if info is not _MISS:
                    try:
                        _k_clamp(sd, info, sd, lo, hi)
                    except OverflowError:   # the full pipeline words it
                        return _CLAMP_INPLACE(*args)
                    return write(self, "clamp_")
    return _CLAMP_INPLACE(*args, **kwargs)


clamp_.__name__ = clamp_.__qualname__ = "clamp_"
clamp_.__module__, clamp_.__doc__ = _CLAMP_INPLACE.__module__, _CLAMP_INPLACE.__doc__

METHODS = {"__rtruediv__": rtruediv, "__rdiv__": rtruediv, "positive": positive,
           "__pos__": positive,
           "clamp": checks.one_kind_of_bounds(_CLAMP["method"]),
           "clamp_": clamp_}
FUNCTIONS = {"positive": positive,
             "clamp": checks.one_kind_of_bounds(_CLAMP["function"], function=True)}
