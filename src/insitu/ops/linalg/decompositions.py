"""Decompositions: cholesky, qr, svd / svdvals, eigh / eigvalsh, and PyTorch's older names.

LAPACK (through NumPy) computes each factorisation; the backward formulas are PyTorch's
(FunctionsManual's cholesky_backward, linalg_qr_backward, svd_backward, linalg_eig_backward for
Hermitian input), written with insitu ops so they differentiate again.
"""
import warnings

from ...autograd.grad_mode import mode
from ...backend import xp
from ...core import dtypes
from ...core.tensor import new_tensor
from ..derivatives import Derivative, finish, prepare
from ..named_results import return_type
from ..pipelines import write_out
from ..shape import cat
from ._checks import LinAlgError, batch_prefix, diag_embed, matrix, square, wrap_like
from .solvers import solve_triangular

QRResult = return_type("linalg_qr", ("Q", "R"))
SVDResult = return_type("linalg_svd", ("U", "S", "Vh"))
OldSVDResult = return_type("svd", ("U", "S", "V"))
EighResult = return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
CholeskyExResult = return_type("linalg_cholesky_ex", ("L", "info"))


def _record_outputs(d, inputs, outs, values=None):
    """Record a node with several outputs."""
    if not (mode.grad and inputs[0]._requires_grad):
        return outs
    finish(prepare(d, inputs, values or {}), outs[0] if len(outs) == 1 else tuple(outs))
    return outs


# ------------------------------------------------------------------------ cholesky

def _cholesky_grad(grad, result, upper):
    """PyTorch's cholesky_backward: L^{-H} Φ(L^H gL) L^{-1}, Φ the lower triangle with its
    diagonal halved."""
    L, gL = (result.mH, grad.mH) if upper else (result, grad)
    gA = (L.mH @ gL).tril()
    gA = 0.5 * (gA + gA.tril(-1).mH)
    gA = solve_triangular(L.mH, gA, upper=True, left=True)
    return solve_triangular(L, gA, upper=False, left=False)


CHOLESKY = Derivative("LinalgCholeskyExBackward0", {"A": _cholesky_grad})
OLD_CHOLESKY = Derivative("CholeskyBackward0", {"self": lambda grad, result, upper:
                                                _cholesky_grad(grad, result, upper)})


def _not_positive_definite(name, a):
    """PyTorch's error, with the order of the first leading minor that is not positive-definite
    (found by factorising leading minors: the error path only)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    bad = []
    order = 0
    for m in flat:
        try:
            xp.linalg.cholesky(m)
            bad.append(False)
        except xp.linalg.LinAlgError:
            bad.append(True)
            if not order:
                lo, hi = 1, m.shape[-1]
                while lo < hi:              # the smallest k whose leading minor fails
                    k = (lo + hi) // 2
                    try:
                        xp.linalg.cholesky(m[:k, :k])
                        lo = k + 1
                    except xp.linalg.LinAlgError:
                        hi = k
                order = lo
    prefix = batch_prefix(a, xp.array(bad).reshape(a.shape[:-2] or ()))
    return LinAlgError(f"{name}: {prefix}The factorization could not be completed because the "
                       f"input is not positive-definite (the leading minor of order {order} is "
                       "not positive-definite).")


def _factor(name, A, upper):
    a = A._data
    try:
        low = xp.linalg.cholesky(a)
    except xp.linalg.LinAlgError:
        raise _not_positive_definite(name, a) from None
    return xp.swapaxes(low, -1, -2).copy() if upper else low


def cholesky(A, *, upper=False, out=None):
    """insitu.linalg.cholesky(A, *, upper=False, out=None): the Cholesky factor L (lower, or the
    upper U = L^H with `upper=True`) of a symmetric positive-definite matrix or batch; raises
    `linalg.LinAlgError` with PyTorch's message otherwise. Backward: LinalgCholeskyExBackward0."""
    square("linalg.cholesky", A)
    L = wrap_like(_factor("linalg.cholesky", A, upper), A)
    _record_outputs(CHOLESKY, (A,), (L,), {"upper": upper})
    return L if out is None else _write(out, L)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """insitu.linalg.cholesky_ex(A, *, upper=False, check_errors=False, out=None): the named tuple
    (L, info): `cholesky`'s factor and int32 `info`, 0 where it succeeded; a matrix that is not
    positive definite gets info 1 and a NaN factor (or raises with `check_errors=True`). `out=`
    is not written."""
    square("linalg.cholesky_ex", A)
    a = A._data
    try:
        L = _factor("linalg.cholesky_ex", A, upper)
        info = xp.zeros(a.shape[:-2], xp.int32)
    except LinAlgError:
        if check_errors:
            raise
        L = xp.full(a.shape, xp.nan, a.dtype)
        info = xp.ones(a.shape[:-2], xp.int32)
    L = wrap_like(L, A)
    _record_outputs(CHOLESKY, (A,), (L,), {"upper": upper})
    return CholeskyExResult(L, new_tensor(info, dtypes.int32))


def cholesky_deprecated(input, upper=False, *, out=None):
    """insitu.cholesky(input, upper=False, *, out=None): the deprecated torch.cholesky, with its
    warning: `linalg.cholesky`'s factor. Backward: CholeskyBackward0."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                  "removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be "
                  "replaced with\nL = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, "
                  "upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\nThis "
                  "transform will produce equivalent results for all valid (symmetric positive "
                  "definite) inputs.", UserWarning, stacklevel=2)
    square("cholesky", input)
    L = wrap_like(_factor("cholesky", input, upper), input)
    _record_outputs(OLD_CHOLESKY, (input,), (L,), {"upper": upper})
    return L if out is None else _write(out, L)


def _write(out, result):
    return write_out("linalg", out, result._data, (), result._dtype)


# ------------------------------------------------------------------------ qr

def _copyltu(M):
    """The lower triangle of M mirrored onto the upper one (diagonal kept)."""
    return M.tril(-1) + M.tril(-1).mH + diag_embed(M.diagonal(0, -2, -1))


def _qr_tall(gQ, gR, Q, R):
    """linalg_qr_backward for m >= n (reduced): [gQ + Q copyltu(M)] R^{-H},
    M = R gR^H - gQ^H Q."""
    M = None
    if gR is not None:
        M = R @ gR.mH
    if gQ is not None:
        M = -(gQ.mH @ Q) if M is None else M - gQ.mH @ Q
    b = Q @ _copyltu(M)
    if gQ is not None:
        b = b + gQ
    return solve_triangular(R.mH, b, upper=False, left=False)


def _qr_grads(grads, A, Q, R, mode):
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                           "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                           "differentiate through linalg.qr.")
    gQ, gR = grads
    m, n = A._data.shape[-2:]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                           "nrows > ncols.")
    if m >= n:
        return _qr_tall(gQ, gR, Q, R)
    # wide: A = Q [U | V], differentiate the square part and send V's gradient through Q
    U = R.narrow(-1, 0, m)
    gU = gR.narrow(-1, 0, m) if gR is not None else None
    Y = A.narrow(-1, m, n - m)
    gY = Q @ gR.narrow(-1, m, n - m) if gR is not None else None
    gQ2 = gQ
    if gR is not None:
        extra = Y @ gR.narrow(-1, m, n - m).mH
        gQ2 = extra if gQ is None else gQ + extra
    gX = _qr_tall(gQ2, gU, Q, U)
    return cat([gX, gY if gY is not None else gX.new_zeros(Y.shape)], -1)


QR = Derivative("LinalgQrBackward0", {"A": _qr_grads}, outputs=("Q", "R"), materialize=False)


def qr(A, mode="reduced", *, out=None):
    """insitu.linalg.qr(A, mode="reduced", *, out=None): the named tuple (Q, R) with A = Q R, Q
    orthonormal columns and R upper triangular; mode "reduced", "complete", or "r" (Q empty, then
    not differentiable). `out=` is not written. Backward: LinalgQrBackward0 (not for mode
    "complete" on tall matrices, as in PyTorch)."""
    if mode not in ("reduced", "r", "complete"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    matrix("linalg.qr", A)
    q, r = xp.linalg.qr(A._data, mode="complete" if mode == "complete" else "reduced")
    Q = wrap_like(q, A) if mode != "r" else new_tensor(xp.empty((0,), A._dtype.np), A._dtype)
    R = wrap_like(r, A)
    _record_outputs(QR, (A,), (Q, R), {"mode": mode})
    return QRResult(Q, R)


def qr_deprecated(input, some=True, *, out=None):
    """insitu.qr(input, some=True, *, out=None): the deprecated torch.qr, with its warning:
    `linalg.qr(input, "reduced" if some else "complete")`."""
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
                  "future PyTorch release.\nThe boolean parameter 'some' has been replaced with "
                  "a string parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced "
                  "with\nQ, R = torch.linalg.qr(A, 'reduced' if some else 'complete')",
                  UserWarning, stacklevel=2)
    return qr(input, "reduced" if some else "complete")


# ------------------------------------------------------------------------ svd

def svd_grad(gU, gS, gVh, U, S, Vh):
    """PyTorch's svd_backward (real case): with E_ij = s_j^2 - s_i^2,
    gA = U [skew(U^H gU)/E S + S skew(V^H gV)/E + diag(gS)] V^H
         + (I - U U^H) gU S^{-1} V^H + U S^{-1} gV^H (I - V V^H)."""
    if gU is None and gVh is None:
        return (U * gS.unsqueeze(-2)) @ Vh
    m, n = U._data.shape[-2], Vh._data.shape[-1]
    if m < n:   # the wide case is the tall one transposed
        return svd_grad(None if gVh is None else gVh.mH, gS, None if gU is None else gU.mH,
                        Vh.mH, S, U.mH).mH
    V = Vh.mH
    gV = None if gVh is None else gVh.mH
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)
    E = E + diag_embed(E.new_ones(S.shape))            # no division by zero on the diagonal
    inner = None
    if gU is not None:
        UhgU = U.mH @ gU
        inner = (UhgU - UhgU.mH) / E * S.unsqueeze(-2)
    if gV is not None:
        VhgV = V.mH @ gV
        term = S.unsqueeze(-1) * ((VhgV - VhgV.mH) / E)
        inner = term if inner is None else inner + term
    if gS is not None:
        inner = inner + diag_embed(gS)
    gA = U @ inner @ Vh
    k = S._data.shape[-1]
    if m > k and gU is not None:
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + (gUSinv - U @ (U.mH @ gUSinv)) @ Vh
    return gA


def _svd_grads(grads, U, S, Vh, full_matrices):
    gU, gS, gVh = grads
    if full_matrices and (gU is not None or gVh is not None):
        m, n = U._data.shape[-2], Vh._data.shape[-1]
        if m != n:
            k = min(m, n)
            U, Vh = U.narrow(-1, 0, k), Vh.narrow(-2, 0, k)
            gU = None if gU is None else gU.narrow(-1, 0, k)
            gVh = None if gVh is None else gVh.narrow(-2, 0, k)
    return svd_grad(gU, gS, gVh, U, S, Vh)


SVD = Derivative("LinalgSvdBackward0", {"A": _svd_grads}, outputs=("U", "S", "Vh"), materialize=False)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """insitu.linalg.svd(A, full_matrices=True, *, driver=None, out=None): the named tuple (U, S,
    Vh) with A = U diag(S) Vh, singular values descending; `driver` is accepted and ignored,
    `out=` is not written. Backward: LinalgSvdBackward0 (PyTorch's svd_backward, real case)."""
    matrix("linalg.svd", A)
    u, s, vh = xp.linalg.svd(A._data, full_matrices=full_matrices)
    U, S, Vh = wrap_like(u, A), wrap_like(s, A), wrap_like(vh, A)
    _record_outputs(SVD, (A,), (U, S, Vh), {"full_matrices": full_matrices})
    return SVDResult(U, S, Vh)


def svdvals(A, *, driver=None, out=None):
    """The singular values: the SVD's S (its node keeps U and Vh as outputs, so a double
    backward differentiates through them)."""
    matrix("linalg.svdvals", A)
    S = svd(A, full_matrices=False).S
    return S if out is None else _write(out, S)


def svd_deprecated(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with V, not V^H; reduced unless some=False."""
    U, S, Vh = svd(input, full_matrices=not some)
    if not compute_uv:
        m, n = input._data.shape[-2:]
        return OldSVDResult(U.new_zeros(U.shape), S, Vh.new_zeros(Vh.shape))
    return OldSVDResult(U, S, Vh.mH)


# ------------------------------------------------------------------------ eigh

def _eigh_grads(grads, eigenvalues, eigenvectors):
    """The Hermitian case of PyTorch's linalg_eig_backward:
    gA = V (diag(gL) + (V^H gV) / E) V^H with E_ij = l_j - l_i, made Hermitian."""
    gL, gV = grads
    L, V = eigenvalues, eigenvectors
    if gV is None:
        return (V * gL.unsqueeze(-2)) @ V.mH
    E = L.unsqueeze(-2) - L.unsqueeze(-1)
    E = E + diag_embed(E.new_ones(L.shape))
    VhgV = V.mH @ gV
    inner = 0.5 * (VhgV - VhgV.mH) / E
    if gL is not None:
        inner = inner + diag_embed(gL)
    return V @ inner @ V.mH


EIGH = Derivative("LinalgEighBackward0", {"A": _eigh_grads},
                  outputs=("eigenvalues", "eigenvectors"), materialize=False)


def _uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO


def eigh(A, UPLO="L", *, out=None):
    """insitu.linalg.eigh(A, UPLO="L", *, out=None): the named tuple (eigenvalues, eigenvectors) of
    a symmetric matrix or batch, eigenvalues ascending, read from its lower (or upper, "U")
    triangle. `out=` is not written. Backward: LinalgEighBackward0."""
    square("linalg.eigh", A)
    w, v = xp.linalg.eigh(A._data, UPLO=_uplo(UPLO))
    L, V = wrap_like(w, A), wrap_like(v, A)
    _record_outputs(EIGH, (A,), (L, V))
    return EighResult(L, V)


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues: eigh's (its node keeps the eigenvectors as an output)."""
    square("linalg.eigvalsh", A)
    L = eigh(A, UPLO).eigenvalues
    return L if out is None else _write(out, L)

