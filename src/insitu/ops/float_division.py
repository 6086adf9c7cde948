"""fmod, PyTorch's float remainder and floor division of float32 arrays, with the values of
NumPy's and PyTorch's loops, several times faster.

NumPy calls C's fmodf element by element (no SIMD), and its floor_divide and PyTorch's
remainder are built on it. fmod is exact, and for float32 operands the same value comes from
float64 arithmetic:

    q = trunc(a / b),   fmod(a, b) = copysign(a - q * b, a)

When |a / b| < 2^29 the float64 quotient is within 2^-24 of a / b's distance to the next
integer (a - n b is a multiple of the smaller operand's ulp), so q is the true truncation; q * b
(29 + 24 bits) and the remainder itself (a float32 number) are then exact. The elements where
that does not hold (|q| >= 2^29, b infinite, a nan result) are recomputed with NumPy's fmod.

The steps after fmod run in float32 like the loops they replace (PyTorch's remainder adds b
where the signs differ; NumPy's floor division, `npy_divmodf`, which PyTorch's div_floor also
is), their branches turned into bit selections. Each block of
`kernels._BLOCK` elements is worked on in the thread's scratch buffers (`kernels.blocked`).
"""
from ..backend import xp
from .bitselect import ones_where
from .kernels import UNSAFE, blocked, is_array, result_array, scratch

_F32 = xp.dtype(xp.float32)
_F64 = xp.dtype(xp.float64)
_U32 = xp.dtype(xp.uint32)
_EXACT = float(1 << 29)     # |a / b| below this: the float64 steps give C's fmod exactly
_SIGN32 = xp.uint32(1 << 31)


def applies(out, d, a, b):
    """Whether the fast kernels compute this call: float32 operands (arrays or numbers) into a
    float32 result."""
    if d != _F32 or (out is not None and out.dtype != _F32):
        return False
    return all(v.dtype == _F32 if isinstance(v, xp.ndarray) else isinstance(v, (int, float))
               for v in (a, b))


def _in64(v, slot, shape):
    """A float32 operand in float64: a scratch array, or a Python float for a number."""
    if not is_array(v):
        return float(xp.float32(v))
    w = scratch(slot, _F64, shape)
    xp.copyto(w, v)
    return w


def _fmod64(a, b, shape):
    """fmod of float32 operands (block or number), exact in a float64 scratch array."""
    A = _in64(a, 4, shape)
    B = _in64(b, 5, shape)
    r = xp.divide(A, B, out=scratch(6, _F64, shape))
    xp.trunc(r, out=r)
    if not r.size:
        return r, A, B
    lo, hi = r.min(), r.max()           # nan when a quotient is nan
    r *= B
    xp.subtract(A, r, out=r)
    xp.copysign(r, A, out=r)
    if not (-_EXACT < lo and hi < _EXACT) or r.max() != r.max():
        q = xp.abs(xp.divide(A, B))
        bad = ~(q < _EXACT) | xp.isnan(r)
        a32 = xp.broadcast_to(xp.asarray(a, _F32), shape)[bad]
        b32 = xp.broadcast_to(xp.asarray(b, _F32), shape)[bad]
        r[bad] = xp.fmod(a32, b32)
    return r, A, B


def _fmod_body(out, a, b, dtype):
    r, _, _ = _fmod64(a, b, out.shape)
    xp.copyto(out, r, casting=UNSAFE)


def _fmod32(a, b, shape):
    """C's fmod of float32 operands, in float32 scratch slot 0."""
    r, _, _ = _fmod64(a, b, shape)
    mod = scratch(0, _F32, shape)
    xp.copyto(mod, r, casting=UNSAFE)
    return mod


def _signs_differ(mod, b, slot, spare):
    """Where mod is not 0 and its sign and b's differ (where a floored mod is mod + b), in bool
    scratch `slot` (`spare` for a temporary)."""
    shape = mod.shape
    m = xp.less(mod, 0, out=scratch(slot, xp.bool_, shape))
    xp.not_equal(m, xp.less(b, 0) if is_array(b) else b < 0, out=m)
    m &= xp.not_equal(mod, 0, out=scratch(spare, xp.bool_, shape))
    return m


def _remainder_body(out, a, b, dtype):
    # mod + b where mod != 0 and the signs of b and mod differ, mod elsewhere (in float32)
    shape = out.shape
    mod = _fmod32(a, b, shape)
    move = _signs_differ(mod, b, 0, 1)
    s = xp.add(mod, b, out=scratch(1, _F32, shape))
    m = ones_where(move, _U32, out=scratch(5, _U32, shape))
    rb, sb = mod.view(_U32), s.view(_U32)
    xp.bitwise_xor(sb, rb, out=sb)
    sb &= m
    rb ^= sb
    xp.copyto(out, mod, casting=UNSAFE)


def _floor_divide_body(out, a, b, dtype):
    # npy_divmodf: mod = fmod(a, b); div = (a - mod) / b; div -= 1 where mod != 0 and the signs
    # of b and mod differ; floor(div), + 1 where div - floor(div) > 0.5; copysign(0, a / b)
    # where div == 0; a / b where b == 0
    shape = out.shape
    mod = _fmod32(a, b, shape)
    div = xp.subtract(a, mod, out=scratch(1, _F32, shape))
    div /= b
    fix = _signs_differ(mod, b, 3, 4)
    xp.subtract(div, fix, out=div)
    fl = xp.floor(div, out=mod)
    frac = xp.subtract(div, fl, out=scratch(2, _F32, shape))
    xp.add(fl, xp.greater(frac, 0.5, out=fix), out=fl)
    t = xp.divide(a, b, out=frac)                      # a / b
    zero = xp.equal(div, 0, out=fix)
    pick = ones_where(zero, _U32, out=scratch(5, _U32, shape))
    tb, fb = t.view(_U32), fl.view(_U32)
    signed_zero = xp.bitwise_and(tb, _SIGN32, out=div.view(_U32))
    xp.bitwise_xor(signed_zero, fb, out=signed_zero)
    signed_zero &= pick
    fb ^= signed_zero
    if is_array(b):
        by_zero = xp.equal(b, 0, out=zero)
        if by_zero.any():
            ones_where(by_zero, _U32, out=pick)
            xp.bitwise_xor(tb, fb, out=tb)
            tb &= pick
            fb ^= tb
    elif b == 0:
        fl[...] = t
    xp.copyto(out, fl, casting=UNSAFE)


def fmod(out, a, b):
    """fmod(a, b) into `out` (or a new float32 array) for float32 operands."""
    return blocked(result_array(out, _F32, a, b), (a, b), _fmod_body, _F32)


def remainder(out, a, b):
    """PyTorch's float remainder (fmod, then + b where the signs differ) for float32."""
    return blocked(result_array(out, _F32, a, b), (a, b), _remainder_body, _F32)


def floor_divide(out, a, b):
    """NumPy's (and PyTorch's) float floor division for float32 operands."""
    return blocked(result_array(out, _F32, a, b), (a, b), _floor_divide_body, _F32)
