"""Adam and AdamW (decoupled weight decay), with amsgrad and maximize (PyTorch's update order)."""
from ..backend import xp
from ..core import dtypes
from ..creation import tensor, zeros_like
from .optimizer import Optimizer
from ._workspace import decayed_grad, touch


def _step_tensor():
    dt = dtypes.float64 if dtypes.get_default_dtype() is dtypes.float64 else dtypes.float32
    return tensor(0.0, dtype=dt)


def lerp_(a, end, weight, scratch):
    """a.lerp_(end, weight) for a Python float weight, in PyTorch's two-branch form."""
    xp.subtract(end, a, out=scratch)
    if abs(weight) < 0.5:
        scratch *= weight
        a += scratch
    else:
        scratch *= weight - 1
        xp.add(end, scratch, out=a)


def addcmul_(a, t1, t2, value, scratch):
    """a += value * t1 * t2 (multiplied in that order, as PyTorch's kernel does)."""
    xp.multiply(t1, value, out=scratch)
    scratch *= t2
    a += scratch


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _state_for(self, p, amsgrad):
        state = self.state[p]
        if not state:
            state["step"] = _step_tensor()
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = zeros_like(p)
        return state

    def _update(self, group, params):
        lr, (beta1, beta2), eps = float(group["lr"]), group["betas"], group["eps"]
        wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        ws = self._workspace
        for p in params:
            state = self._state_for(p, amsgrad)
            s0_t, s0 = ws.slot(p, 0)
            s1 = ws.slot(p, 1)[1]
            g = decayed_grad(p, maximize, 0 if decoupled else wd, ws, s0)
            step_t = state["step"]
            step_t._data += 1
            touch(step_t)
            if wd != 0 and decoupled:
                p.mul_(1 - lr * wd)
            m, v = state["exp_avg"], state["exp_avg_sq"]
            lerp_(m._data, g, 1 - beta1, s1)
            v._data *= beta2
            addcmul_(v._data, g, g, 1 - beta2, s1)
            touch(m)
            touch(v)
            step = step_t.item()
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2 ** 0.5
            if amsgrad:
                vmax = state["max_exp_avg_sq"]
                xp.maximum(vmax._data, v._data, out=vmax._data)
                touch(vmax)
                src = vmax._data
            else:
                src = v._data
            denom = xp.sqrt(src, out=s1)
            denom /= bias_correction2_sqrt
            denom += eps
            # param.addcdiv_(exp_avg, denom, value=-step_size): (value * exp_avg) / denom
            xp.multiply(m._data, -step_size, out=s0)
            s0 /= denom
            p.add_(s0_t)


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
