"""Differential tests of cdist (insitu.ops.linalg.distances) against PyTorch: both of its
computations (direct and by matrix products), every p, broadcast batches, errors, gradcheck."""
import numpy as np
import pytest

import insitu
from differential import check, check_error, typed
from insitu.autograd.gradcheck import gradcheck, gradgradcheck

RNG = np.random.default_rng(6)
X1, X2 = RNG.standard_normal((2, 4, 3)), RNG.standard_normal((2, 5, 3))
TALL = RNG.standard_normal((30, 3))
MODES = ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
         "donot_use_mm_for_euclid_dist"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("p", [0, 1, 2, 3, 0.5, 1.5, float("inf")])
def test_cdist_every_p(p, mode):
    check(lambda m, a, b: m.cdist(a, b, p, mode), X1, X2)


@pytest.mark.parametrize("case", [
    lambda m, a, b: m.cdist(a[0], b[0]),
    lambda m, a, b: m.cdist(a, b[0], 1),
    lambda m, a, b: m.cdist(a.reshape(2, 1, 4, 3), b, 2.5),
    lambda m, a, b: m.cdist(a[:, :0], b),
    lambda m, a, b: m.cdist(a[:, :, :0], b[:, :, :0]),
    lambda m, a, b: m.cdist(a[0], m.tensor(TALL)),
    lambda m, a, b: m.cdist(m.tensor(TALL), b),
    lambda m, a, b: m.cdist(m.tensor(TALL).reshape(1, 30, 3), b),
    lambda m, a, b: m.cdist(a, m.tensor(TALL).expand(2, 30, 3)),
    lambda m, a, b: m.cdist(a[0], m.tensor(TALL), 1),
    lambda m, a, b: m.cdist(a[0], m.tensor(TALL), compute_mode=MODES[2]),
    lambda m, a, b: m.cdist(typed(m, a, "float32"), typed(m, b, "float32")),
    lambda m, a, b: m.cdist(a[0], a[0]),
    lambda m, a, b: m.cdist(a[0], a[0], 3),
])
def test_cdist_shapes_and_paths(case):
    check(case, X1, X2)


@pytest.mark.parametrize("case", [
    lambda m, a, b: m.cdist(a, b, -1),
    lambda m, a, b: m.cdist(a, b[:, :, :2]),
    lambda m, a, b: m.cdist(a, b, compute_mode="foo"),
    lambda m, a, b: m.cdist(a[0, 0], b[0]),
    lambda m, a, b: m.cdist(a, b[0, 0]),
    lambda m, a, b: m.cdist(typed(m, a, "int64"), typed(m, b, "int64")),
    lambda m, a, b: m.cdist(a, typed(m, b, "int64")),
    lambda m, a, b: m.cdist(a, typed(m, b, "float32")),
    lambda m, a, b: m.cdist(typed(m, a, "float32"), b, -1),
    lambda m, a, b: m.cdist(m.ones(2, 3, 3), m.ones(3, 5, 3)),
    lambda m, a, b: m.cdist(typed(m, a, "float16"), typed(m, b, "float16")),
])
def test_cdist_errors(case):
    check_error(case, X1, X2)


@pytest.mark.parametrize("p", [1, 2, 3])
def test_gradcheck(p):
    a, b = insitu.tensor(X1, requires_grad=True), insitu.tensor(X2, requires_grad=True)
    assert gradcheck(lambda a, b: insitu.cdist(a, b, p), (a, b))
    t = insitu.tensor(TALL, requires_grad=True)
    assert gradcheck(lambda a, b: insitu.cdist(a, b[0]), (t, b))
    assert gradgradcheck(lambda a, b: insitu.cdist(a, b[0]), (t, b))


@pytest.mark.parametrize("side", [0, 1])
def test_direct_cdist_has_no_double_backward(side):
    """As PyTorch's: a gradient taken with create_graph hangs from CdistBackwardBackward0, whose
    backward raises NotImplementedError."""
    torch = pytest.importorskip("torch")
    for m in (torch, insitu):
        a = m.tensor(X1[0], requires_grad=True)
        b = m.tensor(X2[0], requires_grad=True)
        g = m.autograd.grad(m.cdist(a, b, 3).sum(), (a, b)[side], create_graph=True)[0]
        assert type(g.grad_fn).__name__ == "CdistBackwardBackward0"
        with pytest.raises(NotImplementedError,
                           match="the derivative for '_cdist_backward' is not implemented."):
            g.sum().backward()
