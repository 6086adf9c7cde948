"""Ops that rearrange whole tensors: cat/stack and their h/v/d/column forms, flip, roll, rot90,
repeat/tile, tril/triu, diff, block_diag and cartesian_prod.

Each result is computed with NumPy and recorded through `ops.derivatives` (formulas written with
insitu ops, so they are differentiable again); `out=` goes through `pipelines.write_out`.
tril/triu have in-place forms, so they are `Op` declarations and run the table pipelines.
"""
from ..backend import xp
from ..core import dtypes
from ..core.tensor import Tensor, _wrap_dim, wrap
from ..creation import empty_like
from .checks import common_dtype, size_list
from .derivatives import Derivative, record
from .pipelines import write_out
from .table import EXPANDED_SELF, Op


def _dims_arg(dims):
    """`flip(0, 1)`, `flip((0, 1))` and `flip([0, 1])` all mean dims (0, 1)."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        return tuple(dims[0])
    return tuple(dims)


def _result_dtype(tensors):
    return dtypes.result_type_of([t._dtype for t in tensors], [], [])


# ------------------------------------------------------------------------ cat / stack
# cat and stack read any number of tensors, each an input with its own edge: one Derivative per
# number of tensors, made on first use.

def _of_arity(cache, name, formula, n):
    d = cache.get(n)
    if d is None:
        names = tuple(f"tensors{i}" for i in range(n))
        d = cache[n] = Derivative(name, {names: formula}, inputs=names)
    return d


def _cat_grads(grad, dim, sizes, skipped, needs):
    grads = []
    start = 0
    for size, skip, need in zip(sizes, skipped, needs):
        if skip:            # a legacy empty tensor (shape [0]) took no part
            grads.append(grad.new_zeros((0,)) if need else None)
            continue
        grads.append(grad.narrow(dim, start, size) if need else None)
        start += size
    return grads


def _stack_grads(grad, dim, needs):
    return [grad.select(dim, i) if need else None for i, need in enumerate(needs)]


_CAT = {}
_STACK = {}


def _tensor_list(tensors, fn):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fn}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    return list(tensors)


def cat(tensors, dim=0, *, axis=None, out=None):
    """insitu.cat(tensors, dim=0, *, out=None), also `concat` and `concatenate` (which take `axis=`
    too): the tensors joined along an existing dim, in their promoted dtype. Sizes must match
    except along `dim`; 1-dim empty tensors (shape [0]) are skipped, as in PyTorch. `out=`
    receives the result (its dtype must be one the inputs can be cast to). Backward:
    CatBackward0."""
    tensors = _tensor_list(tensors, "cat")
    if axis is not None:
        dim = axis
    if not tensors:
        raise ValueError("insitu.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # PyTorch skips legacy empty tensors (shape [0]) in every shape check
    skipped = [t._data.ndim == 1 and t._data.size == 0 for t in tensors]
    valid = [t for t, s in zip(tensors, skipped) if not s]
    dt = _result_dtype(tensors)
    if out is not None and not dtypes.can_cast(dt, out._dtype):
        raise TypeError(f"insitu.cat(): input types can't be cast to the desired output type "
                        f"{out._dtype.legacy}")
    if valid:
        ref = valid[0]._data
        d = _wrap_dim(dim, ref.ndim)
        for i, (t, s) in enumerate(zip(tensors, skipped)):
            if s:
                continue
            shape = t._data.shape
            if len(shape) != ref.ndim:
                raise RuntimeError(f"Tensors must have same number of dimensions: got "
                                   f"{ref.ndim} and {len(shape)}")
            for k, (a, b) in enumerate(zip(ref.shape, shape)):
                if k != d and a != b:
                    raise RuntimeError(
                        f"Sizes of tensors must match except in dimension {d}. Expected size "
                        f"{a} but got size {b} for tensor number {i} in the list.")
        arr = xp.concatenate([t._data for t in valid], axis=d, dtype=dt.np, casting="unsafe")
    else:
        d = dim
        arr = xp.empty((0,), dt.np)
    if out is not None:
        return write_out("cat", out, arr, tensors)
    sizes = [0 if s else t._data.shape[d] for t, s in zip(tensors, skipped)]
    return record(_of_arity(_CAT, "CatBackward0", _cat_grads, len(tensors)), tensors,
                  wrap(arr, dt), {"dim": d, "sizes": sizes, "skipped": skipped})


def stack(tensors, dim=0, *, out=None):
    """insitu.stack(tensors, dim=0, *, out=None): equal-shaped tensors joined along a new dim `dim`,
    in their promoted dtype. Backward: StackBackward0."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{size_list(first)} at entry 0 and {size_list(t._data.shape)} "
                               f"at entry {i}")
    d = _wrap_dim(dim, len(first) + 1)
    dt = _result_dtype(tensors)
    arr = xp.stack([t._data for t in tensors], axis=d, dtype=dt.np, casting="unsafe")
    if out is not None:
        return write_out("stack", out, arr, tensors)
    return record(_of_arity(_STACK, "StackBackward0", _stack_grads, len(tensors)), tensors,
                  wrap(arr, dt), {"dim": d})


def _atleast(t, n):
    nd = t._data.ndim
    if nd >= n:
        return t
    if n == 1 or nd == 0:
        return t.reshape((1,) * n)
    if n == 2:
        return t.unsqueeze(0)
    return t.unsqueeze(0).unsqueeze(-1) if nd == 1 else t.unsqueeze(-1)   # n == 3


def hstack(tensors, *, out=None):
    """insitu.hstack(tensors, *, out=None): `cat` along dim 0 for 1-dim tensors, along dim 1
    otherwise (0-dim tensors count as 1-dim)."""
    ts = [_atleast(t, 1) for t in _tensor_list(tensors, "hstack")]
    return cat(ts, 0 if ts and ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """insitu.vstack(tensors, *, out=None), also `row_stack`: `cat` along dim 0 after making every
    tensor at least 2-dim (a 1-dim tensor becomes one row)."""
    return cat([_atleast(t, 2) for t in _tensor_list(tensors, "vstack")], 0, out=out)


def dstack(tensors, *, out=None):
    """insitu.dstack(tensors, *, out=None): `cat` along dim 2 after making every tensor at least
    3-dim."""
    return cat([_atleast(t, 3) for t in _tensor_list(tensors, "dstack")], 2, out=out)


def column_stack(tensors, *, out=None):
    """insitu.column_stack(tensors, *, out=None): `cat` along dim 1, with 0- and 1-dim tensors made
    columns."""
    ts = [t.reshape(-1, 1) if t._data.ndim <= 1 else t
          for t in _tensor_list(tensors, "column_stack")]
    return cat(ts, 1, out=out)


# ------------------------------------------------------------------------ flip / roll / repeat

FLIP = Derivative("FlipBackward0", {"self": lambda grad, dims: grad.flip(dims)})


def flip(input, *dims):
    """Tensor.flip(*dims): a copy with the order of elements reversed along `dims` (ints or one
    sequence; NumPy's flip would be a view, PyTorch's is a copy). Backward: FlipBackward0."""
    dims = _dims_arg(dims)
    a = input._data
    seen = set()
    wrapped = []
    for dim in dims:
        d = _wrap_dim(dim, a.ndim)
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
        wrapped.append(d)
    arr = xp.flip(a, tuple(wrapped)).copy() if a.ndim else a.copy()
    return record(FLIP, (input,), wrap(arr, input._dtype), {"dims": tuple(wrapped)})


def fliplr(input):
    """insitu.fliplr(input): `flip(input, 1)`, for inputs of at least 2 dims."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input):
    """insitu.flipud(input): `flip(input, 0)`, for inputs of at least 1 dim."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def _roll_grad(grad, shifts, dims):
    back = tuple(-s for s in shifts)
    return grad.roll(back if dims is not None else back[0], dims)


ROLL = Derivative("RollBackward0", {"self": _roll_grad})


def roll(input, shifts, dims=None):
    """insitu.roll(input, shifts, dims=None): elements shifted circularly by `shifts` along `dims`
    (ints or sequences of one length); without dims, along the flattened tensor, shape kept.
    Backward: RollBackward0."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is not None:
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
    a = input._data
    n_dims = 0 if dims is None else len(dims)
    if (dims is None and len(shifts) != 1) or (dims is not None and len(shifts) != n_dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{n_dims}")
    if dims is None:
        arr = xp.roll(a.reshape(-1), shifts[0]).reshape(a.shape)
    else:
        dims = tuple(_wrap_dim(d, a.ndim) for d in dims)
        arr = xp.roll(a, shifts, dims) if a.ndim else a.copy()
    return record(ROLL, (input,), wrap(arr, input._dtype), {"shifts": shifts, "dims": dims})


def _repeat_grad(grad, repeats, padded, self_shape):
    """Each output dim is (repeat, size): split it so, and sum the repeats away."""
    split = []
    for r, s in zip(repeats, padded):
        split += [r, s]
    summed = tuple(range(0, 2 * len(repeats), 2))
    g = grad.reshape(split)
    if summed:
        g = g.sum(summed)
    return g.reshape(self_shape)


REPEAT = Derivative("RepeatBackward0", {"self": _repeat_grad})


def repeat(input, *sizes):
    """Tensor.repeat(*sizes): a copy tiled `sizes[i]` times along each dim (more sizes than dims add
    leading dims; fewer raise). Backward: RepeatBackward0."""
    reps = _dims_arg(sizes)
    a = input._data
    if len(reps) < a.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(reps) - a.ndim) + a.shape
    target = tuple(r * s for r, s in zip(reps, padded))
    negative = [t for t in target if t < 0]
    if negative:
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative[0]}: "
                           f"{size_list(target)}")
    arr = xp.tile(a.reshape(padded), reps) if reps else a.copy()
    return record(REPEAT, (input,), wrap(arr, input._dtype),
                  {"repeats": tuple(reps), "padded": padded})


def tile(input, *dims):
    """insitu.tile(input, dims): `repeat`, except that fewer `dims` than input dims are padded with
    leading 1s."""
    dims = _dims_arg(dims)
    lead = input._data.ndim - len(dims)
    return repeat(input, (1,) * lead + tuple(dims) if lead > 0 else dims)


def _rot90_grad(grad, k, dims):
    return rot90(grad, -k, dims)


ROT90 = Derivative("Rot90Backward0", {"self": _rot90_grad})


def rot90(input, k=1, dims=(0, 1)):
    """PyTorch's rot90: a flip then a transpose (a transposed copy, as PyTorch's result is)."""
    dims = tuple(dims)
    a = input._data
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if a.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {a.ndim}")
    d0, d1 = _wrap_dim(dims[0], a.ndim), _wrap_dim(dims[1], a.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} "
                           f"and dim1 = {dims[1]}")
    turns = k % 4
    if turns == 1:
        arr = xp.flip(a, d1).copy().swapaxes(d0, d1)
    elif turns == 2:
        arr = xp.flip(a, (d0, d1)).copy()
    elif turns == 3:
        arr = xp.flip(a, d0).copy().swapaxes(d0, d1)
    else:
        arr = a.copy()
    return record(ROT90, (input,), wrap(arr, input._dtype), {"k": k, "dims": dims})


# ------------------------------------------------------------------------ tril / triu

_TRI_MASKS = {}     # (m, n, k, inverted) -> xp.tri(m, n, k, dtype=bool), or its negation
_TRI_KEPT_MAX = 1 << 20     # elements (bytes) of a mask worth keeping
_TRI_KEPT = 4               # masks kept at most: 4 MiB in all, outside any tensor


def _tri_mask(m, n, k, inverted):
    """xp.tri(m, n, k) as booleans (negated if `inverted`), read-only, kept for the next call of
    the same shape: making it costs two passes, as much as the masked copy that uses it (a
    triu's backward is a triu of the gradient: the same mask again). The last few of at most
    1 MiB each are kept."""
    key = (m, n, k, inverted)
    mask = _TRI_MASKS.get(key)
    if mask is None:
        mask = xp.tri(m, n, k, dtype=bool)
        if inverted:
            xp.logical_not(mask, out=mask)
        mask.flags.writeable = False
        if mask.size <= _TRI_KEPT_MAX:
            if len(_TRI_MASKS) >= _TRI_KEPT:
                _TRI_MASKS.clear()
            _TRI_MASKS[key] = mask
    return mask


def _tri_kernel(lower):
    name = "tril" if lower else "triu"

    def kernel(out, dt, a, diagonal=0):
        if a.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        m, n = a.shape[-2:]
        if out is None:       # zeros, and the kept entries copied in: no pass over the others
            keep = _tri_mask(m, n, diagonal, False) if lower else \
                _tri_mask(m, n, diagonal - 1, True)
            out = xp.zeros(a.shape, a.dtype)
            xp.copyto(out, a, where=keep)
            return out
        # the entries to clear: above the diagonal for tril, below it for triu
        clear = _tri_mask(m, n, diagonal, True) if lower else _tri_mask(m, n, diagonal - 1,
                                                                        False)
        if out is not a:
            xp.copyto(out, a)
        xp.copyto(out, 0, where=clear, casting="unsafe")
        return out
    return kernel


# PyTorch's tril_ and triu_ write an expanded self as it is
TRIL = Op("tril(Tensor self, diagonal=0)", _tri_kernel(True), promote="same",
          writes=(EXPANDED_SELF,), derivatives={"self": lambda grad, diagonal: grad.tril(diagonal)})
TRIU = Op("triu(Tensor self, diagonal=0)", _tri_kernel(False), promote="same",
          writes=(EXPANDED_SELF,), derivatives={"self": lambda grad, diagonal: grad.triu(diagonal)})


# ------------------------------------------------------------------------ diff

def _check_diff_operand(input, other, d):
    if other is None:
        return
    if other._data.ndim != input._data.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for i, (a, b) in enumerate(zip(input._data.shape, other._data.shape)):
        if i != d and a != b:
            raise RuntimeError(
                "diff expects the shape of tensor to prepend or append to match that of input "
                f"except along the differencing dimension; input.size({i}) = {a}, but got "
                f"tensor.size({i}) = {b}")


def diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None):
    """PyTorch's composite: n differences of neighbours (logical_xor for bool), after
    concatenating `prepend` and `append` along dim."""
    if input._data.ndim < 1:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _wrap_dim(dim, input._data.ndim)
    _check_diff_operand(input, prepend, d)
    _check_diff_operand(input, append, d)
    parts = [t for t in (prepend, input, append) if t is not None]
    result = cat(parts, d) if len(parts) > 1 else input
    if n == 0:       # PyTorch's copy: a new tensor written by copy_ (CopyBackwards)
        result = empty_like(result).copy_(result)
    size = result._data.shape[d]
    length = size - 1
    for _ in range(min(n, size)):
        right, left = result.narrow(d, 1, length), result.narrow(d, 0, length)
        result = right.logical_xor(left) if result._dtype is dtypes.bool_ else right - left
        length -= 1
    if out is not None:
        return write_out("diff", out, result._data, parts)
    return result


# ------------------------------------------------------------------------ block_diag

def _block_diag_grads(grad, shapes, needs):
    grads, r, c = [], 0, 0
    for shape, need in zip(shapes, needs):
        rows, cols = (shape if len(shape) == 2 else (1, shape[0]) if shape else (1, 1))
        grads.append(grad[r:r + rows, c:c + cols].reshape(shape) if need else None)
        r, c = r + rows, c + cols
    return grads


_BLOCK_DIAG = {}


def block_diag(*tensors):
    """insitu.block_diag(*tensors): the tensors (0-, 1- or 2-dim; a 1-dim one is a row) placed along
    the diagonal of a zero matrix, in their common dtype. No tensors give a (1, 0) tensor.
    Backward: BlockDiagBackward0."""
    if not tensors:
        return wrap(xp.empty((1, 0), dtypes.get_default_dtype().np), dtypes.get_default_dtype())
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError("torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t._data.ndim} dimensions")
    dt = common_dtype(tensors)
    blocks = [t._data if t._data.ndim == 2 else t._data.reshape(1, -1) for t in tensors]
    arr = xp.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)), dt.np)
    r = c = 0
    for b in blocks:
        arr[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    derivative = _of_arity(_BLOCK_DIAG, "BlockDiagBackward0", _block_diag_grads, len(tensors))
    return record(derivative, tensors, wrap(arr, dt),
                  {"shapes": [t._data.shape for t in tensors]})


def cartesian_prod(*tensors):
    """Every combination of the 1-D inputs' elements, one per row (PyTorch's composite:
    meshgrid, flatten, stack)."""
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {size_list(t._data.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if any(t._dtype is not tensors[0]._dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    shape = tuple(t._data.shape[0] for t in tensors)
    grids = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[i] = -1
        grids.append(t.reshape(view).expand(shape).flatten())
    return stack(grids, 1)


def _flip_function(input, dims):
    """insitu.flip(input, dims): `input.flip(dims)`, a copy reversed along `dims` (the function
    takes one sequence of dims, the method also takes them as separate arguments)."""
    return flip(input, dims)


# ------------------------------------------------------------------------ tables

OPS = [TRIL, TRIU]

FUNCTIONS = {
    "cat": cat, "concat": cat, "concatenate": cat, "stack": stack, "hstack": hstack,
    "vstack": vstack, "row_stack": vstack, "dstack": dstack, "column_stack": column_stack,
    "flip": _flip_function, "fliplr": fliplr, "flipud": flipud,
    "roll": roll, "tile": tile, "rot90": rot90, "diff": diff, "block_diag": block_diag,
    "cartesian_prod": cartesian_prod,
}

METHODS = {
    "flip": flip, "fliplr": fliplr, "flipud": flipud, "roll": roll, "repeat": repeat,
    "tile": tile, "rot90": rot90, "diff": diff,
}
