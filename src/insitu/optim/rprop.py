"""Rprop (resilient backpropagation: a step size per element, grown or shrunk by the sign of
successive gradients), in PyTorch's update order."""
from ..core.tensor import Tensor
from ..creation import full_like, zeros_like
from ..ops import logical, pointwise, unary  # noqa: F401  (declare the ops looked up below)
from ..ops.codegen import function
from .adam import _step_tensor
from .optimizer import Optimizer
from ._workspace import decayed_grad

mul, sign, gt, lt, eq = (function(n) for n in ("mul", "sign", "gt", "lt", "eq"))


class Rprop(Optimizer):
    """Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False): resilient
    backpropagation: a step size per element, grown by etas[1] while the gradient keeps its sign
    and shrunk by etas[0] when it flips (then that element does not move), clamped to
    `step_sizes`; op for op as PyTorch's single-tensor update, in place."""
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, group, params):
        """PyTorch's `_single_tensor_rprop`, op for op, into the workspace; its boolean-mask
        assignments (`sign[sign.gt(0)] = etaplus`) are masked fills through a boolean slot."""
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        ws = self._workspace
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = _step_tensor()
                state["prev"] = zeros_like(p)
                state["step_size"] = full_like(p, float(group["lr"]))
            prev, step_size = state["prev"], state["step_size"]
            state["step"].add_(1)
            grad = decayed_grad(p, group["maximize"], 0, ws)
            mask = ws.mask(p, 0)
            s = mul(grad, prev, out=ws.slot(p, 1)).sign_()
            s.masked_fill_(gt(s, 0, out=mask), etaplus)
            s.masked_fill_(lt(s, 0, out=mask), etaminus)
            s.masked_fill_(eq(s, 0, out=mask), 1)
            step_size.mul_(s).clamp_(step_size_min, step_size_max)
            # for dir < 0, dfdx = 0; for dir >= 0, dfdx = dfdx
            g = ws.slot(p, 2).copy_(grad)
            g.masked_fill_(eq(s, etaminus, out=mask), 0)
            p.addcmul_(sign(g, out=s), step_size, value=-1)
            prev.copy_(g)
