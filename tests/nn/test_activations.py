"""Activations, functional and modules, against torch: values, input and weight gradients,
grad_fn names, what in-place forms keep and how they move versions, double backward, errors and
reprs."""
import warnings

import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F
from insitu.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional
tnn = torch.nn

RNG = np.random.default_rng(2024)
TOL = {np.float32: 1e-5, np.float64: 1e-10}
KINKS = (0.0, 3.0, -3.0, 0.3, -0.3, 0.7, -0.7, -0.5, 2.0, 6.0, 1.0, -1.0)


def data(*shape, dtype=np.float64, scale=4.0):
    """Random values kept away from every activation's kinks (gradients are one-sided there)."""
    a = RNG.uniform(-scale, scale, shape)
    for k in KINKS:
        a = np.where(np.abs(a - k) < 0.02, a + 0.05, a)
    return a.astype(dtype)


def close(mine, theirs, dtype):
    mine = mine.detach().numpy() if hasattr(mine, "detach") else mine
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(mine, theirs, rtol=TOL[dtype], atol=TOL[dtype])


def name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


# name, kwargs, whether torch has the in-place form, what an in-place insitu node keeps
ELEMENTWISE = [
    ("relu", {}, True, {"result"}),
    ("relu6", {}, True, {"self"}),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}, True, {"self"}),
    ("leaky_relu", {"negative_slope": 0.1}, True, {"result"}),
    ("elu", {"alpha": 0.7}, True, {"result"}),
    ("selu", {}, True, {"result"}),
    ("celu", {"alpha": 0.7}, True, {"result"}),
    ("rrelu", {"lower": 0.1, "upper": 0.3}, True, {"result"}),
    ("threshold", {"threshold": 0.3, "value": -2.0}, True, {"self"}),
    ("threshold", {"threshold": 0.3, "value": 2.0}, True, {"self"}),
    ("hardswish", {}, True, {"self"}),
    ("hardsigmoid", {}, True, {"self"}),
    ("mish", {}, True, {"self"}),
    ("silu", {}, True, {"self"}),
    ("softplus", {}, False, None),
    ("softplus", {"beta": 2, "threshold": 1.0}, False, None),
    ("hardshrink", {"lambd": 0.3}, False, None),
    ("softshrink", {"lambd": 0.7}, False, None),
    ("tanhshrink", {}, False, None),
    ("logsigmoid", {}, False, None),
    ("softsign", {}, False, None),
    ("gelu", {"approximate": "tanh"}, False, None),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw, _, _ in ELEMENTWISE]
INPLACE = [(n, kw, keeps) for n, kw, has, keeps in ELEMENTWISE if has]
INPLACE_IDS = [i for i, (_, _, has, _) in zip(IDS, ELEMENTWISE) if has]


def _run(lib_f, lib, fname, kw, a, inplace):
    x = lib.tensor(a, requires_grad=True)
    h = x * 1                                 # a non-leaf the in-place form may overwrite
    v = h._version
    fn = getattr(lib_f, fname)
    y = fn(h, inplace=True, **kw) if inplace else fn(h, **kw)
    return x, h, v, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fname,kw,has_inplace,keeps", ELEMENTWISE, ids=IDS)
def test_elementwise_matches_torch(fname, kw, has_inplace, keeps, dtype):
    a = data(4, 6, dtype=dtype)
    g = data(4, 6, dtype=dtype, scale=1.0)
    for inplace in ((False, True) if has_inplace else (False,)):
        xm, hm, vm, ym = _run(F, insitu, fname, kw, a, inplace)
        xt, ht, vt, yt = _run(TF, torch, fname, kw, a, inplace)
        close(ym, yt, dtype)
        assert name(ym) == name(yt)
        assert (ym is hm) == (yt is ht) == inplace
        assert hm._version - vm == ht._version - vt
        ym.backward(insitu.tensor(g))
        yt.backward(torch.tensor(g))
        close(xm.grad, xt.grad, dtype)


@pytest.mark.parametrize("fname,kw,keeps", INPLACE, ids=INPLACE_IDS)
def test_inplace_forms_keep_the_output_where_the_gradient_reads_it(fname, kw, keeps):
    """relu_, leaky_relu_, elu_, selu_, celu_, rrelu_ keep the output itself; the others
    (hardtanh_, relu6, threshold_ among them) keep a copy of the input, as PyTorch's do."""
    h = insitu.tensor(data(3, 4), requires_grad=True) * 1
    y = getattr(F, fname)(h, inplace=True, **kw)
    assert y is h
    assert set(y.grad_fn.saved) == keeps
    if keeps == {"result"}:
        assert y.grad_fn.saved["result"].unpack(y.grad_fn) is y or \
            y.grad_fn._saved_result.data_ptr() == y.data_ptr()


def test_underscore_functions():
    for fname, kw in (("relu_", {}), ("elu_", {"alpha": 0.5}), ("selu_", {}), ("celu_", {}),
                      ("leaky_relu_", {"negative_slope": 0.2}), ("hardtanh_", {}),
                      ("rrelu_", {}), ("threshold_", {"threshold": 0.1, "value": 0.0})):
        a = data(3, 4)
        mine = getattr(F, fname)(insitu.tensor(a), **kw)
        theirs = getattr(TF, fname)(torch.tensor(a), **kw)
        close(mine, theirs, np.float64)


def test_threshold_on_integers_truncates_like_torch():
    a = np.arange(-3, 4)
    mine, theirs = F.threshold(insitu.tensor(a), 0.5, 9), TF.threshold(torch.tensor(a), 0.5, 9)
    assert mine.tolist() == theirs.tolist() and mine.dtype == insitu.int64


# ------------------------------------------------------------------ non-elementwise

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,wn", [((4, 3, 5), 3), ((4, 3, 2, 2), 1), ((5,), 1), ((4, 3), 3)])
def test_prelu_matches_torch(shape, wn, dtype):
    a, w = data(*shape, dtype=dtype), RNG.uniform(-1, 1, wn).astype(dtype)
    xm, wm = insitu.tensor(a, requires_grad=True), insitu.tensor(w, requires_grad=True)
    xt, wt = torch.tensor(a, requires_grad=True), torch.tensor(w, requires_grad=True)
    ym, yt = F.prelu(xm, wm), TF.prelu(xt, wt)
    close(ym, yt, dtype)
    assert name(ym) == name(yt) == "PreluKernelBackward0"
    g = data(*shape, dtype=dtype)
    ym.backward(insitu.tensor(g))
    yt.backward(torch.tensor(g))
    close(xm.grad, xt.grad, dtype)
    close(wm.grad, wt.grad, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,dim", [((4, 6), -1), ((4, 6, 3), 1), ((2, 4, 2), 0)])
def test_glu_matches_torch(shape, dim, dtype):
    a = data(*shape, dtype=dtype)
    xm, xt = insitu.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ym, yt = F.glu(xm, dim), TF.glu(xt, dim)
    close(ym, yt, dtype)
    assert name(ym) == name(yt) == "GluBackward0"
    g = data(*yt.shape, dtype=dtype)
    ym.backward(insitu.tensor(g))
    yt.backward(torch.tensor(g))
    close(xm.grad, xt.grad, dtype)


@pytest.mark.parametrize("dtype_arg", [None, "float64"])
def test_softmin_matches_torch(dtype_arg):
    a = data(3, 5, dtype=np.float32)
    xm, xt = insitu.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ym = F.softmin(xm, 1, dtype=getattr(insitu, dtype_arg) if dtype_arg else None)
    yt = TF.softmin(xt, 1, dtype=getattr(torch, dtype_arg) if dtype_arg else None)
    close(ym, yt, np.float32)
    assert name(ym) == name(yt) and str(ym.dtype)[7:] == str(yt.dtype)[6:]
    ym.sum().backward(), yt.sum().backward()
    close(xm.grad, xt.grad, np.float32)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        F.softmin(insitu.tensor(a))


def test_rrelu_training_draws_slopes_and_backward_reads_them():
    insitu.manual_seed(3)
    a = data(200, 50)
    x = insitu.tensor(a, requires_grad=True)
    h = x * 1
    y = F.rrelu(h, 0.1, 0.3, training=True)
    assert y.grad_fn.name() == "RreluWithNoiseBackward0"
    slope = y.detach().numpy() / a
    neg = a < 0
    assert np.all(slope[~neg] == 1.0)
    assert 0.1 <= slope[neg].min() and slope[neg].max() <= 0.3
    assert abs(slope[neg].mean() - 0.2) < 0.01          # uniform in [lower, upper]
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slope, rtol=1e-12)
    # in place: the node keeps the noise and the output (as PyTorch's _saved_result), not a
    # copy of the input
    h2 = insitu.tensor(a, requires_grad=True) * 1
    y2 = F.rrelu(h2, training=True, inplace=True)
    assert y2 is h2 and set(y2.grad_fn.saved) == {"noise", "result"}
    assert y2.grad_fn.name() == "RreluWithNoiseBackward1"
    # the same seed draws the same slopes
    insitu.manual_seed(3)
    assert np.array_equal(F.rrelu(insitu.tensor(a), 0.1, 0.3, training=True).numpy(),
                          y.detach().numpy())


def test_rrelu_module_trains_randomly_and_evaluates_with_the_mean_slope():
    layer = nn.RReLU(0.1, 0.3)
    a = -np.abs(data(10, 10)) - 0.1
    assert not np.allclose(layer(insitu.tensor(a)).numpy(), a * 0.2)
    layer.eval()
    np.testing.assert_allclose(layer(insitu.tensor(a)).numpy(), a * 0.2, rtol=1e-12)


# ------------------------------------------------------------------ gradcheck

def _f64(*shape, scale=1.0):
    return insitu.tensor(data(*shape, scale=scale), requires_grad=True)


GRADCHECK = [
    ("softplus", lambda x: F.softplus(x, 2, 1)), ("selu", F.selu),
    ("celu", lambda x: F.celu(x, 0.7)), ("elu", lambda x: F.elu(x, 0.7)),
    ("hardswish", F.hardswish), ("hardsigmoid", F.hardsigmoid),
    ("hardshrink", lambda x: F.hardshrink(x, 0.3)), ("softshrink", lambda x: F.softshrink(x, 0.7)),
    ("tanhshrink", F.tanhshrink), ("mish", F.mish), ("logsigmoid", F.logsigmoid),
    ("softsign", F.softsign), ("threshold", lambda x: F.threshold(x, 0.3, 2.0)),
    ("rrelu_eval", F.rrelu), ("leaky_relu", lambda x: F.leaky_relu(x, 0.2)), ("gelu", F.gelu),
    ("silu", F.silu), ("relu6", F.relu6), ("softmin", lambda x: F.softmin(x, 1)),
    ("glu", lambda x: F.glu(x, 1)), ("prelu", lambda x: F.prelu(x, x[0, :, 0].detach() * 0 + 0.2)),
]


@pytest.mark.parametrize("fname,fn", GRADCHECK, ids=[n for n, _ in GRADCHECK])
def test_gradcheck_and_gradgradcheck(fname, fn):
    x = _f64(2, 4, 3)
    assert gradcheck(fn, (x,))
    if fname == "hardsigmoid":
        # PyTorch has no derivative of hardsigmoid_backward: its double backward raises
        with pytest.raises(RuntimeError, match="aten::hardsigmoid_backward is not implemented"):
            gradgradcheck(fn, (x,))
        return
    assert gradgradcheck(fn, (x,))


def test_prelu_gradgradcheck_in_both_inputs():
    x, w = _f64(2, 3, 4), insitu.tensor(np.array([0.1, -0.3, 0.7]), requires_grad=True)
    assert gradcheck(F.prelu, (x, w))
    assert gradgradcheck(F.prelu, (x, w))


DOUBLE = ["softplus", "elu", "selu", "celu", "mish", "logsigmoid", "hardswish", "silu", "gelu",
          "softshrink", "threshold"]


@pytest.mark.parametrize("fname", DOUBLE)
def test_double_backward_matches_torch(fname):
    a = data(3, 5)
    kw = {"threshold": 0.3, "value": 2.0} if fname == "threshold" else {}
    grads = []
    for lib, lib_f in ((insitu, F), (torch, TF)):
        x = lib.tensor(a, requires_grad=True)
        y = getattr(lib_f, fname)(x, **kw)
        (gx,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        grads.append(x.grad)
    close(grads[0], grads[1], np.float64)


def test_glu_and_prelu_double_backward_match_torch():
    a, w = data(3, 4), np.array([0.25])
    grads = []
    for lib, lib_f in ((insitu, F), (torch, TF)):
        x, wt = lib.tensor(a, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = lib_f.glu(x, 1) * lib_f.prelu(x[:, :2], wt)
        g = lib.autograd.grad(y.sum() ** 2, [x, wt], create_graph=True)
        (g[0].sum() ** 2 + g[1].sum() ** 2).backward()
        grads.append((x.grad, wt.grad))
    close(grads[0][0], grads[1][0], np.float64)
    close(grads[0][1], grads[1][1], np.float64)


# ------------------------------------------------------------------ modules

MODULES = [
    ("ReLU", (), {}), ("ReLU", (), {"inplace": True}), ("ReLU6", (True,), {}),
    ("LeakyReLU", (0.2, True), {}), ("Hardtanh", (-2.0, 3.0), {}), ("ELU", (0.5,), {}),
    ("ELU", (), {"inplace": True}), ("SELU", (), {}), ("SELU", (True,), {}), ("CELU", (0.3,), {}),
    ("CELU", (), {"inplace": True}), ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}),
    ("SiLU", (True,), {}), ("Mish", (True,), {}), ("Hardswish", (True,), {}),
    ("Hardsigmoid", (), {}), ("Softplus", (2, 10), {}), ("Hardshrink", (0.3,), {}),
    ("Softshrink", (), {}), ("Tanhshrink", (), {}), ("LogSigmoid", (), {}), ("Softsign", (), {}),
    ("Softmin", (1,), {}), ("Softmax", (), {"dim": -1}), ("LogSoftmax", (0,), {}),
    ("Softmax2d", (), {}), ("GLU", (), {}), ("GLU", (1,), {}), ("Threshold", (0.1, 20.0), {}),
    ("Threshold", (0.1, -1.0, True), {}), ("RReLU", (), {}), ("RReLU", (0.2, 0.4, True), {}),
    ("PReLU", (), {}), ("PReLU", (4, 0.1), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
]


@pytest.mark.parametrize("cls,args,kw", MODULES)
def test_module_matches_torch(cls, args, kw):
    mine, theirs = getattr(nn, cls)(*args, **kw), getattr(tnn, cls)(*args, **kw)
    assert repr(mine) == repr(theirs)
    mine.eval(), theirs.eval()                          # RReLU: deterministic
    if cls == "PReLU":
        with torch.no_grad():
            theirs.weight.uniform_(-1, 1)
        mine.load_state_dict({k: insitu.tensor(v.numpy()) for k, v in
                              theirs.state_dict().items()})
    a = data(2, 4, 3, 2, dtype=np.float32)
    xm, xt = insitu.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ym, yt = mine(xm * 1), theirs(xt * 1)
    close(ym, yt, np.float32)
    assert name(ym) == name(yt)
    g = data(*yt.shape, dtype=np.float32)
    ym.backward(insitu.tensor(g))
    yt.backward(torch.tensor(g))
    close(xm.grad, xt.grad, np.float32)
    for (n, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters()):
        close(p.grad, q.grad, np.float32)


def test_prelu_parameters_init_and_state_dict_round_trips():
    mine, theirs = nn.PReLU(3, init=0.4, dtype=insitu.float64), tnn.PReLU(3, init=0.4,
                                                                           dtype=torch.float64)
    assert [n for n, _ in mine.named_parameters()] == ["weight"]
    assert mine.weight.tolist() == theirs.weight.tolist() == [0.4] * 3
    assert mine.weight.dtype == insitu.float64
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64))
    mine.load_state_dict({k: insitu.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert mine.weight.tolist() == [0.1, 0.2, 0.3]
    back = tnn.PReLU(3, dtype=torch.float64)
    back.load_state_dict({k: torch.tensor(v.numpy()) for k, v in mine.state_dict().items()})
    assert back.weight.tolist() == [0.1, 0.2, 0.3]
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["weight"]


def test_hardtanh_deprecated_keywords_warn():
    with pytest.warns(FutureWarning, match="min_value` is deprecated"):
        layer = nn.Hardtanh(min_value=-2.0)
    assert layer.min_val == -2.0
    with pytest.raises(AssertionError, match=r"max_val \(1.0\) must be greater than min_val"):
        nn.Hardtanh(1.0, 1.0)


# ------------------------------------------------------------------ errors

ERRORS = [
    lambda lib, F_: F_.softshrink(lib.zeros(3), -1),
    lambda lib, F_: F_.softshrink(lib.zeros(3, dtype=lib.float64), -0.5),
    lambda lib, F_: F_.rrelu(lib.zeros(3), 0.5, 0.1, training=True),
    lambda lib, F_: F_.rrelu(lib.zeros(3), 0.5, 0.1),
    lambda lib, F_: F_.prelu(lib.zeros(2, 4), lib.ones(3)),
    lambda lib, F_: F_.prelu(lib.tensor(1.0), lib.ones(3)),
    lambda lib, F_: F_.prelu(lib.zeros(2, 4), lib.ones(4, 1)),
    lambda lib, F_: F_.prelu(lib.zeros(2, 4), lib.ones(4, dtype=lib.float64)),
    lambda lib, F_: F_.prelu(lib.zeros(4), lib.ones(4)),
    lambda lib, F_: F_.glu(lib.zeros(2, 5), 1),
    lambda lib, F_: F_.glu(lib.tensor(1.0)),
    lambda lib, F_: F_.glu(lib.zeros(2, 4), 2),
    lambda lib, F_: F_.celu(lib.zeros(3), 0.0),
    lambda lib, F_: lib.nn.Softmax2d()(lib.zeros(2, 3)),
    lambda lib, F_: F_.hardtanh(lib.zeros(2), 1.0, 0.0),
] + [
    (lambda f: lambda lib, F_: getattr(F_, f)(lib.arange(4)))(f)
    for f in ("softplus", "hardswish", "hardsigmoid", "mish", "logsigmoid", "selu", "celu",
              "elu", "hardshrink", "softshrink", "rrelu", "glu", "leaky_relu")
] + [
    lambda lib, F_: F_.threshold(lib.ones(3, dtype=lib.bool), 0, 1),
    lambda lib, F_: F_.prelu(lib.arange(4), lib.ones(1, dtype=lib.int64)),
]


@pytest.mark.parametrize("case", ERRORS)
def test_errors_match_torch(case):
    with pytest.raises(Exception) as theirs:
        case(torch, TF)
    with pytest.raises(Exception) as mine:
        case(insitu, F)
    assert type(mine.value) is type(theirs.value)
    assert str(mine.value) == str(theirs.value).replace("torch.", "insitu.")


def test_failed_inplace_activation_leaves_input_untouched():
    for call in (lambda t: F.celu(t, 0.0, inplace=True), lambda t: F.mish(t.long(), True),
                 lambda t: F.rrelu(t, 0.5, 0.1, True, True)):
        x = insitu.tensor(data(3, 4))
        before, v = x.numpy().copy(), x._version
        with pytest.raises((RuntimeError, NotImplementedError)):
            call(x)
        assert np.array_equal(x.numpy(), before) and x._version == v


def test_inplace_on_leaf_and_on_saved_input_are_refused_as_in_torch():
    for lib, lib_f in ((insitu, F), (torch, TF)):
        leaf = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            lib_f.selu(leaf, inplace=True)
    messages = []
    for lib, lib_f in ((insitu, F), (torch, TF)):
        h = lib.tensor(data(3), requires_grad=True) * 1
        z = h.sin()                                  # saves h
        lib_f.hardswish(h, inplace=True)
        with pytest.raises(RuntimeError) as e:
            z.sum().backward()
        messages.append(str(e.value).split(";")[0])
    assert messages[0].startswith("one of the variables needed for gradient computation has "
                                  "been modified by an inplace operation")
    assert messages[0].split(":")[0] == messages[1].split(":")[0]


def test_no_graph_under_no_grad_and_dtype_kept():
    x = insitu.tensor(data(3, 4, dtype=np.float32), requires_grad=True)
    with insitu.no_grad():
        for fn in (F.softplus, F.mish, F.hardswish, F.logsigmoid, F.selu, lambda t: F.glu(t)):
            y = fn(x)
            assert y.grad_fn is None and y.dtype == insitu.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.softplus(insitu.tensor([1e4, -1e4]))       # no overflow warning: PyTorch's inf/0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("slope", [0.0, 0.01, 1.0, -0.2, 3.0])
def test_leaky_relu_bits_match_torch_at_the_edges(slope, dtype):
    # the branch-free kernels: signed zeros, infinities and NaNs as PyTorch's, bit for bit
    x = RNG.standard_normal(2000)
    x[:7] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, -1e-300]
    g = RNG.standard_normal(2000)
    g[:7] = [np.inf, -1.0, 2.0, np.nan, 3.0, -0.0, -np.inf]
    x, g = x.astype(dtype), g.astype(dtype)
    mine, theirs = insitu.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = F.leaky_relu(mine, slope), TF.leaky_relu(theirs, slope)
    ym.backward(insitu.tensor(g))
    yt.backward(torch.tensor(g))
    for m, t in ((ym.detach(), yt.detach()), (mine.grad, theirs.grad)):
        assert m.numpy().tobytes() == t.numpy().tobytes()
    inplace = insitu.tensor(x)
    F.leaky_relu(inplace, 0.5, inplace=True)
    assert inplace.numpy().tobytes() == TF.leaky_relu(torch.tensor(x), 0.5).numpy().tobytes()


@pytest.mark.parametrize("inplace", [False, True])
def test_relu_passes_the_gradient_at_nan(inplace):
    """PyTorch's threshold_backward zeroes the gradient where result <= 0, so a nan passes it."""
    grads = []
    for m in (torch, insitu):
        x = m.tensor([float("nan"), -1.0, 2.0, 0.0, -0.0], requires_grad=True)
        y = x * 1
        (y.relu_() if inplace else m.relu(y)).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1] == [1.0, 0.0, 1.0, 0.0, 0.0]


@pytest.mark.parametrize("call", [
    lambda F: F.relu(None), lambda F: F.relu(None, inplace=True), lambda F: F.relu_(None),
    lambda F: F.hardtanh(None), lambda F: F.hardtanh_(2.0), lambda F: F.relu6(None),
])
def test_rectifiers_refuse_a_non_tensor_input_as_torch(call):
    # fuzz seed 2: hardtanh(x.grad) is PyTorch's parser TypeError, not an AttributeError
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError) as theirs:
        call(torch.nn.functional)
    with pytest.raises(TypeError) as ours:
        call(insitu.nn.functional)
    assert str(ours.value) == str(theirs.value)
