"""Public model definitions, as people write them for PyTorch, run unchanged on insitu and agree
with torch: forward, every gradient, and three optimizer steps from weights copied from torch.
The sources are in zoo/; loader.load runs each twice, once with `torch` bound to insitu."""
import numpy as np
import pytest

import insitu
from .loader import assert_close, assert_same_grads, assert_same_state, copy_weights, load

torch = pytest.importorskip("torch")
F32 = dict(rtol=1e-4, atol=1e-5)      # after several float32 steps of a deep model


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """torch's threads only contend with the rest of the suite on a small machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def both(name):
    return load(name, "torch"), load(name, "insitu")


def inputs(*arrays):
    return [torch.from_numpy(a.copy()) for a in arrays], [insitu.from_numpy(a.copy())
                                                         for a in arrays]


def pair(make_torch, make_insitu):
    torch.manual_seed(0)
    tm = make_torch()
    im = make_insitu()
    copy_weights(tm, im)
    return tm, im


def test_mnist_net_adadelta_steplr():
    T, I = both("mnist_net")
    tm, im = pair(T.Net, I.Net)
    rng = np.random.default_rng(0)
    (tx, ty), (ix, iy) = inputs(rng.standard_normal((4, 1, 28, 28), dtype=np.float32),
                                rng.integers(0, 10, 4))
    # dropout draws differ between the libraries: the steps compare in eval mode, and train
    # mode is checked to run and to keep the loss finite
    tm.eval(), im.eval()
    assert_close(im(ix), tm(tx), 1e-5, 1e-6)
    topt, tsched = T.make_optimizer(tm)
    iopt, isched = I.make_optimizer(im)
    for step in range(3):
        tl = T.train_step(tm, topt, tx, ty)
        il = I.train_step(im, iopt, ix, iy)
        assert_close(il, tl, 1e-5, 1e-6, f"loss at step {step}")
        if step == 0:
            assert_same_grads(im, tm, **F32)
        tsched.step(), isched.step()
        assert iopt.param_groups[0]["lr"] == topt.param_groups[0]["lr"]
    assert_same_state(im, tm, **F32)
    im.train()
    assert np.isfinite(I.train_step(im, iopt, ix, iy).item())


@pytest.mark.parametrize("rnn_type", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
def test_word_language_rnn_model(rnn_type):
    T, I = both("word_language_model")
    make = lambda M: M.RNNModel(rnn_type, 50, 16, 24, 2, dropout=0.0, tie_weights=False)  # noqa
    tm, im = pair(lambda: make(T), lambda: make(I))
    rng = np.random.default_rng(1)
    data = rng.integers(0, 50, 20 * 4 * 3 + 1)
    tsrc = T.batchify(torch.from_numpy(data), 4)
    isrc = I.batchify(insitu.from_numpy(data), 4)
    tl = T.train_steps(tm, tsrc, bptt=7, lr=20.0)
    il = I.train_steps(im, isrc, bptt=7, lr=20.0)
    np.testing.assert_allclose(il, tl, rtol=1e-5)
    assert_same_grads(im, tm, **F32)
    assert_same_state(im, tm, **F32)


def test_word_language_rnn_model_tied_weights():
    T, I = both("word_language_model")
    make = lambda M: M.RNNModel("LSTM", 40, 16, 16, 1, dropout=0.0, tie_weights=True)  # noqa
    tm, im = pair(lambda: make(T), lambda: make(I))
    assert im.decoder.weight is im.encoder.weight
    data = np.random.default_rng(2).integers(0, 40, 61)
    tl = T.train_steps(tm, T.batchify(torch.from_numpy(data), 3), bptt=5, lr=5.0)
    il = I.train_steps(im, I.batchify(insitu.from_numpy(data), 3), bptt=5, lr=5.0)
    np.testing.assert_allclose(il, tl, rtol=1e-5)
    assert_same_state(im, tm, **F32)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_word_language_transformer_model():
    T, I = both("word_language_model")
    make = lambda M: M.TransformerModel(50, 16, 2, 32, 2, dropout=0.0)  # noqa
    tm, im = pair(lambda: make(T), lambda: make(I))
    # the model leaves nn.Transformer's own dropout at its default 0.1, and the two libraries
    # draw different masks: switch dropout off in both (the layers' and attention's)
    for m in (*tm.modules(), *im.modules()):
        if type(m).__name__ == "Dropout":
            m.p = 0.0
        elif type(m).__name__ == "MultiheadAttention":
            m.dropout = 0.0
    assert list(im.state_dict()) == list(tm.state_dict())
    data = np.random.default_rng(3).integers(0, 50, 8 * 4 * 3 + 1)
    tl = T.train_steps(tm, T.batchify(torch.from_numpy(data), 4), bptt=8, lr=0.5)
    il = I.train_steps(im, I.batchify(insitu.from_numpy(data), 4), bptt=8, lr=0.5)
    np.testing.assert_allclose(il, tl, rtol=1e-5)
    assert_same_grads(im, tm, **F32)
    assert_same_state(im, tm, **F32)


def test_time_sequence_lstm_cells_lbfgs():
    T, I = both("time_sequence")
    tm, im = pair(lambda: T.Sequence().double(), lambda: I.Sequence().double())
    rng = np.random.default_rng(4)
    x = np.sin(np.arange(24)[None, :] / 4.0 + rng.integers(-20, 20, (6, 1)) / 4.0)
    (tin, ttg, tti, ttt), (iin, itg, iti, itt) = inputs(x[2:, :-1], x[2:, 1:], x[:2, :-1],
                                                       x[:2, 1:])
    t_losses, t_test, t_pred = T.train(tm, tin, ttg, tti, ttt, steps=2)
    i_losses, i_test, i_pred = I.train(im, iin, itg, iti, itt, steps=2)
    assert len(i_losses) == len(t_losses)
    np.testing.assert_allclose(i_losses, t_losses, rtol=1e-9)
    np.testing.assert_allclose(i_test, t_test, rtol=1e-9)
    assert_close(i_pred, t_pred, 1e-8, 1e-10)
    assert_same_state(im, tm, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("arch", ["ResNet18", "VGG11"])
def test_cifar_nets_with_batchnorm(arch):
    """In float64 the two libraries agree to rounding; in float32 torch's own convolution is
    off the float64 result by up to ~1e-2 of a gradient's scale here (its kernels reorder
    sums), so insitu's float32 run is held to being at least as close to that truth."""
    T, I = both("cifar")
    make = (lambda M: M.ResNet18()) if arch == "ResNet18" else (lambda M: M.VGG("VGG11"))
    torch.manual_seed(0)
    t32 = make(T)
    t64, i64, i32 = make(T).double(), make(I).double(), make(I)
    for m in (t64, i64, i32):
        copy_weights(t32, m) if m is not t64 else m.load_state_dict(t32.state_dict())
    i64.double()
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((2, 3, 32, 32)), rng.integers(0, 10, 2)
    runs = {"t32": (T, t32, np.float32), "t64": (T, t64, np.float64),
            "i64": (I, i64, np.float64), "i32": (I, i32, np.float32)}
    opts = {k: M.make_optimizer(m, lr=0.01) for k, (M, m, _) in runs.items()}
    lib = {T: torch, I: insitu}
    for step in range(3):
        loss = {k: M.train_step(m, opts[k], lib[M].from_numpy(x.astype(dt)),
                                lib[M].from_numpy(y))
                for k, (M, m, dt) in runs.items()}
        assert loss["i64"] == pytest.approx(loss["t64"], rel=1e-10), f"loss at step {step}"
        assert abs(loss["i32"] - loss["t64"]) <= 2 * abs(loss["t32"] - loss["t64"]) + 1e-5
        if step == 0:
            assert_same_grads(i64, t64, rtol=1e-8, atol=1e-11)
            _as_close_as_torch(_grads(i32), _grads(t32), _grads(t64))
    # running statistics (updated in place) and num_batches_tracked agree too
    assert_same_state(i64, t64, rtol=1e-8, atol=1e-11)
    _as_close_as_torch(i32.state_dict(), t32.state_dict(), t64.state_dict())
    t64.eval(), i64.eval()
    assert_close(i64(insitu.from_numpy(x)), t64(torch.from_numpy(x)), 1e-8, 1e-10)


def _grads(model):
    return {n: p.grad for n, p in model.named_parameters()}


def _as_close_as_torch(ours, theirs, truth):
    """float32 results `ours` (insitu) are no further from the float64 `truth` than torch's
    float32 results `theirs` are (twice that, plus a few float32 ulps of the tensor's scale)."""
    for name, want in truth.items():
        want = want.detach().numpy()
        scale = np.abs(want).max() or 1.0
        ours_err = np.abs(ours[name].detach().numpy() - want).max() / scale
        torch_err = np.abs(theirs[name].detach().numpy() - want).max() / scale
        assert ours_err <= 2 * torch_err + 1e-5, (name, ours_err, torch_err)


@pytest.mark.parametrize("flash", [True, False])
def test_nanogpt_tiny(flash):
    T, I = both("nanogpt")
    cfg = dict(block_size=16, vocab_size=64, n_layer=2, n_head=2, n_embd=32, dropout=0.0,
               bias=True, flash=flash)
    tm, im = pair(lambda: T.GPT(T.GPTConfig(**cfg)), lambda: I.GPT(I.GPTConfig(**cfg)))
    assert im.get_num_params() == tm.get_num_params()
    assert im.transformer.wte.weight is im.lm_head.weight
    topt = tm.configure_optimizers(0.1, 1e-3, (0.9, 0.95), "cpu")
    iopt = im.configure_optimizers(0.1, 1e-3, (0.9, 0.95), "cpu")
    assert [len(g["params"]) for g in iopt.param_groups] == \
        [len(g["params"]) for g in topt.param_groups]
    rng = np.random.default_rng(6)
    (tx, ty), (ix, iy) = inputs(rng.integers(0, 64, (3, 16)), rng.integers(0, 64, (3, 16)))
    for step in range(3):
        (_, tl), (_, il) = tm(tx, ty), im(ix, iy)
        assert il.item() == pytest.approx(tl.item(), rel=1e-5), f"loss at step {step}"
        topt.zero_grad(set_to_none=True), iopt.zero_grad(set_to_none=True)
        tl.backward(), il.backward()
        if step == 0:
            assert_same_grads(im, tm, **F32)
        topt.step(), iopt.step()
    assert_same_state(im, tm, **F32)
    torch.manual_seed(0), insitu.manual_seed(0)
    out = im.generate(ix[:, :4], 5, top_k=10)
    assert tuple(out.shape) == (3, 9) and bool((out[:, :4] == ix[:, :4]).all())
