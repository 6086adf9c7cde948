"""Searching sorted sequences: searchsorted and bucketize.

Every value is placed by the same binary search as PyTorch's kernel, run over all values at
once (one NumPy step per halving), so NaNs and the `sorter` permutation land where PyTorch puts
them: `left` moves right while not (boundary >= value), `right` while not (boundary > value).
Not differentiable: the results are indices.
"""
from ..backend import xp
from ..core import dtypes
from ..core.dtypes import promote_types
from ..core.tensor import Tensor, new_tensor
from .checks import not_implemented, size_list
from .pipelines import write_out


def _as_tensor(values):
    """A Scalar `values` becomes a 0-dim tensor of its own type (PyTorch's scalar_to_tensor:
    a float is a double)."""
    if isinstance(values, Tensor):
        return values
    dt = dtypes.bool_ if isinstance(values, bool) else \
        dtypes.int64 if isinstance(values, int) else dtypes.float64
    return new_tensor(xp.asarray(values, dt.np), dt)


def _check(boundaries, values, out_dtype, out_int32, right, side, sorter):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError("torch.searchsorted(): side can only be 'left' or 'right' but got "
                               f"{side}")
        if right and side != "right":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               f"got side of {side} while right was True")
    b, v = boundaries._data, values._data
    if sorter is not None:
        if sorter._data.shape != b.shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, "
                               f"but got boundary tensor {size_list(b.shape)}and got sorter "
                               f"tensor {size_list(sorter._data.shape)}")
        if sorter._dtype is not dtypes.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype but "
                               f"got dtype {sorter._dtype.legacy}")
        s = sorter._data
        if s.size and (s.min() < 0 or s.max() >= b.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
    if not (v.ndim > 0 or (v.size == 1 and b.ndim == 1)):
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when "
                           f"boundaries tensor dimension is 1, but we got boundaries tensor "
                           f"dim({b.ndim}) and input value's dim({v.ndim}) numel({v.size})")
    if b.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if b.ndim != 1 and (b.ndim != v.ndim or b.shape[:-1] != v.shape[:-1]):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                           "first N-1 dimensions of boundaries tensor and input value tensor "
                           f"must match, but we got boundaries tensor {size_list(b.shape)} and "
                           f"input value tensor {size_list(v.shape)}")
    want = dtypes.int32 if out_int32 else dtypes.int64
    if out_dtype is not want:
        raise RuntimeError(
            "torch.searchsorted(): output tensor's dtype is wrong, it can only be Int(int32) or "
            "Long(int64) depending on whether out_int32 flag is True, but we got output tensor's "
            f"dtype {out_dtype.legacy} and out_int32 flag is {out_int32}")


def _in_order(rows):
    """Whether every row is sorted and free of NaNs: then any binary search finds the one
    insertion point there is, and NumPy's (which starts from the previous value's bounds) agrees
    with PyTorch's. On other rows the point depends on the path of the search."""
    if rows.dtype.kind in "fc" and xp.isnan(rows).any():
        return False
    return bool((rows[:, 1:] >= rows[:, :-1]).all())


_ROW_MIN = 256      # values per row from which a row's own np.searchsorted beats the vector one


def _search(b, v, right):
    """Positions of v's rows in b's sorted rows (b: (rows, n), v: (rows, m))."""
    n = b.shape[1]
    if n and (b.shape[0] == 1 or v.shape[1] >= _ROW_MIN) and b.dtype.kind != "c" \
            and _in_order(b):
        side = "right" if right else "left"
        if b.shape[0] == 1:
            return xp.searchsorted(b[0], v, side)
        res = xp.empty(v.shape, xp.int64)
        for i in range(b.shape[0]):
            res[i] = xp.searchsorted(b[i], v[i], side)
        return res
    lo = xp.zeros(v.shape, xp.int64)
    hi = xp.full(v.shape, n, xp.int64)
    if n == 0:
        return lo
    rows = xp.arange(b.shape[0])[:, None]
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = lo + ((hi - lo) >> 1)
        mid_val = b[rows, xp.minimum(mid, n - 1)]
        go_right = ~(mid_val > v) if right else ~(mid_val >= v)
        lo = xp.where(active & go_right, mid + 1, lo)
        hi = xp.where(active & ~go_right, mid, hi)


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, out=None,
                 sorter=None):
    """insitu.searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None,
    out=None, sorter=None): for each value, the index where it would be inserted into the
    innermost sorted rows to keep them sorted (the first such place, or the last with
    `right=True` / `side="right"`). `values` may be a number; `sorter` gives the order of an
    unsorted sequence. int64 results, or int32 with `out_int32`. Not differentiable."""
    values = _as_tensor(values)
    out_dtype = out._dtype if out is not None else (dtypes.int32 if out_int32 else dtypes.int64)
    _check(sorted_sequence, values, out_dtype, out_int32, right, side, sorter)
    b, v = sorted_sequence._data, values._data
    res_np = dtypes.int32 if out_int32 else dtypes.int64
    if v.size == 0:
        res = xp.zeros(v.shape, res_np.np)
    else:
        dt = promote_types(values._dtype, sorted_sequence._dtype)
        if dt is dtypes.bool_:
            raise not_implemented("searchsorted_out_cpu", dt)
        is_right = side == "right" if side is not None else right
        rows = b.reshape(-1, b.shape[-1]) if b.ndim > 1 else b.reshape(1, -1)
        if sorter is not None:
            rows = xp.take_along_axis(rows, sorter._data.reshape(rows.shape), axis=1)
        res = _search(rows.astype(dt.np, copy=False),
                      v.reshape(rows.shape[0], -1).astype(dt.np, copy=False), is_right)
        res = res.reshape(v.shape).astype(res_np.np, copy=False)
    if out is not None:
        return write_out("searchsorted", out, res, (sorted_sequence, values))
    return new_tensor(res, res_np)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """insitu.bucketize(input, boundaries, *, out_int32=False, right=False, out=None): the index of
    the bucket of each element given 1-dim sorted `boundaries` (`searchsorted(boundaries,
    input)`)."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


FUNCTIONS = {"searchsorted": searchsorted, "bucketize": bucketize}
