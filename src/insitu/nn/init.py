"""insitu.nn.init: fill a tensor in place, under no_grad, with a chosen distribution.

Every function writes into the tensor it is given (same buffer, version bumped once per write)
and returns it, so a model's parameters keep their identity: an optimizer built before
re-initialising still updates the same tensors.
"""
import math
import warnings

from ..autograd.grad_mode import no_grad
from ..backend import xp
from ..core import dtypes
from ..core.tensor import wrap
from ..creation import empty_like, randperm
from ..creation import eye as _eye

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
           "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_", "uniform", "normal", "constant", "eye",
           "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
           "orthogonal", "sparse"]


def calculate_gain(nonlinearity, param=None):
    """The recommended scaling gain for a nonlinearity.

    The recommended gain for a nonlinearity, as PyTorch gives it: 1 for "linear", the conv and
    conv_transpose names and "sigmoid"; 5/3 for "tanh"; `sqrt(2)` for "relu";
    `sqrt(2 / (1 + slope^2))` for "leaky_relu" (`param` the slope, 0.01 when None); 3/4 for "selu".
    Other names, and a non-number `param`, raise ValueError.
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.size(1) * receptive, tensor.size(0) * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _xavier_std(tensor, gain):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def _write(tensor, arr):
    """Copy freshly drawn values into `tensor` (one in-place write)."""
    with no_grad():
        tensor.copy_(wrap(arr, tensor._dtype) if not hasattr(arr, "_data") else arr)
    return tensor


def _uniform(tensor, a, b, generator):
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def _normal(tensor, mean, std, generator):
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fills a tensor from a uniform distribution.

    Draws from `U(a, b)` (defaults 0 and 1), from `generator` when given. Writes into `tensor` under
    no_grad (its version moves) and returns it.
    """
    return _uniform(tensor, a, b, generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fills a tensor from a normal distribution.

    Fills `tensor` with draws from `N(mean, std^2)` (defaults 0 and 1), from `generator` when given.
    Writes into `tensor` under no_grad (its version moves) and returns it.
    """
    return _normal(tensor, mean, std, generator)


def _norm_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fills a tensor from a truncated normal distribution.

    Fills `tensor` from `N(mean, std^2)` (defaults 0 and 1) truncated to `[a, b]` (defaults -2 and
    2), drawing from `generator` when given, by PyTorch's method: while most of the mass lies inside
    (more than 0.3) the values outside are redrawn; otherwise uniform proposals on `[a, b]` are
    accepted with probability pdf / peak. Every draw is in `tensor`'s own dtype. A `mean` more than
    2 std from `[a, b]` warns. Writes into `tensor` under no_grad (its version moves) and returns
    it.
    """
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    with no_grad():
        if _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std) > 0.3:
            lo, hi = tensor.new_tensor(a).item(), tensor.new_tensor(b).item()
            result = tensor.normal_(mean, std, generator=generator)
            while True:
                mask = (result < lo) | (result > hi)
                if not mask.any():
                    break
                redrawn = empty_like(result).normal_(mean, std, generator=generator)
                result = redrawn.where(mask, result)
            if result is not tensor:
                tensor.copy_(result)
            return tensor
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        candidates, accept = empty_like(tensor), empty_like(tensor)
        tensor.uniform_(a, b, generator=generator)
        candidates.copy_(tensor)
        candidates.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(log_peak)     # log pdf / peak
        pending = accept.uniform_(generator=generator).log_().gt(candidates)
        if pending.any():
            result = tensor
            while True:
                candidates.uniform_(a, b, generator=generator)
                result = candidates.where(pending, result)
                candidates.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(log_peak)
                pending = accept.uniform_(generator=generator).log_().gt(candidates) \
                    .where(pending, pending)
                if not pending.any():
                    break
            tensor.copy_(result)
    return tensor


def constant_(tensor, val):
    """Fills a tensor with a constant.

    Fills `tensor` with `val`. Writes into `tensor` under no_grad (its version moves) and returns
    it.
    """
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fills a tensor with ones.

    Fills `tensor` with ones. Writes into `tensor` under no_grad (its version moves) and returns it.
    """
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fills a tensor with zeros.

    Fills `tensor` with zeros. Writes into `tensor` under no_grad (its version moves) and returns
    it.
    """
    with no_grad():
        return tensor.zero_()


def eye_(tensor):
    """Fills a 2-D tensor with the identity matrix.

    Fills the 2-D `tensor` with the identity matrix (ones on the diagonal of a rectangular one too);
    other ranks raise ValueError. Writes into `tensor` under no_grad (its version moves) and returns
    it.
    """
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, _eye(*tensor.shape, dtype=tensor.dtype))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot (Xavier) uniform initialisation.

    Glorot initialisation: fills `tensor` from `U(-a, a)`, `a = gain * sqrt(6 / (fan_in + fan_out))`
    (`gain=1.0`), fan_in `size(1) * receptive field` and fan_out `size(0) * receptive field`,
    drawing from `generator` when given; fewer than 2 dims raise ValueError. Writes into `tensor`
    under no_grad (its version moves) and returns it.
    """
    a = math.sqrt(3.0) * _xavier_std(tensor, gain)
    return _uniform(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot (Xavier) normal initialisation.

    Glorot initialisation: fills `tensor` from `N(0, std^2)`,
    `std = gain * sqrt(2 / (fan_in + fan_out))` (`gain=1.0`), drawing from `generator` when given;
    fewer than 2 dims raise ValueError. Writes into `tensor` under no_grad (its version moves) and
    returns it.
    """
    return _normal(tensor, 0.0, _xavier_std(tensor, gain), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He (Kaiming) uniform initialisation.

    He initialisation: fills `tensor` from `U(-bound, bound)`, `bound = sqrt(3) * gain / sqrt(fan)`,
    the gain `calculate_gain(nonlinearity, a)` (`a=0`, `nonlinearity="leaky_relu"`) and fan the
    fan_in or fan_out as `mode` says (`"fan_in"`; another mode raises ValueError), drawing from
    `generator` when given. A tensor without elements is left as it is, with PyTorch's warning.
    Writes into `tensor` under no_grad (its version moves) and returns it.
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)   # PyTorch's rounding
    return _uniform(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He (Kaiming) normal initialisation.

    He initialisation: fills `tensor` from `N(0, std^2)`, `std = gain / sqrt(fan)`, the gain
    `calculate_gain(nonlinearity, a)` (`a=0`, `nonlinearity="leaky_relu"`) and fan as `mode` says
    (`"fan_in"`), drawing from `generator` when given. A tensor without elements is left as it is,
    with PyTorch's warning. Writes into `tensor` under no_grad (its version moves) and returns it.
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return _normal(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def dirac_(tensor, groups=1):
    """Fills a convolution weight with the identity kernel.

    Fills the 3-, 4- or 5-D `tensor` (a convolution weight) with the identity of a convolution: 1 at
    the kernel's centre where the output channel meets its own input channel (within each of
    `groups` groups, default 1), 0 elsewhere. Other ranks, and a dim 0 not divisible by `groups`,
    raise ValueError. Writes into `tensor` under no_grad (its version moves) and returns it.
    """
    dimensions = tensor.ndimension()
    if dimensions not in [3, 4, 5]:
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.size()
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = sizes[0] // groups
    min_dim = min(out_per_group, sizes[1])
    d = xp.arange(min_dim)
    outs = (xp.arange(groups)[:, None] * out_per_group + d).reshape(-1)
    index = [outs, xp.tile(d, groups)] + [xp.full(outs.shape, s // 2) for s in sizes[2:]]
    with no_grad():
        tensor.zero_()
        tensor.index_put_(tuple(wrap(i.astype(xp.int64), dtypes.int64) for i in index),
                          wrap(xp.ones((), tensor._dtype.np), tensor._dtype))
    return tensor


def orthogonal_(tensor, gain=1, generator=None):
    """Fills a tensor with a (semi-)orthogonal matrix.

    Fills `tensor` (at least 2-D, viewed as `(size(0), rest)`) with a (semi-)orthogonal matrix times
    `gain` (default 1): the Q of the QR decomposition of a standard normal matrix (drawn from
    `generator` when given), its signs made unique by R's diagonal. Fewer than 2 dims raise
    ValueError; an empty tensor is returned as it is. Writes into `tensor` under no_grad (its
    version moves) and returns it.
    """
    if tensor.ndimension() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flat = tensor.new_empty((rows, cols)).normal_(0, 1, generator=generator)._data
    if rows < cols:
        flat = flat.T
    q, r = xp.linalg.qr(flat)
    q *= xp.sign(xp.diag(r))       # Q uniform (Mezzadri, arXiv:math-ph/0609050)
    if rows < cols:
        q = q.T
    with no_grad():
        tensor.view(rows, cols).copy_(wrap(xp.ascontiguousarray(q), tensor._dtype))
        tensor.mul_(gain)
    return tensor


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fills a 2-D tensor with a sparse normal matrix.

    Fills the 2-D `tensor` from `N(0, std^2)` (`std=0.01`, drawn from `generator` when given), then
    zeros `ceil(sparsity * rows)` entries of each column, the rows picked by `randperm` as PyTorch
    does. Other ranks raise ValueError. Writes into `tensor` under no_grad (its version moves) and
    returns it.
    """
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with no_grad():
        tensor.normal_(0, std, generator=generator)
        zero_rows = [randperm(rows)._data[:num_zeros] for _ in range(cols)]
        if cols and num_zeros:
            r = xp.concatenate(zero_rows)
            c = xp.repeat(xp.arange(cols), len(zero_rows[0]))
            tensor.index_put_((wrap(r, dtypes.int64), wrap(c, dtypes.int64)),
                              wrap(xp.zeros((), tensor._dtype.np), tensor._dtype))
    return tensor


def _make_deprecate(meth):
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of "
                      f"`nn.init.{new_name}`.", FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__doc__ = (f"PyTorch's deprecated name of `{new_name}`: a FutureWarning, then "
                               f"`{new_name}(*args, **kwargs)`.")
    deprecated_init.__name__ = old_name
    return deprecated_init


# The un-suffixed names are PyTorch's deprecated aliases
uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
