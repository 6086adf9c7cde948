"""tensordot and einsum.

tensordot is PyTorch's own decomposition (permute, reshape to matrices, one mm, reshape back), so
its graph is made of the products' nodes. einsum is one node; the gradient of each operand is
another einsum of the incoming gradient with the other operands, so a node keeps an operand
only when some other operand needs a gradient.
"""
import builtins
import inspect
import math
import string

from ...backend import xp
from ...core import dtypes
from ...core.tensor import _wrap_dim, wrap
from ..derivatives import Derivative, record
from ..pipelines import write_out
from .products import mm, reshape


# ------------------------------------------------------------------------ tensordot

def tensordot(a, b, dims=2, out=None):
    """PyTorch's tensordot: permute, reshape to matrices, one mm, reshape back."""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a = list(range(-dims, 0))
        dims_b = list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else [int(x) for x in d] for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a._dtype is not b._dtype:
        raise RuntimeError("both inputs should have same dtype")
    raw = list(zip(dims_a, dims_b))
    dims_a = [_wrap_dim(d, a._data.ndim) for d in dims_a]
    dims_b = [_wrap_dim(d, b._data.ndim) for d in dims_b]
    t1, t2 = a, b
    csize = 1
    for (da, db), (ra, rb) in zip(zip(dims_a, dims_b), raw):
        sa, sb = a._data.shape[da], b._data.shape[db]
        if sb == 1:            # broadcast dims are summed right away
            t1 = t1.sum(da, keepdim=True)
        elif sa == 1:
            t2 = t2.sum(db, keepdim=True)
        else:
            if sa != sb:
                raise RuntimeError(f"contracted dimensions need to match, but first has size "
                                   f"{sa} in dim {ra} and second has size {sb} in dim {rb}")
            csize *= sa
    free_a = [i for i in range(a._data.ndim) if i not in dims_a]
    free_b = [i for i in range(b._data.ndim) if i not in dims_b]
    sizes = [t1._data.shape[i] for i in free_a] + [t2._data.shape[i] for i in free_b]
    m1 = reshape(t1.permute(free_a + dims_a), (math.prod(sizes[:len(free_a)]), csize))
    m2 = reshape(t2.permute(dims_b + free_b), (csize, math.prod(sizes[len(free_a):])))
    res = reshape(mm(m1, m2), sizes)
    if out is not None:
        return write_out("tensordot", out, res._data, (a, b), res._dtype)
    return res


# ------------------------------------------------------------------------ einsum

_LETTERS = string.ascii_letters


def _parse_einsum(equation, operands):
    """Explicit subscripts (one letter per dim, ellipses expanded) and the output's."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    used = set(c for c in eq if c.isalpha())
    spare = [c for c in _LETTERS if c not in used]
    ell_dims = 0
    for term, op in zip(terms, operands):
        if "..." in term:
            ell_dims = builtins.max(ell_dims, op._data.ndim - len(term.replace("...", "")))
    ell = "".join(spare[:ell_dims])
    subs = []
    for term, op in zip(terms, operands):
        if "..." in term:
            k = op._data.ndim - len(term.replace("...", ""))
            term = term.replace("...", ell[ell_dims - k:] if k else "")
        if len(term) != op._data.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                               f"({len(term)}) does not match the number of dimensions "
                               f"({op._data.ndim}) for operand {len(subs)}"
                               f"{' and no ellipsis was given' if '...' not in lhs else ''}")
        subs.append(term)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts = {}
        for term in subs:
            for c in term:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    return subs, out


def _check_einsum_sizes(subs, operands):
    seen = {}
    for i, (term, op) in enumerate(zip(subs, operands)):
        for c, size in zip(term, op._data.shape):
            prev = seen.get(c)
            if prev is None or prev == 1:
                seen[c] = size
            elif size != prev and size != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {size} for operand {i} "
                                   f"which does not broadcast with previously seen size {prev}")
    return seen


def _operand_grad(k, g, subs, out_sub, sizes, others):
    """d out / d operand k: the gradient contracted with the other operands (in order); a letter
    repeated in operand k (a diagonal) gets fresh letters tied together by identity matrices.
    A broadcast operand's gradient is summed back to its shape by the node."""
    term = subs[k]
    used = set("".join(subs) + out_sub)
    spare = [c for c in _LETTERS if c not in used]
    target, deltas, seen = [], [], set()
    for c in term:
        if c in seen:
            fresh = spare.pop(0)
            deltas.append(c + fresh)
            target.append(fresh)
            sizes = dict(sizes, **{fresh: sizes[c]})
        else:
            seen.add(c)
            target.append(c)
    other_subs = subs[:k] + subs[k + 1:]
    present = set(out_sub).union(*[set(s) for s in other_subs], *[set(d) for d in deltas])
    lonely = [c for c in target if c not in present]
    tensors = [g, *others]
    terms = [out_sub, *other_subs]
    for pair in deltas:
        tensors.append(wrap(xp.eye(sizes[pair[0]], dtype=g._data.dtype), g._dtype))
        terms.append(pair)
    reduced = "".join(c for c in target if c not in lonely)
    gk = einsum(",".join(terms) + "->" + reduced, *tensors)
    if lonely:                  # letters summed away inside operand k alone: broadcast back
        for pos, c in enumerate(target):
            if c in lonely:
                gk = gk.unsqueeze(pos)
        gk = gk.expand(tuple(sizes[c] for c in target))
    return gk


_PARAM = inspect.Parameter.POSITIONAL_OR_KEYWORD


def _operand_formula(k, names):
    """Operand k's formula. Its parameter names say what the node keeps for it: the gradient,
    the parsed equation and the other operands (`op0`, `op1`, ... but not `op<k>`)."""
    others = names[:k] + names[k + 1:]

    def formula(grad, subs, out_sub, sizes, *operands):
        return _operand_grad(k, grad, subs, out_sub, sizes, operands)
    formula.__signature__ = inspect.Signature(
        [inspect.Parameter(n, _PARAM) for n in ("grad", "subs", "out_sub", "sizes") + others])
    return formula


_EINSUM = {}


def _einsum_derivative(count):
    """EinsumBackward0 over `count` operands (one Derivative per operand count)."""
    d = _EINSUM.get(count)
    if d is None:
        names = tuple(f"op{i}" for i in range(count))
        d = _EINSUM[count] = Derivative(
            "EinsumBackward0", {n: _operand_formula(k, names) for k, n in enumerate(names)},
            inputs=names)
    return d


def einsum(equation, *operands):
    """insitu.einsum(equation, *operands): the sum of products the Einstein-notation `equation`
    names (operands may also be one list), with PyTorch's checks; operands must share one dtype
    (float16 is computed in float32). The result has one node, EinsumBackward0, whose formulas
    are einsums again (PyTorch's grad_fn is the last op of its decomposition instead)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out_sub = _parse_einsum(equation, operands)
    sizes = _check_einsum_sizes(subs, operands)
    dt = operands[0]._dtype
    for op in operands[1:]:
        if op._dtype is not dt:
            raise RuntimeError(f"expected scalar type {dt.legacy} but found {op._dtype.legacy}")
    arrays = [op._data.astype(xp.float32) if dt is dtypes.float16 else op._data
              for op in operands]
    res = xp.einsum(",".join(subs) + "->" + out_sub, *arrays, optimize=len(arrays) > 2)
    t = wrap(xp.asarray(res).astype(dt.np, copy=False), dt)
    return record(_einsum_derivative(len(operands)), operands, t,
                  {"subs": subs, "out_sub": out_sub, "sizes": sizes})
