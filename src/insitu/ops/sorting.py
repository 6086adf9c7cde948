"""Sorting: sort, argsort, msort and topk, stable and NaN-aware as PyTorch's are.

sort and topk return (values, indices) structs; the values' backward scatters the gradient back
through the indices (kept, version-checked, by the node).
"""
from ..backend import xp
from ..core import dtypes
from ..core.tensor import _wrap_dim, wrap
from ..creation import zeros
from .derivatives import Derivative, record
from .pipelines import check_out_grad, write_out
from .named_results import return_type as _return_type

SortResult = _return_type("sort")
TopkResult = _return_type("topk")


def _argsort(a, axis, descending):
    """Stable argsort; descending keeps equal elements in their original order (and NaN first),
    as PyTorch does."""
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    rev = xp.argsort(xp.flip(a, axis), axis=axis, kind="stable")
    return xp.flip(n - 1 - rev, axis)


def _sorted(input, dim, descending):
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    a1 = a.reshape(1) if a.ndim == 0 else a     # a scalar sorts as one element
    idx = _argsort(a1, d, descending)
    vals = xp.take_along_axis(a1, idx, axis=d)
    return d, vals.reshape(a.shape), idx.reshape(a.shape)


def _top(a, k, d, largest):
    """(values, indices) of the first k of the stable sort along d (descending when largest),
    found by a partition of the values instead of a whole sort: the elements on the k-th
    value's side of it, in index order, then sorted stably (the whole sort's order). None where
    a line has not exactly k of them: a tie straddles the k-th place, or a NaN is among the top
    (only the whole sort then says which of the equal elements come first)."""
    kth = a.shape[d] - k if largest else k - 1
    edge = xp.take(xp.partition(a, kth, axis=d), [kth], axis=d)     # the k-th value per line
    mask = a >= edge if largest else a <= edge
    if not (xp.count_nonzero(mask, axis=d) == k).all():
        return None
    m = xp.moveaxis(mask, d, -1)
    at = xp.flatnonzero(m) % m.shape[-1]                # each line's k places, in order
    cand = xp.moveaxis(at.reshape(m.shape[:-1] + (k,)), -1, d)
    vals = xp.take_along_axis(a, cand, axis=d)
    order = _argsort(vals, d, largest)
    return xp.take_along_axis(vals, order, axis=d), xp.take_along_axis(cand, order, axis=d)


def _top_of_blocks(a, k, largest):
    """`_top` along the last dim of a contiguous array, on a few candidates: each line is
    folded in halves (elementwise extremes) down to at least 16k groups, and the k-th best
    group extreme is a bound at least k elements reach, so only the elements reaching it (in
    index order, each line padded with values worse than all of them) go to `_top`. None where
    that does not pay or cannot be sure (a NaN, or a bound at the end of the dtype's range)."""
    lead, n = a.shape[:-1], a.shape[-1]
    lines = a.reshape(-1, n)
    if not lines.shape[0]:
        return None
    red = xp.maximum if largest else xp.minimum
    ext, w = lines, n
    while w >= 32 * k:
        h = w // 2
        half = red(ext[:, :h], ext[:, h:2 * h])
        ext = half if w % 2 == 0 else xp.concatenate([half, ext[:, 2 * h:]], axis=1)
        w = ext.shape[1]
    if w == n:
        return None
    kth = ext.shape[1] - k if largest else k - 1
    bound = xp.partition(ext, kth, axis=1)[:, kth:kth + 1]
    info = xp.finfo(a.dtype) if a.dtype.kind == "f" else xp.iinfo(a.dtype)
    worst = info.min if largest else info.max
    if a.dtype.kind == "f":
        if xp.isnan(ext).any():
            return None
        worst = -xp.inf if largest else xp.inf
    if (bound == worst).any():
        return None
    at = xp.flatnonzero(lines >= bound if largest else lines <= bound)
    if at.size * 4 > lines.size:
        return None
    line = at // n
    counts = xp.bincount(line, minlength=lines.shape[0])
    width = int(counts.max())
    if width * 4 > n:
        return None
    slot = xp.arange(at.size) - xp.repeat(xp.cumsum(counts) - counts, counts)
    pos = xp.zeros((lines.shape[0], width), xp.intp)
    pos[line, slot] = at - line * n
    vals = xp.full((lines.shape[0], width), worst, a.dtype)
    vals[line, slot] = lines.reshape(-1)[at]
    picked = _top(vals, k, 1, largest)
    if picked is None:
        return None
    v, i = picked
    return v.reshape(lead + (k,)), xp.take_along_axis(pos, i, axis=1).reshape(lead + (k,))


def _value_select_grad(grad, self_shape, self_dtype, dim, indices):
    """Each value's gradient goes back to the place it was taken from."""
    return zeros(self_shape, dtype=self_dtype).scatter_(dim, indices, grad)   # no copy of the zeros


_SELECT = {"self": _value_select_grad}
SORT = Derivative("SortBackward0", _SELECT)
SORT_STABLE = Derivative("SortBackward1", _SELECT)   # the overload that takes `stable`
TOPK = Derivative("TopkBackward0", _SELECT)


def sort(input, dim=-1, descending=False, stable=None, *, out=None):
    """insitu.sort(input, dim=-1, descending=False, stable=None, *, out=None): the named tuple
    (values, indices) of input sorted along `dim`. Always stable (equal elements keep their
    order, also when descending); NaNs sort as the largest values. `out=` is a (values, indices)
    pair. Backward: SortBackward0, or SortBackward1 when `stable` is passed (scatters the
    gradient through the kept indices)."""
    d, vals, idx = _sorted(input, dim, descending)
    if out is not None:
        write_out("sort", out[0], vals, (input,))
        write_out("sort", out[1], idx, (input,))
        return SortResult(out[0], out[1])
    values, indices = wrap(vals, input._dtype), wrap(idx, dtypes.int64)
    record(SORT if stable is None else SORT_STABLE, (input,), values,
           {"dim": d, "indices": indices})
    return SortResult(values, indices)


def argsort(input, dim=-1, descending=False, stable=False):
    """insitu.argsort(input, dim=-1, descending=False, stable=False): the int64 indices that sort
    input along `dim` (always stable, whatever `stable` says)."""
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    if a.ndim == 0:
        return wrap(xp.zeros((), xp.int64), dtypes.int64)
    return wrap(_argsort(a, d, descending), dtypes.int64)      # the indices alone: no values


def msort(input, *, out=None):
    """insitu.msort(input, *, out=None): the values of `sort(input, dim=0)`."""
    if out is not None:
        check_out_grad("msort", out, (input,))
        return write_out("msort", out, _sorted(input, 0, False)[1], (input,))
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """insitu.topk(input, k, dim=-1, largest=True, sorted=True, *, out=None): the named tuple
    (values, indices) of the k largest (or smallest) elements along `dim`, always in sorted order
    (ties in their original order). Backward: TopkBackward0 (scatters the gradient through the
    indices)."""
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    size = a.shape[d] if a.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    picked = None
    if a.ndim and 0 < k < size // 2:
        if d == a.ndim - 1 and a.flags.c_contiguous and a.dtype.kind in "fiu":
            picked = _top_of_blocks(a, k, largest)
        if picked is None:
            picked = _top(a, k, d, largest)
    if picked is not None:
        vals, idx = picked
    else:
        _, vals, idx = _sorted(input, d, largest)
        if a.ndim:
            keep = (slice(None),) * d + (slice(0, k),)
            vals, idx = vals[keep].copy(), idx[keep].copy()
    if out is not None:
        write_out("topk", out[0], vals, (input,))
        write_out("topk", out[1], idx, (input,))
        return TopkResult(out[0], out[1])
    values, indices = wrap(vals, input._dtype), wrap(idx, dtypes.int64)
    record(TOPK, (input,), values, {"dim": d, "indices": indices})
    return TopkResult(values, indices)


FUNCTIONS = {"sort": sort, "argsort": argsort, "msort": msort, "topk": topk}
METHODS = dict(FUNCTIONS)
