"""Cumulative ops: cumsum and cumprod (out of place and in place), cummax/cummin and
logcumsumexp.

Their result keeps the input's shape, but each element depends on those before it along `dim`,
so the out-of-place forms are plain functions recorded through `record`; the in-place forms
(cumsum_, cumprod_) are table ops and run through the in-place pipeline (guards, version, graph
rewrite). Both forms share one formula per op.
"""
from ..backend import xp
from ..core import dtypes
from ..core.dtypes import CPP_NAMES
from ..core.tensor import _wrap_dim, wrap
from ..creation import zeros
from .checks import not_implemented
from .derivatives import Derivative, record
from .named_results import return_type
from .pipelines import check_out_grad, write_out
from .reducing import acc_dtype, c_contiguous, result_or_out, sum_dtype
from .table import Op


def running_dtype(np_dt):
    """The dtype a running sum or product is carried in: PyTorch's CPU scans carry float32 in
    float64 (and float16 in float32), rounding each prefix once, so its float32 cumsum is not
    NumPy's float32 one."""
    return xp.float64 if np_dt == xp.float32 else acc_dtype(np_dt)


def carried(np_fn, a, axis, run):
    """np_fn(a, axis=axis, dtype=run): the input converted first and accumulated in place, the
    same values several times quicker than NumPy's element-by-element cast inside the scan."""
    if a.dtype == run:
        return np_fn(a, axis=axis)
    b = a.astype(run)
    return np_fn(b, axis=axis, out=b)


def _reverse_cumsum(g, d):
    """Sum from each position to the end along d; its own backward is a cumsum."""
    a = g._data
    res = (xp.flip(carried(xp.cumsum, xp.flip(a, d), d, running_dtype(a.dtype)), d)
           .astype(a.dtype, copy=False) if a.ndim else a.copy())
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
        res = carried(np_fn, a, d, running_dtype(rdt.np)) if a.ndim else a.astype(rdt.np)
        t = result_or_out(name, res, rdt, (input,), out)
        if out is not None:
            return t
        return record(derivative, (input,), t, {"dim": d})
    cumsum.__name__ = cumsum.__qualname__ = name
    return cumsum


cumsum = _cumulative("cumsum", xp.cumsum, Derivative("CumsumBackward0", _CUMSUM))
cumsum.__doc__ = """insitu.cumsum(input, dim, *, dtype=None, out=None): the running sums along
    `dim`. Integer and bool inputs accumulate in int64 unless `dtype` is given (with `out=` and
    no dtype, in out's dtype). The in-place Tensor.cumsum_ writes into self, bumps its version
    and returns self. Backward: CumsumBackward0."""
cumprod = _cumulative("cumprod", xp.cumprod, Derivative("CumprodBackward0", _CUMPROD))
cumprod.__doc__ = """insitu.cumprod(input, dim, *, dtype=None, out=None): the running products
    along `dim` (dtypes as `cumsum`; Tensor.cumprod_ in place). The gradient is exact where the
    input has zeros. Backward: CumprodBackward0."""


# ------------------------------------------------------------------------ cummax / cummin

CummaxResult, CumminResult = return_type("cummax"), return_type("cummin")
_OUT_RESULTS = {"cummax": return_type("cummax_out"), "cummin": return_type("cummin_out")}


def _cummaxmin_grad(grad, self_shape, self_dtype, dim, indices):
    """Each running extreme's gradient goes back to the element it was taken from."""
    if not self_shape:
        return grad
    return zeros(self_shape, dtype=self_dtype).scatter_add_(dim, indices, grad)   # no copy


def _running_extreme(a, d, largest):
    """PyTorch's loop: an element replaces the running value when it is NaN or when it is
    >= (cummax) / <= (cummin) it and the running value is not NaN; ties take the later index.
    So the index is the last position so far holding the running value (or the last NaN)."""
    values = (xp.maximum if largest else xp.minimum).accumulate(a, axis=d)
    hits = a == values
    if a.dtype.kind == "f":
        hits |= a != a
    if d == a.ndim - 1 and hits.flags.c_contiguous:
        return values, _last_hit(hits)
    shape = [1] * a.ndim
    shape[d] = a.shape[d]
    positions = xp.where(hits, xp.arange(a.shape[d]).reshape(shape), 0)
    return values, xp.maximum.accumulate(positions, axis=d)


def _last_hit(hits):
    """For each place along the last axis, the position of the last True at or before it, each
    line starting with a True: the Trues' positions, each repeated up to the next one (a running
    maximum only runs through a few new values per line, so this is much cheaper than a scan)."""
    at = xp.flatnonzero(hits)
    runs = xp.diff(at, append=hits.size)
    return xp.repeat(at % hits.shape[-1], runs).reshape(hits.shape)


def _cummaxmin(name, largest, derivative):
    result = CummaxResult if largest else CumminResult

    def cummax(input, dim, *, out=None):
        a = input._data
        d = _wrap_dim(dim, a.ndim)
        if out is not None:
            check_out_grad(name, out[0], (input,))
            for t, want in ((out[0], input._dtype), (out[1], dtypes.int64)):
                if t._dtype is not want:
                    raise RuntimeError(f"expected scalar_type {want.legacy} but found "
                                       f"{t._dtype.legacy}")
        if a.ndim == 0 or a.size == 0:
            values, idx = a.copy(), xp.zeros(a.shape, xp.int64)
        else:
            values, idx = _running_extreme(a, d, largest)
        if out is not None:
            write_out(name, out[0], values, (input,))
            write_out(name, out[1], idx, (input,))
            return _OUT_RESULTS[name](out[0], out[1])
        values, indices = wrap(c_contiguous(values), input._dtype), wrap(idx, dtypes.int64)
        record(derivative, (input,), values, {"dim": d, "indices": indices})
        return result(values, indices)
    cummax.__name__ = cummax.__qualname__ = name
    return cummax


cummax = _cummaxmin("cummax", True, Derivative("CummaxBackward0", {"self": _cummaxmin_grad}))
cummax.__doc__ = """insitu.cummax(input, dim, *, out=None): the named tuple (values, indices)
    of the running maximum along `dim`; a NaN, once met, stays the running value, and ties take
    the later index, as in PyTorch. Backward: CummaxBackward0 (the gradient goes to the indices)."""
cummin = _cummaxmin("cummin", False, Derivative("CumminBackward0", {"self": _cummaxmin_grad}))
cummin.__doc__ = """insitu.cummin(input, dim, *, out=None): the named tuple (values, indices)
    of the running minimum along `dim` (NaN and ties as `cummax`). Backward: CumminBackward0."""


# ------------------------------------------------------------------------ logcumsumexp

def _reverse_logcumsumexp(x, dim):
    return logcumsumexp(x.flip(dim), dim).flip(dim)


def _logcumsumexp_grad(grad, self, result, dim):
    """PyTorch's formula: the positive and negative parts of the gradient, each summed in log
    space from the end."""
    if grad._data.ndim == 0 or grad._data.size == 0:
        return grad
    lowest = float(xp.finfo(grad._dtype.np).min)
    log_abs = grad.abs().log()
    positive = log_abs.where(grad > 0, lowest)
    negative = log_abs.where(grad < 0, lowest)
    out_pos = (_reverse_logcumsumexp(positive - result, dim) + self).exp()
    out_neg = (_reverse_logcumsumexp(negative - result, dim) + self).exp()
    return out_pos - out_neg


LOGCUMSUMEXP = Derivative("LogcumsumexpBackward0", {"self": _logcumsumexp_grad})


def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(x))), each step log(exp(x) + exp(running)) computed from the larger of
    the two (NumPy's logaddexp, which rounds as PyTorch's log1p(exp(min - max)) + max)."""
    a = input._data
    d = _wrap_dim(dim, a.ndim)
    if not input._dtype.is_floating_point:
        raise not_implemented("logcumsumexp_out_cpu", input._dtype)
    res = xp.logaddexp.accumulate(a, axis=d) if a.ndim and a.size else a.copy()
    if out is not None:
        return write_out("logcumsumexp", out, res, (input,))
    return record(LOGCUMSUMEXP, (input,), wrap(c_contiguous(res), input._dtype), {"dim": d})


def _k_cumulative(np_fn):
    def kernel(out, dt, a, dim, dtype=None):
        if a.ndim == 0:
            return out
        run = running_dtype(a.dtype)
        if run == a.dtype:
            return np_fn(a, axis=_wrap_dim(dim, a.ndim), out=out)
        out[...] = carried(np_fn, a, _wrap_dim(dim, a.ndim), run)
        return out
    return kernel


def _check_inplace(kernel):
    def check(args, params):
        self = args[0]
        dtype = params.get("dtype")
        if dtype is not None and dtypes.to_dtype(dtype) is not self._dtype:
            raise RuntimeError(
                f"Bad in-place call: input tensor dtype {CPP_NAMES[self._dtype.name]} and "
                f"output tensor dtype {CPP_NAMES[dtypes.to_dtype(dtype).name]} should match")
        _wrap_dim(params["dim"], self._data.ndim)
        if self._dtype is dtypes.bool_ and self._data.ndim:   # no kernel (0-dim: a copy)
            raise not_implemented(kernel, self._dtype)
    return check


# the in-place forms run through the table's in-place pipeline (guards, version, graph rewrite)
OPS = [
    Op("cumsum(Tensor self, dim, *, dtype=None)", _k_cumulative(xp.cumsum), promote="same",
       variants="inplace", check=_check_inplace("cumsum_out_cpu"), derivatives=_CUMSUM),
    Op("cumprod(Tensor self, dim, *, dtype=None)", _k_cumulative(xp.cumprod), promote="same",
       variants="inplace", check=_check_inplace("cumprod_out_cpu"), derivatives=_CUMPROD),
]


FUNCTIONS = {"cumsum": cumsum, "cumprod": cumprod, "cummax": cummax, "cummin": cummin,
             "logcumsumexp": logcumsumexp}
METHODS = dict(FUNCTIONS)
