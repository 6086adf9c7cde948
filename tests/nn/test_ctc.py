"""ctc_loss against torch: the loss and its gradient with respect to the log-probabilities
(PyTorch's formula, also for inputs that are not normalised), padded and concatenated targets,
unbatched input, every reduction, zero_infinity, the blank, lengths of every kind; gradcheck
through log_softmax; PyTorch's messages; no double backward, as in PyTorch."""
import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F
from insitu.autograd.gradcheck import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

REDUCTIONS = ["none", "mean", "sum"]


def problem(T, N, C, target_lengths, blank=0, dtype=np.float64, normalise=True, seed=0,
            targets=None):
    r = np.random.default_rng(seed)
    x = r.standard_normal((T, N, C)).astype(dtype)
    if normalise:
        x = torch.tensor(x).log_softmax(2).numpy()
    if targets is None:
        t = r.integers(0, C - 1, (N, max(max(target_lengths), 1)))
        targets = np.where(t >= blank, t + 1, t)            # no blank among the labels
    return x, targets


def compare(x, targets, input_lengths, target_lengths, tol=1e-10, **kw):
    mine = insitu.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    lengths = (lambda lib, v: lib.tensor(np.asarray(v)))
    out_m = F.ctc_loss(mine, insitu.tensor(targets), lengths(insitu, input_lengths),
                       lengths(insitu, target_lengths), **kw)
    out_t = TF.ctc_loss(theirs, torch.tensor(targets), lengths(torch, input_lengths),
                        lengths(torch, target_lengths), **kw)
    assert out_m.shape == tuple(out_t.shape)
    assert type(out_m.grad_fn).__name__ == type(out_t.grad_fn).__name__
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=tol,
                               atol=tol)
    g = np.random.default_rng(1).standard_normal(out_t.shape).astype(x.dtype)
    out_m.backward(insitu.tensor(g))
    out_t.backward(torch.tensor(g))
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=tol, atol=tol)
    return out_m


def concatenated(targets, target_lengths):
    return np.concatenate([targets[i, :n] for i, n in enumerate(target_lengths)]).astype(
        np.int64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 2e-5)])
def test_ctc_matches_torch(reduction, layout, dtype, tol):
    tl, il = [3, 0, 2, 1], [8, 3, 0, 5]
    for blank, normalise in [(0, True), (2, True), (3, False)]:
        x, t = problem(8, 4, 4, tl, blank, dtype, normalise)
        if layout == "concatenated":
            t = concatenated(t, tl)
        compare(x, t, il, tl, tol, blank=blank, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_repeated_labels_and_impossible_alignments(reduction, zero_infinity):
    # a repeated label needs a blank between: [1, 1, 1] does not fit in 4 steps
    targets = np.array([[1, 1, 1], [1, 2, 1], [2, 2, 2]])
    x, _ = problem(4, 3, 3, [3, 3, 1])
    out = compare(x, targets, [4, 3, 4], [3, 3, 1], reduction=reduction,
                  zero_infinity=zero_infinity)
    if reduction == "none":
        assert np.isinf(out.detach().numpy()[0]) != zero_infinity


def test_unbatched_input_and_lengths_of_every_kind():
    x, t = problem(6, 1, 5, [3])
    for reduction in REDUCTIONS:
        compare(x[:, 0], t[0], np.array(6), np.array(3), reduction=reduction)
    x, t = problem(6, 3, 5, [3, 2, 3])
    for il, tl in [([6, 5, 6], [3, 2, 3]), ((6, 5, 6), (3, 2, 3))]:
        mine = F.ctc_loss(insitu.tensor(x), insitu.tensor(t), il, tl, reduction="none")
        theirs = TF.ctc_loss(torch.tensor(x), torch.tensor(t), il, tl, reduction="none")
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-10)
    mine = F.ctc_loss(insitu.tensor(x), insitu.tensor(t.astype(np.int32)),
                      insitu.tensor([6, 5, 6], dtype=insitu.int32),
                      insitu.tensor([3, 2, 3], dtype=insitu.int32))
    theirs = TF.ctc_loss(torch.tensor(x), torch.tensor(t), torch.tensor([6, 5, 6]),
                         torch.tensor([3, 2, 3]))
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-10)


def test_gradcheck_through_log_softmax_and_no_double_backward():
    _, t = problem(5, 2, 4, [2, 1])
    il, tl = insitu.tensor([5, 4]), insitu.tensor([2, 1])
    x = insitu.tensor(np.random.default_rng(2).standard_normal((5, 2, 4)), requires_grad=True)
    assert gradcheck(lambda a: F.ctc_loss(a.log_softmax(2), insitu.tensor(t), il, tl), (x,))
    g, = insitu.autograd.grad(F.ctc_loss(x, insitu.tensor(t), il, tl, reduction="sum"), x,
                              create_graph=True)
    with pytest.raises(RuntimeError, match="derivative for aten::_ctc_loss_backward is not "
                                           "implemented"):
        g.sum().backward()


def test_the_node_keeps_its_log_probs_version_checked():
    x, t = problem(5, 2, 4, [2, 1])
    lp = insitu.tensor(x, requires_grad=True) * 1
    loss = F.ctc_loss(lp, insitu.tensor(t), [5, 4], [2, 1])
    lp.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


T, N, C = 6, 3, 5
LP = np.log(np.full((T, N, C), 1.0 / C))
TG = np.array([[1, 2, 2], [3, 1, 1], [4, 4, 4]])
IL, TLEN = np.array([6, 5, 6]), np.array([3, 2, 3])
ERRORS = [
    (LP, TG, IL, TLEN, {"reduction": "bad"}),
    (LP, TG, IL, TLEN, {"blank": 5}),
    (LP, TG, IL, TLEN, {"blank": -1}),
    (LP, TG, IL, np.array([3, 2, 4]), {}),
    (LP, TG, np.array([7, 5, 6]), TLEN, {}),
    (LP, TG, np.array([-1, 5, 6]), TLEN, {}),
    (LP, TG, IL, np.array([-1, 2, 3]), {}),
    (LP, TG, np.array([6, 5]), TLEN, {}),
    (LP, TG, IL, np.array([3, 2]), {}),
    (LP, TG, IL.astype(np.float64), TLEN, {}),
    (LP, TG, IL, TLEN.astype(np.float64), {}),
    (LP.astype(np.int64), TG, IL, TLEN, {}),
    (LP[None], TG, IL, TLEN, {}),
    (LP, TG[None], IL, TLEN, {}),
    (LP, TG[0, 0], IL, TLEN, {}),
    (LP, TG[:2], IL, TLEN, {}),
    (LP, concatenated(TG, TLEN)[:-1], IL, TLEN, {}),
]


@pytest.mark.parametrize("lp,targets,il,tl,kw", ERRORS)
def test_errors_match_torch(lp, targets, il, tl, kw):
    with pytest.raises(Exception) as theirs:
        TF.ctc_loss(torch.tensor(lp), torch.tensor(targets), torch.tensor(il), torch.tensor(tl),
                    **kw)
    with pytest.raises(type(theirs.value)) as mine:
        F.ctc_loss(insitu.tensor(lp), insitu.tensor(targets), insitu.tensor(il),
                   insitu.tensor(tl), **kw)
    assert str(mine.value) == str(theirs.value)


def test_ctc_module():
    x, t = problem(6, 3, 5, [3, 2, 3], blank=4)
    mine, theirs = nn.CTCLoss(blank=4, reduction="sum", zero_infinity=True), \
        torch.nn.CTCLoss(blank=4, reduction="sum", zero_infinity=True)
    assert repr(mine) == repr(theirs) == "CTCLoss()"
    args = (t, [6, 5, 6], [3, 2, 3])
    np.testing.assert_allclose(mine(insitu.tensor(x), *[insitu.tensor(np.asarray(a))
                                                        for a in args]).item(),
                               theirs(torch.tensor(x), *[torch.tensor(np.asarray(a))
                                                         for a in args]).item(), rtol=1e-10)
