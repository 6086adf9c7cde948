"""Cumulative ops: cumsum and cumprod, out of place and in place.

Their result keeps the input's shape, but each element depends on those before it along `dim`,
so the out-of-place forms are plain functions recorded through `record`; the in-place forms
(cumsum_, cumprod_) are table ops and run through the in-place pipeline (guards, version, graph
rewrite). Both forms share one formula per op.
"""
from ..backend import xp
from ..core import dtypes
from ..core.dtypes import CPP_NAMES
from ..core.tensor import _wrap_dim, wrap
from .derivatives import Derivative, record
from .reducing import acc_dtype, c_contiguous, result_or_out, sum_dtype
from .table import Op


def _reverse_cumsum(g, d):
    """Sum from each position to the end along d; its own backward is a cumsum."""
    a = g._data
    res = xp.flip(xp.cumsum(xp.flip(a, d), axis=d), d) if a.ndim else a.copy()
    return record(_REVERSE_CUMSUM, (g,), wrap(c_contiguous(res), g._dtype), {"dim": d})


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
        rdt = sum_dtype(input._dtype, dtype)
        if out is not None and dtype is None:
            rdt = out._dtype
        res = np_fn(a, axis=d, dtype=acc_dtype(rdt.np)) if a.ndim else a.astype(rdt.np)
        t = result_or_out(name, res, rdt, (input,), out)
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


FUNCTIONS = {"cumsum": cumsum, "cumprod": cumprod}
METHODS = dict(FUNCTIONS)
