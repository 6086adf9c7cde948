"""Adam and AdamW (decoupled weight decay), with amsgrad and maximize (PyTorch's update order)."""
from ..autograd.versions import write
from ..backend import xp
from ..core import dtypes
from ..core.tensor import Tensor
from ..creation import from_numpy, tensor, zeros_like
from ..ops import pointwise, unary  # noqa: F401  (declare the ops looked up below)
from ..ops.codegen import function
from .optimizer import Optimizer
from ._fused import fma_arrays, fma_scalar, fusable, sweep, write_each
from ._workspace import decayed_grad

maximum, sqrt = function("maximum"), function("sqrt")
_SQRT = sqrt


def _step_tensor(value=0.0):
    """A 0-dim state tensor (a step count, NAdam's mu_product...) in PyTorch's scalar dtype:
    float64 when that is the default dtype, float32 otherwise."""
    dt = dtypes.float64 if dtypes.get_default_dtype() is dtypes.float64 else dtypes.float32
    return tensor(value, dtype=dt)


def check_adam_args(lr, betas, eps, weight_decay):
    """The argument checks the Adam family shares, with PyTorch's messages."""
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


class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
    maximize=False, decoupled_weight_decay=False): Adam with bias correction, optional AMSGrad
    and L2 (or, with `decoupled_weight_decay`, AdamW's) weight decay, op for op as PyTorch's
    single-tensor update; parameters and state are updated in place. `foreach`, `fused` and
    `capturable` are accepted and change nothing."""
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_adam_args(lr, betas, eps, weight_decay)
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

    _scratch_slots = 0      # the fused update needs none; the op-by-op one reserves its two

    def _update(self, group, params):
        lr, (beta1, beta2), eps = float(group["lr"]), group["betas"], group["eps"]
        wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        root = xp.sqrt if sqrt is _SQRT else _tensor_sqrt
        numbers = not isinstance(beta1, Tensor) and not isinstance(beta2, Tensor)
        slow = []
        for p in params:
            state = self._state_for(p, amsgrad)
            exp_avg, exp_avg_sq, step_t = state["exp_avg"], state["exp_avg_sq"], state["step"]
            tensors = [p, p._grad, exp_avg, exp_avg_sq]
            if amsgrad:
                tensors.append(state["max_exp_avg_sq"])
            if not (numbers and fusable(*tensors)):
                slow.append(p)
                continue
            write(step_t, "add_", xp.add, step_t._data, 1, step_t._data)
            step = float(step_t._data)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2 ** 0.5
            dt = p._data.dtype
            writes = [(p, "mul_")] if wd != 0 and decoupled else []
            writes += [(p, "addcdiv_"), (exp_avg, "lerp_"), (exp_avg_sq, "mul_"),
                       (exp_avg_sq, "addcmul_")]
            if amsgrad:
                writes.append((tensors[4], "maximum"))
            w = dt.type(1 - beta1)
            small = abs(w) < 0.5                # lerp's two formulas, as PyTorch's kernel
            scalars = (
                maximize, float(dt.type(wd)) if wd != 0 and not decoupled else None,
                dt.type(1 - lr * wd) if wd != 0 and decoupled else None,
                float(w if small else w - dt.type(1)), small, dt.type(beta2),
                dt.type(1 - beta2), root, dt.type(bias_correction2_sqrt), dt.type(eps),
                dt.type(-step_size))
            write_each(writes, sweep, _adam_amsgrad_block if amsgrad else _adam_block,
                       [t._data for t in tensors], scalars)
        if slow:
            self._update_op_by_op(group, slow)

    def _update_op_by_op(self, group, params):
        """PyTorch's `_single_tensor_adam`, op for op, into the workspace (any dtype, views,
        non-contiguous memory)."""
        lr, (beta1, beta2), eps = float(group["lr"]), group["betas"], group["eps"]
        wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        ws = self._workspace
        ws.reserve(params, 2)
        for p in params:
            state = self._state_for(p, amsgrad)
            grad = decayed_grad(p, maximize, 0 if decoupled else wd, ws)
            exp_avg, exp_avg_sq, step_t = state["exp_avg"], state["exp_avg_sq"], state["step"]
            step_t.add_(1)
            if wd != 0 and decoupled:
                p.mul_(1 - lr * wd)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            step = step_t.item()
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2 ** 0.5
            if amsgrad:
                max_exp_avg_sq = state["max_exp_avg_sq"]
                maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                exp_avg_sq = max_exp_avg_sq
            denom = sqrt(exp_avg_sq, out=ws.slot(p, 1)).div_(bias_correction2_sqrt).add_(eps)
            p.addcdiv_(exp_avg, denom, value=-step_size)


def _tensor_sqrt(a, out):
    """The update's square root through the module's `sqrt` (a tensor function), when it is not
    the table op."""
    sqrt(from_numpy(a), out=from_numpy(out))


def _adam_block(p, g, m, v, T, U, A, C, maximize, l2, decay, w1, small, beta2, value2, root,
                bc2, eps, neg_step):
    """`_single_tensor_adam` on one block: the decayed gradient, then
    exp_avg.lerp_(grad, 1 - beta1), exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2),
    denom = sqrt(exp_avg_sq) / bias_correction2_sqrt + eps, param.addcdiv_(exp_avg, denom,
    -step_size). T and U are buffers of p's dtype, A and C float64 ones."""
    g = _decayed(p, g, T, A, C, maximize, l2, decay)
    _moments(g, m, v, U, A, C, w1, small, beta2, value2)
    _step(p, m, v, T, U, root, bc2, eps, neg_step)


def _adam_amsgrad_block(p, g, m, v, vmax, T, U, A, C, maximize, l2, decay, w1, small, beta2,
                        value2, root, bc2, eps, neg_step):
    """`_adam_block` with amsgrad: the denominator comes from the running maximum of
    exp_avg_sq."""
    g = _decayed(p, g, T, A, C, maximize, l2, decay)
    _moments(g, m, v, U, A, C, w1, small, beta2, value2)
    xp.maximum(vmax, v, out=vmax)
    _step(p, m, vmax, T, U, root, bc2, eps, neg_step)


def _decayed(p, g, T, A, C, maximize, l2, decay):
    """The gradient the update uses (negated when maximizing, plus weight_decay * param for
    Adam's L2 decay), in T unless it is the gradient itself; AdamW decays the parameter."""
    if maximize:
        g = xp.negative(g, out=T)
    if l2 is not None:
        fma_scalar(T, p, l2, g, A, C)
        g = T
    if decay is not None:
        xp.multiply(p, decay, out=p)
    return g


def _moments(g, m, v, U, A, C, w1, small, beta2, value2):
    """exp_avg.lerp_(grad, 1 - beta1) (self + w * (end - self) for w < 0.5, else
    end - (end - self) * (1 - w)), exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)."""
    xp.subtract(g, m, out=U)
    fma_scalar(m, U, w1, m if small else g, A, C)
    xp.multiply(v, beta2, out=v)
    xp.multiply(g, value2, out=U)           # addcmul: self + (value * tensor1) * tensor2
    fma_arrays(v, U, g, v, A, C)


def _step(p, m, v, T, U, root, bc2, eps, neg_step):
    """denom = sqrt(v) / bias_correction2_sqrt + eps; param.addcdiv_(exp_avg, denom, -step)."""
    root(v, U)
    U /= bc2
    U += eps
    xp.multiply(m, neg_step, out=T)        # addcdiv: (value * tensor1) / tensor2 + self
    T /= U
    p += T


class AdamW(Adam):
    """AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
    maximize=False): Adam with decoupled weight decay (the parameter is multiplied by 1 - lr *
    weight_decay before the update), as torch.optim.AdamW."""
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
