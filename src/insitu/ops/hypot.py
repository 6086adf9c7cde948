"""hypot of float32 arrays through float64: sqrt(x^2 + y^2) with x^2 and y^2 exact, rounded to
float32 at the end. This is how C's hypotf computes (glibc), so the values are NumPy's (which
calls hypotf element by element, without SIMD), bit for bit; only an infinity beside a nan,
which C's hypot makes +inf, is set afterwards. Each block of `kernels._BLOCK` elements is worked
on in the thread's scratch buffers."""
from ..backend import xp
from .kernels import UNSAFE, blocked, result_array, scratch

_F32 = xp.dtype(xp.float32)
_F64 = xp.dtype(xp.float64)


def kernel(out, dt, a, b):
    """The table kernel: float32 arrays (of any broadcasting shapes) into a float32 result
    here, the rest by NumPy."""
    if (dt is None and isinstance(a, xp.ndarray) and isinstance(b, xp.ndarray) and a.ndim
            and b.ndim and a.dtype == _F32 and b.dtype == _F32
            and (out is None or out.dtype == _F32)):
        return blocked(result_array(out, _F32, a, b), (a, b), _body, None)
    return xp.hypot(a, b, out=out, dtype=dt, casting=UNSAFE)


def _body(out, a, b, dtype):
    shape = out.shape
    s = scratch(0, _F64, shape)
    xp.copyto(s, a)
    s *= s
    t = scratch(1, _F64, shape)
    xp.copyto(t, b)
    t *= t
    s += t
    xp.sqrt(s, out=s)
    if s.size and s.max() != s.max():          # a nan: +inf where an operand is infinite
        inf = xp.isinf(xp.broadcast_to(a, shape)) | xp.isinf(xp.broadcast_to(b, shape))
        s[inf] = xp.inf
    xp.copyto(out, s, casting=UNSAFE)
