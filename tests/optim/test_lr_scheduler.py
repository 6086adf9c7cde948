"""Learning-rate schedulers: the same lr sequence as torch.optim.lr_scheduler, bit for bit."""
import warnings

import pytest

import insitu
import insitu.nn as nn
import insitu.optim as optim
from insitu.optim import lr_scheduler

torch = pytest.importorskip("torch")


def _lambda(epoch):
    return 0.95 ** epoch + 0.01 * epoch


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=4)),
    ("LambdaLR", dict(lr_lambda=_lambda)),
    ("MultiplicativeLR", dict(lr_lambda=lambda epoch: 0.97 - 0.001 * epoch)),
    ("ConstantLR", dict()),
    ("ConstantLR", dict(factor=0.5, total_iters=7)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.9, total_iters=11)),
    ("PolynomialLR", dict()),
    ("PolynomialLR", dict(total_iters=17, power=2.5)),
    ("CosineAnnealingWarmRestarts", dict(T_0=4)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.2, step_size_up=3, step_size_down=5,
                      mode="triangular2", base_momentum=0.7)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range", gamma=0.9,
                      cycle_momentum=False)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=lambda x: 0.8 ** x,
                      scale_mode="iterations")),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=30)),
    ("OneCycleLR", dict(max_lr=[0.5, 1.0], epochs=5, steps_per_epoch=6, pct_start=0.4,
                        anneal_strategy="linear", three_phase=True, div_factor=10.0)),
]
STEPS = 25


def _optimizers():
    p, q = nn.Parameter(insitu.ones(1)), torch.nn.Parameter(torch.ones(1))
    mine = optim.SGD([{"params": [p]}, {"params": [nn.Parameter(insitu.ones(1))], "lr": 0.3}],
                     lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([{"params": [q]},
                              {"params": [torch.nn.Parameter(torch.ones(1))], "lr": 0.3}],
                             lr=0.1, momentum=0.9)
    return mine, theirs


@pytest.mark.parametrize("name,kw", SCHEDULES)
def test_schedule_matches_torch(name, kw):
    mine, theirs = _optimizers()
    s_m = getattr(lr_scheduler, name)(mine, **kw)
    s_t = getattr(torch.optim.lr_scheduler, name)(theirs, **kw)
    lrs_m, lrs_t = [s_m.get_last_lr()], [s_t.get_last_lr()]
    momenta_m, momenta_t = [], []
    for _ in range(STEPS if name != "OneCycleLR" else 29):
        mine.step()
        theirs.step()
        s_m.step()
        s_t.step()
        lrs_m.append(s_m.get_last_lr())
        lrs_t.append(s_t.get_last_lr())
        assert [g["lr"] for g in mine.param_groups] == lrs_m[-1]
        momenta_m.append([g["momentum"] for g in mine.param_groups])
        momenta_t.append([g["momentum"] for g in theirs.param_groups])
    assert lrs_m == lrs_t
    assert momenta_m == momenta_t
    assert [g["initial_lr"] for g in mine.param_groups] == \
        [g["initial_lr"] for g in theirs.param_groups]
    assert _comparable(s_m.state_dict()) == _comparable(s_t.state_dict())


def _comparable(state):
    """A state dict without what cannot compare equal across libraries (functions)."""
    return {k: v for k, v in state.items() if not callable(v) and k != "_scale_fn_custom"}


CLOSED_FORMS = SCHEDULES[:4] + [SCHEDULES[i] for i in (7, 8, 9, 10, 11, 12, 14, 15)]


@pytest.mark.parametrize("name,kw", CLOSED_FORMS)
def test_explicit_epoch_uses_closed_form_like_torch(name, kw):
    mine, theirs = _optimizers()
    s_m = getattr(lr_scheduler, name)(mine, **kw)
    s_t = getattr(torch.optim.lr_scheduler, name)(theirs, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (4, 9, 2, 13, 5.5) if name == "CosineAnnealingWarmRestarts" else (4, 9, 2):
            mine.step()
            theirs.step()
            s_m.step(epoch)
            s_t.step(epoch)
            assert s_m.get_last_lr() == s_t.get_last_lr()


def test_state_dict_round_trip():
    mine, _ = _optimizers()
    sched = lr_scheduler.StepLR(mine, step_size=2, gamma=0.5)
    for _ in range(3):
        mine.step()
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    other_opt, _ = _optimizers()
    other = lr_scheduler.StepLR(other_opt, step_size=2, gamma=0.5)
    other.load_state_dict(state)
    assert other.last_epoch == 3 and other.get_last_lr() == sched.get_last_lr()


def test_lambda_state_dict_keeps_callable_objects_state():
    class Decay:
        def __init__(self):
            self.factor = 0.5

        def __call__(self, epoch):
            return self.factor ** epoch

    mine, _ = _optimizers()
    sched = lr_scheduler.LambdaLR(mine, [Decay(), lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"factor": 0.5}, None]
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(mine, [lambda e: 1.0])


def test_warning_when_scheduler_steps_before_optimizer():
    mine, _ = _optimizers()
    sched = lr_scheduler.ExponentialLR(mine, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


def test_errors():
    with pytest.raises(TypeError, match="int is not an Optimizer"):
        lr_scheduler.StepLR(3, step_size=1)
    mine, _ = _optimizers()
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified"):
        lr_scheduler.StepLR(mine, step_size=1, last_epoch=3)


METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.7, 0.7, 0.7, 0.7,
           0.71, 0.72, 0.73, 0.69, 0.74, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8, 0.81, 0.82, 0.83, 0.9]


@pytest.mark.parametrize("kw", [dict(patience=2), dict(mode="max", factor=0.5, patience=1),
                                dict(patience=1, threshold=0.05, threshold_mode="abs",
                                     cooldown=2, min_lr=[0.01, 0.05]),
                                dict(mode="max", threshold_mode="abs", patience=0, eps=0.02)])
def test_reduce_lr_on_plateau_matches_torch(kw):
    mine, theirs = _optimizers()
    s_m = lr_scheduler.ReduceLROnPlateau(mine, **kw)
    s_t = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kw)
    for i, metric in enumerate(METRICS):
        s_m.step(insitu.tensor(metric, dtype=insitu.float64) if i % 2 else metric)
        s_t.step(metric)
        assert s_m.get_last_lr() == s_t.get_last_lr()
        assert (s_m.num_bad_epochs, s_m.cooldown_counter, s_m.best) == \
            (s_t.num_bad_epochs, s_t.cooldown_counter, s_t.best)
    assert s_m.state_dict().keys() == s_t.state_dict().keys()
    fresh = lr_scheduler.ReduceLROnPlateau(_optimizers()[0], **kw)
    fresh.load_state_dict(s_m.state_dict())
    assert fresh.best == s_m.best and fresh.mode_worse == s_m.mode_worse


def _composites(lib, opt):
    sched = lib.optim.lr_scheduler
    return {
        "sequential": lambda: sched.SequentialLR(
            opt, [sched.LinearLR(opt, start_factor=0.25, total_iters=4),
                  sched.ExponentialLR(opt, gamma=0.9),
                  sched.CosineAnnealingLR(opt, T_max=6)], milestones=[5, 12]),
        "chained": lambda: sched.ChainedScheduler(
            [sched.ConstantLR(opt, factor=0.5, total_iters=3),
             sched.ExponentialLR(opt, gamma=0.95), sched.StepLR(opt, 4, 0.5)]),
        "nested": lambda: sched.SequentialLR(
            opt, [sched.ChainedScheduler([sched.ConstantLR(opt, total_iters=3),
                                          sched.ExponentialLR(opt, gamma=0.9)]),
                  sched.PolynomialLR(opt, total_iters=10)], milestones=[6]),
    }


@pytest.mark.parametrize("which", ["sequential", "chained", "nested"])
def test_composite_schedules_match_torch(which):
    mine, theirs = _optimizers()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # PyTorch warns about the inner schedulers' steps
        s_m = _composites(insitu, mine)[which]()
        s_t = _composites(torch, theirs)[which]()
    assert s_m.get_last_lr() == s_t.get_last_lr()
    for _ in range(30):
        mine.step()
        theirs.step()
        s_m.step()
        s_t.step()
        assert s_m.get_last_lr() == s_t.get_last_lr()
        assert [g["lr"] for g in mine.param_groups] == [g["lr"] for g in theirs.param_groups]
    sd_m, sd_t = s_m.state_dict(), s_t.state_dict()
    assert sd_m.keys() == sd_t.keys() and len(sd_m["_schedulers"]) == len(sd_t["_schedulers"])
    for a, b in zip(sd_m["_schedulers"], sd_t["_schedulers"]):
        assert a.keys() == b.keys()


def test_one_cycle_cycles_adams_beta1_like_torch():
    p, q = nn.Parameter(insitu.ones(1)), torch.nn.Parameter(torch.ones(1))
    mine, theirs = optim.Adam([p], lr=0.01), torch.optim.Adam([q], lr=0.01)
    s_m = lr_scheduler.OneCycleLR(mine, max_lr=0.1, total_steps=20)
    s_t = torch.optim.lr_scheduler.OneCycleLR(theirs, max_lr=0.1, total_steps=20)
    for _ in range(19):
        mine.step()
        theirs.step()
        s_m.step()
        s_t.step()
        assert mine.param_groups[0]["betas"] == theirs.param_groups[0]["betas"]
        assert s_m.get_last_lr() == s_t.get_last_lr()
    mine.step()
    s_m.step()
    with pytest.raises(ValueError, match="Tried to step 21 times. The specified number of "
                                         "total steps is 20"):
        s_m.step()


@pytest.mark.parametrize("make", [
    lambda o, m: m.ConstantLR(o, factor=2),
    lambda o, m: m.LinearLR(o, start_factor=0),
    lambda o, m: m.LinearLR(o, end_factor=1.5),
    lambda o, m: m.MultiplicativeLR(o, lr_lambda=[lambda e: 1.0]),
    lambda o, m: m.MultiplicativeLR(o, lr_lambda=0.5),
    lambda o, m: m.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda o, m: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    lambda o, m: m.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
    lambda o, m: m.CyclicLR(o, 0.1, 1.0, mode="sine"),
    lambda o, m: m.CyclicLR(o, [0.1], 1.0),
    lambda o, m: m.OneCycleLR(o, 1.0),
    lambda o, m: m.OneCycleLR(o, 1.0, total_steps=0),
    lambda o, m: m.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=-1),
    lambda o, m: m.OneCycleLR(o, 1.0, total_steps=10, pct_start=1),
    lambda o, m: m.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="exp"),
    lambda o, m: m.ReduceLROnPlateau(o, factor=1.0),
    lambda o, m: m.ReduceLROnPlateau(o, mode="mid"),
    lambda o, m: m.ReduceLROnPlateau(o, threshold_mode="ratio"),
    lambda o, m: m.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda o, m: m.SequentialLR(o, [], []),
    lambda o, m: m.SequentialLR(o, [m.StepLR(o, 2)], [3]),
    lambda o, m: m.SequentialLR(o, [m.ReduceLROnPlateau(o)], []),
    lambda o, m: m.ChainedScheduler([]),
    lambda o, m: m.ChainedScheduler([m.StepLR(o, 2), m.ReduceLROnPlateau(o)]),
])
def test_construction_errors_match_torch(make):
    mine, theirs = _optimizers()
    with pytest.raises((ValueError, TypeError)) as et:
        make(theirs, torch.optim.lr_scheduler)
    with pytest.raises((ValueError, TypeError)) as ei:
        make(mine, lr_scheduler)
    assert type(ei.value) is type(et.value) and str(ei.value) == str(et.value)


def test_cyclic_requires_momentum_and_round_trips_its_state():
    p = nn.Parameter(insitu.ones(1))
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lr_scheduler.CyclicLR(optim.Rprop([p]), 0.1, 1.0)

    class Scale:
        def __init__(self):
            self.base = 0.9

        def __call__(self, x):
            return self.base ** x

    mine, _ = _optimizers()
    sched = lr_scheduler.CyclicLR(mine, 0.01, 0.1, step_size_up=3, scale_fn=Scale())
    state = sched.state_dict()
    assert state["_scale_fn_custom"] == {"base": 0.9} and "_scale_fn_ref" not in state
    sched._scale_fn_custom.base = 0.5
    sched.load_state_dict(state)
    assert sched._scale_fn_custom.base == 0.9
