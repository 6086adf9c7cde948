"""NAdam (Adam with Nesterov momentum and momentum decay), in PyTorch's update order, with
L2 or decoupled weight decay."""
from ..core.tensor import Tensor
from ..creation import zeros_like
from ..ops import pointwise, unary  # noqa: F401  (declare the ops looked up below)
from ..ops.codegen import function
from .adam import _step_tensor, check_adam_args
from .optimizer import Optimizer
from ._workspace import decayed_grad

div = function("div")


class NAdam(Optimizer):
    """NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
    decoupled_weight_decay=False, *, maximize=False): Adam with Nesterov momentum and momentum
    decay, L2 or decoupled weight decay, op for op as PyTorch's single-tensor update, in place."""
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_adam_args(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, params):
        """PyTorch's `_single_tensor_nadam`, op for op, into the workspace."""
        lr, (beta1, beta2), eps = float(group["lr"]), group["betas"], group["eps"]
        wd, decoupled = group["weight_decay"], group["decoupled_weight_decay"]
        momentum_decay = group["momentum_decay"]
        ws = self._workspace
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["mu_product"] = _step_tensor(1.0)
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            mu_product = state["mu_product"]
            grad = decayed_grad(p, group["maximize"], 0 if decoupled else wd, ws)
            step = state["step"].add_(1).item()
            bias_correction2 = 1 - beta2 ** step
            if wd != 0 and decoupled:
                p.mul_(1 - lr * wd)
            # the momentum cache mu_t and mu_{t+1}
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mu_product.mul_(mu)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = div(exp_avg_sq, bias_correction2, out=ws.slot(p, 1)).sqrt_()
            mu_product_value = mu_product.item()
            mu_product_next = mu_product_value * mu_next
            denom.add_(eps)
            p.addcdiv_(grad, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product_value))
            p.addcdiv_(exp_avg, denom, value=(-lr * mu_next) / (1.0 - mu_product_next))
