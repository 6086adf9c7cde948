"""Differential tests of addbmm and addr, out of place and in place (insitu.ops.linalg.
add_products), against PyTorch (see `differential`), with gradcheck in float64."""
import numpy as np
import pytest

import insitu
from differential import check, check_error, torch, typed
from insitu.autograd.gradcheck import gradcheck, gradgradcheck

RNG = np.random.default_rng(5)
B1, B2 = RNG.standard_normal((3, 2, 4)), RNG.standard_normal((3, 4, 5))
M25 = RNG.standard_normal((2, 5))
V1, V2 = RNG.standard_normal(2), RNG.standard_normal(3)
M23 = RNG.standard_normal((2, 3))


@pytest.mark.parametrize("case", [
    lambda m, s, a, b: m.addbmm(s, a, b),
    lambda m, s, a, b: m.addbmm(s, a, b, beta=0.5, alpha=2),
    lambda m, s, a, b: m.addbmm(s[0], a, b, beta=0),
    lambda m, s, a, b: s.addbmm(a, b, alpha=-1.5),
    lambda m, s, a, b: m.addbmm(s, a[:0], b[:0], beta=3),
    lambda m, s, a, b: m.addbmm(typed(m, s, "float32"), typed(m, a, "float32"),
                                typed(m, b, "float32")),
    lambda m, s, a, b: m.addbmm(typed(m, s * 3, "int64"), typed(m, a * 3, "int64"),
                                typed(m, b * 3, "int64"), alpha=2),
    lambda m, s, a, b: (s * 1).addbmm_(a, b, beta=0.5),
])
def test_addbmm(case):
    check(case, M25, B1, B2)


@pytest.mark.parametrize("case", [
    lambda m, s, a, b: m.addbmm(m.ones(3, 5), a, b),
    lambda m, s, a, b: m.addbmm(s, a[0], b),
    lambda m, s, a, b: m.addbmm(s, a, b[0]),
    lambda m, s, a, b: m.addbmm(s, a, b[:2]),
    lambda m, s, a, b: m.addbmm(s, a, b[:, :3]),
    lambda m, s, a, b: m.addbmm(typed(m, s, "float32"), a, b),
    lambda m, s, a, b: m.addbmm(s, typed(m, a, "float32"), b),
    lambda m, s, a, b: s.addbmm_(a, b[:2]),
])
def test_addbmm_errors(case):
    check_error(case, M25, B1, B2)


@pytest.mark.parametrize("case", [
    lambda m, s, u, v: m.addr(s, u, v),
    lambda m, s, u, v: m.addr(s, u, v, beta=2, alpha=0.5),
    lambda m, s, u, v: m.addr(s[0], u, v),
    lambda m, s, u, v: m.addr(s, u, v, beta=0),
    # (PyTorch's backward of a mixed-dtype addr fails: values only)
    lambda m, s, u, v: s.detach().addr(u.detach(), typed(m, v, "float32")),
    lambda m, s, u, v: m.addr(typed(m, s * 3, "int64"), typed(m, u * 3, "int64"),
                              typed(m, v * 3, "int64"), alpha=2),
    lambda m, s, u, v: m.addr(typed(m, s, "float32"), typed(m, u * 3, "int64"),
                              typed(m, v * 3, "int64")),
    lambda m, s, u, v: m.addr(s > 0, u > 0, v > 0),
    lambda m, s, u, v: m.addr(s > 0, u > 0, v > 0, beta=False),
    lambda m, s, u, v: m.addr(s, u > 0, v > 0),
    lambda m, s, u, v: (s * 1).addr_(u, v, alpha=3),
    lambda m, s, u, v: s.detach().clone().addr_(u.detach(), typed(m, v, "float32")),
])
def test_addr(case):
    check(case, M23, V1, V2)


@pytest.mark.parametrize("case", [
    lambda m, s, u, v: m.addr(s, u.reshape(2, 1), v),
    lambda m, s, u, v: m.addr(s, u, m.ones(2, 2)),
    lambda m, s, u, v: m.addr(m.ones(4, 3), u, v),
    lambda m, s, u, v: m.addr(typed(m, s, "int64"), typed(m, u, "int64"), typed(m, v, "int64"),
                              alpha=2.5),
    lambda m, s, u, v: m.addr(s, u, v, beta=True),
    lambda m, s, u, v: m.ones(1, 3).addr_(u, v),
    lambda m, s, u, v: m.ones(3).addr_(u, v),
    lambda m, s, u, v: typed(m, s, "int64").addr_(u, v),
])
def test_addr_errors(case):
    check_error(case, M23, V1, V2)


def test_inplace_forms_write_self_once():
    for op, args in (("addbmm_", (B1, B2)), ("addr_", (V1, V2))):
        base = M25 if op == "addbmm_" else M23
        x = insitu.tensor(base)
        ptr, v = x.data_ptr(), x._version
        r = getattr(x, op)(*[insitu.tensor(a) for a in args], beta=0.5, alpha=2)
        want = getattr(torch.tensor(base), op)(*[torch.tensor(a) for a in args], beta=0.5,
                                               alpha=2)
        assert r is x and x.data_ptr() == ptr and x._version == v + 1
        np.testing.assert_allclose(x.numpy(), want.numpy(), rtol=1e-12)


def test_out_forms():
    out = insitu.empty(0, dtype=insitu.float64)
    assert insitu.addbmm(insitu.tensor(M25), insitu.tensor(B1), insitu.tensor(B2), out=out) is out
    np.testing.assert_allclose(out.numpy(), torch.addbmm(torch.tensor(M25), torch.tensor(B1),
                                                         torch.tensor(B2)).numpy())
    out = insitu.empty(0, dtype=insitu.float64)
    insitu.addr(insitu.tensor(M23), insitu.tensor(V1), insitu.tensor(V2), out=out)
    np.testing.assert_allclose(out.numpy(), torch.addr(torch.tensor(M23), torch.tensor(V1),
                                                       torch.tensor(V2)).numpy())


def test_gradcheck():
    s, a, b = (insitu.tensor(x, requires_grad=True) for x in (M25, B1, B2))
    assert gradcheck(lambda s, a, b: insitu.addbmm(s, a, b, beta=0.5, alpha=2), (s, a, b))
    assert gradgradcheck(lambda s, a, b: insitu.addbmm(s, a, b), (s, a, b))
    s, u, v = (insitu.tensor(x, requires_grad=True) for x in (M23, V1, V2))
    assert gradcheck(lambda s, u, v: insitu.addr(s, u, v, beta=2, alpha=0.5), (s, u, v))
    assert gradgradcheck(lambda s, u, v: insitu.addr(s, u, v), (s, u, v))
