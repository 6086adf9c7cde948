"""Adamax (Adam with an infinity-norm second moment), in PyTorch's update order."""
from ..core.tensor import Tensor
from ..creation import zeros_like
from ..ops import pointwise, unary  # noqa: F401  (declare the ops looked up below)
from ..ops.codegen import function
from .adam import _step_tensor, check_adam_args
from .optimizer import Optimizer
from ._workspace import decayed_grad

abs_, maximum = function("abs"), function("maximum")


class Adamax(Optimizer):
    """Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False):
    Adam with an infinity-norm second moment, op for op as PyTorch's single-tensor update, in
    place."""
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, group, params):
        """PyTorch's `_single_tensor_adamax`, op for op, into the workspace."""
        lr, (beta1, beta2), eps = float(group["lr"]), group["betas"], group["eps"]
        ws = self._workspace
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["exp_avg"] = zeros_like(p)
                state["exp_inf"] = zeros_like(p)
            exp_avg, exp_inf, step_t = state["exp_avg"], state["exp_inf"], state["step"]
            step_t.add_(1)
            grad = decayed_grad(p, group["maximize"], group["weight_decay"], ws)
            exp_avg.lerp_(grad, 1 - beta1)
            # torch.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps), out=exp_inf)
            norm = abs_(grad, out=ws.slot(p, 1)).add_(eps)
            maximum(exp_inf.mul_(beta2), norm, out=exp_inf)
            clr = lr / (1 - beta1 ** step_t.item())
            p.addcdiv_(exp_avg, exp_inf, value=-clr)
