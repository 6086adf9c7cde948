"""Activation layers, as torch.nn has them (arguments, attributes and repr).

With `inplace=True` the layer overwrites its input (see `insitu.nn.functional.activation`).
"""
import warnings

from ...creation import empty
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import _factory
from .module import Module


def _inplace_repr(inplace, sep=""):
    return f"{sep}inplace=True" if inplace else ""


class _Inplace(Module):
    """A layer whose only argument is `inplace`."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class ReLU(_Inplace):
    """`max(0, x)`, elementwise: the rectified linear unit (`F.relu`).

    `inplace=True` overwrites the input and returns it (its version moves by one). Either way the
    node (ReluBackward0) keeps only the output: the gradient is read off it.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def forward(self, input):
        """Returns `F.relu(input, inplace=self.inplace)`."""
        return F.relu(input, inplace=self.inplace)


class SiLU(_Inplace):
    """`x * sigmoid(x)`, elementwise (the swish; `F.silu`).

    The node (SiluBackward0) keeps the input. `inplace=True` overwrites the input (its version moves
    by one) and the node keeps a copy of the input, as PyTorch's does.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def forward(self, input):
        """Returns `F.silu(input, inplace=self.inplace)`."""
        return F.silu(input, inplace=self.inplace)


class SELU(_Inplace):
    """Scaled ELU layer (self-normalising).

    `scale * elu(x, alpha)` with PyTorch's constants `alpha = 1.6732632423543772`,
    `scale = 1.0507009873554805` (`F.selu`): the self-normalising activation.

    It is elu with those coefficients, so its node is EluBackward0 keeping the input, or with
    `inplace=True` (the input overwritten, its version moved by one) EluBackward1 keeping only the
    output.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def forward(self, input):
        """Returns `F.selu(input, self.inplace)`."""
        return F.selu(input, self.inplace)


class Mish(_Inplace):
    """`x * tanh(softplus(x))`, elementwise (`F.mish`; floating inputs only).

    The node (MishBackward0) keeps the input; `inplace=True` overwrites the input (its version moves
    by one) and the node keeps a copy of the input, as PyTorch's does.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def forward(self, input):
        """Returns `F.mish(input, inplace=self.inplace)`."""
        return F.mish(input, inplace=self.inplace)


class Hardswish(_Inplace):
    """`x * relu6(x + 3) / 6`, elementwise (`F.hardswish`): 0 below -3, `x` above 3.

    The node (HardswishBackward0) keeps the input; `inplace=True` overwrites the input (its version
    moves by one) and the node keeps a copy of the input. The repr shows no arguments, as PyTorch's.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def forward(self, input):
        """Returns `F.hardswish(input, self.inplace)`."""
        return F.hardswish(input, self.inplace)

    def extra_repr(self):
        return ""


class Hardsigmoid(_Inplace):
    """`relu6(x + 3) / 6`, elementwise (`F.hardsigmoid`): 0 below -3, 1 above 3.

    The node (HardsigmoidBackward0) keeps the input; `inplace=True` overwrites the input (its
    version moves by one) and the node keeps a copy of the input. The repr shows no arguments, as
    PyTorch's.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def forward(self, input):
        """Returns `F.hardsigmoid(input, self.inplace)`."""
        return F.hardsigmoid(input, self.inplace)

    def extra_repr(self):
        return ""


class LeakyReLU(Module):
    """`x` where `x >= 0`, `negative_slope * x` elsewhere (`F.leaky_relu`).

    Arguments: `negative_slope=0.01`, `inplace=False`. Out of place the node (LeakyReluBackward0)
    keeps the input. In place (the input overwritten, its version moved by one) the node
    (LeakyReluBackward1) keeps only the output; its backward refuses a negative slope, with
    PyTorch's error, since the output no longer tells the sign of the input.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        """Returns `F.leaky_relu(input, self.negative_slope, self.inplace)`."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + _inplace_repr(self.inplace, ", ")


class Hardtanh(Module):
    """`x` clamped to `[min_val, max_val]` (defaults -1 and 1; `F.hardtanh`).

    `max_val <= min_val` raises. `min_value` and `max_value` are PyTorch's deprecated spellings
    (FutureWarning). The gradient passes where the output is strictly inside the bounds, so the node
    (HardtanhBackward0) keeps only the output, also with `inplace=True` (the input overwritten, its
    version moved by one).

    Shape: input `(*)`, any shape; output the same shape.
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({self.max_val}) must be greater than min_val "
                                 f"({self.min_val})")

    def forward(self, input):
        """Returns `F.hardtanh(input, self.min_val, self.max_val, self.inplace)`."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + \
            _inplace_repr(self.inplace, ", ")


class ReLU6(Hardtanh):
    """`min(max(0, x), 6)`, elementwise: `Hardtanh(0, 6)`.

    `inplace=True` overwrites the input and returns it (its version moves by one). Either way the
    node (HardtanhBackward0) keeps only the output: the gradient is read off it.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class ELU(Module):
    """`x` where `x > 0`, `alpha * (exp(x) - 1)` elsewhere (`F.elu`; floating inputs only).

    Arguments: `alpha=1.0`, `inplace=False`. Out of place the node (EluBackward0) keeps the input;
    in place (the input overwritten, its version moved by one) the node (EluBackward1) keeps only
    the output, and its backward refuses a negative `alpha`, as PyTorch's.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        """Returns `F.elu(input, self.alpha, self.inplace)`."""
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + _inplace_repr(self.inplace, ", ")


class CELU(ELU):
    """`max(0, x) + min(0, alpha * (exp(x / alpha) - 1))` (`F.celu`; `alpha=0` raises).

    Arguments: `alpha=1.0`, `inplace=False`. Out of place the node (CeluBackward0) keeps the input;
    in place (the input overwritten, its version moved by one) the node (CeluBackward1) keeps only
    the output.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def forward(self, input):
        """Returns `F.celu(input, self.alpha, self.inplace)`."""
        return F.celu(input, self.alpha, self.inplace)


class RReLU(Module):
    """Randomised leaky ReLU layer.

    Randomised leaky ReLU (`F.rrelu`): in training, each element `x <= 0` is multiplied by a slope
    drawn uniformly from `[lower, upper]` (defaults 1/8 and 1/3); in evaluation the slope is
    `(lower + upper) / 2` for `x < 0`.

    In training the node (RreluWithNoiseBackward0) keeps the drawn noise (the slopes, 1 where
    `x > 0`); in evaluation it keeps the input. `inplace=True` overwrites the input (its version
    moves by one) and the node (RreluWithNoiseBackward1) keeps the noise in training, only the
    output in evaluation.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        """Returns `F.rrelu(input, self.lower, self.upper, self.training, self.inplace)`."""
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + _inplace_repr(self.inplace, ", ")


class PReLU(Module):
    """`x` where `x > 0`, `weight * x` elsewhere, with a learnable slope (`F.prelu`).

    Arguments: `num_parameters=1` (1, or the number of channels: one slope per channel of dim 1),
    `init=0.25` (the slopes' starting value), `device`, `dtype`. Parameter: `weight` of shape
    `(num_parameters,)`. The node (PreluKernelBackward0) keeps the input and the weight.

    Shape: input `(*)`, channels at dim 1 when `num_parameters > 1`; output the same shape.
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        dt = _factory(device, dtype)
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(empty(num_parameters, dtype=dt))
        self.reset_parameters()

    def reset_parameters(self):
        """Fills `weight` with `init` (the constructor's value, 0.25 by default)."""
        init.constant_(self.weight, self.init)

    def forward(self, input):
        """Returns `F.prelu(input, self.weight)`."""
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Threshold(Module):
    """`x` where `x > threshold`, `value` elsewhere (`F.threshold`).

    Out of place the node (ThresholdBackward0) keeps the input. `inplace=True` overwrites the input
    (its version moves by one); with `value <= threshold` the output tells where the input was
    replaced, so the node keeps only the output, otherwise it keeps a copy of the input.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        """Returns `F.threshold(input, self.threshold, self.value, self.inplace)`."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + \
            _inplace_repr(self.inplace, ", ")


class GELU(Module):
    """`x * Phi(x)`, Phi the standard normal CDF (`F.gelu`).

    `approximate="none"` (the default) uses erf; `"tanh"` uses
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`. The node (GeluBackward0) keeps the
    input.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        """Returns `F.gelu(input, approximate=self.approximate)`."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={repr(self.approximate)}"


class Softplus(Module):
    """`log(1 + exp(beta * x)) / beta`, and `x` itself where `beta * x > threshold` (`F.softplus`).

    Arguments: `beta=1.0`, `threshold=20.0`. The node (SoftplusBackward0) keeps the input.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        """Returns `F.softplus(input, self.beta, self.threshold)`."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardshrink(Module):
    """`x` where `|x| > lambd`, 0 elsewhere (`F.hardshrink`; `lambd=0.5`).

    The node (HardshrinkBackward0) keeps the input. The repr shows the bare `lambd`, as PyTorch's.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        """Returns `F.hardshrink(input, self.lambd)`."""
        return F.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """Soft shrinkage layer.

    `x - lambd` above `lambd`, `x + lambd` below `-lambd`, 0 between (`F.softshrink`; `lambd=0.5`,
    which must be non-negative).

    The node (SoftshrinkBackward0) keeps the input.

    Shape: input `(*)`, any shape; output the same shape.
    """

    def forward(self, input):
        """Returns `F.softshrink(input, self.lambd)`."""
        return F.softshrink(input, self.lambd)


class _Stateless(Module):
    """A layer without arguments, applying `fn`."""

    @staticmethod
    def fn(input):
        """The function the layer applies; each subclass names its own (`F.sigmoid`, ...)."""
        return input

    def forward(self, input):
        """Returns the layer's function of `input` (`fn`, e.g. `F.sigmoid` for Sigmoid)."""
        return type(self).fn(input)


class Sigmoid(_Stateless):
    """`1 / (1 + exp(-x))`, elementwise. The node (SigmoidBackward0) keeps only the output.

    Shape: input `(*)`, any shape; output the same shape.
    """

    fn = staticmethod(F.sigmoid)


class Tanh(_Stateless):
    """`tanh(x)`, elementwise. The node (TanhBackward0) keeps only the output.

    Shape: input `(*)`, any shape; output the same shape.
    """

    fn = staticmethod(F.tanh)


class Tanhshrink(_Stateless):
    """`x - tanh(x)`, elementwise (`F.tanhshrink`), composed of Tensor ops as PyTorch composes it.

    Shape: input `(*)`, any shape; output the same shape.
    """

    fn = staticmethod(F.tanhshrink)


class Softsign(_Stateless):
    """`x / (1 + |x|)`, elementwise (`F.softsign`), composed of Tensor ops as PyTorch composes it.

    Shape: input `(*)`, any shape; output the same shape.
    """

    fn = staticmethod(F.softsign)


class LogSigmoid(_Stateless):
    """Log of the sigmoid, elementwise.

    `log(sigmoid(x))`, computed as `min(x, 0) - log1p(exp(-|x|))` so that it does not overflow
    (`F.logsigmoid`). The node (LogSigmoidBackward0) keeps the input.

    Shape: input `(*)`, any shape; output the same shape.
    """

    fn = staticmethod(F.logsigmoid)


class GLU(Module):
    """Gated linear unit layer.

    The gated linear unit: the input split in halves `a`, `b` along `dim` (default -1), then
    `a * sigmoid(b)` (`F.glu`).

    One fused node (GluBackward0) that keeps the input.

    Shape: input `(*, 2 * M, *)` with an even size at `dim`; output `(*, M, *)`.
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        """Returns `F.glu(input, self.dim)`."""
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class _SoftmaxBase(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """`exp(x) / sum(exp(x))` along `dim`, computed stably (`F.softmax`).

    `dim=None` is PyTorch's deprecated implicit choice (a warning; dim 0 for 0-, 1- and 3-D inputs,
    1 otherwise). The node (SoftmaxBackward0) keeps only the output.

    Shape: input `(*)`; output the same shape, each slice along `dim` summing to 1.
    """

    def forward(self, input):
        """Returns `F.softmax(input, self.dim)`."""
        return F.softmax(input, self.dim, _stacklevel=5)


class Softmin(_SoftmaxBase):
    """`softmax(-x)` along `dim` (`F.softmin`); `dim=None` as for `Softmax`.

    The node (SoftmaxBackward0, after the negation) keeps only the output.

    Shape: input `(*)`; output the same shape.
    """

    def forward(self, input):
        """Returns `F.softmin(input, self.dim)`."""
        return F.softmin(input, self.dim, _stacklevel=5)


class LogSoftmax(_SoftmaxBase):
    """Log of the softmax along a dim.

    `log(softmax(x))` along `dim`, computed stably as `x - logsumexp(x)` (`F.log_softmax`);
    `dim=None` as for `Softmax`.

    The node (LogSoftmaxBackward0) keeps only the output.

    Shape: input `(*)`; output the same shape.
    """

    def forward(self, input):
        """Returns `F.log_softmax(input, self.dim)`."""
        return F.log_softmax(input, self.dim, _stacklevel=5)


class Softmax2d(Module):
    """Softmax over the channels (dim -3) at every spatial position.

    Shape: input `(N, C, H, W)` or `(C, H, W)` (other ranks raise ValueError); output the same
    shape.
    """

    def forward(self, input):
        """Returns `F.softmax(input, -3)`; an input that is not 3-D or 4-D raises ValueError."""
        if input.dim() not in (3, 4):
            raise ValueError(
                f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3, _stacklevel=5)
