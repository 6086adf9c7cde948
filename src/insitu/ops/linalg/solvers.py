"""Inverses, determinants and solvers: inv, det, slogdet, solve, solve_triangular, lstsq, pinv,
matrix_rank, matrix_power, multi_dot, cross, and PyTorch's older names for them.

LAPACK (through NumPy) computes each result; the backward formulas are PyTorch's and are written
with insitu ops, so they differentiate again. Singular and non-square inputs raise PyTorch's
errors before anything is computed into an output.
"""
import warnings

from ...backend import xp
from ...core import dtypes
from ...core.tensor import Tensor, new_tensor
from ..derivatives import Derivative, record
from ..named_results import return_type
from ..pipelines import write_out
from ._checks import (LinAlgError, batch_prefix, eye_like, first_zero_pivot, matrix, square,
                      wrap_like)

SlogdetResult = return_type("slogdet", ("sign", "logabsdet"))
InvExResult = return_type("linalg_inv_ex", ("inverse", "info"))
LstsqResult = return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))


def _out(name, result, out):
    return result if out is None else write_out(name, out, result._data, (), result._dtype)


# ------------------------------------------------------------------------ inverse

INV = Derivative("LinalgInvExBackward0",
                 {"A": lambda grad, result: -(result.mH @ grad @ result.mH)}, inputs=("A",))


def _pivots(a):
    flat = a.reshape((-1,) + a.shape[-2:])
    return xp.array([first_zero_pivot(m) for m in flat], dtype=xp.int32).reshape(a.shape[:-2])


def _inverse(name, A):
    a = A._data
    try:
        return xp.linalg.inv(a)
    except xp.linalg.LinAlgError:
        info = _pivots(a)
        raise LinAlgError(f"{name}: {batch_prefix(a, info > 0)}The diagonal element "
                          f"{int(info.reshape(-1)[xp.flatnonzero(info.reshape(-1))[0]])} is zero, "
                          "the inversion could not be completed because the input matrix is "
                          "singular.") from None


def inv(A, *, out=None):
    """insitu.linalg.inv(A, *, out=None), also `insitu.inverse`: the inverse of a square matrix or
    batch; a singular one raises `linalg.LinAlgError` with PyTorch's message (which diagonal
    element is zero). Backward: LinalgInvExBackward0 (reads the result)."""
    square("linalg.inv", A)
    result = wrap_like(_inverse("linalg.inv", A), A)
    return _out("linalg_inv", record(INV, (A,), result), out)


def inv_ex(A, *, check_errors=False, out=None):
    """insitu.linalg.inv_ex(A, *, check_errors=False, out=None): the named tuple (inverse, info):
    int32 `info` is 0 where A is invertible, else the 1-based position of the first zero pivot,
    and the inverse is NaN there (or raises with `check_errors=True`). `out=` is not written."""
    square("linalg.inv_ex", A)
    a = A._data
    try:
        arr = xp.linalg.inv(a)
        info = xp.zeros(a.shape[:-2], xp.int32)
    except xp.linalg.LinAlgError:
        if check_errors:
            _inverse("linalg.inv_ex", A)
        info = _pivots(a)
        arr = xp.full(a.shape, xp.nan, a.dtype)
    result = record(INV, (A,), wrap_like(arr, A))
    return InvExResult(result, new_tensor(info, dtypes.int32))


# ------------------------------------------------------------------------ determinants

def _det_grad(grad, A, result):
    """d det(A) / dA = det(A) * A^{-T} (the cofactor matrix), through the SVD where A is
    singular, as PyTorch's linalg_det_backward."""
    g = (grad * result).unsqueeze(-1).unsqueeze(-1)
    if bool((result._data != 0).all()):
        return g * inv(A).mH
    # singular: the cofactor matrix from the SVD, U diag(prod_{j != i} s_j) Vh det(U) det(Vh)
    # (a constant here: a double backward through a singular matrix is not differentiated)
    u, s, vh = xp.linalg.svd(A._data)
    others = xp.stack([xp.prod(xp.delete(s, i, axis=-1), axis=-1)
                       for i in range(s.shape[-1])], axis=-1)
    sign = xp.linalg.det(u) * xp.linalg.det(vh)
    cof = (u * (others * sign[..., None])[..., None, :]) @ vh
    return grad.unsqueeze(-1).unsqueeze(-1) * wrap_like(cof, A)


DET = Derivative("LinalgDetBackward0", {"A": _det_grad})


def det(A, *, out=None):
    """insitu.linalg.det(A, *, out=None), also `insitu.det`: the determinant of a square matrix or
    batch. Backward: LinalgDetBackward0 (det(A) A^-H, through the SVD where A is singular)."""
    square("linalg.det", A)
    result = wrap_like(xp.linalg.det(A._data), A)
    return _out("linalg_det", record(DET, (A,), result), out)


SLOGDET = Derivative("LinalgSlogdetBackward0",
                     {"A": lambda grad, A: grad.unsqueeze(-1).unsqueeze(-1) * inv(A).mH},
                     inputs=("A",))


def slogdet(A, *, out=None):
    """insitu.linalg.slogdet(A, *, out=None), also `insitu.slogdet`: the named tuple (sign,
    logabsdet) of the determinant; only logabsdet is differentiable. `out=` is not written.
    Backward: LinalgSlogdetBackward0."""
    square("linalg.slogdet", A)
    sign, logabs = xp.linalg.slogdet(A._data)
    # the sign is not differentiable: only logabsdet has a node
    logabsdet = record(SLOGDET, (A,), wrap_like(logabs, A))
    return SlogdetResult(wrap_like(sign, A), logabsdet)


def logdet(input):
    """log(det): nan where the determinant is negative (PyTorch's where over slogdet)."""
    sign, logabsdet = slogdet(input)
    return logabsdet.where(sign >= 0, float("nan"))


# ------------------------------------------------------------------------ solve

def _is_vector_rhs(A, B):
    a, b = A._data, B._data
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])


def _solve_grads(grad, A, result, needs, left, vector):
    """AX = B: gB = A^{-H} g, gA = -gB X^H; XA = B: gB = g A^{-H}, gA = -X^H gB."""
    gB = solve(A.mH, grad, left=left)
    if not needs[0]:
        return None, gB
    if vector:
        gA = -(gB.unsqueeze(-1) * result.unsqueeze(-2)) if left else \
            -(result.unsqueeze(-1) * gB.unsqueeze(-2))
    else:
        gA = -(gB @ result.mH) if left else -(result.mH @ gB)
    return gA, gB


SOLVE = Derivative("LinalgSolveExBackward0", {("A", "B"): _solve_grads})


def solve(A, B, *, left=True, out=None):
    """insitu.linalg.solve(A, B, *, left=True, out=None): X with A X = B (X A = B with
    `left=False`), for a square A and a matrix or vector (batch) B of A's dtype; a singular A
    raises `linalg.LinAlgError`. Backward: LinalgSolveExBackward0."""
    square("linalg.solve", A)
    a, b = A._data, B._data
    vector = _is_vector_rhs(A, B)
    if not left:        # X A = B is A^T X^T = B^T
        a = xp.swapaxes(a, -1, -2)
        b = b if vector else xp.swapaxes(b, -1, -2)
    bb = b[..., None] if vector else b
    if bb.ndim < 2 or bb.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({a.shape[-2]}x{a.shape[-1]} and "
                           f"{'x'.join(map(str, b.shape))})")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {A._dtype.legacy} and B of type {B._dtype.legacy} instead")
    try:
        x = xp.linalg.solve(a, bb)
    except xp.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                          "singular.") from None
    x = x[..., 0] if vector else x if left else xp.swapaxes(x, -1, -2)
    result = wrap_like(x, A)
    return _out("linalg_solve", record(SOLVE, (A, B), result, {"left": left, "vector": vector}),
                out)


def _triangle(a, upper, unitriangular):
    t = xp.triu(a) if upper else xp.tril(a)
    if unitriangular:
        t = t.copy()
        idx = xp.arange(a.shape[-1])
        t[..., idx, idx] = 1
    return t


def _mask(g, upper, unitriangular):
    g = g.triu() if upper else g.tril()
    return g.triu(1) if unitriangular and upper else g.tril(-1) if unitriangular else g


def _solve_triangular_grads(grad, A, result, needs, upper, left, unitriangular):
    gB = solve_triangular(A.mH, grad, upper=not upper, left=left, unitriangular=unitriangular)
    if not needs[0]:
        return None, gB
    gA = -(gB @ result.mH) if left else -(result.mH @ gB)
    return _mask(gA, upper, unitriangular), gB


SOLVE_TRIANGULAR = Derivative("LinalgSolveTriangularBackward0",
                              {("A", "B"): _solve_triangular_grads}, inputs=("A", "B"))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """insitu.linalg.solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None): X
    with A X = B (X A = B with `left=False`) reading only A's upper or lower triangle (its
    diagonal taken as ones with `unitriangular`); a zero diagonal gives inf with `left=True`.
    Backward: LinalgSolveTriangularBackward0."""
    matrix("linalg.solve_triangular", A)
    a, b = A._data, B._data
    t = _triangle(a, upper, unitriangular)
    with xp.errstate(all="ignore"):
        if left:
            x = xp.linalg.solve(t, b) if _invertible(t) else xp.full(
                xp.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:], xp.inf, a.dtype)
        else:
            x = xp.swapaxes(xp.linalg.solve(xp.swapaxes(t, -1, -2), xp.swapaxes(b, -1, -2)),
                            -1, -2)
    result = wrap_like(x, A)
    return _out("linalg_solve_triangular", record(
        SOLVE_TRIANGULAR, (A, B), result,
        {"upper": upper, "left": left, "unitriangular": unitriangular}), out)


def _invertible(t):
    d = xp.diagonal(t, axis1=-2, axis2=-1)
    return bool((d != 0).all())


# ------------------------------------------------------------------------ pseudo-inverse, lstsq

def pinv_grad(grad, result, A):
    """PyTorch's pinv_backward, written so its matrices have the smallest dimension."""
    m, n = A._data.shape[-2:]
    pinvA, pinvAh, gradh = result, result.mH, grad.mH
    if m <= n:
        K = gradh @ pinvA
        KpinvAh = K @ pinvAh
        return (-(pinvA @ K).mH + KpinvAh - (A @ pinvA) @ KpinvAh
                + (pinvAh @ pinvA) @ (gradh - K @ A))
    K = pinvA @ gradh
    pinvAhK = pinvAh @ K
    return (-(K @ pinvA).mH + (gradh - A @ K) @ pinvA @ pinvAh + pinvAhK
            - pinvAhK @ pinvA @ A)


PINV = Derivative("LinalgPinvBackward0", {"A": pinv_grad})


def _cutoff(s, m, n, atol, rtol, dt):
    eps = xp.finfo(dt).eps
    if rtol is None:
        rtol = eps * max(m, n) if atol is None or atol == 0 else 0.0
    atol = 0.0 if atol is None else atol
    top = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), s.dtype)
    return xp.maximum(atol, rtol * top)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """insitu.linalg.pinv(A, *, atol=None, rtol=None, hermitian=False, out=None): the Moore-Penrose
    pseudo-inverse through the SVD, singular values at or below max(atol, rtol * largest) treated
    as zero (rtol defaults to eps * max(m, n) when atol is unset); `hermitian` does not change
    the method. Backward: LinalgPinvBackward0."""
    matrix("linalg.pinv", A)
    a = A._data
    m, n = a.shape[-2:]
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    keep = s > _cutoff(s, m, n, _number(atol), _number(rtol), a.dtype)
    s_inv = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(a.dtype)
    arr = xp.swapaxes(vh, -1, -2) @ (s_inv[..., :, None] * xp.swapaxes(u, -1, -2))
    return _out("linalg_pinv", record(PINV, (A,), wrap_like(arr, A)), out)


def _number(v):
    return v.item() if isinstance(v, Tensor) else v


def pinverse(input, rcond=1e-15):
    """insitu.pinverse(input, rcond=1e-15): `linalg.pinv(input, rtol=rcond)`."""
    return pinv(input, rtol=rcond)


def _lstsq_grads(grad, A, B, needs):
    P = pinv(A)
    gB = P.mH @ grad if needs[1] else None
    gA = pinv_grad(grad @ B.mH, P, A) if needs[0] else None
    return gA, gB


LSTSQ = Derivative("LinalgLstsqBackward0", {("A", "B"): _lstsq_grads}, inputs=("A", "B"))


def lstsq(A, B, rcond=None, *, driver=None):
    """insitu.linalg.lstsq(A, B, rcond=None, *, driver=None): the named tuple (solution, residuals,
    rank, singular_values) of the least-squares problem min |A X - B|, solved through the SVD
    (singular values below rcond * largest are dropped; rcond defaults to eps * max(m, n)). As
    PyTorch's drivers report them: rank except for "gels", singular values and residuals (for
    tall full-rank A) only for "gelsd"/"gelss"; other fields are empty. Backward:
    LinalgLstsqBackward0."""
    matrix("torch.linalg.lstsq", A)
    a, b = A._data, B._data
    vector = b.ndim == a.ndim - 1
    bb = b[..., None] if vector else b
    if a.shape[-2] != bb.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    m, n = a.shape[-2:]
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    cutoff = (xp.finfo(a.dtype).eps * max(m, n) if rcond is None else rcond) * s[..., :1]
    keep = s > cutoff
    s_inv = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(a.dtype)
    x = xp.swapaxes(vh, -1, -2) @ (s_inv[..., :, None] * (xp.swapaxes(u, -1, -2) @ bb))
    solution = wrap_like(x[..., 0] if vector else x, A)
    rank = keep.sum(-1).astype(xp.int64)
    empty = new_tensor(xp.empty((0,), a.dtype), A._dtype)
    full_rank = bool((rank == min(m, n)).all())
    residuals = empty
    if driver in ("gelsd", "gelss") and m > n and full_rank:
        residuals = wrap_like(((a @ x - bb) ** 2).sum(-2), A)
    singular = wrap_like(s, A) if driver in ("gelsd", "gelss") else empty
    rank_t = new_tensor(rank, dtypes.int64) if driver != "gels" else \
        new_tensor(xp.empty((0,), xp.int64), dtypes.int64)
    return LstsqResult(record(LSTSQ, (A, B), solution), residuals, rank_t, singular)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """insitu.linalg.matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None): the number
    of singular values above the tolerance of `pinv`, as int64. Not differentiable."""
    matrix("linalg.matrix_rank", A)
    a = A._data
    s = xp.linalg.svd(a, compute_uv=False)
    rank = (s > _cutoff(s, *a.shape[-2:], _number(atol), _number(rtol), a.dtype)).sum(-1)
    result = new_tensor(xp.asarray(rank, dtype=xp.int64), dtypes.int64)
    return result if out is None else write_out("linalg_matrix_rank", out, result._data, ())


# ------------------------------------------------------------------------ products of matrices

def matrix_power(A, n, *, out=None):
    """A ** n by repeated squaring (PyTorch's: its nodes are MmBackward0), n < 0 through inv."""
    square("linalg.matrix_power", A)
    if n == 0:
        res = eye_like(A, A._data.shape[-1]).expand(A._data.shape).clone()
    else:
        base = inv(A) if n < 0 else A
        k, res = abs(n), None
        while k:
            if k & 1:
                res = base if res is None else res @ base
            k >>= 1
            if k:
                base = base @ base
    return res if out is None else write_out("linalg_matrix_power", out, res._data, (A,))


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices (first and last may be vectors), cheapest order for
    three, left to right otherwise."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vector, last_vector = tensors[0]._data.ndim == 1, tensors[-1]._data.ndim == 1
    mats = list(tensors)
    if first_vector:
        mats[0] = mats[0].unsqueeze(0)
    if last_vector:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i, t in enumerate(mats):
        if t._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    if len(mats) == 3:
        (a, b), (_, c), (_, d) = (m._data.shape for m in mats)
        left_first = a * b * c + a * c * d <= b * c * d + a * b * d
        res = (mats[0] @ mats[1]) @ mats[2] if left_first else mats[0] @ (mats[1] @ mats[2])
    else:
        res = mats[0]
        for m in mats[1:]:
            res = res @ m
    shape = res._data.shape
    shape = shape[1:] if first_vector else shape
    shape = shape[:-1] if last_vector else shape
    res = res.view(shape)
    return res if out is None else write_out("linalg_multi_dot", out, res._data, tensors)


def _cross_array(a, b, d):
    return xp.cross(a, b, axis=d)


CROSS = Derivative("LinalgCrossBackward0",
                   {"input": lambda grad, other, dim: cross(other, grad, dim=dim),
                    "other": lambda grad, input, dim: cross(grad, input, dim=dim)})


def cross(input, other, *, dim=-1, out=None):
    """insitu.linalg.cross(input, other, *, dim=-1, out=None): the cross product of 3-vectors along
    `dim` (the inputs broadcast, dtypes promote). Backward: LinalgCrossBackward0."""
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = xp.broadcast_shapes(a.shape, b.shape)
    d = dim % len(shape)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    dt = dtypes.promote_types(input._dtype, other._dtype)
    result = new_tensor(xp.ascontiguousarray(_cross_array(a, b, d), dtype=dt.np), dt)
    result = record(CROSS, (input, other), result, {"dim": dim})
    return result if out is None else write_out("linalg_cross", out, result._data, ())


def torch_cross(input, other, dim=None, *, out=None):
    """torch.cross: without dim, the first dimension of size 3 (deprecated in PyTorch)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        dim = next((i for i, n in enumerate(xp.broadcast_shapes(input._data.shape,
                                                                 other._data.shape)) if n == 3),
                   -1)
    return cross(input, other, dim=dim, out=out)

