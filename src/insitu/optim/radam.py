"""RAdam (Adam with the variance of its adaptive rate rectified), in PyTorch's update order,
with L2 or decoupled weight decay."""
from ..core.tensor import Tensor
from ..creation import zeros_like
from ..ops import pointwise, unary  # noqa: F401  (declare the ops looked up below)
from ..ops.codegen import function
from .adam import _step_tensor, check_adam_args
from .optimizer import Optimizer
from ._workspace import decayed_grad

div, sqrt = function("div"), function("sqrt")


class RAdam(Optimizer):
    """RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    decoupled_weight_decay=False, *, maximize=False): Adam with the variance of the adaptive rate
    rectified (plain momentum steps until it is tractable), op for op as PyTorch's single-tensor
    update, in place."""
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, params):
        """PyTorch's `_single_tensor_radam`, op for op, into the workspace: the update
        `exp_avg / bc1 * lr * (sqrt(bc2) / (sqrt(exp_avg_sq) + eps)) * rect` is built in slot 1
        one product at a time, as PyTorch's expression evaluates (its `number / tensor` is
        `tensor.reciprocal() * number`)."""
        lr, (beta1, beta2), eps = float(group["lr"]), group["betas"], group["eps"]
        wd, decoupled = group["weight_decay"], group["decoupled_weight_decay"]
        ws = self._workspace
        rho_inf = 2 / (1 - beta2) - 1
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            grad = decayed_grad(p, group["maximize"], 0 if decoupled else wd, ws)
            step = state["step"].add_(1).item()
            if wd != 0 and decoupled:
                p.mul_(1 - lr * wd)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            update = div(exp_avg, bias_correction1, out=ws.slot(p, 1)).mul_(lr)
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
            if rho_t > 5.0:
                adaptive = sqrt(exp_avg_sq, out=ws.slot(p, 2)).add_(eps).reciprocal_()
                update.mul_(adaptive.mul_(bias_correction2 ** 0.5))
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                update.mul_(rect)
            p.add_(update, alpha=-1.0)
