"""Differential tests of gather, index_select, masked_select, take, nonzero and argwhere
(insitu.ops.indexing.select) against PyTorch (see `differential`)."""
import numpy as np
import pytest

import insitu
from differential import A34, _np, assert_same, check, check_error, idx, torch, typed


# ----------------------------------------------------------------------------- gather & co

GI = np.array([[0, 1], [2, 0], [3, 3]])


@pytest.mark.parametrize("case", [
    lambda m, a: a.gather(1, idx(m, [[0, 1], [2, 0], [3, 3]])),
    lambda m, a: m.gather(a, 0, idx(m, [[0, 1, 2, 0], [2, 2, 2, 2]])),
    lambda m, a: a.gather(-1, idx(m, [[0, 0]], "int32")),
    lambda m, a: a.gather(0, idx(m, [[0], [1], [1]])),
    lambda m, a: a[0, 0].gather(0, idx(m, 0)),
    lambda m, a: a.gather(1, m.zeros(0, 2, dtype=m.long)),
    lambda m, a: a.index_select(1, idx(m, [2, 0, 2])),
    lambda m, a: m.index_select(a, 0, idx(m, [2, 2], "int32")),
    lambda m, a: a.index_select(1, idx(m, 1)),
    lambda m, a: a[0, 0].index_select(0, idx(m, [0])),
    lambda m, a: a.masked_select(a > 0),
    lambda m, a: a.masked_select(m.tensor([True, False, True, False])),
    lambda m, a: a[0].masked_select(m.ones(3, 4, dtype=m.bool)),
    lambda m, a: a.take(idx(m, [[0, 5], [-1, 11]])),
    lambda m, a: m.take(a, idx(m, 3)),
    lambda m, a: a.t().gather(0, idx(m, [[2, 0, 1], [0, 0, 0]])),
    lambda m, a: a.t().index_select(1, idx(m, [2, 0])),
    lambda m, a: a.t().masked_select(a.t() < 0),
    lambda m, a: a.t().take(idx(m, [1, 2, 3])),
])
def test_gather_select_take(case):
    check(case, A34)


@pytest.mark.parametrize("case", [
    lambda m, a: a.gather(1, idx(m, [[0.5, 1]], "float32")),
    lambda m, a: a.gather(1, idx(m, [0, 1])),
    lambda m, a: a.gather(0, idx(m, [[0, 1, 2, 0, 1]])),
    lambda m, a: a.gather(1, idx(m, [[0, 4]])),
    lambda m, a: a.gather(1, idx(m, [[0, -1]])),
    lambda m, a: a.gather(2, idx(m, [[0]])),
    lambda m, a: a.index_select(1, idx(m, [[0, 1]])),
    lambda m, a: a.index_select(1, idx(m, [0.0], "float32")),
    lambda m, a: a.index_select(1, idx(m, [0], "int16")),
    lambda m, a: a.index_select(1, idx(m, [4])),
    lambda m, a: a.index_select(0, idx(m, [3])),
    lambda m, a: a.index_select(1, idx(m, [-1])),
    lambda m, a: a[0, 0].index_select(0, idx(m, [0, 0])),
    lambda m, a: a.masked_select(typed(m, a > 0, 'int32')),
    lambda m, a: a.masked_select(m.tensor([True, False])),
    lambda m, a: a.take(idx(m, [12])),
    lambda m, a: a.take(idx(m, [-13])),
    lambda m, a: a.take(idx(m, [0], "int32")),
    lambda m, a: m.zeros(0).take(idx(m, [0])),
])
def test_gather_select_take_errors(case):
    check_error(case, A34)


def test_index_select_and_gather_out():
    for lib in (torch, insitu):
        a = lib.arange(12.).reshape(3, 4)
        out = lib.empty(2, 4)
        r = lib.index_select(a, 0, lib.tensor([2, 0]), out=out)
        assert r is out and out.tolist() == [[8, 9, 10, 11], [0, 1, 2, 3]]
        with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
            r = lib.gather(a, 1, lib.tensor([[1], [0]]), out=out)
        assert out.tolist() == [[1.0], [4.0]]


@pytest.mark.parametrize("data", [A34, np.array(2.5), np.array(0.0), (A34 > 0), np.zeros(3)])
def test_nonzero(data):
    for as_tuple in (False, True):
        rt = torch.tensor(data).nonzero(as_tuple=as_tuple)
        ri = insitu.tensor(data).nonzero(as_tuple=as_tuple)
        assert_same(rt, ri)
    assert_same(torch.argwhere(torch.tensor(data)), insitu.argwhere(insitu.tensor(data)))


def test_where_with_condition_only_uses_nonzero():
    assert_same(torch.where(torch.tensor(A34) > 0), insitu.where(insitu.tensor(A34) > 0))


def test_scalar_self_gather():
    check(lambda m, a: a.gather(0, idx(m, 0)), np.array(0.5))
    check_error(lambda m, a: a.gather(0, idx(m, 1)), np.array(0.5))


def test_gradgrad_through_gather_and_index_add():
    for lib in (torch, insitu):
        x = lib.tensor(A34, requires_grad=True)
        y = (x * x).gather(1, lib.tensor([[0, 1], [1, 1], [3, 2]])).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        np.testing.assert_allclose(_np(x.grad), [[2, 2, 0, 0], [0, 4, 0, 0], [0, 0, 2, 2]])
