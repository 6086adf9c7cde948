"""Which index PyTorch's CPU index kernels report when several are out of range.

They walk their elements in order and check each index as they reach it, so the first bad one
in the kernel's order is the one their message names (PyTorch leaves what it wrote before it
written; insitu writes nothing, `docs/differences.md`, `failed-writes-write-nothing`). These
helpers find that element for the op to raise its own message; or return None when every index
is in range and the op's ordinary, vectorised write can run.
"""
from ...backend import xp
from ..walk import coalesced_inner, walk_dims, walk_rank


def first_bad(idx, low, high):
    """Position of the first entry of the flat index `idx` outside [low, high), or None."""
    if not idx.size:
        return None
    bad = (idx >= high) | (idx < low)
    if not bad.any():
        return None
    return int(bad.argmax())


# index_put (x[idx] = v) --------------------------------------------------------------------

def index_put(out, indices, values, accumulate):
    """index_put's walk: over self restrided to (dims before the indexed block, the broadcast
    index shape, dims after), in row-major order; with indexed dims that are not adjacent, over
    (the index shape, the other dims). Returns None (all in range), "empty" (the walk has no
    element: nothing is written, nothing raised), or (index, dim, size) of the first bad index
    in the walk's order."""
    shape = out.shape
    if not _any_bad(indices, shape):
        return None
    entries = _per_dim(indices, len(shape))
    if entries is None:
        return None
    adv = [k for k, e in enumerate(entries) if e is not None]
    if not adv:
        return None
    arrays = [a.reshape(-1) for a in xp.broadcast_arrays(*[entries[k] for k in adv])]
    j = None
    for a, k in zip(arrays, adv):
        p = first_bad(a, -shape[k], shape[k])
        if p is not None and (j is None or p < j):
            j = p
    if j is None:
        return None
    rest = [k for k in range(len(shape)) if entries[k] is None]
    if any(shape[k] == 0 for k in rest):
        return "empty"
    for a, k in zip(arrays, adv):
        if not -shape[k] <= a[j] < shape[k]:
            return int(a[j]), adv.index(k), shape[k]
    return None


def _any_bad(indices, shape):
    """Whether some integer index array may be out of range for its dim (masks never are; -size,
    in range, passes this quick test too)."""
    dim = 0
    for i in indices:
        if i is Ellipsis:
            dim += len(shape) - sum(j.ndim if isinstance(j, xp.ndarray) and j.dtype == bool
                                    else j is not Ellipsis for j in indices)
        elif isinstance(i, xp.ndarray) and i.dtype == bool:
            dim += i.ndim
        else:
            if isinstance(i, xp.ndarray) and i.size and (xp.abs(i) >= shape[dim]).any():
                return True
            dim += 1
    return False


def _per_dim(indices, nd):
    """One entry per dim of self: an integer index array, or None for a whole dim (masks become
    their nonzero positions, as PyTorch's index kernel sees them); None for anything else."""
    n_real = 0
    for i in indices:
        if isinstance(i, xp.ndarray) and i.dtype == bool:
            n_real += i.ndim
        elif i is not Ellipsis:
            n_real += 1
    entries = []
    for i in indices:
        if i is Ellipsis:
            entries += [None] * (nd - n_real)
        elif isinstance(i, xp.ndarray) and i.dtype == bool:
            entries += list(xp.nonzero(i))
        elif isinstance(i, xp.ndarray):
            entries.append(i)
        elif isinstance(i, slice) and i == slice(None):
            entries.append(None)
        else:
            return None
    return entries + [None] * (nd - len(entries))


# index_fill, index_copy: self restrided to the index's length along dim ------------------

def along_dim(o, d, idx, low, high, operands):
    """The walk over self restrided to `len(idx)` entries along d (stride 0 there), with the
    strides `operands()` gives deciding its order: None when every index is in [low, high),
    else the position in idx of the first bad index (the first of its slice walked)."""
    return first_bad(idx, low, high)


# scatter, scatter_add, scatter_reduce -------------------------------------------------------

def scatter(o, d, idx, operands):
    """PyTorch's scatter walk: TensorIterator over the index's shape with dim d squashed, the
    dim-d loop inside each position when d is self's last dim, else between the outer positions
    and the innermost (coalesced) run of them. None when every index is in [0, size), else (the
    first bad index in that order, whether it is the first element walked)."""
    size = o.shape[d]
    bad = (idx >= size) | (idx < 0)
    if not bad.any():
        return None
    shape = list(idx.shape)
    n = shape[d]
    shape[d] = 1
    dims = walk_dims(shape, operands)
    inner = coalesced_inner(dims, shape, operands)
    pos = walk_rank(shape, operands)           # rank of each position, the dim-d loop apart
    pos = xp.broadcast_to(pos, idx.shape)
    i = xp.arange(n).reshape([n if k == d else 1 for k in range(idx.ndim)])
    if d == o.ndim - 1:
        key = pos * n + i
    else:
        key = pos // inner * (n * inner) + i * inner + pos % inner
    first = key[bad].min()
    return int(idx[xp.unravel_index(int(xp.argmax(key == first)), idx.shape)]), \
        bool(first == key.min())
