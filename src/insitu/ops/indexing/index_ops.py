"""index_add, index_copy and index_fill: write slices of self picked by a vector of indices
along one dim (in place, or on a copy).

Each is an `Op`, so its in-place call runs the shared pipeline (guards, one version bump, graph
rewrite) and its out-of-place twin runs the same kernel on a copy. Kernels get `out` (self's
buffer, or None for a copy). The index is a parameter, kept version-checked by a formula that
reads it.
"""
from ...backend import xp
from ...core import dtypes
from ...core.tensor import Tensor, _wrap_dim, wrap
from ..checks import fill_value, size_list
from ..kernels import add_at_rows
from ..table import ANY_DTYPE, ANY_SHAPE, EXPANDED_WARNS, OWN_OVERLAP, Op
from . import prefix_writes
from ._common import (INDEX_OP, at_least_1d, check_long_index, target, tensor_arg,
                      with_inference_overlap)


def _along(dim, idx):
    return (slice(None),) * dim + (idx,)


def _source_block(out, src, dim, n):
    """`src` reshaped to self's shape with `n` entries along `dim` (a 0-dim source fits a
    1-element block)."""
    shape = list(out.shape)
    shape[dim] = n
    return src.reshape(shape)


def _walk_strides(o, d, index, src=None):
    """The strides of PyTorch's index_fill/index_copy iteration: self with stride 0 along d,
    the index along d only, then the source (0-dim ones seen as 1-dim)."""
    st = [s // o.itemsize for s in o.strides]
    st[d] = 0
    ist = [0] * o.ndim
    ist[d] = index._data.strides[0] // index._data.itemsize if index._data.ndim else 1
    ops = [st, ist]
    if src is not None:
        s1 = at_least_1d(src)
        ops.append([s // s1.itemsize for s in s1.strides])
    return ops


def _to_self(walked, d, idx):
    """The elements of self that walked coordinates of the restrided iteration write."""
    return walked[:d] + (idx[walked[d]],) + walked[d + 1:]


def _dim_and_index(self, dim, index, fn):
    """The wrapped dim, once the index is known to be a tensor."""
    tensor_arg(index, fn, "index", 3)
    return _wrap_dim(dim, self._data.ndim)


# index_add -------------------------------------------------------------------------------

def _check_index_add(args, params):
    self, source = args
    index = params["index"]
    d = _dim_and_index(self, params["dim"], index, "index_add_")
    if index._data.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                         f"{index._data.ndim} with type: {index._dtype.legacy} and size: "
                         f"{size_list(index._data.shape)}")
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
        if not o_shape:     # PyTorch's message reads source.size(dim), which refuses a 0-dim
            raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
        raise RuntimeError(f"index_add_(): Number of indices ({n}) should be equal to "
                           f"source.size(dim): ({src_n}), for dim: {d}")
    if s_shape and o_shape:
        del s_shape[d], o_shape[d]
    if s_shape != o_shape:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {size_list(self._data.shape)} "
                           f"source.shape = {size_list(source._data.shape)}")


def _k_index_add(out, dt, a, src, dim, index, alpha=1):
    idx = index._data.reshape(-1)
    out = target(out, a, src, index._data)
    o = at_least_1d(out)
    d = dim % o.ndim
    if a.ndim > 1 and not (idx.size and a.size):
        return out          # PyTorch's kernel returns before looking at the index
    bad = prefix_writes.first_bad(idx, 0, o.shape[d])    # after the overlap check, as PyTorch
    if bad is not None and a.ndim > 1 and d in (0, a.ndim - 1) and alpha == 1 \
            and index._dtype is dtypes.int64 and src.ndim == a.ndim \
            and all(src.shape[k] == a.shape[k] for k in range(a.ndim) if k != d):
        _index_add_as_scatter(o, d, idx, src)      # raises
    if bad is not None:      # (PyTorch's loop adds the slices before the bad index first)
        raise IndexError("index out of range in self")
    s = _source_block(o, src, d, idx.size)
    if alpha != 1:
        s = xp.multiply(s, alpha, dtype=o.dtype, casting="unsafe")
    add_at_rows(xp.moveaxis(o, d, 0), idx, xp.moveaxis(s, d, 0))
    return out


def _index_add_as_scatter(o, d, idx, src):
    """PyTorch's index_add_ of a source shaped as self (dim aside), alpha 1, along the first or
    last dim: scatter_add_ with the index broadcast over the source, its walk and its error."""
    shape = [1] * src.ndim
    shape[d] = idx.size
    ep = xp.broadcast_to(idx.reshape(shape), src.shape)
    ops = [[k // x.itemsize for k in x.strides] for x in (o, src, ep)]
    bad = prefix_writes.scatter(o, d, ep, ops)[0]
    raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {o.shape[d]}")


def _index_add_source_grad(grad, dim, index, alpha, source_shape):
    gs = grad.index_select(dim, index)
    return (gs if alpha == 1 else gs * alpha).reshape(source_shape)


INDEX_ADD = Op("index_add(Tensor self, dim, index, Tensor source, *, alpha=1)", _k_index_add,
               check=with_inference_overlap(_check_index_add, "index", "source"), **INDEX_OP,
               derivatives={"self": lambda grad: grad, "source": _index_add_source_grad})


# index_copy ------------------------------------------------------------------------------

def _check_index_copy(args, params):
    _dim_and_index(args[0], params["dim"], params["index"], "index_copy_")


def _index_copy_checks(a, src, d, index):
    """index_copy's checks, which PyTorch makes after its overlap check (the kernel's)."""
    s_nd, o_nd = a.ndim, src.ndim
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
    check_long_index(index, "index_copy_")
    if a.dtype != src.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {dtypes.from_numpy_dtype(a.dtype).legacy} and "
                           f"(source) {dtypes.from_numpy_dtype(src.dtype).legacy}")
    s_sl, o_sl = list(a.shape), list(src.shape)
    if s_sl:
        del s_sl[d]
    if o_sl:
        del o_sl[d]
    if s_sl != o_sl:
        raise RuntimeError(
            f"index_copy_(): Source/destination tensor must have same slice shapes. Destination "
            f"slice shape: {' '.join(map(str, s_sl))} at dimension {d} and source slice shape: "
            f"{' '.join(map(str, o_sl))} at dimension 0.")
    if o_nd and n != src.shape[d]:
        raise IndexError(f"index_copy_(): Number of indices ({n}) should be equal to "
                         f"source.size(dim) ({src.shape[d]})")


def _k_index_copy(out, dt, a, src, dim, index):
    idx = index._data.reshape(-1)
    out = target(out, a, src, index._data)
    _index_copy_checks(a, src, _wrap_dim(dim, a.ndim), index)
    o = at_least_1d(out)
    d = dim % o.ndim
    block = _source_block(o, src, d, idx.size)
    bad = prefix_writes.along_dim(o, d, idx, 0, o.shape[d],
                                  lambda: _walk_strides(o, d, index, src))
    if bad is None:
        o[_along(d, idx)] = block
        return out
    p = bad             # (PyTorch's kernel writes what comes before the bad index first)
    raise IndexError(f"index_copy_(): index {int(idx[p])} is out of bounds for dimension {d} "
                     f"with size {o.shape[d]}")


INDEX_COPY = Op("index_copy(Tensor self, dim, index, Tensor source)", _k_index_copy,
                check=with_inference_overlap(_check_index_copy, "index", "source"), **INDEX_OP,
                derivatives={"self": lambda grad, dim, index: grad.index_fill(dim, index, 0),
                             "source": lambda grad, dim, index, source_shape:
                             grad.index_select(dim, index).reshape(source_shape)})


# index_fill ------------------------------------------------------------------------------

def _check_index_fill(args, params):
    self, value = args
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    index = tensor_arg(params["index"], "index_fill_", "index", 3)
    if index._dtype is not dtypes.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    d = _wrap_dim(params["dim"], self._data.ndim)
    if index._data.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if not self._data.size:
        _fill_site_in_storage(self, d, index._data.size)   # bounds: in the kernel


def _fill_site_in_storage(self, d, n):
    """PyTorch's index_fill_ restrides an empty self to `n` entries of stride 0 along d
    (as_strided, which checks the storage); False when that has no elements either."""
    strides = list(self.stride())
    if not any(strides):        # NumPy's for an array made empty; a view keeps its base's
        strides = _contiguous_strides(self._data.shape)
    sizes, strides = list(self._data.shape) or [1], strides or [1]
    sizes[d], strides[d] = n, 0
    if not all(sizes):
        return False
    item, offset = self._data.itemsize, self.storage_offset()
    need = (offset + 1 + sum((k - 1) * st for k, st in zip(sizes, strides))) * item
    have = self._storage.array.nbytes
    if need > have:
        raise RuntimeError(f"setStorage: sizes {size_list(sizes)}, strides {size_list(strides)}, "
                           f"storage offset {offset}, and itemsize {item} requiring a storage "
                           f"size of {need} are out of bounds for storage of size {have}")
    return True


def _contiguous_strides(shape):
    """The strides PyTorch gives an empty tensor made by an op (contiguous: an empty dim counts
    as 1); NumPy gives empty arrays zero strides."""
    strides = [1] * (len(shape) or 1)
    for k in range(len(shape) - 2, -1, -1):
        strides[k] = strides[k + 1] * max(shape[k + 1], 1)
    return strides


def _k_index_fill(out, dt, a, value, dim, index):
    idx = index._data.reshape(-1)
    out = target(out, a, index._data)
    value = fill_value(value, out.dtype)     # the kernel's conversion, before its walk
    o = at_least_1d(out)
    d = dim % o.ndim
    if not idx.size or not all(k for i, k in enumerate(o.shape) if i != d):
        return out          # an empty walk: PyTorch checks no index
    size = o.shape[d]
    bad = prefix_writes.along_dim(o, d, idx, -size, size, lambda: _walk_strides(o, d, index))
    if bad is None:
        o[_along(d, idx)] = value
        return out
    p = bad             # (PyTorch's kernel fills what comes before the bad index first)
    raise IndexError(f"index {int(idx[p])} is out of bounds for dimension {d} with size {size}")


def _index_fill_value_grad(grad, dim, index):
    """index_fill fills each slot once, so a repeated index counts once for the value's grad."""
    u = xp.unique(index._data.reshape(-1))
    return grad.index_select(dim, wrap(u.astype(xp.int64, copy=False), dtypes.int64)).sum()


# the value is a number or a 0-dim tensor (then IndexFillBackward1, with a gradient of its own)
INDEX_FILL = Op("index_fill(Tensor self, dim, index, Scalar value)", _k_index_fill,
                promote="self", writes=(ANY_DTYPE, ANY_SHAPE, EXPANDED_WARNS, OWN_OVERLAP),
                check=with_inference_overlap(_check_index_fill, "index"),
                node=lambda args, params: ("IndexFillBackward1" if isinstance(args[1], Tensor)
                                           else "IndexFillBackward0"),
                derivatives={"self": lambda grad, dim, index: grad.index_fill(dim, index, 0),
                             "value": _index_fill_value_grad})


OPS = [INDEX_ADD, INDEX_COPY, INDEX_FILL]
