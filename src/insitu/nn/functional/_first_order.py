"""Gradients that PyTorch cannot differentiate again (multi_margin_loss, multilabel_margin_loss,
ctc_loss): computed on arrays, and, when a graph is being built, given a `NotImplemented` node
that raises PyTorch's error if something backpropagates through it, as PyTorch's does."""
from ...autograd.grad_mode import mode
from ...core.tensor import wrap
from ...ops.derivatives import Derivative, record


def _refuse(message):
    raise RuntimeError(message)


_NOT_IMPLEMENTED = Derivative("NotImplemented", {("grad", "self"): _refuse},
                              inputs=("grad", "self"))


def first_order_gradient(arr, dt, op, grad, input):
    """`arr` as the gradient of `input` from the incoming `grad` (tensors); with a graph, a
    node that refuses a second differentiation of aten::`op`."""
    out = wrap(arr, dt)
    if mode.grad:
        record(_NOT_IMPLEMENTED, (grad, input), out,
               {"message": f"derivative for aten::{op} is not implemented"})
    return out


def refuse_grad(t, name, fn):
    """PyTorch's refusal of an input its function has no derivative for (only in grad mode)."""
    if t is not None and mode.grad and t.requires_grad:
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument "
                           f"'{name}'. This input cannot have requires_grad True.")
