"""Shape-changing and index ops: cat/stack, gather/scatter, the index_* family, masked
select/scatter, take/put, flip/roll/repeat, tril/triu, sort/topk and nonzero.

Ops that only produce a new tensor compute it with NumPy, attach their backward with
`reductions._record` and write out= with `reductions._to_out` (the recorder and writer shared by
the families outside the table pipelines). Every op with an in-place form (index_add_, scatter_,
masked_scatter_, put_, tril_, ...) is an `Op` declaration instead, so its in-place call runs the
shared pipeline (guards, one version bump, graph rewrite) and its out-of-place twin runs the same
kernel on a copy. The index tensor
of those ops is a parameter, saved (version-checked) for backward by `_save_index`.
"""
import warnings

from ..backend import xp, shares_memory
from ..core import dtypes
from ..core.tensor import Tensor, _wrap_dim, wrap
from ..creation import ones, zeros
from . import checks
from .copying import to_dtype
from .reductions import _record, _return_type, _to_out
from .pipelines import inplace, outofplace, write_out
from .table import ANY_DTYPE, ANY_SHAPE, Op


# ------------------------------------------------------------------------ helpers

def _sz(shape):
    """A shape as PyTorch prints it in messages: [2, 3]."""
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _dims_arg(dims):
    """`flip(0, 1)`, `flip((0, 1))` and `flip([0, 1])` all mean dims (0, 1)."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        return tuple(dims[0])
    return tuple(dims)


def _tensor_arg(x, fn, name, position):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {type(x).__name__}")
    return x


def _nonempty(a):
    """A 0-dim array seen as 1-dim (a view), as PyTorch's index kernels treat scalars."""
    return a.reshape(1) if a.ndim == 0 else a


def _first_out_of_range(idx, size, allow_negative=False):
    """The first index outside [0, size) (or [-size, size)), or None."""
    if idx.size == 0:
        return None
    bad = (idx >= size) | (idx < (-size if allow_negative else 0))
    if bad.any():
        return int(idx[bad][0])
    return None


def _result_dtype(tensors):
    return dtypes.result_type_of([t._dtype for t in tensors], [], [])


SortResult = _return_type("sort")
TopkResult = _return_type("topk")


# ------------------------------------------------------------------------ cat / stack

def _cat_backward(n, g):
    d = n.params["dim"]
    grads = []
    start = 0
    for size, skipped, need in zip(n.params["sizes"], n.params["skipped"], n.needs):
        if skipped:
            grads.append(g.new_zeros((0,)) if need else None)
            continue
        grads.append(g.narrow(d, start, size) if need else None)
        start += size
    return tuple(grads)


def _tensor_list(tensors, fn):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fn}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    return list(tensors)


def cat(tensors, dim=0, *, axis=None, out=None):
    tensors = _tensor_list(tensors, "cat")
    if axis is not None:
        dim = axis
    if not tensors:
        raise ValueError("insitu.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # PyTorch skips legacy empty tensors (shape [0]) in every shape check
    skipped = [t._data.ndim == 1 and t._data.size == 0 for t in tensors]
    valid = [t for t, s in zip(tensors, skipped) if not s]
    dt = _result_dtype(tensors)
    if out is not None and not dtypes.can_cast(dt, out._dtype):
        raise TypeError(f"insitu.cat(): input types can't be cast to the desired output type "
                        f"{out._dtype.legacy}")
    if valid:
        ref = valid[0]._data
        d = _wrap_dim(dim, ref.ndim)
        for i, (t, s) in enumerate(zip(tensors, skipped)):
            if s:
                continue
            shape = t._data.shape
            if len(shape) != ref.ndim:
                raise RuntimeError(f"Tensors must have same number of dimensions: got "
                                   f"{ref.ndim} and {len(shape)}")
            for k, (a, b) in enumerate(zip(ref.shape, shape)):
                if k != d and a != b:
                    raise RuntimeError(
                        f"Sizes of tensors must match except in dimension {d}. Expected size "
                        f"{a} but got size {b} for tensor number {i} in the list.")
        arr = xp.concatenate([t._data for t in valid], axis=d, dtype=dt.np, casting="unsafe")
    else:
        d = dim
        arr = xp.empty((0,), dt.np)
    res = wrap(arr, dt)
    if out is not None:
        return _to_out("cat", out, res._data, tensors)
    sizes = [0 if s else t._data.shape[d] for t, s in zip(tensors, skipped)]
    return _record(res, "CatBackward0", _cat_backward, tensors,
                   params={"dim": d, "sizes": sizes, "skipped": skipped})


def _stack_backward(n, g):
    d = n.params["dim"]
    return tuple(g.select(d, i) if need else None for i, need in enumerate(n.needs))


def stack(tensors, dim=0, *, out=None):
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {_sz(first)} "
                               f"at entry 0 and {_sz(t._data.shape)} at entry {i}")
    d = _wrap_dim(dim, len(first) + 1)
    dt = _result_dtype(tensors)
    arr = xp.stack([t._data for t in tensors], axis=d, dtype=dt.np, casting="unsafe")
    res = wrap(arr, dt)
    if out is not None:
        return _to_out("stack", out, res._data, tensors)
    return _record(res, "StackBackward0", _stack_backward, tensors, params={"dim": d})


def _atleast(t, n):
    nd = t._data.ndim
    if nd >= n:
        return t
    if n == 1 or nd == 0:
        return t.reshape((1,) * n)
    if n == 2:
        return t.unsqueeze(0)
    return t.unsqueeze(0).unsqueeze(-1) if nd == 1 else t.unsqueeze(-1)   # n == 3


def hstack(tensors, *, out=None):
    ts = [_atleast(t, 1) for t in _tensor_list(tensors, "hstack")]
    return cat(ts, 0 if ts and ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    return cat([_atleast(t, 2) for t in _tensor_list(tensors, "vstack")], 0, out=out)


def dstack(tensors, *, out=None):
    return cat([_atleast(t, 3) for t in _tensor_list(tensors, "dstack")], 2, out=out)


def column_stack(tensors, *, out=None):
    ts = [t.reshape(-1, 1) if t._data.ndim <= 1 else t
          for t in _tensor_list(tensors, "column_stack")]
    return cat(ts, 1, out=out)


# ------------------------------------------------------------------------ gather / select

def _coords(idx, dim):
    """NumPy index tuple that reads `a[..., idx[i, j, ...], ...]` at position (i, j, ...)."""
    nd = idx.ndim
    out = []
    for d, n in enumerate(idx.shape):
        if d == dim:
            out.append(idx)
        else:
            shape = [1] * nd
            shape[d] = n
            out.append(xp.arange(n).reshape(shape))
    return tuple(out)


def _check_index_dtype(index, name):
    if index._dtype is not dtypes.int64 and index._dtype is not dtypes.int32:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")


def _check_scatter_bounds(idx, d, size):
    bad = _first_out_of_range(idx, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")


def _input_zeros(n, shape=None):
    """Zeros of the input's dtype (and shape, by default): what an index op's gradient is
    scattered into."""
    from ..creation import zeros
    in_shape, dt = n.in_meta[0]
    return zeros(in_shape if shape is None else shape, dtype=dt)


def _gather_backward(n, g):
    return (_input_zeros(n).scatter_add(n.params["dim"], n.index, g),)


def gather(input, dim, index, *, sparse_grad=False, out=None):
    _tensor_arg(index, "gather", "index", 3)
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    idx = index._data
    if idx.size:
        _check_index_dtype(index, "gather")
        if max(a.ndim, 1) != max(idx.ndim, 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as input "
                               "tensor")
        a1, i1 = _nonempty(a), _nonempty(idx)
        for k in range(a1.ndim):
            if k != d and i1.shape[k] > a1.shape[k]:
                raise RuntimeError(
                    f"Size does not match at dimension {k} expected index {_sz(idx.shape)} to be "
                    f"no larger than self {_sz(a.shape)} apart from dimension {d}")
        _check_scatter_bounds(i1, d, a1.shape[d])
        arr = a1[_coords(i1, d)].reshape(idx.shape)
    else:
        arr = xp.empty(idx.shape, a.dtype)
    res = wrap(arr, input._dtype)
    if out is not None:
        return _to_out("gather", out, res._data, (input,))
    return _record(res, "GatherBackward0", _gather_backward, (input,),
                   saved={"index": (index, False)}, params={"dim": d})


def _index_select_backward(n, g):
    return (_input_zeros(n).index_add(n.params["dim"], n.index, g),)


def index_select(input, dim, index, *, out=None):
    _tensor_arg(index, "index_select", "index", 3)
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    idx = index._data
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if a.ndim == 0 and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                           f"{idx.size} value(s)")
    if index._dtype is not dtypes.int64 and index._dtype is not dtypes.int32:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    flat = idx.reshape(-1)
    size = a.shape[d] if a.ndim else 1
    bad = _first_out_of_range(flat, size)
    if bad is not None:
        if a.ndim > 1 and d == 1:   # PyTorch's contiguous fast path has its own message
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
        raise IndexError("index out of range in self")
    arr = xp.take(a, flat, axis=d) if a.ndim else a.copy()
    res = wrap(arr, input._dtype)
    if out is not None:
        return _to_out("index_select", out, res._data, (input,))
    return _record(res, "IndexSelectBackward0", _index_select_backward, (input,),
                   saved={"index": (index, False)}, params={"dim": d})


def _masked_select_backward(n, g):
    return (_input_zeros(n, n.params["shape"]).masked_scatter_(n.mask, g),)


def masked_select(input, mask, *, out=None):
    _tensor_arg(mask, "masked_select", "mask", 2)
    if mask._dtype is not dtypes.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = tuple(checks.broadcast_shapes(mask._data.shape, input._data.shape))
    m = xp.broadcast_to(mask._data, shape)
    arr = xp.broadcast_to(input._data, shape)[m]
    res = wrap(arr, input._dtype)
    if out is not None:
        return _to_out("masked_select", out, res._data, (input,))
    return _record(res, "MaskedSelectBackward0", _masked_select_backward, (input,),
                   saved={"mask": (mask, False)}, params={"shape": shape})


def _check_long_index(index, fn):
    if index._dtype is not dtypes.int64:
        raise RuntimeError(f"{fn}(): Expected a long tensor for index, but got "
                           f"{index._dtype.legacy}")


def _check_flat_bounds(idx, numel):
    """take/put index the tensor as if flattened; negative indices count from the end."""
    bad = _first_out_of_range(idx, numel, allow_negative=True)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {numel} "
                         "elements.")


def _take_backward(n, g):
    return (_input_zeros(n).put_(n.index, g, accumulate=True),)


def take(input, index, *, out=None):
    _tensor_arg(index, "take", "index", 2)
    a = input._data
    _check_long_index(index, "take")
    if a.size == 0 and index._data.size:
        raise IndexError("take(): tried to take from an empty tensor")
    idx = index._data.reshape(-1)
    _check_flat_bounds(idx, a.size)
    arr = a.reshape(-1)[idx].reshape(index._data.shape)
    res = wrap(arr, input._dtype)
    if out is not None:
        return _to_out("take", out, res._data, (input,))
    return _record(res, "TakeBackward0", _take_backward, (input,), saved={"index": (index, False)})


def nonzero(input, *, out=None, as_tuple=False):
    a = input._data
    if as_tuple:
        flat = _nonempty(a)
        return tuple(wrap(i.astype(xp.int64, copy=False), dtypes.int64)
                     for i in xp.nonzero(flat))
    res = wrap(xp.argwhere(a).astype(xp.int64, copy=False), dtypes.int64)
    if out is not None:
        return _to_out("nonzero", out, res._data, ())
    return res


def argwhere(input):
    return nonzero(input)


# ------------------------------------------------------------------------ flip / roll / repeat

def _flip_backward(n, g):
    return (g.flip(n.params["dims"]),)


def flip(input, *dims):
    dims = _dims_arg(dims)
    a = input._data
    seen = set()
    wrapped = []
    for dim in dims:
        d = _wrap_dim(dim, a.ndim)
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
        wrapped.append(d)
    arr = xp.flip(a, tuple(wrapped)).copy() if a.ndim else a.copy()
    return _record(wrap(arr, input._dtype), "FlipBackward0", _flip_backward, (input,),
                   params={"dims": tuple(wrapped)})


def fliplr(input):
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input):
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def _roll_backward(n, g):
    shifts, dims = n.params["shifts"], n.params["dims"]
    back = tuple(-s for s in shifts)
    return (g.roll(back if dims is not None else back[0], dims),)


def roll(input, shifts, dims=None):
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is not None:
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
    a = input._data
    n_dims = 0 if dims is None else len(dims)
    if (dims is None and len(shifts) != 1) or (dims is not None and len(shifts) != n_dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{n_dims}")
    if dims is None:
        arr = xp.roll(a.reshape(-1), shifts[0]).reshape(a.shape)
    else:
        dims = tuple(_wrap_dim(d, a.ndim) for d in dims)
        arr = xp.roll(a, shifts, dims) if a.ndim else a.copy()
    return _record(wrap(arr, input._dtype), "RollBackward0", _roll_backward, (input,),
                   params={"shifts": shifts, "dims": dims})


def _repeat_backward(n, g):
    reps, padded = n.params["repeats"], n.params["padded"]
    split = []
    for r, s in zip(reps, padded):
        split += [r, s]
    summed = tuple(range(0, 2 * len(reps), 2))
    gg = g.reshape(split)
    if summed:
        gg = gg.sum(summed)
    return (gg.reshape(n.in_meta[0][0]),)


def repeat(input, *sizes):
    reps = _dims_arg(sizes)
    a = input._data
    if len(reps) < a.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(reps) - a.ndim) + a.shape
    target = tuple(r * s for r, s in zip(reps, padded))
    negative = [t for t in target if t < 0]
    if negative:
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative[0]}: "
                           f"{_sz(target)}")
    arr = xp.tile(a.reshape(padded), reps) if reps else a.copy()
    return _record(wrap(arr, input._dtype), "RepeatBackward0", _repeat_backward, (input,),
                   params={"repeats": tuple(reps), "padded": padded})


def tile(input, *dims):
    dims = _dims_arg(dims)
    lead = input._data.ndim - len(dims)
    return repeat(input, (1,) * lead + tuple(dims) if lead > 0 else dims)


# ------------------------------------------------------------------------ tril / triu

def _tri_kernel(lower):
    name = "tril" if lower else "triu"

    def kernel(out, dt, a, diagonal=0):
        if a.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        m, n = a.shape[-2:]
        # the entries to clear: above the diagonal for tril, below it for triu
        clear = ~xp.tri(m, n, diagonal, dtype=bool) if lower else xp.tri(m, n, diagonal - 1,
                                                                          dtype=bool)
        if out is None:
            out = a.copy()
        elif out is not a:
            xp.copyto(out, a)
        xp.copyto(out, 0, where=clear, casting="unsafe")
        return out
    return kernel


TRIL = Op("tril(Tensor self, diagonal=0)", _tri_kernel(True), promote="same",
          derivatives={"self": lambda grad, diagonal: grad.tril(diagonal)})
TRIU = Op("triu(Tensor self, diagonal=0)", _tri_kernel(False), promote="same",
          derivatives={"self": lambda grad, diagonal: grad.triu(diagonal)})


# ------------------------------------------------------------------------ sort / topk

def _argsort(a, axis, descending):
    """Stable argsort; descending keeps equal elements in their original order (and NaN first),
    as PyTorch does."""
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    rev = xp.argsort(xp.flip(a, axis), axis=axis, kind="stable")
    return xp.flip(n - 1 - rev, axis)


def _value_select_backward(n, g):
    return (_input_zeros(n).scatter(n.params["dim"], n.indices, g),)


def _sorted(input, dim, descending):
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    a1 = _nonempty(a)
    idx = _argsort(a1, d, descending)
    vals = xp.take_along_axis(a1, idx, axis=d)
    return d, vals.reshape(a.shape), idx.reshape(a.shape)


def sort(input, dim=-1, descending=False, stable=None, *, out=None):
    d, vals, idx = _sorted(input, dim, descending)
    values, indices = wrap(vals, input._dtype), wrap(idx, dtypes.int64)
    if out is not None:
        _to_out("sort", out[0], values._data, (input,))
        _to_out("sort", out[1], indices._data, (input,))
        return SortResult(out[0], out[1])
    _record(values, "SortBackward0" if stable is None else "SortBackward1",
            _value_select_backward, (input,), saved={"indices": (indices, False)},
            params={"dim": d})
    return SortResult(values, indices)


def argsort(input, dim=-1, descending=False, stable=False):
    return wrap(_sorted(input, dim, descending)[2], dtypes.int64)


def msort(input):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    size = a.shape[d] if a.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    _, vals, idx = _sorted(input, d, largest)
    if a.ndim:
        keep = (slice(None),) * d + (slice(0, k),)
        vals, idx = vals[keep].copy(), idx[keep].copy()
    values, indices = wrap(vals, input._dtype), wrap(idx, dtypes.int64)
    if out is not None:
        _to_out("topk", out[0], values._data, (input,))
        _to_out("topk", out[1], indices._data, (input,))
        return TopkResult(out[0], out[1])
    _record(values, "TopkBackward0", _value_select_backward, (input,),
            saved={"indices": (indices, False)}, params={"dim": d})
    return TopkResult(values, indices)


# ------------------------------------------------------------------------ the index family
# Each op below is an Op: the in-place form runs the shared pipeline, the out-of-place form
# the same kernel on a copy. Kernels get `out` (self's buffer, or None for a copy).

def _target(out, a, *readers):
    """The array to write: a copy of `a` out of place; `a` itself in place, after PyTorch's
    check that no index or source tensor shares memory with it."""
    if out is None:
        return a.copy()
    if out is not a:
        xp.copyto(out, a)
        return out
    for r in readers:
        if r is not None and r.size and shares_memory(out, r):
            raise RuntimeError(checks.PARTIAL_OVERLAP)
    return out


def _along(dim, idx):
    return (slice(None),) * dim + (idx,)


def _source_block(out, src, dim, n):
    """`src` reshaped to self's shape with `n` entries along `dim` (a 0-dim source fits a
    1-element block)."""
    shape = list(out.shape)
    shape[dim] = n
    return src.reshape(shape)


def _dim_and_index(self, dim, index, fn):
    """The wrapped dim, once the index is known to be a tensor."""
    _tensor_arg(index, fn, "index", 3)
    return _wrap_dim(dim, self._data.ndim)


# index_add -------------------------------------------------------------------------------

def _check_index_add(args, params):
    self, source = args
    index = params["index"]
    d = _dim_and_index(self, params["dim"], index, "index_add_")
    if index._data.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                         f"{index._data.ndim} with type: {index._dtype.legacy} and size: "
                         f"{_sz(index._data.shape)}")
    if index._dtype is not dtypes.int64 and index._dtype is not dtypes.int32:
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{index._dtype.legacy}")
    if self._dtype is not source._dtype:
        raise RuntimeError(f"index_add_(): self ({self._dtype.legacy}) and source "
                           f"({source._dtype.legacy}) must have the same scalar type")
    s_shape, o_shape = list(self._data.shape), list(source._data.shape)
    if not (d == 0 or d < len(o_shape)):
        raise RuntimeError(f"index_add_(): Indexing dim {d} is out of bounds of the source "
                           f"tensor with dim {len(o_shape)}")
    n = index._data.size
    src_n = o_shape[d] if o_shape else 1
    if n != src_n:
        raise RuntimeError(f"index_add_(): Number of indices ({n}) should be equal to "
                           f"source.size(dim): ({src_n}), for dim: {d}")
    if s_shape and o_shape:
        del s_shape[d], o_shape[d]
    if s_shape != o_shape:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {_sz(self._data.shape)} "
                           f"source.shape = {_sz(source._data.shape)}")
    size = self._data.shape[d] if self._data.ndim else 1
    _check_scatter_bounds(index._data.reshape(-1), d, size)


def _k_index_add(out, dt, a, src, dim, index, alpha=1):
    idx = index._data.reshape(-1)
    out = _target(out, a, src, idx)
    o = _nonempty(out)
    d = dim % o.ndim
    s = _source_block(o, src, d, idx.size)
    if alpha != 1:
        s = xp.multiply(s, alpha, dtype=o.dtype, casting="unsafe")
    xp.add.at(o, _along(d, idx), s)
    return out


def _index_add_source_grad(grad, dim, index, alpha, source_shape):
    gs = grad.index_select(dim, index)
    return (gs if alpha == 1 else gs * alpha).reshape(source_shape)


# the index (and mask) tensors are parameters: a formula that reads one keeps it, version-checked
_INDEX_OP = dict(promote="same", writes=(ANY_DTYPE, ANY_SHAPE))

INDEX_ADD = Op("index_add(Tensor self, dim, index, Tensor source, *, alpha=1)", _k_index_add,
               check=_check_index_add, **_INDEX_OP,
               derivatives={"self": lambda grad: grad, "source": _index_add_source_grad})


# index_copy ------------------------------------------------------------------------------

def _check_index_copy(args, params):
    self, source = args
    index = params["index"]
    d = _dim_and_index(self, params["dim"], index, "index_copy_")
    s_nd, o_nd = self._data.ndim, source._data.ndim
    if index._data.ndim >= 2:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got "
                         f"{index._data.ndim})")
    n = index._data.size
    if o_nd == 0 and n != 1:
        raise IndexError(f"index_copy_(): When source is scalar, index should have one element "
                         f"(got {n})")
    if o_nd != s_nd and o_nd != 0 and s_nd != 0:
        raise IndexError(
            f"index_copy_(): When source and destination are not scalars, their dimensionality "
            f"must match. Source dimensionality ({o_nd}), destination dimensionality ({s_nd})")
    _check_long_index(index, "index_copy_")
    if self._dtype is not source._dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {self._dtype.legacy} and (source) "
                           f"{source._dtype.legacy}")
    s_sl, o_sl = list(self._data.shape), list(source._data.shape)
    if s_sl:
        del s_sl[d]
    if o_sl:
        del o_sl[d]
    if s_sl != o_sl:
        raise RuntimeError(
            f"index_copy_(): Source/destination tensor must have same slice shapes. Destination "
            f"slice shape: {' '.join(map(str, s_sl))} at dimension {d} and source slice shape: "
            f"{' '.join(map(str, o_sl))} at dimension 0.")
    if o_nd and n != source._data.shape[d]:
        raise IndexError(f"index_copy_(): Number of indices ({n}) should be equal to "
                         f"source.size(dim) ({source._data.shape[d]})")
    size = self._data.shape[d] if s_nd else 1
    bad = _first_out_of_range(index._data.reshape(-1), size)
    if bad is not None:
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} with "
                         f"size {size}")


def _k_index_copy(out, dt, a, src, dim, index):
    idx = index._data.reshape(-1)
    out = _target(out, a, src, idx)
    o = _nonempty(out)
    d = dim % o.ndim
    o[_along(d, idx)] = _source_block(o, src, d, idx.size)
    return out


INDEX_COPY = Op("index_copy(Tensor self, dim, index, Tensor source)", _k_index_copy,
                check=_check_index_copy, **_INDEX_OP,
                derivatives={"self": lambda grad, dim, index: grad.index_fill(dim, index, 0),
                             "source": lambda grad, dim, index, source_shape:
                             grad.index_select(dim, index).reshape(source_shape)})


# index_fill ------------------------------------------------------------------------------

def _check_index_fill(args, params):
    self, value = args
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    index = _tensor_arg(params["index"], "index_fill_", "index", 3)
    if index._dtype is not dtypes.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    d = _wrap_dim(params["dim"], self._data.ndim)
    if index._data.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    size = self._data.shape[d] if self._data.ndim else 1
    bad = _first_out_of_range(index._data.reshape(-1), size, allow_negative=True)
    if bad is not None:
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")


def _k_index_fill(out, dt, a, value, dim, index):
    idx = index._data.reshape(-1)
    out = _target(out, a, idx)
    o = _nonempty(out)
    o[_along(dim % o.ndim, idx)] = value
    return out


def _index_fill_value_grad(grad, dim, index):
    """index_fill fills each slot once, so a repeated index counts once for the value's grad."""
    u = xp.unique(index._data.reshape(-1))
    return grad.index_select(dim, wrap(u.astype(xp.int64, copy=False), dtypes.int64)).sum()


# the value is a number or a 0-dim tensor (then IndexFillBackward1, with a gradient of its own)
INDEX_FILL = Op("index_fill(Tensor self, dim, index, Scalar value)", _k_index_fill,
                promote="self", writes=(ANY_DTYPE, ANY_SHAPE), check=_check_index_fill,
                node=lambda args, params: ("IndexFillBackward1" if isinstance(args[1], Tensor)
                                           else "IndexFillBackward0"),
                derivatives={"self": lambda grad, dim, index: grad.index_fill(dim, index, 0),
                             "value": _index_fill_value_grad})


# scatter / scatter_add -------------------------------------------------------------------

def _check_scatter(self, dim, index, src=None):
    index = _tensor_arg(index, "scatter", "index", 3)
    a = self._data
    d = _wrap_dim(dim, a.ndim)
    idx = index._data
    if idx.size:
        _check_index_dtype(index, "scatter")
    if src is not None and src._dtype is not self._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if not idx.size:
        return
    i_nd = max(idx.ndim, 1)
    if max(a.ndim, 1) != i_nd:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src is not None and (src._data.ndim > i_nd or (src._data.ndim == 0 and i_nd != 1)):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    a1, i1 = _nonempty(a), _nonempty(idx)
    wrong = any(i1.shape[k] > a1.shape[k] for k in range(i_nd) if k != d)
    if not wrong and src is not None:
        s1 = _nonempty(src._data)
        for k in range(i_nd):
            _wrap_dim(k, s1.ndim)   # PyTorch reads src.size(k): an IndexError past its dims
            if i1.shape[k] > s1.shape[k]:
                wrong = True
                break
    if wrong:
        msg = (f"Expected index {_sz(idx.shape)} to be no larger than self {_sz(a.shape)} apart "
               f"from dimension {d}")
        if src is not None:
            msg += f" and to be no larger size than src {_sz(src._data.shape)}"
        raise RuntimeError(msg)
    _check_scatter_bounds(i1, d, a1.shape[d])


def _check_reduce(reduce):
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")


def _scatter_write(out, a, dim, index, value, reduce, src=None):
    idx = _nonempty(index._data)
    out = _target(out, a, src, idx)
    if not idx.size:
        return out
    o = _nonempty(out)
    at = _coords(idx, dim % o.ndim)
    if src is not None:
        value = _nonempty(src)[tuple(slice(0, n) for n in idx.shape)]
    if reduce is None:
        o[at] = value
    else:
        (xp.add if reduce == "add" else xp.multiply).at(o, at, value)
    return out


def _k_scatter(out, dt, a, src, dim, index, reduce=None, aten="scatter"):
    return _scatter_write(out, a, dim, index, None, reduce, src)


def _k_scatter_value(out, dt, a, dim, index, value, reduce=None, aten="scatter"):
    return _scatter_write(out, a, dim, index, value, reduce)


def _k_scatter_add(out, dt, a, src, dim, index):
    return _scatter_write(out, a, dim, index, None, "add", src)


def _scatter_src_grad(grad, dim, index, src_shape):
    """Gradient of scatter's src: gathered where the index reads it, zero where it does not
    (src may be larger than the index; PyTorch's backward fails there, insitu pads)."""
    return _pad_to(grad.gather(dim, index), src_shape)


def _pad_to(got, shape):
    """A gradient read through an index, placed in a source that may be larger than it."""
    shape = tuple(shape)
    if tuple(got._data.shape) == shape or not shape:
        return got.reshape(shape)
    full = zeros(shape, dtype=got._dtype)
    full[tuple(slice(0, k) for k in got._data.shape)] = got
    return full


def _scatter_self_grad(grad, dim, index, reduce, aten):
    if reduce is not None:
        raise RuntimeError(f"derivative for aten::{aten} is not implemented")
    return grad.scatter(dim, index, 0)


def _scatter_src_grad_checked(grad, dim, index, reduce, aten, src_shape):
    if reduce is not None:
        raise RuntimeError(f"derivative for aten::{aten} is not implemented")
    return _scatter_src_grad(grad, dim, index, src_shape)


def _scatter_node(name):
    return lambda args, params: "NotImplemented" if params["reduce"] is not None else name


def _check_scatter_args(args, params):
    _check_scatter(args[0], params["dim"], params["index"], args[1] if len(args) > 1 else None)
    _check_reduce(params.get("reduce"))


# scatter.src and scatter.value are PyTorch's two overloads (scatter_ below parses which one a call
# is: `src` or `value`, positional or by keyword)
SCATTER = Op("scatter(Tensor self, Tensor src, dim, index, reduce=None, aten='scatter')",
             _k_scatter, variants="", check=_check_scatter_args, node=_scatter_node(
                 "ScatterBackward0"), **_INDEX_OP,
             derivatives={"self": _scatter_self_grad, "src": _scatter_src_grad_checked})
SCATTER_VALUE = Op("scatter(Tensor self, dim, index, value, reduce=None, aten='scatter')",
                   _k_scatter_value, variants="", check=_check_scatter_args,
                   node=_scatter_node("ScatterBackward1"), **_INDEX_OP,
                   derivatives={"self": _scatter_self_grad})
SCATTER_ADD = Op("scatter_add(Tensor self, dim, index, Tensor src)", _k_scatter_add,
                 **_INDEX_OP,
                 check=lambda a, p: _check_scatter(a[0], p["dim"], p["index"], a[1]),
                 derivatives={"self": lambda grad: grad, "src": _scatter_src_grad})


def _scatter_call(run, aten, self, dim, index, src, value, reduce):
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src          # scatter(dim, index, 2.0): the value overload
    if src is None and value is None:
        raise TypeError(f"{aten}() missing required argument 'src' or 'value'")
    if isinstance(value, Tensor) and value._data.ndim == 0:
        value = value.item()
    if src is None and not isinstance(value, (int, float, bool)):
        raise TypeError(f"{aten}(): argument 'value' must be Number, not {type(value).__name__}")
    params = {"dim": dim, "index": index, "reduce": reduce, "aten": aten}
    if src is not None:
        if reduce is not None:
            warnings.warn(
                "The reduce argument of torch.scatter with Tensor src is deprecated and will be "
                "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                "reduction options.", UserWarning, stacklevel=3)
        return run(SCATTER, (self, src), params)
    params["value"] = value
    return run(SCATTER_VALUE, (self,), params)


def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    return _scatter_call(inplace, "scatter_", self, dim, index, src, value, reduce)


def scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None):
    res = _scatter_call(outofplace, "scatter", input, dim, index, src, value, reduce)
    return res if out is None else write_out("scatter", out, res._data, ())


# scatter_reduce --------------------------------------------------------------------------

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _check_scatter_reduce(args, params):
    _check_scatter(args[0], params["dim"], params["index"], args[1])
    if params["reduce"] not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{params['reduce']}")


def _identity(reduce, dtype):
    """The value a reduction starts from where include_self=False drops self's value."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -xp.inf if reduce == "amax" else xp.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = xp.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


_UFUNCS = {"sum": xp.add, "mean": xp.add, "prod": xp.multiply, "amax": xp.maximum,
           "amin": xp.minimum}


def _k_scatter_reduce(out, dt, a, src, dim, index, reduce, include_self=True):
    idx = _nonempty(index._data)
    out = _target(out, a, src, idx)
    if not idx.size:
        return out
    o = _nonempty(out)
    at = _coords(idx, dim % o.ndim)
    values = _nonempty(src)[tuple(slice(0, n) for n in idx.shape)]
    if not include_self:
        o[at] = _identity(reduce, o.dtype)
    _UFUNCS[reduce].at(o, at, values)
    if reduce == "mean":
        count = xp.full(o.shape, 1 if include_self else 0, xp.int64)
        xp.add.at(count, at, 1)
        count[count == 0] = 1
        if o.dtype.kind == "f":
            xp.true_divide(o, count, out=o, casting="unsafe")
        else:
            xp.floor_divide(o, count, out=o, casting="unsafe")
    return out


def _values_for(inputs, params, i):
    """prod, amax and amin need self's values from before the op and the source; the others do
    not, so nothing is kept for them. In place, self is about to be overwritten: a copy."""
    if params["reduce"] not in ("prod", "amax", "amin"):
        return None
    return inputs[0].detach().clone() if i == 0 else inputs[1]


def _scatter_reduce_backward(grad, kept_self, kept_src, result, dim, index, reduce,
                             include_self, src_shape, needs):
    """PyTorch's scatter_reduce_backward, written with insitu ops."""
    g = grad
    sub = tuple(slice(0, k) for k in index._data.shape) if index._data.ndim else ()
    if reduce == "sum":
        grad_self, grad_src = g, g.gather(dim, index)
    elif reduce == "mean":
        N = (ones if include_self else zeros)(g.shape, dtype=g._dtype)
        N = N.scatter_add(dim, index, ones(index.shape, dtype=g._dtype))
        N = N.masked_fill(N == 0, 1)
        grad_self = g / N
        grad_src = g.gather(dim, index) / N.gather(dim, index)
    elif reduce == "prod":
        self, src = kept_self, kept_src
        src = src[sub] if sub else src
        masked_self = self.masked_fill(self == 0, 1)
        masked_self_result = masked_self.scatter_reduce(dim, index, src, reduce,
                                                        include_self=include_self)
        grad_self = g * masked_self_result / masked_self
        src_zero = src == 0
        zeros_per_slot = self.new_zeros(self.shape).scatter_add(
            dim, index, src_zero.to_dtype(self._dtype)).gather(dim, index)
        single_zero = src_zero.logical_and(zeros_per_slot == 1)
        masked_src = src.masked_fill(single_zero, 1)
        masked_src_result = self.scatter_reduce(dim, index, masked_src, reduce,
                                                include_self=include_self)
        grad_src = (g * masked_src_result).gather(dim, index).where(
            single_zero, (g * result).gather(dim, index) / src.masked_fill(src_zero, 1))
    else:
        self, src = kept_self, kept_src
        src = src[sub] if sub else src
        value = result.gather(dim, index)
        self_is_result = (self == result).to_dtype(self._dtype)
        src_is_result = (src == value).to_dtype(self._dtype)
        grad_distributed = g / self_is_result.scatter_add(dim, index, src_is_result)
        grad_self = self_is_result * grad_distributed
        grad_src = src_is_result * grad_distributed.gather(dim, index)
    if not include_self:
        grad_self = grad_self.scatter(dim, index, 0)
    return (grad_self if needs[0] else None, _pad_to(grad_src, src_shape) if needs[1] else None)


SCATTER_REDUCE = Op("scatter_reduce(Tensor self, dim, index, Tensor src, reduce, *, "
                    "include_self=True)", _k_scatter_reduce,
                    check=_check_scatter_reduce, **_INDEX_OP,
                    computed={"kept_self": lambda i, p: _values_for(i, p, 0),
                              "kept_src": lambda i, p: _values_for(i, p, 1)},
                    derivatives={("self", "src"): _scatter_reduce_backward})


# masked_scatter --------------------------------------------------------------------------

def _check_masked_scatter(self, mask, source):
    _tensor_arg(mask, "masked_scatter_", "mask", 1)
    _tensor_arg(source, "masked_scatter_", "source", 2)
    if mask._dtype is dtypes.uint8:
        warnings.warn("masked_scatter_ received a mask with dtype torch.uint8, this behavior is "
                      "now deprecated,please use a mask with dtype torch.bool instead.",
                      UserWarning, stacklevel=4)
    if mask._dtype is not dtypes.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {mask._dtype.legacy}")
    if self._dtype is not source._dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{self._dtype.legacy} and {source._dtype.legacy}")


def _k_masked_scatter(out, dt, a, src, mask, shape):
    m = xp.broadcast_to(mask._data, shape)
    count = int(m.sum())
    if count > src.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    if out is None:
        out = xp.broadcast_to(a, shape).copy()
    elif out is not a:
        xp.copyto(out, a)
    if shares_memory(out, src):
        src = src.copy()       # read the source as it was, as if computed out of place
    out[m] = src.reshape(-1)[:count]
    return out


def _masked_scatter_source_grad(grad, mask, source_shape):
    picked = grad.masked_select(mask)
    numel = 1
    for k in source_shape:
        numel *= k
    rest = numel - picked._data.size
    if rest:
        picked = cat([picked, picked.new_zeros((rest,))])
    return picked.reshape(source_shape)


MASKED_SCATTER = Op("masked_scatter(Tensor self, Tensor source, mask, shape)", _k_masked_scatter,
                    variants="", **_INDEX_OP,
                    derivatives={"self": lambda grad, mask: grad.masked_fill(mask, 0),
                                 "source": _masked_scatter_source_grad})


def masked_scatter_(self, mask, source):
    _check_masked_scatter(self, mask, source)
    shape = self._data.shape
    if mask._data.shape != shape:
        mask.expand(shape)         # PyTorch's message when the mask cannot fill self
    return inplace(MASKED_SCATTER, (self, source), {"mask": mask, "shape": shape})


def masked_scatter(input, mask, source):
    _check_masked_scatter(input, mask, source)
    shape = tuple(checks.broadcast_shapes(input._data.shape, mask._data.shape))
    return outofplace(MASKED_SCATTER, (input, source), {"mask": mask, "shape": shape})


# put -------------------------------------------------------------------------------------

def _check_put(args, params):
    self, source = args
    index = _tensor_arg(params["index"], "put_", "index", 1)
    _check_long_index(index, "put_")
    if self._dtype is not source._dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {self._dtype.legacy} and source.dtype = "
                           f"{source._dtype.legacy}")
    if source._data.size != index._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source._data.size}, "
                         f"index.numel() = {index._data.size}")
    if index._data.size and not self._data.size:
        raise IndexError("put_(): Tried to put elements into an empty tensor")
    _check_flat_bounds(index._data.reshape(-1), self._data.size)


def _k_put(out, dt, a, src, index, accumulate=False):
    idx = index._data.reshape(-1)
    out = _target(out, a, src, idx)
    if not idx.size:
        return out
    # a contiguous self is written through a flat view; any other through a flat copy
    flat = out.reshape(-1) if out.flags.c_contiguous else out.ravel()
    if accumulate:
        xp.add.at(flat, idx, src.reshape(-1))
    else:
        flat[idx] = src.reshape(-1)
    if not out.flags.c_contiguous:
        out[...] = flat.reshape(out.shape)
    return out


PUT = Op("put(Tensor self, index, Tensor source, accumulate=False)", _k_put,
         check=_check_put, **_INDEX_OP,
         derivatives={"self": lambda grad, index, accumulate:
                      grad if accumulate else grad.put(index, grad.new_zeros(index.shape)),
                      "source": lambda grad, index, source_shape:
                      grad.take(index).reshape(source_shape)})


# ------------------------------------------------------------------------ tables

OPS = [TRIL, TRIU, INDEX_ADD, INDEX_COPY, INDEX_FILL, SCATTER, SCATTER_VALUE, SCATTER_ADD,
       SCATTER_REDUCE, MASKED_SCATTER, PUT]

FUNCTIONS = {
    "cat": cat, "concat": cat, "concatenate": cat, "stack": stack, "hstack": hstack,
    "vstack": vstack, "row_stack": vstack, "dstack": dstack, "column_stack": column_stack,
    "gather": gather, "index_select": index_select, "masked_select": masked_select,
    "take": take, "nonzero": nonzero, "argwhere": argwhere,
    "flip": lambda input, dims: flip(input, dims), "fliplr": fliplr, "flipud": flipud,
    "roll": roll, "tile": tile,
    "sort": sort, "argsort": argsort, "msort": msort, "topk": topk,
    "scatter": scatter, "masked_scatter": masked_scatter,
}

METHODS = {
    "gather": gather, "index_select": index_select, "masked_select": masked_select,
    "take": take, "nonzero": nonzero, "argwhere": argwhere, "flip": flip, "fliplr": fliplr,
    "flipud": flipud, "roll": roll, "repeat": repeat, "tile": tile, "sort": sort,
    "argsort": argsort, "msort": msort, "topk": topk,
    "scatter": scatter,
    "scatter_": scatter_, "masked_scatter": masked_scatter, "masked_scatter_": masked_scatter_,
}
