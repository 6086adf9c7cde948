"""What reductions share: which dims are reduced, NumPy's axis for them, the accumulation
dtype, the result (or the `out=` write), and giving a reduced gradient its dims back.

Used by reductions, selection, softmax, cumulative ops and norms."""
from ..backend import xp
from ..core import dtypes
from ..core.tensor import _wrap_dim, wrap
from .copying import to_dtype
from .pipelines import write_out


def reduced_dims(dim, ndim):
    """Reduced dims, wrapped and sorted; None means every dim (as does an empty list)."""
    if dim is None:
        return None
    if isinstance(dim, int):
        return (_wrap_dim(dim, ndim),)
    dims = [_wrap_dim(d, ndim) for d in dim]
    if not dims:
        return None
    if len(set(dims)) != len(dims):
        seen = set()
        for d in dims:
            if d in seen:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
            seen.add(d)
    return tuple(sorted(dims))


def np_axis(dims, ndim):
    """NumPy's axis for `dims`: a 0-dim tensor accepts dim 0/-1 but NumPy has no axis there."""
    return None if dims is None or ndim == 0 else dims


def count_of(shape, dims):
    n = 1
    for i, s in enumerate(shape):
        if dims is None or i in dims:
            n *= s
    return n


def acc_dtype(np_dt):
    """Accumulation dtype: float16 sums in float32, as PyTorch's CPU kernels do."""
    return xp.float32 if np_dt == xp.float16 else np_dt


_FLOATS = (xp.dtype(xp.float32), xp.dtype(xp.float64))


def full_prod(a):
    """The product of every element of `a`, in the order of PyTorch's one-thread CPU kernel
    where `a` is a C-contiguous float32/float64 array (bit for bit its result): four 32-byte
    vectors accumulate lane by lane, the four combine pairwise, then the lanes one after the
    other, then the elements past the last whole group of four vectors. The lanes' chains run
    side by side (NumPy multiplies row after row of a (groups, lanes) view), which also beats
    NumPy's single chain of multiplications."""
    v = 32 // a.itemsize
    n4 = 4 * v
    groups = a.size // n4
    if not groups or a.dtype not in _FLOATS or not a.flags.c_contiguous:
        return xp.multiply.reduce(a, axis=None)
    flat = a.reshape(-1)
    acc = xp.multiply.reduce(flat[:groups * n4].reshape(groups, n4), axis=0)
    lanes = xp.multiply(acc[:v], acc[v:2 * v], out=acc[:v])
    xp.multiply(lanes, xp.multiply(acc[2 * v:3 * v], acc[3 * v:], out=acc[2 * v:3 * v]),
                out=lanes)
    r = xp.multiply.reduce(lanes)
    for e in flat[groups * n4:]:
        r = r * e
    return r


def sum_dtype(dt, dtype):
    if dtype is not None:
        return dtypes.to_dtype(dtype)
    return dtypes.int64 if dt.category < 2 else dt


def cast(t, dt):
    """t converted to dtype dt (differentiable: ToCopyBackward0), or t itself."""
    return t if t._dtype is dt else to_dtype(t, dt)


def result_or_out(name, arr, dt, inputs, out, exact=None):
    """The result tensor, or the value written into `out`."""
    if out is not None:
        return write_out(name, out, xp.asarray(arr), inputs, exact)
    arr = xp.asarray(arr)
    if arr.dtype != dt.np:
        arr = arr.astype(dt.np)
    return wrap(arr, dt)


def c_contiguous(arr, dtype=None):
    """C-contiguous (np.ascontiguousarray would turn a 0-dim array into a 1-dim one)."""
    if dtype is not None and arr.dtype != dtype:
        return arr.astype(dtype)
    return arr if arr.flags.c_contiguous else arr.copy()


def restore_dims(g, ndim, dims, keepdim):
    """Give a reduced gradient back its reduced dims (as size 1), ready to broadcast."""
    if keepdim or ndim == 0:
        return g
    if dims is None:
        return g.reshape((1,) * ndim)
    for d in dims:
        g = g.unsqueeze(d)
    return g


def expand_back(g, in_shape, dims, keepdim):
    """Gradient of a reduction, broadcast back to the input's shape."""
    return restore_dims(g, len(in_shape), dims, keepdim).expand(in_shape)
