"""nextafter on the bits of float32 and float64 arrays.

NumPy's nextafter calls C's nextafterf element by element (20x slower than a ufunc pass);
the same values come from integer arithmetic on the float's bits: a step of one unit in the
last place is +-1 on the bit pattern read as a signed integer (+1 moves away from zero for
either sign), and C's special cases are bit selections made only where they occur:

    a == b        b (so nextafter(0, -0) is -0)
    a == 0        the smallest subnormal with b's sign
    a or b nan    a + b (a nan)
"""
from ..backend import xp
from .bitselect import ones_where
from .kernels import UNSAFE, blocked, result_array, scratch

_INTS = {xp.dtype(xp.float32): (xp.dtype(xp.int32), xp.dtype(xp.uint32)),
         xp.dtype(xp.float64): (xp.dtype(xp.int64), xp.dtype(xp.uint64))}


def applies(out, a, b):
    """Non-empty float32 or float64 arrays of one dtype and shape (into a result of that
    dtype)."""
    return (isinstance(a, xp.ndarray) and isinstance(b, xp.ndarray) and a.ndim and a.size
            and a.dtype in _INTS and b.dtype == a.dtype and b.shape == a.shape
            and (out is None or (out.dtype == a.dtype and out.shape == a.shape)))


def nextafter(out, a, b):
    """The float after a in the direction of b, elementwise, into `out` (or a new array)."""
    return blocked(result_array(out, a.dtype, a), (a, b), _body, a.dtype)


def _pick(r, cond, value, u):
    """r = where(cond, value, r) on integer bits (value: an array or a number)."""
    m = ones_where(cond, u, out=scratch(3, u, r.shape))
    v = xp.bitwise_xor(value, r.view(u), out=scratch(4, u, r.shape))
    v &= m
    rb = r.view(u)
    rb ^= v


def _body(out, a, b, dtype):
    i, u = _INTS[dtype]
    shape = a.shape
    up = xp.less(a, b, out=scratch(0, xp.bool_, shape))
    pos = xp.greater(a, 0, out=scratch(1, xp.bool_, shape))
    xp.equal(up, pos, out=up)                      # away from zero
    u8 = up.view(xp.int8)
    step = xp.add(u8, u8, out=scratch(6, xp.int8, shape))
    step -= 1                                      # +1 or -1, in bytes
    r = xp.add(a.view(i), step, out=scratch(2, i, shape))
    flag = xp.equal(a, 0, out=pos)
    if flag.any():
        low = xp.bitwise_and(b.view(u), u.type(1 << (8 * u.itemsize - 1)),
                             out=scratch(5, u, shape))
        low |= u.type(1)
        _pick(r, flag, low, u)
    flag = xp.equal(a, b, out=pos)
    if flag.any():
        _pick(r, flag, b.view(u), u)
    if a.max() != a.max() or b.max() != b.max():   # a nan somewhere
        flag = xp.isnan(a, out=pos)
        flag |= xp.isnan(b, out=up)
        _pick(r, flag, xp.add(a, b).view(u), u)
    xp.copyto(out, r.view(dtype), casting=UNSAFE)
