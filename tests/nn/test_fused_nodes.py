"""What the fused layers of nn.functional keep for backward: it follows from their formulas'
parameter names (`insitu.ops.derivatives`), checked here input by input, in bytes."""
import itertools

import numpy as np
import pytest

import insitu
import insitu.nn.functional as F
from insitu.autograd import graph

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _saved_roles(out, inputs):
    """Which of `inputs` the node behind `out` saved (by position), and the bytes of any other
    tensor it saved."""
    roles = []
    for s in graph._saved_in(out.grad_fn):
        hit = [i for i, t in enumerate(inputs) if t is not None and t._storage is s.storage]
        roles.append(hit[0] if hit else s.storage.nbytes)
    return sorted(roles, key=str)


@pytest.mark.parametrize("needs", list(itertools.product([False, True], repeat=3))[1:])
def test_linear_keeps_weight_for_input_and_input_for_weight(needs):
    x, w, b = (insitu.randn(*s, requires_grad=n) for s, n in zip([(5, 3), (4, 3), (4,)], needs))
    y = F.linear(x, w, b)
    expected = ([0] if needs[1] else []) + ([1] if needs[0] else [])
    assert _saved_roles(y, [x, w, b]) == expected
    assert graph.saved_bytes(y) == sum((x, w)[i].nbytes for i in expected)
    y.sum().backward()
    assert graph.saved_bytes(y) == 0


@pytest.mark.parametrize("needs", list(itertools.product([False, True], repeat=4))[1:])
def test_bilinear_any_input_alone(needs):
    shapes = [(5, 3), (5, 2), (4, 3, 2), (4,)]
    arrays = [np.random.default_rng(0).standard_normal(s) for s in shapes]
    mine = [insitu.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    theirs = [torch.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    F.bilinear(*mine).sum().backward()
    TF.bilinear(*theirs).sum().backward()
    for m, t in zip(mine, theirs):
        if t.requires_grad:
            np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-10)
    # the weight is kept when an input needs a gradient, each input when the other or the
    # weight needs one, the bias never
    saved = _saved_roles(F.bilinear(*mine), mine)
    assert saved == [i for i, keep in enumerate((needs[1] or needs[2], needs[0] or needs[2],
                                                 needs[0] or needs[1])) if keep]


def test_cross_entropy_keeps_its_log_probabilities_not_its_input():
    x = insitu.randn(8, 5, requires_grad=True)
    target = insitu.tensor([0, 1, 2, 3, 4, 0, 1, 2])
    loss = F.cross_entropy(x, target)
    assert _saved_roles(loss, [x]) == []
    # log-probabilities (8x5 float32), each sample's class (int64) and weight (float32)
    assert graph.saved_bytes(loss) == 8 * 5 * 4 + 8 * 8 + 8 * 4
    with insitu.no_grad():
        x.mul_(2)                    # the input is not needed by backward
    loss.backward()
    assert graph.saved_bytes(loss) == 0


def test_layer_norm_keeps_input_weight_and_statistics():
    x = insitu.randn(6, 4, requires_grad=True)
    w, b = insitu.ones(4, requires_grad=True), insitu.zeros(4, requires_grad=True)
    y = F.layer_norm(x, (4,), w, b)
    assert _saved_roles(y, [x, w, b]) == [0, 1]
    assert graph.saved_bytes(y) == x.nbytes + w.nbytes + 2 * 6 * 4   # mean and rstd per row


def test_embedding_keeps_only_its_indices():
    w = insitu.randn(10, 3, requires_grad=True)
    idx = insitu.tensor([[1, 2], [3, 1]])
    out = F.embedding(idx, w)
    assert _saved_roles(out, [w]) == []
    assert graph.saved_bytes(out) == idx.nbytes


@pytest.mark.parametrize("f", [
    lambda x, t, w: F.binary_cross_entropy(x.sigmoid(), t, weight=w),
    lambda x, t, w: F.binary_cross_entropy_with_logits(x, t, weight=w),
    lambda x, t, w: F.binary_cross_entropy_with_logits(x, t, pos_weight=w),
])
def test_binary_losses_keep_their_weights_version_checked(f):
    """As PyTorch's nodes do (_saved_weight, _saved_pos_weight)."""
    x, t, w = insitu.randn(4, 3, requires_grad=True), insitu.rand(4, 3), insitu.rand(3)
    loss = f(x, t, w)
    w.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
