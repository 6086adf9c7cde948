"""Special values, erf, whole-tensor comparisons and the small broadcasting helpers vs torch."""
import numpy as np
import pytest

import insitu

torch = pytest.importorskip("torch")

VALUES = [1.0, float("nan"), float("inf"), -float("inf"), 0.5, -0.0, 3.5, -4.0]


def both(fn, data=VALUES, dtype="float32", requires_grad=False):
    i = insitu.tensor(data, dtype=getattr(insitu, dtype), requires_grad=requires_grad)
    t = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    return fn(insitu, i), fn(torch, t), i, t


def same(a, b):
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
        return
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf",
                                  "nan_to_num"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_values(name, dtype):
    a, b, _, _ = both(lambda lib, x: getattr(lib, name)(x), dtype=dtype)
    same(a, b)


def test_integer_inputs_are_finite():
    a, b, _, _ = both(lambda lib, x: (lib.isnan(x), lib.isfinite(x), lib.isinf(x)),
                      data=[1, 2], dtype="int64")
    same(a, b)


def test_nan_to_num_in_place_and_gradient():
    a, b, i, t = both(lambda lib, x: (x * 1).nan_to_num(nan=2.0, posinf=9.0), requires_grad=True)
    same(a, b)
    a.sum().backward()
    b.sum().backward()
    same(i.grad, t.grad)
    assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__ == "NanToNumBackward0"
    x = insitu.tensor([float("nan"), 1.0])
    assert x.nan_to_num_() is x and x._version == 1 and x.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_erf_values_and_gradient(dtype):
    data = list(np.linspace(-5, 5, 41)) + [float("nan")]
    a, b, i, t = both(lambda lib, x: x.erf(), data=data, dtype=dtype, requires_grad=True)
    same(a, b)
    a.nansum().backward()
    b.nansum().backward()
    same(i.grad, t.grad)
    assert type(a.grad_fn).__name__ == "ErfBackward0"


def test_isclose_allclose_equal():
    x, y = [1.0, 2.0, float("nan")], [1.0 + 1e-9, 2.1, float("nan")]
    ia, ib = insitu.tensor(x), insitu.tensor(y)
    ta, tb = torch.tensor(x), torch.tensor(y)
    same(insitu.isclose(ia, ib), torch.isclose(ta, tb))
    same(insitu.isclose(ia, ib, equal_nan=True), torch.isclose(ta, tb, equal_nan=True))
    assert insitu.allclose(ia[:1], ib[:1]) == torch.allclose(ta[:1], tb[:1]) is True
    assert insitu.allclose(ia, ib) == torch.allclose(ta, tb) is False
    assert insitu.equal(ia[:2], ia[:2].clone()) is torch.equal(ta[:2], ta[:2].clone()) is True
    assert insitu.equal(ia[:2], ia[:1]) is torch.equal(ta[:2], ta[:1]) is False


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    res = [lib.meshgrid(lib.arange(3), lib.arange(2), lib.arange(4), indexing=indexing)
           for lib in (insitu, torch)]
    same(res[0], res[1])


def test_broadcast_tensors_are_views():
    i = insitu.broadcast_tensors(insitu.ones(3, 1), insitu.zeros(4))
    t = torch.broadcast_tensors(torch.ones(3, 1), torch.zeros(4))
    same(i, t)
    assert all(x._is_view() for x in i)


def test_diag_and_repeat_interleave():
    for k in (-1, 0, 2):
        same(insitu.diag(insitu.tensor([1.0, 2.0]), k), torch.diag(torch.tensor([1.0, 2.0]), k))
        m = np.arange(12.0).reshape(3, 4)
        same(insitu.diag(insitu.tensor(m), k), torch.diag(torch.tensor(m), k))
    x = insitu.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    (insitu.diag(x) * 3).sum().backward()
    (torch.diag(tx) * 3).sum().backward()
    same(x.grad, tx.grad)
    same(insitu.repeat_interleave(insitu.tensor([1, 2]), 2),
         torch.repeat_interleave(torch.tensor([1, 2]), 2))
    same(insitu.tensor([[1, 2], [3, 4]]).repeat_interleave(insitu.tensor([1, 2]), dim=0),
         torch.tensor([[1, 2], [3, 4]]).repeat_interleave(torch.tensor([1, 2]), dim=0))
    same(insitu.repeat_interleave(insitu.tensor([2, 1])),
         torch.repeat_interleave(torch.tensor([2, 1])))


def test_fill_diagonal_():
    for wrap in (False, True):
        i, t = insitu.zeros(7, 3), torch.zeros(7, 3)
        assert i.fill_diagonal_(5.0, wrap=wrap) is i
        t.fill_diagonal_(5.0, wrap=wrap)
        same(i, t)


def test_exact_gelu_double_backward_matches_torch():
    import insitu.nn.functional as F
    import torch.nn.functional as TF
    data = [-1.5, 0.3, 2.0]
    x = insitu.tensor(data, dtype=insitu.float64, requires_grad=True)
    tx = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    (g,) = insitu.autograd.grad(F.gelu(x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(TF.gelu(tx).sum(), tx, create_graph=True)
    same(g, tg)
    g.sum().backward()
    tg.sum().backward()
    same(x.grad, tx.grad)
