"""Matrix products: mm, bmm, mv, dot, outer, addmm/addmv/baddbmm, matmul, trace, tensordot,
einsum.

The products are recorded with `reductions._record` under PyTorch's node names, and save an
operand only when the other one needs a gradient (`x @ w` with a constant x keeps x, not w).
`matmul` follows PyTorch's own decomposition (dot / mv / mm / folding into mm / bmm over
broadcast batches), so results, errors and grad_fn names come out as PyTorch's.
"""
import builtins
import string

from ..autograd.grad_mode import mode
from ..backend import xp
from ..core import dtypes
from ..core.dtypes import CPP_NAMES
from ..core.tensor import Tensor, _wrap_dim, alias
from ..core.tensor import wrap
from .derivatives import Derivative, record
from .table import ANY_SHAPE, Op
from .reductions import _check_out_grad, _record, _to_out, sum_to_size


# ------------------------------------------------------------------------ helpers

def _shape_str(shape):
    return "x".join(map(str, shape))


def _matmul_array(a, b):
    """NumPy's matmul; float16 accumulates in float32 as PyTorch's CPU kernels do."""
    if a.dtype == xp.float16:
        return xp.matmul(a.astype(xp.float32), b.astype(xp.float32)).astype(xp.float16)
    return xp.matmul(a, b)


def _not_implemented(kernel, dt):
    return NotImplementedError(f'"{kernel}" not implemented for \'{dt.legacy}\'')


def _saves(pairs):
    """Saved tensors: each operand only if the other operand needs a gradient."""
    return {name: (t, False) for name, t, needed in pairs if needed}


def _reshape_back(n, g):
    return (g.reshape(n.params["shape"]),)


def _unsafe_view(t, shape):
    out = alias(t, t._data.reshape(shape))
    return _record(out, "UnsafeViewBackward0", _reshape_back, (t,),
                   params={"shape": t._data.shape})


def _reshape(t, shape):
    """Tensor.reshape, except that the copying case is done here: a clone, then _unsafe_view."""
    if t.is_contiguous():
        return t.view(shape)
    try:
        t.view(shape)          # raises when the strides need a copy
    except RuntimeError:
        return _unsafe_view(t.clone(), shape)
    return t.reshape(shape)


def _product(seq):
    n = 1
    for s in seq:
        n *= s
    return n


def _out(name, res, out, inputs):
    """Write a finished result into `out` (its dtype must be the result's)."""
    return _to_out(name, out, res._data, inputs, res._dtype)


def _check_out_first(name, out, inputs):
    """out= with autograd is refused before any work is done."""
    if out is not None:
        _check_out_grad(name, out, inputs)


def _two_operand_product(name, node_name, formula, input, other, other_name, out):
    """mm, bmm, mv and dot once their operands are checked: the product, written into `out` or
    recorded, saving each operand only if the other one needs a gradient."""
    _check_out_first(name, out, (input, other))
    res = wrap(xp.asarray(_matmul_array(input._data, other._data)), input._dtype)
    if out is not None:
        return _out(name, res, out, (input, other))
    if mode.grad and (input._requires_grad or other._requires_grad):
        _record(res, node_name, formula, (input, other),
                _saves((("self", input, other._requires_grad),
                        (other_name, other, input._requires_grad))))
    return res


# ------------------------------------------------------------------------ mm / bmm / mv / dot

def _mm_backward(n, g):
    if not mode.grad:       # no graph to build: straight to NumPy
        gd, dt = g._data, g._dtype
        return (wrap(_matmul_array(gd, n.mat2._data.T), dt) if n.needs[0] else None,
                wrap(_matmul_array(n.self._data.T, gd), dt) if n.needs[1] else None)
    return (mm(g, n.mat2.t()) if n.needs[0] else None,
            mm(n.self.t(), g) if n.needs[1] else None)


def _check_mm(a, b, first="self"):
    if a._data.ndim != 2:
        raise RuntimeError(f"{first} must be a matrix")
    if b._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a._data.shape[1] != b._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({_shape_str(a._data.shape)} and {_shape_str(b._data.shape)})")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{CPP_NAMES[a._dtype.name]} != {CPP_NAMES[b._dtype.name]}")
    if a._dtype is dtypes.bool_:
        raise _not_implemented("addmm_impl_cpu_", a._dtype)


def mm(input, mat2, *, out=None):
    _check_mm(input, mat2)
    return _two_operand_product("mm", "MmBackward0", _mm_backward, input, mat2, "mat2", out)


def _bmm_backward(n, g):
    if not mode.grad:
        gd, dt = g._data, g._dtype
        return (wrap(_matmul_array(gd, n.mat2._data.swapaxes(1, 2)), dt) if n.needs[0] else None,
                wrap(_matmul_array(n.self._data.swapaxes(1, 2), gd), dt) if n.needs[1] else None)
    return (bmm(g, n.mat2.mT) if n.needs[0] else None,
            bmm(n.self.mT, g) if n.needs[1] else None)


def _check_bmm(a, b):
    if a._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    sa, sb = a._data.shape, b._data.shape
    if sb[0] != sa[0] or sb[1] != sa[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{sa[0]}, {sa[2]}] but got: [{sb[0]}, {sb[1]}].")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected scalar type {a._dtype.legacy} but found {b._dtype.legacy}")
    if a._dtype is dtypes.bool_:
        raise _not_implemented("bmm", a._dtype)


def bmm(input, mat2, *, out=None):
    _check_bmm(input, mat2)
    return _two_operand_product("bmm", "BmmBackward0", _bmm_backward, input, mat2, "mat2", out)


def _mv_backward(n, g):
    return (outer(g, n.vec) if n.needs[0] else None,
            mv(n.self.t(), g) if n.needs[1] else None)


def _check_mv(mat, vec, result_dim=1):
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {result_dim}, "
                           f"{mat._data.ndim}, {vec._data.ndim}")
    if mat._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({mat._data.shape[0]}), mat "
                           f"({_shape_str(mat._data.shape)}), vec ({vec._data.shape[0]})")
    if mat._dtype is not vec._dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{vec._dtype.legacy}, {mat._dtype.legacy}, and {vec._dtype.legacy}")
    if mat._dtype is dtypes.bool_:
        raise _not_implemented("addmv_impl_cpu", mat._dtype)


def mv(input, vec, *, out=None):
    _check_mv(input, vec)
    return _two_operand_product("mv", "MvBackward0", _mv_backward, input, vec, "vec", out)


def _dot_backward(n, g):
    return (g * n.tensor if n.needs[0] else None, g * n.self if n.needs[1] else None)


def dot(input, tensor, *, out=None):
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if input._dtype is not tensor._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input._dtype.legacy} and {tensor._dtype.legacy}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    if input._dtype is dtypes.bool_:
        raise _not_implemented("dot", input._dtype)
    return _two_operand_product("dot", "DotBackward0", _dot_backward, input, tensor, "tensor", out)


def outer(input, vec2, *, out=None):
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    # PyTorch's own definition, so dtype promotion and MulBackward0 come with it
    if out is not None:
        from .. import mul
        return mul(input.reshape(input._data.shape[0], 1), vec2, out=out)
    return input.reshape(input._data.shape[0], 1) * vec2


# ------------------------------------------------------------------------ addmm family

def _scaled(t, factor):
    return t if factor == 1 else t * factor


_ADDMM = {"self": lambda grad, beta: _scaled(grad, beta),
          "mat1": lambda grad, mat2, alpha: _scaled(mm(grad, mat2.t()), alpha),
          "mat2": lambda grad, mat1, alpha: _scaled(mm(mat1.t(), grad), alpha)}
_ADDMV = {"self": lambda grad, beta: _scaled(grad, beta),
          "mat": lambda grad, vec, alpha: _scaled(outer(grad, vec), alpha),
          "vec": lambda grad, mat, alpha: _scaled(mv(mat.t(), grad), alpha)}
_BADDBMM = {"self": lambda grad, beta: _scaled(grad, beta),
            "batch1": lambda grad, batch2, alpha: _scaled(bmm(grad, batch2.mT), alpha),
            "batch2": lambda grad, batch1, alpha: _scaled(bmm(batch1.mT, grad), alpha)}


def _combine(input, prod, beta, alpha):
    """beta * input + alpha * prod as arrays; beta == 0 ignores input (NaN included)."""
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        return prod.astype(input.dtype, copy=False)
    base = input if beta == 1 else input * beta
    return xp.add(prod, base).astype(input.dtype, copy=False)


def _expand_to(input, shape):
    """input broadcast to the product's shape, with PyTorch's expand error."""
    from .views import expand
    return expand(input, shape)


_ADD_KINDS = {
    "addmm": ("mat1", "mat2", "AddmmBackward0", _ADDMM),
    "addmv": ("mat", "vec", "AddmvBackward0", _ADDMV),
    "baddbmm": ("batch1", "batch2", "BaddbmmBackward0", _BADDBMM),
}


def _check_add_operands(kind, input, a, b):
    if kind == "addmm":
        for name, t in (("mat1", a), ("mat2", b)):
            if t._data.ndim != 2:
                raise RuntimeError(f"{name} must be a matrix, got {t._data.ndim}-D tensor")
        _check_mm(a, b, "mat1")
        if input._dtype is not b._dtype:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                               f"{input._dtype.legacy} and {b._dtype.legacy}")
    elif kind == "addmv":
        _check_mv(a, b, input._data.ndim)
        if input._dtype is not a._dtype:
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                               f"{input._dtype.legacy}, {a._dtype.legacy}, and "
                               f"{b._dtype.legacy}")
    else:
        _check_bmm(a, b)
        if input._dtype is not a._dtype:
            raise RuntimeError(f"expected scalar type {a._dtype.legacy} but found "
                               f"{input._dtype.legacy}")


def _add_product(kind):
    a_name, b_name, node_name, formulas = _ADD_KINDS[kind]
    derivative = Derivative(node_name, formulas)

    def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
        _check_add_operands(kind, input, mat1, mat2)
        prod = _matmul_array(mat1._data, mat2._data)
        base = _expand_to(input, prod.shape)._data
        _check_out_first(kind, out, (input, mat1, mat2))
        res = wrap(_combine(base, prod, beta, alpha), input._dtype)
        if out is not None:
            return _out(kind, res, out, (input, mat1, mat2))
        return record(derivative, (input, mat1, mat2), res, {"beta": beta, "alpha": alpha})
    addmm.__name__ = addmm.__qualname__ = kind
    return addmm


addmm = _add_product("addmm")
addmv = _add_product("addmv")
baddbmm = _add_product("baddbmm")


def _k_add_product(kind):
    def kernel(out, dt, a, m1, m2, beta=1, alpha=1):
        xp.copyto(out, _combine(a, _matmul_array(m1, m2), beta, alpha), casting="unsafe")
        return out
    return kernel


def _check_inplace_add(kind):
    """The in-place forms write the product's shape into self: refuse any other self shape."""
    def check(args, params):
        self, a, b = args
        _check_add_operands(kind, self, a, b)
        shape = self._data.shape
        want = a._data.shape[:-1] + b._data.shape[-1:] if kind != "addmv" else a._data.shape[:1]
        if shape == want:
            return
        if kind == "addmm":
            raise RuntimeError(
                f"Bad in-place call: input tensor size [{', '.join(map(str, shape))}] and "
                f"output tensor size [{', '.join(map(str, want))}] should match")
        if kind == "addmv":
            raise RuntimeError(f"size mismatch, got input ({shape[0] if shape else 1}), mat "
                               f"({_shape_str(a._data.shape)}), vec ({b._data.shape[0]})")
        lead = len(want) - len(shape)
        for i in range(len(want) - 1, -1, -1):
            have = shape[i - lead] if i >= lead else 1
            if have != want[i]:
                raise RuntimeError(
                    f"The expanded size of the tensor ({want[i]}) must match the existing size "
                    f"({have}) at non-singleton dimension {i}.  Target sizes: "
                    f"[{', '.join(map(str, want))}].  Tensor sizes: [{', '.join(map(str, shape))}]")
    return check


# the in-place forms (addmm_, addmv_, baddbmm_) run through the table's in-place pipeline
OPS = [
    Op(f"{kind}(Tensor self, Tensor {a}, Tensor {b}, *, beta=1, alpha=1)", _k_add_product(kind),
       promote="same", variants="inplace", writes=(ANY_SHAPE,), check=_check_inplace_add(kind),
       node=node_name, derivatives=formulas)
    for kind, (a, b, node_name, formulas) in _ADD_KINDS.items()
]


# ------------------------------------------------------------------------ matmul

def _squeeze0_backward(n, g):
    return (g.unsqueeze(0),)


def _broadcast_batch(a, b):
    """torch.broadcast_shapes of two batch shapes, with PyTorch's infer_size message."""
    n = builtins.max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return out


def _should_fold(t1, t2):
    """PyTorch's rule for folding the batch of the larger operand into one mm/mv."""
    big, small = (t1, t2) if t1._data.ndim >= t2._data.ndim else (t2.mT, t1)
    if not (big._data.ndim >= 3 and small._data.ndim <= 2):
        return False
    if small._requires_grad:   # folding keeps its gradient from being a summed batch
        return True
    if t1._data.ndim == 2:     # folding would need a transposed copy of the result
        return False
    a = big._data
    if a.size == 0:
        return True
    # foldable without a copy: contiguous, ignoring size-1 dims
    expected, want = a.itemsize, []
    for size in reversed(a.shape):
        want.append(expected)
        expected *= size
    return builtins.all(size == 1 or stride == w
                        for size, stride, w in zip(a.shape, a.strides, reversed(want)))


def _matmul(t1, t2):
    d1, d2 = t1._data.ndim, t2._data.ndim
    if d1 == 0 or d2 == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{d1}D and {d2}D")
    if d1 == 1 and d2 == 1:
        return dot(t1, t2)
    if d1 == 2 and d2 == 1:
        return mv(t1, t2)
    if d1 == 1 and d2 == 2:
        r = mm(t1.unsqueeze(0), t2)
        return _record(alias(r, r._data.reshape(r._data.shape[1:])), "SqueezeBackward4",
                       _squeeze0_backward, (r,))
    if d1 == 2 and d2 == 2:
        return mm(t1, t2)
    if _should_fold(t1, t2):
        transpose = d2 > d1
        a = t2.mT if transpose else t1
        b = (t1.t() if d1 == 2 else t1) if transpose else t2
        sizes = a._data.shape
        out_shape = list(sizes[:-1])
        folded = _reshape(a, (_product(out_shape), sizes[-1]))
        if b._data.ndim == 2:
            out_shape.append(b._data.shape[1])
            r = _unsafe_view(mm(folded, b), out_shape)
            return r.mT.clone() if transpose else r
        return _unsafe_view(mv(folded, b), out_shape)
    s1, s2 = t1._data.shape, t2._data.shape
    n = s1[-2] if d1 > 1 else 1
    m1 = s1[-1]
    m2 = s2[-2] if d2 > 1 else s2[-1]
    p = s2[-1] if d2 > 1 else 1
    batch1, batch2 = s1[:-2], s2[:-2]
    if d1 == 3 and d2 == 3 and batch1[0] != batch2[0]:
        # a broadcast batch of one: fold instead of materialising the expanded gradient
        if batch1[0] == 1 and t1._requires_grad:
            return _matmul(t1.squeeze(0), t2)
        if batch2[0] == 1 and t2._requires_grad:
            return _matmul(t1, t2.squeeze(0))
    batch = _broadcast_batch(batch1, batch2)
    nb = _product(batch)
    e1 = _reshape(t1.expand(batch + [n, m1]), (nb, n, m1))
    if d2 == 1:
        e2 = _reshape(t2.expand(batch + [m2]), (nb, m2)).unsqueeze(2)
    else:
        e2 = _reshape(t2.expand(batch + [m2, p]), (nb, m2, p))
    out_shape = batch + ([n] if d1 > 1 else []) + ([p] if d2 > 1 else [])
    r = bmm(e1, e2)
    if d2 == 1:
        r = r.squeeze(-1)
    return _unsafe_view(r, out_shape)


def matmul(input, other, *, out=None):
    if not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    if out is not None:
        _check_out_first("matmul", out, (input, other))
        return _out("matmul", _matmul(input, other), out, (input, other))
    return _matmul(input, other)


def _rmatmul(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


# ------------------------------------------------------------------------ trace, tensordot

def _trace_backward(n, g):
    rows, cols = n.params["shape"]
    eye = wrap(xp.eye(rows, cols, dtype=g._data.dtype), g._dtype)
    return (eye * g,)


def trace(input):
    a = input._data
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {a.ndim}")
    if input._dtype is dtypes.bool_:
        raise _not_implemented("trace", input._dtype)
    dt = input._dtype if input._dtype.is_floating_point else dtypes.int64
    res = wrap(xp.asarray(xp.trace(a, dtype=dt.np)), dt)
    return _record(res, "TraceBackward0", _trace_backward, (input,), params={"shape": a.shape})


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
    m1 = _reshape(t1.permute(free_a + dims_a), (_product(sizes[:len(free_a)]), csize))
    m2 = _reshape(t2.permute(dims_b + free_b), (csize, _product(sizes[len(free_a):])))
    res = _reshape(mm(m1, m2), sizes)
    if out is not None:
        return _out("tensordot", res, out, (a, b))
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


def _einsum_backward(n, g):
    subs, out_sub, sizes = n.params["subs"], n.params["out"], n.params["sizes"]
    ops = [getattr(n, f"op{i}") for i in range(len(subs))]
    grads = []
    for k, term in enumerate(subs):
        if not n.needs[k]:
            grads.append(None)
            continue
        # d out / d op_k: contract the gradient with the other operands; a letter repeated in
        # op_k (a diagonal) gets fresh letters tied together by identity matrices
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
        others = [(s, o) for j, (s, o) in enumerate(zip(subs, ops)) if j != k]
        present = set(out_sub).union(*[set(s) for s, _ in others], *[set(d) for d in deltas])
        lonely = [c for c in target if c not in present]
        tensors = [g] + [o for _, o in others]
        terms = [out_sub] + [s for s, _ in others]
        for pair in deltas:
            size = sizes[pair[0]]
            tensors.append(wrap(xp.eye(size, dtype=g._data.dtype), g._dtype))
            terms.append(pair)
        reduced = "".join(c for c in target if c not in lonely)
        gk = einsum(",".join(terms) + "->" + reduced, *tensors)
        if lonely:                  # letters summed away inside op_k alone: broadcast back
            for pos, c in enumerate(target):
                if c in lonely:
                    gk = gk.unsqueeze(pos)
            gk = gk.expand(tuple(sizes[c] for c in target))
        if tuple(gk._data.shape) != ops[k]._data.shape:
            gk = sum_to_size(gk, ops[k]._data.shape)
        grads.append(gk)
    return tuple(grads)


def einsum(equation, *operands):
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
    if mode.grad and builtins.any(op._requires_grad for op in operands):
        _record(t, "EinsumBackward0", _einsum_backward, tuple(operands),
                {f"op{i}": (op, False) for i, op in enumerate(operands)},
                {"subs": subs, "out": out_sub, "sizes": sizes})
    return t


# ------------------------------------------------------------------------ exports

FUNCTIONS = {
    "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "outer": outer, "ger": outer,
    "addmm": addmm, "addmv": addmv, "baddbmm": baddbmm, "matmul": matmul, "trace": trace,
    "tensordot": tensordot, "einsum": einsum,
}

METHODS = {name: FUNCTIONS[name] for name in
           ("mm", "bmm", "mv", "dot", "outer", "ger", "addmm", "addmv", "baddbmm", "matmul",
            "trace")}
METHODS["__matmul__"] = matmul
METHODS["__rmatmul__"] = _rmatmul
