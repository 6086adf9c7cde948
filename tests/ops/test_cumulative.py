"""Differential tests of cummax, cummin and logcumsumexp (insitu.ops.cumulative) against
PyTorch (see `differential`), with gradcheck in float64."""
import numpy as np
import pytest

import insitu
from differential import check, check_error, torch, typed
from insitu.autograd.gradcheck import gradcheck, gradgradcheck

NAN, INF = float("nan"), float("inf")
X = np.array([[1., 3, 3, 2, NAN, 1, NAN], [0, -1, 5, 5, 2, 7, 7]])
R = np.random.default_rng(3).standard_normal((3, 5))


@pytest.mark.parametrize("case", [
    lambda m, x: m.cummax(x, 1),
    lambda m, x: m.cummin(x, 1),
    lambda m, x: x.cummax(0),
    lambda m, x: x.cummin(-1),
    lambda m, x: m.cummax(typed(m, x[:, :4], "int64"), 1),
    lambda m, x: m.cummin(x > 1, 1),
    lambda m, x: m.cummax(x[0, 0], 0),
    lambda m, x: m.cummax(x[:, :0], 1),
    lambda m, x: m.cummin(m.tensor([1., 1, 1]), 0),
    lambda m, x: m.cummax(x.t(), 0),
])
def test_cummax_cummin(case):
    check(case, X, grads=[False])


@pytest.mark.parametrize("case", [
    lambda m, r: m.cummax(r, 1),
    lambda m, r: m.cummin(r, 0),
    lambda m, r: m.cummax(r.round(), 1),
    lambda m, r: m.cummax(r[0, 0], 0),
    lambda m, r: m.logcumsumexp(r, 1),
    lambda m, r: r.logcumsumexp(0),
    lambda m, r: m.logcumsumexp(r[0, 0], 0),
    lambda m, r: m.logcumsumexp(r * 100, 1),
    lambda m, r: m.logcumsumexp(typed(m, r, "float32"), 1),
])
def test_values_and_gradients(case):
    check(case, R)


@pytest.mark.parametrize("case", [
    lambda m, x: m.logcumsumexp(m.tensor([-INF, -INF, 1.]), 0),
    lambda m, x: m.logcumsumexp(m.tensor([INF, INF, 1.]), 0),
    lambda m, x: m.logcumsumexp(m.tensor([1., NAN, 2.]), 0),
])
def test_logcumsumexp_special_values(case):
    check(case, X, grads=[False])


@pytest.mark.parametrize("case", [
    lambda m, x: m.cummax(x, 2),
    lambda m, x: m.logcumsumexp(typed(m, x, "int64"), 1),
    lambda m, x: m.cummax(x, 1, out=(m.empty(0), m.empty(0, dtype=m.int32))),
    lambda m, x: m.cummin(x, 1, out=(m.empty(0, dtype=m.float32), m.empty(0, dtype=m.int64))),
])
def test_errors(case):
    check_error(case, X)


def test_out_forms_and_return_types():
    x = insitu.tensor(X)
    out = (insitu.empty(0, dtype=insitu.float64), insitu.empty(0, dtype=insitu.int64))
    r = insitu.cummax(x, 1, out=out)
    assert r.values is out[0] and r.indices is out[1]
    want = torch.cummax(torch.tensor(X), 1)
    np.testing.assert_array_equal(out[0].numpy(), want.values.numpy())
    np.testing.assert_array_equal(out[1].numpy(), want.indices.numpy())
    assert type(insitu.cummax(x, 1)).__name__ == "cummax" and type(r).__name__ == "cummax_out"
    assert type(insitu.cummin(x, 1)).__name__ == "cummin"
    o = insitu.empty(0, dtype=insitu.float64)
    assert insitu.logcumsumexp(insitu.tensor(R), 1, out=o) is o
    np.testing.assert_allclose(o.numpy(), torch.logcumsumexp(torch.tensor(R), 1).numpy())


@pytest.mark.parametrize("fn", [lambda t: insitu.logcumsumexp(t, 1),
                                lambda t: insitu.cummax(t, 1).values,
                                lambda t: insitu.cummin(t, 0).values])
def test_gradcheck(fn):
    t = insitu.tensor(R, requires_grad=True)
    assert gradcheck(fn, (t,))
    assert gradgradcheck(fn, (t,))


def test_cumsum_starts_from_plus_zero():
    # PyTorch's running sum starts from +0.0: a leading run of -0.0 sums to +0.0, forward, in
    # place and in the backward's reversed sum
    def run(m):
        out = []
        for dt in (m.float32, m.float64):
            x = m.tensor([[-0.0, 0.25, 0.0], [-0.0, -0.0, 1.0]], dtype=dt)
            y = x.clone().requires_grad_()
            y.cumsum(1).backward(m.tensor([[1.0, -0.0, -0.0], [2.0, -0.0, -0.0]], dtype=dt))
            z = x.clone()
            z.cumsum_(1)
            for r in (x.cumsum(0), x.cumsum(1), z, y.grad, m.cumsum(x, 1, dtype=m.float64)):
                a = np.array(r.tolist())
                out.append((a.tolist(), np.signbit(a).tolist()))
        return out
    assert run(insitu) == run(torch)


@pytest.mark.parametrize("create_graph", [False, True])
def test_cumprod_grad_past_the_first_zero(create_graph):
    # PyTorch's gradient is exactly zero past a slice's first zero, whatever follows (inf, nan)
    rows = [[0., 1., float("inf")], [-0.0, -0.0, 1.0], [1., float("inf"), 0.], [3., 0., float("nan")]]

    def run(m):
        x = m.tensor(rows, dtype=m.float64, requires_grad=True)
        g = m.tensor([[1., -0.0, 2.]] * 4, dtype=m.float64)
        (gx,) = m.autograd.grad(x.cumprod(1), x, g, create_graph=create_graph)
        a = np.array(gx.tolist())
        return a, np.signbit(a)
    (vt, st), (vi, si) = run(torch), run(insitu)
    np.testing.assert_array_equal(vi, vt)
    np.testing.assert_array_equal(si, st)
