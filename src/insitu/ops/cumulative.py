"""Cumulative ops: cumsum and cumprod (out of place and in place), cummax/cummin and
logcumsumexp.

Their result keeps the input's shape, but each element depends on those before it along `dim`,
so the out-of-place forms are plain functions recorded through `record`; the in-place forms
(cumsum_, cumprod_) are table ops and run through the in-place pipeline (guards, version, graph
rewrite). Both forms share one formula per op.
"""
from ..autograd.grad_mode import mode
from ..backend import has_internal_overlap, xp
from ..core import dtypes
from ..core.dtypes import CPP_NAMES
from ..core.tensor import _wrap_dim, wrap
from ..creation import zeros
from .checks import not_implemented
from .derivatives import Derivative, record
from .named_results import return_type
from .pipelines import check_out_grad, write_out
from .shape import cat, stack
from .reducing import acc_dtype, c_contiguous, result_or_out, sum_dtype
from .table import Op
from .walk import walk_dims


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


def _leading_minus_zero(a, d):
    """Whether a float scan along d starts with a -0.0 somewhere. PyTorch's running sum starts
    from +0.0, so its prefixes are never -0.0; NumPy's starts from the first element, so a run
    of leading -0.0 stays -0.0, and only there (a sum is -0.0 only when both terms are)."""
    if a.dtype.kind not in "fc" or not a.shape[d]:
        return False
    first = a[(slice(None),) * d + (0,)]
    if first.all():        # no zero at all: the common case, one pass over one slice
        return False
    if a.dtype.kind == "c":
        return bool((xp.signbit(first.real) & (first.real == 0)).any()
                    or (xp.signbit(first.imag) & (first.imag == 0)).any())
    return bool((xp.signbit(first) & (first == 0)).any())


def _cumsum(a, axis, dtype=None, out=None):
    """NumPy's cumsum, with PyTorch's +0.0 start."""
    plus_zero = _leading_minus_zero(a, axis)
    res = xp.cumsum(a, axis=axis, dtype=dtype, out=out)
    if plus_zero:
        res += 0.0
    return res


def _reverse_cumsum(g, d):
    """Sum from each position to the end along d; its own backward is a cumsum."""
    a = g._data
    res = (xp.flip(carried(_cumsum, xp.flip(a, d), d, running_dtype(a.dtype)), d)
           .astype(a.dtype, copy=False) if a.ndim else a.copy())
    return record(_REVERSE_CUMSUM, (g,), wrap(c_contiguous(res), g._dtype), {"dim": d})


_REVERSE_CUMSUM = Derivative("CumsumBackward0", {"self": lambda grad, dim: cumsum(grad, dim)})


def _cumsum_grad(grad, dim):
    if grad._data.ndim == 0:
        return grad
    return _reverse_cumsum(grad, _wrap_dim(dim, grad._data.ndim))


def _cumprod_grad(grad, self, result, dim):
    """PyTorch's cumprod_backward: without zeros, the reversed cumsum of grad * result over the
    input; with zeros, its first-zero masks when no graph is built (exact zeros past each slice's
    first zero), and its product-of-the-others loop when one is (differentiable again)."""
    x, g = self, grad
    xd = x._data
    if xd.ndim == 0 or xd.size <= 1:
        return g
    d = _wrap_dim(dim, xd.ndim)
    if xd.shape[d] == 1:
        return g
    w = result * g
    is_zero = xd == 0
    if not is_zero.any():
        return _reverse_cumsum(w, d) / x
    if mode.grad:
        return _cumprod_grad_by_products(g, x, d)
    zeros_before = xp.cumsum(is_zero, axis=d)
    before = wrap(zeros_before == 0, dtypes.bool_)
    out = zeros(xd.shape, dtype=g._dtype)
    out.masked_scatter_(before, _reverse_cumsum(w.masked_fill(~before, 0.0), d).div_(x)
                        .masked_select(before))
    first = xp.argmax(zeros_before == 1, axis=d)[(slice(None),) * d + (None,)]
    at_first = xp.zeros(xd.shape, bool)
    xp.put_along_axis(at_first, first, True, axis=d)
    at_first &= zeros_before == 1
    between = wrap((zeros_before == 1) & ~at_first, dtypes.bool_)
    lead = result.gather(d, wrap(xp.maximum(first - 1, 0), dtypes.int64)).masked_fill_(
        wrap(first == 0, dtypes.bool_), 1.0)
    value = (x.masked_fill(~between, 1.0).cumprod(d)
             .mul_(g.masked_fill(wrap(zeros_before != 1, dtypes.bool_), 0.0))
             .sum(d, keepdim=True).mul_(lead))
    at_first = wrap(at_first, dtypes.bool_)
    out.masked_scatter_(at_first, value.masked_select(at_first))
    return out


def _cumprod_grad_by_products(g, x, d):
    """The k-th gradient as sum_j grad_j * prod_{i <= j, i != k} x_i, slice by slice."""
    n = x.shape[d]
    ones_shape = list(x.shape)
    ones_shape[d] = 1
    ones = x.new_ones((1,)).expand(ones_shape)
    slices = []
    for k in range(n):
        if k == 0:
            omitted = cat([ones, x.narrow(d, 1, n - 1).cumprod(d)], d)
        else:
            until = x.narrow(d, 0, k).prod(d, keepdim=True)
            if k == n - 1:
                omitted = until
            else:
                after = x.narrow(d, k + 1, n - k - 1).cumprod(d)
                omitted = cat([until, until.expand_as(after) * after], d)
        slices.append((g.narrow(d, k, n - k) * omitted).sum(d))
    return stack(slices, d)


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


cumsum = _cumulative("cumsum", _cumsum, Derivative("CumsumBackward0", _CUMSUM))
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


def _k_cumulative(np_fn, name):
    def kernel(out, dt, a, dim, dtype=None):
        d = _wrap_dim(dim, a.ndim)
        if a.ndim == 0 or not a.size:
            return out      # PyTorch's copy, or nothing: no kernel, so bool passes
        if a.dtype == xp.bool_:
            raise not_implemented(name, dtypes.bool_)
        run = running_dtype(a.dtype)
        if out is a and has_internal_overlap(a):
            return _scan_in_order(a, d, run, np_fn is xp.cumprod)
        if run == a.dtype:
            return np_fn(a, axis=d, out=out)
        out[...] = carried(np_fn, a, d, run)
        return out
    return kernel


def _scan_in_order(a, d, run, product):
    """An in-place scan of a tensor whose elements share memory (unfold's windows): PyTorch's
    kernel scans one line along `d` at a time, the lines in its TensorIterator's order, each
    element read after the earlier writes, so a shared element carries what an earlier line
    wrote into it."""
    shape = list(a.shape)
    shape[d] = 1                    # the scanned dim is squashed out of the iterator
    perm = walk_dims(shape, [a.strides, a.strides])
    outer = [k for k in perm[::-1] if k != d]
    lines = a.transpose(outer + [d])
    rt = xp.dtype(run).type
    one = rt(1) if product else rt(0)
    for idx in xp.ndindex(lines.shape[:-1]):
        line = lines[idx]
        acc = one
        for i in range(line.shape[0]):
            acc = acc * rt(line[i]) if product else acc + rt(line[i])
            line[i] = acc
    return a


def _check_inplace():
    def check(args, params):
        self = args[0]
        dtype = params.get("dtype")
        if dtype is not None and dtypes.to_dtype(dtype) is not self._dtype:
            raise RuntimeError(
                f"Bad in-place call: input tensor dtype {CPP_NAMES[self._dtype.name]} and "
                f"output tensor dtype {CPP_NAMES[dtypes.to_dtype(dtype).name]} should match")
        _wrap_dim(params["dim"], self._data.ndim)
    return check


# the in-place forms run through the table's in-place pipeline (guards, version, graph rewrite)
OPS = [
    Op("cumsum(Tensor self, dim, *, dtype=None)", _k_cumulative(_cumsum, "cumsum_out_cpu"),
       promote="same", variants="inplace", check=_check_inplace(), derivatives=_CUMSUM),
    Op("cumprod(Tensor self, dim, *, dtype=None)", _k_cumulative(xp.cumprod, "cumprod_out_cpu"),
       promote="same", variants="inplace", check=_check_inplace(), derivatives=_CUMPROD),
]


FUNCTIONS = {"cumsum": cumsum, "cumprod": cumprod, "cummax": cummax, "cummin": cummin,
             "logcumsumexp": logcumsumexp}
METHODS = dict(FUNCTIONS)
