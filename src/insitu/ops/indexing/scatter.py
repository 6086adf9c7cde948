"""Ops that write a source into self through an index or a mask: scatter (a tensor source, or a
value), scatter_add, scatter_reduce, masked_scatter and put.

Each is an `Op`, so its in-place call runs the shared pipeline (guards, one version bump, graph
rewrite) and its out-of-place twin runs the same kernel on a copy. Kernels get `out` (self's
buffer, or None for a copy). The index (or mask) is a parameter, kept version-checked by a
formula that reads it.
"""
import warnings

from ...autograd.grad_mode import mode
from ...autograd.guards import check_autograd
from ...backend import xp, shares_memory
from ...core import dtypes
from ...core.tensor import Tensor, _wrap_dim
from ...creation import ones, zeros
from .. import checks
from ..checks import size_list
from ..parsing import NOT_GIVEN, invalid_combination
from ..pipelines import inplace, outofplace, write_out
from ..shape import cat
from ..table import ANY_DTYPE, ANY_SHAPE, OWN_OVERLAP, Op
from . import prefix_writes
from ._common import (INDEX_OP, at_least_1d, check_flat_bounds, check_index_dtype,
                      check_long_index, coords, first_out_of_range, flat_positions, target,
                      tensor_arg, with_inference_overlap)


# scatter / scatter_add -------------------------------------------------------------------

def _check_scatter(self, dim, index, src=None):
    index = tensor_arg(index, "scatter", "index", 3)
    a = self._data
    d = _wrap_dim(dim, a.ndim)
    idx = index._data
    if idx.size:
        check_index_dtype(index, "scatter")
    if src is not None and src._dtype is not self._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if not idx.size:
        return
    i_nd = max(idx.ndim, 1)
    if max(a.ndim, 1) != i_nd:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    a1, i1 = at_least_1d(a), at_least_1d(idx)
    wrong = any(i1.shape[k] > a1.shape[k] for k in range(i_nd) if k != d)
    if not wrong and src is not None:
        s1 = src._data
        for k in range(i_nd):
            # PyTorch reads src.size(k) (1 for a 0-dim src): an IndexError past its dims
            if i1.shape[k] > (s1.shape[_wrap_dim(k, s1.ndim)] if s1.ndim else 1):
                wrong = True
                break
    if src is not None and max(src._data.ndim, 1) != i_nd:   # after the sizes, as PyTorch
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if wrong:
        msg = (f"Expected index {size_list(idx.shape)} to be no larger than self "
               f"{size_list(a.shape)} apart from dimension {d}")
        if src is not None:
            msg += f" and to be no larger size than src {size_list(src._data.shape)}"
        raise RuntimeError(msg)


def _check_reduce(reduce):
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")


def _site(out, a, src, index, dim, walk_src=True):
    """(the array written, the view of it the index addresses, the places the index names in
    that view, the index, and None or the first index out of range in PyTorch's walk: see
    `prefix_writes.scatter`), or the array alone when the index is empty. Once every index is
    known to be in range, a C-contiguous array is addressed flat (one index: NumPy's fast
    loops, visiting the elements in the same order), any other through coordinates."""
    idx = at_least_1d(index._data)
    out = target(out, a, src, index._data)
    if not idx.size:
        return out, None, None, idx, None
    o = at_least_1d(out)
    d = dim % o.ndim
    if first_out_of_range(idx, o.shape[d]) is not None:  # after the overlap check, as PyTorch
        return out, o, coords(idx, d), idx, prefix_writes.scatter(o, d, idx, _walk_strides(
            o, src if walk_src else None, idx))
    if o.flags.c_contiguous:
        return out, o.reshape(-1), flat_positions(idx, d, o.shape), idx, None
    return out, o, coords(idx, d), idx, None


def _source(src, idx, flat):
    """The source values the index places: src's leading block of the index's shape (flat when
    the places are)."""
    values = at_least_1d(src)[tuple(slice(0, n) for n in idx.shape)]
    return values.reshape(-1) if flat else values


def _walk_strides(o, src, idx):
    """The strides of PyTorch's scatter iteration, in elements: self, the source, the index."""
    ops = [o] if src is None else [o, at_least_1d(src)]
    return [[s // x.itemsize for s in x.strides] for x in ops + [idx]]


def _out_of_bounds(o, dim, walk):
    d = dim % o.ndim
    return RuntimeError(f"index {walk[0]} is out of bounds for dimension {d} with size "
                        f"{o.shape[d]}")


def _scatter_write(out, a, dim, index, value, reduce, src=None):
    out, o, at, idx, walk = _site(out, a, src, index, dim)
    if o is None:
        return out
    if src is not None:
        value = _source(src, idx, o.ndim == 1)
    else:
        try:
            value = checks.fill_value(value, o.dtype)   # at each element, after its bounds check
        except RuntimeError:
            if walk is not None and walk[1]:
                raise _out_of_bounds(o, dim, walk) from None    # the first element is bad
            raise
    if walk is not None:        # (PyTorch's kernel writes what comes before first)
        raise _out_of_bounds(o, dim, walk)
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


with_inference_overlap(_check_scatter_args, "index", "source")


# scatter.src and scatter.value are PyTorch's two overloads (scatter_ below parses which one a call
# is: `src` or `value`, positional or by keyword)
SCATTER = Op("scatter(Tensor self, Tensor src, dim, index, reduce=None, aten='scatter')",
             _k_scatter, variants="", check=_check_scatter_args, node=_scatter_node(
                 "ScatterBackward0"), **INDEX_OP,
             derivatives={"self": _scatter_self_grad, "src": _scatter_src_grad_checked})
SCATTER_VALUE = Op("scatter(Tensor self, dim, index, value, reduce=None, aten='scatter')",
                   _k_scatter_value, variants="", check=_check_scatter_args,
                   node=_scatter_node("ScatterBackward1"), **INDEX_OP,
                   derivatives={"self": _scatter_self_grad})
SCATTER_ADD = Op("scatter_add(Tensor self, dim, index, Tensor src)", _k_scatter_add,
                 **INDEX_OP,
                 check=with_inference_overlap(lambda a, p: _check_scatter(
                     a[0], p["dim"], p["index"], a[1]), "index", "source"),
                 derivatives={"self": lambda grad: grad, "src": _scatter_src_grad})


def _scatter_call(run, aten, self, dim, index, src, value, reduce):
    if src is None or value is None or src is value:    # None given, or neither: no overload
        raise TypeError(_no_overload(aten, dim, index, src, value, reduce))
    src = None if src is NOT_GIVEN else src
    value = None if value is NOT_GIVEN else value
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src          # scatter(dim, index, 2.0): the value overload
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


def _no_overload(aten, dim, index, src, value, reduce):
    """PyTorch's argument-parser refusal of a scatter call that matches no overload (src or
    value given as None, or neither given), worded for the method (`x.scatter_(0, i, None)`).
    `src` is read as given by position, `value` by keyword."""
    args = [dim, index] + ([src] if src is not NOT_GIVEN else [])
    kwargs = {k: v for k, v in (("value", value), ("reduce", reduce))
              if v is not NOT_GIVEN and v is not None or k == "value" and v is None}
    text = invalid_combination(aten, args, kwargs)
    why = {}
    if reduce is None and len(args) == 3 and not kwargs:
        why = dict.fromkeys(("src", "value"), "some of the arguments have invalid types: "
                            "(int, Tensor, !NoneType!)")
    elif reduce is None and len(args) == 2 and list(kwargs) == ["value"]:
        why = {"src": "some of the keywords were incorrect: value",
               "value": "some of the arguments have invalid types: (int, Tensor, !value=NoneType!)"}
    for name, last in (("src", "Tensor src"), ("value", "Number value")):
        text += f" * (int dim, Tensor index, {last})\n"
        if name in why:
            text += f"      didn't match because {why[name]}\n"
        text += f" * (int dim, Tensor index, {last}, *, str reduce)\n"
    return text


def scatter_(self, dim, index, src=NOT_GIVEN, value=NOT_GIVEN, *, reduce=None):
    """Tensor.scatter_(dim, index, src=None, value=None, *, reduce=None): writes `src[i][j]` (or the
    number `value`) into `self[index[i][j]][j]` for dim 0, likewise along any `dim`; `reduce`
    "add" or "multiply" combines instead of overwriting (PyTorch's deprecated form, with its
    warning for a tensor src). In place: bumps self's version, returns self. Backward:
    ScatterBackward0 (a src tensor) or ScatterBackward1 (a value); with `reduce` there is no
    derivative, as in PyTorch. Unlike PyTorch, a `src` larger than the index gets a zero-padded
    gradient instead of an error."""
    return _scatter_call(inplace, "scatter_", self, dim, index, src, value, reduce)


def scatter(input, dim, index, src=NOT_GIVEN, value=NOT_GIVEN, *, reduce=None, out=None):
    """insitu.scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None): the
    out-of-place `Tensor.scatter_`: a copy of input with the scattered values written in."""
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
    # without self, PyTorch first scatters the identity (no source in that walk)
    out, o, at, idx, walk = _site(out, a, src, index, dim, walk_src=include_self)
    if reduce == "mean" and a.dtype == xp.bool_:
        # PyTorch has no bool loop for the mean's scatter (which runs after the identity's
        # scatter, without self), nor for its division by the counts (which an empty index,
        # scattering nothing, reaches)
        if o is None:
            raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
        if walk is not None and not include_self:
            raise _out_of_bounds(o, dim, walk)
        raise NotImplementedError('"scatter_gather_tensor_cpu_reduce_mean" not implemented for '
                                  "'Bool'")
    if o is None:
        return out
    values = _source(src, idx, o.ndim == 1)
    if walk is not None:        # (PyTorch's kernel writes what comes before first)
        raise _out_of_bounds(o, dim, walk)
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
                    check=with_inference_overlap(_check_scatter_reduce, "index", "source"),
                    **INDEX_OP,
                    computed={"kept_self": lambda i, p: _values_for(i, p, 0),
                              "kept_src": lambda i, p: _values_for(i, p, 1)},
                    derivatives={("self", "src"): _scatter_reduce_backward})


# masked_scatter --------------------------------------------------------------------------

def _check_masked_scatter(self, mask, source):
    tensor_arg(mask, "masked_scatter_", "mask", 1)
    tensor_arg(source, "masked_scatter_", "source", 2)
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
    if out is None:
        out = xp.broadcast_to(a, shape).copy()
    elif out is not a:
        xp.copyto(out, a)
    count = int(m.sum())
    flat = src.reshape(-1)
    if count <= src.size and not shares_memory(out, src):
        out[m] = flat[:count]
        return out
    # PyTorch walks self in row-major order, writing the next source element at each True:
    # a short source is written as far as it goes before the error, and a contiguous source
    # that is self's own memory is read as the walk leaves it
    if count > src.size:      # (PyTorch writes as far as the source goes first)
        raise RuntimeError("Number of elements of source < number of ones in mask")
    o = at_least_1d(out)
    where = xp.unravel_index(xp.flatnonzero(m)[:src.size], o.shape)
    n = where[0].size
    if shares_memory(out, src):
        vals = _read_as_written(o, where, flat, n) if src.flags.c_contiguous else flat[:n].copy()
    else:
        vals = flat[:n]
    o[where] = vals
    return out


def _read_as_written(out, where, flat, n):
    """The values a serial walk reads from `flat` (a contiguous view of `out`'s memory) while it
    writes them, one by one, to `out[where]`: the k-th read sees the k-th original element, or
    what an earlier write left at that address (followed back to the first, by pointer jumping)."""
    base = out.__array_interface__["data"][0]
    waddr = xp.full(n, base, dtype=xp.int64)
    for c, st in zip(where, out.strides):
        waddr += c.astype(xp.int64) * st
    raddr = flat.__array_interface__["data"][0] + xp.arange(n, dtype=xp.int64) * flat.itemsize
    order = xp.argsort(waddr, kind="stable")
    ws = waddr[order]
    j = xp.minimum(xp.searchsorted(ws, raddr), n - 1)
    writer = order[j]
    k = xp.arange(n)
    parent = xp.where((ws[j] == raddr) & (writer < k), writer, k)
    while True:
        nxt = parent[parent]
        if xp.array_equal(nxt, parent):
            break
        parent = nxt
    return flat[:n].copy()[parent]


def _masked_scatter_source_grad(grad, mask, source_shape):
    picked = grad.masked_select(mask)
    numel = 1
    for k in source_shape:
        numel *= k
    rest = numel - picked._data.size
    if rest:
        picked = cat([picked, picked.new_zeros((rest,))])
    return picked.reshape(source_shape)


# PyTorch does not check the source's overlap with self (its walk reads what it left there)
MASKED_SCATTER = Op("masked_scatter(Tensor self, Tensor source, mask, shape)", _k_masked_scatter,
                    variants="", promote="same", writes=(ANY_DTYPE, ANY_SHAPE, OWN_OVERLAP),
                    derivatives={"self": lambda grad, mask: grad.masked_fill(mask, 0),
                                 "source": _masked_scatter_source_grad})


def masked_scatter_(self, mask, source):
    """Tensor.masked_scatter_(mask, source): copies the leading elements of `source`, in order, into
    self where the bool `mask` (broadcast to self's shape) is True. In place: bumps self's
    version, returns self. Backward: MaskedScatterBackward0."""
    tensor_arg(mask, "masked_scatter_", "mask", 1)
    tensor_arg(source, "masked_scatter_", "source", 2)
    if mode.grad and (self._requires_grad or source._requires_grad):
        check_autograd(self, source._requires_grad)   # PyTorch's guards come before its checks
    _check_masked_scatter(self, mask, source)
    shape = self._data.shape
    if mask._data.shape != shape:
        mask.expand(shape)         # PyTorch's message when the mask cannot fill self
    return inplace(MASKED_SCATTER, (self, source), {"mask": mask, "shape": shape})


def masked_scatter(input, mask, source):
    """insitu.masked_scatter(input, mask, source): the out-of-place `Tensor.masked_scatter_`, at the
    broadcast shape of input and mask."""
    _check_masked_scatter(input, mask, source)
    shape = tuple(checks.broadcast_shapes(input._data.shape, mask._data.shape))
    return outofplace(MASKED_SCATTER, (input, source), {"mask": mask, "shape": shape})


# put -------------------------------------------------------------------------------------

def _check_put(args, params):
    self, source = args
    index = tensor_arg(params["index"], "put_", "index", 1)
    check_long_index(index, "put_")
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


def _k_put(out, dt, a, src, index, accumulate=False):
    idx = index._data.reshape(-1)
    out = target(out, a, src, index._data)
    if not idx.size:
        return out
    values = src.reshape(-1)
    bad = prefix_writes.first_bad(idx, -out.size, out.size)
    if bad is not None:        # (PyTorch's kernel writes what comes before first)
        idx, values = idx[:0], values[:0]
    # a contiguous self is written through a flat view; any other through a flat copy
    flat = out.reshape(-1) if out.flags.c_contiguous else out.ravel()
    if accumulate:
        xp.add.at(flat, idx, values)
    else:
        flat[idx] = values
    if not out.flags.c_contiguous:
        out[...] = flat.reshape(out.shape)
    if bad is not None:
        check_flat_bounds(index._data.reshape(-1)[bad:bad + 1], out.size)
    return out


PUT = Op("put(Tensor self, index, Tensor source, accumulate=False)", _k_put,
         check=with_inference_overlap(_check_put, "index", "source"), **INDEX_OP,
         derivatives={"self": lambda grad, index, accumulate:
                      grad if accumulate else grad.put(index, grad.new_zeros(index.shape)),
                      # PyTorch's reshape_as(source) keeps source itself (version-checked)
                      "source": lambda grad, index, source:
                      grad.take(index).reshape_as(source)})


OPS = [SCATTER, SCATTER_VALUE, SCATTER_ADD, SCATTER_REDUCE, MASKED_SCATTER, PUT]
FUNCTIONS = {"scatter": scatter, "masked_scatter": masked_scatter}
METHODS = {"scatter": scatter, "scatter_": scatter_, "masked_scatter": masked_scatter,
           "masked_scatter_": masked_scatter_}
