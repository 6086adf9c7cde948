"""Sliding windows over the spatial dims of (N, C, *spatial) arrays, shared by convolution,
unfold/fold and pooling, and the linear ops whose backward is another recorded op.

A window view is an `as_strided` view of the padded input, shaped (N, C, *kernel, *out): for
each kernel offset, a strided slice of the input, one element per output position. Copying it
contiguous gives im2col's columns; `col2im` is its adjoint, one strided add per kernel offset.
Loops here run over kernel offsets (a few), never over elements.
"""
import itertools

from ...backend import xp
from ...core.tensor import wrap
from ...ops.derivatives import Derivative, record

_as_strided = xp.lib.stride_tricks.as_strided


def ntuple(value, n):
    """`value` as a tuple of n ints (an int repeated, a sequence as given)."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,) * n


def pooling_tuple(value, n, fn, what):
    """A pooling argument as a tuple of n (an int, or a sequence of 1 or n ints), with
    PyTorch's message otherwise."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return tuple(value) * n
        if len(value) != n:
            raise RuntimeError(f"{fn}: {what} must either be a single int, or a tuple of "
                               f"{'two' if n == 2 else n} ints")
        return tuple(value)
    return (value,) * n


def as_tuple(v, n):
    """`v` as given when a list or tuple, else `n` copies of it."""
    return v if isinstance(v, (list, tuple)) else (v,) * n


def one_int(fn, name, value, allow_empty=False):
    """A 1-d pooling argument: an int or a sequence of one."""
    if isinstance(value, (list, tuple)):
        if allow_empty and not value:
            return None
        if len(value) != 1:
            raise RuntimeError(f"{fn}() argument '{name}' should contain one int (got "
                               f"{len(value)})")
        return value[0]
    return value


def check_dim_range(fn, input):
    """Raises PyTorch's RuntimeError (naming `fn`) unless `input` has 2 or 3 dims."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor "
                           f"for argument #1 'self' (while checking arguments for {fn})")


def sizes(shape):
    """A shape as PyTorch prints it: [2, 3, 8]."""
    return "[" + ", ".join(str(d) for d in shape) + "]"


def conv_out(size, kernel, stride, pad_lo, pad_hi, dilation):
    """Output length of a sliding window (floor mode)."""
    return (size + pad_lo + pad_hi - dilation * (kernel - 1) - 1) // stride + 1


def pad_zeros(a, pads, value=0):
    """`a` with (lo, hi) pads on its trailing dims filled with `value` (a itself when all are
    zero)."""
    if not any(lo or hi for lo, hi in pads):
        return a
    lead = a.ndim - len(pads)
    shape = a.shape[:lead] + tuple(n + lo + hi for n, (lo, hi) in zip(a.shape[lead:], pads))
    out = xp.full(shape, value, dtype=a.dtype) if value else xp.zeros(shape, dtype=a.dtype)
    out[(Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(a.shape[lead:], pads))] = a
    return out


def windows(a, kernel, stride, dilation, out):
    """The (N, C, *kernel, *out) window view of a padded (N, C, *spatial) array."""
    st = a.strides
    lead = a.ndim - len(kernel)
    sp = st[lead:]
    shape = a.shape[:lead] + tuple(kernel) + tuple(out)
    strides = st[:lead] + tuple(s * d for s, d in zip(sp, dilation)) + \
        tuple(s * k for s, k in zip(sp, stride))
    return _as_strided(a, shape, strides, writeable=False)


def im2col(a, kernel, stride, dilation, out):
    """The windows of a padded array copied contiguous: (N, C, *kernel, *out)."""
    w = windows(a, kernel, stride, dilation, out)
    cols = xp.empty(w.shape, a.dtype)
    xp.copyto(cols, w)
    return cols


def offsets(kernel):
    """Every kernel offset, in row-major order."""
    return itertools.product(*[range(k) for k in kernel])


def offset_slices(offset, stride, dilation, out):
    """The slices of a padded spatial block that kernel offset `offset` reads for `out`
    output positions."""
    return tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                 for o, s, d, n in zip(offset, stride, dilation, out))


def col2im(cols, padded, kernel, stride, dilation):
    """Adjoint of `im2col`: (N, C, *kernel, *out) columns summed into a zero (N, C, *padded)
    array, one strided add per kernel offset."""
    nk = len(kernel)
    out = cols.shape[cols.ndim - nk:]
    lead = cols.shape[:cols.ndim - 2 * nk]
    res = xp.zeros(lead + tuple(padded), dtype=cols.dtype)
    for off in offsets(kernel):
        view = res[(Ellipsis,) + offset_slices(off, stride, dilation, out)]
        view += cols[(Ellipsis,) + off + (slice(None),) * nk]
    return res


def crop(a, pads):
    """Remove (lo, hi) pads from the trailing dims of `a`."""
    if not any(lo or hi for lo, hi in pads):
        return a
    nd = len(pads)
    return a[(Ellipsis,) + tuple(slice(lo, a.shape[a.ndim - nd + i] - hi)
                                 for i, (lo, hi) in enumerate(pads))]


# ------------------------------------------------------------------ linear ops

class LinearOp:
    """An op computed on arrays whose gradient is another recorded op (its adjoint), so the
    formula runs on tensors and backward of any order works. `forward(array, params)` gives
    the result array; `backward(grad, params)` is the recorded op giving the input's
    gradient. The node keeps `params` (private arrays in it count as the graph's bytes)."""

    def __init__(self, name, forward, backward=None):
        self.forward = forward
        self.backward = backward
        self.derivative = Derivative(name, {"input": self._gradient}, inputs=("input",))

    def _gradient(self, grad, params):
        return self.backward(grad, params)

    def __call__(self, x, params):
        y = self.forward(x._data, params)
        if y.dtype != x._data.dtype:
            y = y.astype(x._data.dtype)
        return record(self.derivative, (x,), wrap(y, x._dtype), {"params": params})


def adjoint_pair(name, forward, adjoint_name, adjoint):
    """Two LinearOps, each the other's gradient (the adjoint of the adjoint is the op)."""
    a = LinearOp(name, forward)
    b = LinearOp(adjoint_name, adjoint)
    a.backward, b.backward = b, a
    return a, b
