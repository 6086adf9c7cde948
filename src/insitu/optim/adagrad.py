"""Adagrad with learning-rate decay, in PyTorch's update order."""
from ..backend import xp
from ..creation import full_like
from .adam import _step_tensor
from .optimizer import Optimizer
from ._workspace import decayed_grad, touch


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        # PyTorch creates Adagrad's state eagerly
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _step_tensor()
                state["sum"] = full_like(p, group["initial_accumulator_value"])

    def _update(self, group, params):
        lr, lr_decay, eps, wd = float(group["lr"]), group["lr_decay"], group["eps"], \
            group["weight_decay"]
        ws = self._workspace
        for p in params:
            state = self.state[p]
            if not state:   # a group added after construction
                state["step"] = _step_tensor()
                state["sum"] = full_like(p, group["initial_accumulator_value"])
            step_t, acc = state["step"], state["sum"]
            step_t._data += 1
            touch(step_t)
            step = step_t.item()
            s0_t, s0 = ws.slot(p, 0)
            s1 = ws.slot(p, 1)[1]
            g = decayed_grad(p, group["maximize"], wd, ws, s0)
            clr = lr / (1 + (step - 1) * lr_decay)
            acc._data += xp.multiply(g, g, out=s1)
            touch(acc)
            std = xp.sqrt(acc._data, out=s1)
            std += eps
            xp.multiply(g, -clr, out=s0)               # addcdiv_(grad, std, value=-clr)
            s0 /= std
            p.add_(s0_t)
