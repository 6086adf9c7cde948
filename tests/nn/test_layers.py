"""Layer modules against torch.nn with identical weights copied over."""
import numpy as np
import pytest

import insitu
import insitu.nn as nn

torch = pytest.importorskip("torch")
tnn = torch.nn

RNG = np.random.default_rng(7)


def copy_weights(mine, theirs):
    """Give `mine` the exact parameters and buffers of `theirs`."""
    sd = {k: insitu.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    mine.load_state_dict(sd)


def run_both(mine, theirs, *arrays, grad=True):
    ins_m = [insitu.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ins_t = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    out_m, out_t = mine(*ins_m), theirs(*ins_t)
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    if grad:
        g = RNG.standard_normal(tuple(out_t.shape)).astype(np.float32)
        out_m.backward(insitu.tensor(g))
        out_t.backward(torch.tensor(g))
        for a, b in zip(ins_m, ins_t):
            if b.grad is not None:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-5)
        for (n, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-5,
                                       err_msg=n)
    return out_m, out_t


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_layer(bias):
    mine, theirs = nn.Linear(5, 3, bias=bias), tnn.Linear(5, 3, bias=bias)
    copy_weights(mine, theirs)
    run_both(mine, theirs, f32(4, 5))
    run_both(mine, theirs, f32(2, 3, 5))


def test_linear_default_init_bounds_and_dtype():
    lin = nn.Linear(16, 8)
    bound = 1 / 4
    assert lin.weight.abs().max().item() <= bound and lin.bias.abs().max().item() <= bound
    assert lin.weight.std().item() > bound / 4        # not all zeros: actually drawn
    assert nn.Linear(2, 2, dtype=insitu.float64).weight.dtype is insitu.float64


def test_bilinear_layer():
    mine, theirs = nn.Bilinear(3, 2, 4), tnn.Bilinear(3, 2, 4)
    copy_weights(mine, theirs)
    run_both(mine, theirs, f32(5, 3), f32(5, 2))


def test_embedding_layer_and_padding():
    mine, theirs = nn.Embedding(7, 3, padding_idx=2), tnn.Embedding(7, 3, padding_idx=2)
    assert not mine.weight[2].any()
    copy_weights(mine, theirs)
    idx = RNG.integers(0, 7, (4, 5))
    run_both(mine, theirs, idx, grad=False)
    out_m = mine(insitu.tensor(idx))
    out_t = theirs(torch.tensor(idx))
    out_m.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(mine.weight.grad.numpy(), theirs.weight.grad.numpy())
    pre = nn.Embedding.from_pretrained(insitu.ones(3, 2))
    assert not pre.weight.requires_grad and pre(insitu.tensor([1])).tolist() == [[1.0, 1.0]]


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_layer(affine):
    mine = nn.LayerNorm([3, 4], elementwise_affine=affine)
    theirs = tnn.LayerNorm([3, 4], elementwise_affine=affine)
    if affine:
        with torch.no_grad():
            theirs.weight.normal_()
            theirs.bias.normal_()
        copy_weights(mine, theirs)
    run_both(mine, theirs, f32(2, 3, 4) * 3)


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
def test_batch_norm_layer_training_then_eval(momentum, shape):
    mine, theirs = nn.BatchNorm1d(3, momentum=momentum), tnn.BatchNorm1d(3, momentum=momentum)
    with torch.no_grad():
        theirs.weight.normal_()
        theirs.bias.normal_()
    copy_weights(mine, theirs)
    buffers = {n: (b, b.data_ptr()) for n, b in mine.named_buffers()}
    for _ in range(3):
        run_both(mine, theirs, f32(*shape) * 2 + 1)
    for name, b in mine.named_buffers():
        ref = dict(theirs.named_buffers())[name]
        np.testing.assert_allclose(b.numpy(), ref.numpy(), rtol=1e-6, atol=1e-7)
        assert b is buffers[name][0] and b.data_ptr() == buffers[name][1]   # in place
    assert mine.num_batches_tracked.item() == 3
    mine.eval(), theirs.eval()
    run_both(mine, theirs, f32(*shape))


def test_batch_norm_without_running_stats():
    mine = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    theirs = tnn.BatchNorm1d(2, affine=False, track_running_stats=False)
    mine.eval(), theirs.eval()
    run_both(mine, theirs, f32(6, 2))
    assert mine.running_mean is None
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        mine(insitu.zeros(2, 2, 2, 2))


@pytest.mark.parametrize("build", [
    lambda lib: lib.ReLU(), lambda lib: lib.LeakyReLU(0.3), lambda lib: lib.ReLU6(),
    lambda lib: lib.Hardtanh(-0.5, 0.5), lambda lib: lib.ELU(0.8), lambda lib: lib.GELU(),
    lambda lib: lib.SiLU(), lambda lib: lib.Sigmoid(), lambda lib: lib.Tanh(),
    lambda lib: lib.Identity(), lambda lib: lib.Flatten(), lambda lib: lib.Flatten(0, 1),
    lambda lib: lib.Unflatten(1, (2, 3)),
])
def test_elementwise_and_shape_layers(build):
    run_both(build(nn), build(tnn), f32(4, 6) * 3)


@pytest.mark.parametrize("cls", ["Softmax", "LogSoftmax"])
def test_softmax_layers(cls):
    if not hasattr(insitu, "softmax"):
        pytest.skip("needs insitu.softmax/log_softmax")
    run_both(getattr(nn, cls)(dim=1), getattr(tnn, cls)(dim=1), f32(3, 5))


@pytest.mark.parametrize("cls", ["ReLU", "ReLU6", "LeakyReLU", "ELU", "SiLU"])
def test_inplace_activation_layers_match_out_of_place(cls):
    x = f32(5, 4)
    results = []
    for inplace in (False, True):
        layer = getattr(nn, cls)(inplace=inplace)
        leaf = insitu.tensor(x, requires_grad=True)
        h = leaf * 1
        y = layer(h)
        assert (y is h) == inplace
        y.sum().backward()
        results.append((y.detach().numpy().copy(), leaf.grad.numpy().copy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    # ELU's in-place gradient is read off the output (y + alpha): equal up to rounding
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)


def test_dropout_layer_train_and_eval():
    layer = nn.Dropout(0.5)
    x = insitu.ones(100, 100)
    assert layer(x) is not x and 0.4 < (layer(x) == 0).float().mean().item() < 0.6
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError):
        nn.Dropout(-0.1)


LOSSES = [
    ("MSELoss", {}), ("L1Loss", {"reduction": "sum"}), ("SmoothL1Loss", {"beta": 0.5}),
    ("HuberLoss", {"delta": 0.3, "reduction": "none"}),
]


@pytest.mark.parametrize("name,kw", LOSSES)
def test_regression_loss_modules(name, kw):
    run_both(getattr(nn, name)(**kw), getattr(tnn, name)(**kw), f32(4, 3), f32(4, 3))


def test_classification_loss_modules():
    logits, target = f32(6, 4), RNG.integers(0, 4, 6)
    w = np.array([1.0, 2.0, 0.5, 1.0], dtype=np.float32)
    for kw in [{}, {"ignore_index": 1}, {"reduction": "sum"}]:
        mine = nn.CrossEntropyLoss(weight=insitu.tensor(w), **kw)
        theirs = tnn.CrossEntropyLoss(weight=torch.tensor(w), **kw)
        xm, xt = insitu.tensor(logits, requires_grad=True), torch.tensor(logits,
                                                                         requires_grad=True)
        lm, lt = mine(xm, insitu.tensor(target)), theirs(xt, torch.tensor(target))
        np.testing.assert_allclose(lm.item(), lt.item(), rtol=1e-6)
        lm.backward(), lt.backward()
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert "weight" in dict(nn.NLLLoss(weight=insitu.ones(3)).named_buffers())
    logp = np.log(RNG.dirichlet(np.ones(4), size=6)).astype(np.float32)
    np.testing.assert_allclose(nn.NLLLoss()(insitu.tensor(logp), insitu.tensor(target)).item(),
                               tnn.NLLLoss()(torch.tensor(logp), torch.tensor(target)).item(),
                               rtol=1e-6)


def test_binary_loss_modules():
    p = RNG.uniform(0.05, 0.95, (5, 2)).astype(np.float32)
    t = RNG.uniform(0, 1, (5, 2)).astype(np.float32)
    run_both(nn.BCELoss(), tnn.BCELoss(), p, t)
    pw = np.array([2.0, 0.5], dtype=np.float32)
    run_both(nn.BCEWithLogitsLoss(pos_weight=insitu.tensor(pw)),
             tnn.BCEWithLogitsLoss(pos_weight=torch.tensor(pw)), f32(5, 2), t)


def test_legacy_reduction_arguments():
    with pytest.warns(UserWarning):
        loss = nn.MSELoss(size_average=False)
    assert loss.reduction == "sum"
