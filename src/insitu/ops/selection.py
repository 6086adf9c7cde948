"""Reductions that pick an element rather than combine them: max/min (with or without a dim),
amax/amin, argmax/argmin and median.

The gradient goes back to what was picked: without a dim it is shared by every element that
ties with the result; with a dim it goes to the returned index, which the node keeps (as a
version-checked value) instead of the input.
"""
from ..backend import xp
from ..core import dtypes
from ..core.dtypes import CPP_NAMES
from ..core.tensor import Tensor, _wrap_dim, wrap
from .derivatives import Derivative, record
from .named_results import return_type, return_types
from .pipelines import check_out_grad, write_out
from .reducing import c_contiguous, np_axis, reduced_dims, restore_dims, result_or_out

for _name in ("max", "min", "median", "max_out", "min_out", "median_out"):
    return_type(_name)


# ------------------------------------------------------------------------ max / min family

def _check_nonempty(name, a, dims, exc=RuntimeError, hint=True):
    if dims is None:
        if a.size == 0:
            msg = f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            if hint:
                msg += " Specify the reduction dim with the 'dim' argument."
            raise exc(msg)
        return
    if a.ndim:
        for d in dims:
            if a.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _evenly_distribute(grad, self, result):
    """max()/min()/median() without dim: the gradient is shared by every element that ties."""
    if result._data != result._data:        # NaN result: it came from the NaNs
        mask = self != self
    else:
        mask = self == result
    count = int(mask._data.sum())
    return (grad / count).expand(self.shape).where(mask, 0)


def _value_select(grad, self_shape, dim, keepdim, indices):
    """max/min/median with dim: the gradient goes to the selected index only."""
    if not self_shape:
        return grad
    idx = indices if keepdim else indices.unsqueeze(dim)
    positions = xp.arange(self_shape[dim]).reshape((-1,) + (1,) * (len(self_shape) - dim - 1))
    mask = wrap(positions == idx._data, dtypes.bool_)
    return restore_dims(grad, len(self_shape), (dim,), keepdim).expand(self_shape).where(mask, 0)


_EVENLY = {"self": _evenly_distribute}
_SELECT = {"self": _value_select}
# the node of each op, without a dim and with one
_ALL_NODES = {"max": Derivative("MaxBackward1", _EVENLY),
              "min": Derivative("MinBackward1", _EVENLY),
              "median": Derivative("MedianBackward0", _EVENLY)}
_DIM_NODES = {"max": Derivative("MaxBackward0", _SELECT),
              "min": Derivative("MinBackward0", _SELECT),
              "median": Derivative("MedianBackward1", _SELECT)}


def _amax_grad(grad, self, result, self_shape, dims, keepdim):
    result = restore_dims(result, len(self_shape), dims, keepdim)
    mask = result == self
    g = restore_dims(grad, len(self_shape), dims, keepdim)
    # a multiplication, not a select: a NaN result (no element equals it) gives NaN, as PyTorch
    return (g / mask.sum(dims, keepdim=True)) * mask


def _extreme_all(name, input, out):
    a = input._data
    _check_nonempty(name, a, None)
    res = (xp.max if name == "max" else xp.min)(a)
    t = result_or_out(name, res, input._dtype, (input,), out, input._dtype)
    if out is not None:
        return t
    return record(_ALL_NODES[name], (input,), t)


def _extreme_dim(name, input, dim, keepdim, out):
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    _check_nonempty(name, a, (d,), hint=False)
    if a.ndim == 0:
        vals, idx = a.copy(), xp.zeros((), xp.int64)
    else:
        idx = (xp.argmax if name == "max" else xp.argmin)(a, axis=d, keepdims=True)
        vals = xp.take_along_axis(a, idx, axis=d)
        if not keepdim:
            vals, idx = vals.squeeze(d), idx.squeeze(d)
    return _select_result(name, input, vals, idx, d, keepdim, out)


def _select_result(name, input, vals, idx, d, keepdim, out):
    rtype = getattr(return_types, name)
    if out is not None:
        values_out, indices_out = out
        check_out_grad(name, values_out, (input,))
        got = indices_out._dtype
        if got is not dtypes.int64:         # checked before either out is written
            raise RuntimeError(f"Expected out tensor to have dtype {CPP_NAMES['int64']}, but "
                               f"got {CPP_NAMES[got.name]} instead")
        write_out(name, values_out, vals, (input,), input._dtype)
        write_out(name, indices_out, idx, (input,), dtypes.int64)
        return getattr(return_types, name + "_out")(values_out, indices_out)
    values = wrap(c_contiguous(vals), input._dtype)
    indices = wrap(c_contiguous(idx, xp.int64), dtypes.int64)
    record(_DIM_NODES[name], (input,), values, {"dim": d, "keepdim": keepdim, "indices": indices})
    return rtype(values, indices)


def _extreme(name):
    def extreme(input, dim=None, keepdim=None, *, other=None, out=None):
        if isinstance(dim, Tensor) or other is not None:
            if keepdim is not None:
                raise TypeError(f"{name}() received an invalid combination of arguments")
            other = dim if other is None else other
            fn = input.maximum if name == "max" else input.minimum
            if out is not None:
                # the generated out= forms live only in the insitu namespace (insitu.methods)
                from .. import maximum, minimum
                return (maximum if name == "max" else minimum)(input, other, out=out)
            return fn(other)
        if dim is None:
            if keepdim is not None:
                raise TypeError(f"{name}() received an invalid combination of arguments - got "
                                "(keepdim=bool, ), but expected one of:")
            return _extreme_all(name, input, out)
        return _extreme_dim(name, input, dim, bool(keepdim), out)
    extreme.__name__ = extreme.__qualname__ = name
    return extreme


max = _extreme("max")
max.__doc__ = """insitu.max(input) / max(input, dim, keepdim=False, *, out=None) / max(input,
    other): the largest element (NaN if there is one); along `dim`, the named tuple (values,
    indices); with a tensor `other`, the elementwise `maximum`. Backward: MaxBackward1 without a
    dim (the gradient is shared evenly by the elements equal to the result), MaxBackward0 with
    one (it goes to the returned index, which the node keeps instead of the input)."""
min = _extreme("min")
min.__doc__ = """insitu.min(input) / min(input, dim, keepdim=False, *, out=None) / min(input,
    other): the smallest element (NaN if there is one); along `dim`, the named tuple (values,
    indices); with a tensor `other`, the elementwise `minimum`. Backward: MinBackward1 without a
    dim (shared evenly by the ties), MinBackward0 with one (to the returned index)."""


def _zero_or_nan(res):
    """Whether a float reduction's result holds a zero or a NaN (a scalar read by Python)."""
    if res.ndim == 0:
        v = float(res)
        return v == 0 or v != v
    return not res.all() or xp.isnan(res).any()


def _amax_like(name, reducer, node_name):
    derivative = Derivative(node_name, {"self": _amax_grad})

    def amax(input, dim=(), keepdim=False, *, out=None):
        a = input._data
        dims = reduced_dims(dim, a.ndim)
        _check_nonempty(name, a, dims)
        axis = np_axis(dims, a.ndim)
        res = reducer.reduce(a, axis=axis, keepdims=keepdim)
        # PyTorch keeps the first of equal elements (amax of [0.0, -0.0] is 0.0), NumPy's
        # reduction the last: where that can show (a zero or a NaN picked), reduce the reversed
        # elements
        if a.ndim and a.dtype.kind == "f" and _zero_or_nan(res):
            res = reducer.reduce(xp.flip(a, axis), axis=axis, keepdims=keepdim)
        if out is not None and out._dtype is not input._dtype:
            check_out_grad(name, out, (input,))
            raise RuntimeError(
                f"Expected the dtype for input and out to match, but got {input._dtype.legacy} "
                f"for input's dtype and {out._dtype.legacy} for out's dtype.")
        t = result_or_out(name, res, input._dtype, (input,), out)
        if out is not None:
            return t
        return record(derivative, (input,), t, {"dims": dims, "keepdim": keepdim})
    amax.__name__ = amax.__qualname__ = name
    return amax


amax = _amax_like("amax", xp.maximum, "AmaxBackward0")
amax.__doc__ = """insitu.amax(input, dim=(), keepdim=False, *, out=None): the largest values
    over `dim` (an int or a tuple; all dims by default), without indices. `out=` must have
    input's dtype. Backward: AmaxBackward0 (the gradient is shared evenly by the elements equal
    to each result)."""
amin = _amax_like("amin", xp.minimum, "AminBackward0")
amin.__doc__ = """insitu.amin(input, dim=(), keepdim=False, *, out=None): the smallest values
    over `dim` (all dims by default), without indices. Backward: AminBackward0 (shared evenly by
    the ties)."""


def _arg_extreme(name, reducer):
    def argmax(input, dim=None, keepdim=False, *, out=None):
        a = input._data
        if input._dtype is dtypes.bool_:
            raise RuntimeError(f"{name}(): does not support bool input")
        if dim is None:
            _check_nonempty(name, a, None, IndexError, hint=False)
            res = reducer(a.reshape(-1))
            if keepdim:
                res = xp.reshape(res, (1,) * a.ndim)
        else:
            d = _wrap_dim(dim, a.ndim)
            _check_nonempty(name, a, (d,))
            res = reducer(a, axis=d, keepdims=keepdim) if a.ndim else xp.zeros((), xp.int64)
        return result_or_out(name, res, dtypes.int64, (), out, dtypes.int64)
    argmax.__name__ = argmax.__qualname__ = name
    return argmax


argmax = _arg_extreme("argmax", xp.argmax)
argmax.__doc__ = """insitu.argmax(input, dim=None, keepdim=False, *, out=None): the int64 index
    of the largest element, in the flattened input or along `dim` (the first one among ties; a
    NaN counts as the largest). Bool inputs are refused, as in PyTorch."""
argmin = _arg_extreme("argmin", xp.argmin)
argmin.__doc__ = """insitu.argmin(input, dim=None, keepdim=False, *, out=None): the int64 index
    of the smallest element, in the flattened input or along `dim` (the first one among ties; NaN
    wins)."""


# ------------------------------------------------------------------------ median

def stable_kth(a, k, axis):
    """(values, indices), with `axis` kept, of the element at place k (from 0) of the stable
    ascending sort along `axis`, NaN last, as `argsort(kind="stable")` would pick it. A
    partition finds the value in linear time; its rank among the equal elements (in index order)
    says which of them it is. A NaN at place k goes to the sort."""
    v = xp.take(xp.partition(a, k, axis=axis), [k], axis=axis)
    if a.dtype.kind in "fc" and xp.isnan(v).any():
        pick = xp.take(xp.argsort(a, axis=axis, kind="stable"), [k], axis=axis)
        return xp.take_along_axis(a, pick, axis=axis), pick
    eq = a == v
    rank = k - xp.count_nonzero(a < v, axis=axis, keepdims=True)   # among the equal ones
    if rank.any():
        pick = xp.argmax(xp.cumsum(eq, axis=axis) > rank, axis=axis, keepdims=True)
    else:
        pick = xp.argmax(eq, axis=axis, keepdims=True)              # the first of them
    return xp.take_along_axis(a, pick, axis=axis), pick


def _lower_median(a, axis):
    """(values, indices) of the lower median along `axis`; a NaN anywhere wins, as in PyTorch."""
    k = (a.shape[axis] - 1) // 2
    if a.dtype.kind == "f":
        nan = xp.isnan(a)
        has_nan = nan.any(axis=axis, keepdims=True)
        if has_nan.any():
            pick = xp.take(xp.argsort(a, axis=axis, kind="stable"), [k], axis=axis)
            pick = xp.where(has_nan, xp.argmax(nan, axis=axis, keepdims=True), pick)
            return xp.take_along_axis(a, pick, axis=axis), pick
    return stable_kth(a, k, axis)


def _median_value(a):
    """The lower median of the flat array `a` (NaN if it has one): the value alone."""
    if a.dtype.kind == "f" and xp.isnan(a).any():
        return xp.array(xp.nan, a.dtype)
    return lower_median(a)


def lower_median(a):
    """The lower median of the flat array `a`, which has no NaN, by a partition."""
    k = (a.size - 1) // 2
    v = xp.partition(a, k)[k]
    if v == 0:          # 0.0 or -0.0: which one is the sort's place k says
        return stable_kth(a, k, 0)[0].reshape(())
    return xp.array(v)


def median(input, dim=None, keepdim=False, *, out=None):
    """insitu.median(input, dim=None, keepdim=False, *, out=None): the lower median (of an even
    count, the smaller middle value), NaN where there is a NaN; along `dim`, the named tuple
    (values, indices). Backward: MedianBackward0 without a dim (shared by the ties),
    MedianBackward1 with one (to the returned index)."""
    a = input._data
    if input._dtype is dtypes.bool_:
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'" if dim is None
                                  else "\"median_out\" not implemented for 'Bool'")
    if dim is None:
        if a.size == 0:
            res = xp.array(xp.nan, a.dtype)
        else:
            res = _median_value(a.reshape(-1))
        t = result_or_out("median", res, input._dtype, (input,), out, input._dtype)
        if out is not None:
            return t
        return record(_ALL_NODES["median"], (input,), t)
    d = _wrap_dim(dim, a.ndim)
    _check_nonempty("median", a, (d,))
    if a.ndim == 0:
        vals, idx = a.copy(), xp.zeros((), xp.int64)
    else:
        vals, idx = _lower_median(a, d)
        if not keepdim:
            vals, idx = vals.squeeze(d), idx.squeeze(d)
    return _select_result("median", input, vals, idx, d, keepdim, out)


FUNCTIONS = {"max": max, "min": min, "amax": amax, "amin": amin, "argmax": argmax,
             "argmin": argmin, "median": median, "return_types": return_types}
METHODS = {name: fn for name, fn in FUNCTIONS.items() if name != "return_types"}
