"""Optimizers against torch.optim: 100-step trajectories, in-place updates, state dicts."""
import copy
import tracemalloc

import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.optim as optim

torch = pytest.importorskip("torch")


def grad_fn(x):
    """Gradient of sum(0.75 (x - 0.7)^2 + log(cosh(2x)) / 2): non-linear, elementwise and
    strongly convex, so rounding differences are not amplified by the objective itself."""
    return 1.5 * (x - 0.7) + np.tanh(2 * x)


CONFIGS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD", dict(lr=0.01, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.2, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.95, weight_decay=0.01, momentum=0.8)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.3, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    # maximize and L2 weight decay together (the gradient term every optimizer shares)
    ("SGD", dict(lr=0.01, momentum=0.9, weight_decay=0.05, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.2, maximize=True)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.01, maximize=True)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.01, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.05)),
    ("Adadelta", dict(eps=1e-4, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adamax", dict(maximize=True, weight_decay=0.01)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(momentum_decay=0.01, maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("ASGD", dict(lr=0.01)),
    ("ASGD", dict(lr=0.01, t0=20, lambd=1e-3, weight_decay=0.05)),
    ("ASGD", dict(lr=0.02, t0=5, alpha=0.5, maximize=True)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.01, etas=(0.3, 1.5), step_sizes=(1e-4, 0.5), maximize=True)),
]


def _pair(name, kw, x0s):
    ps = [nn.Parameter(insitu.tensor(x)) for x in x0s]
    qs = [torch.nn.Parameter(torch.tensor(x)) for x in x0s]
    return ps, qs, getattr(optim, name)(ps, **kw), getattr(torch.optim, name)(qs, **kw)


# The updates round as PyTorch's kernels do, fused multiply-adds included (float32 SGD follows
# torch bit for bit). What remains is PyTorch's float32 sqrt (MKL's), which is not always
# correctly rounded (up to 0.75 ulp off), so Adam, RMSprop and Adagrad agree to a few ulps.
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("index", range(len(CONFIGS)),
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_trajectory_matches_torch_over_100_steps(index, dtype):
    name, kw = CONFIGS[index]
    rng = np.random.default_rng(index)
    x0s = [(2 * rng.standard_normal(s)).astype(dtype) for s in [(5, 7), (3,)]]
    ps, qs, mine, theirs = _pair(name, kw, x0s)
    sign = -1.0 if kw.get("maximize") else 1.0        # maximize climbs -f
    worst = 0.0
    for _ in range(100):
        for p, q in zip(ps, qs):
            p.grad = insitu.tensor((sign * grad_fn(p.detach().numpy().astype(np.float64)))
                                   .astype(dtype))
            q.grad = torch.tensor((sign * grad_fn(q.detach().numpy().astype(np.float64)))
                                  .astype(dtype))
        mine.step()
        theirs.step()
        for p, q in zip(ps, qs):
            a, b = p.detach().numpy(), q.detach().numpy()
            worst = max(worst, np.abs(a - b).max() / np.abs(b).max())
    assert worst < 1e-6
    for p, q in zip(ps, qs):
        assert p._version == q._version      # one in-place write per step, as in torch


def test_trajectory_of_a_network_trained_by_autograd_matches_torch():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(),
                             torch.nn.Linear(16, 3)).double()
    im = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3)).double()
    im.load_state_dict({k: insitu.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 6)), rng.integers(0, 3, 32)
    for name, kw in [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                     ("AdamW", dict(lr=0.01, amsgrad=True))]:
        to = getattr(torch.optim, name)(tm.parameters(), **kw)
        io = getattr(optim, name)(im.parameters(), **kw)
        for _ in range(100):
            to.zero_grad()
            io.zero_grad()
            torch.nn.functional.cross_entropy(tm(torch.tensor(x)), torch.tensor(y)).backward()
            nn.functional.cross_entropy(im(insitu.tensor(x)), insitu.tensor(y)).backward()
            to.step()
            io.step()
        for p, q in zip(im.parameters(), tm.parameters()):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6,
                                       atol=1e-9)


@pytest.mark.parametrize("name,kw", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in
                                                   enumerate(CONFIGS)])
def test_step_updates_in_place_with_no_parameter_sized_temporaries(name, kw):
    """After the first step (which creates the state), a step allocates nothing the size of
    a parameter: NumPy reports every allocation to tracemalloc."""
    p = nn.Parameter(insitu.randn(300, 300))
    opt = getattr(optim, name)([p], **kw)
    p.grad = insitu.randn(300, 300)
    opt.step()
    ptr = p.data_ptr()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(3):
            opt.step()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - base < 300 * 300 * 4 // 16
    assert current - base < 4096
    assert p.data_ptr() == ptr


def test_parameters_without_grad_are_skipped_and_state_is_lazy():
    a, b = nn.Parameter(insitu.ones(2)), nn.Parameter(insitu.ones(2))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = insitu.ones(2)
    opt.step()
    assert b.tolist() == [1.0, 1.0] and b._version == 0
    assert set(opt.state) == {a} and float(opt.state[a]["step"]) == 1.0


@pytest.mark.parametrize("input_requires_grad", [True, False])
def test_step_before_backward_behaves_like_torch(input_requires_grad):
    """The GAN 'step before backward' trap: the update bumps the weight's version, and the
    backward fails exactly when the graph saved the weight (its input needs a gradient)."""
    outcomes = []
    for lib, lib_nn, lib_optim in ((insitu, nn, optim), (torch, torch.nn, torch.optim)):
        lin = lib_nn.Linear(3, 1)
        opt = lib_optim.SGD(lin.parameters(), lr=0.1)
        lin(lib.randn(4, 3)).sum().backward()
        y = lin(lib.randn(4, 3, requires_grad=input_requires_grad))
        opt.step()
        try:
            y.sum().backward()
            outcomes.append("ok")
        except RuntimeError as e:
            assert "modified by an inplace operation" in str(e)
            outcomes.append("error")
    assert outcomes[0] == outcomes[1] == ("error" if input_requires_grad else "ok")


def test_zero_grad_defaults_to_none_and_can_zero_in_place():
    p = nn.Parameter(insitu.ones(3))
    opt = optim.SGD([p], lr=0.1)
    p.grad = insitu.ones(3)
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and g.tolist() == [0.0, 0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_closure_is_called_with_grad_enabled():
    p = nn.Parameter(insitu.tensor([2.0]))
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with insitu.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0 and p.item() == pytest.approx(1.0)


def test_param_groups_and_add_param_group():
    a, b = nn.Parameter(insitu.ones(1)), nn.Parameter(insitu.ones(1))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.9
    c = nn.Parameter(insitu.ones(1000))
    opt.add_param_group({"params": [c], "lr": 1.0})
    for p in (a, b, c):
        p.grad = insitu.ones_like(p)
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    assert c[0].item() == pytest.approx(0.0)
    with pytest.raises(ValueError, match="some parameters appear in more than one"):
        opt.add_param_group({"params": [a]})


@pytest.mark.parametrize("make,message", [
    (lambda p: optim.SGD([], lr=0.1), "optimizer got an empty parameter list"),
    (lambda p: optim.SGD(p, lr=0.1), "params argument given to the optimizer should be an "
                                     "iterable of Tensors or dicts, but got insitu.FloatTensor"),
    (lambda p: optim.SGD([p], lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.SGD([p], lr=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: optim.Adam([p], betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.Adam([p], eps=-1), "Invalid epsilon value: -1"),
    (lambda p: optim.RMSprop([p], alpha=-1), "Invalid alpha value: -1"),
    (lambda p: optim.Adadelta([p], rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: optim.Adamax([p], betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda p: optim.NAdam([p], momentum_decay=-1), "Invalid momentum_decay value: -1"),
    (lambda p: optim.RAdam([p], weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.ASGD([p], lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.Rprop([p], etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
    (lambda p: optim.LBFGS([{"params": [p]}, {"params": [nn.Parameter(insitu.ones(1))]}]),
     "LBFGS doesn't support per-parameter options (parameter groups)"),
    (lambda p: optim.SGD([p * 2], lr=0.1), "can't optimize a non-leaf Tensor"),
    (lambda p: optim.SGD([{"params": {p}}], lr=0.1),
     "optimizer parameters need to be organized in ordered collections"),
])
def test_construction_errors_match_torch(make, message):
    p = nn.Parameter(insitu.ones(2))
    with pytest.raises((ValueError, TypeError)) as e:
        make(p)
    assert str(e.value).startswith(message)


def test_repr_matches_torch():
    p, q = nn.Parameter(insitu.ones(1)), torch.nn.Parameter(torch.ones(1))
    for name, kw in [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", {}), ("AdamW", {}),
                     ("RMSprop", {}), ("Adagrad", {}), ("Adadelta", {}), ("Adamax", {}),
                     ("NAdam", {}), ("RAdam", {}), ("ASGD", {}), ("Rprop", {}), ("LBFGS", {})]:
        assert repr(getattr(optim, name)([p], **kw)) == \
            repr(getattr(torch.optim, name)([q], **kw))


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", {}),
                                     ("RMSprop", dict(centered=True)), ("Adagrad", {}),
                                     ("Adadelta", {}), ("Adamax", {}), ("NAdam", {}),
                                     ("RAdam", {}), ("ASGD", {}), ("Rprop", {})])
def test_state_dict_layout_matches_torch_and_round_trips(name, kw):
    ps, qs, mine, theirs = _pair(name, kw, [np.ones((2, 2), np.float32),
                                            np.ones(3, np.float32)])
    for p, q in zip(ps, qs):
        p.grad, q.grad = insitu.ones_like(p), torch.ones_like(q)
    mine.step()
    theirs.step()
    sd_m, sd_t = mine.state_dict(), theirs.state_dict()
    assert sd_m["param_groups"] == sd_t["param_groups"]
    assert sd_m["state"].keys() == sd_t["state"].keys()
    for k in sd_t["state"]:
        assert sd_m["state"][k].keys() == sd_t["state"][k].keys()
        for key, v in sd_t["state"][k].items():
            np.testing.assert_allclose(sd_m["state"][k][key].numpy(), v.numpy(), rtol=1e-6)
            assert sd_m["state"][k][key].dtype.name == str(v.dtype).replace("torch.", "")

    # a fresh optimizer loaded from the state dict continues exactly like the original
    fresh = getattr(optim, name)(ps, **kw)
    fresh.load_state_dict(copy.deepcopy(sd_m))
    twin = [nn.Parameter(p.detach().clone()) for p in ps]
    ref = getattr(optim, name)(twin, **kw)
    ref.load_state_dict(copy.deepcopy(sd_m))
    for p, t in zip(ps, twin):
        p.grad, t.grad = insitu.ones_like(p), insitu.ones_like(t)
    fresh.step()
    ref.step()
    for p, t in zip(ps, twin):
        np.testing.assert_array_equal(p.detach().numpy(), t.detach().numpy())


def test_load_state_dict_errors():
    a = nn.Parameter(insitu.ones(1))
    opt = optim.SGD([a], lr=0.1)
    other = optim.SGD([{"params": [a]}, {"params": [nn.Parameter(insitu.ones(1))]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(other.state_dict())
    two = optim.SGD([a, nn.Parameter(insitu.ones(1))], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(two.state_dict())


def test_load_state_dict_casts_state_to_parameter_dtype():
    p = nn.Parameter(insitu.ones(2, dtype=insitu.float64))
    opt = optim.Adam([p])
    src = optim.Adam([nn.Parameter(insitu.ones(2))])
    src.param_groups[0]["params"][0].grad = insitu.ones(2)
    src.step()
    opt.load_state_dict(src.state_dict())
    state = opt.state[p]
    assert state["exp_avg"].dtype is insitu.float64
    assert state["step"].dtype is insitu.float32


def test_step_hooks():
    p = nn.Parameter(insitu.ones(1))
    opt = optim.SGD([p], lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    p.grad = insitu.ones(1)
    opt.step()
    h1.remove()
    opt.step()
    assert calls == ["pre", "post", "post"]
    # the handles are the modules' kind, as in PyTorch (torch.utils.hooks.RemovableHandle)
    tq = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)
    assert type(h1).__name__ == type(tq.register_step_pre_hook(print)).__name__
    assert type(h1) is type(nn.Linear(1, 1).register_forward_hook(print))
    with opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("scoped")):
        opt.step()
    opt.step()
    assert calls[3:] == ["scoped", "post", "post"]
