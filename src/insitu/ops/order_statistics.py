"""Order statistics: kthvalue, nanmedian, aminmax, quantile and nanquantile.

kthvalue and nanmedian pick one element per row: the gradient goes to the returned index
(`selection`'s KthvalueBackward0 / NanmedianBackward1 formulas); nanmedian of the whole tensor
shares it among the elements equal to the result. aminmax is one node for both results
(AminmaxBackward0), each gradient shared among the ties, as amin's and amax's. quantile is
composed of differentiable ops as PyTorch's: sort (NaN last), gather the two neighbours of each
rank, lerp between them.
"""
from ..backend import xp
from ..core import dtypes
from ..core.tensor import Tensor, _wrap_dim, wrap
from .derivatives import Derivative, record
from .named_results import return_type, return_types
from .reducing import c_contiguous, restore_dims
from .selection import _evenly_distribute, _value_select, lower_median, stable_kth

for _name, _fields in (("kthvalue", ("values", "indices")), ("nanmedian", ("values", "indices")),
                       ("aminmax", ("min", "max"))):
    return_type(_name, _fields)

_KTHVALUE = Derivative("KthvalueBackward0", {"self": _value_select})
_NANMEDIAN_ALL = Derivative("NanmedianBackward0", {"self": _evenly_distribute})
_NANMEDIAN_DIM = Derivative("NanmedianBackward1", {"self": _value_select})


def _picked(name, input, vals, idx, d, keepdim, derivative):
    if not keepdim and input._data.ndim:
        vals, idx = vals.squeeze(d), idx.squeeze(d)
    values = wrap(c_contiguous(vals), input._dtype)
    indices = wrap(c_contiguous(idx, xp.int64), dtypes.int64)
    record(derivative, (input,), values, {"dim": d, "keepdim": keepdim, "indices": indices})
    return getattr(return_types, name)(values, indices)


def kthvalue(input, k, dim=-1, keepdim=False):
    """insitu.kthvalue(input, k, dim=-1, keepdim=False) / Tensor.kthvalue(k, ...): the k-th
    smallest element (k counts from 1) of each slice along dim, NaN counting as larger than every
    number, as the named tuple (values, indices), indices int64; keepdim keeps dim with size 1. A k
    outside [1, size of dim] raises RuntimeError. Backward: KthvalueBackward0: the gradient goes to
    the returned index, which the node keeps (with input's shape) instead of input."""
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if a.ndim == 0:
        return _picked("kthvalue", input, a.copy(), xp.zeros((), xp.int64), d, keepdim,
                       _KTHVALUE)
    vals, idx = stable_kth(a, k - 1, d)                  # NaN sorts last, as PyTorch's
    return _picked("kthvalue", input, vals, idx, d, keepdim, _KTHVALUE)


def _lower_nanmedian(a, axis):
    """(values, indices) of the lower median of the non-NaN values along `axis` (NaN where
    all are NaN)."""
    if a.dtype.kind != "f" or not xp.isnan(a).any():
        return stable_kth(a, (a.shape[axis] - 1) // 2, axis)
    order = xp.argsort(a, axis=axis, kind="stable")
    count = (~xp.isnan(a)).sum(axis=axis, keepdims=True)
    pos = xp.maximum(count - 1, 0) // 2
    pick = xp.take_along_axis(order, pos, axis=axis)
    return xp.take_along_axis(a, pick, axis=axis), pick


def _nanmedian_value(a):
    """The lower median of the non-NaN values of the flat array `a` (NaN if none): the value
    alone, by a partition."""
    if a.dtype.kind == "f":
        nan = xp.isnan(a)
        if nan.any():
            a = a[~nan]
            if not a.size:
                return xp.array(xp.nan, a.dtype)
    return lower_median(a)


def nanmedian(input, dim=None, keepdim=False):
    """insitu.nanmedian(input, dim=None, keepdim=False) / Tensor.nanmedian(...): the median
    ignoring NaN, the lower of the two middle values for an even count (NaN only where every value
    is NaN). Without dim: a 0-dim tensor of the whole input (NaN for an empty one); backward
    NanmedianBackward0 keeps input and the result and shares the gradient evenly among the elements
    equal to it. With dim: the named tuple (values, indices) along dim (keepdim keeps it with size
    1); backward NanmedianBackward1 sends the gradient to the returned index, which the node keeps.
    Bool input raises NotImplementedError; an empty dim raises IndexError."""
    a = input._data
    if input._dtype is dtypes.bool_:
        raise NotImplementedError("\"nanmedian_cpu\" not implemented for 'Bool'")
    if dim is None:
        if a.size == 0:
            res = xp.array(xp.nan, a.dtype)
        else:
            res = _nanmedian_value(a.reshape(-1))
        return record(_NANMEDIAN_ALL, (input,), wrap(res, input._dtype))
    d = _wrap_dim(dim, a.ndim)
    if a.ndim and a.shape[d] == 0:
        raise IndexError(f"nanmedian(): Expected reduction dim {d} to have non-zero size.")
    if a.ndim == 0:
        return _picked("nanmedian", input, a.copy(), xp.zeros((), xp.int64), d, keepdim,
                       _NANMEDIAN_DIM)
    vals, idx = _lower_nanmedian(a, d)
    return _picked("nanmedian", input, vals, idx, d, keepdim, _NANMEDIAN_DIM)


# ------------------------------------------------------------------ aminmax

def _scaled_by_count(grad, picked, self, self_shape, dims, keepdim):
    if grad is None:
        return None
    picked = restore_dims(picked, len(self_shape), dims, keepdim)
    mask = picked == self
    g = restore_dims(grad, len(self_shape), dims, keepdim)
    return (g / mask.sum(dims, keepdim=True)) * mask


def _aminmax_grad(grads, self, min, max, self_shape, dims, keepdim):
    gmin = _scaled_by_count(grads[0], min, self, self_shape, dims, keepdim)
    gmax = _scaled_by_count(grads[1], max, self, self_shape, dims, keepdim)
    if gmin is None:
        return gmax
    return gmin if gmax is None else gmin + gmax


_AMINMAX = Derivative("AminmaxBackward0", {"self": _aminmax_grad}, outputs=("min", "max"),
                      materialize=False)


def aminmax(input, *, dim=None, keepdim=False):
    """insitu.aminmax(input, *, dim=None, keepdim=False) / Tensor.aminmax(...): the smallest and
    the largest values, of the whole input or along dim, as the named tuple (min, max), both of
    input's dtype (NaN if there is one). One node for both results, AminmaxBackward0, which keeps
    input and the two results: each gradient is shared evenly among the elements tying with its
    result, and the two are summed. An empty input (without dim) raises RuntimeError, an empty dim
    IndexError."""
    a = input._data
    if dim is None:
        if a.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        dims, axis = None, None
    else:
        d = _wrap_dim(dim, a.ndim)
        if a.ndim and a.shape[d] == 0:
            raise IndexError(f"aminmax(): Expected reduction dim {d} to have non-zero size.")
        dims, axis = (d,), (d if a.ndim else None)
    keep = keepdim and axis is not None
    lo = xp.min(a, axis=axis, keepdims=keep)
    hi = xp.max(a, axis=axis, keepdims=keep)
    if dim is None and keepdim:
        lo, hi = lo.reshape((1,) * a.ndim), hi.reshape((1,) * a.ndim)
    mn = wrap(c_contiguous(xp.asarray(lo)), input._dtype)
    mx = wrap(c_contiguous(xp.asarray(hi)), input._dtype)
    record(_AMINMAX, (input,), (mn, mx),
           {"dims": dims if dims is not None else tuple(range(a.ndim)), "keepdim": keepdim})
    return return_types.aminmax(mn, mx)


# ------------------------------------------------------------------ quantile

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    scalar_q = not isinstance(q, Tensor)
    qa = xp.asarray(q._data if isinstance(q, Tensor) else q, dtype=input._dtype.np)
    if qa.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if isinstance(q, Tensor) and q._dtype is not input._dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if ((qa < 0) | (qa > 1)).any():
        if scalar_q:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        x = x.reshape(1)
    if x.shape[d] == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    xs = x.movedim(d, -1)
    srt = xs.sort(dim=-1).values                             # NaN last
    n = srt.shape[-1]
    nan = xp.isnan(srt._data)                                # (reduced..., n)
    last = (n - nan.sum(-1, keepdims=True)) - 1 if ignore_nan else \
        xp.full(nan.shape[:-1] + (1,), n - 1)
    k = qa.size
    # PyTorch's layout: (q, reduced..., 1), the trailing rank dim squeezed in place at the end
    qv = qa.reshape((k,) + (1,) * nan.ndim)
    ranks = qv * xp.maximum(last, 0).astype(qa.dtype)     # all NaN: rank 0, a NaN
    if not ignore_nan:
        ranks = xp.where(nan.any(-1, keepdims=True), n - 1, ranks)
    if interpolation == "lower":
        ranks = xp.floor(ranks)
    elif interpolation == "higher":
        ranks = xp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = xp.round(ranks)
    srt = srt.unsqueeze(0).expand((k,) + tuple(srt.shape))
    below = xp.floor(ranks).astype(xp.int64)
    res = srt.gather(-1, wrap(below, dtypes.int64))
    if interpolation in ("linear", "midpoint"):
        w = ranks - below if interpolation == "linear" else xp.full(ranks.shape, 0.5)
        above = srt.gather(-1, wrap(xp.ceil(ranks).astype(xp.int64), dtypes.int64))
        res = res.lerp(above, wrap(w.astype(qa.dtype), input._dtype))
    if keepdim:
        if dim is None:
            res = res.reshape((k,) + (1,) * input.ndim + (1,))
        else:
            res = res.unsqueeze(d + 1)
    res.squeeze_(-1)
    if scalar_q:
        res.squeeze_(0)
    return res


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """insitu.quantile(input, q, dim=None, keepdim=False, *, interpolation="linear") /
    Tensor.quantile(...): the q-th quantiles of input (flattened when dim is None, else along dim).
    q is a number or a 0-/1-D tensor of input's dtype, with values in [0, 1]; a 1-D q puts its
    dimension first in the result. When a quantile falls between two sorted values, interpolation
    picks: 'linear' (lerp by the fraction), 'lower', 'higher', 'nearest' (the rank rounded, halves
    to even) or 'midpoint'. A NaN anywhere in a slice makes its quantiles NaN (see nanquantile).
    Floating input only; a bad q, interpolation or an empty input raises RuntimeError. Composed of
    sort, gather and lerp, so the gradient flows to the one or two neighbours of each rank."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """insitu.nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear") /
    Tensor.nanquantile(...): quantile ignoring NaN: the ranks are taken among each slice's non-NaN
    values (NaN only where a slice is all NaN). Arguments, errors and gradients as quantile's."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


FUNCTIONS = {"kthvalue": kthvalue, "nanmedian": nanmedian, "aminmax": aminmax,
             "quantile": quantile, "nanquantile": nanquantile}
METHODS = dict(FUNCTIONS)
