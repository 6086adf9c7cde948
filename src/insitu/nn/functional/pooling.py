"""Pooling: max, average, adaptive, unpooling and power-average, with PyTorch's nodes.

Windows are strided slices of the (padded) input, one per kernel offset, so every kernel is a
few whole-array NumPy ops per offset. Max pooling keeps, per output element, which kernel offset
won (one byte for kernels up to 256 elements) instead of the input: its gradient writes the
output's gradient back at those offsets. The 1-d forms run the 2-d ones on an unsqueezed input,
as PyTorch's do (their node is SqueezeBackward1 over the 2-d node).

Every gradient here is linear in the output's gradient and is itself a recorded op (its
adjoint's gradient is the forward again), so they differentiate to any order.
"""
from ...autograd.grad_mode import mode
from ...backend import xp
from ...core.dtypes import int32, int64, uint8
from ...core.tensor import wrap
from ...ops.derivatives import Derivative, record
from ._windows import adjoint_pair, as_tuple, check_dim_range, offset_slices, offsets, \
    one_int, pad_zeros, pooling_tuple, sizes

_ALL = slice(None)
_WINNER_DTYPES = {"uint8": uint8, "int32": int32}


def pool_out(size, k, s, p, d, ceil_mode):
    """PyTorch's `pooling_output_shape` of one dim (`size`, kernel `k`, stride `s`, padding `p`,
    dilation `d`, `ceil_mode`), with its checks: ceil mode never starts a window in the right
    padding.
    """
    if s == 0:
        raise RuntimeError("stride should not be zero")
    if p < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
    if p > ((k - 1) * d + 1) // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={p}, kernel_size={k} and dilation={d}")
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool2d_shape_check(x, kernel, stride, pad, dilation, out):
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    if kw <= 0 or kh <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kh} kW: {kw}")
    if sw <= 0 or sh <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {sh} dW: {sw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dh} "
                           f"dilationW: {dw}")
    s = x.shape
    valid = x.ndim >= 3 and s[1] != 0 and s[2] != 0
    if not ((x.ndim == 3 and s[0] != 0 and valid) or (x.ndim == 4 and valid and s[3] != 0)):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size "
                           f"for input, but got:{sizes(s)}")
    if kw // 2 < pad[1] or kh // 2 < pad[0]:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {pad[1]}, padH = {pad[0]}, kW = {kw}, kH = {kh}")
    if out[0] < 1 or out[1] < 1:
        raise RuntimeError(f"Given input size: ({s[-3]}x{s[-2]}x{s[-1]}). Calculated output "
                           f"size: ({s[-3]}x{out[0]}x{out[1]}). Output size is too small")


def _pool_args(fn, input, kernel_size, stride, padding, dilation):
    kernel = pooling_tuple(kernel_size, 2, fn, "kernel_size")
    if stride is None or (isinstance(stride, (list, tuple)) and not stride):
        stride = kernel
    elif isinstance(stride, (list, tuple)) and len(stride) not in (1, 2):
        raise RuntimeError(f"{fn}: stride must either be omitted, a single int, or a tuple of "
                           "two ints")
    stride = pooling_tuple(stride, 2, fn, "stride")
    if isinstance(padding, (list, tuple)) and len(padding) not in (1, 2):
        raise RuntimeError(f"{fn}: padding must either be a single int, or a tuple of two ints")
    pad = pooling_tuple(padding, 2, fn, "padding")
    if isinstance(dilation, (list, tuple)) and len(dilation) not in (1, 2):
        raise RuntimeError(f"{fn}: dilation must be either a single int, or a tuple of two ints")
    return kernel, stride, pad, pooling_tuple(dilation, 2, fn, "dilation")


def _padded_for(x_shape, kernel, stride, pad, dilation, out):
    """(lo, hi) pads that make every window of `out` fit (ceil mode reaches past the pad)."""
    return tuple((p, max(p, (o - 1) * s + d * (k - 1) + 1 - n - p))
                 for n, k, s, p, d, o in zip(x_shape[-2:], kernel, stride, pad, dilation, out))


# ------------------------------------------------------------------ max pooling

def _first_valid(k, s, p, d, out):
    """Per output position along one dim, the first kernel index that reads the input (not the
    padding): PyTorch's max starts from the first in-bounds element."""
    start = xp.arange(out) * s - p
    return xp.clip(xp.where(start < 0, (-start + d - 1) // d, 0), 0, k - 1)


def _max_arrays(x, kernel, stride, pad, dilation, out, want_arg):
    """Max over windows (NaN wins, as in PyTorch's kernel) and, when asked, the winning kernel
    offset of each output element: the first maximum in row-major order, the last NaN, and the
    first in-bounds offset when every element read is -inf (PyTorch's scan)."""
    pads = _padded_for(x.shape, kernel, stride, pad, dilation, out)
    xp_ = pad_zeros(x, pads, -xp.inf)
    lead = (_ALL,) * (x.ndim - 2)
    views = [xp_[lead + offset_slices(off, stride, dilation, out)] for off in offsets(kernel)]
    cur = views[0].copy()
    for v in views[1:]:
        xp.maximum(cur, v, out=cur)
    if not want_arg:
        return cur, None
    kk = len(views)
    arg = xp.full(cur.shape, kk - 1, xp.uint8 if kk <= 256 else xp.int32)
    # offsets from the last to the first, each winner taking its own: arg -= (arg - o) * hit,
    # branch-free (a masked copy branches per element, 20-35x slower on random winners); arg
    # is above o until then, so the difference never wraps
    hit = xp.empty(cur.shape, xp.bool_)
    step = xp.empty(cur.shape, arg.dtype)
    for o in range(kk - 2, -1, -1):
        xp.equal(views[o], cur, out=hit)
        xp.subtract(arg, arg.dtype.type(o), out=step)
        step *= hit.view(xp.uint8) if arg.dtype == xp.uint8 else hit
        arg -= step
    if bool(xp.isnan(x).any()):
        for o, v in enumerate(views):
            xp.copyto(arg, o, where=xp.isnan(v))
    if xp_ is not x:
        i0 = _first_valid(kernel[0], stride[0], pad[0], dilation[0], out[0])
        j0 = _first_valid(kernel[1], stride[1], pad[1], dilation[1], out[1])
        first = (i0[:, None] * kernel[1] + j0[None, :]).astype(arg.dtype)
        xp.copyto(arg, xp.broadcast_to(first, arg.shape), where=cur == -xp.inf)
    return cur, arg


def _flat_indices(arg, kernel, stride, pad, dilation, width):
    """PyTorch's returned indices: each winner's position in its input plane (h * W + w)."""
    arg = arg.astype(xp.int64)
    oh, ow = arg.shape[-2:]
    rows = (xp.arange(oh) * stride[0] - pad[0])[:, None] + (arg // kernel[1]) * dilation[0]
    cols = (xp.arange(ow) * stride[1] - pad[1])[None, :] + (arg % kernel[1]) * dilation[1]
    return rows * width + cols


def _overlapping(kernel, stride, dilation):
    return any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


def _max_scatter(g, params):
    """The max pool's input gradient: each output gradient added at its winner (written
    directly when windows do not overlap)."""
    arg, kernel, stride, pad, dilation, shape = params
    out = g.shape[-2:]
    pads = _padded_for(shape, kernel, stride, pad, dilation, out)
    res = xp.zeros(shape[:-2] + tuple(n + lo + hi for n, (lo, hi) in zip(shape[-2:], pads)),
                   g.dtype)
    lead = (_ALL,) * (g.ndim - 2)
    tmp = xp.empty(g.shape, g.dtype) if _overlapping(kernel, stride, dilation) else None
    for o, off in enumerate(offsets(kernel)):
        view = res[lead + offset_slices(off, stride, dilation, out)]
        if tmp is None:
            xp.multiply(g, arg == o, out=view)
        else:
            xp.multiply(g, arg == o, out=tmp)
            view += tmp
    return res[lead + tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape[-2:], pads))]


def _max_gather(gg, params):
    """Adjoint of `_max_scatter`: each output element reads its winner's gradient."""
    arg, kernel, stride, pad, dilation, shape = params
    out = arg.shape[-2:]
    pads = _padded_for(shape, kernel, stride, pad, dilation, out)
    src = pad_zeros(gg, pads)
    res = xp.zeros(arg.shape, gg.dtype)
    lead = (_ALL,) * (gg.ndim - 2)
    for o, off in enumerate(offsets(kernel)):
        xp.copyto(res, src[lead + offset_slices(off, stride, dilation, out)], where=arg == o)
    return res


_MAX_SCATTER = adjoint_pair("MaxPool2DWithIndicesBackwardBackward0", _max_scatter,
                            "MaxPool2DWithIndicesBackwardBackwardBackward0", _max_gather)[0]
# the winning offsets are kept as a tensor: released by backward, like PyTorch's saved indices
_MAX_POOL = Derivative("MaxPool2DWithIndicesBackward0",
                       {"self": lambda grad, winners, geometry:
                           _MAX_SCATTER(grad, (winners._data,) + geometry)})


def _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    kernel, stride, pad, dilation = _pool_args("max_pool2d", input, kernel_size, stride,
                                               padding, dilation)
    if input.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    out = tuple(pool_out(input.shape[i], kernel[j], stride[j], pad[j], dilation[j], ceil_mode)
                for j, i in enumerate((-2, -1)))
    _pool2d_shape_check(input, kernel, stride, pad, dilation, out)
    needs = input.requires_grad and mode.grad
    y, arg = _max_arrays(input._data, kernel, stride, pad, dilation, out,
                         needs or return_indices)
    res = wrap(y, input._dtype)
    if needs:
        record(_MAX_POOL, (input,), res,
               {"winners": wrap(arg, _WINNER_DTYPES[arg.dtype.name]),
                "geometry": (kernel, stride, pad, dilation, tuple(input.shape))})
    if not return_indices:
        return res
    idx = wrap(_flat_indices(arg, kernel, stride, pad, dilation, input.shape[-1]), int64)
    return res, idx


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """2-d max pooling, returning the indices too.

    `max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)`: the
    output and its indices whatever `return_indices` says, as PyTorch's.
    """
    return _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-d max pooling.

    The maximum over sliding windows of each channel (`nn.MaxPool2d`): `kernel_size`, `stride=None`
    (the kernel size), `padding=0` (implicit -inf, at most half the kernel), `dilation=1`,
    `ceil_mode=False`, `return_indices=False` (also return the int64 flat position `h * W + w` of
    each maximum in its input plane).

    The node keeps, per output element, which kernel offset won (one byte for kernels up to 256
    elements), not the input. A NaN in a window wins, as in PyTorch. The node is
    MaxPool2DWithIndicesBackward0; its gradient is a recorded op, so it differentiates again.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C, H_out, W_out)`, each size
    `floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1)` (ceil with
    `ceil_mode`).
    """
    return _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _max_pool1d_checks(input, kernel_size, stride, padding, dilation, ceil_mode):
    if input.ndim not in (2, 3):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{sizes(input.shape)}")
    k = as_tuple(kernel_size, 1)
    if len(k) != 1:
        raise RuntimeError("max_pool1d() kernel_size must be an int, list of ints or tuple of "
                           f"ints of size 1 but got size {len(k)}")
    s = as_tuple(stride, 1) if stride is not None else ()
    if len(s) > 1:
        raise RuntimeError("max_pool1d() stride must be None, an int, list of ints, or tuple of "
                           f"ints of size 1 but got size {len(s)}")
    p, d = as_tuple(padding, 1), as_tuple(dilation, 1)
    if len(p) != 1:
        raise RuntimeError("max_pool1d() padding must be an int, list of ints, or tuple of ints "
                           f"of size 1 but got size {len(p)}")
    if len(d) != 1:
        raise RuntimeError("max_pool1d() dilation must be an int, list of ints, or tuple of ints "
                           f"of size 1 but got size {len(d)}")
    k, s, p, d = k[0], (s[0] if s else k[0]), p[0], d[0]
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got "
                           f"padding={p} and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    ow = pool_out(input.shape[-1], k, s, p, d, ceil_mode)
    if ow <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {ow}")
    return k, s, p, d


def _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    k, s, p, d = _max_pool1d_checks(input, kernel_size, stride, padding, dilation, ceil_mode)
    res = _max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode,
                      return_indices)
    if return_indices:
        return res[0].squeeze(-2), res[1].squeeze(-2)
    return res.squeeze(-2)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """1-d max pooling, returning the indices too.

    `max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)`: the
    output and its indices whatever `return_indices` says.
    """
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-d max pooling.

    The maximum over sliding windows of each channel (`nn.MaxPool1d`): `kernel_size`, `stride=None`
    (the kernel size), `padding=0` (at most half the kernel), `dilation=1`, `ceil_mode=False`,
    `return_indices=False` (also return each maximum's int64 position).

    It runs `max_pool2d` on the input unsqueezed at -2, as PyTorch (its node SqueezeBackward1 over
    the 2-d one). The node keeps, per output element, which kernel offset won (one byte for kernels
    up to 256 elements), not the input. A NaN in a window wins, as in PyTorch.

    Shape: input `(N, C, L)` or `(C, L)`; output `(N, C, L_out)`.
    """
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


# ------------------------------------------------------------------ average pooling

def _avg_divisor(shape, kernel, stride, pad, out, count_include_pad, divisor_override):
    """PyTorch's divide factor per output position (an (OH, OW) array; 1 where a window
    holds no input, whose sum is 0)."""
    if divisor_override is not None:
        return xp.full(out, float(divisor_override))
    per_axis = []
    for n, k, s, p, o in zip(shape[-2:], kernel, stride, pad, out):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)
        size = end - start
        lo, hi = xp.maximum(start, 0), xp.minimum(end, n)
        per_axis.append((size, xp.maximum(hi - lo, 0)))
    (sh, ch), (sw, cw) = per_axis
    div = xp.multiply.outer(sh, sw) if count_include_pad else xp.multiply.outer(ch, cw)
    empty = xp.multiply.outer(ch, cw) == 0
    return xp.where(empty, 1, div).astype(xp.float64)


def _avg_arrays(x, params):
    kernel, stride, pad, out, include, override, shape = params
    div = _avg_divisor(shape, kernel, stride, pad, out, include, override)
    pads = _padded_for(x.shape, kernel, stride, pad, (1, 1), out)
    xp_ = pad_zeros(x, pads)
    lead = (_ALL,) * (x.ndim - 2)
    acc = None
    for off in offsets(kernel):
        v = xp_[lead + offset_slices(off, stride, (1, 1), out)]
        if acc is None:
            acc = v.copy()
        else:
            acc += v
    acc /= div.astype(x.dtype)
    return acc


def _avg_spread(g, params):
    """Adjoint of `_avg_arrays`: each output gradient over the divisor, added to its window."""
    kernel, stride, pad, out, include, override, shape = params
    div = _avg_divisor(shape, kernel, stride, pad, out, include, override)
    pads = _padded_for(shape, kernel, stride, pad, (1, 1), out)
    gd = g / div.astype(g.dtype)
    res = xp.zeros(shape[:-2] + tuple(n + lo + hi for n, (lo, hi) in zip(shape[-2:], pads)),
                   g.dtype)
    lead = (_ALL,) * (g.ndim - 2)
    for off in offsets(kernel):
        res[lead + offset_slices(off, stride, (1, 1), out)] += gd
    return res[lead + tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape[-2:], pads))]


_AVG_POOL = adjoint_pair("AvgPool2DBackward0", _avg_arrays,
                         "AvgPool2DBackwardBackward0", _avg_spread)[0]


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-d average pooling.

    The mean over sliding windows of each channel (`nn.AvgPool2d`): `kernel_size`, `stride=None`
    (the kernel size), `padding=0` (zeros, at most half the kernel), `ceil_mode=False`,
    `count_include_pad=True` (the padding counts in the divisor), `divisor_override=None` (a fixed
    divisor, not 0).

    One node (AvgPool2DBackward0) that keeps only the geometry: its gradient spreads each output
    gradient over its window, itself a recorded op.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C, H_out, W_out)`, each size
    `floor((size + 2 * padding - kernel) / stride + 1)` (ceil with `ceil_mode`).
    """
    kernel, stride, pad, _ = _pool_args("avg_pool2d", input, kernel_size, stride, padding, 1)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if input.ndim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(input.ndim, 1)}, {max(input.ndim, 1) - 1}], but got -3)")
    out = tuple(pool_out(input.shape[i], kernel[j], stride[j], pad[j], 1, ceil_mode)
                for j, i in enumerate((-2, -1)))
    _pool2d_shape_check(input, kernel, stride, pad, (1, 1), out)
    return _AVG_POOL(input, (kernel, stride, pad, out, count_include_pad, divisor_override,
                             tuple(input.shape)))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-d average pooling.

    The mean over sliding windows of each channel (`nn.AvgPool1d`): `kernel_size`, `stride=None`,
    `padding=0`, `ceil_mode=False`, `count_include_pad=True`; `avg_pool2d` on the input unsqueezed
    at -2.

    Shape: input `(N, C, L)` or `(C, L)`; output `(N, C, L_out)`.
    """
    check_dim_range("avg_pool1d", input)
    k = one_int("avg_pool1d", "kernel_size", kernel_size)
    s = one_int("avg_pool1d", "stride", stride, allow_empty=True) if stride is not None else None
    p = one_int("avg_pool1d", "padding", padding)
    out = avg_pool2d(input.unsqueeze(-2), (1, k), (1, k if s is None else s), (0, p), ceil_mode,
                     count_include_pad)
    return out.squeeze(-2)


# ------------------------------------------------------------------ power-average pooling

def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-d power-average pooling.

    The power-average over sliding windows, `(sum of x^p)^(1/p)` with p the `norm_type`
    (`nn.LPPool2d`): windows of `kernel_size` (an int or a pair), `stride=None` (the kernel size),
    `ceil_mode=False`, no padding. Composed as PyTorch composes it: `avg_pool2d(x^p)` times the
    kernel size, `sign(s) * relu(|s|)`, then the 1/p power. `norm_type=inf` is the max of `|x|` (and
    -inf its min).

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C, H_out, W_out)`.
    """
    kw, kh = as_tuple(kernel_size, 2)
    if norm_type == float("inf"):
        return max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool2d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kw * kh).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-d power-average pooling.

    The power-average over sliding windows, `(sum of x^p)^(1/p)` with p the `norm_type`
    (`nn.LPPool1d`): windows of `kernel_size`, `stride=None` (the kernel size), `ceil_mode=False`,
    no padding. Composed of `avg_pool1d` and Tensor ops as PyTorch composes it (see `lp_pool2d`);
    `norm_type=inf` is the max of `|x|`.

    Shape: input `(N, C, L)` or `(C, L)`; output `(N, C, L_out)`.
    """
    if norm_type == float("inf"):
        return max_pool1d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool1d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kernel_size).pow(1.0 / norm_type)

