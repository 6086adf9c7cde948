"""insitu.linalg's inverses, solvers and decompositions against torch.linalg: values, gradients,
node names and errors; gradcheck and gradgradcheck of each in float64."""
import warnings

import numpy as np
import pytest

import insitu
from insitu.autograd.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 4))
B = RNG.standard_normal((4, 2))
S = A @ A.T + 4 * np.eye(4)                       # symmetric positive-definite
TALL = RNG.standard_normal((5, 3))
WIDE = RNG.standard_normal((3, 5))
BATCH = RNG.standard_normal((2, 3, 3))


def _gauge_free(usv):
    """U diag(S) Vh and S: what does not depend on the singular vectors' signs."""
    U, Sv, Vh = usv
    return (U * Sv.unsqueeze(-2)) @ Vh, Sv


def _eig_free(lv):
    L, V = lv
    return (V * L.unsqueeze(-2)) @ V.mT, L


CASES = {
    "inv": (lambda L, a: L.linalg.inv(a), [A]),
    "inv batch": (lambda L, a: L.linalg.inv(a), [BATCH]),
    "inv_ex": (lambda L, a: L.linalg.inv_ex(a).inverse, [A]),
    "det": (lambda L, a: L.linalg.det(a), [A]),
    "det batch": (lambda L, a: L.linalg.det(a), [BATCH]),
    "slogdet": (lambda L, a: L.linalg.slogdet(a).logabsdet, [A]),
    "logdet": (lambda L, a: L.logdet(a), [S]),
    "solve": (lambda L, a, b: L.linalg.solve(a, b), [A, B]),
    "solve vector": (lambda L, a, b: L.linalg.solve(a, b), [A, B[:, 0]]),
    "solve right": (lambda L, a, b: L.linalg.solve(a, b, left=False), [A, B.T]),
    "solve_triangular": (lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True), [A, B]),
    "solve_triangular unit": (lambda L, a, b: L.linalg.solve_triangular(
        a, b, upper=False, unitriangular=True), [A, B]),
    "solve_triangular right": (lambda L, a, b: L.linalg.solve_triangular(
        a, b, upper=True, left=False), [A, B.T]),
    "cholesky": (lambda L, a: L.linalg.cholesky(a), [S]),
    "cholesky upper": (lambda L, a: L.linalg.cholesky(a, upper=True), [S]),
    "qr tall": (lambda L, a: tuple(L.linalg.qr(a)), [TALL]),
    "qr square": (lambda L, a: tuple(L.linalg.qr(a)), [A]),
    "qr wide": (lambda L, a: tuple(L.linalg.qr(a)), [WIDE]),
    "svd tall": (lambda L, a: tuple(L.linalg.svd(a, full_matrices=False)), [TALL]),
    "svd wide": (lambda L, a: _gauge_free(L.linalg.svd(a, full_matrices=False)), [WIDE]),
    "svdvals": (lambda L, a: L.linalg.svdvals(a), [TALL]),
    "eigh": (lambda L, a: _eig_free(L.linalg.eigh(a)), [S]),
    "eigvalsh": (lambda L, a: L.linalg.eigvalsh(a), [S]),
    "pinv tall": (lambda L, a: L.linalg.pinv(a), [TALL]),
    "pinv wide": (lambda L, a: L.linalg.pinv(a), [WIDE]),
    "lstsq": (lambda L, a, b: L.linalg.lstsq(a, b).solution, [TALL, RNG.standard_normal((5, 2))]),
    "matrix_power 3": (lambda L, a: L.linalg.matrix_power(a, 3), [A]),
    "matrix_power -2": (lambda L, a: L.linalg.matrix_power(a, -2), [A]),
    "matrix_norm fro": (lambda L, a: L.linalg.matrix_norm(a), [A]),
    "matrix_norm nuc": (lambda L, a: L.linalg.matrix_norm(a, "nuc"), [A]),
    "matrix_norm 2": (lambda L, a: L.linalg.matrix_norm(a, 2), [A]),
    "matrix_norm -1": (lambda L, a: L.linalg.matrix_norm(a, -1), [A]),
    "matrix_norm inf": (lambda L, a: L.linalg.matrix_norm(a, float("inf")), [A]),
    "norm ord 2": (lambda L, a: L.linalg.norm(a, 2), [A]),
    "norm nuc": (lambda L, a: L.norm(a, "nuc"), [A]),
    "cross": (lambda L, a, b: L.linalg.cross(a, b), [RNG.standard_normal((4, 3)),
                                                      RNG.standard_normal((4, 3))]),
    "multi_dot": (lambda L, a, b, c: L.linalg.multi_dot([a, b, c]),
                  [RNG.standard_normal((3, 4)), RNG.standard_normal((4, 5)),
                   RNG.standard_normal((5, 2))]),
    "multi_dot vectors": (lambda L, a, b, c: L.linalg.multi_dot([a, b, c]),
                          [RNG.standard_normal(4), RNG.standard_normal((4, 5)),
                           RNG.standard_normal(5)]),
    "svd (old)": (lambda L, a: tuple(L.svd(a)), [TALL]),
    "pinverse": (lambda L, a: L.pinverse(a), [TALL]),
    "inverse": (lambda L, a: L.inverse(a), [A]),
}


def _run(lib, name):
    fn, arrays = CASES[name]
    inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(lib, *inputs)
    outs = out if isinstance(out, tuple) else (out,)
    rng = np.random.default_rng(1)
    loss = sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)))).sum() for o in outs)
    loss.backward()
    return outs, [t.grad for t in inputs]


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_gradients_and_nodes_match_torch(name):
    outs_i, grads_i = _run(insitu, name)
    outs_t, grads_t = _run(torch, name)
    for a, b in zip(outs_i, outs_t):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-10)
        assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__
    for a, b in zip(grads_i, grads_t):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-10)


SMALL = {name: case for name, case in CASES.items()
         if name not in ("det batch", "inv batch", "svd (old)")}


# these read one triangle of a symmetric input: check them on x x^T + n I, as PyTorch does
SYMMETRIC = {"cholesky", "cholesky upper", "eigh", "eigvalsh", "logdet"}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_gradcheck_and_gradgradcheck(name):
    fn, arrays = CASES[name]
    inputs = tuple(insitu.tensor(a, requires_grad=True) for a in arrays)

    def f(*xs):
        if name in SYMMETRIC:
            n = xs[0].shape[-1]
            xs = (xs[0] @ xs[0].mT + n * insitu.eye(n, dtype=insitu.float64),) + xs[1:]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(insitu, *xs)
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


def test_singular_determinant_gets_the_cofactor_matrix():
    a = np.array([[1.0, 2, 3], [2, 4, 6], [0, 1, 1]])           # rank 2
    x = insitu.tensor(a, requires_grad=True)
    insitu.linalg.det(x).backward()
    cof = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1))
                     for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(x.grad.numpy(), cof, atol=1e-12)


ERRORS = [
    ("inv singular", lambda L: L.linalg.inv(L.tensor([[1.0, 2], [2, 4]]))),
    ("inv zeros", lambda L: L.linalg.inv(L.zeros(3, 3))),
    ("inv batch singular", lambda L: L.linalg.inv(L.stack([L.eye(2), L.zeros(2, 2)]))),
    ("inv rect", lambda L: L.linalg.inv(L.zeros(2, 3))),
    ("inv 1-d", lambda L: L.linalg.inv(L.zeros(3))),
    ("inv int", lambda L: L.linalg.inv(L.eye(3, dtype=L.long))),
    ("det rect", lambda L: L.linalg.det(L.zeros(2, 3))),
    ("solve singular", lambda L: L.linalg.solve(L.zeros(3, 3), L.zeros(3, 1))),
    ("solve shapes", lambda L: L.linalg.solve(L.eye(3), L.zeros(2, 1))),
    ("cholesky not pd", lambda L: L.linalg.cholesky(-L.eye(3))),
    ("cholesky minor 2", lambda L: L.linalg.cholesky(L.tensor([[1.0, 2], [2, 1]]))),
    ("cholesky batch", lambda L: L.linalg.cholesky(L.stack([L.eye(2), -L.eye(2)]))),
    ("cholesky rect", lambda L: L.linalg.cholesky(L.zeros(2, 3))),
    ("eigh rect", lambda L: L.linalg.eigh(L.zeros(2, 3))),
    ("svd int", lambda L: L.linalg.svd(L.eye(2, dtype=L.long))),
    ("qr mode", lambda L: L.linalg.qr(L.eye(2), mode="x")),
    ("cross length", lambda L: L.linalg.cross(L.zeros(2, 2), L.zeros(2, 2))),
    ("matrix_power rect", lambda L: L.linalg.matrix_power(L.zeros(2, 3), 2)),
    ("multi_dot one", lambda L: L.linalg.multi_dot([L.eye(2)])),
    ("lstsq rows", lambda L: L.linalg.lstsq(L.zeros(3, 2), L.zeros(4, 1))),
]


@pytest.mark.parametrize("name,call", ERRORS, ids=[n for n, _ in ERRORS])
def test_errors_match_torch(name, call):
    with pytest.raises(Exception) as want:
        call(torch)
    with pytest.raises(Exception) as got:
        call(insitu)
    assert isinstance(got.value, RuntimeError) == isinstance(want.value, RuntimeError)
    assert str(got.value) == str(want.value)
    if isinstance(want.value, torch.linalg.LinAlgError):
        assert isinstance(got.value, insitu.linalg.LinAlgError)


def test_deprecated_names_warn_like_torch():
    for name in ("cholesky", "qr"):
        a = S if name == "cholesky" else A
        with warnings.catch_warnings(record=True) as want:
            warnings.simplefilter("always")
            getattr(torch, name)(torch.tensor(a))
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            getattr(insitu, name)(insitu.tensor(a))
        assert [str(w.message).split(" (Triggered")[0] for w in want] == \
            [str(w.message) for w in got]


def test_slogdet_and_inv_ex_results_are_named():
    x = insitu.tensor(A)
    sign, logabsdet = insitu.linalg.slogdet(x)
    assert insitu.linalg.slogdet(x).sign is not None and sign.shape == ()
    res = insitu.linalg.inv_ex(insitu.zeros(2, 2))
    assert res.info.item() == 1 and res.info.dtype == insitu.int32
    assert insitu.linalg.matrix_rank(insitu.tensor(S)).item() == 4
    assert insitu.linalg.matrix_rank(insitu.tensor(S)).dtype == insitu.int64
