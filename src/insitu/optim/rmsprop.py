"""RMSprop (plain or centered, with momentum), in PyTorch's update order."""
from ..backend import xp
from ..creation import zeros_like
from .adam import _step_tensor, addcmul_, lerp_
from .optimizer import Optimizer
from ._workspace import decayed_grad, touch


class RMSprop(Optimizer):
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
            s0_t, s0 = ws.slot(p, 0)
            s1 = ws.slot(p, 1)[1]
            g = decayed_grad(p, group["maximize"], wd, ws, s0)
            state["step"]._data += 1
            touch(state["step"])
            sq = state["square_avg"]
            sq._data *= alpha
            addcmul_(sq._data, g, g, 1 - alpha, s1)
            touch(sq)
            if centered:
                ga = state["grad_avg"]
                lerp_(ga._data, g, 1 - alpha, s1)
                touch(ga)
                # square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                avg = xp.negative(ga._data, out=s1)
                avg *= ga._data
                avg += sq._data
                xp.sqrt(avg, out=avg)
            else:
                avg = xp.sqrt(sq._data, out=s1)
            avg += eps
            if momentum > 0:
                buf = state["momentum_buffer"]
                b = buf._data
                b *= momentum
                b += xp.divide(g, avg, out=s1)          # addcdiv_(grad, avg)
                touch(buf)
                xp.multiply(b, -lr, out=s0)
            else:
                # param.addcdiv_(grad, avg, value=-lr): (-lr * grad) / avg
                xp.multiply(g, -lr, out=s0)
                s0 /= avg
            p.add_(s0_t)
