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
from ._common import (INDEX_OP, at_least_1d, check_bounds, check_long_index,
                      first_out_of_range, target, tensor_arg)


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
    out = target(out, a, src, idx)
    o = at_least_1d(out)
    d = dim % o.ndim
    check_bounds(idx, d, o.shape[d])   # after the overlap check (in the kernel, as PyTorch's)
    s = _source_block(o, src, d, idx.size)
    if alpha != 1:
        s = xp.multiply(s, alpha, dtype=o.dtype, casting="unsafe")
    add_at_rows(xp.moveaxis(o, d, 0), idx, xp.moveaxis(s, d, 0))
    return out


def _index_add_source_grad(grad, dim, index, alpha, source_shape):
    gs = grad.index_select(dim, index)
    return (gs if alpha == 1 else gs * alpha).reshape(source_shape)


INDEX_ADD = Op("index_add(Tensor self, dim, index, Tensor source, *, alpha=1)", _k_index_add,
               check=_check_index_add, **INDEX_OP,
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
    size = a.shape[d] if s_nd else 1
    bad = first_out_of_range(index._data.reshape(-1), size)
    if bad is not None:
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} with "
                         f"size {size}")


def _k_index_copy(out, dt, a, src, dim, index):
    idx = index._data.reshape(-1)
    out = target(out, a, src, idx)
    _index_copy_checks(a, src, _wrap_dim(dim, a.ndim), index)
    o = at_least_1d(out)
    d = dim % o.ndim
    o[_along(d, idx)] = _source_block(o, src, d, idx.size)
    return out


INDEX_COPY = Op("index_copy(Tensor self, dim, index, Tensor source)", _k_index_copy,
                check=_check_index_copy, **INDEX_OP,
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
    size = self._data.shape[d] if self._data.ndim else 1
    bad = first_out_of_range(index._data.reshape(-1), size, allow_negative=True)
    if bad is not None:
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")


def _k_index_fill(out, dt, a, value, dim, index):
    idx = index._data.reshape(-1)
    value = fill_value(value, out.dtype if out is not None else a.dtype)
    out = target(out, a, idx)
    o = at_least_1d(out)
    o[_along(dim % o.ndim, idx)] = value
    return out


def _index_fill_value_grad(grad, dim, index):
    """index_fill fills each slot once, so a repeated index counts once for the value's grad."""
    u = xp.unique(index._data.reshape(-1))
    return grad.index_select(dim, wrap(u.astype(xp.int64, copy=False), dtypes.int64)).sum()


# the value is a number or a 0-dim tensor (then IndexFillBackward1, with a gradient of its own)
INDEX_FILL = Op("index_fill(Tensor self, dim, index, Scalar value)", _k_index_fill,
                promote="self", writes=(ANY_DTYPE, ANY_SHAPE, EXPANDED_WARNS, OWN_OVERLAP),
                check=_check_index_fill,
                node=lambda args, params: ("IndexFillBackward1" if isinstance(args[1], Tensor)
                                           else "IndexFillBackward0"),
                derivatives={"self": lambda grad, dim, index: grad.index_fill(dim, index, 0),
                             "value": _index_fill_value_grad})


OPS = [INDEX_ADD, INDEX_COPY, INDEX_FILL]
