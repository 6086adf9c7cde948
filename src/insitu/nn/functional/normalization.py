"""layer_norm and group_norm as fused nodes (PyTorch's NativeLayerNormBackward0 and
NativeGroupNormBackward0); rms_norm, local_response_norm and normalize as PyTorch composes them.

A fused node keeps the input and the weight (version-checked) and the per-row mean and inverse
standard deviation (private arrays), and rebuilds the normalised input from them instead of
storing it. Row sums are BLAS matrix-vector products, and so are the row means backward needs
and the weight's gradient (of g and g * x), so backward makes few passes over the data.
"""
from ...backend import xp
from ...core.tensor import new_tensor
from ...ops.checks import size_list
from ...ops.codegen import function
from ...ops.derivatives import Derivative, record
from ...ops.kernels import _BLOCK, scratch
from ...ops.shape import cat
from .batchnorm import _verify_batch_size
from ._moments import (by_columns, check_dtypes, col_sums, row_buffers, row_dots,
                       row_sums)

_INPUTS = ("input", "weight", "bias")
_div = function("div")


def _normalise_rows(x, size, eps):
    """x seen as rows of `size` -> ((x - mean) * rstd shaped as x, mean, rstd per row)."""
    dt = x.dtype
    x2 = x.reshape(-1, size)
    mean = row_sums(x2)
    mean /= size
    y = xp.empty(x.shape, dt)
    y2 = y.reshape(-1, size)
    with row_buffers(size):
        xp.subtract(x2, mean[:, None], out=y2)
        var = row_dots(y2, y2)
        var /= size
        var += dt.type(eps)
        rstd = xp.sqrt(var, out=var)
        xp.reciprocal(rstd, out=rstd)
        y2 *= rstd[:, None]
    return y, mean, rstd


def _rows_backward(g, x, w, mean, rstd, size, needs_input, needs_weight):
    """Backward of rows of `size` normalised, then scaled by w (None: 1; it broadcasts over the
    trailing dimensions): (the input's gradient, the weight's), each None where not needed.

    PyTorch's CPU kernel's formulas: with a = rstd and xhat = (x - mean) * a,
        dw = sum over rows of g * xhat = a @ (g * (x - mean))
        dx = a * (g w) + b * x + c,  b = (mean * sum(g w) - sum(g w x)) * a^3 / size,
                                     c = -b * mean - a * sum(g w) / size
    so the row sums and the weight's gradient are matrix-vector products, and the input's
    gradient is three passes with one value per row. x - mean and b * x + c are formed a block
    of rows at a time in scratch, so the result is the only buffer of the input's size."""
    g2, x2 = g.reshape(-1, size), x.reshape(-1, size)
    t = xp.empty(x.shape, x.dtype)              # g * (x - mean), then the input's gradient
    t2 = t.reshape(-1, size)
    rows = mean.shape[0]
    step = max(1, _BLOCK // size)
    gw = None
    with row_buffers(size):
        if needs_weight:
            for s in range(0, rows, step):
                xp.multiply(g2[s:s + step], _centred(x2, mean[:, None], s, s + step),
                            out=t2[s:s + step])
            gw = (rstd @ t2).reshape(w.shape)
        if needs_input:
            _input_grad(g, g2, x2, w, mean, rstd, size, t2)
    return (t if needs_input else None), gw


def _input_grad(g, g2, x2, w, mean, rstd, size, t2):
    """The input's gradient of `_rows_backward` into t2 (PyTorch's formula, above)."""
    if w is None:
        gs, sum_g = g2, row_sums(g2)
    else:
        by_columns(xp.multiply, g, w, t2.reshape(g.shape))
        gs, sum_g = t2, g2 @ w.reshape(size)
    sum_gx = row_dots(gs, x2)
    scale = x2.dtype.type(1 / size)
    b = sum_g * mean
    b -= sum_gx
    b *= rstd * rstd * rstd * scale
    c = b * mean
    c += rstd * sum_g * scale
    xp.negative(c, out=c)
    xp.multiply(gs, rstd[:, None], out=t2)
    step = max(1, _BLOCK // size)
    for s in range(0, mean.shape[0], step):
        e = s + step
        bx = xp.multiply(x2[s:e], b[s:e, None], out=scratch(0, x2.dtype, x2[s:e].shape))
        bx += c[s:e, None]
        t2[s:e] += bx


def _centred(x, mean, start, stop):
    """x - mean for rows start:stop of x (mean: one row per row of x, broadcasting), in
    scratch."""
    rows = x[start:stop]
    return xp.subtract(rows, mean[start:stop], out=scratch(0, x.dtype, rows.shape))


# ------------------------------------------------------------------ layer norm

def _ln_dims(ndim, normalized_shape):
    return tuple(range(ndim - len(normalized_shape), ndim))


def _layer_norm_composite(input, weight, bias, normalized_shape, eps):
    dims = _ln_dims(input.dim(), normalized_shape)
    mu = input.mean(dims, keepdim=True)
    d = input - mu
    var = (d * d).mean(dims, keepdim=True)
    y = d / (var + eps).sqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def _layer_norm_backward(grad, input, weight, needs, mean, rstd, normalized_shape):
    size = 1
    for n in normalized_shape:
        size *= n
    gx, gw = _rows_backward(grad, input, weight, mean, rstd, size, needs[0], needs[1])
    return gx, gw, col_sums(grad.reshape(-1, size)) if needs[2] else None


_LAYER_NORM = Derivative("NativeLayerNormBackward0", {_INPUTS: _layer_norm_backward},
                         inputs=_INPUTS, composite=_layer_norm_composite)


def _check_normalized_shape(normalized_shape, weight, bias):
    if not normalized_shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {size_list(t.shape)} and normalized_shape = "
                f"{size_list(normalized_shape)}")


def _as_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(normalized_shape)


def _fits(x, normalized_shape):
    k = len(normalized_shape)
    return x.ndim >= k and x.shape[x.ndim - k:] == normalized_shape


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the trailing dims.

    Normalises over the trailing `normalized_shape` dims:
    `y = (x - mean) / sqrt(var + eps) * weight + bias`, the variance biased (`nn.LayerNorm`;
    `weight=None`, `bias=None`, `eps=1e-5`).

    One fused node (NativeLayerNormBackward0): it keeps the input and the weight (version-checked)
    and each row's mean and inverse standard deviation (private arrays), and rebuilds the normalised
    input from them.

    Shape: input `(*, *normalized_shape)`; weight and bias `normalized_shape`; output the input's
    shape.
    """
    normalized_shape = _as_shape(normalized_shape)
    x = input._data
    if any(p is not None and p._dtype is not input._dtype for p in (weight, bias)):
        check_dtypes("LayerNormKernelImpl", input, (weight, bias))
    _check_normalized_shape(normalized_shape, weight, bias)
    if not _fits(x, normalized_shape):
        raise RuntimeError(
            f"Given normalized_shape={size_list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(str(d) for d in normalized_shape)}], but got input of size"
            f"{size_list(x.shape)}")
    check_dtypes("LayerNormKernelImpl", input, ())
    d = 1
    for s in normalized_shape:
        d *= s
    y, mean, rstd = _normalise_rows(x, d, eps)
    if weight is not None:
        by_columns(xp.multiply, y, weight._data, y)
    if bias is not None:
        by_columns(xp.add, y, bias._data, y)
    out = new_tensor(y, input._dtype)
    return record(_LAYER_NORM, (input, weight, bias), out,
                  {"mean": mean, "rstd": rstd, "normalized_shape": normalized_shape, "eps": eps})


# ------------------------------------------------------------------ group norm

def _group_norm_composite(input, weight, bias, groups, eps):
    shape = input.shape
    n, c = shape[0], shape[1]
    g = input.reshape(n, groups, -1)
    mu = g.mean(2, keepdim=True)
    d = g - mu
    var = (d * d).mean(2, keepdim=True)
    y = (d / (var + eps).sqrt()).reshape(shape)
    bshape = (1, c) + (1,) * (len(shape) - 2)
    if weight is not None:
        y = y * weight.reshape(bshape)
    if bias is not None:
        y = y + bias.reshape(bshape)
    return y


def _group_norm_backward(grad, input, weight, needs, mean, rstd, groups):
    """As `_rows_backward`, with rows of (N, G) groups and the weight per channel: with
    e = x - mean, dx = g * w * rstd - e * rstd^2 * mean(g w xhat) - rstd * mean(g w)."""
    n, c = input.shape[0], input.shape[1]
    per = c // groups
    g3 = grad.reshape(n * c, -1)
    length = g3.shape[1]
    size = per * length
    x3 = input.reshape(n, groups, size)
    step = max(1, _BLOCK // (c * length))         # samples per block: e = x - mean in scratch
    rstd_c = xp.repeat(rstd, per, axis=1)                     # (N, C)
    dot = xp.empty((n, c), input.dtype)
    for s in range(0, n, step):
        e_groups = _centred(x3, mean[:, :, None], s, s + step)
        dot[s:s + step] = row_dots(g3[s * c:(s + step) * c],
                                   e_groups.reshape(-1, length)).reshape(-1, c)
    dot *= rstd_c                                             # sum over positions of g * xhat
    sum_g = row_sums(g3).reshape(n, c)
    gx = None
    if needs[0]:
        w = weight if weight is not None else xp.ones(c, input.dtype)
        m1 = (sum_g * w).reshape(n, groups, per).sum(axis=2) / size
        m2 = (dot * w).reshape(n, groups, per).sum(axis=2) / size
        gx = xp.empty(input.shape, input.dtype)
        xp.multiply(g3.reshape(n, c, length), (w * rstd_c)[:, :, None],
                    out=gx.reshape(n, c, length))
        scale, shift = (m2 * rstd * rstd)[:, :, None], (m1 * rstd)[:, :, None]
        gx_groups = gx.reshape(n, groups, size)
        for s in range(0, n, step):
            e_groups = _centred(x3, mean[:, :, None], s, s + step)
            e_groups *= scale[s:s + step]
            block = gx_groups[s:s + step]
            block -= e_groups
            block -= shift[s:s + step]
    return (gx, dot.sum(axis=0) if needs[1] else None, sum_g.sum(axis=0) if needs[2] else None)


_GROUP_NORM = Derivative("NativeGroupNormBackward0", {_INPUTS: _group_norm_backward},
                         inputs=_INPUTS, composite=_group_norm_composite)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation: channel groups of each sample normalised together.

    Normalises each sample's `num_groups` channel groups over their channels and positions, then
    scales and shifts per channel (`nn.GroupNorm`; `weight=None`, `bias=None`, `eps=1e-5`).

    One fused node (NativeGroupNormBackward0) keeping the input, the weight (version-checked) and
    each group's mean and inverse standard deviation.

    Shape: input `(N, C, *)`, C divisible by `num_groups`; weight and bias `(C,)`; output the
    input's shape.
    """
    if input.dim() < 2:
        raise RuntimeError("Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    shape = list(input.shape)
    _verify_batch_size([shape[0] * shape[1] // num_groups, num_groups] + shape[2:])
    c = shape[1]
    if num_groups <= 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {num_groups}")
    if c % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {size_list(shape)} and num_groups="
                           f"{num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            # PyTorch's message gives the weight's shape for either ([0] without a weight)
            shown = size_list(weight.shape) if weight is not None else "[0]"
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {shown} and input of shape {size_list(shape)}")
    check_dtypes("GroupNormKernelImpl", input, (weight, bias))
    x = input._data
    n = shape[0]
    length = 1
    for s in shape[2:]:
        length *= s
    y, mean, rstd = _normalise_rows(x, c // num_groups * length, eps)
    channels = y.reshape(n, c, length)
    if weight is not None:
        channels *= weight._data[:, None]
    if bias is not None:
        channels += bias._data[:, None]
    out = new_tensor(y, input._dtype)
    return record(_GROUP_NORM, (input, weight, bias), out,
                  {"mean": mean.reshape(n, num_groups), "rstd": rstd.reshape(n, num_groups),
                   "groups": num_groups, "eps": eps})


# ------------------------------------------------------------------ compositions

def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalisation over the trailing dims.

    `input * rsqrt(mean(input^2) + eps) * weight`, the mean over the trailing `normalized_shape`
    dims (`nn.RMSNorm`), composed as PyTorch composes it; `eps=None` is the input dtype's machine
    epsilon.

    Shape: input `(*, *normalized_shape)`; weight `normalized_shape`; output the input's shape.
    """
    normalized_shape = _as_shape(normalized_shape)
    if not normalized_shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    if weight is not None and tuple(weight.shape) != normalized_shape:
        _check_normalized_shape(normalized_shape, weight, None)
    k = len(normalized_shape)
    if input.dim() < k:
        raise ValueError(f"Input tensor must have at least {k} dimensions, but got "
                         f"{input.dim()}")
    if not _fits(input._data, normalized_shape):
        raise RuntimeError(
            f"Given normalized_shape={size_list(normalized_shape)}, expected input with shape "
            f"[*{', '.join(str(d) for d in normalized_shape)}], but got input of size"
            f"{size_list(input.shape)}")
    if not input._dtype.is_floating_point:
        check_dtypes("rms_norm", input, ())
    if eps is None:
        eps = float(xp.finfo(input._dtype.np).eps)
    dims = tuple(input.dim() - 1 - i for i in range(k))
    r = input.pow(2).mean(dims, keepdim=True).add_(eps).rsqrt()
    out = input * r
    return out * weight if weight is not None else out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Local response normalisation across neighbouring channels.

    `input / (k + alpha * mean of input^2 over size neighbouring channels)^beta`, the channels
    zero-padded at the ends (`nn.LocalResponseNorm`; `alpha=1e-4`, `beta=0.75`, `k=1.0`), composed
    as PyTorch composes it.

    Shape: input `(N, C, *)`, at least 3-D; output the same shape.
    """
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          "
                         f"input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    sq = input.mul(input)
    shape = input.shape
    before, after = size // 2, (size - 1) // 2
    pad = [sq.new_zeros((shape[0], p) + tuple(shape[2:])) for p in (before, after)]
    padded = cat([pad[0], sq, pad[1]], 1) if before or after else sq
    c = shape[1]
    window = padded.narrow(1, 0, c)
    for i in range(1, size):
        window = window + padded.narrow(1, i, c)
    div = (window / size).mul(alpha).add(k).pow(beta)
    return input / div


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """Divides by the p-norm over a dim: unit-norm vectors.

    `input / max(||input||_p, eps)`, the norm over `dim` (`p=2.0`, `dim=1`, `eps=1e-12`); with
    `out=` the result is written into `out`.

    Shape: input `(*)`; output the same shape.
    """
    if out is None:
        denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
        return input / denom
    denom = input.norm(p, dim, keepdim=True).clamp_min_(eps).expand_as(input)
    return _div(input, denom, out=out)
