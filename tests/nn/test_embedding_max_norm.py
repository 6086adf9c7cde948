"""embedding's max_norm against torch: the referenced rows whose norm exceeds max_norm are
renormalised in place before the lookup (the same buffer, the weight's version up once per
call, as PyTorch's embedding_renorm_), the other rows untouched; the module does the same."""
import math

import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1.0, 100.0])
def test_max_norm_renormalises_the_used_rows_in_place(dtype, norm_type, max_norm):
    w = np.random.default_rng(0).standard_normal((6, 4)).astype(dtype)
    idx = np.array([[0, 1, 1], [5, 2, 1]])
    mine, theirs = insitu.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    ptr = mine.data_ptr()
    out_m = F.embedding(insitu.tensor(idx), mine, max_norm=max_norm, norm_type=norm_type)
    out_t = TF.embedding(torch.tensor(idx), theirs, max_norm=max_norm, norm_type=norm_type)
    exact = norm_type in (1.0, 2.0, math.inf)
    tol = 0 if exact else 1e-6
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=tol)
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=tol)
    np.testing.assert_array_equal(mine.detach().numpy()[[3, 4]], w[[3, 4]])   # unused rows
    assert mine.data_ptr() == ptr and mine._version == theirs._version == 1
    assert mine.grad_fn is None and type(out_m.grad_fn).__name__ == "EmbeddingBackward0"
    g = np.random.default_rng(1).standard_normal(out_t.shape).astype(dtype)
    out_m.backward(insitu.tensor(g))
    out_t.backward(torch.tensor(g))
    np.testing.assert_array_equal(mine.grad.numpy(), theirs.grad.numpy())


def test_renormalising_a_weight_some_op_saved_is_detected_at_backward():
    base = insitu.randn(5, 3, requires_grad=True)
    w = base.exp()                              # exp keeps its result
    F.embedding(insitu.tensor([0, 1]), w, max_norm=0.1)
    assert w.grad_fn.name() == "ExpBackward0"     # written under no_grad: still exp's output
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()


def test_module_with_max_norm_matches_torch():
    mine = nn.Embedding(7, 3, max_norm=1.0, norm_type=1.0, padding_idx=0)
    theirs = torch.nn.Embedding(7, 3, max_norm=1.0, norm_type=1.0, padding_idx=0)
    assert repr(mine) == repr(theirs)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(mine.weight.detach().numpy()))
    idx = np.array([0, 2, 6, 2])
    np.testing.assert_array_equal(mine(insitu.tensor(idx)).detach().numpy(),
                                  theirs(torch.tensor(idx)).detach().numpy())
    np.testing.assert_array_equal(mine.weight.detach().numpy(), theirs.weight.detach().numpy())
