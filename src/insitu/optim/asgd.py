"""ASGD (averaged SGD), in PyTorch's update order."""
from ..core.tensor import Tensor
from ..creation import zeros_like
from ..ops import pointwise  # noqa: F401  (declares sub, looked up below)
from ..ops.codegen import function
from .adam import _step_tensor
from .optimizer import Optimizer
from ._workspace import decayed_grad

sub = function("sub")


class ASGD(Optimizer):
    """ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False):
    averaged SGD: decayed steps, with the running average of the parameters kept in state "ax"
    (averaging starts after t0 steps), op for op as PyTorch's single-tensor update, in place."""
    _scratch_slots = 2      # the decayed gradient, param - ax

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, group, params):
        """PyTorch's `_single_tensor_asgd`, op for op, into the workspace."""
        lr, lambd, alpha, t0 = float(group["lr"]), group["lambd"], group["alpha"], group["t0"]
        ws = self._workspace
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["eta"] = _step_tensor(lr)
                state["mu"] = _step_tensor(1.0)
                state["ax"] = zeros_like(p)
            eta, mu, ax, step_t = state["eta"], state["mu"], state["ax"], state["step"]
            grad = decayed_grad(p, group["maximize"], group["weight_decay"], ws)
            step_t.add_(1)
            eta_value = eta.item()
            p.mul_(1 - lambd * eta_value)              # decay term
            p.add_(grad, alpha=-eta_value)             # update parameter
            if mu.item() != 1:                         # averaging
                ax.add_(sub(p, ax, out=ws.slot(p, 1)).mul_(mu))
            else:
                ax.copy_(p)
            step = step_t.item()
            eta.fill_(lr / ((1 + lambd * lr * step) ** alpha))
            mu.fill_(1 / max(1, step - t0))
