"""The dropout family: PyTorch's `input * noise` (plus a shift for alpha dropout), so the noise
is what backward keeps, and in place (`inplace=True`: `input.mul_(noise)`) nothing else is kept.

dropout zeroes elements, dropout1d/2d/3d whole channels (the noise is drawn once per sample and
channel and broadcast over the rest), alpha_dropout and feature_alpha_dropout set them to SELU's
negative saturation value and rescale so that a zero-mean unit-variance input keeps its mean and
variance.
"""
import math
import warnings

from ...autograd.versions import write
from ...core.tensor import Tensor, new_tensor
from ...creation import rng, zeros

_ALPHA = 1.7580993408473766     # -SELU's negative saturation value (scale * alpha)


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input, shape, q):
    """1 where an element (or channel) is kept, with probability q, in the input's dtype."""
    return new_tensor((rng().random(shape) < q).astype(input._data.dtype), input._dtype)


def _feature_shape(input):
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return tuple(input.shape[:2]) + (1,) * (input.dim() - 2)


def _dropout(input, p, training, inplace, feature=False, alpha=False):
    """PyTorch's _dropout_impl: identity when not training, for p = 0 or an empty input; a
    multiplication by zero for p = 1; else the noise."""
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = zeros((), dtype=input.dtype)
        return input.mul_(zero) if inplace else input * zero
    shape = _feature_shape(input) if feature else tuple(input.shape)
    noise = _keep_mask(input, shape, 1 - p)
    if alpha:
        a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
        shift = noise.add(-1).mul_(_ALPHA * a).add_(_ALPHA * a * p)
        noise.mul_(a)
        out = input.mul_(noise) if inplace else input * noise
        return out.add_(shift)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def dropout(input, p=0.5, training=True, inplace=False):
    """Dropout: zeroes random elements and rescales the rest.

    Zeroes each element with probability `p` and scales the rest by `1 / (1 - p)` (`nn.Dropout`;
    `p=0.5`, `training=True`, `inplace=False`).

    The result is `input * noise` (PyTorch's form), so the node keeps only the noise. With
    `inplace=True` the input is multiplied in place (its version moves by one) and returned. With
    `training=False`, `p=0` or an empty input the input itself is returned; `p=1` multiplies by
    zero.

    Shape: input `(*)`; output the same shape.
    """
    _check_p(p)
    if not isinstance(input, Tensor):
        raise TypeError(f"{'dropout_' if inplace else 'dropout'}(): argument 'input' (position 1) "
                        f"must be Tensor, not {type(input).__name__}")
    return _dropout(input, p, training, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout, which keeps a SELU network's mean and variance.

    Alpha dropout for SELU networks (`nn.AlphaDropout`; `p=0.5`, `training=False` by default, as
    PyTorch): each element is set with probability `p` to SELU's negative saturation value, then the
    result is scaled and shifted so that a zero-mean, unit-variance input keeps its mean and
    variance.

    The node keeps the noise; `inplace=True` writes into the input (its version moves).

    Shape: input `(*)`; output the same shape.
    """
    _check_p(p)
    return _dropout(input, p, training, inplace, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels.

    Alpha dropout of whole channels (`nn.FeatureAlphaDropout`; `p=0.5`, `training=False` by default,
    `inplace=False`): the noise is drawn per sample and channel, then rescaled and shifted as in
    `alpha_dropout`. `inplace=True` writes into the input (its version moves). A `p` outside
    `[0, 1]` raises ValueError.

    Shape: input `(N, C, *)`, at least 2-D; output the same shape.
    """
    _check_p(p)
    return _dropout(input, p, training, inplace, feature=True, alpha=True)


def _unbatched(input, p, training, inplace):
    """Channel dropout of an input without a batch dimension, as PyTorch: one sample. Out of
    place it unsqueezes and squeezes; in place PyTorch's `unsqueeze_` and `squeeze_` each move
    the version (so a saved input is caught the same way), and the input is masked directly."""
    if not inplace:
        return _dropout(input.unsqueeze(0), p, training, False, feature=True).squeeze(0)
    write(input, "unsqueeze_")
    if training and p != 0 and input.numel():
        if p == 1:
            input.mul_(zeros((), dtype=input.dtype))
        else:
            noise = _keep_mask(input, (input.shape[0],) + (1,) * (input.dim() - 1), 1 - p)
            input.mul_(noise.div_(1 - p))
    write(input, "squeeze_")
    return input


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for 1-d signals.

    Channel dropout of 1-d signals (`nn.Dropout1d`): each channel of each sample zeroed with
    probability `p`, the rest scaled by `1 / (1 - p)`.

    The result is `input * noise` with the noise drawn once per sample and channel and broadcast
    over the rest, so the node keeps only the noise; `inplace=True` multiplies the input itself (its
    version moves) and returns it. With `training=False`, `p=0` or an empty input it returns the
    input itself. An unbatched input is one sample.

    Shape: input `(N, C, L)` or `(C, L)` (other ranks raise); output the same shape.
    """
    _check_p(p)
    ndim = input.dim()
    if ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs).")
    if ndim == 2:
        return _unbatched(input, p, training, inplace)
    return _dropout(input, p, training, inplace, feature=True)


def _deprecated_rank(name, ndim, spatial):
    warnings.warn(
        f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will result in "
        f"an error in a future release. To retain the behavior and silence this warning, please "
        f"use dropout instead. Note that {name} exists to provide channel-wise dropout on inputs "
        f"with {spatial} spatial dimensions, a channel dimension, and an optional batch "
        f"dimension (i.e. {spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for images.

    Channel dropout of images (`nn.Dropout2d`): each channel of each sample zeroed with probability
    `p`, the rest scaled by `1 / (1 - p)`.

    The result is `input * noise` with the noise drawn once per sample and channel and broadcast
    over the rest, so the node keeps only the noise; `inplace=True` multiplies the input itself (its
    version moves) and returns it. With `training=False`, `p=0` or an empty input it returns the
    input itself. A 3-D input is taken as `(N, C, L)`, with PyTorch's warning; other ranks than 3
    and 4 warn too.

    Shape: input `(N, C, H, W)`; output the same shape.
    """
    _check_p(p)
    ndim = input.dim()
    if ndim not in (3, 4):
        _deprecated_rank("dropout2d", ndim, 2)
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return _dropout(input, p, training, inplace, feature=True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for volumes.

    Channel dropout of volumes (`nn.Dropout3d`): each channel of each sample zeroed with probability
    `p`, the rest scaled by `1 / (1 - p)`.

    The result is `input * noise` with the noise drawn once per sample and channel and broadcast
    over the rest, so the node keeps only the noise; `inplace=True` multiplies the input itself (its
    version moves) and returns it. With `training=False`, `p=0` or an empty input it returns the
    input itself. A 4-D input is one sample; other ranks than 4 and 5 warn, as PyTorch.

    Shape: input `(N, C, D, H, W)` or `(C, D, H, W)`; output the same shape.
    """
    _check_p(p)
    ndim = input.dim()
    if ndim not in (4, 5):
        _deprecated_rank("dropout3d", ndim, 3)
    if ndim != 5:
        return _unbatched(input, p, training, inplace)
    return _dropout(input, p, training, inplace, feature=True)
