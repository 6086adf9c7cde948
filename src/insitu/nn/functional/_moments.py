"""What the normalisation layers share: sums and dot products over rows and channels, and the
parameter checks.

Row and column sums go through BLAS (a matrix-vector product with a vector of ones: one pass,
no temporary); dot products of two arrays row by row are one `vecdot` pass each (`einsum` on a
NumPy without it). Per-channel
totals over a batch add the per-row partial sums in float64, as PyTorch's CPU batch norm
accumulates in double.
"""
from ...backend import xp
from ...core import dtypes
from ...ops.checks import not_implemented

_F64 = xp.float64
_ONES = {}


def ones(n, dtype):
    """A vector of n ones (cached per length and dtype: it is only read)."""
    key = (n, dtype)
    v = _ONES.get(key)
    if v is None:
        v = xp.ones(n, dtype)
        v.flags.writeable = False
        if len(_ONES) > 64:
            _ONES.clear()
        _ONES[key] = v
    return v


def row_sums(a2):
    """(R, L) -> (R,): each row's sum."""
    return a2 @ ones(a2.shape[1], a2.dtype)


def col_sums(a2):
    """(R, L) -> (L,): each column's sum."""
    return ones(a2.shape[0], a2.dtype) @ a2


_vecdot = getattr(xp, "vecdot", None)


def row_dots(a2, b2):
    """(R, L), (R, L) -> (R,): the dot product of each pair of rows (real arrays)."""
    if _vecdot is not None:
        return _vecdot(a2, b2)
    return xp.einsum("ij,ij->i", a2, b2)


class row_buffers:
    """`with row_buffers(L):` NumPy's ufunc buffer no longer than a row of L elements.

    An operation with one value per row of L elements (x - mean[:, None]) runs a row at a time;
    with NumPy's buffer (8192 elements) longer than a row, NumPy copies the broadcast operand
    into a buffer to run several rows at once, an extra pass that costs more than it saves once
    rows are a few hundred elements long. Below that (or from the buffer's length up) nothing
    changes. The size is NumPy's per-thread (per-context) setting, restored on exit."""
    __slots__ = ("size", "old")

    def __init__(self, length):
        self.size = length - length % 16 if 512 <= length < 8192 else 0

    def __enter__(self):
        self.old = xp.setbufsize(self.size) if self.size else None

    def __exit__(self, *exc):
        if self.old is not None:
            xp.setbufsize(self.old)


def channel_sums(x3):
    """(N, C, L) -> (C,) in float64: per channel, the sum over the batch and the positions."""
    n, c, length = x3.shape
    if length == 1:
        return x3.reshape(n, c).sum(axis=0, dtype=_F64)
    return row_sums(x3.reshape(n * c, length)).reshape(n, c).sum(axis=0, dtype=_F64)


def channel_dots(a3, b3):
    """(N, C, L), (N, C, L) -> (C,) in float64: per channel, the sum of the products."""
    n, c, length = a3.shape
    if length == 1:
        return xp.einsum("ij,ij->j", a3.reshape(n, c), b3.reshape(n, c), dtype=_F64)
    return row_dots(a3.reshape(n * c, length), b3.reshape(n * c, length)) \
        .reshape(n, c).sum(axis=0, dtype=_F64)


def by_columns(ufunc, a, v, out):
    """out = ufunc(a, v) for `a` of shape (..., D) and v of D elements broadcast over the rows.

    NumPy runs a broadcast operation one row at a time, which for short rows costs more in
    per-row overhead than in arithmetic; with C-contiguous arrays, k rows are taken as one of
    k * D elements and v is tiled k times (a few thousand elements at most)."""
    size = v.size
    rows = a.size // size if size else 0
    k = max(1, 8192 // size) if size else 1
    while k > 1 and rows % k:
        k //= 2
    if k > 1 and a.flags.c_contiguous and out.flags.c_contiguous:
        ufunc(a.reshape(-1, k * size), xp.tile(v.reshape(-1), k), out=out.reshape(-1, k * size))
    else:
        ufunc(a, v.reshape(v.shape), out=out)
    return out


def check_dtypes(kernel, input, params):
    """PyTorch's CPU dtype checks of a normalisation: a float input, parameters of its dtype."""
    dt = input._dtype
    for p in params:
        if p is not None and p._dtype is not dt:
            if dt is dtypes.float32:
                raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of "
                                   f"{dt.legacy}")
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if not dt.is_floating_point:
        raise not_implemented(kernel, dt)


def as_dtype(a, dtype):
    """The array `a` in `dtype`, copied only when its dtype differs."""
    return a.astype(dtype, copy=False)
