"""Elementwise writes into a tensor whose elements share memory in a way PyTorch lets through.

PyTorch refuses to write an expanded tensor (a zero stride, `checks.internal_overlap`), but
other layouts whose elements share memory (unfold's windows, an overlapping as_strided) are
"too hard" for its check, and its TensorIterator writes them as they are: it visits the
elements in an order derived from the operands' strides, each visit reads what the earlier ones
left, and a location written twice keeps the last write (`x.unfold(0, 2, 1).exp_()`
exponentiates a shared element twice). insitu runs the kernel line by line in that order, so
the values are PyTorch's. Only such layouts come here: they are made by views, and rare.
"""
from ..backend import has_internal_overlap, xp
from .walk import walk_dims

_nd = xp.ndarray


def interleaved(a):
    """Elements of `a` share memory (the caller has already refused or allowed zero strides)."""
    return has_internal_overlap(a)


def visit_order(shape, strides):
    """TensorIterator's `reorder_dimensions` (`walk.walk_dims`): the dims from the fastest-moving
    one. `strides` lists each operand's strides, the output's first."""
    return walk_dims(shape, strides)


def call_in_order(op, out, force, arrays, params):
    """`pipelines.call_kernel` for an `out` whose elements share memory: the kernel runs on one
    line of the innermost dim at a time, in PyTorch's order (the elements of a line are
    distinct, so within it the order does not matter). A kernel whose PyTorch form first
    computes a temporary from its operands from position `temporary_from` on (ldexp) reads
    copies of them."""
    values = [params[p] for p in op.params] if params else ()
    shape = out.shape
    first = getattr(op.kernel, "temporary_from", None)
    if first is not None:       # PyTorch computes these operands into a temporary first
        arrays = arrays[:first] + [a.copy() if isinstance(a, _nd) else a for a in arrays[first:]]
    wide = [a if a is out or not isinstance(a, _nd) else xp.broadcast_to(a, shape)
            for a in arrays]
    perm = visit_order(shape, [out.strides] + [a.strides for a in wide if isinstance(a, _nd)])
    order = perm[::-1]                      # the outermost dim first
    o = out.transpose(order)
    moved = [None if a is out else a.transpose(order) if isinstance(a, _nd) else a for a in wide]
    for idx in xp.ndindex(o.shape[:-1]):
        line = o[idx]
        op.kernel(line, force, *[line if m is None else m[idx] if isinstance(m, _nd) else m
                                 for m in moved], *values)
    return out
