"""The deliberate differences of docs/differences.md outside the fuzzer's reach, each pinned:
insitu's behaviour, and where a value is involved, the value it must be."""
import numpy as np
import pytest

import insitu
import insitu.nn.functional as F
from insitu import nn


def test_float32_sqrt_is_correctly_rounded():
    x = np.random.default_rng(0).random(200_000).astype(np.float32) * 100
    assert np.array_equal(insitu.tensor(x).sqrt().numpy(), np.sqrt(x))
    y = insitu.tensor(x.copy())
    y.sqrt_()
    assert np.array_equal(y.numpy(), np.sqrt(x))


@pytest.mark.parametrize("m", [[[1.0, 2.0], [2.0, 4.0]],
                               [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]])
def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix(m):
    a = insitu.tensor(m, dtype=insitu.float64, requires_grad=True)
    insitu.linalg.det(a).backward()
    arr = np.array(m)
    n = len(m)
    cof = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(arr, i, 0), j, 1))
                     for j in range(n)] for i in range(n)])
    np.testing.assert_allclose(a.grad.numpy(), cof, atol=1e-12)
    assert np.abs(cof).max() > 0


def test_multi_margin_loss_of_an_empty_batch_is_nan():
    assert np.isnan(F.multi_margin_loss(insitu.randn(0, 3),
                                        insitu.zeros(0, dtype=insitu.long)).item())


def test_conv_with_no_input_channels_sums_over_nothing():
    w, b = insitu.randn(2, 0, 3, 3), insitu.tensor([1.5, -2.0])
    out = F.conv2d(insitu.randn(1, 0, 4, 4), w, b)
    assert out.shape == (1, 2, 2, 2)
    assert np.array_equal(out.numpy(), np.broadcast_to(np.array([1.5, -2.0], np.float32)
                                                       [None, :, None, None], (1, 2, 2, 2)))


def test_ctc_targets_outside_the_classes_raise():
    lp = insitu.randn(5, 1, 3).log_softmax(2)
    with pytest.raises(RuntimeError, match=r"targets must be class indices in \[0, 3\)"):
        F.ctc_loss(lp, insitu.tensor([[1, 7]]), insitu.tensor([5]), insitu.tensor([2]))


def test_inplace_products_refuse_a_self_of_the_wrong_shape():
    m = insitu.zeros(3)
    with pytest.raises(RuntimeError, match="self tensor does not match matmul output shape"):
        m.addbmm_(insitu.randn(2, 3, 4), insitu.randn(2, 4, 3))
    assert m.shape == (3,) and m._version == 0 and not m.numpy().any()


def test_a_refused_batch_norm_call_changes_no_state():
    bn = nn.BatchNorm1d(3)
    v = bn.num_batches_tracked._version
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        bn(insitu.randn(1, 3))
    assert int(bn.num_batches_tracked) == 0 and bn.num_batches_tracked._version == v
    assert not bn.running_mean.numpy().any()


def test_antialias_is_not_implemented():
    with pytest.raises(NotImplementedError, match="antialias"):
        F.interpolate(insitu.randn(1, 1, 8, 8), size=(4, 4), mode="bilinear", antialias=True)


def test_max_pool_keeps_indices_not_its_input():
    x = insitu.randn(1, 1, 4, 4, requires_grad=True)
    y = x * 1
    z = F.max_pool2d(y, 2)
    expected = np.zeros((1, 1, 4, 4), np.float32)
    _, idx = F.max_pool2d(y.detach(), 2, return_indices=True)
    expected.reshape(-1)[idx.numpy().reshape(-1)] = 1
    y.mul_(2)                     # PyTorch's node saved y: its backward would raise here
    z.sum().backward()
    assert np.array_equal(x.grad.numpy(), expected)


def test_lstm_cell_is_one_node_for_both_states():
    h, c = nn.LSTMCell(3, 4)(insitu.randn(2, 3))
    assert h.grad_fn is c.grad_fn and h.grad_fn.name() == "MulBackward0"
