"""Losses of a prediction read as a distribution: kl_div, poisson_nll_loss, gaussian_nll_loss.

Each is composed of insitu ops exactly as PyTorch composes it (at::kl_div, at::poisson_nll_loss,
F.gaussian_nll_loss), so values, gradients of input and target, double backward and node names
are those of the same ops. kl_div's x*log(x) is PyTorch's xlogy, a node of its own here
(XlogyBackward0) with PyTorch's formulas."""
import math
import warnings

from ...autograd.grad_mode import no_grad
from ...backend import xp
from ...core import dtypes
from ...core.tensor import wrap
from ...ops.derivatives import Derivative, record
from ._reduction import check_reduction, legacy_get_string, reduce_tensor, resolve


# ------------------------------------------------------------------ xlogy(self, other)
# self * log(other), 0 where self == 0 (nan where other is nan), as at::xlogy

def _xlogy_array(x, y):
    with xp.errstate(divide="ignore", invalid="ignore"):
        r = xp.where(x == 0, 0, x * xp.log(y))
    return xp.where(xp.isnan(y), xp.nan, r).astype(xp.result_type(x, y), copy=False)


_XLOGY = Derivative("XlogyBackward0", {
    # PyTorch: grad * at::xlogy((self != 0), other) and grad * self / other
    "self": lambda grad, self, other: grad * other.log().masked_fill(self == 0, 0),
    "other": lambda grad, self, other: grad * self / other,
})


def _xlogy(x, y):
    dt = dtypes.promote_types(x._dtype, y._dtype)
    out = wrap(_xlogy_array(x._data, y._data).astype(dt.np, copy=False), dt)
    return record(_XLOGY, (x, y), out)


# ------------------------------------------------------------------ the losses

_KL_MEAN = ("reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence loss.

    The Kullback-Leibler divergence of `target` from the input's distribution:
    `target * (log(target) - input)`, 0 where the target is 0 (PyTorch's xlogy), the input holding
    log-probabilities (`nn.KLDivLoss`). With `log_target=True` the target holds log-probabilities
    too: `exp(target) * (target - input)`.

    `reduction`: "mean" (the default: over every element, with PyTorch's warning), "batchmean" (the
    sum divided by the batch size: the divergence's definition), "sum" or "none"; the legacy
    `size_average` / `reduce` pair wins when given. Floating inputs only. Composed of Tensor ops as
    PyTorch composes it.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """
    if size_average is not None or reduce is not None:
        enum = legacy_get_string(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn(_KL_MEAN, stacklevel=2)
        enum = "sum" if reduction == "batchmean" else check_reduction(reduction)
    if not (input._dtype.is_floating_point and target._dtype.is_floating_point):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        out = target.exp() * (target - input)
    else:
        out = _xlogy(target, target) - target * input
    reduced = reduce_tensor(out, enum)
    if reduction == "batchmean" and input.dim() != 0:
        reduced = reduced / input.size()[0]
    return reduced


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Poisson negative log-likelihood loss.

    The Poisson negative log-likelihood: `exp(input) - target * input` (`log_input=True`, the
    default), else `input - target * log(input + eps)` (`nn.PoissonNLLLoss`; `eps=1e-8`).

    `full=True` adds Stirling's approximation of `log(target!)`,
    `target * log(target) - target + 0.5 * log(2 * pi * target)`, where the target is above 1.
    `reduction`: "mean" (the default), "sum" or "none"; `size_average` and `reduce` are PyTorch's
    deprecated pair, which wins when given (with a warning). Composed of Tensor ops.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * ((2 * math.pi) * target).log()
        loss += stirling.masked_fill(target <= 1, 0)
    return reduce_tensor(loss, reduction)


_ANY_OF_BOOL = ("any() received an invalid combination of arguments - got ({}), but expected one "
                "of:\n * (Tensor input, *, Tensor out = None)\n * (Tensor input, tuple of ints dim "
                "= None, bool keepdim = False, *, Tensor out = None)\n * (Tensor input, int dim, "
                "bool keepdim = False, *, Tensor out = None)\n")


def _gaussian_var(var, input):
    """var as a tensor that broadcasts against input (PyTorch's homoscedastic cases)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        return var * input.new_ones(input.shape)
    if not hasattr(var, "_data"):
        raise TypeError(_ANY_OF_BOOL.format(type(var < 0).__name__))
    if (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    vs, xs = tuple(var._data.shape), tuple(input._data.shape)
    if vs != xs:
        if xs[:-1] == vs:
            return var.unsqueeze(-1)
        if not (len(xs) == len(vs) and sum(y for x, y in zip(xs, vs) if x != y) == 1):
            raise ValueError("var is of incorrect size")
    return var


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood loss with predicted variances.

    The Gaussian negative log-likelihood: `0.5 * (log(var) + (input - target)^2 / var)`, plus
    `0.5 * log(2 * pi)` with `full=True` (`nn.GaussianNLLLoss`; `eps=1e-6`, `reduction="mean"`).

    `var` has the input's shape, or one dim fewer at the end, or a dim of size 1 (a shared
    variance), or is a float; negative entries raise ValueError. It is clamped below at `eps` under
    no_grad, so the gradient flows as if unclamped, as in PyTorch.

    Shape: input `(N, *)`; target the same shape; output `()`, or `(N, *)` with "none".
    """
    var = _gaussian_var(var, input)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)        # clamped for stability, differentiated as unclamped
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    return reduce_tensor(loss, reduction)
