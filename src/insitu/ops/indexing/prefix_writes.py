"""What PyTorch's CPU index kernels leave written when they meet an index out of range.

They walk their elements in order and check each index as they reach it, so everything before
the first bad one is written (and stays written: the error comes from inside the kernel, and no
version is bumped). These helpers find that first bad element in the kernel's order, write what
comes before it, and return it for the op to raise its own message; or return None when every
index is in range and the op's ordinary, vectorised write can run.
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
    once what precedes it is written."""
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
    n = arrays[0].size
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
    adjacent = adv == list(range(adv[0], adv[-1] + 1))
    before = [k for k in rest if k < adv[0]] if adjacent else []
    if j:
        # the walk writes the first element of each dim before, then the index elements before j
        where = tuple(arrays[adv.index(k)][:j] if k in adv else
                      slice(0, 1) if k in before else slice(None) for k in range(len(shape)))
        bshape = xp.broadcast_shapes(*[entries[k].shape for k in adv])
        lead = len(before)
        v = xp.broadcast_to(values, tuple(shape[k] for k in before) + bshape
                            + tuple(shape[k] for k in rest if k not in before))
        v = v[(slice(0, 1),) * lead]
        v = v.reshape(v.shape[:lead] + (n,) + v.shape[lead + len(bshape):])[
            (slice(None),) * lead + (slice(0, j),)]
        if accumulate:
            xp.add.at(out, where, v)
        else:
            out[where] = v
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
    else (the position in idx of the first bad index, the coordinates written before it, in
    walk order, as an index tuple of the restrided iteration)."""
    p = first_bad(idx, low, high)
    if p is None:
        return None
    shape = list(o.shape)
    shape[d] = idx.size
    rank = walk_rank(shape, operands())
    at = [0] * len(shape)
    at[d] = p
    written = rank < rank[tuple(at)]    # the bad element is the first of its slice walked
    coords = xp.nonzero(written)
    order = xp.argsort(rank[coords], kind="stable")
    return p, tuple(c[order] for c in coords)


# scatter, scatter_add, scatter_reduce -------------------------------------------------------

def scatter(o, d, idx, operands):
    """PyTorch's scatter walk: TensorIterator over the index's shape with dim d squashed, the
    dim-d loop inside each position when d is self's last dim, else between the outer positions
    and the innermost (coalesced) run of them. None when every index is in [0, size), else (the
    first bad index, the index positions written before it, in walk order, as an index
    tuple)."""
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
    written = xp.nonzero(key < first)
    order = xp.argsort(key[written], kind="stable")
    return int(idx[xp.unravel_index(int(xp.argmax(key == first)), idx.shape)]), \
        tuple(c[order] for c in written)
