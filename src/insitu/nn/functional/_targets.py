"""Class-index targets on arrays, for nll_loss and cross_entropy: the checks PyTorch makes, each
sample's class and weight, and reading or adding at each sample's target class."""
from ...backend import xp
from ...core import dtypes
from ...ops.softmax import softmax_array


def classes_first(input, target):
    """(input as (N, C, ...), target as (N, ...)) arrays; a (C,) input is a batch of one."""
    a, t = input._data, target._data
    if t.dtype not in (xp.int64, xp.uint8):
        name = dtypes.from_numpy_dtype(t.dtype).legacy
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {name}")
    if a.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if a.ndim == 1:
        if t.ndim != 0:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return a[None], t.reshape(1)
    if a.shape[0] != (t.shape[0] if t.ndim else -1):
        raise ValueError(f"Expected input batch_size ({a.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 1}).")
    if t.shape != a.shape[:1] + a.shape[2:]:
        raise RuntimeError(f"Expected target size {list(a.shape[:1] + a.shape[2:])}, got "
                           f"{list(t.shape)}")
    return a, t


def target_weights(t, n_classes, weight, ignore_index, dtype):
    """(safe class index per sample, weight per sample with ignored samples at 0, whether every
    weight is 1)."""
    t64 = t.astype(xp.int64, copy=False)
    lo, hi = (int(t64.min()), int(t64.max())) if t64.size else (0, -1)
    # no sample can be ignored when ignore_index lies outside the targets' range
    ignored = t64 == ignore_index if lo <= ignore_index <= hi else None
    any_ignored = ignored is not None and bool(ignored.any())
    if any_ignored or lo < 0 or hi >= n_classes:
        if ignored is None:
            ignored = xp.zeros(t64.shape, xp.bool_)
        bad = ((t64 < 0) | (t64 >= n_classes)) & ~ignored
        if bad.any():
            raise IndexError(f"Target {int(t64[bad].flat[0])} is out of bounds.")
    safe = xp.where(ignored, 0, t64) if any_ignored else t64
    if weight is not None:
        w = weight._data
        if w.shape != (n_classes,):
            raise RuntimeError(f"weight tensor should be defined either for all {n_classes} "
                               f"classes or no classes but got weight tensor of shape: "
                               f"{list(w.shape)}")
        wt = w[safe].astype(dtype, copy=False)
    else:
        wt = xp.ones(safe.shape, dtype)
    if any_ignored:
        wt[ignored] = 0
    return safe, wt, weight is None and not any_ignored


_ROWS = {}


def _rows(n):
    r = _ROWS.get(n)
    if r is None:
        r = _ROWS[n] = xp.arange(n)
    return r


def pick(a, safe):
    """a[n, safe[n], ...]: the entry of each sample's target class."""
    if a.ndim == 2:
        return a[_rows(len(safe)), safe]
    return xp.take_along_axis(a, safe[:, None], axis=1)[:, 0]


def add_at_target(a, safe, values):
    """a[n, safe[n], ...] += values[n, ...], in place."""
    if a.ndim == 2:
        a[_rows(len(safe)), safe] += values
    else:
        picked = xp.take_along_axis(a, safe[:, None], axis=1)
        picked += values[:, None]
        xp.put_along_axis(a, safe[:, None], picked, axis=1)


def log_softmax_array(a, axis):
    """The log-softmax of the array `a` along `axis` in a's dtype: log_softmax's own kernel, whose
    exp goes through scratch a block of rows at a time (no temporary of the input's size)."""
    r = softmax_array(a, axis, True)
    return r if r.dtype == a.dtype else r.astype(a.dtype)
