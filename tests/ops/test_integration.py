"""Differential tests of trapezoid and cumulative_trapezoid (insitu.ops.integration) against
PyTorch (see `differential`)."""
import numpy as np
import pytest

import insitu
from differential import check, check_error, typed
from insitu.autograd.gradcheck import gradcheck

Y = np.random.default_rng(4).standard_normal((3, 6))
X = np.array([1., 2, 4, 5, 6, 9])


@pytest.mark.parametrize("case", [
    lambda m, y, x: m.trapezoid(y),
    lambda m, y, x: m.trapezoid(y, dx=0.5, dim=0),
    lambda m, y, x: m.trapezoid(y, x),
    lambda m, y, x: m.trapezoid(y, x * 1, dim=-1),
    lambda m, y, x: m.trapezoid(y, x.expand(3, 6)),
    lambda m, y, x: m.trapezoid(y.t(), x.reshape(6, 1), dim=0),
    lambda m, y, x: m.trapz(y, x),
    lambda m, y, x: m.trapz(y, dx=2),
    lambda m, y, x: m.trapezoid(y[:, :1]),
    lambda m, y, x: m.trapezoid(y[:, :0]),
    lambda m, y, x: m.trapezoid(typed(m, y * 10, "int64")),
    lambda m, y, x: m.cumulative_trapezoid(y),
    lambda m, y, x: m.cumulative_trapezoid(y, x),
    lambda m, y, x: m.cumulative_trapezoid(y, dx=2, dim=0),
    lambda m, y, x: m.cumulative_trapezoid(y, x.expand(3, 6)),
])
def test_trapezoid(case):
    check(case, Y, X)


@pytest.mark.parametrize("case", [
    lambda m, y, x: m.trapezoid(y, x[:3]),
    lambda m, y, x: m.trapezoid(y > 0),
    lambda m, y, x: m.trapezoid(y, x > 2),
    lambda m, y, x: m.trapezoid(y, dx=True),
    lambda m, y, x: m.trapezoid(y[0, 0]),
    lambda m, y, x: m.trapezoid(y, x.expand(3, 6)[:, :3]),
    lambda m, y, x: m.cumulative_trapezoid(y, x[:2]),
    lambda m, y, x: m.cumulative_trapezoid(y > 0),
])
def test_trapezoid_errors(case):
    check_error(case, Y, X)


def test_gradcheck():
    y, x = insitu.tensor(Y, requires_grad=True), insitu.tensor(X, requires_grad=True)
    assert gradcheck(lambda a, b: insitu.trapezoid(a, b), (y, x))
    assert gradcheck(lambda a, b: insitu.cumulative_trapezoid(a, b), (y, x))
