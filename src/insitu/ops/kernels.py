"""Helpers for writing kernels: NumPy ufuncs as kernels, buffers, and PyTorch's fused
multiply-add.

A kernel is `kernel(out, compute_dtype, *operands, *parameters)`: it writes into `out` when given
one and returns a new array otherwise (see `ops.table`). The pipelines have already checked that
the result may be written into `out` (PyTorch's can_cast, which allows int16 -> uint8), so
kernels cast like PyTorch: unsafely.
"""
from ..backend import xp

UNSAFE = "unsafe"


def uf(ufunc):
    """Kernel for a NumPy ufunc: write into `out` if given, compute in `dt` if forced."""
    def kernel(out, dt, *arrays):
        return ufunc(*arrays, out=out, dtype=dt, casting=UNSAFE)
    kernel.__name__ = ufunc.__name__
    return kernel


def unary_float(ufunc):
    """Kernel for a unary ufunc computed in the result's floating dtype."""
    def kernel(out, dt, a):
        if dt is not None and a.dtype != dt:
            a = a.astype(dt)
        return ufunc(a, out=out)
    kernel.__name__ = ufunc.__name__
    return kernel


def store(res, out):
    """`res` itself, or copied into `out` when there is one."""
    if out is None:
        return res
    xp.copyto(out, res, casting=UNSAFE)
    return out


def buffer(out, a):
    """The array a kernel computes into: `out`, or a new one like `a`."""
    return out if out is not None else xp.empty(a.shape, a.dtype)


def fresh(out, a, dt):
    """`out` holding `a`'s values, or a copy of `a` (in `dt` when forced)."""
    if out is not None:
        if out is not a:
            xp.copyto(out, a, casting=UNSAFE)
        return out
    return a.astype(dt) if dt is not None else a.copy()


def cast_inputs(dt, arrays):
    return [a.astype(dt) if isinstance(a, xp.ndarray) and a.dtype != dt else a for a in arrays]


def is_integral(a, b, dt):
    if dt is not None:
        return dt.kind in "iub"
    return xp.result_type(a, b).kind in "iub"


# ------------------------------------------------------------------------- fused multiply-add

_F32 = xp.dtype(xp.float32)
_F64 = xp.float64
_BLOCK = 1 << 16      # float64 scratch per block: 512 KiB, so a large op stays in cache


def fma(x, y, z, out=None, dt=None):
    """x * y + z rounded once, as PyTorch's CPU kernels compute add/sub with alpha, lerp and
    addcmul (a fused multiply-add instruction). In float32 the product of two floats is exact in
    float64, so computing there and rounding to float32 gives the same result; large operands go
    through in blocks so no float64 copy of a whole tensor is made. Other dtypes multiply and add
    with two roundings."""
    rdt = dt if dt is not None else (out.dtype if out is not None else
                                     xp.result_type(x, y, z))
    if rdt != _F32:
        r = xp.multiply(x, y, dtype=dt, casting=UNSAFE)
        return xp.add(r, z, out=out, dtype=dt, casting=UNSAFE)
    # numbers are float32 in a float32 op (PyTorch converts alpha and weight to the op's dtype)
    x, y, z = (v if isinstance(v, xp.ndarray) else xp.float32(v) for v in (x, y, z))
    shape = xp.broadcast_shapes(*(xp.shape(v) for v in (x, y, z)))
    if out is None:
        out = xp.empty(shape, _F32)
    n = out.size
    if n <= _BLOCK or not out.flags.c_contiguous:
        r = xp.add(xp.multiply(x, y, dtype=_F64), z)
        xp.copyto(out, r, casting=UNSAFE)
        return out
    flat = out.reshape(-1)
    ops = [_flat_or_scalar(v, shape) for v in (x, y, z)]
    scratch = xp.empty(_BLOCK, _F64)
    for s in range(0, n, _BLOCK):
        e = min(s + _BLOCK, n)
        w = scratch[:e - s]
        xs, ys, zs = (v if not isinstance(v, xp.ndarray) or v.ndim == 0 else v[s:e] for v in ops)
        xp.multiply(xs, ys, out=w, dtype=_F64)
        w += zs
        xp.copyto(flat[s:e], w, casting=UNSAFE)
    return out


def _flat_or_scalar(v, shape):
    """An operand as a flat array of the result's size (a number or 0-dim array stays one)."""
    if not isinstance(v, xp.ndarray) or v.ndim == 0:
        return v
    if v.shape != shape:
        v = xp.broadcast_to(v, shape)
    return v.reshape(-1)        # a view when contiguous; a copy of a broadcast operand otherwise
