"""Integration along a dim by the trapezoidal rule: trapezoid (trapz) and cumulative_trapezoid.

Both are PyTorch's composites of slices, sums and products, written here with the same insitu
ops, so their gradients (and grad_fn names) come from those ops. Where PyTorch multiplies or
divides by a C++ double (the Scalar overloads, MulBackward1 / DivBackward1), so does this.
"""
from ..autograd.grad_mode import no_grad
from ..core.tensor import Tensor, _wrap_dim
from ..creation import zeros
from .derivatives import Derivative, record

MUL_SCALAR = Derivative("MulBackward1", {"self": lambda grad, other: grad * other})
DIV_SCALAR = Derivative("DivBackward1", {"self": lambda grad, other: grad / other})


def _by_scalar(derivative, t, s, divide):
    """t * s or t / s for a Python number s, recorded as PyTorch's Scalar overload."""
    with no_grad():
        out = t / s if divide else t * s
    return record(derivative, (t,), out, {"other": s})


def _slices(y, dim):
    n = y._data.shape[dim]
    return y.narrow(dim, 1, n - 1), y.narrow(dim, 0, n - 1)


def _spacing(name, y, x, dim):
    """The differences of the sample points x, shaped to broadcast against y's along dim."""
    if x._dtype.name == "bool" or y._dtype.name == "bool":
        raise RuntimeError(f"{name}: received a bool input for `x` or `y`, but bool is not "
                           "supported")
    nd = y._data.ndim
    if x._data.ndim == 1:
        if x._data.shape[0] != y._data.shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * nd
        shape[dim] = x._data.shape[0]
        x = x.view(shape)
    elif x._data.ndim < nd:
        x = x.view((1,) * (nd - x._data.ndim) + x._data.shape)
    right, left = _slices(x, dim)
    return right - left


def _scalar_dx(name, y, x, dx):
    """The spacing as a number: `dx`, or a number passed for `x`; 1 by default."""
    if x is not None:
        dx = x
    if y._dtype.name == "bool":
        raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")
    if isinstance(dx, (bool, complex)):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")
    return 1.0 if dx is None else float(dx)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """insitu.trapezoid(y, x=None, *, dx=None, dim=-1), also `trapz`: the trapezoidal rule along
    `dim`, with sample points `x` (a tensor) or a constant spacing (`dx`, or a number given as
    `x`; 1 by default). Composed of differentiable ops."""
    d = _wrap_dim(dim, y._data.ndim, scalar_ok=False)
    if y._data.shape[d] == 0:
        shape = y._data.shape[:d] + y._data.shape[d + 1:]
        return zeros(shape, dtype=y._dtype)
    if isinstance(x, Tensor):
        spacing = _spacing("trapezoid", y, x, d)
        right, left = _slices(y, d)
        return _by_scalar(DIV_SCALAR, ((right + left) * spacing).sum(d), 2.0, True)
    dx = _scalar_dx("trapezoid", y, x, dx)
    ends = y.select(d, 0) + y.select(d, -1)
    return _by_scalar(MUL_SCALAR, y.sum(d) - _by_scalar(MUL_SCALAR, ends, 0.5, False),
                      dx, False)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """insitu.cumulative_trapezoid(y, x=None, *, dx=None, dim=-1): the running `trapezoid` along
    `dim` (one element fewer than y there). Composed of differentiable ops."""
    d = _wrap_dim(dim, y._data.ndim, scalar_ok=False)
    if isinstance(x, Tensor):
        spacing = _spacing("cumulative_trapezoid", y, x, d)
        right, left = _slices(y, d)
        return _by_scalar(DIV_SCALAR, ((right + left) * spacing).cumsum(d), 2.0, True)
    dx = _scalar_dx("cumulative_trapezoid", y, x, dx)
    right, left = _slices(y, d)
    return (dx / 2.0 * (right + left)).cumsum(d)


FUNCTIONS = {"trapezoid": trapezoid, "trapz": trapezoid,
             "cumulative_trapezoid": cumulative_trapezoid}
