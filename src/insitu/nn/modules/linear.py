"""Identity, Linear and Bilinear layers (PyTorch's default initialisation)."""
import math

from ...creation import empty
from ...core import dtypes
from ...core.device import check_device
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


def _factory(device, dtype):
    check_device(device)
    return dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()


def _optional_bias(module, bias, shape, dt):
    """module.bias: an uninitialised Parameter of `shape`, or a registered None (bias=False)."""
    if bias:
        module.bias = Parameter(empty(shape, dtype=dt))
    else:
        module.register_parameter("bias", None)


class Identity(Module):
    """A layer that returns its input.

    Returns its input unchanged (the same tensor object); any constructor arguments are accepted and
    ignored.

    Shape: input `(*)`; output the same tensor.
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        """Returns `input` itself."""
        return input


class Linear(Module):
    """`y = x @ weight.T + bias` (`F.linear`).

    Arguments: `in_features`, `out_features`, `bias=True` (False registers `bias` as None),
    `device`, `dtype`. Parameters: `weight` `(out_features, in_features)` and `bias`
    `(out_features,)`, both initialised from `U(-1/sqrt(in_features), 1/sqrt(in_features))`
    (`kaiming_uniform_` with `a=sqrt(5)`, as PyTorch).

    One fused node per call (named as PyTorch's: AddmmBackward0 for a 2-D input with a bias): it
    keeps the weight only when the input needs a gradient and the input only when the weight does.

    Shape: input `(*, in_features)`; output `(*, out_features)`.
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        dt = _factory(device, dtype)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), dtype=dt))
        _optional_bias(self, bias, out_features, dt)
        self.reset_parameters()

    def reset_parameters(self):
        # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PyTorch
        """Re-initialises the weight and bias as PyTorch does.

        Re-initialises as PyTorch: `weight` by `kaiming_uniform_(a=sqrt(5))`, i.e.
        `U(-1/sqrt(in_features), 1/sqrt(in_features))`, and `bias` from the same range.
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        """Returns `F.linear(input, self.weight, self.bias)`."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """`y[..., o] = sum_ij x1[..., i] * weight[o, i, j] * x2[..., j] + bias[o]` (`F.bilinear`).

    Arguments: `in1_features`, `in2_features`, `out_features`, `bias=True`, `device`, `dtype`.
    Parameters: `weight` `(out_features, in1_features, in2_features)` and `bias` `(out_features,)`,
    both initialised from `U(-1/sqrt(in1_features), 1/sqrt(in1_features))`.

    One fused node per call: each input's gradient reads the other input and the weight, the
    weight's reads both inputs, so it keeps what the inputs that need a gradient require.

    Shape: `input1` `(*, in1_features)` and `input2` `(*, in2_features)` with the same leading dims;
    output `(*, out_features)`.
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        dt = _factory(device, dtype)
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in1_features, in2_features), dtype=dt))
        _optional_bias(self, bias, out_features, dt)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-initialises the weight and bias as PyTorch does.

        Re-initialises `weight` and `bias` from `U(-1/sqrt(in1_features), 1/sqrt(in1_features))`, as
        PyTorch.
        """
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        """Returns `F.bilinear(input1, input2, self.weight, self.bias)`."""
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
