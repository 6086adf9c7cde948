"""pairwise_distance and cosine_similarity (functional and modules) against torch: values,
gradients of both inputs and node names over norms, shapes and broadcasting; gradcheck and
gradgradcheck in float64; PyTorch's messages."""
import math

import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F
from insitu.autograd.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (4,)), ((), ()), ((2, 3, 4), (3, 1))]


def compare(f_mine, f_theirs, a, b, tol):
    xa, xb = insitu.tensor(a, requires_grad=True), insitu.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out_m, out_t = f_mine(xa, xb), f_theirs(ta, tb)
    assert out_m.shape == tuple(out_t.shape)
    assert type(out_m.grad_fn).__name__ == type(out_t.grad_fn).__name__
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=tol,
                               atol=tol)
    g = np.random.default_rng(5).standard_normal(out_t.shape).astype(a.dtype)
    out_m.backward(insitu.tensor(g))
    out_t.backward(torch.tensor(g))
    for m, t in ((xa, ta), (xb, tb)):
        if t.grad is None:                  # p = 0: the norm has no gradient
            assert m.grad is None or not m.grad.numpy().any()
        else:
            np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("p", [0, 0.5, 1, 1.5, 2, 3, math.inf, -1, -math.inf])
@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance(p, shapes, keepdim):
    r = np.random.default_rng(0)
    a, b = r.standard_normal(shapes[0]), r.standard_normal(shapes[1])
    compare(lambda x, y: F.pairwise_distance(x, y, p, 1e-6, keepdim),
            lambda x, y: TF.pairwise_distance(x, y, p, 1e-6, keepdim), a, b, 1e-10)


@pytest.mark.parametrize("shapes,dim", [(SHAPES[0], 1), (SHAPES[1], -1), (SHAPES[2], 0),
                                        (SHAPES[3], 0), (SHAPES[4], 0), (SHAPES[4], -1)])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 1e-5)])
def test_cosine_similarity(shapes, dim, dtype, tol):
    r = np.random.default_rng(1)
    a, b = r.standard_normal(shapes[0]).astype(dtype), r.standard_normal(shapes[1]).astype(dtype)
    compare(lambda x, y: F.cosine_similarity(x, y, dim), lambda x, y: TF.cosine_similarity(
        x, y, dim), a, b, tol)


def test_cosine_similarity_of_a_zero_vector_and_a_tiny_eps():
    a = np.zeros((2, 3))
    a[1] = [1.0, 2.0, 3.0]
    b = np.random.default_rng(2).standard_normal((2, 3))
    compare(lambda x, y: F.cosine_similarity(x, y, 1, 1e-8),
            lambda x, y: TF.cosine_similarity(x, y, 1, 1e-8), a, b, 1e-10)


def test_float32_and_integer_inputs():
    r = np.random.default_rng(3)
    a, b = r.standard_normal((5, 6)).astype(np.float32), r.standard_normal((5, 6)).astype(
        np.float32)
    compare(F.pairwise_distance, TF.pairwise_distance, a, b, 1e-5)
    ints = r.integers(-3, 3, (3, 4))
    mine = F.pairwise_distance(insitu.tensor(ints), insitu.tensor(ints * 2))
    theirs = TF.pairwise_distance(torch.tensor(ints), torch.tensor(ints * 2))
    assert str(mine.dtype) == str(theirs.dtype).replace("torch", "insitu")
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)
    mine = F.cosine_similarity(insitu.tensor(ints), insitu.tensor(a[:3, :4]))
    theirs = TF.cosine_similarity(torch.tensor(ints), torch.tensor(a[:3, :4]))
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("f", [
    lambda x, y: F.pairwise_distance(x, y),
    lambda x, y: F.pairwise_distance(x, y, 3, keepdim=True),
    lambda x, y: F.pairwise_distance(x, y, 1.5),
    lambda x, y: F.pairwise_distance(x, y, math.inf),
    lambda x, y: F.cosine_similarity(x, y),
    lambda x, y: F.cosine_similarity(x, y, 0),
])
def test_gradcheck_and_gradgradcheck(f):
    r = np.random.default_rng(4)
    x = insitu.tensor(r.standard_normal((3, 4)), requires_grad=True)
    y = insitu.tensor(r.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(f, (x, y))
    assert gradgradcheck(f, (x, y))


@pytest.mark.parametrize("name,a,b,kw", [
    ("cosine_similarity", (3, 4), (2, 4), {}),
    ("cosine_similarity", (3, 4), (3, 4), {"dim": 2}),
    ("cosine_similarity", (3, 4), (3, 4), {"dim": -3}),
    ("pairwise_distance", (3, 4), (2, 4), {}),
])
def test_errors_match_torch(name, a, b, kw):
    with pytest.raises(Exception) as theirs:
        getattr(TF, name)(torch.zeros(a), torch.zeros(b), **kw)
    with pytest.raises(type(theirs.value)) as mine:
        getattr(F, name)(insitu.zeros(a), insitu.zeros(b), **kw)
    assert str(mine.value) == str(theirs.value)
    with pytest.raises(RuntimeError) as theirs:
        TF.cosine_similarity(torch.zeros(3, dtype=torch.long), torch.zeros(3, dtype=torch.long),
                             0)
    with pytest.raises(RuntimeError) as mine:
        F.cosine_similarity(insitu.zeros(3, dtype=insitu.int64),
                            insitu.zeros(3, dtype=insitu.int64), 0)
    assert str(mine.value) == str(theirs.value)


@pytest.mark.parametrize("cls,kw", [("PairwiseDistance", {}),
                                    ("PairwiseDistance", {"p": 1.0, "eps": 0.1,
                                                          "keepdim": True}),
                                    ("CosineSimilarity", {}),
                                    ("CosineSimilarity", {"dim": 0, "eps": 1e-3})])
def test_modules(cls, kw):
    mine, theirs = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    assert repr(mine) == repr(theirs)
    assert vars(theirs).keys() >= {"eps"} and mine.eps == theirs.eps
    r = np.random.default_rng(6)
    a, b = r.standard_normal((3, 4)), r.standard_normal((3, 4))
    compare(mine, theirs, a, b, 1e-10)
