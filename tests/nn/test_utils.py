"""nn.utils: in-place gradient clipping and parameter vectors, against torch.nn.utils."""
import numpy as np
import pytest

import insitu
import insitu.nn as nn
from insitu.nn import utils

torch = pytest.importorskip("torch")


def params_with_grads(scale=1.0, dtype=np.float32):
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,), (2, 2)]
    mine, theirs = [], []
    for s in shapes:
        v, g = rng.standard_normal(s).astype(dtype), (rng.standard_normal(s) * scale).astype(dtype)
        p, q = nn.Parameter(insitu.tensor(v)), torch.nn.Parameter(torch.tensor(v))
        p.grad, q.grad = insitu.tensor(g), torch.tensor(g)
        mine.append(p)
        theirs.append(q)
    return mine, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch_and_is_in_place(norm_type, max_norm):
    mine, theirs = params_with_grads(scale=3.0)
    grads = [p.grad for p in mine]
    ptrs = [g.data_ptr() for g in grads]
    total_m = utils.clip_grad_norm_(mine, max_norm, norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    np.testing.assert_allclose(total_m.item(), total_t.item(), rtol=1e-6)
    for p, q, g, ptr in zip(mine, theirs, grads, ptrs):
        assert p.grad is g and g.data_ptr() == ptr
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_single_tensor_no_grads_and_nonfinite():
    p = nn.Parameter(insitu.ones(3))
    p.grad = insitu.full((3,), 4.0)
    assert utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(np.sqrt(48))
    assert utils.clip_grad_norm_([nn.Parameter(insitu.ones(1))], 1.0).item() == 0.0
    p.grad = insitu.tensor([float("inf"), 1.0, 1.0])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    mine, theirs = params_with_grads(scale=2.0)
    versions = [p.grad._version for p in mine]
    utils.clip_grad_value_(mine, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, q, v in zip(mine, theirs, versions):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
        assert p.grad._version == v + 1


def test_parameters_to_vector_and_back():
    if not hasattr(insitu, "cat"):
        pytest.skip("needs insitu.cat")
    mine, theirs = params_with_grads()
    vec_m = utils.parameters_to_vector(mine)
    vec_t = torch.nn.utils.parameters_to_vector(theirs)
    np.testing.assert_array_equal(vec_m.detach().numpy(), vec_t.detach().numpy())
    assert vec_m.requires_grad
    new = insitu.arange(float(vec_m.numel()))
    utils.vector_to_parameters(new, mine)
    assert mine[1].tolist() == [12.0, 13.0, 14.0, 15.0]
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        utils.vector_to_parameters([1.0], mine)
