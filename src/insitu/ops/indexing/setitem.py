"""`x[idx] = v` and index_put: writes in place, one version bump, in PyTorch's order.

A number value becomes a 0-dim tensor of x's dtype first (PyTorch's overflow error included).
A basic index that selects all of x (`:`, `...`, `0:len`) writes into x itself; another basic
index writes into the view it makes (`copy_to`: copy_, or fill_ from a 0-dim value, after
expanding the value, so a shape error comes before the autograd guards). A lone `True` is a
view too (an unsqueeze). Advanced indices go through INDEX_PUT, whose checks come in PyTorch's
order after the autograd guards: a 1-element value through a single bool mask is a masked fill
(cast to x's dtype, no overlap check), otherwise the value may not share x's memory, then the
mask shapes, the value's shape, its dtype and the index bounds.
"""
from ...backend import xp, shares_memory
from ...core import dtypes
from ...core.dtypes import checked_scalar
from ...core.tensor import Tensor, typename, wrap
from ..checks import check_no_overlap
from ..kernels import add_at_rows
from ..pipelines import inplace as run_inplace, outofplace
from ..table import ANY_DTYPE, ANY_SHAPE, EXPANDED_WARNS, OWN_OVERLAP, Op
from . import prefix_writes
from .getitem import (INDEX, _advanced_index, _check_bounds, _is_basic, _normalize,
                      _zero_dim_single, getitem)


def _k_index_put(out, dt, a, values, indices, accumulate=False, fill=None, uint8_mask=False,
                 method=False, inplace=True):
    if out is None:
        out = a.copy()
    elif out is not a:
        xp.copyto(out, a)
    if fill is not None:          # PyTorch's masked_fill_ dispatch: the value as a number
        out[indices] = fill
        return out
    if accumulate and out is a and shares_memory(out, values):   # an overlap PyTorch cannot tell
        values = values.copy()
    bad = prefix_writes.index_put(out, indices, values, accumulate)
    if bad == "empty":
        return out
    if bad is not None:
        raise IndexError(f"index {bad[0]} is out of bounds for dimension {bad[1]} with size "
                         f"{bad[2]}")
    if accumulate:
        _accumulate(out, indices, values)
    else:
        out[indices] = values
    return out


def _accumulate(out, indices, values):
    """out[indices] += values, a repeated index adding up in order (NumPy's add.at); a single
    integer index into the leading dim adds whole rows (`add_at_rows`: the same roundings, many
    times faster)."""
    idx = indices[0] if len(indices) == 1 else None
    if (isinstance(idx, xp.ndarray) and idx.dtype.kind in "iu" and out.ndim > 1
            and values.dtype == out.dtype):
        rest = out.shape[1:]
        rows = xp.broadcast_to(values, idx.shape + rest).reshape((idx.size,) + rest)
        add_at_rows(out, idx.reshape(-1), rows)
    else:
        xp.add.at(out, indices, values)


def _index_put_self_grad(grad, indices, accumulate):
    # the indices are NumPy's already (an Ellipsis among them, from x[..., [0]] = v): not the
    # method's count check
    if accumulate:
        return grad
    return outofplace(INDEX_PUT, (grad, grad.new_zeros(())),
                      {"indices": indices, "accumulate": False, "fill": None,
                       "uint8_mask": False, "method": False, "inplace": False})


def _index_put_values_grad(grad, indices):
    # the indices are NumPy's already: index directly, not through getitem
    return outofplace(INDEX, (grad,), {"indices": indices})


def _np_indices(indices):
    if isinstance(indices, xp.ndarray):
        return (indices,)
    return tuple(i._data.astype(bool) if isinstance(i, Tensor)
                 and i._dtype in (dtypes.bool_, dtypes.uint8)
                 else i._data if isinstance(i, Tensor) else i for i in indices)


def _masked_fill_dispatch(self, indices, values):
    """PyTorch's index_put_ becomes masked_fill_(mask, value.item()) for a 1-element value and
    a single mask (other entries keeping whole dims)."""
    masks = [i for i in indices if isinstance(i, xp.ndarray)]
    return (values._data.size == 1 and len(masks) == 1 and masks[0].dtype == bool
            and all(isinstance(i, xp.ndarray) or i is Ellipsis or i == slice(None)
                    for i in indices))


def _check_index_put(args, params):
    self, values = args
    indices = params["indices"]
    params["fill"] = None
    if params["method"]:
        _too_many(self, indices)
    if not params["accumulate"] and _masked_fill_dispatch(self, indices, values):
        _check_bounds(self, indices, bounds=False)
        if params.get("uint8_mask"):
            raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with "
                               "dtype unsigned char")
        params["fill"] = checked_scalar(values._data.reshape(-1)[0].item(), self._dtype)
        return
    if params["inplace"] and (values._storage is self._storage
                              or xp.may_share_memory(self._data, values._data)):
        check_no_overlap(self._data, values._data)      # self as its own values too
    _check_bounds(self, indices, bounds=False)
    shape = _result_shape(self._data.shape, indices)
    try:
        xp.broadcast_shapes(values._data.shape, shape)
        broadcasts = len(values._data.shape) <= len(shape)
    except ValueError:
        broadcasts = False
    if not broadcasts or xp.broadcast_shapes(values._data.shape, shape) != shape:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape [{', '.join(map(str, values._data.shape))}] "
            f"cannot be broadcast to indexing result of shape [{', '.join(map(str, shape))}]")
    if values._dtype is not self._dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got "
            f"{self._dtype.legacy} for the destination and {values._dtype.legacy} for the source.")
    _check_bounds(self, indices, masks=False, bounds="empty")   # the others in the kernel


def _result_shape(shape, indices):
    """The shape of x[indices], bounds aside: indexed on a stand-in of x's shape that takes no
    memory, every integer index read as 0 (NumPy's rules for the shape are PyTorch's)."""
    stand_in = xp.lib.stride_tricks.as_strided(xp.zeros(1, bool), shape, (0,) * len(shape))
    safe = tuple(xp.zeros(i.shape, xp.int64) if isinstance(i, xp.ndarray) and i.dtype != bool
                 else i for i in indices)
    try:
        return stand_in[safe].shape
    except IndexError:      # only a nonempty index into an empty dimension gets here
        raise IndexError("index is out of bounds for dimension with size 0") from None


def _too_many(self, indices):
    """index_put_'s own count check (x[idx] = v counts in __setitem__, without the count)."""
    n = len(indices)
    if n > self._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {self._data.ndim} "
                         f"(got {n})")


# `fill`, `uint8_mask`, `method` and `inplace` say how the call came and what its check decided
INDEX_PUT = Op("index_put(Tensor self, indices, Tensor values, accumulate=False, fill=None, "
               "uint8_mask=False, method=False, inplace=True)", _k_index_put,
               promote="same", variants="", writes=(ANY_DTYPE, ANY_SHAPE, EXPANDED_WARNS,
                                                   OWN_OVERLAP),
               check=_check_index_put, node="IndexPutBackward0",
               derivatives={"self": _index_put_self_grad, "values": _index_put_values_grad})


def _params(self, indices, accumulate, inplace):
    uint8 = any(isinstance(i, Tensor) and i._dtype is dtypes.uint8 for i in indices) \
        if isinstance(indices, (tuple, list)) else False
    return {"indices": _np_indices(indices), "accumulate": accumulate, "fill": None,
            "uint8_mask": uint8, "method": True, "inplace": inplace}


_INDEX_PUT_DOCS = {
    True: """Tensor.index_put_(indices, values, accumulate=False): writes `values` (a tensor or a
    number, broadcast to the indexed shape) into `self[indices]`, where `indices` is a tuple of
    index tensors (long, or bool/uint8 masks) as in advanced indexing; `accumulate=True` adds
    instead, summing repeated indices. In place: one version bump, returns self. Backward:
    IndexPutBackward0, keeping the indices (self's gradient is zeroed at the written positions
    unless accumulating; values' gradient is the gradient gathered there).""",
    False: """insitu.index_put(input, indices, values, accumulate=False), also Tensor.index_put:
    the out-of-place `Tensor.index_put_`, on a copy of input."""}


def _index_put_entry(inplace):
    def index_put(self, indices, values, accumulate=False):
        if not isinstance(values, Tensor):   # PyTorch's parser: the method's message
            raise TypeError(f"{index_put.__name__}(): argument 'values' (position 2) must be "
                            f"Tensor, not {type(values).__name__}")
        params = _params(self, indices, accumulate, inplace)
        if inplace:
            return run_inplace(INDEX_PUT, (self, values), params)
        return outofplace(INDEX_PUT, (self, values), params)
    index_put.__name__ = "index_put_" if inplace else "index_put"
    index_put.__doc__ = _INDEX_PUT_DOCS[inplace]
    return index_put


def setitem(self, idx, value):
    if not isinstance(value, Tensor):   # first of all, as PyTorch: a number becomes self's dtype
        if not isinstance(value, (int, float, complex, xp.generic, xp.ndarray)):
            raise TypeError(f"can't assign a {typename(value)} to a {self.type()}")
        value = wrap(xp.asarray(checked_scalar(value, self._dtype)).astype(self._dtype.np),
                     self._dtype)
    if idx is False:   # PyTorch writes nothing, and bumps no version, for x[False] = v
        return
    _zero_dim_single(self, idx)
    if idx is True:                     # a lone True is an unsqueeze: copy into that view
        copy_to(getitem(self, None), value)
        return
    idx = _normalize(idx)
    if _is_basic(idx):
        # an index that selects all of self (`:`, `...`, `0:len`) writes into self, not a view
        copy_to(self if _whole(self, idx) else getitem(self, idx), value)
        return
    uint8 = any(isinstance(i, Tensor) and i._dtype is dtypes.uint8 and i._data.ndim
                for i in idx)
    # PyTorch applies the basic entries first, as a view, and index_puts into that view
    view_idx, rest = _split(idx)
    if not _whole(self, view_idx):
        self = getitem(self, view_idx)
    np_idx = _advanced_index(self, rest)
    _check_bounds(self, np_idx, masks=False, bounds=False)    # too many indices
    if value._data.ndim and value._data.shape[0] == 1:
        value = _strip_leading_ones(value)
    run_inplace(INDEX_PUT, (self, value), {"indices": np_idx, "accumulate": False, "fill": None,
                                          "uint8_mask": uint8, "method": False, "inplace": True})


def _split(idx):
    """(basic index, advanced index into the view it makes) of a mixed index, as PyTorch
    splits it: ints (0-dim integer tensors too) and slices make the view; a bool (a 0-dim bool
    tensor too) is a new dim there, taken (True) or left empty (False) by the advanced index;
    tensors, lists and masks keep their dims in the view and index them."""
    view, rest = [], []
    for i in idx:
        if isinstance(i, Tensor) and i._data.ndim == 0:
            i = bool(i._data) if i._dtype in (dtypes.bool_, dtypes.uint8) else int(i._data)
        if type(i) is bool:
            view.append(None)
            rest.append(xp.array([0] if i else [], dtype=xp.int64))
        elif isinstance(i, int):
            view.append(i)
        elif i is None or isinstance(i, slice):
            view.append(i)
            rest.append(slice(None))
        elif i is Ellipsis:
            view.append(i)
            rest.append(i)
        else:
            view.append(slice(None))
            rest.append(i)
    return tuple(view), tuple(rest)


def _whole(self, idx):
    """Whether a basic index selects self as it is: only `...` and slices that start at 0, step
    1 and stop at or past the end (PyTorch's setitem then skips the view)."""
    if not idx:
        return True
    shape = self._data.shape
    dim = 0
    n_real = sum(1 for i in idx if i is not Ellipsis)
    if n_real > len(shape):     # too many indices: the view's getitem says so
        return False
    for i in idx:
        if i is Ellipsis:
            dim += len(shape) - n_real
            continue
        if not isinstance(i, slice) or dim >= len(shape) or i.start not in (None, 0) \
                or i.step not in (None, 1) or (i.stop is not None and i.stop < shape[dim]):
            return False
        dim += 1
    return True


def copy_to(dst, value):
    """Write a tensor `value` into `dst` as PyTorch's setitem does: `copy_` when the shapes
    are equal, `fill_` from a 0-dim value, else `copy_` of a view of the value, its leading 1s
    dropped (a view even when none are: making it asks the value's grad_fn, whose refusals
    come first), expanded to dst's shape (so a shape error comes before the write's guards)."""
    shape = dst._data.shape
    vshape = value._data.shape
    if vshape == shape:
        dst.copy_(value)
    elif not vshape:
        dst.fill_(value)
    else:
        k = 0
        while k < len(vshape) and vshape[k] == 1:
            k += 1
        dst.copy_(value.view(vshape[k:]).expand(shape))


def _strip_leading_ones(value):
    """PyTorch drops a value's leading size-1 dims (a view) before broadcasting it."""
    shape = value._data.shape
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return value.view(shape[k:]) if k else value


METHODS = {"__setitem__": setitem, "index_put_": _index_put_entry(True),
           "index_put": _index_put_entry(False)}
FUNCTIONS = {"index_put": METHODS["index_put"]}
