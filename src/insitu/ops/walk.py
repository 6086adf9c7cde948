"""The order in which PyTorch's CPU kernels walk their elements (TensorIterator's): dims
sorted by the operands' strides, innermost first, then neighbouring dims coalesced.

Kernels that check their elements one by one (an index out of range) raise at the first bad one
in this order; these helpers say which one that is, so that insitu's message names the same
element (insitu raises before writing anything: docs/differences.md).
"""
from ..backend import xp


def walk_rank(shape, operands):
    """Each element's position in TensorIterator's walk over `shape` (row-major in the order
    `walk_dims` gives)."""
    outer = walk_dims(shape, operands)[::-1]
    return xp.arange(_numel(shape)).reshape([shape[k] for k in outer]).transpose(
        xp.argsort(outer))


def walk_dims(shape, operands):
    """The dims of TensorIterator's walk over `shape`, innermost first, ordered by the operands'
    strides as PyTorch's reorder_dimensions does: the first operand with two nonzero strides
    decides, equal strides put the smaller dim inside; undecided, the last dim is innermost."""
    nd = len(shape)
    perm = list(range(nd - 1, -1, -1))

    def should_swap(d0, d1):
        for st in operands:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return 1 if s0 > s1 else -1
            if shape[d0] > shape[d1]:
                return 1
        return 0
    for i in range(1, nd):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            c = should_swap(perm[dim0], perm[dim1])
            if c > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif c < 0:
                break
    return perm


def _numel(shape):
    n = 1
    for k in shape:
        n *= k
    return n


def coalesced_inner(dims, shape, operands):
    """The size of the innermost dim TensorIterator's coalesce_dimensions makes of `dims`
    (innermost first): neighbours merge when either has size 1 or every operand's strides run
    on across them."""
    if not dims:
        return 1
    shp = [shape[k] for k in dims]
    sts = [[st[k] for k in dims] for st in operands]
    prev = 0
    for dim in range(1, len(shp)):
        if shp[prev] == 1 or shp[dim] == 1 or all(shp[prev] * st[prev] == st[dim] for st in sts):
            if shp[prev] == 1:
                for st in sts:
                    st[prev] = st[dim]
            shp[prev] *= shp[dim]
        else:
            prev += 1
            if prev != dim:
                for st in sts:
                    st[prev] = st[dim]
                shp[prev] = shp[dim]
    return shp[0]
