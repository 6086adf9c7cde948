"""layer_norm and batch_norm as fused nodes (PyTorch's NativeLayerNorm/NativeBatchNorm).

One formula gives the input's, weight's and bias's gradients together: the node keeps the input
and the weight (version-checked) and the per-row statistics (private arrays), and rebuilds the
normalised input from them instead of storing it. Batch norm's running statistics are updated
in place with one `copy_` each, from statistics accumulated in float64 as PyTorch's CPU kernel
does.
"""
from ...backend import xp
from ...core.tensor import wrap
from ...ops.derivatives import Derivative, record

_INPUTS = ("input", "weight", "bias")


def _affine(y, w, b, bshape):
    if w is not None:
        y *= w._data.reshape(bshape)
    if b is not None:
        y += b._data.reshape(bshape)
    return y


def _normalise_backward(g, xhat, rstd, w, axes, bshape):
    """d/dx of (x - mean) * rstd with mean/var taken over `axes`, given dL/dxhat."""
    gx = g * w.reshape(bshape) if w is not None else g.copy()
    m1 = gx.mean(axis=axes, keepdims=True)
    m2 = (gx * xhat).mean(axis=axes, keepdims=True)
    gx -= m1
    gx -= xhat * m2
    gx *= rstd
    return gx


def _param_grads(needs, g, xhat, param_axes):
    """The weight's and bias's gradients (None where not needed)."""
    return ((g * xhat).sum(axis=param_axes) if needs[1] else None,
            g.sum(axis=param_axes) if needs[2] else None)


# ------------------------------------------------------------------ layer norm

def _ln_axes(x, normalized_shape):
    k = len(normalized_shape)
    return tuple(range(x.ndim - k, x.ndim))


def _layer_norm_composite(input, weight, bias, normalized_shape, eps):
    dims = _ln_axes(input._data, normalized_shape)
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
    axes = _ln_axes(input, normalized_shape)
    xhat = (input - mean) * rstd
    bshape = input.shape[input.ndim - len(axes):]
    gx = _normalise_backward(grad, xhat, rstd, weight, axes, bshape) if needs[0] else None
    lead = tuple(range(input.ndim - len(axes)))
    return (gx,) + _param_grads(needs, grad, xhat, lead)


_LAYER_NORM = Derivative("NativeLayerNormBackward0", {_INPUTS: _layer_norm_backward},
                         inputs=_INPUTS, composite=_layer_norm_composite)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    x = input._data
    k = len(normalized_shape)
    if x.ndim < k or x.shape[x.ndim - k:] != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(str(d) for d in normalized_shape)}], but got input of size"
            f"{list(x.shape)}")
    axes = _ln_axes(x, normalized_shape)
    mean = x.mean(axis=axes, keepdims=True)
    d = x - mean
    var = (d * d).mean(axis=axes, keepdims=True)
    rstd = 1.0 / xp.sqrt(var + eps)
    d *= rstd
    y = _affine(d, weight, bias, normalized_shape)
    out = wrap(y.astype(x.dtype, copy=False), input._dtype)
    return record(_LAYER_NORM, (input, weight, bias), out,
                  {"mean": mean.astype(x.dtype), "rstd": rstd.astype(x.dtype),
                   "normalized_shape": normalized_shape, "eps": eps})


# ------------------------------------------------------------------ batch norm

def _bn_axes(x):
    return (0,) + tuple(range(2, x.ndim))


def _bn_bshape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _batch_norm_composite(input, weight, bias, mean, rstd, training, eps):
    x = input._data
    dims = _bn_axes(x)
    bshape = _bn_bshape(x)
    if training:
        mu = input.mean(dims, keepdim=True)
        d = input - mu
        var = (d * d).mean(dims, keepdim=True)
        y = d / (var + eps).sqrt()
    else:
        y = (input - wrap(mean.reshape(bshape), input._dtype)) * wrap(rstd.reshape(bshape),
                                                                       input._dtype)
    if weight is not None:
        y = y * weight.reshape(bshape)
    if bias is not None:
        y = y + bias.reshape(bshape)
    return y


def _batch_norm_backward(grad, input, weight, needs, mean, rstd, training):
    axes, bshape = _bn_axes(input), _bn_bshape(input)
    mean_b, rstd_b = mean.reshape(bshape), rstd.reshape(bshape)
    xhat = (input - mean_b) * rstd_b
    gx = None
    if needs[0]:
        if training:
            gx = _normalise_backward(grad, xhat, rstd_b, weight, axes, bshape)
        else:
            gx = grad * rstd_b
            if weight is not None:
                gx *= weight.reshape(bshape)
    return (gx,) + _param_grads(needs, grad, xhat, axes)


_BATCH_NORM = Derivative("NativeBatchNormBackward0", {_INPUTS: _batch_norm_backward},
                         inputs=_INPUTS, composite=_batch_norm_composite)


def _update_running(buf, batch_value, momentum):
    new = momentum * batch_value + (1 - momentum) * buf._data.astype(xp.float64)
    buf.copy_(wrap(new.astype(buf._data.dtype), buf._dtype))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    x = input._data
    if x.ndim < 2:
        raise ValueError(f"expected 2D or 3D input (got {x.ndim}D input)")
    if training:
        size = x.size // x.shape[1]
        if size == 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
    axes, bshape = _bn_axes(x), _bn_bshape(x)
    if training:
        x64 = x.astype(xp.float64)
        mean64 = x64.mean(axis=axes)
        var64 = ((x64 - mean64.reshape(bshape)) ** 2).mean(axis=axes)
        n = x.size // x.shape[1]
        if running_mean is not None:
            _update_running(running_mean, mean64, momentum)
        if running_var is not None:
            _update_running(running_var, var64 * n / max(n - 1, 1), momentum)
        mean = mean64.astype(x.dtype)
        rstd = (1.0 / xp.sqrt(var64 + eps)).astype(x.dtype)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        mean = running_mean._data.astype(x.dtype)
        rstd = (1.0 / xp.sqrt(running_var._data.astype(xp.float64) + eps)).astype(x.dtype)
    y = (x - mean.reshape(bshape)) * rstd.reshape(bshape)
    y = _affine(y, weight, bias, bshape)
    out = wrap(y.astype(x.dtype, copy=False), input._dtype)
    return record(_BATCH_NORM, (input, weight, bias), out,
                  {"mean": mean, "rstd": rstd, "training": training, "eps": eps})
