"""Special values and special functions: isnan/isinf/isfinite, nan_to_num, erf, and the
comparisons of whole tensors (isclose, allclose, equal); plus the small broadcasting helpers
(broadcast_tensors, meshgrid) and diag / repeat_interleave built from existing ops."""
import math

from ..backend import xp
from ..core import dtypes
from ..core.tensor import Tensor, wrap
from ..creation import tensor, zeros
from .bitselect import BITS, fill_where
from .checks import broadcast_shapes
from .erf import erf_array
from .table import Op


def _k_bool(ufunc, bool_out_only=False):
    def kernel(out, dt, a):
        if a.dtype.kind in "iub":        # integers are always finite
            r = xp.zeros(a.shape, bool) if ufunc is not xp.isfinite else xp.ones(a.shape, bool)
            return r if out is None else _store(r, out)
        return ufunc(a, out=out)
    kernel.bool_out_only = bool_out_only   # out= must be bool (`pipelines.into_out` checks)
    return kernel


def _store(r, out):
    xp.copyto(out, r, casting="unsafe")
    return out


def _k_nan_to_num(out, dt, a, nan=0.0, posinf=None, neginf=None):
    if a.dtype.kind != "f":
        return a.copy() if out is None else _store(a, out)
    info = xp.finfo(a.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    if a.dtype not in BITS or (out is not None and out.dtype != a.dtype):
        r = xp.nan_to_num(a, copy=out is not a, nan=nan, posinf=posinf, neginf=neginf)
        return r if out is None or r is out else _store(r, out)
    r = a.copy() if out is None else (out if out is a else _store(a, out))
    if r.size and not xp.isfinite(r.max() - r.min()):   # a nan or an infinity somewhere
        for find, value in ((xp.isnan, nan), (xp.isposinf, posinf), (xp.isneginf, neginf)):
            m = find(r)
            if m.any():
                fill_where(r, m, float(value))
    return r


def _k_erf(out, dt, a):
    if dt is not None and a.dtype != dt:
        a = a.astype(dt)
    if out is not None and out.dtype.kind != "f":
        return _store(erf_array(a), out)
    return erf_array(a, out)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# PyTorch's isinf of an inference tensor runs abs (isfinite always does: its autograd kernel
# reads the operands' grad_fns)
OPS = [
    Op("isnan(Tensor self)", _k_bool(xp.isnan), promote="bool", variants="function method"),
    Op("isinf(Tensor self)", _k_bool(xp.isinf), promote="bool", variants="function method",
       composite_out="abs"),
    Op("isfinite(Tensor self)", _k_bool(xp.isfinite), promote="bool", variants="function method",
       composite_out="abs", reads_edges=True),
] + [   # their out= must be bool
    Op(f"{name}(Tensor self)", _k_bool(fn, True), promote="bool", variants="function method")
    for name, fn in [("isposinf", xp.isposinf), ("isneginf", xp.isneginf)]
] + [
    Op("nan_to_num(Tensor self, nan=0.0, posinf=None, neginf=None)", _k_nan_to_num,
       promote="same", derivatives={"self": lambda grad, self: grad * self.isfinite()},
       composite_out="nan_to_num"),
    Op("erf(Tensor self)", _k_erf, promote="float",
       derivatives={"self": lambda grad, self:
                    grad * _TWO_OVER_SQRT_PI * (-(self * self)).exp()}),
]
# an integer or bool nan_to_num_ is PyTorch's copy_ of self into itself, which checks nothing:
# an expanded self is written (as it was)
OPS[-2].internal_overlap_ok = lambda data: data.dtype.kind in "iub"



def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """insitu.isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False): elementwise
    |input - other| <= atol + rtol * |other|, as a bool tensor (NaNs equal only with `equal_nan`).
    A tensor `other` must have input's dtype, as in PyTorch."""
    a, b = input._data, (other._data if isinstance(other, Tensor) else other)
    if isinstance(other, Tensor) and input._dtype is not other._dtype:
        raise RuntimeError(f"{input._dtype.legacy} did not match {other._dtype.legacy}")
    return wrap(xp.asarray(xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)),
                dtypes.bool_)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """insitu.allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False): whether `isclose`
    holds everywhere, as a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    """insitu.equal(input, other): True when both tensors have the same shape and equal elements (a
    Python bool)."""
    a, b = input._data, other._data
    if a.shape != b.shape:
        return False
    if a.size <= _FIRST_BLOCK or not (a.flags.c_contiguous and b.flags.c_contiguous):
        return bool((a == b).all())
    # the first element, then blocks growing fourfold: a difference near the start is found
    # without reading the rest
    a, b = a.reshape(-1), b.reshape(-1)
    if not a[0] == b[0]:
        return False
    start, step = 0, _FIRST_BLOCK
    while start < a.size:
        stop = start + step
        if not (a[start:stop] == b[start:stop]).all():
            return False
        start, step = stop, step * 4
    return True


_FIRST_BLOCK = 4096


def broadcast_tensors(*tensors):
    """insitu.broadcast_tensors(*tensors): the tensors expanded to their common broadcast shape, as
    views (ExpandBackward0 each)."""
    shape = tuple(broadcast_shapes(*[t._data.shape for t in tensors]))
    return tuple(t.expand(shape) for t in tensors)


def meshgrid(*tensors, indexing="ij"):
    """insitu.meshgrid(*tensors, indexing="ij"): coordinate grids of the 1-dim inputs, as expanded
    views; `indexing="xy"` swaps the roles of the first two. When `indexing` is not passed it is
    "ij", without PyTorch's warning about the upcoming change."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    swap = indexing == "xy" and len(tensors) >= 2
    ts = list(tensors)
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    grids = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = -1
        grids.append(t.reshape(view).expand(shape))
    if swap:                       # 'xy': the first two inputs swap roles, outputs swap back
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def diag(input, diagonal=0):
    """insitu.diag(input, diagonal=0): for a 1-dim input, a square matrix with it on diagonal
    `diagonal`; for a 2-dim input, a copy of that diagonal. Differentiable (CopySlices and
    CloneBackward0 respectively)."""
    nd = input._data.ndim
    if nd == 1:
        n = input._data.shape[0] + abs(diagonal)
        out = zeros(n, n, dtype=input._dtype)
        out.diagonal(diagonal).copy_(input)   # differentiable: CopySlices routes the gradient
        return out
    if nd == 2:
        return input.diagonal(diagonal).clone()
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{nd}D")


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """insitu.repeat_interleave(input, repeats=None, dim=None, *, output_size=None): each element
    (or slice along `dim`; the flattened input without one) repeated `repeats` times (an int, or
    a tensor of counts), through `index_select` (IndexSelectBackward0).
    `repeat_interleave(counts)` gives the indices repeated by counts. `output_size` is accepted
    and not needed."""
    if repeats is None:              # repeat_interleave(repeats): indices repeated by counts
        counts = input._data
        return tensor(xp.repeat(xp.arange(counts.size), counts))
    if dim is None:
        input = input.reshape(-1)
        dim = 0
    n = input._data.shape[dim]
    counts = repeats._data if isinstance(repeats, Tensor) else xp.full(n, repeats)
    index = tensor(xp.repeat(xp.arange(n), counts))
    return input.index_select(dim, index)


def fill_diagonal_(self, fill_value, wrap=False):
    """Tensor.fill_diagonal_(fill_value, wrap=False): writes `fill_value` on the main diagonal (all
    dims of equal length beyond 2 dims; `wrap` restarts it below a tall matrix), in place through
    `index_put_`: bumps the version, returns self."""
    a = self._data
    if a.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if a.ndim > 2 and len(set(a.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    n = min(a.shape)
    idx = xp.arange(n)
    index = tuple([idx] * a.ndim)
    if wrap and a.ndim == 2 and a.shape[0] > a.shape[1] + 1:
        rows = xp.arange(a.shape[0])
        keep = rows % (a.shape[1] + 1) != a.shape[1]
        rows = rows[keep]
        index = (rows, xp.arange(rows.size) % a.shape[1])
    return self.index_put_(tuple(tensor(i) for i in index),
                           tensor(fill_value, dtype=self._dtype))


FUNCTIONS = {"isclose": isclose, "allclose": allclose, "equal": equal,
             "broadcast_tensors": broadcast_tensors, "meshgrid": meshgrid, "diag": diag,
             "repeat_interleave": repeat_interleave}
METHODS = {"isclose": isclose, "allclose": allclose, "equal": equal, "diag": diag,
           "repeat_interleave": repeat_interleave, "fill_diagonal_": fill_diagonal_}
