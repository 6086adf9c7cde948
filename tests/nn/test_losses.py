"""The losses beyond the common ones, against torch: values, input and target gradients and node
names over reductions and options (float64 and float32), gradcheck and gradgradcheck in float64,
PyTorch's messages with the inputs left untouched, the legacy arguments and the modules."""
import warnings

import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F
from insitu.autograd.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

REDUCTIONS = ["none", "mean", "sum"]
TOL = {np.float64: 1e-10, np.float32: 1e-5}


def _tensors(lib, arrays, fixed):
    out = []
    for i, a in enumerate(arrays):
        if isinstance(a, np.ndarray):
            t = lib.tensor(a)
            if a.dtype.kind == "f" and i not in fixed:
                t.requires_grad_()
            a = t
        out.append(a)
    return out


def _kw(lib, kw):
    return {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else t


def compare(name, arrays, fixed=(), tol=1e-10, f_mine=None, f_theirs=None, **kw):
    """Same value, shape and node name as torch, and the same gradient of every input that
    requires one (a random incoming gradient)."""
    mine, theirs = _tensors(insitu, arrays, fixed), _tensors(torch, arrays, fixed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_m = (f_mine or getattr(F, name))(*mine, **_kw(insitu, kw))
        out_t = (f_theirs or getattr(TF, name))(*theirs, **_kw(torch, kw))
    assert out_m.shape == tuple(out_t.shape) and out_m.dtype.itemsize == out_t.dtype.itemsize
    np.testing.assert_allclose(_np(out_m), _np(out_t), rtol=tol, atol=tol)
    assert type(out_m.grad_fn).__name__ == type(out_t.grad_fn).__name__
    g = np.random.default_rng(7).standard_normal(out_t.shape).astype(_np(out_t).dtype)
    out_m.backward(insitu.tensor(g))
    out_t.backward(torch.tensor(g))
    for m, t in zip(mine, theirs):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert (m.grad is None) == (t.grad is None)
            if t.grad is not None:
                np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)
    return out_m


def data(dtype=np.float64, seed=0):
    r = np.random.default_rng(seed)
    return dict(
        x=r.standard_normal((4, 5)).astype(dtype), y=r.standard_normal((4, 5)).astype(dtype),
        z=r.standard_normal((4, 5)).astype(dtype), p=r.uniform(0.05, 1, (4, 5)).astype(dtype),
        sign=np.sign(r.standard_normal(4)).astype(dtype),
        sign2=np.sign(r.standard_normal((4, 5))).astype(dtype),
        classes=r.integers(0, 5, 4), w=r.uniform(0.5, 2, 5).astype(dtype),
        labels=np.array([[0, 1, -1, 2, 0], [3, -1, 0, 0, 0], [-1, 0, 0, 0, 0],
                         [4, 4, 1, -1, 2]]))


# each case: (function, arguments (names in `data` or arrays), indices that take no gradient,
# keyword arguments)
CASES = [
    ("kl_div", ["x", "p"], (), {}),
    ("kl_div", ["x", "y"], (), {"log_target": True}),
    ("kl_div", ["x", lambda d: np.where(d["p"] > 0.5, d["p"], 0)], (), {}),
    ("poisson_nll_loss", ["x", lambda d: d["p"] * 3], (), {}),
    ("poisson_nll_loss", ["x", lambda d: d["p"] * 3], (), {"full": True}),
    ("poisson_nll_loss", ["p", lambda d: d["p"] * 3], (), {"log_input": False, "full": True,
                                                           "eps": 1e-3}),
    ("gaussian_nll_loss", ["x", "y", "p"], (), {}),
    ("gaussian_nll_loss", ["x", "y", lambda d: d["p"][:, 0]], (), {"full": True}),
    ("gaussian_nll_loss", ["x", "y", lambda d: d["p"][:, :1]], (), {"eps": 0.3}),
    ("cosine_embedding_loss", ["x", "y", "sign"], (), {"margin": 0.2}),
    ("cosine_embedding_loss", [lambda d: d["x"][0], lambda d: d["y"][0],
                               lambda d: np.array(-1.0, d["x"].dtype)], (), {"margin": -0.5}),
    ("margin_ranking_loss", [lambda d: d["x"][:, 0], lambda d: d["y"][:, 0], "sign"], (),
     {"margin": 0.1}),
    ("hinge_embedding_loss", ["x", "sign2"], (), {"margin": 0.5}),
    ("triplet_margin_loss", ["x", "y", "z"], (), {"margin": 2.0}),
    ("triplet_margin_loss", ["x", "y", "z"], (), {"margin": 1.5, "p": 1, "swap": True}),
    ("triplet_margin_loss", [lambda d: d["x"][0], lambda d: d["y"][0], lambda d: d["z"][0]],
     (), {"p": 3, "eps": 1e-3}),
    ("triplet_margin_with_distance_loss", ["x", "y", "z"], (), {"margin": 2.0}),
    ("multilabel_soft_margin_loss", ["x", lambda d: (d["p"] > 0.5).astype(d["x"].dtype)], (),
     {}),
    ("multilabel_soft_margin_loss", ["x", "p", "w"], (), {}),
    ("multilabel_soft_margin_loss", [lambda d: d["x"][0], lambda d: d["p"][0]], (), {}),
    ("soft_margin_loss", ["x", "sign2"], (1,), {}),
    ("soft_margin_loss", ["x", lambda d: d["sign2"][0]], (1,), {}),
    ("multi_margin_loss", ["x", "classes"], (), {}),
    ("multi_margin_loss", ["x", "classes"], (), {"p": 2, "margin": 0.4}),
    ("multi_margin_loss", ["x", "classes"], (), {"weight": "w", "margin": 2.0}),
    ("multi_margin_loss", [lambda d: d["x"][0], lambda d: d["classes"][:1]], (), {"p": 2}),
    ("multi_margin_loss", [lambda d: d["x"][0], lambda d: np.array(d["classes"][0])], (), {}),
    ("multilabel_margin_loss", ["x", "labels"], (), {}),
    ("multilabel_margin_loss", [lambda d: d["x"][0], lambda d: d["labels"][0]], (), {}),
]


def _args(d, spec):
    return [d[s] if isinstance(s, str) else s(d) if callable(s) else s for s in spec]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0] if isinstance(c, str) else None)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_loss_matches_torch(case, reduction, dtype):
    name, spec, fixed, kw = case
    d = data(dtype)
    kw = {k: d[v] if isinstance(v, str) else v for k, v in kw.items()}   # arrays: no gradient
    compare(name, _args(d, spec), fixed, TOL[dtype], reduction=reduction, **kw)


def test_kl_div_batchmean_and_legacy_reductions():
    d = data()
    compare("kl_div", [d["x"], d["p"]], reduction="batchmean")
    compare("kl_div", [d["x"][0], d["p"][0]], reduction="batchmean")
    compare("kl_div", [d["x"], d["p"]], size_average=False)
    compare("margin_ranking_loss", [d["x"][:, 0], d["y"][:, 0], d["sign"]], reduce=False)
    compare("multi_margin_loss", [d["x"], d["classes"]], size_average=True, reduce=True)


def test_triplet_with_a_custom_distance_and_swap():
    d = data()
    compare("triplet_margin_with_distance_loss", [d["x"], d["y"], d["z"]], swap=True,
            f_mine=lambda *a, **k: F.triplet_margin_with_distance_loss(
                *a, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), **k),
            f_theirs=lambda *a, **k: TF.triplet_margin_with_distance_loss(
                *a, distance_function=lambda u, v: 1 - TF.cosine_similarity(u, v), **k))


def test_kl_div_mean_and_legacy_arguments_warn_as_torch():
    d = data()
    x, p = insitu.tensor(d["x"]), insitu.tensor(d["p"])
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(x, p)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated, "
                                         "please use reduction='sum' instead."):
        F.poisson_nll_loss(x, p, size_average=False)


# ------------------------------------------------------------------ gradcheck / gradgradcheck

def _f64(*shape, seed=3, low=None):
    r = np.random.default_rng(seed)
    a = r.uniform(low, 1.0, shape) if low is not None else r.standard_normal(shape)
    return insitu.tensor(a, requires_grad=True)


SMOOTH = [
    ("kl_div", lambda: (_f64(3, 4), _f64(3, 4, seed=4, low=0.1)), {"reduction": "sum"}),
    ("kl_div", lambda: (_f64(3, 4), _f64(3, 4, seed=4)), {"log_target": True,
                                                          "reduction": "batchmean"}),
    ("poisson_nll_loss", lambda: (_f64(3, 4), _f64(3, 4, seed=4, low=0.1)), {"full": True}),
    ("poisson_nll_loss", lambda: (_f64(3, 4, low=0.2), _f64(3, 4, seed=4, low=0.1)),
     {"log_input": False}),
    ("gaussian_nll_loss", lambda: (_f64(3, 4), _f64(3, 4, seed=4), _f64(3, 1, seed=5, low=0.2)),
     {"full": True}),
    ("cosine_embedding_loss", lambda: (_f64(3, 4), _f64(3, 4, seed=4),
                                       insitu.tensor([1.0, -1.0, 1.0], dtype=insitu.float64)),
     {"margin": -0.9}),
    ("margin_ranking_loss", lambda: (_f64(4), _f64(4, seed=4),
                                     insitu.tensor([1.0, -1.0, 1.0, -1.0], dtype=insitu.float64)),
     {"margin": 3.0}),
    ("hinge_embedding_loss", lambda: (_f64(3, 4),
                                      insitu.tensor(np.sign(np.random.default_rng(1)
                                                            .standard_normal((3, 4))))),
     {"margin": 3.0}),
    ("triplet_margin_loss", lambda: (_f64(3, 4), _f64(3, 4, seed=4), _f64(3, 4, seed=5)),
     {"margin": 10.0}),
    ("triplet_margin_with_distance_loss",
     lambda: (_f64(3, 4), _f64(3, 4, seed=4), _f64(3, 4, seed=5)), {"margin": 10.0}),
    ("multilabel_soft_margin_loss", lambda: (_f64(3, 4), _f64(3, 4, seed=4, low=0.0),
                                             _f64(4, seed=5, low=0.5)), {}),
]


@pytest.mark.parametrize("name,make,kw", SMOOTH, ids=[c[0] for c in SMOOTH])
def test_gradcheck_and_gradgradcheck(name, make, kw):
    f = getattr(F, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inputs = make()
        assert gradcheck(lambda *a: f(*a, **kw), inputs)
        assert gradgradcheck(lambda *a: f(*a, **kw), inputs)


def test_soft_margin_double_backward_and_its_fused_node():
    x = _f64(3, 4)
    t = insitu.tensor(np.sign(np.random.default_rng(2).standard_normal((3, 4))))
    for reduction in REDUCTIONS:
        assert gradcheck(lambda a: F.soft_margin_loss(a, t, reduction=reduction), (x,))
        assert gradgradcheck(lambda a: F.soft_margin_loss(a, t, reduction=reduction), (x,))
    loss = F.soft_margin_loss(x, t)
    assert set(loss.grad_fn.saved) == {"input", "target"}     # as PyTorch's node
    t.mul_(2)                           # the saved target is version-checked
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@pytest.mark.parametrize("name,target", [
    ("multi_margin_loss", lambda: insitu.tensor([0, 3, 1])),
    ("multilabel_margin_loss", lambda: insitu.tensor([[0, 1, -1, 2], [3, -1, 0, 0],
                                                      [1, 2, 3, 0]])),
])
def test_margin_losses_have_first_derivatives_only_as_torch(name, target):
    x = _f64(3, 4)
    f = getattr(F, name)
    assert gradcheck(lambda a: f(a, target()), (x,))
    g, = insitu.autograd.grad(f(x, target()), x, create_graph=True)
    assert type(g.grad_fn).__name__ == "NotImplemented"
    with pytest.raises(RuntimeError) as mine:
        g.sum().backward()
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    gt, = torch.autograd.grad(getattr(TF, name)(xt, torch.tensor(target().numpy())), xt,
                              create_graph=True)
    with pytest.raises(RuntimeError) as theirs:
        gt.sum().backward()
    assert str(mine.value) == str(theirs.value)


# ------------------------------------------------------------------ errors

Z = np.zeros
L = np.int64
ERRORS = [
    ("kl_div", [Z((3, 4)), Z((3, 4))], {"reduction": "bad"}),
    ("kl_div", [Z((3, 4)), Z((2, 4))], {"reduction": "sum"}),
    ("kl_div", [Z((3, 4), L), Z((3, 4))], {"reduction": "sum"}),
    ("poisson_nll_loss", [Z((3, 4)), Z((3, 4))], {"reduction": "bad"}),
    ("poisson_nll_loss", [Z((3, 4)), Z((2, 4))], {}),
    ("gaussian_nll_loss", [Z((3, 4)), Z((3, 4)), -np.ones((3, 4))], {}),
    ("gaussian_nll_loss", [Z((3, 4)), Z((3, 4)), -1.0], {}),
    ("gaussian_nll_loss", [Z((3, 4)), Z((3, 4)), np.ones((3, 5))], {}),
    ("gaussian_nll_loss", [Z((3, 4)), Z((3, 4)), np.ones((1, 1))], {}),
    ("gaussian_nll_loss", [Z((3, 4)), Z((3, 4)), np.ones((3, 4))], {"reduction": "bad"}),
    ("cosine_embedding_loss", [Z((3, 4)), Z((3, 4)), Z((3, 1))], {}),
    ("cosine_embedding_loss", [Z((3, 4, 2)), Z((3, 4, 2)), Z(3)], {}),
    ("cosine_embedding_loss", [Z((3, 4)), Z((3, 4)), Z(())], {}),
    ("cosine_embedding_loss", [Z((3, 4)), Z((2, 4)), Z(3)], {}),
    ("cosine_embedding_loss", [Z((3, 4)), Z((3, 4)), Z(3)], {"reduction": "bad"}),
    ("margin_ranking_loss", [Z(3), Z(3), Z((3, 1))], {}),
    ("margin_ranking_loss", [Z(3), Z(2), Z(3)], {}),
    ("hinge_embedding_loss", [Z(3), Z(2)], {}),
    ("triplet_margin_loss", [Z((3, 4)), Z((3, 4)), Z(4)], {}),
    ("triplet_margin_loss", [Z((3, 4)), Z((3, 4)), Z((3, 4))], {"margin": 0}),
    ("triplet_margin_loss", [Z((3, 4)), Z((3, 4)), Z((2, 4))], {}),
    ("triplet_margin_with_distance_loss", [Z((3, 4)), Z((3, 4)), Z(4)], {}),
    ("triplet_margin_with_distance_loss", [Z((3, 4)), Z((3, 4)), Z((3, 4))], {"margin": -1}),
    ("triplet_margin_with_distance_loss", [Z((3, 4)), Z((3, 4)), Z((3, 4))], {"reduction": "x"}),
    ("multilabel_soft_margin_loss", [Z((3, 4)), Z((3, 4))], {"reduction": "x"}),
    ("multilabel_soft_margin_loss", [Z((3, 4)), Z((3, 5))], {}),
    ("soft_margin_loss", [Z((3, 4)), Z((3, 5))], {}),
    ("soft_margin_loss", [Z((3, 4)), Z((3, 4))], {"reduction": "x"}),
    ("multi_margin_loss", [Z((3, 4)), Z(3, L) + 5], {}),
    ("multi_margin_loss", [Z((3, 4)), Z(3, L) - 1], {}),
    ("multi_margin_loss", [Z((3, 4)), Z(2, L)], {}),
    ("multi_margin_loss", [Z(4), np.array([1, 2])], {}),
    ("multi_margin_loss", [Z((3, 4)), Z(3)], {}),
    ("multi_margin_loss", [Z((3, 4)), Z(3, L)], {"p": 3}),
    ("multi_margin_loss", [Z((3, 4)), Z(3, L)], {"weight": np.ones((2, 2))}),
    ("multi_margin_loss", [Z((3, 4)), Z(3, L)], {"weight": np.ones(3)}),
    ("multi_margin_loss", [Z((2, 3, 4)), Z(2, L)], {}),
    ("multi_margin_loss", [Z((3, 0)), Z(3, L)], {}),
    ("multilabel_margin_loss", [Z((3, 4)), Z((3, 4), L) + 5], {}),
    ("multilabel_margin_loss", [Z((3, 4)), Z((3, 4), L) - 2], {}),
    ("multilabel_margin_loss", [Z((3, 4)), Z(3, L)], {}),
    ("multilabel_margin_loss", [Z(4), np.array([1, 2])], {}),
    ("multilabel_margin_loss", [Z((3, 4)), Z((3, 4))], {}),
    ("multilabel_margin_loss", [Z((3, 4)), Z((3, 4), np.int32)], {}),
    ("multilabel_margin_loss", [Z((2, 3, 4)), Z((2, 3, 4), L)], {}),
]


@pytest.mark.parametrize("name,arrays,kw", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch_and_leave_inputs_untouched(name, arrays, kw):
    mine = [insitu.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]
    theirs = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]
    before = [(t.numpy().copy(), t._version) for t in mine if isinstance(t, insitu.Tensor)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as theirs_err:
            getattr(TF, name)(*theirs, **_kw(torch, kw))
        with pytest.raises(type(theirs_err.value)) as mine_err:
            getattr(F, name)(*mine, **_kw(insitu, kw))
    assert str(mine_err.value).replace("insitu.", "torch.") == str(theirs_err.value)
    after = [(t.numpy(), t._version) for t in mine if isinstance(t, insitu.Tensor)]
    for (a, v), (b, w) in zip(before, after):
        assert v == w and np.array_equal(a, b)


@pytest.mark.parametrize("name,args,kw,arg", [
    ("soft_margin_loss", lambda x: (x, x * 1), {}, "target"),
    ("multi_margin_loss", lambda x: (x, insitu.tensor([0, 1, 2])),
     {"weight": insitu.ones(4, requires_grad=True)}, "weight"),
])
def test_non_differentiable_arguments_are_refused_in_grad_mode(name, args, kw, arg):
    x = insitu.randn(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"The function '{name}' is not differentiable with "
                                           f"respect to argument '{arg}'. This input cannot "
                                           "have requires_grad True."):
        getattr(F, name)(*args(x), **kw)
    with insitu.no_grad():
        getattr(F, name)(*args(x), **kw)


# ------------------------------------------------------------------ modules

MODULES = [
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, ["x", "y"]),
    ("PoissonNLLLoss", {"log_input": False, "full": True, "eps": 1e-4},
     ["p", lambda d: d["p"] * 3]),
    ("GaussianNLLLoss", {"full": True, "eps": 1e-3}, ["x", "y", "p"]),
    ("HingeEmbeddingLoss", {"margin": 0.5, "reduction": "sum"}, ["x", "sign2"]),
    ("CosineEmbeddingLoss", {"margin": 0.1}, ["x", "y", "sign"]),
    ("MarginRankingLoss", {"margin": 0.2, "reduction": "none"},
     [lambda d: d["x"][:, 0], lambda d: d["y"][:, 0], "sign"]),
    ("SoftMarginLoss", {}, ["x", "sign2"]),
    ("MultiLabelSoftMarginLoss", {"reduction": "sum"}, ["x", "p"]),
    ("MultiLabelMarginLoss", {"reduction": "none"}, ["x", "labels"]),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5}, ["x", "classes"]),
    ("TripletMarginLoss", {"margin": 0.5, "p": 1.0, "swap": True}, ["x", "y", "z"]),
    ("TripletMarginWithDistanceLoss", {"margin": 0.5}, ["x", "y", "z"]),
    ("HuberLoss", {"delta": 0.5}, ["x", "y"]),
]


@pytest.mark.parametrize("cls,kw,spec", MODULES, ids=[m[0] for m in MODULES])
def test_loss_modules_match_torch(cls, kw, spec):
    mine, theirs = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    assert repr(mine) == repr(theirs)
    assert mine.reduction == theirs.reduction
    args = _args(data(), spec)
    fixed = (1,) if cls == "SoftMarginLoss" else ()
    compare(None, args, fixed, f_mine=mine, f_theirs=theirs)


def test_loss_module_weights_are_buffers_and_constructor_errors_match_torch():
    w = np.ones(5)
    mine = nn.MultiMarginLoss(weight=insitu.tensor(w))
    theirs = torch.nn.MultiMarginLoss(weight=torch.tensor(w))
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert list(nn.MultiLabelSoftMarginLoss(weight=insitu.tensor(w)).state_dict()) == ["weight"]
    for cls, kw in [("MultiMarginLoss", {"p": 3}), ("TripletMarginLoss", {"margin": 0}),
                    ("TripletMarginWithDistanceLoss", {"margin": -1.0}),
                    ("HuberLoss", {"delta": "1"})]:
        with pytest.raises(Exception) as theirs_err:
            getattr(torch.nn, cls)(**kw)
        with pytest.raises(type(theirs_err.value)) as mine_err:
            getattr(nn, cls)(**kw)
        assert str(mine_err.value).replace("insitu", "torch") == str(theirs_err.value)
    with pytest.raises(ValueError, match="MultiMarginLoss: expected weight to be None or 1D "
                                         "tensor, got 2D instead"):
        nn.MultiMarginLoss(weight=insitu.ones(2, 2))
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert nn.KLDivLoss(size_average=False).reduction == "sum"
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated"):
        nn.NLLLoss2d()


@pytest.mark.parametrize("name,target", [
    ("multi_margin_loss", lambda: insitu.tensor([0, 3, 1])),
    ("multilabel_margin_loss", lambda: insitu.tensor([[0, 1, -1, 2], [3, -1, 0, 0],
                                                      [1, 2, 3, 0]])),
])
def test_fused_margin_losses_keep_input_and_target_version_checked(name, target):
    x = insitu.randn(3, 4, requires_grad=True)
    t = target()
    loss = getattr(F, name)(x, t)
    assert {"input", "target"} <= set(loss.grad_fn.saved)
    t.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
