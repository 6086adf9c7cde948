"""Helpers for writing kernels: NumPy ufuncs as kernels, buffers, and PyTorch's fused
multiply-add.

A kernel is `kernel(out, compute_dtype, *operands, *parameters)`: it writes into `out` when given
one and returns a new array otherwise (see `ops.table`). The pipelines have already checked that
the result may be written into `out` (PyTorch's can_cast, which allows int16 -> uint8), so
kernels cast like PyTorch: unsafely.
"""
import threading

from ..backend import xp
from . import blas_axpy

UNSAFE = "unsafe"


def uf(ufunc):
    """Kernel for a NumPy ufunc: write into `out` if given, compute in `dt` if forced."""
    def kernel(out, dt, *arrays):
        return ufunc(*arrays, out=out, dtype=dt, casting=UNSAFE)
    kernel.__name__ = ufunc.__name__
    # without `out` and `dt` the casting rule has nothing to allow: the plain ufunc is the same
    # call, which the generated out-of-place entry points make directly (`ops.codegen`)
    kernel.plain = ufunc
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


# ------------------------------------------------------------------------- blocked kernels
# Composite kernels (lerp, addcmul, addcdiv, add with alpha) need temporaries. They run over
# blocks of at most _BLOCK elements with scratch buffers that live as long as the thread, so an
# in-place call allocates nothing, however large the tensor, and each block stays in cache.
# Each thread has its own buffers (large calls run on several, `ops.parallel`): a thread makes
# them at its first composite kernel.

_BLOCK = 1 << 16
_F32 = xp.dtype(xp.float32)
_F64 = xp.dtype(xp.float64)
_local = threading.local()      # .scratch: {(slot, dtype): buffer} of this thread


def scratch(i, dtype, shape):
    """Scratch slot `i` of `dtype` shaped `shape` (a new array past the block size)."""
    n = 1
    for k in shape:
        n *= k
    if n > _BLOCK:
        return xp.empty(shape, dtype)
    try:
        bufs = _local.scratch
    except AttributeError:
        bufs = _local.scratch = {}
    buf = bufs.get((i, dtype))
    if buf is None:
        buf = bufs[(i, dtype)] = xp.empty(_BLOCK, dtype)
    return buf[:n].reshape(shape)


def is_array(v):
    return isinstance(v, xp.ndarray) and v.ndim


def blocked(out, operands, body, dtype):
    """Run body(out_block, *operand_blocks, dtype) over `out`: flat slices when `out` and every
    array operand are C-contiguous of out's shape, else once over the whole (broadcasting)."""
    if out.size <= _BLOCK:      # one block: the whole call, whatever the layout (same values)
        body(out, *operands, dtype)
        return out
    shape = out.shape
    if out.flags.c_contiguous and all(not is_array(v) or (v.shape == shape and
                                                           v.flags.c_contiguous)
                                      for v in operands):
        n = out.size
        flat = out.reshape(-1)
        ops = [v.reshape(-1) if is_array(v) else v for v in operands]
        for s in range(0, n, _BLOCK):
            e = s + _BLOCK
            body(flat[s:e], *[v[s:e] if is_array(v) else v for v in ops], dtype)
        return out
    body(out, *operands, dtype)
    return out


def result_array(out, dtype, *operands):
    """`out`, or a new array of the operands' broadcast shape."""
    if out is not None:
        return out
    return xp.empty(xp.broadcast_shapes(*(xp.shape(v) for v in operands)), dtype)


def scalar_in(dtype, v):
    """A Python number as an op of `dtype` sees it (PyTorch converts alpha, value and weight to
    the op's dtype before any arithmetic; a negative integer wraps into an unsigned type)."""
    kind = dtype.kind
    if kind == "f":
        return dtype.type(v)
    if kind == "u" and v.__class__ is int and v < 0:
        return dtype.type(v % (1 << (8 * dtype.itemsize)))
    return v


_AXPY_MIN = 1 << 12     # elements: below this the BLAS call's own cost outweighs its one pass
_axpy = []              # [blas_axpy.saxpy() or None], looked up (and checked) on first use


def fma_into(out, x, y, z, dtype, w=None, t=None):
    """out = x * y + z, rounded once in float32 as PyTorch's fused multiply-add instruction
    does: the product of two float32 numbers is exact in float64, so computing there and
    rounding once to float32 gives the same result. Other dtypes multiply and add (two
    roundings in float64, exact in integers). A large float32 `x * number + z` into contiguous
    memory runs as one BLAS saxpy where the BLAS is checked to round once (`blas_axpy`). `w`,
    `t`: float64 buffers of out's size to work in (the thread's scratch by default); for other
    dtypes `t` is a buffer of `dtype`. This is the one multiply-add of the table's lerp, addcmul
    and add/sub with alpha, and of the optimizers' fused updates."""
    if dtype == _F32:
        if not is_array(x):
            x, y = y, x             # load the array, multiply by the number: one pass fewer
        if (not is_array(y) and is_array(z) and out.size >= _AXPY_MIN and x is not out
                and x.shape == out.shape and out.flags.c_contiguous and x.flags.c_contiguous
                and x.dtype == _F32 and out.dtype == _F32):
            if not _axpy:
                _axpy.append(blas_axpy.saxpy())
            if _axpy[0] is not None:
                if z is not out:
                    xp.copyto(out, z, casting=UNSAFE)
                _axpy[0](float(y), x.reshape(-1), out.reshape(-1))
                return
        w = scratch(0, _F64, out.shape) if w is None else w
        t = scratch(1, _F64, out.shape) if t is None else t
        xp.copyto(w, x)
        if is_array(y):
            xp.copyto(t, y)
            w *= t
        else:
            w *= float(y)
        if is_array(z):
            xp.copyto(t, z)
            w += t
        else:
            w += float(z)
        xp.copyto(out, w, casting=UNSAFE)
    else:
        t = scratch(0, dtype, out.shape) if t is None else t
        xp.multiply(x, y, out=t, casting=UNSAFE)
        xp.add(t, z, out=out, casting=UNSAFE)


# ------------------------------------------------------------------------- indexed accumulation

_MAX_ROUNDS = 64


def add_at_rows(target, index, rows):
    """target[index[i]] += rows[i] along axis 0, in the order of i: the same sequence of
    roundings as NumPy's add.at and PyTorch's index_add_/embedding backward loops, much faster
    for rows of more than one element.

    The i are taken in rounds: round r holds each index's r-th occurrence, so within a round the
    targets are distinct and fancy-indexed adds do them all (`target[t] += rows[sel]` rounds
    once per element, as a sequential add does), a block of rows at a time (temporaries of at
    most `_BLOCK` elements). An index repeated more than
    `_MAX_ROUNDS` times, or 1-D targets (where add.at has its own fast loop), go to add.at."""
    k = index.size
    if k == 0:
        return target
    if target.ndim == 1 or k == 1:
        xp.add.at(target, index, rows)
        return target
    if index.min() < 0:                           # -1 and n - 1 are one row
        index = index % target.shape[0]
    order = xp.argsort(index, kind="stable")
    ranked = index[order]
    first = xp.empty(k, xp.bool_)
    first[0] = True
    xp.not_equal(ranked[1:], ranked[:-1], out=first[1:])
    if first.all():                               # no repeats: one round
        _add_rows(target, index, rows, xp.arange(k))
        return target
    starts = xp.flatnonzero(first)
    rank = xp.arange(k) - starts[xp.cumsum(first) - 1]
    rounds = int(rank.max()) + 1
    if rounds > _MAX_ROUNDS:
        xp.add.at(target, index, rows)
        return target
    for r in range(rounds):
        sel = order[rank == r]
        sel.sort()                               # read rows in order: better locality
        _add_rows(target, index, rows, sel)
    return target


def _add_rows(target, index, rows, sel):
    """target[index[sel]] += rows[sel] (distinct targets), a few rows at a time so that the
    gathered temporaries stay within a block whatever the number of rows."""
    step = max(1, _BLOCK // max(1, rows[0].size))
    for s in range(0, sel.size, step):
        part = sel[s:s + step]
        target[index[part]] += rows[part]
