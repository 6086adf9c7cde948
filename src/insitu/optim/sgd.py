"""SGD with momentum, dampening, Nesterov, weight decay and maximize (PyTorch's update order)."""
from ..backend import xp
from ..core.tensor import Tensor
from ..ops import pointwise  # noqa: F401  (declares add, looked up below)
from ..ops.codegen import function
from .optimizer import Optimizer
from ._fused import FUSED_DTYPES, fma_scalar, fusable, prepare, sweep, write_each
from ._workspace import decayed_grad

add = function("add")


class SGD(Optimizer):
    """SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
    maximize=False): stochastic gradient descent with optional momentum (the buffer starts as the
    first gradient), Nesterov momentum and L2 weight decay, computed op for op as PyTorch's
    single-tensor update. Like every optimizer here, `step()` updates the parameters and state in
    place (each write bumps its tensor's version); `foreach`, `fused` are accepted and change
    nothing, `differentiable=True` is refused at step."""
    _scratch_slots = 0      # the fused update needs none; the op-by-op one reserves its one

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
        slow = []
        for p in params:
            buf = self.state[p].get("momentum_buffer") if momentum != 0 else None
            if momentum != 0 and buf is None:
                slow.append(p)      # the first step clones the gradient into the buffer
                if p._data.dtype in FUSED_DTYPES:
                    prepare(p._data.dtype, p._data.size)    # made now, not at the next step
                continue
            if not fusable(p, p._grad, *((buf,) if momentum != 0 else ())):
                slow.append(p)
                continue
            dt = p._data.dtype
            l2 = float(dt.type(wd)) if wd != 0 else None
            if momentum == 0:
                write_each(((p, "add_"),), sweep, _sgd_block, (p._data, p._grad._data),
                           (maximize, l2, float(dt.type(-lr))))
                continue
            alpha = 1 - dampening
            scalars = (maximize, l2, dt.type(momentum), None if alpha == 1 else
                       float(dt.type(alpha)), float(dt.type(momentum)) if nesterov else None,
                       float(dt.type(-lr)))
            write_each(((p, "add_"), (buf, "mul_"), (buf, "add_")), sweep, _momentum_block,
                       (p._data, p._grad._data, buf._data), scalars)
        if slow:
            self._update_op_by_op(group, slow)

    def _update_op_by_op(self, group, params):
        """PyTorch's `_single_tensor_sgd`, op for op, into the workspace (the first step with
        momentum, any dtype, views, non-contiguous memory)."""
        lr = float(group["lr"])
        momentum, dampening = group["momentum"], group["dampening"]
        wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        ws = self._workspace
        if maximize or wd != 0 or nesterov:
            ws.reserve(params, 1)
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


def _decayed(p, g, T, A, C, maximize, l2):
    """The gradient the update uses: negated when maximizing, plus weight_decay * param
    (PyTorch's grad.add(param, alpha=weight_decay)), in T unless it is the gradient itself."""
    if maximize:
        g = xp.negative(g, out=T)
    if l2 is not None:
        fma_scalar(T, p, l2, g, A, C)
        g = T
    return g


def _sgd_block(p, g, T, U, A, C, maximize, l2, neg_lr):
    """param.add_(grad, alpha=-lr) on one block."""
    fma_scalar(p, _decayed(p, g, T, A, C, maximize, l2), neg_lr, p, A, C)


def _momentum_block(p, g, buf, T, U, A, C, maximize, l2, momentum, alpha, nesterov, neg_lr):
    """buf.mul_(momentum).add_(grad, alpha=1 - dampening), then param.add_(buf, alpha=-lr), or
    with Nesterov param.add_(grad.add(buf, alpha=momentum), alpha=-lr), on one block."""
    g = _decayed(p, g, T, A, C, maximize, l2)
    xp.multiply(buf, momentum, out=buf)
    if alpha is None:
        buf += g
    else:
        fma_scalar(buf, g, alpha, buf, A, C)
    if nesterov is not None:
        fma_scalar(T, buf, nesterov, g, A, C)
    fma_scalar(p, buf if nesterov is None else T, neg_lr, p, A, C)
