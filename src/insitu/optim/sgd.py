"""SGD with momentum, dampening, Nesterov, weight decay and maximize (PyTorch's update order)."""
from ..core.tensor import Tensor
from ..ops import pointwise  # noqa: F401  (declares add, looked up below)
from ..ops.codegen import function
from .optimizer import Optimizer
from ._workspace import decayed_grad

add = function("add")


class SGD(Optimizer):
    """SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
    maximize=False): stochastic gradient descent with optional momentum (the buffer starts as the
    first gradient), Nesterov momentum and L2 weight decay, computed op for op as PyTorch's
    single-tensor update. Like every optimizer here, `step()` updates the parameters and state in
    place (each write bumps its tensor's version); `foreach`, `fused` are accepted and change
    nothing, `differentiable=True` is refused at step."""
    _scratch_slots = 1      # the decayed (or nesterov) gradient

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, group, params):
        """PyTorch's `_single_tensor_sgd`, op for op, into the workspace."""
        lr = float(group["lr"])
        momentum, dampening = group["momentum"], group["dampening"]
        wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        ws = self._workspace
        for p in params:
            grad = decayed_grad(p, maximize, wd, ws)
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = grad.detach().clone()
                else:
                    buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                if nesterov:
                    grad = add(grad, buf, alpha=momentum, out=ws.slot(p, 0))
                else:
                    grad = buf
            p.add_(grad, alpha=-lr)
