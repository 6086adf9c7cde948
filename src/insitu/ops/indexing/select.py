"""Ops that read elements through an index or a mask into a new tensor: gather, index_select,
masked_select and take (each differentiable: its backward writes the gradient back through the
same index, kept version-checked), nonzero and argwhere.

`out=` goes through `pipelines.write_out`.
"""
from ...backend import xp
from ...core import dtypes
from ...core.tensor import _wrap_dim, wrap
from ...creation import zeros
from .. import checks
from ..checks import size_list
from ..derivatives import Derivative, record
from ..pipelines import write_out
from ._common import (at_least_1d, check_bounds, check_flat_bounds, check_index_dtype,
                      check_long_index, coords, first_out_of_range, flat_positions,
                      tensor_arg)


# ------------------------------------------------------------------------ gather

# PyTorch's node keeps self itself (not just its shape): writing into it later fails backward
GATHER = Derivative("GatherBackward0", {
    "self": lambda grad, self, dim, index:
    zeros(self._data.shape, dtype=self._dtype).scatter_add_(dim, index, grad)})   # into the zeros


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """insitu.gather(input, dim, index, *, sparse_grad=False, out=None): `out[i][j] =
    input[index[i][j]][j]` for dim 0 (likewise along any `dim`): values read through an int64
    index of input's number of dims, no larger than input apart from `dim`. `sparse_grad` is
    accepted; the gradient is dense. Backward: GatherBackward0 (a scatter_add of the gradient;
    the node keeps the index, version-checked)."""
    tensor_arg(index, "gather", "index", 3)
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    idx = index._data
    if idx.size:
        check_index_dtype(index, "gather")
        if max(a.ndim, 1) != max(idx.ndim, 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as input "
                               "tensor")
        a1, i1 = at_least_1d(a), at_least_1d(idx)
        for k in range(a1.ndim):
            if k != d and i1.shape[k] > a1.shape[k]:
                raise RuntimeError(
                    f"Size does not match at dimension {k} expected index {size_list(idx.shape)} "
                    f"to be no larger than self {size_list(a.shape)} apart from dimension {d}")
        check_bounds(i1, d, a1.shape[d])
        if a1.flags.c_contiguous:
            arr = xp.take(a1, flat_positions(i1, d, a1.shape)).reshape(idx.shape)
        else:
            arr = a1[coords(i1, d)].reshape(idx.shape)
    else:
        arr = xp.empty(idx.shape, a.dtype)
    if out is not None:
        return write_out("gather", out, arr, (input,))
    return record(GATHER, (input,), wrap(arr, input._dtype), {"dim": d, "index": index})


# ------------------------------------------------------------------------ index_select

INDEX_SELECT = Derivative("IndexSelectBackward0", {
    "self": lambda grad, self_shape, self_dtype, dim, index:
    zeros(self_shape, dtype=self_dtype).index_add_(dim, index, grad)})


def index_select(input, dim, index, *, out=None):
    """insitu.index_select(input, dim, index, *, out=None): the slices along `dim` at the positions
    of a 1-dim int64 or int32 index, as a new tensor. Backward: IndexSelectBackward0 (an
    index_add of the gradient)."""
    tensor_arg(index, "index_select", "index", 3)
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
    bad = first_out_of_range(flat, size)
    if bad is not None:
        if a.ndim > 1 and d == 1:   # PyTorch's contiguous fast path has its own message
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
        raise IndexError("index out of range in self")
    arr = xp.take(a, flat, axis=d) if a.ndim else a.copy()
    if out is not None:
        return write_out("index_select", out, arr, (input,))
    return record(INDEX_SELECT, (input,), wrap(arr, input._dtype), {"dim": d, "index": index})


# ------------------------------------------------------------------------ masked_select

# the gradient is scattered at the broadcast shape, then summed back to self's
MASKED_SELECT = Derivative("MaskedSelectBackward0", {
    "self": lambda grad, self_dtype, broadcast_shape, mask:
    zeros(broadcast_shape, dtype=self_dtype).masked_scatter_(mask, grad)})


def masked_select(input, mask, *, out=None):
    """insitu.masked_select(input, mask, *, out=None): a 1-dim tensor of the elements where the bool
    `mask` (broadcast with input) is True. Backward: MaskedSelectBackward0."""
    tensor_arg(mask, "masked_select", "mask", 2)
    if mask._dtype is not dtypes.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = tuple(checks.broadcast_shapes(mask._data.shape, input._data.shape))
    m = xp.broadcast_to(mask._data, shape)
    arr = xp.broadcast_to(input._data, shape)[m]
    if out is not None:
        return write_out("masked_select", out, arr, (input,))
    return record(MASKED_SELECT, (input,), wrap(arr, input._dtype),
                  {"broadcast_shape": shape, "mask": mask})


# ------------------------------------------------------------------------ take

TAKE = Derivative("TakeBackward0", {
    "self": lambda grad, self_shape, self_dtype, index:
    zeros(self_shape, dtype=self_dtype).put_(index, grad, accumulate=True)})


def take(input, index, *, out=None):
    """insitu.take(input, index, *, out=None): the elements of the flattened input at the int64
    positions of `index`, in index's shape. Backward: TakeBackward0 (an accumulating put_)."""
    tensor_arg(index, "take", "index", 2)
    a = input._data
    check_long_index(index, "take")
    if a.size == 0 and index._data.size:
        raise IndexError("take(): tried to take from an empty tensor")
    idx = index._data.reshape(-1)
    check_flat_bounds(idx, a.size)
    arr = a.reshape(-1)[idx].reshape(index._data.shape)
    if out is not None:
        return write_out("take", out, arr, (input,))
    return record(TAKE, (input,), wrap(arr, input._dtype), {"index": index})


# ------------------------------------------------------------------------ nonzero / argwhere

def nonzero(input, *, out=None, as_tuple=False):
    """insitu.nonzero(input, *, out=None, as_tuple=False): the int64 indices of the nonzero
    elements, one row per element (shape (count, ndim)); with `as_tuple`, one 1-dim index tensor
    per dim (a 0-dim input counts as 1-dim)."""
    a = input._data
    if as_tuple:
        return tuple(wrap(i.astype(xp.int64, copy=False), dtypes.int64)
                     for i in xp.nonzero(at_least_1d(a)))
    arr = xp.argwhere(a).astype(xp.int64, copy=False)
    if out is not None:
        return write_out("nonzero", out, arr, ())
    return wrap(arr, dtypes.int64)


def argwhere(input):
    """insitu.argwhere(input): `nonzero(input)`, the (count, ndim) int64 indices of the nonzero
    elements."""
    return nonzero(input)


_BOTH = {"gather": gather, "index_select": index_select, "masked_select": masked_select,
         "take": take, "nonzero": nonzero, "argwhere": argwhere}
FUNCTIONS = dict(_BOTH)
METHODS = dict(_BOTH)
