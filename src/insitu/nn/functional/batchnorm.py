"""batch_norm as one fused node (PyTorch's NativeBatchNormBackward0).

The node keeps the input and the weight (version-checked) and the per-channel mean and inverse
standard deviation (private arrays); backward rebuilds the centred input from them instead of
storing the normalised one. Statistics are accumulated in float64, as PyTorch's CPU kernel does.

The running statistics are updated in place, and, as in PyTorch, without a version bump: PyTorch's
kernel writes them through their data pointer, so a saved running mean does not count as
modified. Every check runs before that write, so a call that raises leaves them untouched.
"""
from ...autograd.versions import check_writable
from ...backend import xp
from ...core.tensor import new_tensor, wrap
from ...ops.derivatives import Derivative, record
from ._moments import as_dtype, channel_dots, channel_sums, check_dtypes

_INPUTS = ("input", "weight", "bias")


def _channels(x):
    """x (N, C, *) as (N, C, L) (a view of a contiguous x)."""
    return x.reshape(x.shape[0], x.shape[1], -1)


def _bshape(x):
    """The shape of a per-channel vector broadcasting over x (N, C, *)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _col(v, dtype):
    """A per-channel vector shaped to broadcast over (N, C, L), in `dtype`."""
    return as_dtype(v, dtype).reshape(1, -1, 1)


def _batch_norm_composite(input, weight, bias, mean, rstd, training, eps):
    x = input._data
    dims = (0,) + tuple(range(2, x.ndim))
    bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
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
    dt = input.dtype
    bshape = _bshape(input)
    d = xp.subtract(input, mean.reshape(bshape), order="C")   # x - mean, then the gradient
    d3, g3 = _channels(d), _channels(grad)
    n = d3.shape[0] * d3.shape[2]
    gx = gw = gb = None
    sum_g = channel_sums(g3) if needs[2] or (needs[0] and training) else None
    dot = channel_dots(g3, d3) if needs[1] or (needs[0] and training) else None
    rstd64 = rstd.astype(xp.float64)
    w64 = weight.astype(xp.float64) if weight is not None else 1.0
    if needs[0]:
        if training:
            # (g - mean(g) - (x - mean) * rstd^2 * mean(g * (x - mean))) * rstd * w
            d3 *= _col(dot / n * rstd64 * rstd64, dt)
            xp.subtract(g3, d3, out=d3)
            d3 -= _col(sum_g / n, dt)
            d3 *= _col(rstd64 * w64, dt)
            gx = d
        else:
            gx = grad * as_dtype(rstd64 * w64, dt).reshape(bshape)
    if needs[1]:
        gw = dot * rstd64
    if needs[2]:
        gb = sum_g
    return gx, gw, gb


_BATCH_NORM = Derivative("NativeBatchNormBackward0", {_INPUTS: _batch_norm_backward},
                         inputs=_INPUTS, composite=_batch_norm_composite)


def _check_features(name, t, channels):
    if t is not None and t.numel() != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")


def _verify_batch_size(shape):
    size = shape[0]
    for s in shape[2:]:
        size *= s
    if size == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{shape}")


def _update(buf, batch_value, momentum):
    """running = momentum * batch + (1 - momentum) * running, in float64, written in place."""
    old = buf._data.astype(xp.float64)
    new = momentum * batch_value + (1 - momentum) * old
    xp.copyto(buf._data, new, casting="unsafe")


def _empty(input, weight, bias):
    """PyTorch's answer for an input without elements: a copy (times weight[0] plus bias[0])."""
    out = input.clone()
    if weight is not None:
        out = out * weight[0]
    if bias is not None:
        out = out + bias[0]
    return out


def check_batch_norm(input, running_mean, running_var, weight, bias, training, eps):
    """Every refusal of `batch_norm`, in PyTorch's order (the sizes, eps, the statistics' and
    parameters' sizes and dtypes, writable running statistics); True when the input has no elements.
    `BatchNorm` layers run it before `num_batches_tracked` moves.
    """
    if training:
        _verify_batch_size(input.shape)
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    x = input._data
    if x.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(x.ndim, 1)}, "
                         f"{max(x.ndim, 1) - 1}], but got 1)")
    if x.size == 0:
        return True
    channels = x.shape[1]
    _check_features("running_mean", running_mean, channels)
    if running_mean is None and not training:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    _check_features("running_var", running_var, channels)
    if running_var is None and not training:
        raise RuntimeError("running_var must be defined in evaluation mode")
    _check_features("weight", weight, channels)
    _check_features("bias", bias, channels)
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be "
                         "None")
    check_dtypes("batch_norm", input, (weight, bias, running_mean, running_var))
    if training and running_mean is not None:
        for buf in (running_mean, running_var):
            check_writable(buf, "batch_norm")
    return False


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation per channel, with batch or running statistics.

    `y = (x - mean) / sqrt(var + eps) * weight + bias` per channel (dim 1) (`nn.BatchNorm1d` and its
    kin).

    With `training=True` the mean and biased variance are the batch's, over every dim but the
    channels, and `running_mean` / `running_var` (when given) are updated in place:
    `running = (1 - momentum) * running + momentum * batch`, the variance unbiased; as in PyTorch
    that write bumps no version. With `training=False` the running statistics are used (they must be
    given). Every check runs before the write, so a call that raises changes nothing.

    One fused node (NativeBatchNormBackward0): it keeps the input and the weight (version-checked)
    and the per-channel mean and inverse standard deviation (private arrays). Statistics are
    accumulated in float64.

    Shape: input `(N, C, *)`; running statistics, weight and bias `(C,)`; output the input's shape.
    """
    if check_batch_norm(input, running_mean, running_var, weight, bias, training, eps):
        return _empty(input, weight, bias)
    x = input._data
    dt = x.dtype
    if training:
        x3 = _channels(x)
        n = x3.shape[0] * x3.shape[2]
        mean64 = channel_sums(x3) / n
        # centred: the output's buffer (C order, so that its (N, C, L) view is a view)
        y = xp.subtract(x, as_dtype(mean64, dt).reshape(_bshape(x)), order="C")
        y3 = _channels(y)
        var64 = channel_dots(y3, y3) / n
        rstd64 = 1.0 / xp.sqrt(var64 + eps)
        if running_mean is not None:
            _update(running_mean, mean64, momentum)
            _update(running_var, var64 * n / max(n - 1, 1), momentum)
        scale = rstd64 if weight is None else rstd64 * weight._data.astype(xp.float64)
        y3 *= _col(scale, dt)
        if bias is not None:
            y3 += _col(bias._data, dt)
    else:
        mean64 = running_mean._data.astype(xp.float64)
        rstd64 = 1.0 / xp.sqrt(running_var._data.astype(xp.float64) + eps)
        # PyTorch's evaluation form: x * alpha + beta per channel
        alpha = rstd64 if weight is None else rstd64 * weight._data.astype(xp.float64)
        beta = -mean64 * alpha
        if bias is not None:
            beta += bias._data
        bshape = _bshape(x)
        y = x * as_dtype(alpha, dt).reshape(bshape)
        y += as_dtype(beta, dt).reshape(bshape)
    out = new_tensor(y, input._dtype)
    return record(_BATCH_NORM, (input, weight, bias), out,
                  {"mean": mean64.astype(dt), "rstd": rstd64.astype(dt), "training": training,
                   "eps": eps})
