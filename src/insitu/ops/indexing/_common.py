"""What the index ops share: argument checks with PyTorch's messages, the coordinates an index
tensor reads or writes along a dim, and the array an in-place index kernel writes."""
from ...autograd.grad_mode import mode
from ...backend import xp
from ...core import dtypes
from ...core.storage import INFERENCE
from ...core.tensor import Tensor
from .. import checks
from ..table import ANY_DTYPE, ANY_SHAPE

# an index op writes self's dtype and shape, whatever its operands'; the index (and mask)
# tensors are parameters: a formula that reads one keeps it, version-checked
INDEX_OP = dict(promote="same", writes=(ANY_DTYPE, ANY_SHAPE))


def tensor_arg(x, fn, name, position):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {type(x).__name__}")
    return x


def at_least_1d(a):
    """A 0-dim array seen as 1-dim (a view), as PyTorch's index kernels treat scalars."""
    return a.reshape(1) if a.ndim == 0 else a


def first_out_of_range(idx, size, allow_negative=False):
    """The first index outside [0, size) (or [-size, size)), or None."""
    if idx.size == 0:
        return None
    low = -size if allow_negative else 0
    if idx.min() >= low and idx.max() < size:     # two reductions, no temporaries
        return None
    bad = (idx >= size) | (idx < low)
    return int(idx[bad][0])


def check_index_dtype(index, name):
    if index._dtype is not dtypes.int64 and index._dtype is not dtypes.int32:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")


def check_long_index(index, fn):
    if index._dtype is not dtypes.int64:
        raise RuntimeError(f"{fn}(): Expected a long tensor for index, but got "
                           f"{index._dtype.legacy}")


def check_bounds(idx, d, size):
    """gather/scatter/index_add: every index in [0, size) along dim d."""
    bad = first_out_of_range(idx, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")


def check_flat_bounds(idx, numel):
    """take/put index the tensor as if flattened; negative indices count from the end."""
    bad = first_out_of_range(idx, numel, allow_negative=True)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {numel} "
                         "elements.")


def coords(idx, dim):
    """NumPy index tuple that reads `a[..., idx[i, j, ...], ...]` at position (i, j, ...)."""
    nd = idx.ndim
    out = []
    for d, n in enumerate(idx.shape):
        if d == dim:
            out.append(idx)
        else:
            shape = [1] * nd
            shape[d] = n
            out.append(xp.arange(n).reshape(shape))
    return tuple(out)


def flat_positions(idx, dim, shape):
    """The places `coords(idx, dim)` names in a C-contiguous array of `shape`, as one flat intp
    index in the same (C) order. One index into a flat view takes NumPy's one-index loops
    (take, fancy assignment, ufunc.at's fast path), several times quicker than a tuple of
    broadcast ranges, and visits the elements in the same sequence (the same roundings)."""
    nd = idx.ndim
    step = 1
    base = 0
    stride_d = 1
    for k in range(nd - 1, -1, -1):
        if k == dim:
            stride_d = step
        else:
            n = idx.shape[k]
            if n > 1:
                rng = xp.arange(0, n * step, step, dtype=xp.intp)
                base = base + rng.reshape((n,) + (1,) * (nd - 1 - k))
        step *= shape[k]
    if stride_d == 1:
        pos = xp.add(idx, base, dtype=xp.intp)
    else:
        pos = xp.multiply(idx, stride_d, dtype=xp.intp)
        pos += base
    return pos.reshape(-1)


def target(out, a, *readers):
    """The array an index kernel writes: a copy of `a` out of place; `a` itself in place, after
    PyTorch's check that no index or source tensor overlaps it (`checks.check_no_overlap`: self
    itself counts, even empty; a source that overlaps it in a way PyTorch cannot tell was copied
    by the pipeline)."""
    if out is None:
        return a.copy()
    if out is not a:
        xp.copyto(out, a)
        return out
    for r in readers:
        if r is not None:
            checks.check_no_overlap(out, r)
    return out


def with_inference_overlap(check, *readers):
    """`check`, with an in-place form (`check.inplace`, which the pipeline runs for an in-place
    call) that adds PyTorch's overlap check of the parameters named by `readers` ("source" is
    the op's second operand) where self is an inference tensor written outside inference mode.
    PyTorch runs its kernel there before refusing the write, so the kernel's refusals (the
    overlap first) come first; insitu runs the kernel on a copy of self for them, where the
    overlap with self's own memory no longer shows."""
    def inplace(args, params):
        try:
            check(args, params)
        except NotImplementedError as e:     # a dtype without a kernel: after the overlap
            if not getattr(e, "early", False):
                _inference_overlap(args, params, readers)
            raise
        _inference_overlap(args, params, readers)
    check.inplace = inplace
    return check


def _inference_overlap(args, params, readers):
    self = args[0]
    if not self._storage.special & INFERENCE or mode.inference:
        return
    for name in readers:
        r = (args[1] if len(args) > 1 else None) if name == "source" else params.get(name)
        if isinstance(r, Tensor):
            checks.check_no_overlap(self._data, r._data)
