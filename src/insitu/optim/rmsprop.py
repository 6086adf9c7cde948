"""RMSprop (plain or centered, with momentum), in PyTorch's update order."""
from ..creation import zeros_like
from ..ops import pointwise, unary  # noqa: F401  (declare the ops looked up below)
from ..ops.codegen import function
from .adam import _step_tensor
from .optimizer import Optimizer
from ._workspace import decayed_grad

addcmul, sqrt = function("addcmul"), function("sqrt")


class RMSprop(Optimizer):
    """RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
    maximize=False): divides the gradient by a running root mean square (centered: minus the
    running mean), with optional momentum, op for op as PyTorch's single-tensor update, in place."""
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, params):
        """PyTorch's `_single_tensor_rmsprop`, op for op, into the workspace."""
        lr, alpha, eps = float(group["lr"]), group["alpha"], group["eps"]
        wd, momentum, centered = group["weight_decay"], group["momentum"], group["centered"]
        ws = self._workspace
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["square_avg"] = zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = zeros_like(p)
                if centered:
                    state["grad_avg"] = zeros_like(p)
            grad = decayed_grad(p, group["maximize"], wd, ws)
            state["step"].add_(1)
            square_avg = state["square_avg"]
            square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            avg = ws.slot(p, 1)
            if centered:
                grad_avg = state["grad_avg"].lerp_(grad, 1 - alpha)
                sqrt(addcmul(square_avg, grad_avg, grad_avg, value=-1, out=avg), out=avg)
            else:
                sqrt(square_avg, out=avg)
            avg.add_(eps)
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf.mul_(momentum).addcdiv_(grad, avg)
                p.add_(buf, alpha=-lr)
            else:
                p.addcdiv_(grad, avg, value=-lr)
