"""`x[idx]`: basic indices (ints, slices, `...`, None) give views, advanced indices (int
lists/tensors, bool masks) give copies (INDEX). The index helpers here serve `x[idx] = v` too
(`indexing.setitem`)."""
from ...autograd.watch import watch_copy
from ...backend import xp, strided_view
from ...core import dtypes
from ...core.tensor import Tensor, first_size, wrap
from ...creation import zeros
from ..pipelines import outofplace
from ..table import Op
from ..view_graph import make_view

_BASIC = (int, slice, type(None), type(Ellipsis))


def _normalize(idx):
    if not isinstance(idx, tuple):
        idx = (idx,)
    return idx


def _is_basic(idx):
    for i in idx:
        if type(i) is bool or not isinstance(i, _BASIC):
            if isinstance(i, Tensor) and i._data.ndim == 0 and i._dtype.category == 1 \
                    and i._dtype is not dtypes.uint8:
                continue  # a 0-dim integer tensor indexes like an int (a uint8 one like a bool)
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


def _node_name(self, idx, single):
    """The node of a basic index: that of the last view PyTorch applies, which skips a slice
    that keeps all of its dim in a tuple index (AliasBackward0 when nothing is left); a lone
    slice is always a SliceBackward0."""
    if single and isinstance(idx[0], slice):
        return "SliceBackward0"
    name = "AliasBackward0"
    shape = self._data.shape
    dim = 0
    n_real = sum(1 for i in idx if i is not None and i is not Ellipsis)
    for i in idx:
        if i is None:
            name = "UnsqueezeBackward0"
        elif i is Ellipsis:
            dim += len(shape) - n_real
        elif isinstance(i, slice):
            if not (i.start in (None, 0) and i.step in (None, 1)
                    and (i.stop is None or i.stop >= shape[dim])):
                name = "SliceBackward0"
            dim += 1
        else:
            name = "SelectBackward0"
            dim += 1
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
        elif isinstance(i, xp.ndarray):     # already NumPy's (an index made by setitem)
            out.append(i)
        elif i is None or i is Ellipsis or isinstance(i, (int, slice)):
            out.append(i)
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(i).__name__})")
    return tuple(out)


def _check_bounds(self, np_idx, masks=True, bounds=True):
    """PyTorch's errors for an advanced index: too many indices, a mask whose shape does not
    match (`masks`), an index out of range (`bounds`; its dimension counted among the advanced
    indices, as PyTorch's index kernel sees them; "empty": only into a dim of size 0)."""
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
            for j, m in enumerate(i.shape if masks else ()):
                if m != shape[dim + j]:
                    raise IndexError(
                        f"The shape of the mask [{', '.join(map(str, i.shape))}] at index {j} "
                        f"does not match the shape of the indexed tensor "
                        f"[{', '.join(map(str, shape))}] at index {dim + j}")
            dim += i.ndim
            advanced += i.ndim
        elif isinstance(i, xp.ndarray):
            size = shape[dim]
            if bounds == "empty":    # index_put's kernel checks the others as it writes
                bad = i[:0] if size else i
            else:
                bad = i[(i >= size) | (i < -size)] if i.size and bounds else i[:0]
            if bad.size and not size:
                raise IndexError("index is out of bounds for dimension with size 0")
            if bad.size:
                raise IndexError(f"index {int(bad.reshape(-1)[0])} is out of bounds for dimension "
                                 f"{advanced} with size {size}")
            dim += 1
            advanced += 1
        elif i is not None:
            dim += 1


def _zero_dim_single(self, idx):
    """PyTorch's errors for a lone int or slice (not in a tuple) indexing a 0-dim tensor."""
    if self._data.ndim == 0 and not isinstance(idx, tuple) and type(idx) is not bool:
        if isinstance(idx, int):
            if idx == 0:
                raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in "
                                 "Python or `tensor.item<T>()` in C++ to convert a 0-dim "
                                 "tensor to a number")
            # PyTorch's bounds check reads dim 0's size, which a tensor made 0-dim in place
            # still has (`first_size`); within it, the select refuses the 0-dim tensor
            size = first_size(self)
            if -size <= idx < size:
                raise IndexError("select() cannot be applied to a 0-dim tensor.")
            raise IndexError(f"index {idx} is out of bounds for dimension 0 with size {size}")
        if isinstance(idx, slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")


def getitem(self, idx):
    _zero_dim_single(self, idx)
    single = not isinstance(idx, tuple)
    idx = _normalize(idx)
    if _is_basic(idx):
        np_idx = _basic_index(self, idx)
        arr = self._data[np_idx]
        if arr.size == 0 or any(i is None for i in idx):
            offset, shape, strides = _torch_geometry(self._data, idx)
            arr = strided_view(self._data, offset, shape, strides)
        return make_view(self, arr, _node_name(self, idx, single), lambda g: getitem(g, idx))
    np_idx = _advanced_index(self, idx)
    _check_bounds(self, np_idx)
    out = outofplace(INDEX, (self,), {"indices": np_idx})
    watch_copy(out)   # writing into this copy and dropping it is reported
    return out


def _k_index(out, dt, a, indices):
    return a[indices]


def _index_backward(grad, self_shape, self_dtype, indices):
    idx = _without_ellipsis(indices, len(self_shape))
    if not any(i is None or _is_bool_scalar(i) for i in idx):
        gi = zeros(self_shape, dtype=self_dtype)
        return gi.index_put_(_as_tensors(idx), grad, accumulate=True)
    # a bool (or 0-dim bool tensor) index: PyTorch unsqueezes self there and indexes the new
    # dim with [0] (True) or [] (False); None unsqueezes it too. So the gradient is scattered
    # into the unsqueezed shape and squeezed back
    shape, dims, at, spelled = list(self_shape), [], 0, []
    for i in idx:
        if i is None or _is_bool_scalar(i):
            shape.insert(at, 1)
            dims.append(at)
            spelled.append(slice(None) if i is None else xp.zeros(1 if i else 0, xp.int64))
            at += 1
        else:
            spelled.append(i)
            at += i.ndim if isinstance(i, xp.ndarray) and i.dtype == bool else 1
    gi = zeros(shape, dtype=self_dtype).index_put_(_as_tensors(tuple(spelled)), grad,
                                                    accumulate=True)
    for d in reversed(dims):
        gi = gi.squeeze(d)
    return gi


def _is_bool_scalar(i):
    return isinstance(i, xp.ndarray) and i.dtype == bool and i.ndim == 0


def _without_ellipsis(np_idx, ndim):
    """The index with its Ellipsis spelled out as full slices (index_put_ counts its entries
    against the dims, as PyTorch's does)."""
    at = next((k for k, i in enumerate(np_idx) if i is Ellipsis), None)
    if at is None:
        return np_idx
    used = sum(i.ndim if isinstance(i, xp.ndarray) and i.dtype == bool else 1
               for i in np_idx if i is not None and i is not Ellipsis)
    return np_idx[:at] + (slice(None),) * (ndim - used) + np_idx[at + 1:]


def _as_tensors(np_idx):
    return tuple(wrap(i, dtypes.from_numpy_dtype(i.dtype)) if isinstance(i, xp.ndarray) else i
                 for i in np_idx)


INDEX = Op("index(Tensor self, indices)", _k_index, promote="same", variants="",
           node="IndexBackward0", derivatives={"self": _index_backward})


METHODS = {"__getitem__": getitem}
