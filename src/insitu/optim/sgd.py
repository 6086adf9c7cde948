"""SGD with momentum, dampening, Nesterov, weight decay and maximize (PyTorch's update order)."""
from ..backend import xp
from ..core.tensor import Tensor
from ..creation import tensor
from .optimizer import Optimizer
from ._workspace import decayed_grad, touch


class SGD(Optimizer):
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
        lr = float(group["lr"])
        momentum, dampening = group["momentum"], group["dampening"]
        wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        ws = self._workspace
        for p in params:
            s0_t, s0 = ws.slot(p, 0)
            g = decayed_grad(p, maximize, wd, ws, s0)
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = tensor(g, dtype=p._dtype)
                else:
                    b = buf._data
                    b *= momentum
                    if dampening == 0:
                        b += g
                    else:
                        s1 = ws.slot(p, 1)[1]
                        b += xp.multiply(g, 1 - dampening, out=s1)
                    touch(buf)
                    touch(buf)
                if nesterov:
                    s1 = ws.slot(p, 1)[1]
                    xp.multiply(buf._data, momentum, out=s1)
                    g = xp.add(g, s1, out=s0)           # grad + momentum * buf
                else:
                    g = buf._data
            xp.multiply(g, -lr, out=s0)
            p.add_(s0_t)
