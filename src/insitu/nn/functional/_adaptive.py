"""Adaptive pooling and max unpooling (the pooling family's ops over per-output windows
of varying size, and over explicit indices).

Adaptive average pooling is separable: a 0/1 window matrix per spatial dim, two BLAS matmuls,
one division by the window sizes; its adjoint multiplies by the transposed matrices. Adaptive
max pooling gathers each window (positions clipped to the window's end, so repeats never change
the winner) and keeps each winner's position in its plane; its gradient adds the output's
gradient at those positions, a scatter whose adjoint is the gather, and max unpooling's put at
the given indices has the gather as its gradient too.
"""
import math

from ...autograd.grad_mode import mode
from ...backend import xp
from ...core.dtypes import int64
from ...core.tensor import wrap
from ...ops.derivatives import Derivative, record
from ._windows import LinearOp, adjoint_pair, as_tuple, check_dim_range, one_int, sizes


# ------------------------------------------------------------------ index scatter / gather
# (planes, L) arrays against (planes, M) ones through per-plane indices (planes, L): the
# gradients of adaptive max pooling and of max unpooling, each the other's adjoint

def _planes(a, n_spatial):
    return a.reshape((-1, math.prod(a.shape[a.ndim - n_spatial:])))


def _scatter_add(g, params):
    idx, small_shape, big_shape, ns = params
    g2 = _planes(g, ns)
    m = math.prod(big_shape[len(big_shape) - ns:])
    flat = (idx + (xp.arange(idx.shape[0]) * m)[:, None]).ravel()
    res = xp.bincount(flat, weights=g2.ravel(), minlength=idx.shape[0] * m)
    return res.astype(g.dtype).reshape(big_shape)


def _gather(g, params):
    idx, small_shape, big_shape, ns = params
    return xp.take_along_axis(_planes(g, ns), idx, axis=1).reshape(small_shape)


def _put(x, params):
    idx, small_shape, big_shape, ns = params
    res = xp.zeros((idx.shape[0], math.prod(big_shape[len(big_shape) - ns:])), x.dtype)
    xp.put_along_axis(res, idx, _planes(x, ns), axis=1)
    return res.reshape(big_shape)


_SCATTER_ADD = LinearOp("AdaptiveMaxPool2DBackwardBackward0", _scatter_add)
_GATHER = LinearOp("MaxUnpool2DBackwardBackward0", _gather, _SCATTER_ADD)
_SCATTER_ADD.backward = _GATHER
# max unpooling keeps the indices it was given (version-checked, as PyTorch's node does)
_UNPOOL = Derivative("MaxUnpool2DBackward0",
                     {"self": lambda grad, indices, shapes:
                         _GATHER(grad, (_planes(indices._data, 2),) + shapes)},
                     inputs=("self", "indices"))


# ------------------------------------------------------------------ adaptive pooling

def _adaptive_bounds(n, out):
    """PyTorch's adaptive windows along one dim: [floor(i*n/out), ceil((i+1)*n/out))."""
    i = xp.arange(out)
    return (i * n) // out, -((-(i + 1) * n) // out)


def _adaptive_avg_matrices(n, out, dtype):
    start, end = _adaptive_bounds(n, out)
    pos = xp.arange(n)
    m = ((pos[None, :] >= start[:, None]) & (pos[None, :] < end[:, None])).astype(dtype)
    return m, (end - start)


def _adaptive_avg_operands(params):
    """The window matrices of both dims and the window sizes, rebuilt from the sizes."""
    (mh, ch), (mw, cw) = (_adaptive_avg_matrices(n, o, xp.float64)
                          for n, o in zip(params[:2], params[2:]))
    return mh, mw, xp.multiply.outer(ch, cw).astype(xp.float64)


def _adaptive_avg(x, params):
    mh, mw, div = _adaptive_avg_operands(params)
    h, w = x.shape[-2:]
    t = xp.matmul(x.reshape(-1, w), mw.T.astype(x.dtype)).reshape(-1, h, mw.shape[0])
    y = xp.matmul(mh.astype(x.dtype), t)
    y /= div.astype(x.dtype)
    return y.reshape(x.shape[:-2] + y.shape[-2:])


def _adaptive_avg_adjoint(g, params):
    mh, mw, div = _adaptive_avg_operands(params)
    oh, ow = g.shape[-2:]
    gd = (g / div.astype(g.dtype)).reshape(-1, oh, ow)
    t = xp.matmul(mh.T.astype(g.dtype), gd)
    y = xp.matmul(t.reshape(-1, ow), mw.astype(g.dtype))
    return y.reshape(g.shape[:-2] + (mh.shape[1], mw.shape[1]))


_ADAPTIVE_AVG = adjoint_pair("AdaptiveAvgPool2DBackward0", _adaptive_avg,
                             "AdaptiveAvgPool2DBackwardBackward0", _adaptive_avg_adjoint)[0]


def _list_with_default(out_size, defaults):
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d for v, d in zip(out_size, defaults[-len(out_size):])]


def adaptive_avg_pool2d(input, output_size):
    """Adaptive average pooling of planes to a fixed output size.

    The mean over `output_size` windows covering each plane, PyTorch's
    `[floor(i * n / out), ceil((i + 1) * n / out))` along each dim (`nn.AdaptiveAvgPool2d`).
    `output_size` is an int or a pair; a None entry keeps the input's size.

    Separable: a 0/1 window matrix per dim and two matmuls. The node (AdaptiveAvgPool2DBackward0)
    keeps only the sizes; an output of `(1, 1)` is a mean (MeanBackward1), as PyTorch's shortcut.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C, *output_size)`.
    """
    out = _list_with_default(output_size, tuple(input.shape))
    out = as_tuple(out, 2)
    if len(out) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if out[0] < 0 or out[1] < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than "
                           f"or equal to 0 but received {{{out[0]}, {out[1]}}}")
    if tuple(out) == (1, 1):
        return input.mean((-1, -2), keepdim=True)   # PyTorch's shortcut (MeanBackward1)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{sizes(input.shape)}")
    for i in (-2, -1):
        if input.shape[i] <= 0:
            raise RuntimeError("adaptive_avg_pool2d(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {sizes(input.shape)} "
                               f"with dimension {i + input.ndim} being empty")
    return _ADAPTIVE_AVG(input, tuple(input.shape[-2:]) + tuple(out))


def adaptive_avg_pool1d(input, output_size):
    """Adaptive average pooling of rows to a fixed output length.

    The mean over `output_size` adaptive windows of each row (`nn.AdaptiveAvgPool1d`):
    `adaptive_avg_pool2d` of the input unsqueezed at -2.

    Shape: input `(N, C, L)` or `(C, L)`; output `(N, C, output_size)`.
    """
    check_dim_range("adaptive_avg_pool1d", input)
    o = one_int("adaptive_avg_pool1d", "output_size", output_size)
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, o)).squeeze(-2)


def _adaptive_max_arrays(x, out):
    """Max over each adaptive window and the winner's position in its plane (the first
    maximum in row-major order, the last NaN: PyTorch's scan). Windows are gathered with
    their positions clipped to the window's end, so repeats never change the winner."""
    gathered, positions = x, []
    for axis, (n, o) in enumerate(zip(x.shape[-2:], out)):
        start, end = _adaptive_bounds(n, o)
        k = int((end - start).max())
        idx = xp.minimum(start[:, None] + xp.arange(k)[None, :], (end - 1)[:, None])
        gathered = xp.take(gathered, idx, axis=x.ndim - 2 + axis * 2)
        positions.append(idx)
    (ih, iw) = positions
    kh, kw = ih.shape[1], iw.shape[1]
    lead = x.shape[:-2]
    win = xp.moveaxis(gathered, -3, -2).reshape(lead + (out[0], out[1], kh * kw))
    arg = xp.argmax(win, axis=-1)
    nan = xp.isnan(win)
    if nan.any():
        last = kh * kw - 1 - xp.argmax(nan[..., ::-1], axis=-1)
        arg = xp.where(nan.any(-1), last, arg)
    y = xp.take_along_axis(win, arg[..., None], -1)[..., 0]
    rows = xp.take_along_axis(xp.broadcast_to(ih[:, None, :], (out[0], out[1], kh)),
                              (arg // kw).reshape((-1,) + tuple(out)).transpose(1, 2, 0),
                              axis=2)
    cols = xp.take_along_axis(xp.broadcast_to(iw[None, :, :], (out[0], out[1], kw)),
                              (arg % kw).reshape((-1,) + tuple(out)).transpose(1, 2, 0),
                              axis=2)
    flat = (rows * x.shape[-1] + cols).transpose(2, 0, 1).reshape(arg.shape)
    return y, flat.astype(xp.int64)


_ADAPTIVE_MAX = Derivative("AdaptiveMaxPool2DBackward0",
                           {"self": lambda grad, indices, shapes:
                               _SCATTER_ADD(grad, (_planes(indices._data, 2),) + shapes)})


def _adaptive_max_pool2d(input, output_size, return_indices):
    out = _list_with_default(output_size, tuple(input.shape))
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: "
                           f"{sizes(input.shape)}")
    for i in range(1, input.ndim):
        if input.shape[i] <= 0:
            raise RuntimeError("adaptive_max_pool2d(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {sizes(input.shape)} "
                               f"with dimension {i} being empty")
    out = tuple(as_tuple(out, 2))
    if len(out) != 2:
        raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
    x = input._data
    if 0 in out or x.size == 0:
        y, idx = xp.zeros(x.shape[:-2] + out, x.dtype), xp.zeros(x.shape[:-2] + out, xp.int64)
    else:
        y, idx = _adaptive_max_arrays(x, out)
    res, indices = wrap(y, input._dtype), wrap(idx, int64)
    if input.requires_grad and mode.grad:
        record(_ADAPTIVE_MAX, (input,), res,
               {"indices": indices, "shapes": (tuple(y.shape), tuple(x.shape), 2)})
    return (res, indices) if return_indices else res


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """Adaptive 2-d max pooling, returning the indices too.

    `adaptive_max_pool2d(input, output_size, return_indices=True)`: the output and its indices
    whatever `return_indices` says.
    """
    return _adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive max pooling of planes to a fixed output size.

    The maximum over `output_size` adaptive windows of each plane (`nn.AdaptiveMaxPool2d`);
    `return_indices=True` also returns each maximum's int64 flat position in its plane. The first
    maximum in row-major order wins, a NaN over any number.

    The node (AdaptiveMaxPool2DBackward0) keeps the indices: its gradient adds the output's gradient
    at those positions (a recorded scatter, whose gradient is the gather).

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C, *output_size)`.
    """
    return _adaptive_max_pool2d(input, output_size, return_indices)


def _adaptive_max_pool1d(input, output_size, return_indices):
    check_dim_range("adaptive_max_pool1d", input)
    o = one_int("adaptive_max_pool1d", "output_size", output_size)
    for i in range(1, input.ndim):
        if input.shape[i] <= 0:
            raise RuntimeError("adaptive_max_pool1d(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {sizes(input.shape)} "
                               f"with dimension {i} being empty")
    y, idx = _adaptive_max_pool2d(input.unsqueeze(-2), (1, o), True)
    y = y.squeeze(-2)
    return (y, idx.squeeze(-2)) if return_indices else y


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """Adaptive 1-d max pooling, returning the indices too.

    `adaptive_max_pool1d(input, output_size, return_indices=True)`: the output and its indices
    whatever `return_indices` says.
    """
    return _adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive max pooling of rows to a fixed output length.

    The maximum over `output_size` adaptive windows of each row (`nn.AdaptiveMaxPool1d`);
    `return_indices=True` also returns the int64 positions. `adaptive_max_pool2d` of the input
    unsqueezed at -2.

    Shape: input `(N, C, L)` or `(C, L)`; output `(N, C, output_size)`.
    """
    return _adaptive_max_pool1d(input, output_size, return_indices)


# ------------------------------------------------------------------ max unpooling

def _unpool_output_size(input, kernel, stride, padding, output_size):
    n = len(kernel)
    default = [(input.shape[-n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
               for d in range(n)]
    if output_size is None:
        ret = default
    else:
        if len(output_size) == n + 2:
            output_size = output_size[2:]
        if len(output_size) != n:
            raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} "
                             f"elements, but it has a length of '{len(output_size)}'")
        for d in range(n):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between '
                                 f"{lo} and {hi})")
        ret = list(output_size)
    for d in range(n):
        if ret[d] < 0:
            raise ValueError("max_unpooling: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{d}]={ret[d]}")
    return ret


def _max_unpool2d(input, indices, out):
    if indices._dtype is not int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{indices._dtype.legacy}")
    if input.ndim not in (3, 4):
        raise RuntimeError("Input to max_unpooling2d should be a 3d or 4d Tensor, but got a "
                           f"tensor with {input.ndim} dimensions.")
    if tuple(input.shape) != tuple(indices.shape):
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor ("
                           f"{sizes(input.shape)}) but got indices tensor with shape: "
                           f"{sizes(indices.shape)}")
    for i in range(1, input.ndim):
        if input.shape[i] <= 0:
            raise RuntimeError("max_unpooling2d_forward_out_cpu(): Expected input to have "
                               f"non-zero size for non-batch dimensions, but got "
                               f"{sizes(input.shape)} with dimension {i} being empty.")
    idx = _planes(indices._data, 2)
    m = out[0] * out[1]
    bad = (idx < 0) | (idx >= m)
    if bad.any():
        raise RuntimeError(f"Found an invalid max index: {int(idx[bad][0])} (output volumes are "
                           f"of size {out[0]}x{out[1]})")
    shapes = (tuple(input.shape), tuple(input.shape[:-2]) + tuple(out), 2)
    res = wrap(_put(input._data, (idx,) + shapes), input._dtype)
    return record(_UNPOOL, (input, indices), res, {"shapes": shapes})


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Scatters 2-d max-pooled values back to their positions.

    A partial inverse of `max_pool2d`: each input value put at its int64 flat index (`h * W + w` of
    its output plane) in a zero output (`nn.MaxUnpool2d`): `kernel_size`, `stride=None` (the kernel
    size), `padding=0`, `output_size=None`.

    The node (MaxUnpool2DBackward0) keeps the indices (version-checked); its gradient gathers at
    them. Indices outside the output plane raise.

    Shape: input and indices `(N, C, H, W)` or `(C, H, W)`; output `(N, C, H_out, W_out)`, each size
    `(size - 1) * stride - 2 * padding + kernel` unless `output_size` says otherwise.
    """
    kernel = tuple(as_tuple(kernel_size, 2))
    stride = kernel if stride is None else tuple(as_tuple(stride, 2))
    padding = tuple(as_tuple(padding, 2))
    out = _unpool_output_size(input, kernel, stride, padding, output_size)
    return _max_unpool2d(input, indices, out)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Scatters 1-d max-pooled values back to their positions.

    A partial inverse of `max_pool1d` (`nn.MaxUnpool1d`): each input value put at its index in a
    zero output; `max_unpool2d` of the inputs unsqueezed at -1.

    Shape: input and indices `(N, C, L)` or `(C, L)`; output `(N, C, L_out)`,
    `L_out = (L - 1) * stride - 2 * padding + kernel_size` unless `output_size` says otherwise.
    """
    kernel = tuple(as_tuple(kernel_size, 1))
    stride = kernel if stride is None else tuple(as_tuple(stride, 1))
    padding = tuple(as_tuple(padding, 1))
    out = _unpool_output_size(input, kernel, stride, padding, output_size)
    return _max_unpool2d(input.unsqueeze(-1), indices.unsqueeze(-1),
                         list(out) + [1]).squeeze(-1)
