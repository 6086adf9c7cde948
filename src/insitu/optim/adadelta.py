"""Adadelta, in PyTorch's update order."""
from ..creation import zeros_like
from ..ops import pointwise, unary  # noqa: F401  (declare the ops looked up below)
from ..ops.codegen import function
from ..core.tensor import Tensor
from .adam import _step_tensor
from .optimizer import Optimizer
from ._workspace import decayed_grad

add = function("add")


class Adadelta(Optimizer):
    """Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False): steps scaled
    by the ratio of running RMS of updates and of gradients, op for op as PyTorch's single-tensor
    update, in place."""
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, params):
        """PyTorch's `_single_tensor_adadelta`, op for op, into the workspace."""
        lr, rho, eps, wd = float(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
        ws = self._workspace
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["square_avg"] = zeros_like(p)
                state["acc_delta"] = zeros_like(p)
            square_avg, acc_delta = state["square_avg"], state["acc_delta"]
            state["step"].add_(1)
            grad = decayed_grad(p, group["maximize"], wd, ws)
            square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
            std = add(square_avg, eps, out=ws.slot(p, 1)).sqrt_()
            delta = add(acc_delta, eps, out=ws.slot(p, 2)).sqrt_()
            delta.div_(std).mul_(grad)
            acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
            p.add_(delta, alpha=-lr)
