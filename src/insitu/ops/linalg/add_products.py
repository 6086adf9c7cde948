"""Scaled sums of matrix products: addmm, addmv, baddbmm, addbmm and addr (beta * self + alpha *
product), out of place and in place.

The out-of-place forms are functions recorded through `ops.derivatives`; the in-place forms are
table ops (`variants="inplace"`) and run the in-place pipeline (guards, version, graph rewrite).
Both share one formula set per op; each formula reads only what its own gradient needs.
"""
import builtins

from ...backend import xp
from ...core import dtypes
from ...core.tensor import wrap
from ..checks import common_dtype
from ..derivatives import Derivative, record
from ..pipelines import check_out_grad, write_out
from ..table import ANY_SHAPE, Op
from .products import (_check_bmm, _check_mm, _check_mv, _matmul_array, _shape_str, bmm, mm, mv,
                       outer)


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
        base = input.expand(prod.shape)._data      # with PyTorch's expand error
        if out is not None:
            check_out_grad(kind, out, (input, mat1, mat2))
        res = wrap(_combine(base, prod, beta, alpha), input._dtype)
        if out is not None:
            return write_out(kind, out, res._data, (input, mat1, mat2), res._dtype)
        return record(derivative, (input, mat1, mat2), res, {"beta": beta, "alpha": alpha})
    addmm.__name__ = addmm.__qualname__ = kind
    return addmm


addmm = _add_product("addmm")
addmm.__doc__ = """insitu.addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None): `beta * input
    + alpha * (mat1 @ mat2)`, input broadcast to the product's shape (all of one dtype; beta == 0
    ignores input, NaNs included). Tensor.addmm_ writes into self (which must have the product's
    shape), bumps its version and returns self. Backward: AddmmBackward0."""
addmv = _add_product("addmv")
addmv.__doc__ = """insitu.addmv(input, mat, vec, *, beta=1, alpha=1, out=None): `beta * input +
    alpha * (mat @ vec)` (in-place Tensor.addmv_). Backward: AddmvBackward0."""
baddbmm = _add_product("baddbmm")
baddbmm.__doc__ = """insitu.baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None): `beta
    * input + alpha * bmm(batch1, batch2)` (in-place Tensor.baddbmm_). Backward:
    BaddbmmBackward0."""


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


# ------------------------------------------------------------------------ addbmm

def _batch_grad(grad, batch1_shape, batch2_shape):
    n, rows = batch1_shape[:2]
    return grad.unsqueeze(0).expand((n, rows, batch2_shape[2]))


_ADDBMM = {
    "self": lambda grad, beta: _scaled(grad, beta),
    "batch1": lambda grad, batch1_shape, batch2, alpha: _scaled(
        bmm(_batch_grad(grad, batch1_shape, batch2.shape), batch2.transpose(1, 2)), alpha),
    "batch2": lambda grad, batch1, batch2_shape, alpha: _scaled(
        bmm(batch1.transpose(1, 2), _batch_grad(grad, batch1.shape, batch2_shape)), alpha)}
ADDBMM = Derivative("AddbmmBackward0", _ADDBMM)


def _check_addbmm(self, b1, b2):
    s1, s2 = b1._data.shape, b2._data.shape
    if len(s1) != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if len(s2) != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if s1[0] != s2[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {s1[0]} "
                           f"and {s2[0]}")
    if s1[2] != s2[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({s1[1]}x{s1[2]} and "
                           f"{s2[1]}x{s2[2]})")
    if self._data.shape != (s1[1], s2[2]):
        raise RuntimeError("self tensor does not match matmul output shape")
    if self._dtype is not b2._dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{self._dtype.legacy} and {b2._dtype.legacy}")
    if b1._dtype is not b2._dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{b1._dtype.legacy} and {b2._dtype.legacy}")


def _addbmm_array(self, b1, b2, beta, alpha):
    """PyTorch's loop: one addmm per batch, beta applied by the first only."""
    if b1.shape[0] == 0:
        return xp.zeros_like(self) if beta == 0 else (self * beta).astype(self.dtype)
    res = _combine(self, _matmul_array(b1[0], b2[0]), beta, alpha)
    for i in range(1, b1.shape[0]):
        res = _combine(res, _matmul_array(b1[i], b2[i]), 1, alpha)
    return res


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """insitu.addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None): `beta * input + alpha *`
    the sum over the batch of `batch1[i] @ batch2[i]`, accumulated one addmm per batch as
    PyTorch's loop does (in-place Tensor.addbmm_). Backward: AddbmmBackward0."""
    rows = batch1._data.shape[1] if batch1._data.ndim > 1 else _dim_error(1, batch1)
    cols = batch2._data.shape[2] if batch2._data.ndim > 2 else _dim_error(2, batch2)
    base = input.expand((rows, cols))            # with PyTorch's expand error
    _check_addbmm(base, batch1, batch2)
    if out is not None:
        check_out_grad("addbmm", out, (input, batch1, batch2))
    res = _addbmm_array(base._data, batch1._data, batch2._data, beta, alpha)
    if out is not None:
        return write_out("addbmm", out, res, (input, batch1, batch2), input._dtype)
    return record(ADDBMM, (input, batch1, batch2), wrap(res, input._dtype),
                  {"beta": beta, "alpha": alpha})


def _dim_error(dim, t):
    n = builtins.max(t._data.ndim, 1)
    raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but "
                     f"got {dim})")


def _k_addbmm(out, dt, a, b1, b2, beta=1, alpha=1):
    xp.copyto(out, _addbmm_array(a, b1, b2, beta, alpha), casting="unsafe")
    return out


# ------------------------------------------------------------------------ addr

def _as(t, like):
    return t if t._dtype is like._dtype else t.to(like._dtype)


# the result has the operands' common dtype: each formula computes in it
_ADDR = {"self": lambda grad, beta: _scaled(grad, beta),
         "vec1": lambda grad, vec2, alpha: _scaled(grad.mv(_as(vec2, grad)), alpha),
         "vec2": lambda grad, vec1, alpha: _scaled(grad.t().mv(_as(vec1, grad)), alpha)}
ADDR = Derivative("AddrBackward0", _ADDR)


def _check_addr(vec1, vec2):
    for name, t in (("vec1", vec1), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {t._data.ndim}-D")


def _check_addr_scalars(dt, beta, alpha):
    for name, v in (("beta", beta), ("alpha", alpha)):
        if isinstance(v, bool) and dt is not dtypes.bool_:
            raise RuntimeError(f"Boolean {name} only supported for Boolean results.")
        if not dt.is_floating_point and isinstance(v, float):
            raise RuntimeError(f"For integral input tensors, argument {name} must not be a "
                               "floating point number.")


def _addr_array(a, v1, v2, beta, alpha, dt):
    """PyTorch's kernel, elementwise in the common dtype: beta * self + alpha * v1 * v2 (beta
    == 0 ignores self, NaNs included); for bool, (beta and self) or (alpha and v1 and v2)."""
    a, v1, v2 = (x.astype(dt, copy=False) for x in (a, v1, v2))
    col = v1.reshape(-1, 1)
    if dt == xp.bool_:
        prod = col & v2 if alpha else xp.zeros((col.shape[0], v2.shape[0]), bool)
        return prod | a if beta else xp.broadcast_to(prod, a.shape).copy()
    t = dt.type
    # a factor of 1 changes no bit: skipped (and the sum written over the product)
    prod = (col if alpha == 1 else t(alpha) * col) * v2
    if beta == 0:
        return xp.broadcast_to(prod, a.shape).astype(dt)
    if prod.dtype == dt and prod.shape == a.shape:
        return xp.add(a if beta == 1 else t(beta) * a, prod, out=prod)
    return (t(beta) * a + prod).astype(dt, copy=False)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """insitu.addr(input, vec1, vec2, *, beta=1, alpha=1, out=None): `beta * input + alpha *
    outer(vec1, vec2)` in the operands' common dtype (for bool, logical and/or); integer inputs
    refuse float beta/alpha, as in PyTorch. In-place Tensor.addr_. Backward: AddrBackward0."""
    _check_addr(vec1, vec2)
    base = input.expand((vec1._data.shape[0], vec2._data.shape[0]))
    dt = common_dtype((input, vec1, vec2))
    _check_addr_scalars(dt, beta, alpha)
    if out is not None:
        check_out_grad("addr", out, (input, vec1, vec2))
    res = _addr_array(base._data, vec1._data, vec2._data, beta, alpha, dt.np)
    if out is not None:
        return write_out("addr", out, res, (input, vec1, vec2))
    return record(ADDR, (input, vec1, vec2), wrap(res, dt), {"beta": beta, "alpha": alpha})


def _k_addr(out, dt, a, v1, v2, beta=1, alpha=1):
    d = dt if dt is not None else xp.result_type(a, v1, v2)
    xp.copyto(out, _addr_array(a, v1, v2, beta, alpha, xp.dtype(d)), casting="unsafe")
    return out


def _check_inplace_addr(args, params):
    self, v1, v2 = args
    _check_addr(v1, v2)
    shape = self._data.shape
    if len(shape) != 2:
        raise RuntimeError(f"2D tensor expected, got {len(shape)}D tensor for input")
    if shape != (v1._data.shape[0], v2._data.shape[0]):
        raise RuntimeError(f"size mismatch, input: [{', '.join(map(str, shape))}], v1: "
                           f"[{v1._data.shape[0]}], v2: [{v2._data.shape[0]}]")
    _check_addr_scalars(common_dtype(args), params.get("beta", 1), params.get("alpha", 1))


def _check_inplace_addbmm(args, params):
    _check_addbmm(*args)


OPS += [
    Op("addbmm(Tensor self, Tensor batch1, Tensor batch2, *, beta=1, alpha=1)", _k_addbmm,
       promote="same", variants="inplace", writes=(ANY_SHAPE,), check=_check_inplace_addbmm,
       derivatives=_ADDBMM),
    Op("addr(Tensor self, Tensor vec1, Tensor vec2, *, beta=1, alpha=1)", _k_addr,
       variants="inplace", writes=(ANY_SHAPE,), check=_check_inplace_addr, derivatives=_ADDR),
]
