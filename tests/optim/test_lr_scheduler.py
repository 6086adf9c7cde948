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
]


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
    for _ in range(25):
        mine.step()
        theirs.step()
        s_m.step()
        s_t.step()
        lrs_m.append(s_m.get_last_lr())
        lrs_t.append(s_t.get_last_lr())
        assert [g["lr"] for g in mine.param_groups] == lrs_m[-1]
    assert lrs_m == lrs_t
    assert [g["initial_lr"] for g in mine.param_groups] == [0.1, 0.3]


@pytest.mark.parametrize("name,kw", SCHEDULES[:4])
def test_explicit_epoch_uses_closed_form_like_torch(name, kw):
    mine, theirs = _optimizers()
    s_m = getattr(lr_scheduler, name)(mine, **kw)
    s_t = getattr(torch.optim.lr_scheduler, name)(theirs, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (4, 9, 2):
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
