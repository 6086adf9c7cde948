"""Differential tests of unique, unique_consecutive, bincount and histc (insitu.ops.counting)
against PyTorch (see `differential`)."""
import numpy as np
import pytest

import insitu
from differential import _msg, check, check_error, idx, torch, typed

NAN = float("nan")
V = np.array([3., 1, 2, 1, 3, 3, NAN, NAN, -0.5])
M = np.array([[1., 2], [1, 2], [0, 5], [1, 2], [0, 5]])


@pytest.mark.parametrize("case", [
    lambda m, v: m.unique(v),
    lambda m, v: v.unique(sorted=False),
    lambda m, v: m.unique(v, return_inverse=True),
    lambda m, v: m.unique(v, return_counts=True),
    lambda m, v: m.unique(v, True, True, True),
    lambda m, v: m.unique(v.reshape(3, 3), return_inverse=True),
    lambda m, v: m.unique(v[:0], return_inverse=True, return_counts=True),
    lambda m, v: m.unique(v[0], return_inverse=True),
    lambda m, v: m.unique(typed(m, v[:6], "int64"), sorted=False, return_inverse=True,
                          return_counts=True),
    lambda m, v: m.unique(v > 1, return_inverse=True, return_counts=True),
    lambda m, v: m.unique_consecutive(v),
    lambda m, v: v.unique_consecutive(return_inverse=True, return_counts=True),
    lambda m, v: m.unique_consecutive(m.tensor([1., 1, 2, 2, 1, NAN, NAN]), return_counts=True),
    lambda m, v: m.unique_consecutive(v[:0], return_inverse=True, return_counts=True),
    lambda m, v: m.unique_consecutive(v.reshape(3, 3), return_inverse=True),
])
def test_unique_values(case):
    check(case, V, grads=[False])


@pytest.mark.parametrize("case", [
    lambda m, a: m.unique(a, dim=0),
    lambda m, a: m.unique(a, dim=0, return_inverse=True, return_counts=True),
    lambda m, a: m.unique(a, sorted=False, dim=1, return_inverse=True, return_counts=True),
    lambda m, a: a.unique(dim=-1, return_counts=True),
    lambda m, a: m.unique(a[:0], dim=0, return_inverse=True, return_counts=True),
    lambda m, a: m.unique_consecutive(a, dim=0, return_inverse=True, return_counts=True),
    lambda m, a: m.unique_consecutive(a, dim=1, return_counts=True),
    lambda m, a: m.unique(typed(m, a, "int32"), dim=0, return_inverse=True),
])
def test_unique_along_a_dim(case):
    check(case, M, grads=[False])


@pytest.mark.parametrize("case,what", [
    (lambda m, a: m.unique(a), "_unique2"),
    (lambda m, a: m.unique(a, dim=0), "unique_dim"),
    (lambda m, a: m.unique_consecutive(a), "unique_consecutive"),
    (lambda m, a: m.unique_consecutive(a, dim=1), "unique_consecutive"),
])
def test_unique_records_a_node_whose_backward_is_not_implemented(case, what):
    names = []
    for lib in (torch, insitu):
        r = case(lib, lib.tensor(M, requires_grad=True))
        names.append(type(r.grad_fn).__name__)
        with pytest.raises(NotImplementedError) as e:
            r.sum().backward()
        assert str(e.value) == f"the derivative for '{what}' is not implemented."
    assert names[0] == names[1]


@pytest.mark.parametrize("case", [
    lambda m, a: m.unique(a, dim=2),
    lambda m, a: m.unique(a[:, :0], dim=0),
    lambda m, a: m.unique(a[0, 0], dim=0),
    lambda m, a: m.unique_consecutive(a, dim=-3),
])
def test_unique_errors(case):
    check_error(case, M)


W = np.array([0.5, 1, 2, 3, 4])


@pytest.mark.parametrize("case", [
    lambda m, w: m.bincount(idx(m, [0, 1, 1, 3, 5])),
    lambda m, w: m.bincount(idx(m, [0, 1, 1, 3, 5]), minlength=8),
    lambda m, w: idx(m, [4, 1, 1]).bincount(None, 2),
    lambda m, w: m.bincount(idx(m, [0, 1, 1, 3, 5]), w),
    lambda m, w: m.bincount(idx(m, [0, 1, 1, 3, 5]), typed(m, w, "float32")),
    lambda m, w: m.bincount(idx(m, [0, 1, 1, 3, 5]), typed(m, w, "int64"), minlength=9),
    lambda m, w: m.bincount(idx(m, [0, 1, 1, 3, 5]), typed(m, w, "float16")),
    lambda m, w: m.bincount(idx(m, [0, 1, 1, 3, 5]), w > 1),
    lambda m, w: m.bincount(idx(m, [1, 2], "uint8")),
    lambda m, w: m.bincount(idx(m, []), minlength=3),
    lambda m, w: m.bincount(idx(m, []), w[:1], minlength=2),
])
def test_bincount(case):
    check(case, W, grads=[False])


@pytest.mark.parametrize("case", [
    lambda m, w: m.bincount(idx(m, [-1, 2])),
    lambda m, w: m.bincount(idx(m, [[1, 2]])),
    lambda m, w: m.bincount(idx(m, 1)),
    lambda m, w: m.bincount(w),
    lambda m, w: m.bincount(idx(m, [True], "bool")),
    lambda m, w: m.bincount(idx(m, [1]), minlength=-1),
    lambda m, w: m.bincount(idx(m, [1, 2]), w),
])
def test_bincount_errors(case):
    check_error(case, W)


def test_bincount_weights_gradient_is_not_implemented():
    for lib in (torch, insitu):
        w = lib.tensor(W, requires_grad=True)
        r = lib.bincount(lib.tensor([0, 1, 1, 3, 5]), w)
        assert type(r.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::bincount is not "
                                               "implemented"):
            r.sum().backward()


H = np.array([1., 2, 1, 4, 2.5, 0, 5, NAN, 0.1, 0.7, 0.30000001, 1.0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", [
    lambda m, h: m.histc(h[:7]),
    lambda m, h: m.histc(h, bins=4, min=0, max=3),
    lambda m, h: m.histc(h[:7], bins=4, min=3, max=3),
    lambda m, h: m.histc(h, bins=10, min=0, max=1),
    lambda m, h: m.histc(h, bins=7, min=0.1, max=0.8),
    lambda m, h: h[:7].reshape(7, 1).histc(3),
    lambda m, h: h.histc(3, 0, 1),
    lambda m, h: m.histc(m.ones(3, dtype=h.dtype), bins=4),
    lambda m, h: m.histc(h[:0], bins=4),
])
def test_histc(case, dtype):
    check(case, H.astype(dtype), grads=[False])


@pytest.mark.parametrize("case", [
    lambda m, h: m.histc(h, bins=0),
    lambda m, h: m.histc(h, bins=4, min=3, max=1),
    lambda m, h: m.histc(typed(m, h[:7], "int64"), bins=4),
    lambda m, h: m.histc(m.tensor([1., float("inf")]), bins=4),
    lambda m, h: m.histc(h, bins=4, min=NAN, max=3),
])
def test_histc_errors(case):
    check_error(case, H)


def test_histc_out_and_no_graph():
    h = torch.tensor(H[:7], dtype=torch.float32, requires_grad=True)
    assert torch.histc(h, 3).grad_fn is None
    assert insitu.histc(insitu.tensor(H[:7], dtype=insitu.float32, requires_grad=True),
                        3).grad_fn is None
    out = insitu.empty(0)
    r = insitu.histc(insitu.tensor(H[:7], dtype=insitu.float32), 4, out=out)
    assert r is out and out.tolist() == torch.histc(torch.tensor(H[:7]), 4).tolist()
    assert _msg(RuntimeError("torch.x")) == "insitu.x"
