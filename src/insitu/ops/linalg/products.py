"""Matrix products: mm, bmm, mv, dot, outer, kron, matmul, trace (the scaled sums of products,
addmm & co., are in `add_products`).

Each product's node has one formula per operand, and a formula reads only the other operand, so
an operand is kept only when the other one needs a gradient (`x @ w` with a constant x keeps x,
not w). `matmul` follows PyTorch's own decomposition (dot / mv / mm / folding into mm / bmm over
broadcast batches), so results, errors and grad_fn names come out as PyTorch's.
"""
import builtins
import math

from ...autograd.grad_mode import mode
from ...autograd.versions import write
from ...backend import xp
from ...core import dtypes
from ...core.dtypes import CPP_NAMES
from ...core.tensor import Tensor, alias, wrap
from ..derivatives import Derivative, record
from ..pipelines import check_out_grad, into_out, write_out
from ..pointwise import BINARY
from ..view_graph import RESHAPE_COPY

_MUL = next(op for op in BINARY if op.name == "mul")


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


def _unsafe_view(t, shape):
    """PyTorch's _unsafe_view: a reshaped alias of a fresh result, outside the view graph."""
    return record(RESHAPE_COPY, (t,), alias(t, t._data.reshape(shape)))


def reshape(t, shape):
    """Tensor.reshape, except that the copying case is done here: a clone, then _unsafe_view
    (PyTorch's matmul and tensordot reshape that way: UnsafeViewBackward0, not a view)."""
    if t.is_contiguous():
        return t.view(shape)
    try:
        t.view(shape)          # raises when the strides need a copy
    except RuntimeError:
        return _unsafe_view(t.clone(), shape)
    return t.reshape(shape)


def _two_operand_product(name, derivative, input, other, out):
    """mm, bmm, mv and dot once their operands are checked: the product, written into `out` or
    recorded (the formulas decide which operand the node keeps)."""
    if out is not None:        # out= with autograd is refused before any work is done
        check_out_grad(name, out, (input, other))
    res = wrap(xp.asarray(_matmul_array(input._data, other._data)), input._dtype)
    if out is not None:
        return write_out(name, out, res._data, (input, other), res._dtype)
    return record(derivative, (input, other), res)


# ------------------------------------------------------------------------ mm / bmm / mv / dot

# When no graph is being built (a plain backward), the matrix formulas go straight to NumPy.

def _mm_self_grad(grad, mat2):
    if not mode.grad:
        return wrap(_matmul_array(grad._data, mat2._data.T), grad._dtype)
    return mm(grad, mat2.t())


def _mm_mat2_grad(grad, self):
    if not mode.grad:
        return wrap(_matmul_array(self._data.T, grad._data), grad._dtype)
    return mm(self.t(), grad)


MM = Derivative("MmBackward0", {"self": _mm_self_grad, "mat2": _mm_mat2_grad})


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
    """insitu.mm(input, mat2, *, out=None): the matrix product of two 2-dim tensors of one dtype (no
    promotion, as in PyTorch); float16 accumulates in float32. Backward: MmBackward0, which keeps
    each operand only when the other one needs a gradient."""
    _check_mm(input, mat2)
    return _two_operand_product("mm", MM, input, mat2, out)


def _bmm_self_grad(grad, mat2):
    if not mode.grad:
        return wrap(_matmul_array(grad._data, mat2._data.swapaxes(1, 2)), grad._dtype)
    return bmm(grad, mat2.mT)


def _bmm_mat2_grad(grad, self):
    if not mode.grad:
        return wrap(_matmul_array(self._data.swapaxes(1, 2), grad._data), grad._dtype)
    return bmm(self.mT, grad)


BMM = Derivative("BmmBackward0", {"self": _bmm_self_grad, "mat2": _bmm_mat2_grad})


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
    """insitu.bmm(input, mat2, *, out=None): the matrix products of two 3-dim batches of equal batch
    size and dtype. Backward: BmmBackward0."""
    _check_bmm(input, mat2)
    return _two_operand_product("bmm", BMM, input, mat2, out)


MV = Derivative("MvBackward0", {"self": lambda grad, vec: outer(grad, vec),
                                "vec": lambda grad, self: mv(self.t(), grad)})


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
    """insitu.mv(input, vec, *, out=None): the product of a matrix and a vector of its dtype.
    Backward: MvBackward0."""
    _check_mv(input, vec)
    return _two_operand_product("mv", MV, input, vec, out)


DOT = Derivative("DotBackward0", {"self": lambda grad, tensor: grad * tensor,
                                  "tensor": lambda grad, self: grad * self})


def dot(input, tensor, *, out=None):
    """insitu.dot(input, tensor, *, out=None): the inner product of two 1-dim tensors of equal
    length and dtype, as a 0-dim tensor. Backward: DotBackward0."""
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
    return _two_operand_product("dot", DOT, input, tensor, out)


def outer(input, vec2, *, out=None):
    """insitu.outer(input, vec2, *, out=None), also `ger`: the outer product of two 1-dim tensors,
    computed as PyTorch defines it (`input.reshape(-1, 1) * vec2`), so dtypes promote and the
    node is MulBackward0."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    # PyTorch's own definition, so dtype promotion and MulBackward0 come with it
    column = input.reshape(input._data.shape[0], 1)
    if out is not None:
        return into_out(_MUL, (column, vec2), {}, out)      # insitu.mul(..., out=out)
    return column * vec2


# ------------------------------------------------------------------------ kron

def _check_kron_layout(t):
    """PyTorch's product takes the layout of a transposed operand, and its final view of the
    product then fails: the same error here, for an operand whose dims are out of order."""
    strides = [st for n, st in zip(t._data.shape, t._data.strides) if n > 1]
    if any(a < b for a, b in zip(strides, strides[1:])):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")


def kron(input, other, *, out=None):
    """PyTorch's kron: both operands viewed with interleaved singleton dims, multiplied (with
    mul's promotion and gradients), and the product viewed as the result."""
    for t in (input, other):
        _check_kron_layout(t)
    sa, sb = input._data.shape, other._data.shape
    n = builtins.max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    a_shape = [x for d in sa for x in (d, 1)]
    b_shape = [x for d in sb for x in (1, d)]
    prod = reshape(input, a_shape) * reshape(other, b_shape)
    result_shape = [x * y for x, y in zip(sa, sb)]
    if out is not None:
        check_out_grad("kron", out, (input, other))
        return write_out("kron", out, prod._data.reshape(result_shape), (input, other))
    return _unsafe_view(prod, result_shape)


# ------------------------------------------------------------------------ matmul

SQUEEZE0 = Derivative("SqueezeBackward4", {"self": lambda grad: grad.unsqueeze(0)})


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
        # PyTorch squeezes the product in place (squeeze_(0)): the result is at version 1
        r = mm(t1.unsqueeze(0), t2)
        return write(record(SQUEEZE0, (r,), alias(r, r._data.reshape(r._data.shape[1:]))),
                     "squeeze_")
    if d1 == 2 and d2 == 2:
        return mm(t1, t2)
    if _should_fold(t1, t2):
        transpose = d2 > d1
        a = t2.mT if transpose else t1
        b = (t1.t() if d1 == 2 else t1) if transpose else t2
        sizes = a._data.shape
        out_shape = list(sizes[:-1])
        folded = reshape(a, (math.prod(out_shape), sizes[-1]))
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
    nb = math.prod(batch)
    e1 = reshape(t1.expand(batch + [n, m1]), (nb, n, m1))
    if d2 == 1:
        e2 = reshape(t2.expand(batch + [m2]), (nb, m2)).unsqueeze(2)
    else:
        e2 = reshape(t2.expand(batch + [m2, p]), (nb, m2, p))
    out_shape = batch + ([n] if d1 > 1 else []) + ([p] if d2 > 1 else [])
    r = bmm(e1, e2)
    if d2 == 1:
        r = r.squeeze(-1)
    return _unsafe_view(r, out_shape)


def matmul(input, other, *, out=None):
    """insitu.matmul(input, other, *, out=None), also `@` and `insitu.linalg.matmul`: the matrix
    product with NumPy's rules for 1-dim operands and broadcast batches, decomposed as PyTorch
    decomposes it (dot, mv, mm, a batch folded into one mm, or bmm over the broadcast batch), so
    results and grad_fn names are PyTorch's."""
    if not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    if out is not None:
        check_out_grad("matmul", out, (input, other))
        res = _matmul(input, other)
        return write_out("matmul", out, res._data, (input, other), res._dtype)
    return _matmul(input, other)


def rmatmul(self, other):
    """other @ self, for a tensor other (`__rmatmul__`)."""
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


# ------------------------------------------------------------------------ trace

def _trace_grad(grad, self_shape):
    return wrap(xp.eye(*self_shape, dtype=grad._data.dtype), grad._dtype) * grad


TRACE = Derivative("TraceBackward0", {"self": _trace_grad})


def trace(input):
    """insitu.trace(input): the sum of a matrix's main diagonal (int64 for integer inputs).
    Backward: TraceBackward0."""
    a = input._data
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {a.ndim}")
    if input._dtype is dtypes.bool_:
        raise _not_implemented("trace", input._dtype)
    dt = input._dtype if input._dtype.is_floating_point else dtypes.int64
    res = wrap(xp.asarray(xp.trace(a, dtype=dt.np)), dt)
    return record(TRACE, (input,), res)
