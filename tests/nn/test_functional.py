"""nn.functional against torch.nn.functional: values, gradients, grad_fn names, errors."""
import warnings

import numpy as np
import pytest

import insitu
import insitu.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(1234)


def arr(*shape, dtype=np.float64, low=None, high=None):
    if low is not None:
        return RNG.uniform(low, high, shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


def leaves(*arrays):
    """(insitu leaves, torch leaves) requiring grad, from the same arrays."""
    mine = [insitu.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    return mine, theirs


def close(a, b, rtol=1e-7, atol=1e-9):
    a = a.detach().numpy() if hasattr(a, "detach") else a
    b = b.detach().numpy() if hasattr(b, "detach") else b
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def check(f_mine, f_theirs, arrays, grad_of=None, rtol=1e-7, atol=1e-9, name=True):
    """Same output, same grad_fn name and same gradients for every float input."""
    mine, theirs = leaves(*arrays)
    out_m, out_t = f_mine(*mine), f_theirs(*theirs)
    close(out_m, out_t, rtol, atol)
    if name and out_t.grad_fn is not None:
        assert type(out_m.grad_fn).__name__ == type(out_t.grad_fn).__name__
    g = arr(*out_t.shape)
    out_m.backward(insitu.tensor(g))
    out_t.backward(torch.tensor(g))
    for m, t in zip(mine, theirs):
        if t.requires_grad:
            close(m.grad, t.grad, rtol, atol)
    return out_m


# ------------------------------------------------------------------ linear layers

@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(x_shape, bias):
    arrays = [arr(*x_shape), arr(4, 3)] + ([arr(4)] if bias else [])
    check(lambda *a: F.linear(*a), lambda *a: TF.linear(*a), arrays)


def test_linear_float32_and_errors():
    check(F.linear, TF.linear, [arr(6, 3, dtype=np.float32), arr(2, 3, dtype=np.float32)],
          rtol=1e-5, atol=1e-6)
    for x, w in [((4, 3), (5, 2)), ((2, 3, 3), (5, 2)), ((3,), (5, 2))]:
        with pytest.raises(RuntimeError) as theirs:
            TF.linear(torch.zeros(x), torch.zeros(w))
        with pytest.raises(RuntimeError) as mine:
            F.linear(insitu.zeros(x), insitu.zeros(w))
        assert str(mine.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(insitu.zeros(2, 3), insitu.zeros(4, 3, dtype=insitu.float64))


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear(bias):
    arrays = [arr(5, 3), arr(5, 2), arr(4, 3, 2)] + ([arr(4)] if bias else [])
    check(F.bilinear, TF.bilinear, arrays)


def test_linear_saved_input_modified_in_place_raises():
    x = insitu.randn(3, 2, requires_grad=True)
    w = insitu.randn(4, 2, requires_grad=True)
    y = F.linear(x, w)
    with insitu.no_grad():
        w.add_(1)                    # an optimizer step before backward
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_linear_double_backward():
    if not hasattr(insitu, "matmul"):
        pytest.skip("needs insitu.matmul for the composite backward")
    x_a, w_a = arr(3, 2), arr(4, 2)
    (x, w), (tx, tw) = leaves(x_a, w_a)
    for lin, lib, a, b in ((F.linear, insitu, x, w), (TF.linear, torch, tx, tw)):
        y = (lin(a, b) ** 2).sum()
        (gx,) = lib.autograd.grad(y, a, create_graph=True)
        gx.sum().backward()
    close(w.grad, tw.grad)


# ------------------------------------------------------------------ activations

ACTIVATIONS = [
    ("relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("leaky_relu", {}),
    ("relu6", {}), ("hardtanh", {"min_val": -0.5, "max_val": 0.7}), ("elu", {"alpha": 0.7}),
    ("silu", {}),
]


@pytest.mark.parametrize("name,kw", ACTIVATIONS)
@pytest.mark.parametrize("inplace", [False, True])
def test_activation(name, kw, inplace):
    a = arr(4, 5) * 4

    def run(lib_f, x):
        h = x * 1                                    # a non-leaf that may be overwritten
        return getattr(lib_f, name)(h, inplace=inplace, **kw)

    out = check(lambda x: run(F, x), lambda x: run(TF, x), [a])
    assert out.grad_fn is not None


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(approximate):
    check(lambda x: F.gelu(x, approximate=approximate),
          lambda x: TF.gelu(x, approximate=approximate), [arr(6, 7) * 3], rtol=1e-6,
          atol=1e-12)


def test_gelu_float32_and_bad_argument():
    check(F.gelu, TF.gelu, [arr(50, dtype=np.float32) * 4], rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(insitu.zeros(2), approximate="fast")


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_sigmoid_tanh(name):
    check(getattr(F, name), getattr(TF, name), [arr(3, 4)])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family(name):
    if not hasattr(insitu, name):
        pytest.skip(f"needs insitu.{name}")
    check(lambda x: getattr(F, name)(x, dim=1), lambda x: getattr(TF, name)(x, dim=1),
          [arr(3, 5)])
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        getattr(F, name)(insitu.zeros(2, 3))


def test_inplace_activation_returns_input_and_bumps_version():
    x = insitu.randn(3, 4, requires_grad=True)
    for f, kw in [(F.relu, {}), (F.leaky_relu, {"negative_slope": 0.1}), (F.elu, {}),
                  (F.relu6, {}), (F.hardtanh, {}), (F.silu, {})]:
        h = x * 1
        v = h._version
        assert f(h, inplace=True, **kw) is h
        assert h._version == v + 1


def test_inplace_leaky_relu_negative_slope_backward_error():
    x = insitu.randn(3, requires_grad=True)
    y = F.leaky_relu(x * 1, -0.5, inplace=True)
    with pytest.raises(RuntimeError, match="In-place leakyReLu backward calculation"):
        y.sum().backward()


def test_inplace_on_leaf_requiring_grad_raises():
    x = insitu.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.leaky_relu(x, inplace=True)


@pytest.mark.parametrize("name,kw,copies", [("relu", {}, False), ("relu6", {}, True),
                                            ("hardtanh", {}, True),
                                            ("leaky_relu", {"negative_slope": 0.1}, False),
                                            ("elu", {}, False)])
def test_inplace_activation_saves_no_extra_memory(name, kw, copies):
    """The in-place form keeps no copy for backward where PyTorch's rule reads the output: the
    graph holds only the output buffer, while the out-of-place form holds one more
    activation-sized buffer. hardtanh's rule reads the input: in place it keeps a copy, as
    PyTorch's."""
    x = insitu.randn(256, 256, requires_grad=True)
    size = 256 * 256 * 4
    f = getattr(F, name)

    def held(inplace):
        h = x * 2
        before = insitu.memory.allocated()
        y = f(h, inplace=inplace, **kw)
        extra = insitu.memory.allocated() - before
        y.sum().backward()
        return extra

    if copies:
        assert size <= held(True) < size + size // 8
    else:
        assert held(True) < size // 8
    assert held(False) >= size


def test_relu_inplace_forward_peak_lower_than_out_of_place():
    """Out of place, the activation's input and output coexist for a moment; in place they
    never do, so the forward pass peaks one activation lower."""
    x = insitu.randn(512, 128, requires_grad=True)
    w = insitu.ones(128, 128)
    size = 512 * 128 * 4

    def peak(inplace):
        insitu.memory.reset_peak()
        start = insitu.memory.allocated()
        h = F.relu(F.linear(x, w), inplace=inplace)
        # (not relu6: its rule reads the input, so in place it keeps a copy, as PyTorch's)
        h = F.leaky_relu(F.linear(h, w), inplace=inplace)
        result = insitu.memory.peak() - start
        h.sum().backward()
        return result

    assert peak(False) - peak(True) >= size - size // 8


# ------------------------------------------------------------------ dropout

def test_dropout_statistics_scaling_and_gradient():
    insitu.manual_seed(0)
    x = insitu.ones(200, 200, requires_grad=True)
    y = F.dropout(x, p=0.3)
    vals = y.detach().numpy()
    kept = vals != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(vals[kept], 1 / 0.7, rtol=1e-6)
    assert type(y.grad_fn).__name__ == "MulBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), vals)


def test_dropout_eval_p0_p1_inplace_and_errors():
    x = insitu.randn(5, 5)
    assert F.dropout(x, 0.5, training=False) is x and F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).any()
    h = insitu.randn(4, 4, requires_grad=True) * 1
    v = h._version
    assert F.dropout(h, 0.5, inplace=True) is h and h._version == v + 1
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        F.dropout(x, 1.5)


# ------------------------------------------------------------------ embedding

def test_embedding_matches_torch():
    w = arr(10, 3)
    idx = np.array([[1, 2, 2], [9, 0, 2]])
    for kw in [{}, {"padding_idx": 2}, {"scale_grad_by_freq": True}, {"padding_idx": -1}]:
        (mw,), (tw,) = leaves(w)
        out_m = F.embedding(insitu.tensor(idx), mw, **kw)
        out_t = TF.embedding(torch.tensor(idx), tw, **kw)
        close(out_m, out_t)
        assert type(out_m.grad_fn).__name__ == "EmbeddingBackward0"
        g = arr(2, 3, 3)
        out_m.backward(insitu.tensor(g))
        out_t.backward(torch.tensor(g))
        close(mw.grad, tw.grad)


def test_embedding_max_norm_renormalises_in_place():
    w = arr(6, 4) * 3
    mw, tw = insitu.tensor(w), torch.tensor(w)
    idx = np.array([0, 3, 3, 5])
    ptr, v = mw.data_ptr(), mw._version
    close(F.embedding(insitu.tensor(idx), mw, max_norm=1.0),
          TF.embedding(torch.tensor(idx), tw, max_norm=1.0), rtol=1e-6)
    close(mw, tw, rtol=1e-6)
    assert mw.data_ptr() == ptr and mw._version == v + 1


def test_embedding_errors():
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(insitu.tensor([10]), insitu.randn(5, 2))
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'"):
        F.embedding(insitu.tensor([1.0]), insitu.randn(5, 2))


# ------------------------------------------------------------------ normalization

@pytest.mark.parametrize("shape,normalized", [((4, 6), (6,)), ((2, 3, 4), (3, 4))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm(shape, normalized, affine):
    arrays = [arr(*shape) * 2 + 1] + ([arr(*normalized), arr(*normalized)] if affine else [])

    def f(lib_f, x, *wb):
        return lib_f.layer_norm(x, normalized, *wb, eps=1e-5)

    check(lambda *a: f(F, *a), lambda *a: f(TF, *a), arrays, rtol=1e-6, atol=1e-9)


def test_layer_norm_bad_shape_message():
    with pytest.raises(RuntimeError) as theirs:
        TF.layer_norm(torch.zeros(4, 2), (3,))
    with pytest.raises(RuntimeError) as mine:
        F.layer_norm(insitu.zeros(4, 2), (3,))
    assert str(mine.value) == str(theirs.value)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm(shape, training):
    x, w, b = arr(*shape) * 2 + 1, arr(3), arr(3)
    rm, rv = arr(3), arr(3, low=0.5, high=2.0)
    stats = {}

    def f(lib, lib_f, x, w, b):
        m, v = lib.tensor(rm.copy()), lib.tensor(rv.copy())
        stats[lib.__name__] = (m, v)
        return lib_f.batch_norm(x, m, v, w, b, training=training, momentum=0.2, eps=1e-5)

    check(lambda *a: f(insitu, F, *a), lambda *a: f(torch, TF, *a), [x, w, b], rtol=1e-6)
    for mine, theirs in zip(stats["insitu"], stats["torch"]):
        close(mine, theirs, rtol=1e-12)


def test_batch_norm_updates_running_stats_in_place():
    rm, rv = insitu.zeros(3), insitu.ones(3)
    ptrs = (rm.data_ptr(), rv.data_ptr())
    F.batch_norm(insitu.randn(6, 3), rm, rv, training=True)
    assert (rm.data_ptr(), rv.data_ptr()) == ptrs
    # PyTorch's kernel writes the running statistics without a version bump: so does insitu's
    assert rm._version == 0 and rv._version == 0 and rm.abs().sum().item() > 0
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        F.batch_norm(insitu.randn(1, 3), rm, rv, training=True)


# ------------------------------------------------------------------ losses

POINTWISE_LOSSES = [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
                    ("smooth_l1_loss", {}), ("huber_loss", {"delta": 0.7}),
                    ("smooth_l1_loss", {"beta": 0.0})]


@pytest.mark.parametrize("name,kw", POINTWISE_LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_pointwise_losses(name, kw, reduction):
    check(lambda x, t: getattr(F, name)(x, t, reduction=reduction, **kw),
          lambda x, t: getattr(TF, name)(x, t, reduction=reduction, **kw),
          [arr(4, 5), arr(4, 5)])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_pointwise_losses(name):
    w = arr(3, 4, low=0.1, high=2.0)
    for reduction in ("mean", "sum", "none"):
        check(lambda x, t: getattr(F, name)(x, t, reduction=reduction, weight=insitu.tensor(w)),
              lambda x, t: getattr(TF, name)(x, t, reduction=reduction, weight=torch.tensor(w)),
              [arr(3, 4), arr(3, 4)], name=False)


def test_loss_broadcast_warning_and_reduction_errors():
    with pytest.warns(UserWarning, match="Using a target size"):
        out = F.mse_loss(insitu.zeros(4, 3), insitu.ones(4, 1))
    assert out.item() == 1.0
    with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
        F.mse_loss(insitu.zeros(2), insitu.zeros(2), reduction="bogus")
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert F.mse_loss(insitu.ones(2), insitu.zeros(2), size_average=False).item() == 2.0


CE_CASES = [
    {}, {"reduction": "sum"}, {"reduction": "none"}, {"ignore_index": 1},
    {"weight": "w"}, {"weight": "w", "ignore_index": 2, "reduction": "mean"},
    {"label_smoothing": 0.2}, {"label_smoothing": 0.1, "weight": "w", "ignore_index": 1},
    {"label_smoothing": 0.1, "reduction": "none"},
]


def _kw(kw, lib):
    out = dict(kw)
    if out.get("weight") == "w":
        out["weight"] = lib.tensor(np.array([0.5, 1.0, 2.0, 1.5]))
    return out


@pytest.mark.parametrize("kw", CE_CASES)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2)])
def test_cross_entropy_class_targets(kw, shape):
    if kw.get("label_smoothing") and not hasattr(insitu, "log_softmax"):
        pytest.skip("label smoothing composes insitu.log_softmax")
    target = RNG.integers(0, 4, (shape[0],) + shape[2:])
    check(lambda x: F.cross_entropy(x, insitu.tensor(target), **_kw(kw, insitu)),
          lambda x: TF.cross_entropy(x, torch.tensor(target), **_kw(kw, torch)),
          [arr(*shape) * 2], rtol=1e-6, atol=1e-10, name=not kw.get("label_smoothing"))


def test_cross_entropy_single_sample_and_all_ignored():
    check(lambda x: F.cross_entropy(x, insitu.tensor(2)),
          lambda x: TF.cross_entropy(x, torch.tensor(2)), [arr(4)])
    out = F.cross_entropy(insitu.randn(3, 4), insitu.tensor([-100, -100, -100]))
    assert np.isnan(out.item())


def test_cross_entropy_probability_targets():
    if not hasattr(insitu, "log_softmax"):
        pytest.skip("probability targets compose insitu.log_softmax")
    probs = RNG.dirichlet(np.ones(4), size=5)
    for kw in [{}, {"reduction": "sum"}, {"label_smoothing": 0.3}]:
        check(lambda x: F.cross_entropy(x, insitu.tensor(probs), **kw),
              lambda x: TF.cross_entropy(x, torch.tensor(probs), **kw), [arr(5, 4)],
              name=False)


@pytest.mark.parametrize("kw", CE_CASES[:6])
def test_nll_loss(kw):
    target = RNG.integers(0, 4, 7)
    logp = np.log(RNG.dirichlet(np.ones(4), size=7))
    check(lambda x: F.nll_loss(x, insitu.tensor(target), **_kw(kw, insitu)),
          lambda x: TF.nll_loss(x, torch.tensor(target), **_kw(kw, torch)), [logp])


@pytest.mark.parametrize("target,inp", [([0, 1, 2], (4, 3)), ([0, 1, 2, 3], (4, 3)),
                                        ([0.0, 1.0, 2.0, 1.0], (4, 3)), ([0, 1, 2, -5], (4, 3))])
def test_nll_and_cross_entropy_errors_match_torch(target, inp):
    for mine_f, torch_f in ((F.nll_loss, TF.nll_loss), (F.cross_entropy, TF.cross_entropy)):
        with pytest.raises(Exception) as theirs:
            torch_f(torch.zeros(inp), torch.tensor(target))
        with pytest.raises(Exception) as mine:
            mine_f(insitu.zeros(inp), insitu.tensor(target))
        assert type(mine.value) is type(theirs.value)
        assert str(mine.value) == str(theirs.value)


def test_cross_entropy_is_one_fused_node():
    x = insitu.randn(4, 3, requires_grad=True)
    loss = F.cross_entropy(x, insitu.tensor([0, 1, 2, 0]))
    fn = loss.grad_fn
    assert type(fn).__name__ == "NllLossBackward0"
    assert fn.next_functions[0][0] is not None


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    x, t = arr(4, 3, low=0.05, high=0.95), arr(4, 3, low=0.0, high=1.0)
    w = arr(4, 3, low=0.5, high=1.5)

    def kw(lib):
        return {"weight": lib.tensor(w)} if weighted else {}

    check(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction, **kw(insitu)),
          lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction, **kw(torch)),
          [x, t])


def test_binary_cross_entropy_clamps_logs_and_checks_range():
    x, t = np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.5])
    close(F.binary_cross_entropy(insitu.tensor(x), insitu.tensor(t), reduction="none"),
          TF.binary_cross_entropy(torch.tensor(x), torch.tensor(t), reduction="none"))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(insitu.tensor([1.5]), insitu.tensor([1.0]))
    with pytest.raises(ValueError, match="is deprecated. Please ensure they have the same size"):
        F.binary_cross_entropy(insitu.tensor([0.5]), insitu.tensor([1.0, 0.0]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("extra", ["none", "weight", "pos_weight", "both"])
def test_binary_cross_entropy_with_logits(reduction, extra):
    x, t = arr(5, 3) * 4, arr(5, 3, low=0.0, high=1.0)
    w, pw = arr(5, 3, low=0.5, high=1.5), arr(3, low=0.2, high=3.0)

    def kw(lib):
        out = {}
        if extra in ("weight", "both"):
            out["weight"] = lib.tensor(w)
        if extra in ("pos_weight", "both"):
            out["pos_weight"] = lib.tensor(pw)
        return out

    check(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction,
                                                          **kw(insitu)),
          lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction,
                                                           **kw(torch)),
          [x, t])


def test_losses_double_backward_through_composite():
    x_a, t_a = arr(3, 4), arr(3, 4)
    for f, tf in [(F.mse_loss, TF.mse_loss), (F.smooth_l1_loss, TF.smooth_l1_loss)]:
        (x, t), (tx, tt) = leaves(x_a, t_a)
        for fn, lib, a, b in ((f, insitu, x, t), (tf, torch, tx, tt)):
            loss = fn(a * a, b)
            (g,) = lib.autograd.grad(loss, a, create_graph=True)
            (g * g).sum().backward()
        close(x.grad, tx.grad)
        close(t.grad, tt.grad)


def test_one_hot():
    idx = np.array([0, 3, 1])
    assert F.one_hot(insitu.tensor(idx)).tolist() == TF.one_hot(torch.tensor(idx)).tolist()
    assert F.one_hot(insitu.tensor(idx), 5).tolist() == \
        TF.one_hot(torch.tensor(idx), 5).tolist()


def test_no_graph_under_no_grad():
    x = insitu.randn(3, 2, requires_grad=True)
    with insitu.no_grad():
        out = F.cross_entropy(F.linear(x, insitu.randn(4, 2)), insitu.tensor([0, 1, 3]))
    assert out.grad_fn is None and not out.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(insitu.zeros(3), insitu.zeros(3))


DOUBLE_BACKWARD = [
    ("linear", lambda F_, x, w: F_.linear(x, w)),
    ("bilinear", lambda F_, x, w: F_.bilinear(x[:, :2], x[:, 2:4], w.reshape(3, 2, 2))),
    ("layer_norm", lambda F_, x, w: F_.layer_norm(x * w[0, :4], (4,))),
    ("batch_norm", lambda F_, x, w: F_.batch_norm(x, None, None, w[0, :4], w[1, :4],
                                                  training=True)),
    ("cross_entropy", lambda F_, x, w: F_.cross_entropy(F_.linear(x, w), _TARGET[F_])),
    ("nll_loss", lambda F_, x, w: F_.nll_loss(x, _TARGET[F_] % 4)),
    ("bce_logits", lambda F_, x, w: F_.binary_cross_entropy_with_logits(
        x, x.detach().sigmoid())),
    ("embedding", lambda F_, x, w: F_.embedding(_TARGET[F_], w) * x[:, :4].sum()),
    ("embedding_padding", lambda F_, x, w: F_.embedding(_TARGET[F_], w, padding_idx=2)
     * x[:, :4].sum()),
]
_TARGET = {}


@pytest.mark.parametrize("name,f", DOUBLE_BACKWARD, ids=[n for n, _ in DOUBLE_BACKWARD])
def test_fused_nodes_double_backward_matches_torch(name, f):
    """create_graph=True runs each fused node's composite form: second derivatives agree."""
    _TARGET[F] = insitu.tensor([0, 2, 1, 2, 0])
    _TARGET[TF] = torch.tensor([0, 2, 1, 2, 0])
    x_a, w_a = arr(5, 4), arr(3, 4)
    (x, w), (tx, tw) = leaves(x_a, w_a)
    for F_, lib, a, b in ((F, insitu, x, w), (TF, torch, tx, tw)):
        out = f(F_, a, b)
        loss = (out * out).sum() if out.dim() else out * out
        grads = lib.autograd.grad(loss, [a, b], create_graph=True, allow_unused=True)
        total = sum((g * g).sum() for g in grads if g is not None)
        total.backward()
    close(x.grad, tx.grad, rtol=1e-6, atol=1e-9)
    if tw.grad is not None:
        close(w.grad, tw.grad, rtol=1e-6, atol=1e-9)
