"""Adagrad with learning-rate decay, in PyTorch's update order."""
from ..creation import full_like
from .adam import _step_tensor
from ..ops import pointwise, unary  # noqa: F401  (declare the ops looked up below)
from ..ops.codegen import function
from .optimizer import Optimizer
from ._workspace import decayed_grad

sqrt = function("sqrt")


class Adagrad(Optimizer):
    """Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
    *, maximize=False): scales each step by the root of the summed squared gradients, op for op
    as PyTorch's single-tensor update (dense gradients), in place. As in PyTorch, the state is
    made when the optimizer is."""
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
        """PyTorch's `_single_tensor_adagrad` (dense gradients), op for op, into the workspace."""
        lr, lr_decay, eps, wd = float(group["lr"]), group["lr_decay"], group["eps"], \
            group["weight_decay"]
        ws = self._workspace
        for p in params:
            state = self.state[p]
            if not state:   # a group added after construction
                state["step"] = _step_tensor()
                state["sum"] = full_like(p, group["initial_accumulator_value"])
            step_t, state_sum = state["step"], state["sum"]
            step = step_t.add_(1).item()
            grad = decayed_grad(p, group["maximize"], wd, ws)
            clr = lr / (1 + (step - 1) * lr_decay)
            state_sum.addcmul_(grad, grad, value=1)
            std = sqrt(state_sum, out=ws.slot(p, 1)).add_(eps)
            # param.addcdiv_(grad, std, value=-clr): (value * grad) / std + param
            p.addcdiv_(grad, std, value=-clr)
