"""Backward functions with a node of their own, as PyTorch's: `tanh_backward`,
`sigmoid_backward`, `_softmax_backward_data`, `_log_softmax_backward_data`, `hardtanh_backward`.

The first-order formulas of tanh, sigmoid, softmax, log_softmax and hardtanh call these, and
`masked` makes such a function of a rectifier's formula (relu, threshold, leaky_relu, the
shrinks: a mask or a slope of the saved tensor applied to the gradient). On
arrays (no graph is built) they are plain expressions. On tensors they compute the same values
without recording the steps, then record one node (TanhBackwardBackward0, ...) over the incoming
gradient and the tensor the first-order node saved, so a double backward meets PyTorch's node,
whose result requires grad when either of them does (hardtanh's input too, with a zero
gradient).
"""
import inspect

from ..autograd.grad_mode import mode
from ..backend import xp
from .derivatives import Derivative, record


def _untracked(fn, *args):
    prev = mode.grad
    mode.grad = False
    try:
        return fn(*args)
    finally:
        mode.grad = prev


def _tanh(grad, output):
    return grad * (1 - output * output)


def tanh_backward(grad, output):
    if isinstance(grad, xp.ndarray):
        return _tanh(grad, output)
    return record(_TANH, (grad, output), _untracked(_tanh, grad, output))


def _sigmoid(grad, output):
    if isinstance(grad, xp.ndarray):        # rounded in PyTorch's order, in one buffer
        t = xp.subtract(1, output, dtype=output.dtype)
        t *= grad
        t *= output
        return t
    return grad * (1 - output) * output


def sigmoid_backward(grad, output):
    if isinstance(grad, xp.ndarray):
        return _sigmoid(grad, output)
    return record(_SIGMOID, (grad, output), _untracked(_sigmoid, grad, output))


def _softmax(grad, output, dim):
    arrays = isinstance(grad, xp.ndarray)          # no graph: one temporary, in place
    if (output if arrays else output._data).ndim == 0:
        return grad * 0
    if arrays:
        t = grad * output
        xp.subtract(grad, t.sum(dim, keepdims=True), out=t)
        t *= output
        return t
    return output * (grad - (grad * output).sum(dim, keepdim=True))


def softmax_backward_data(grad, output, dim):
    if isinstance(grad, xp.ndarray):
        return _softmax(grad, output, dim)
    return record(_SOFTMAX, (grad, output), _untracked(_softmax, grad, output, dim),
                  {"dim": dim})


def _log_softmax(grad, output, dim):
    arrays = isinstance(grad, xp.ndarray)
    if (output if arrays else output._data).ndim == 0:
        return grad * 0
    if arrays:
        e = xp.exp(output)
        e *= grad.sum(dim, keepdims=True)
        return xp.subtract(grad, e, out=e)
    return grad - output.exp() * grad.sum(dim, keepdim=True)


def log_softmax_backward_data(grad, output, dim):
    if isinstance(grad, xp.ndarray):
        return _log_softmax(grad, output, dim)
    return record(_LOG_SOFTMAX, (grad, output), _untracked(_log_softmax, grad, output, dim),
                  {"dim": dim})


def _hardtanh(grad, self, min_val, max_val):
    """No gradient at or beyond the bounds, all of it elsewhere (NaN included)."""
    out = (self <= min_val) | (self >= max_val)
    if isinstance(grad, xp.ndarray):
        return xp.where(out, grad.dtype.type(0), grad)
    return grad.masked_fill(out, 0)


def hardtanh_backward(grad, self, min_val, max_val):
    if isinstance(grad, xp.ndarray):
        return _hardtanh(grad, self, min_val, max_val)
    return record(_HARDTANH, (grad, self), _untracked(_hardtanh, grad, self, min_val, max_val),
                  {"min_val": min_val, "max_val": max_val})


def _softmax_double_backward(grad, grad_output, dim, output):
    return grad_output * grad - (output * grad_output).sum(dim, keepdim=True) * grad \
        - grad_output * (output * grad).sum(dim, keepdim=True)


# the nodes, with PyTorch's derivatives.yaml formulas for the backward functions themselves
_TANH = Derivative("TanhBackwardBackward0", {
    "grad_output": lambda grad, output: tanh_backward(grad, output),
    "output": lambda grad, grad_output, output: grad * (-2 * output * grad_output)},
    inputs=("grad_output", "output"))
_SIGMOID = Derivative("SigmoidBackwardBackward0", {
    "grad_output": lambda grad, output: sigmoid_backward(grad, output),
    "output": lambda grad, grad_output, output: grad * grad_output * (-2 * output + 1)},
    inputs=("grad_output", "output"))
_SOFTMAX = Derivative("SoftmaxBackwardDataBackward0", {
    "grad_output": lambda grad, output, dim: softmax_backward_data(grad, output, dim),
    "output": lambda grad, grad_output, dim, output:
    _softmax_double_backward(grad, grad_output, dim, output)},
    inputs=("grad_output", "output"))
_LOG_SOFTMAX = Derivative("LogSoftmaxBackwardDataBackward0", {
    "grad_output": lambda grad, output, dim: grad - (grad * output.exp()).sum(dim, keepdim=True),
    "output": lambda grad, grad_output, dim, output:
    -grad_output.sum(dim, keepdim=True) * output.exp() * grad},
    inputs=("grad_output", "output"))
_HARDTANH = Derivative("HardtanhBackwardBackward0", {
    "grad_output": lambda grad, self, min_val, max_val:
    hardtanh_backward(grad, self, min_val, max_val),
    "self": lambda grad: grad.new_zeros(grad._data.shape)},
    inputs=("grad_output", "self"))


def masked(node, compute, saved, values=()):
    """The first-order formula `compute(grad, <saved>, *values)` of an activation whose gradient
    is the incoming one masked or scaled by the saved tensor (PyTorch's threshold_backward,
    leaky_relu_backward, ...), as a function with a node of its own (`node`): its gradient
    passes through the same function again, and the saved tensor's is zeros."""
    def formula(grad, x, *vals):
        if isinstance(grad, xp.ndarray):
            return compute(grad, x, *vals)
        return record(d, (grad, x), _untracked(compute, grad, x, *vals), dict(zip(values, vals)))

    def again(grad, self, *vals):
        return formula(grad, self, *vals)

    def params(*names):
        return inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                  for n in names])
    formula.__signature__ = params("grad", saved, *values)   # what the first-order node reads
    again.__signature__ = params("grad", "self", *values)
    d = Derivative(node, {"grad_output": again,
                          "self": lambda grad: grad.new_zeros(grad._data.shape)},
                   inputs=("grad_output", "self"))
    return formula
