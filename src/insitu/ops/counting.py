"""Counting ops: unique, unique_consecutive, bincount and histc.

Their results have data-dependent shapes and integer counts, so they are computed with NumPy and
only the floating values of unique are recorded, on nodes whose backward raises PyTorch's
"not implemented" error (PyTorch records the same nodes, and refuses the same backward).
"""
from ..backend import xp
from ..core import dtypes
from ..core.tensor import _wrap_dim, wrap
from .checks import not_implemented
from .derivatives import Derivative, no_derivative, record
from .derivatives import not_implemented as derivatives_not_implemented
from .pipelines import write_out


UNIQUE = Derivative("Unique2Backward0", {"self": no_derivative("_unique2")})
UNIQUE_DIM = Derivative("UniqueDimBackward0", {"self": no_derivative("unique_dim")})
UNIQUE_CONSECUTIVE = Derivative("UniqueConsecutiveBackward0",
                                {"self": no_derivative("unique_consecutive")})
BINCOUNT = Derivative("NotImplemented", {"weights": derivatives_not_implemented("bincount")},
                      inputs=("self", "weights"))


# ------------------------------------------------------------------------ unique

def _results(input, derivative, values, inverse, counts, return_inverse, return_counts):
    """unique's return: the values alone, or a tuple with the inverse and/or the counts."""
    out = wrap(xp.ascontiguousarray(values), input._dtype)
    record(derivative, (input,), out)
    if not (return_inverse or return_counts):
        return out
    res = [out]
    if return_inverse:
        res.append(wrap(inverse.astype(xp.int64, copy=False), dtypes.int64))
    if return_counts:
        res.append(wrap(counts.astype(xp.int64, copy=False), dtypes.int64))
    return tuple(res)


def _check_unique_dim(a, d):
    for i, n in enumerate(a.shape):
        if n == 0 and i != d:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so "
                               "unique cannot be applied")


def _unique_along(a, d, consecutive, inverse=True, counts=True):
    """The distinct slices of `a` along dim `d` (sorted lexicographically, or runs of equal
    neighbours), the index of each slice's group and each group's size (runs: None for what is
    not asked for)."""
    n = a.shape[d]
    if n == 0:
        empty = xp.zeros(0, xp.int64)
        return a.copy(), empty, empty
    if consecutive:
        new = xp.empty(n, bool)
        new[0] = True
        if a.ndim == 1:
            xp.not_equal(a[1:], a[:-1], out=new[1:])
        else:
            slices = xp.moveaxis(a, d, 0).reshape(n, -1)
            new[1:] = (slices[1:] != slices[:-1]).any(axis=1)
        return (xp.compress(new, a, axis=d), xp.cumsum(new) - 1 if inverse else None,
                xp.diff(xp.flatnonzero(new), append=n) if counts else None)
    values, inverse, counts = xp.unique(a, return_inverse=True, return_counts=True, axis=d)
    return values, inverse.reshape(-1), counts


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (or slices along `dim`), sorted: PyTorch's CPU kernels sort
    whatever `sorted` says. NaNs are all distinct."""
    a = input._data
    if dim is not None:
        d = _wrap_dim(dim, a.ndim, scalar_ok=False)
        _check_unique_dim(a, d)
        values, inverse, counts = _unique_along(a, d, False)
        return _results(input, UNIQUE_DIM, values, inverse, counts, return_inverse,
                        return_counts)
    flat = a.reshape(-1)
    values, inverse, counts = xp.unique(flat, return_inverse=True, return_counts=True,
                                        equal_nan=False)
    return _results(input, UNIQUE, values, inverse.reshape(a.shape), counts, return_inverse,
                    return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """One element (or slice along `dim`) per run of equal neighbours."""
    a = input._data
    if dim is not None:
        d = _wrap_dim(dim, a.ndim, scalar_ok=False)
        _check_unique_dim(a, d)
        values, inverse, counts = _unique_along(a, d, True, return_inverse, return_counts)
    else:
        values, inverse, counts = _unique_along(a.reshape(-1), 0, True, return_inverse,
                                                return_counts)
        if return_inverse:
            inverse = inverse.reshape(a.shape)
    return _results(input, UNIQUE_CONSECUTIVE, values, inverse, counts, return_inverse,
                    return_counts)


# ------------------------------------------------------------------------ bincount

def bincount(input, weights=None, minlength=0):
    """Occurrences of each non-negative integer (weighted: float32 weights sum in float32,
    any other weights in float64)."""
    if input._dtype.category != 1:
        raise not_implemented("bincount_cpu", input._dtype)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    a = input._data
    if a.ndim == 1 and a.size == 0:
        return wrap(xp.zeros(minlength, xp.int64), dtypes.int64)
    if a.ndim != 1 or a.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return wrap(xp.bincount(a, minlength=minlength).astype(xp.int64), dtypes.int64)
    w = weights._data
    if w.ndim != 1 or w.shape[0] != a.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dt = dtypes.float32 if weights._dtype is dtypes.float32 else dtypes.float64
    res = xp.zeros(max(int(a.max()) + 1, minlength), dt.np)
    xp.add.at(res, a, w.astype(dt.np))         # in input order, as PyTorch's loop adds
    return record(BINCOUNT, (input, weights), wrap(res, dt))


# ------------------------------------------------------------------------ histc

def _cpp_double(v):
    """A double as C++ streams print it (`%g`; NaN keeps its sign)."""
    if v != v:
        return "-nan" if xp.signbit(v) else "nan"
    return format(v, "g")


def _histc_range(a, lo, hi):
    lo, hi = float(lo), float(hi)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (xp.isfinite(lo) and xp.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_cpp_double(lo)}, {_cpp_double(hi)}] is "
                           "not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    return lo, hi


def histc(input, bins=100, min=0, max=0, *, out=None):
    """A histogram of `bins` equal bins over [min, max] (the data's range when min == max);
    each element's bin is (x - min) * bins / (max - min), truncated, in the input's dtype,
    as PyTorch's kernel computes it; the last bin includes max, NaNs and elements outside are
    left out."""
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    a = input._data.reshape(-1)
    lo, hi = _histc_range(a, min, max)
    if not input._dtype.is_floating_point:
        raise not_implemented("histogram_cpu", input._dtype)
    t = a.dtype.type
    left, right = t(lo), t(hi)
    inside = a[(a >= left) & (a <= right)]
    pos = ((inside - left) * t(bins) / (right - left)).astype(xp.int64)
    pos[pos == bins] = bins - 1
    hist = xp.bincount(pos, minlength=bins).astype(a.dtype)
    if out is not None:
        return write_out("histc", out, hist, (input,))
    return wrap(hist, input._dtype)


FUNCTIONS = {"unique": unique, "unique_consecutive": unique_consecutive, "bincount": bincount,
             "histc": histc}
METHODS = dict(FUNCTIONS)
