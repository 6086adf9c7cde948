"""Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, std/var, norm, any/all,
count_nonzero, cumsum/cumprod, logsumexp, softmax/log_softmax, median, nansum/nanmean.

They don't fit the elementwise pipelines (the result has another shape), so each is a plain
function: NumPy computes the value, `_record` attaches a node named like PyTorch's whose formula
is written with insitu ops (so it is differentiable again), and `_to_out` implements `out=`.
Formulas are module-level functions reading what they need from `n.params` and saved tensors,
so one node class per formula is generated, not one per call.
"""
import builtins
import math
import warnings

from ..autograd.grad_mode import mode
from ..autograd.node import OpNode, node_class
from ..autograd.recorder import edge
from ..autograd.saved import SavedTensor
from ..autograd.versions import write
from ..backend import xp
from ..core import dtypes
from ..core.dtypes import CPP_NAMES
from ..core.tensor import Tensor, _wrap_dim
from ..core.tensor import wrap
from .derivatives import Derivative, record
from .pipelines import write_out
from .table import Op

_new = object.__new__
_INF = float("inf")


# ------------------------------------------------------------------------ helpers

def _dims(dim, ndim):
    """Reduced dims, wrapped and sorted; None means every dim (as does an empty list)."""
    if dim is None:
        return None
    if isinstance(dim, int):
        return (_wrap_dim(dim, ndim),)
    dims = [_wrap_dim(d, ndim) for d in dim]
    if not dims:
        return None
    if len(set(dims)) != len(dims):
        seen = set()
        for d in dims:
            if d in seen:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
            seen.add(d)
    return tuple(sorted(dims))


def _axis(dims, ndim):
    """NumPy's axis for `dims`: a 0-dim tensor accepts dim 0/-1 but NumPy has no axis there."""
    return None if dims is None or ndim == 0 else dims


def _count(shape, dims):
    n = 1
    for i, s in enumerate(shape):
        if dims is None or i in dims:
            n *= s
    return n


def _acc(np_dt):
    """Accumulation dtype: float16 sums in float32, as PyTorch's CPU kernels do."""
    return xp.float32 if np_dt == xp.float16 else np_dt


class _NoDim:
    """The default of sum/mean's dim: PyTorch picks another overload (and node name,
    SumBackward0 vs SumBackward1) when dim is passed at all, even as None."""
    __slots__ = ()

    def __repr__(self):
        return "None"


_NO_DIM = _NoDim()
_add_reduce = xp.add.reduce     # xp.sum minus its Python-level dispatch


def _sum_dtype(dt, dtype):
    if dtype is not None:
        return dtypes.to_dtype(dtype)
    return dtypes.int64 if dt.category < 2 else dt


def _cast(t, dt):
    """t converted to dtype dt (differentiable: ToCopyBackward0), or t itself."""
    if t._dtype is dt:
        return t
    out = wrap(t._data.astype(dt.np), dt)
    if dt.is_floating_point:
        _record(out, "ToCopyBackward0", _to_copy_backward, (t,))
    return out


def _to_copy_backward(n, g):
    return (g,)        # cast back to the input's dtype by OpNode.apply


class _RecordedNode(OpNode):
    """Node of an op recorded by `_record`. Its formula is written with insitu ops only, so it
    never runs on bare NumPy arrays (OpNode's shortcut when no graph is built); OpNode.apply
    gives each gradient back its input's dtype (sum(x, dtype=...), cat of mixed dtypes)."""
    __slots__ = ()
    np_ok = False


_classes = {}


def _record(out, node_name, formula, inputs, saved=None, params=None):
    """Attach a `node_name` node to `out` when grad mode is on and some input requires grad (the
    generic recorder of the ops that don't fit the table pipelines: reductions, shape, linalg).

    `formula` is module-level, so one node class per formula is made, not one per call. `saved`
    maps a name to (tensor, is_output): version-checked tensors the formula reads as n.<name>."""
    if not mode.grad:
        return out
    needs = tuple([t._requires_grad for t in inputs])
    if True not in needs:
        return out
    if not out._dtype.is_floating_point:      # sum(x, dtype=insitu.int64) of a grad-requiring x
        raise RuntimeError(f"Autograd not support dtype: {out._dtype.legacy}")
    cls = _classes.get((node_name, formula))
    if cls is None:
        cls = _classes[(node_name, formula)] = node_class(node_name, formula, node_name,
                                                           base=_RecordedNode)
    node = _new(cls)
    node.next_functions = tuple([edge(t) if need else (None, 0)
                                 for t, need in zip(inputs, needs)])
    node.needs = needs
    node.params = params or {}
    node.in_meta = tuple([(t._data.shape, t._dtype) for t in inputs])
    node.saved = {}
    if saved:
        for name, (t, is_out) in saved.items():
            node.saved[name] = SavedTensor(t, node_name, is_out)
    out._grad_fn = node
    out._requires_grad = True
    return out


def _check_out_grad(name, out, inputs):
    if mode.grad and (out._requires_grad or builtins.any(t._requires_grad for t in inputs)):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad.")


def _dtype_mismatch(expected, got):
    return RuntimeError(f"Expected out tensor to have dtype {CPP_NAMES[expected.name]}, but got "
                        f"{CPP_NAMES[got.name]} instead")


_to_out = write_out


def _finish(name, arr, dt, inputs, out, exact=None):
    """The result tensor, or the value written into `out`."""
    if out is not None:
        return _to_out(name, out, xp.asarray(arr), inputs, exact)
    arr = xp.asarray(arr)
    if arr.dtype != dt.np:
        arr = arr.astype(dt.np)
    return wrap(arr, dt)


def _contiguous(arr, dtype=None):
    """C-contiguous (np.ascontiguousarray would turn a 0-dim array into a 1-dim one)."""
    if dtype is not None and arr.dtype != dtype:
        return arr.astype(dtype)
    return arr if arr.flags.c_contiguous else arr.copy()


def _restore(g, ndim, dims, keepdim):
    """Give a reduced gradient back its reduced dims (as size 1), ready to broadcast."""
    if keepdim or ndim == 0:
        return g
    if dims is None:
        return g.reshape((1,) * ndim)
    for d in dims:
        g = g.unsqueeze(d)
    return g


def _expand_back(g, in_shape, dims, keepdim):
    """Gradient of a reduction, broadcast back to the input's shape."""
    return _restore(g, len(in_shape), dims, keepdim).expand(in_shape)


# ------------------------------------------------------------------------ sum / mean / prod

def _sum_backward(n, g):
    p = n.params
    return (_expand_back(g, p["shape"], p["dims"], p["keepdim"]),)


def sum(input, dim=_NO_DIM, keepdim=False, *, dtype=None, out=None):
    a = input._data
    overload = 0 if dim is _NO_DIM and not keepdim else 1
    dims = _dims(None if dim is _NO_DIM else dim, a.ndim)
    if out is not None and dtype is None:
        rdt = out._dtype          # PyTorch sums in out's dtype (float -> int truncates first)
    else:
        rdt = _sum_dtype(input._dtype, dtype)
    res = _add_reduce(a, _axis(dims, a.ndim), _acc(rdt.np), keepdims=keepdim)
    if out is not None:
        return _to_out("sum", out, xp.asarray(res), (input,),
                       rdt if dtype is not None else None)
    if res.__class__ is not xp.ndarray:
        res = xp.asarray(res)
    if res.dtype != rdt.np:
        res = res.astype(rdt.np)
    t = wrap(res, rdt)
    if input._requires_grad and mode.grad:
        _record(t, "SumBackward1" if overload else "SumBackward0",
                _sum_backward, (input,), params={"shape": a.shape, "dims": dims,
                                                 "keepdim": keepdim})
    return t


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    a = input._data
    dims = _dims(dim, a.ndim)
    rdt = _sum_dtype(input._dtype, dtype)
    res = xp.nansum(a, axis=_axis(dims, a.ndim), keepdims=keepdim, dtype=_acc(rdt.np))
    t = _finish("nansum", res, rdt, (input,), out)
    return _record(t, "NansumBackward0", _nansum_backward, (input,),
                   {"self": (input, False)}, {"shape": a.shape, "dims": dims, "keepdim": keepdim})


def _nansum_backward(n, g):
    p = n.params
    x = n.self
    return (_expand_back(g, p["shape"], p["dims"], p["keepdim"]).masked_fill(x != x, 0),)


def _mean_dtype(input, dtype):
    if dtype is not None:
        rdt = dtypes.to_dtype(dtype)
        if not rdt.is_floating_point:
            raise RuntimeError(
                "mean(): could not infer output dtype. Optional dtype must be either a floating "
                f"point or complex dtype. Got: {rdt.legacy}")
        return rdt
    if input._dtype.category < 2:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input._dtype.legacy}")
    return input._dtype


def _mean_backward(n, g):
    p = n.params
    return (_expand_back(g, p["shape"], p["dims"], p["keepdim"]) / p["count"],)


def mean(input, dim=_NO_DIM, keepdim=False, *, dtype=None, out=None):
    a = input._data
    overload = 0 if dim is _NO_DIM and not keepdim else 1
    dim = None if dim is _NO_DIM else dim
    rdt = _mean_dtype(input, dtype)
    if out is not None and dtype is None:
        rdt = out._dtype if out._dtype.is_floating_point else rdt
    dims = _dims(dim, a.ndim)
    count = _count(a.shape, None if a.ndim == 0 else dims)
    res = xp.sum(a, axis=_axis(dims, a.ndim), keepdims=keepdim, dtype=_acc(rdt.np))
    res = xp.true_divide(res, count) if count else xp.true_divide(res, 0)
    t = _finish("mean", res, rdt, (input,), out, rdt if dtype is not None else None)
    if out is not None:
        return t
    return _record(t, "MeanBackward1" if overload else "MeanBackward0",
                   _mean_backward, (input,),
                   params={"shape": a.shape, "dims": dims, "keepdim": keepdim, "count": count})


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if not input._dtype.is_floating_point and dtype is None:
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{input._dtype.legacy}")
    x = _cast(input, dtypes.to_dtype(dtype)) if dtype is not None else input
    kept = (x == x)
    res = nansum(x, dim, keepdim) / sum(kept, dim, keepdim)
    if out is not None:
        return _to_out("nanmean", out, res._data, (input,))
    return res


def _prod_others(a, axis):
    """Product of all other elements along `axis` (exact with zeros): exclusive prefix times
    exclusive suffix products."""
    n = a.shape[axis]
    ones = xp.ones_like(xp.take(a, [0], axis=axis))
    left = xp.cumprod(xp.concatenate([ones, xp.take(a, range(n - 1), axis=axis)], axis), axis)
    rev = xp.flip(a, axis)
    right = xp.cumprod(xp.concatenate([ones, xp.take(rev, range(n - 1), axis=axis)], axis), axis)
    return left * xp.flip(right, axis)


def _prod_backward(n, g):
    p = n.params
    x, result = n.self, n.result
    shape, dims, keepdim = p["shape"], p["dims"], p["keepdim"]
    if not shape:
        return (g,)
    g = _restore(g, len(shape), dims, keepdim)
    result = _restore(result, len(shape), dims, keepdim)
    xd = x._data
    if not (xd == 0).any():
        return (g * (result / x),)
    # zeros: the product of the others, computed directly (first-order exact)
    if dims is None:
        others = _prod_others(xd.reshape(-1), 0).reshape(shape)
    else:
        others = _prod_others(xd, dims[0])
    return (g * wrap(others.astype(xd.dtype, copy=False), x._dtype),)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    a = input._data
    if dim is not None and not isinstance(dim, int):
        raise TypeError("prod(): argument 'dim' must be int, not " + type(dim).__name__)
    dims = None if dim is None else (_wrap_dim(dim, a.ndim),)
    rdt = _sum_dtype(input._dtype, dtype)
    if out is not None and dtype is None:
        rdt = out._dtype
    res = xp.prod(a, axis=_axis(dims, a.ndim), keepdims=keepdim and dim is not None,
                  dtype=_acc(rdt.np))
    t = _finish("prod", res, rdt, (input,), out)
    if out is not None:
        return t
    return _record(t, "ProdBackward0" if dim is None else "ProdBackward1", _prod_backward,
                   (input,), {"self": (input, False), "result": (t, True)},
                   {"shape": a.shape, "dims": dims, "keepdim": keepdim and dim is not None})


# ------------------------------------------------------------------------ max / min family

class _ReturnType(tuple):
    """PyTorch's torch.return_types structs: a 2-tuple with named fields."""
    __slots__ = ()
    _fields = ("values", "indices")
    n_fields = n_sequence_fields = 2

    def __new__(cls, values, indices):
        return tuple.__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return (f"insitu.return_types.{type(self).__name__}(\nvalues={self[0]!r},\n"
                f"indices={self[1]!r})")

    def __reduce__(self):
        return (type(self), tuple(self))


class return_types:
    """insitu.return_types: the named results of max/min/median with a dim, sort and topk."""


def _return_type(name):
    """The result struct insitu.return_types.<name>, registered there."""
    cls = type(name, (_ReturnType,), {"__slots__": (), "__module__": "insitu.return_types"})
    cls.__qualname__ = name
    setattr(return_types, name, cls)
    return cls


for _name in ("max", "min", "median", "max_out", "min_out", "median_out"):
    _return_type(_name)


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


def _evenly_distribute_backward(n, g):
    """max()/min()/median() without dim: the gradient is shared by every element that ties."""
    x, value = n.self, n.result
    if value._data != value._data:          # NaN result: it came from the NaNs
        mask = x != x
    else:
        mask = x == value
    count = int(mask._data.sum())
    return ((g / count).expand(x.shape).where(mask, 0),)


def _value_select_backward(n, g):
    """max/min/median with dim: the gradient goes to the selected index only."""
    p = n.params
    shape, d, keepdim = p["shape"], p["dim"], p["keepdim"]
    if not shape:
        return (g,)
    idx = n.indices
    if not keepdim:
        idx = idx.unsqueeze(d)
    positions = xp.arange(shape[d]).reshape((-1,) + (1,) * (len(shape) - d - 1))
    mask = wrap(positions == idx._data, dtypes.bool_)
    return (_restore(g, len(shape), (d,), keepdim).expand(shape).where(mask, 0),)


def _amax_backward(n, g):
    p = n.params
    shape, dims, keepdim = p["shape"], p["dims"], p["keepdim"]
    x = n.self
    result = _restore(n.result, len(shape), dims, keepdim)
    mask = result == x
    g = _restore(g, len(shape), dims, keepdim)
    # a multiplication, not a select: a NaN result (no element equals it) gives NaN, as PyTorch
    return ((g / sum(mask, dims, keepdim=True)) * mask,)


def _extreme_all(name, input, out):
    a = input._data
    _check_nonempty(name, a, None)
    res = (xp.max if name == "max" else xp.min)(a)
    t = _finish(name, res, input._dtype, (input,), out, input._dtype)
    if out is not None:
        return t
    return _record(t, "MaxBackward1" if name == "max" else "MinBackward1",
                   _evenly_distribute_backward, (input,),
                   {"self": (input, False), "result": (t, True)})


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
    return _select_result(name, input, vals, idx, d, keepdim, out,
                          "MaxBackward0" if name == "max" else "MinBackward0")


def _select_result(name, input, vals, idx, d, keepdim, out, node_name):
    rtype = getattr(return_types, name)
    if out is not None:
        values_out, indices_out = out
        _check_out_grad(name, values_out, (input,))
        if indices_out._dtype is not dtypes.int64:
            raise _dtype_mismatch(dtypes.int64, indices_out._dtype)
        _to_out(name, values_out, vals, (input,), input._dtype)
        _to_out(name, indices_out, idx, (input,), dtypes.int64)
        return getattr(return_types, name + "_out")(values_out, indices_out)
    values = wrap(_contiguous(vals), input._dtype)
    indices = wrap(_contiguous(idx, xp.int64), dtypes.int64)
    _record(values, node_name, _value_select_backward, (input,),
            {"indices": (indices, False)},
            {"shape": input._data.shape, "dim": d, "keepdim": keepdim})
    return rtype(values, indices)


def _extreme(name):
    def extreme(input, dim=None, keepdim=None, *, other=None, out=None):
        if isinstance(dim, Tensor) or other is not None:
            if keepdim is not None:
                raise TypeError(f"{name}() received an invalid combination of arguments")
            other = dim if other is None else other
            fn = input.maximum if name == "max" else input.minimum
            if out is not None:
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
min = _extreme("min")


def _amax_like(name, reducer, node_name):
    def amax(input, dim=(), keepdim=False, *, out=None):
        a = input._data
        dims = _dims(dim, a.ndim)
        _check_nonempty(name, a, dims)
        res = reducer(a, axis=_axis(dims, a.ndim), keepdims=keepdim)
        if out is not None and out._dtype is not input._dtype:
            _check_out_grad(name, out, (input,))
            raise RuntimeError(
                f"Expected the dtype for input and out to match, but got {input._dtype.legacy} "
                f"for input's dtype and {out._dtype.legacy} for out's dtype.")
        t = _finish(name, res, input._dtype, (input,), out)
        if out is not None:
            return t
        return _record(t, node_name, _amax_backward, (input,),
                       {"self": (input, False), "result": (t, True)},
                       {"shape": a.shape, "dims": dims, "keepdim": keepdim})
    amax.__name__ = amax.__qualname__ = name
    return amax


amax = _amax_like("amax", xp.amax, "AmaxBackward0")
amin = _amax_like("amin", xp.amin, "AminBackward0")


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
        return _finish(name, res, dtypes.int64, (), out, dtypes.int64)
    argmax.__name__ = argmax.__qualname__ = name
    return argmax


argmax = _arg_extreme("argmax", xp.argmax)
argmin = _arg_extreme("argmin", xp.argmin)


# ------------------------------------------------------------------------ median

def _lower_median(a, axis):
    """(values, indices) of the lower median along `axis`; a NaN anywhere wins, as in PyTorch."""
    n = a.shape[axis]
    order = xp.argsort(a, axis=axis, kind="stable")
    pick = xp.take(order, [(n - 1) // 2], axis=axis)
    if a.dtype.kind == "f":
        nan = xp.isnan(a)
        has_nan = nan.any(axis=axis, keepdims=True)
        if has_nan.any():
            first_nan = xp.argmax(nan, axis=axis, keepdims=True)
            pick = xp.where(has_nan, first_nan, pick)
    return xp.take_along_axis(a, pick, axis=axis), pick


def median(input, dim=None, keepdim=False, *, out=None):
    a = input._data
    if input._dtype is dtypes.bool_:
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'" if dim is None
                                  else "\"median_out\" not implemented for 'Bool'")
    if dim is None:
        if a.size == 0:
            res = xp.array(xp.nan, a.dtype)
        else:
            res = _lower_median(a.reshape(-1), 0)[0].reshape(())
        t = _finish("median", res, input._dtype, (input,), out, input._dtype)
        if out is not None:
            return t
        return _record(t, "MedianBackward0", _evenly_distribute_backward, (input,),
                       {"self": (input, False), "result": (t, True)})
    d = _wrap_dim(dim, a.ndim)
    _check_nonempty("median", a, (d,))
    if a.ndim == 0:
        vals, idx = a.copy(), xp.zeros((), xp.int64)
    else:
        vals, idx = _lower_median(a, d)
        if not keepdim:
            vals, idx = vals.squeeze(d), idx.squeeze(d)
    return _select_result("median", input, vals, idx, d, keepdim, out, "MedianBackward1")


# ------------------------------------------------------------------------ var / std

def _correction(name, unbiased, correction):
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        "(correction=..., unbiased=...)")
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _moments(name, input, dim, correction, keepdim):
    """(variance array, mean array with kept dims, dims, reduction count) in the input's dtype."""
    dt = input._dtype
    if not dt.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    a = input._data
    dims = _dims(dim, a.ndim)
    axis = _axis(dims, a.ndim)
    n = _count(a.shape, None if a.ndim == 0 else dims)
    acc = _acc(a.dtype)
    mean_k = xp.mean(a, axis=axis, keepdims=True, dtype=acc) if n else \
        xp.full([1 if axis is None or i in axis else s for i, s in enumerate(a.shape)], xp.nan, acc)
    dev = a - mean_k
    sq = xp.sum(dev * dev, axis=axis, keepdims=keepdim, dtype=acc)
    divisor = builtins.max(0, n - correction)
    if divisor <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    var = xp.true_divide(sq, divisor)
    return xp.asarray(var).astype(a.dtype), mean_k.astype(a.dtype), dims, n


def _var_grad(g, x, p):
    """d var / d x applied to g (g already has the reduced dims restored)."""
    shape, dims = p["shape"], p["dims"]
    divisor = builtins.max(0, p["count"] - p["correction"])
    centered = x - mean(x, dims, keepdim=True) if shape else x * 0
    return g * centered * (2.0 / divisor if divisor else _INF)


def _var_backward(n, g):
    p = n.params
    g = _restore(g, len(p["shape"]), p["dims"], p["keepdim"])
    return (_var_grad(g, n.self, p),)


def _std_backward(n, g):
    p = n.params
    g = _restore(g, len(p["shape"]), p["dims"], p["keepdim"])
    std = _restore(n.result, len(p["shape"]), p["dims"], p["keepdim"])
    return (_var_grad(g / (std * 2), n.self, p),)


def _var_std(name, take_sqrt):
    node_name = "StdBackward0" if take_sqrt else "VarBackward0"

    def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
        if isinstance(dim, bool):          # legacy var(input, unbiased)
            dim, unbiased = None, dim
        c = _correction(name, unbiased, correction)
        if out is not None and out._dtype.is_floating_point:
            _check_out_grad(name, out, (input,))
            input = _cast(input, out._dtype)        # computed at out's precision
        v, _, dims, n = _moments(name, input, dim, c, keepdim)
        res = xp.sqrt(v) if take_sqrt else v
        t = _finish(name, res, input._dtype, (input,), out)
        if out is not None:
            return t
        params = {"shape": input._data.shape, "dims": dims, "keepdim": keepdim, "count": n,
                  "correction": c}
        saved = {"self": (input, False)}
        if take_sqrt:
            saved["result"] = (t, True)
        return _record(t, node_name, _std_backward if take_sqrt else _var_backward, (input,),
                       saved, params)
    var.__name__ = var.__qualname__ = name
    return var


var = _var_std("var", False)
std = _var_std("std", True)


def _var_mean_first_backward(n, g):
    return (_std_backward if n.params["sqrt"] else _var_backward)(n, g)


def _mean_part_backward(n, g):
    p = n.params
    return (_expand_back(g, p["shape"], p["dims"], p["keepdim"]) / p["count"],)


def _var_mean_like(name, take_sqrt):
    node_name = "StdMeanBackward0" if take_sqrt else "VarMeanBackward0"

    def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        c = _correction(name, unbiased, correction)
        v, m, dims, n = _moments(name.split("_")[0], input, dim, c, keepdim)
        if not keepdim:
            m = m.reshape(v.shape)
        first = wrap(xp.sqrt(v) if take_sqrt else v, input._dtype)
        mean_t = wrap(_contiguous(m), input._dtype)
        if out is not None:
            _to_out(name, out[0], first._data, (input,))
            _to_out(name, out[1], mean_t._data, (input,))
            return tuple(out)
        params = {"shape": input._data.shape, "dims": dims, "keepdim": keepdim, "count": n,
                  "correction": c, "sqrt": take_sqrt}
        # one node per output (PyTorch shares one two-output node; the gradients are the same)
        saved = {"self": (input, False)}
        if take_sqrt:
            saved["result"] = (first, True)
        _record(first, node_name, _var_mean_first_backward, (input,), saved, params)
        _record(mean_t, node_name, _mean_part_backward, (input,), None, params)
        return first, mean_t
    var_mean.__name__ = var_mean.__qualname__ = name
    return var_mean


var_mean = _var_mean_like("var_mean", False)
std_mean = _var_mean_like("std_mean", True)


# ------------------------------------------------------------------------ any / all / count

def _logical_reduce(name, reducer):
    def any_(input, dim=None, keepdim=False, *, out=None):
        a = input._data
        dims = _dims(dim, a.ndim)
        res = reducer(a, axis=_axis(dims, a.ndim), keepdims=keepdim)
        rdt = dtypes.uint8 if input._dtype is dtypes.uint8 else dtypes.bool_
        if out is not None and out._dtype is not rdt:
            _check_out_grad(name, out, (input,))
            raise RuntimeError(f"{name} only supports bool tensor for result, got: "
                               f"{out._dtype.legacy}")
        return _finish(name, res, rdt, (input,), out)
    any_.__name__ = any_.__qualname__ = name
    return any_


any = _logical_reduce("any", xp.any)
all = _logical_reduce("all", xp.all)


def count_nonzero(input, dim=None):
    a = input._data
    dims = _dims(dim, a.ndim)
    res = xp.count_nonzero(a, axis=_axis(dims, a.ndim))
    return wrap(xp.asarray(res, dtype=xp.int64), dtypes.int64)


# ------------------------------------------------------------------------ cumulative ops

def _reverse_cumsum(g, d):
    """Sum from each position to the end along d; its own backward is a cumsum."""
    a = g._data
    res = xp.flip(xp.cumsum(xp.flip(a, d), axis=d), d) if a.ndim else a.copy()
    return record(_REVERSE_CUMSUM, (g,), wrap(_contiguous(res), g._dtype), {"dim": d})


_REVERSE_CUMSUM = Derivative("CumsumBackward0", {"self": lambda grad, dim: cumsum(grad, dim)})


def _cumsum_grad(grad, dim):
    if grad._data.ndim == 0:
        return grad
    return _reverse_cumsum(grad, _wrap_dim(dim, grad._data.ndim))


def _cumprod_grad(grad, self, result, dim):
    x, g = self, grad
    xd = x._data
    if xd.ndim == 0 or xd.size <= 1:
        return g
    d = _wrap_dim(dim, xd.ndim)
    if not (xd == 0).any():
        return _reverse_cumsum(g * result, d) / x
    # zeros: grad_k = prod_{i<k} x_i * h_k with h_k = g_k + x_{k+1} h_{k+1} (first-order exact)
    gd = g._data
    m = xd.shape[d]
    h = xp.empty(xd.shape, xp.result_type(xd, gd))
    take = (slice(None),) * d
    h[take + (m - 1,)] = gd[take + (m - 1,)]
    for k in range(m - 2, -1, -1):
        h[take + (k,)] = gd[take + (k,)] + xd[take + (k + 1,)] * h[take + (k + 1,)]
    ones = xp.ones_like(xp.take(xd, [0], axis=d))
    before = xp.cumprod(xp.concatenate([ones, xp.take(xd, range(m - 1), axis=d)], d), axis=d)
    return wrap((before * h).astype(xd.dtype, copy=False), x._dtype)


_CUMSUM = {"self": _cumsum_grad}
_CUMPROD = {"self": _cumprod_grad}


def _cumulative(name, np_fn, derivative):
    def cumsum(input, dim, *, dtype=None, out=None):
        a = input._data
        d = _wrap_dim(dim, a.ndim)
        rdt = _sum_dtype(input._dtype, dtype)
        if out is not None and dtype is None:
            rdt = out._dtype
        res = np_fn(a, axis=d, dtype=_acc(rdt.np)) if a.ndim else a.astype(rdt.np)
        t = _finish(name, res, rdt, (input,), out)
        if out is not None:
            return t
        return record(derivative, (input,), t, {"dim": d})
    cumsum.__name__ = cumsum.__qualname__ = name
    return cumsum


cumsum = _cumulative("cumsum", xp.cumsum, Derivative("CumsumBackward0", _CUMSUM))
cumprod = _cumulative("cumprod", xp.cumprod, Derivative("CumprodBackward0", _CUMPROD))


def _k_cumulative(np_fn):
    def kernel(out, dt, a, dim, dtype=None):
        if a.ndim == 0:
            return out
        return np_fn(a, axis=_wrap_dim(dim, a.ndim), out=out)
    return kernel


def _check_inplace_dtype(args, params):
    dtype = params.get("dtype")
    if dtype is not None and dtypes.to_dtype(dtype) is not args[0]._dtype:
        raise RuntimeError(
            f"Bad in-place call: input tensor dtype {CPP_NAMES[args[0]._dtype.name]} and output "
            f"tensor dtype {CPP_NAMES[dtypes.to_dtype(dtype).name]} should match")


# the in-place forms run through the table's in-place pipeline (guards, version, graph rewrite)
OPS = [
    Op("cumsum(Tensor self, dim, *, dtype=None)", _k_cumulative(xp.cumsum), promote="same",
       variants="inplace", check=_check_inplace_dtype, derivatives=_CUMSUM),
    Op("cumprod(Tensor self, dim, *, dtype=None)", _k_cumulative(xp.cumprod), promote="same",
       variants="inplace", check=_check_inplace_dtype, derivatives=_CUMPROD),
]


# ------------------------------------------------------------------------ logsumexp / softmax

def _logsumexp_backward(n, g):
    p = n.params
    shape, dims, keepdim = p["shape"], p["dims"], p["keepdim"]
    g = _restore(g, len(shape), dims, keepdim)
    result = _restore(n.result, len(shape), dims, keepdim)
    return (g * (n.self - result).exp(),)


def logsumexp(input, dim, keepdim=False, *, out=None):
    x = input
    if out is not None and out._dtype.is_floating_point:
        _check_out_grad("logsumexp", out, (input,))
        x = _cast(x, out._dtype)                    # computed at out's precision
    elif not x._dtype.is_floating_point:
        x = _cast(x, dtypes.get_default_dtype())
    a = x._data
    dims = _dims(dim, a.ndim)
    axis = _axis(dims, a.ndim)
    acc = _acc(a.dtype)
    if a.size:
        m = xp.amax(a, axis=axis, keepdims=True).astype(acc)
        m = xp.where(xp.isinf(m), 0, m)     # all -inf (or an inf) must not give inf - inf
    else:
        m = xp.zeros((1,) * a.ndim, acc)
    res = xp.log(xp.sum(xp.exp(a - m), axis=axis, keepdims=True)) + m
    if not keepdim and a.ndim:
        res = res.reshape(()) if axis is None else res.squeeze(axis)
    t = _finish("logsumexp", res, x._dtype, (x,), out)
    if out is not None:
        return t
    return _record(t, "LogsumexpBackward0", _logsumexp_backward, (x,),
                   {"self": (x, False), "result": (t, True)},
                   {"shape": a.shape, "dims": dims, "keepdim": keepdim})


def _softmax_dim(ndim):
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(name, input, dim, dtype):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      "call to include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = _softmax_dim(input._data.ndim)
    if dtype is not None:
        dt = dtypes.to_dtype(dtype)
        input = _cast(input, dt)
    d = _wrap_dim(dim, input._data.ndim)
    if not input._dtype.is_floating_point:
        last = d == input._data.ndim - 1 or input._data.ndim == 0
        kernel = f"{name}_lastdim_kernel_impl" if last else f"{name}_kernel_impl"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{input._dtype.legacy}\'')
    return input, d


def _shifted(a, d):
    if a.ndim == 0:
        return xp.zeros_like(a, dtype=_acc(a.dtype))
    m = xp.amax(a, axis=d, keepdims=True) if a.size else xp.zeros((1,) * a.ndim, a.dtype)
    m = xp.where(xp.isinf(m), 0, m)
    return a.astype(_acc(a.dtype), copy=False) - m


def _softmax_backward(n, g):
    y = n.result
    d = n.params["dim"]
    if y._data.ndim == 0:
        return (g * 0,)
    return (y * (g - sum(g * y, d, keepdim=True)),)


def _log_softmax_backward(n, g):
    y = n.result
    d = n.params["dim"]
    if y._data.ndim == 0:
        return (g * 0,)
    return (g - y.exp() * sum(g, d, keepdim=True),)


def softmax(input, dim=None, dtype=None, *, out=None):
    x, d = _softmax_input("softmax", input, dim, dtype)
    a = x._data
    e = xp.exp(_shifted(a, d))
    res = e / (xp.sum(e, axis=d, keepdims=True) if a.ndim else e)
    t = _finish("softmax", res, x._dtype, (x,), out)
    if out is not None:
        return t
    return _record(t, "SoftmaxBackward0", _softmax_backward, (x,), {"result": (t, True)},
                   {"dim": d})


def log_softmax(input, dim=None, dtype=None, *, out=None):
    x, d = _softmax_input("log_softmax", input, dim, dtype)
    a = x._data
    s = _shifted(a, d)
    res = s - (xp.log(xp.sum(xp.exp(s), axis=d, keepdims=True)) if a.ndim else s)
    t = _finish("log_softmax", res, x._dtype, (x,), out)
    if out is not None:
        return t
    return _record(t, "LogSoftmaxBackward0", _log_softmax_backward, (x,),
                   {"result": (t, True)}, {"dim": d})


# ------------------------------------------------------------------------ sum_to_size

def sum_to_size(g, shape):
    """Sum a broadcast gradient back down to `shape` (differentiable)."""
    shape = tuple(shape)
    gs = g._data.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape)
                                      if n == 1 and gs[i + lead] != 1)
    r = sum(g, dims, keepdim=True) if dims else g
    if lead:
        r = r.reshape(shape)
    return r


def _sum_to_size_method(self, *size):
    return sum_to_size(self, size[0] if len(size) == 1 and isinstance(size[0], (tuple, list))
                       else size)


# ------------------------------------------------------------------------ exports

FUNCTIONS = {
    "sum": sum, "mean": mean, "nansum": nansum, "nanmean": nanmean, "prod": prod,
    "max": max, "min": min, "amax": amax, "amin": amin, "argmax": argmax, "argmin": argmin,
    "median": median, "std": std, "var": var, "std_mean": std_mean, "var_mean": var_mean,
    "any": any, "all": all, "count_nonzero": count_nonzero, "cumsum": cumsum,
    "cumprod": cumprod, "logsumexp": logsumexp, "softmax": softmax, "log_softmax": log_softmax,
    "return_types": return_types,
}

METHODS = {name: fn for name, fn in FUNCTIONS.items()
           if name not in ("std_mean", "var_mean", "return_types")}
METHODS["sum_to_size"] = _sum_to_size_method
