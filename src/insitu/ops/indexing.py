"""Indexing: basic indices give views, advanced indices (int lists/tensors, bool masks) give
copies, and `__setitem__` with any index writes in place (one version bump)."""
from ..autograd import graph
from ..autograd.grad_mode import mode
from ..backend import xp, strided_view
from ..core import dtypes
from ..core.tensor import Tensor
from .registry import Op, register, wrap, outofplace
from .views import make_view

_BASIC = (int, slice, type(None), type(Ellipsis))


def _normalize(idx):
    if not isinstance(idx, tuple):
        idx = (idx,)
    return idx


def _is_basic(idx):
    for i in idx:
        if type(i) is bool or not isinstance(i, _BASIC):
            if isinstance(i, Tensor) and i._data.ndim == 0 and i._dtype.category == 1:
                continue  # a 0-dim integer tensor indexes like an int
            return False
    return True


def _basic_index(self, idx):
    out = []
    dim = 0
    nd = self._data.ndim
    n_real = sum(1 for i in idx if i is not None and i is not Ellipsis)
    if n_real > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    for i in idx:
        if isinstance(i, Tensor):
            i = int(i.item())
        if isinstance(i, int):
            size = self._data.shape[dim]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
            dim += 1
        elif isinstance(i, slice):
            if i.step is not None and i.step <= 0:
                raise ValueError("step must be greater than zero")
            dim += 1
        elif i is Ellipsis:
            dim = nd - (n_real - dim)
        out.append(i)
    if Ellipsis not in out:
        out.append(Ellipsis)   # keeps an int index from turning the result into a NumPy scalar
    return tuple(out)


def _none_dim_strides(a, idx):
    """Byte strides of a[idx] as PyTorch makes them: NumPy's, except that each None dim is
    strided like an unsqueeze at that point (size * stride of the dim it lands before)."""
    dims = [[n, s] for n, s in zip(a.shape, a.strides)]
    n_real = sum(1 for i in idx if i is not None and i is not Ellipsis)
    d = 0
    for i in idx:
        if i is None:
            dims.insert(d, [1, dims[d][0] * dims[d][1] if d < len(dims) else a.itemsize])
            d += 1
        elif i is Ellipsis:
            d += a.ndim - n_real
        elif isinstance(i, slice):
            start, stop, step = i.indices(dims[d][0])
            dims[d] = [len(range(start, stop, step)), dims[d][1] * step]
            d += 1
        else:
            dims.pop(d)
    return [s for _, s in dims]


def _node_name(idx):
    name = "AliasBackward0"
    for i in idx:
        if isinstance(i, (int, Tensor)):
            name = "SelectBackward0"
        elif isinstance(i, slice):
            if i != slice(None):
                name = "SliceBackward0"
        elif i is None:
            name = "UnsqueezeBackward0"
    return name


def _advanced_index(self, idx):
    """Convert tensors/lists/bools in an index to NumPy arrays (NumPy's rules are PyTorch's)."""
    out = []
    for i in idx:
        if isinstance(i, Tensor):
            if i._dtype is dtypes.bool_ or i._dtype is dtypes.uint8:
                out.append(i._data.astype(bool))
            elif i._dtype.category == 1:
                out.append(i._data)
            else:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        elif isinstance(i, (list, tuple)):
            arr = xp.array([x.item() if isinstance(x, Tensor) else x for x in i])
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(arr)
        elif type(i) is bool:
            out.append(xp.array(i))
        else:
            out.append(i)
    return tuple(out)


def _check_bounds(self, np_idx):
    dim = 0
    for i in np_idx:
        if isinstance(i, xp.ndarray) and i.dtype.kind in "iu" and i.size:
            size = self._data.shape[dim]
            bad = i[(i >= size) | (i < -size)]
            if bad.size:
                raise IndexError(f"index {int(bad.reshape(-1)[0])} is out of bounds for dimension "
                                 f"{dim} with size {size}")
        if isinstance(i, xp.ndarray) and i.dtype == bool:
            dim += max(i.ndim, 1)
        elif i is not None:
            dim += 1


def getitem(self, idx):
    idx = _normalize(idx)
    if _is_basic(idx):
        np_idx = _basic_index(self, idx)
        arr = self._data[np_idx]
        if None in idx:
            arr = strided_view(arr, 0, arr.shape, _none_dim_strides(self._data, idx))
        return make_view(self, arr, _node_name(idx), lambda g: getitem(g, idx))
    np_idx = _advanced_index(self, idx)
    _check_bounds(self, np_idx)
    out = outofplace(INDEX, (self,), {"indices": np_idx})
    graph.watch_copy(out)   # writing into this copy and dropping it is reported
    return out


def _k_index(out, dt, a, indices):
    return a[indices]


def _index_backward(n, g):
    from ..creation import zeros
    shape, dt = n.in_meta[0]
    gi = zeros(shape, dtype=dt)
    return (gi.index_put_(_as_tensors(n.params["indices"]), g, accumulate=True),)


def _as_tensors(np_idx):
    return tuple(wrap(i, dtypes.from_numpy_dtype(i.dtype)) if isinstance(i, xp.ndarray) else i
                 for i in np_idx)


INDEX = Op("index", "self, indices", ("self",), _k_index, promote="same", inplace=False,
           function=False, method=False, backward=_index_backward, node="IndexBackward0")


def _k_index_put(out, dt, a, values, indices, accumulate=False):
    if out is None:
        out = a.copy()
    elif out is not a:
        xp.copyto(out, a)
    if accumulate:
        xp.add.at(out, indices, values)
    else:
        out[indices] = values
    return out


def _index_put_backward(n, g):
    idx = n.params["indices"]
    gself = None
    if n.needs[0]:
        gself = g if n.params["accumulate"] else g.index_put(idx, g.new_zeros(()))
    gval = None
    if n.needs[1]:
        gval = getitem(g, idx)
    return gself, gval


def _np_indices(indices):
    if isinstance(indices, xp.ndarray):
        return (indices,)
    return tuple(i._data.astype(bool) if isinstance(i, Tensor) and i._dtype in (dtypes.bool_, dtypes.uint8)
                 else i._data if isinstance(i, Tensor) else i for i in indices)


def _check_index_put(args, params):
    self, values = args
    if isinstance(values, Tensor) and values._dtype is not self._dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got "
            f"{self._dtype.legacy} for the destination and {values._dtype.legacy} for the source.")


INDEX_PUT = Op("index_put", "self, indices, values, accumulate=False", ("self", "values"),
               _k_index_put, promote="same", check_cast=False, check_args=_check_index_put, check_shapes=False,
               backward=_index_put_backward, node="IndexPutBackward0")


def _index_put_entry(inplace):
    from .registry import inplace as run_inplace

    def index_put(self, indices, values, accumulate=False):
        params = {"indices": _np_indices(indices), "accumulate": accumulate}
        if not isinstance(values, Tensor):
            values = wrap(xp.asarray(values, dtype=self._dtype.np), self._dtype)
        if inplace:
            return run_inplace(INDEX_PUT, (self, values), params)
        return outofplace(INDEX_PUT, (self, values), params)
    index_put.__name__ = "index_put_" if inplace else "index_put"
    return index_put


def setitem(self, idx, value):
    idx = _normalize(idx)
    if _is_basic(idx):
        target = getitem(self, idx)
        if isinstance(value, Tensor):
            target.copy_(value)
        else:
            target.fill_(value)
        return
    np_idx = _advanced_index(self, idx)
    _check_bounds(self, np_idx)
    if not isinstance(value, Tensor):
        value = wrap(xp.asarray(value, dtype=self._dtype.np), self._dtype)
    elif value._dtype is not self._dtype:
        value = value.to(self._dtype)
    from .registry import inplace as run_inplace
    run_inplace(INDEX_PUT, (self, value), {"indices": np_idx, "accumulate": False})


def install(namespace):
    Tensor.__getitem__ = getitem
    Tensor.__setitem__ = setitem
    Tensor.index_put_ = _index_put_entry(True)
    Tensor.index_put = _index_put_entry(False)
    namespace["index_put"] = _index_put_entry(False)
