"""Reductions that combine elements: sum, mean, prod, std/var (and their _mean forms),
any/all, count_nonzero, nansum/nanmean, and sum_to_size.

They don't fit the elementwise pipelines (the result has another shape), so each is a plain
function: NumPy computes the value, `record` attaches a node named like PyTorch's (a
`Derivative` whose formulas are written with insitu ops, so they are differentiable again), and
`write_out` implements `out=`. A formula reads the reduced dims, keepdim and counts as values
and the input's shape as `self_shape`, so a node keeps a tensor only where a formula needs one.
The reductions that pick an element (max/min, amax/amin, argmax/argmin, median) live in
`ops.selection`, cumulative ops in `ops.cumulative`, logsumexp and softmax in `ops.softmax`; they
share the helpers of `ops.reducing`.
"""
import builtins
import warnings

from ..autograd.grad_mode import mode
from ..backend import xp
from ..core import dtypes
from ..core.tensor import _wrap_dim
from ..core.tensor import wrap
from . import parallel
from .kernels import _BLOCK, scratch
from .derivatives import Derivative, record
from .pipelines import check_out_grad, write_out
from .reducing import (acc_dtype, c_contiguous, cast, count_of, expand_back, full_prod,
                       np_axis, reduced_dims, restore_dims, result_or_out, sum_dtype)

_new = object.__new__
_INF = float("inf")


class _NoDim:
    """The default of sum/mean's dim: PyTorch picks another overload (and node name,
    SumBackward0 vs SumBackward1) when dim is passed at all, even as None."""
    __slots__ = ()

    def __repr__(self):
        return "None"


_NO_DIM = _NoDim()
_add_reduce = xp.add.reduce     # xp.sum minus its Python-level dispatch



# ------------------------------------------------------------------------ sum / mean / prod

def _sum_grad(grad, self_shape, dims, keepdim):
    return expand_back(grad, self_shape, dims, keepdim)


_SUM = {"self": _sum_grad}
_SUM_ALL = Derivative("SumBackward0", _SUM)
_SUM_DIM = Derivative("SumBackward1", _SUM)


def sum(input, dim=_NO_DIM, keepdim=False, *, dtype=None, out=None):
    """insitu.sum(input, dim=None, keepdim=False, *, dtype=None, out=None): the sum of all elements,
    or over `dim` (an int or a tuple). Integer and bool inputs sum to int64 unless `dtype` is
    given; with `out=` and no dtype the sum is taken in out's dtype, as PyTorch does. Backward:
    SumBackward0 (no dim), SumBackward1 (dim given, even as None)."""
    a = input._data
    overload = 0 if dim is _NO_DIM and not keepdim else 1
    dims = reduced_dims(None if dim is _NO_DIM else dim, a.ndim)
    if out is not None and dtype is None:
        rdt = out._dtype          # PyTorch sums in out's dtype (float -> int truncates first)
    else:
        rdt = sum_dtype(input._dtype, dtype)
    if a.size < parallel.MIN_SIZE:
        res = _add_reduce(a, np_axis(dims, a.ndim), acc_dtype(rdt.np), keepdims=keepdim)
    else:   # the same value, summed on several threads
        res = parallel.add_reduce(a, np_axis(dims, a.ndim), acc_dtype(rdt.np), keepdim)
    if out is not None:
        return write_out("sum", out, xp.asarray(res), (input,),
                         rdt if dtype is not None else None)
    if res.__class__ is not xp.ndarray:
        res = xp.asarray(res)
    if res.dtype != rdt.np:
        res = res.astype(rdt.np)
    t = wrap(res, rdt)
    if input._requires_grad and mode.grad:
        record(_SUM_DIM if overload else _SUM_ALL, (input,), t,
               {"dims": dims, "keepdim": keepdim})
    return t


def _nansum_grad(grad, self, self_shape, dims, keepdim):
    return expand_back(grad, self_shape, dims, keepdim).masked_fill(self != self, 0)


_NANSUM = Derivative("NansumBackward0", {"self": _nansum_grad})


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """insitu.nansum(input, dim=None, keepdim=False, *, dtype=None, out=None): `sum` with NaNs
    counted as zero. Backward: NansumBackward0 (zero gradient at the NaNs)."""
    a = input._data
    dims = reduced_dims(dim, a.ndim)
    rdt = sum_dtype(input._dtype, dtype)
    axis, acc = np_axis(dims, a.ndim), acc_dtype(rdt.np)
    res = None
    if a.flags.c_contiguous:
        # without a NaN, nansum is the plain sum (the same values summed in the same order); a
        # NaN in the sum says there may have been one
        res = xp.asarray(_add_reduce(a, axis, acc, keepdims=keepdim))
        if res.dtype.kind in "fc" and xp.isnan(res).any():
            res = None
    if res is None:
        res = xp.nansum(a, axis=axis, keepdims=keepdim, dtype=acc)
    t = result_or_out("nansum", res, rdt, (input,), out)
    return record(_NANSUM, (input,), t, {"dims": dims, "keepdim": keepdim})


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


def _mean_grad(grad, self_shape, dims, keepdim, count):
    return expand_back(grad, self_shape, dims, keepdim) / count


_MEAN = {"self": _mean_grad}
_MEAN_ALL = Derivative("MeanBackward0", _MEAN)
_MEAN_DIM = Derivative("MeanBackward1", _MEAN)


def mean(input, dim=_NO_DIM, keepdim=False, *, dtype=None, out=None):
    """insitu.mean(input, dim=None, keepdim=False, *, dtype=None, out=None): the mean of all
    elements, or over `dim`; the input (or `dtype`) must be floating. Backward: MeanBackward0 (no
    dim), MeanBackward1 (dim given)."""
    a = input._data
    overload = 0 if dim is _NO_DIM and not keepdim else 1
    dim = None if dim is _NO_DIM else dim
    rdt = _mean_dtype(input, dtype)
    if out is not None and dtype is None:
        rdt = out._dtype if out._dtype.is_floating_point else rdt
    dims = reduced_dims(dim, a.ndim)
    count = count_of(a.shape, None if a.ndim == 0 else dims)
    if a.size < parallel.MIN_SIZE:
        res = xp.sum(a, axis=np_axis(dims, a.ndim), keepdims=keepdim, dtype=acc_dtype(rdt.np))
    else:
        res = parallel.add_reduce(a, np_axis(dims, a.ndim), acc_dtype(rdt.np), keepdim)
    res = xp.true_divide(res, count) if count else xp.true_divide(res, 0)
    t = result_or_out("mean", res, rdt, (input,), out, rdt if dtype is not None else None)
    if out is not None:
        return t
    return record(_MEAN_DIM if overload else _MEAN_ALL, (input,), t,
                  {"dims": dims, "keepdim": keepdim, "count": count})


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """insitu.nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None): the mean of the
    non-NaN elements (`nansum` over the count of non-NaNs), differentiable through those ops."""
    if not input._dtype.is_floating_point and dtype is None:
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{input._dtype.legacy}")
    x = cast(input, dtypes.to_dtype(dtype)) if dtype is not None else input
    kept = (x == x)
    res = nansum(x, dim, keepdim) / sum(kept, dim, keepdim)
    if out is not None:
        return write_out("nanmean", out, res._data, (input,))
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


def _prod_grad(grad, self, result, self_shape, dims, keepdim):
    if not self_shape:
        return grad
    g = restore_dims(grad, len(self_shape), dims, keepdim)
    result = restore_dims(result, len(self_shape), dims, keepdim)
    xd = self._data
    if not (xd == 0).any():
        return g * (result / self)
    # zeros: the product of the others, computed directly (first-order exact); PyTorch's
    # full product skips that with two zeros or more unless a graph is built: all zeros,
    # even beside an inf or nan
    if dims is None and not mode.grad and xp.count_nonzero(xd == 0) > 1:
        return grad.new_zeros(self_shape)
    if dims is None:
        others = _prod_others(xd.reshape(-1), 0).reshape(self_shape)
    else:
        others = _prod_others(xd, dims[0])
    return g * wrap(others.astype(xd.dtype, copy=False), self._dtype)


_PROD = {"self": _prod_grad}
_PROD_ALL = Derivative("ProdBackward0", _PROD)
_PROD_DIM = Derivative("ProdBackward1", _PROD)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """insitu.prod(input, dim=None, keepdim=False, *, dtype=None, out=None): the product of all
    elements, or along one int `dim`. Integer and bool inputs give int64 unless `dtype` is given.
    The gradient is exact where the input has zeros. Backward: ProdBackward0/ProdBackward1."""
    a = input._data
    if dim is not None and not isinstance(dim, int):
        raise TypeError("prod(): argument 'dim' must be int, not " + type(dim).__name__)
    dims = None if dim is None else (_wrap_dim(dim, a.ndim),)
    rdt = sum_dtype(input._dtype, dtype)
    if out is not None and dtype is None:
        rdt = out._dtype
    acc = acc_dtype(rdt.np)
    if dims is None and a.dtype == acc:
        res = full_prod(a)
    else:
        res = xp.prod(a, axis=np_axis(dims, a.ndim), keepdims=keepdim and dim is not None,
                      dtype=acc)
    t = result_or_out("prod", res, rdt, (input,), out)
    if out is not None:
        return t
    return record(_PROD_ALL if dim is None else _PROD_DIM, (input,), t,
                  {"dims": dims, "keepdim": keepdim and dim is not None})


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
    dims = reduced_dims(dim, a.ndim)
    axis = np_axis(dims, a.ndim)
    n = count_of(a.shape, None if a.ndim == 0 else dims)
    acc = acc_dtype(a.dtype)
    mean_k = xp.mean(a, axis=axis, keepdims=True, dtype=acc) if n else \
        xp.full([1 if axis is None or i in axis else s for i, s in enumerate(a.shape)], xp.nan, acc)
    sq = _squared_deviations(a, mean_k, axis, keepdim, acc)
    divisor = builtins.max(0, n - correction)
    if divisor <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    var = xp.true_divide(sq, divisor)
    return xp.asarray(var).astype(a.dtype), mean_k.astype(a.dtype), dims, n


def _squared_deviations(a, mean_k, axis, keepdim, acc):
    """sum((a - mean)**2) over `axis`. Over the last axis of a C-contiguous array it runs a block
    of rows at a time through one scratch buffer; otherwise it makes one temporary, squared in
    place. The sums are the same either way (each row is reduced alone)."""
    if a.ndim >= 2 and axis == (a.ndim - 1,) and a.flags.c_contiguous and a.size > _BLOCK \
            and a.shape[-1] <= _BLOCK:
        cols = a.shape[-1]
        rows = a.size // cols
        flat, means = a.reshape(rows, cols), mean_k.reshape(rows, 1)
        sq = xp.empty(rows, acc)
        step = _BLOCK // cols
        for s in range(0, rows, step):
            e = builtins.min(rows, s + step)
            dev = scratch(0, acc, (e - s, cols))
            xp.subtract(flat[s:e], means[s:e], out=dev)
            xp.multiply(dev, dev, out=dev)
            xp.sum(dev, axis=1, dtype=acc, out=sq[s:e])
        return sq.reshape(mean_k.shape if keepdim else a.shape[:-1])
    dev = xp.asarray(xp.subtract(a, mean_k, dtype=acc))    # (a 0-dim difference is a scalar)
    xp.multiply(dev, dev, out=dev)
    return xp.sum(dev, axis=axis, keepdims=keepdim, dtype=acc)


def _var_of(g, self, self_shape, dims, count, correction):
    """d var / d self applied to g (g already has the reduced dims restored)."""
    divisor = builtins.max(0, count - correction)
    if not self_shape:
        return g * (self * 0) * (2.0 / divisor if divisor else _INF)
    # the centered copy is the one temporary: scaled in place (it is no input's saved value)
    centered = self - mean(self, dims, keepdim=True)
    return centered.mul_(g).mul_(2.0 / divisor if divisor else _INF)


def _var_grad(grad, self, self_shape, dims, keepdim, count, correction):
    g = restore_dims(grad, len(self_shape), dims, keepdim)
    return _var_of(g, self, self_shape, dims, count, correction)


def _std_grad(grad, self, result, self_shape, dims, keepdim, count, correction):
    g = restore_dims(grad, len(self_shape), dims, keepdim)
    std = restore_dims(result, len(self_shape), dims, keepdim)
    # PyTorch's std_backward: zero where the std is zero (not 0/0)
    return _var_of((g / (std * 2)).masked_fill(std == 0, 0), self, self_shape, dims, count,
                   correction)


_VAR = Derivative("VarBackward0", {"self": _var_grad})
_STD = Derivative("StdBackward0", {"self": _std_grad})


def _var_std(name, take_sqrt):
    derivative = _STD if take_sqrt else _VAR

    def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
        if isinstance(dim, bool):          # legacy var(input, unbiased)
            dim, unbiased = None, dim
        c = _correction(name, unbiased, correction)
        if out is not None and out._dtype.is_floating_point:
            check_out_grad(name, out, (input,))
            input = cast(input, out._dtype)        # computed at out's precision
        v, _, dims, n = _moments(name, input, dim, c, keepdim)
        res = xp.sqrt(v) if take_sqrt else v
        t = result_or_out(name, res, input._dtype, (input,), out)
        if out is not None:
            return t
        return record(derivative, (input,), t,
                      {"dims": dims, "keepdim": keepdim, "count": n, "correction": c})
    var.__name__ = var.__qualname__ = name
    return var


var = _var_std("var", False)
var.__doc__ = """insitu.var(input, dim=None, unbiased=None, keepdim=False, *, correction=None,
    out=None): the variance over `dim` (all elements by default), dividing by N - correction
    (correction 1, or 0 for `unbiased=False`; the legacy `var(input, unbiased)` is accepted).
    Floating inputs only; warns when N - correction <= 0. Backward: VarBackward0."""
std = _var_std("std", True)
std.__doc__ = """insitu.std(input, dim=None, unbiased=None, keepdim=False, *, correction=None,
    out=None): the square root of `var` (same arguments). Backward: StdBackward0."""

# one node per output (PyTorch shares one two-output node; the gradients are the same)
_VAR_MEAN = (Derivative("VarMeanBackward0", {"self": _var_grad}),
             Derivative("VarMeanBackward0", _MEAN))
_STD_MEAN = (Derivative("StdMeanBackward0", {"self": _std_grad}),
             Derivative("StdMeanBackward0", _MEAN))


def _var_mean_like(name, take_sqrt):
    first_node, mean_node = _STD_MEAN if take_sqrt else _VAR_MEAN

    def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        c = _correction(name, unbiased, correction)
        v, m, dims, n = _moments(name.split("_")[0], input, dim, c, keepdim)
        if not keepdim:
            m = m.reshape(v.shape)
        first = wrap(xp.sqrt(v) if take_sqrt else v, input._dtype)
        mean_t = wrap(c_contiguous(m), input._dtype)
        if out is not None:
            write_out(name, out[0], first._data, (input,))
            write_out(name, out[1], mean_t._data, (input,))
            return tuple(out)
        values = {"dims": dims, "keepdim": keepdim, "count": n, "correction": c}
        record(first_node, (input,), first, values)
        record(mean_node, (input,), mean_t, values)
        return first, mean_t
    var_mean.__name__ = var_mean.__qualname__ = name
    return var_mean


var_mean = _var_mean_like("var_mean", False)
var_mean.__doc__ = """insitu.var_mean(input, dim=None, unbiased=None, keepdim=False, *,
    correction=None, out=None): the tuple (`var`, `mean`) over the same dims. Each output has a
    node of its own (PyTorch shares one two-output node); both are named VarMeanBackward0 and the
    gradients are the same."""
std_mean = _var_mean_like("std_mean", True)
std_mean.__doc__ = """insitu.std_mean(input, dim=None, unbiased=None, keepdim=False, *,
    correction=None, out=None): the tuple (`std`, `mean`) over the same dims. Each output has a
    node of its own (PyTorch shares one two-output node); both are named StdMeanBackward0 and the
    gradients are the same."""


# ------------------------------------------------------------------------ any / all / count

def _logical_reduce(name, reducer):
    def any_(input, dim=None, keepdim=False, *, out=None):
        a = input._data
        dims = reduced_dims(dim, a.ndim)
        res = reducer(a, axis=np_axis(dims, a.ndim), keepdims=keepdim)
        rdt = dtypes.uint8 if input._dtype is dtypes.uint8 else dtypes.bool_
        if out is not None and out._dtype is not rdt:
            check_out_grad(name, out, (input,))
            raise RuntimeError(f"{name} only supports bool tensor for result, got: "
                               f"{out._dtype.legacy}")
        return result_or_out(name, res, rdt, (input,), out)
    any_.__name__ = any_.__qualname__ = name
    return any_


any = _logical_reduce("any", xp.any)
any.__doc__ = """insitu.any(input, dim=None, keepdim=False, *, out=None): whether any element
    (over `dim`) is nonzero; bool, or uint8 for a uint8 input. Not differentiable."""
all = _logical_reduce("all", xp.all)
all.__doc__ = """insitu.all(input, dim=None, keepdim=False, *, out=None): whether every element
    (over `dim`) is nonzero; bool, or uint8 for a uint8 input. Not differentiable."""


def count_nonzero(input, dim=None):
    """insitu.count_nonzero(input, dim=None): the number of nonzero elements (over `dim`, an int or
    a tuple), as int64."""
    a = input._data
    dims = reduced_dims(dim, a.ndim)
    res = xp.count_nonzero(a, axis=np_axis(dims, a.ndim))
    return wrap(xp.asarray(res, dtype=xp.int64), dtypes.int64)


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
    """Tensor.sum_to_size(*size): the tensor summed down to `size`, which it must broadcast to
    (differentiable: a `sum` with keepdim, then a reshape)."""
    return sum_to_size(self, size[0] if len(size) == 1 and isinstance(size[0], (tuple, list))
                       else size)


# ------------------------------------------------------------------------ exports

FUNCTIONS = {
    "sum": sum, "mean": mean, "nansum": nansum, "nanmean": nanmean, "prod": prod,
    "std": std, "var": var, "std_mean": std_mean, "var_mean": var_mean,
    "any": any, "all": all, "count_nonzero": count_nonzero,
}

METHODS = {name: fn for name, fn in FUNCTIONS.items() if name not in ("std_mean", "var_mean")}
METHODS["sum_to_size"] = _sum_to_size_method
