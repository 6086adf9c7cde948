"""pixel_shuffle, pixel_unshuffle and channel_shuffle: permutations of the input's elements,
each one node whose gradient is the inverse permutation (PixelShuffleBackward0's gradient is a
pixel unshuffle, whose gradient is a pixel shuffle again)."""
from ...backend import xp
from ._windows import LinearOp


def _shuffle(a, r):
    lead, (c, h, w) = a.shape[:-3], a.shape[-3:]
    oc = c // (r * r)
    v = a.reshape(lead + (oc, r, r, h, w))
    n = len(lead)
    v = v.transpose(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return xp.ascontiguousarray(v).reshape(lead + (oc, h * r, w * r))


def _unshuffle(a, r):
    lead, (c, h, w) = a.shape[:-3], a.shape[-3:]
    oh, ow = h // r, w // r
    v = a.reshape(lead + (c, oh, r, ow, r))
    n = len(lead)
    v = v.transpose(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return xp.ascontiguousarray(v).reshape(lead + (c * r * r, oh, ow))


def _channels(a, groups):
    n, c = a.shape[:2]
    v = a.reshape((n, groups, c // groups) + a.shape[2:]).swapaxes(1, 2)
    return xp.ascontiguousarray(v).reshape(a.shape)


_SHUFFLE = LinearOp("PixelShuffleBackward0", _shuffle)
_UNSHUFFLE = LinearOp("PixelUnshuffleBackward0", _unshuffle)
_SHUFFLE.backward, _UNSHUFFLE.backward = _UNSHUFFLE, _SHUFFLE
# the inverse of a shuffle by g groups is a shuffle by C/g groups
def _channels_adjoint(grad, groups):
    return _CHANNELS(grad, grad.shape[1] // groups)


_CHANNELS = LinearOp("ChannelShuffleBackward0", _channels, _channels_adjoint)


def _at_least_3d(input, fn):
    if input.ndim < 3:
        raise RuntimeError(f"{fn} expects input to have at least 3 dimensions, but got input "
                           f"with {input.ndim} dimension(s)")


def pixel_shuffle(input, upscale_factor):
    """Moves channel blocks into space: `(C * r^2, H, W)` to `(C, H * r, W * r)`.

    Rearranges `(*, C * r^2, H, W)` into `(*, C, H * r, W * r)`, r the `upscale_factor`
    (`nn.PixelShuffle`). One node (PixelShuffleBackward0) whose gradient is `pixel_unshuffle`:
    nothing is kept.
    """
    _at_least_3d(input, "pixel_shuffle")
    r = upscale_factor
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    return _SHUFFLE(input, r)


def pixel_unshuffle(input, downscale_factor):
    """Moves space into channels: the inverse of `pixel_shuffle`.

    Rearranges `(*, C, H * r, W * r)` into `(*, C * r^2, H, W)`, r the `downscale_factor`
    (`nn.PixelUnshuffle`); its gradient is `pixel_shuffle`.
    """
    _at_least_3d(input, "pixel_unshuffle")
    r = downscale_factor
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    h, w = input.shape[-2:]
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    return _UNSHUFFLE(input, r)


def channel_shuffle(input, groups):
    """Interleaves the channels of `groups` groups.

    Shuffles the channels of `(N, C, *)`: seen as `(N, groups, C / groups, *)`, the two channel dims
    are swapped (`nn.ChannelShuffle`). One node (ChannelShuffleBackward0) whose gradient is the
    inverse shuffle (by `C / groups` groups). `native_channel_shuffle` is the same function.
    """
    if input.ndim <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes [{', '.join(str(d) for d in input.shape)}]")
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    return _CHANNELS(input, groups)


native_channel_shuffle = channel_shuffle
