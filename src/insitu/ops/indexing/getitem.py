"""`x[idx]` and `x[idx] = v`: basic indices give views, advanced indices (int lists/tensors,
bool masks) give copies (INDEX), and `__setitem__` with any index writes in place, one version
bump (INDEX_PUT, also `index_put`/`index_put_`)."""
from ...autograd.watch import watch_copy
from ...backend import xp, strided_view
from ...core import dtypes
from ...core.tensor import Tensor, wrap
from ...creation import zeros
from ..pipelines import inplace as run_inplace, outofplace
from ..table import ANY_DTYPE, ANY_SHAPE, Op
from ..view_graph import make_view

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
    for position, i in enumerate(idx):
        if isinstance(i, Tensor):
            i = int(i.item())
        if isinstance(i, int):
            size = self._data.shape[dim]
            if not -size <= i < size:   # PyTorch names the index's place in the index tuple
                raise IndexError(f"index {i} is out of bounds for dimension {position} with "
                                 f"size {size}")
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


def _torch_geometry(a, idx):
    """(byte offset, shape, byte strides) of a[idx] for a basic index, laid out as PyTorch does:
    like NumPy, except that a None dim is strided like an unsqueeze at that point (size * stride
    of the dim it lands before) and an empty slice starts at its clamped start."""
    dims = [[n, s] for n, s in zip(a.shape, a.strides)]
    n_real = sum(1 for i in idx if i is not None and i is not Ellipsis)
    offset = d = 0
    for i in idx:
        if i is None:
            dims.insert(d, [1, dims[d][0] * dims[d][1] if d < len(dims) else a.itemsize])
            d += 1
        elif i is Ellipsis:
            d += a.ndim - n_real
        elif isinstance(i, slice):
            n, stride = dims[d]
            start, stop, step = i.indices(n)
            offset += start * stride
            dims[d] = [len(range(start, stop, step)), stride * step]
            d += 1
        else:   # an int (already checked against the size)
            n, stride = dims.pop(d)
            offset += (int(i) % n) * stride
    return offset, [n for n, _ in dims], [s for _, s in dims]


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
        elif i is None or i is Ellipsis or isinstance(i, (int, slice)):
            out.append(i)
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(i).__name__})")
    return tuple(out)


def _check_bounds(self, np_idx):
    """PyTorch's errors for an advanced index: too many indices, a mask whose shape does not
    match, an index out of range (its dimension counted among the advanced indices, as
    PyTorch's index kernel sees them)."""
    shape = self._data.shape
    nd = len(shape)

    def width(i):   # how many dims of self an index entry consumes
        if i is None or i is Ellipsis:
            return 0
        if isinstance(i, xp.ndarray) and i.dtype == bool:
            return i.ndim
        return 1
    n_real = sum(width(i) for i in np_idx)
    if n_real > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    dim = advanced = 0
    for i in np_idx:
        if i is Ellipsis:
            dim += nd - n_real
        elif isinstance(i, xp.ndarray) and i.dtype == bool:
            for j, m in enumerate(i.shape):
                if m != shape[dim + j]:
                    raise IndexError(
                        f"The shape of the mask [{', '.join(map(str, i.shape))}] at index {j} "
                        f"does not match the shape of the indexed tensor "
                        f"[{', '.join(map(str, shape))}] at index {dim + j}")
            dim += i.ndim
            advanced += i.ndim
        elif isinstance(i, xp.ndarray):
            size = shape[dim]
            bad = i[(i >= size) | (i < -size)] if i.size else i
            if bad.size:
                raise IndexError(f"index {int(bad.reshape(-1)[0])} is out of bounds for dimension "
                                 f"{advanced} with size {size}")
            dim += 1
            advanced += 1
        elif i is not None:
            dim += 1


def getitem(self, idx):
    idx = _normalize(idx)
    if _is_basic(idx):
        np_idx = _basic_index(self, idx)
        arr = self._data[np_idx]
        if arr.size == 0 or any(i is None for i in idx):
            offset, shape, strides = _torch_geometry(self._data, idx)
            arr = strided_view(self._data, offset, shape, strides)
        return make_view(self, arr, _node_name(idx), lambda g: getitem(g, idx))
    np_idx = _advanced_index(self, idx)
    _check_bounds(self, np_idx)
    out = outofplace(INDEX, (self,), {"indices": np_idx})
    watch_copy(out)   # writing into this copy and dropping it is reported
    return out


def _k_index(out, dt, a, indices):
    return a[indices]


def _index_backward(grad, self_shape, self_dtype, indices):
    gi = zeros(self_shape, dtype=self_dtype)
    return gi.index_put_(_as_tensors(indices), grad, accumulate=True)


def _as_tensors(np_idx):
    return tuple(wrap(i, dtypes.from_numpy_dtype(i.dtype)) if isinstance(i, xp.ndarray) else i
                 for i in np_idx)


INDEX = Op("index(Tensor self, indices)", _k_index, promote="same", variants="",
           node="IndexBackward0", derivatives={"self": _index_backward})


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


def _index_put_self_grad(grad, indices, accumulate):
    return grad if accumulate else grad.index_put(indices, grad.new_zeros(()))


def _index_put_values_grad(grad, indices):
    # the indices are NumPy's already: index directly, not through getitem
    return outofplace(INDEX, (grad,), {"indices": indices})


def _np_indices(indices):
    if isinstance(indices, xp.ndarray):
        return (indices,)
    return tuple(i._data.astype(bool) if isinstance(i, Tensor)
                 and i._dtype in (dtypes.bool_, dtypes.uint8)
                 else i._data if isinstance(i, Tensor) else i for i in indices)


def _check_index_put(args, params):
    self, values = args
    if isinstance(values, Tensor) and values._dtype is not self._dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got "
            f"{self._dtype.legacy} for the destination and {values._dtype.legacy} for the source.")


INDEX_PUT = Op("index_put(Tensor self, indices, Tensor values, accumulate=False)", _k_index_put,
               promote="same", variants="", writes=(ANY_DTYPE, ANY_SHAPE),
               check=_check_index_put, node="IndexPutBackward0",
               derivatives={"self": _index_put_self_grad, "values": _index_put_values_grad})


def _index_put_entry(inplace):
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
    if idx is False:   # PyTorch writes nothing, and bumps no version, for x[False] = v
        return
    idx = _normalize(idx)
    if isinstance(value, Tensor) and value._data.ndim and value._data.shape[0] == 1:
        value = _strip_leading_ones(value)
    if _is_basic(idx):
        target = getitem(self, idx)
        if isinstance(value, Tensor):
            target.copy_(value)
        else:
            target.fill_(value)
        return
    np_idx = _advanced_index(self, idx)
    _check_bounds(self, np_idx)
    if not isinstance(value, Tensor):   # a Python number is cast (and wrapped) like PyTorch
        value = wrap(xp.array(value).astype(self._dtype.np), self._dtype)
    elif value._dtype is not self._dtype and _casts_value(np_idx, value):
        value = value.to(self._dtype)
    run_inplace(INDEX_PUT, (self, value), {"indices": np_idx, "accumulate": False})


def _casts_value(np_idx, value):
    """Where PyTorch's setitem takes a value of another dtype: an index of Python bools only
    (a copy_), or a single mask with a 0-dim value (a masked_fill_). Elsewhere index_put_
    insists on equal dtypes."""
    arrays = [i for i in np_idx if isinstance(i, xp.ndarray)]
    if all(a.ndim == 0 and a.dtype == bool for a in arrays):
        return True
    return len(arrays) == 1 and arrays[0].dtype == bool and value._data.ndim == 0


def _strip_leading_ones(value):
    """PyTorch drops a value's leading size-1 dims before broadcasting it into x[idx]."""
    shape = value._data.shape
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return value.squeeze(tuple(range(k)))


METHODS = {"__getitem__": getitem, "__setitem__": setitem, "index_put_": _index_put_entry(True),
           "index_put": _index_put_entry(False)}
FUNCTIONS = {"index_put": METHODS["index_put"]}
METHODS["index_put_"].__doc__ = """Tensor.index_put_(indices, values, accumulate=False): writes
    `values` (a tensor of self's dtype or a number, broadcast) into `self[indices]`, `indices` a
    tuple of index tensors as in advanced indexing; `accumulate=True` adds instead, summing
    repeated indices. In place: bumps self's version, returns self. Backward: IndexPutBackward0."""
METHODS["index_put"].__doc__ = """insitu.index_put(input, indices, values, accumulate=False): the
    out-of-place `Tensor.index_put_`, on a copy of input."""
