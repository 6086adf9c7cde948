"""Conv1d, Conv2d, ConvTranspose1d and ConvTranspose2d: PyTorch's attributes, parameter shapes
and names, default initialisation (kaiming_uniform_ with a=sqrt(5), bias from
U(-1/sqrt(fan_in), 1/sqrt(fan_in))) and repr. A padding_mode other than 'zeros' pads with F.pad
first, then convolves without padding, as PyTorch does."""
import math

from ...core.tensor import Size
from ...creation import empty
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import _factory
from .module import Module

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


def _ntuple(n):
    def parse(x):
        if isinstance(x, (list, tuple)):
            return tuple(x)
        return (x,) * n
    return parse


_single, _pair = _ntuple(1), _ntuple(2)


def _reverse_repeat_tuple(t, n):
    return tuple(x for x in reversed(t) for _ in range(n))


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{valid_padding_strings}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got "
                             f"padding_mode='{padding_mode}'")
        dt = _factory(device, dtype)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            rev = [0, 0] * len(kernel_size)
            if padding == "same":
                for d, k, i in zip(dilation, kernel_size, range(len(kernel_size) - 1, -1, -1)):
                    total = d * (k - 1)
                    rev[2 * i] = total // 2
                    rev[2 * i + 1] = total - total // 2
            self._reversed_padding_repeated_twice = rev
        else:
            self._reversed_padding_repeated_twice = _reverse_repeat_tuple(padding, 2)
        shape = ((in_channels, out_channels // groups) if transposed else
                 (out_channels, in_channels // groups)) + tuple(kernel_size)
        self.weight = Parameter(empty(shape, dtype=dt))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-initialises the weight and bias as PyTorch does.

        Re-initialises as PyTorch: `weight` by `kaiming_uniform_(a=sqrt(5))`, `bias` from
        `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`.
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    _tuple = staticmethod(_pair)
    _fn = "conv2d"      # looked up on F at each call (memory.profile traces F's functions)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        t = self._tuple
        super().__init__(in_channels, out_channels, t(kernel_size), t(stride),
                         padding if isinstance(padding, str) else t(padding), t(dilation),
                         False, t(0), groups, bias, padding_mode, device, dtype)

    def _conv_forward(self, input, weight, bias):
        conv = getattr(F, self._fn)
        if self.padding_mode != "zeros":
            return conv(F.pad(input, self._reversed_padding_repeated_twice,
                              mode=self.padding_mode),
                        weight, bias, self.stride, self._tuple(0), self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        """Convolves `input` with the layer's weight and bias.

        Returns the convolution of `input` with `weight` and `bias` (`F.conv1d` or `F.conv2d`); a
        `padding_mode` other than "zeros" pads with `F.pad` first.
        """
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """A 1-d convolution (cross-correlation) over `(N, C_in, L)` signals (`F.conv1d`).

    Arguments: `in_channels`, `out_channels`, `kernel_size`, `stride=1`, `padding=0` (ints, or
    "valid", or "same", which strided convolutions refuse), `dilation=1`, `groups=1` (both channel
    counts divisible by it), `bias=True`, `padding_mode="zeros"` ("reflect", "replicate" and
    "circular" pad with `F.pad` first, then convolve unpadded, as PyTorch), `device`, `dtype`.
    Parameters: `weight` `(out_channels, in_channels / groups, kW)` and `bias` `(out_channels,)`,
    initialised as PyTorch's (`kaiming_uniform_` with `a=sqrt(5)`; the bias from
    `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`).

    One fused node (ConvolutionBackward0, im2col and one batched matmul forward): it keeps the input
    only when the weight needs a gradient and the weight only when the input needs one.

    Shape: input `(N, C_in, L)` or `(C_in, L)`; output `(N, C_out, L_out)` or `(C_out, L_out)`,
    `L_out = floor((L + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1)`.
    """

    _tuple = staticmethod(_single)
    _fn = "conv1d"


class Conv2d(_Conv):
    """A 2-d convolution (cross-correlation) over `(N, C_in, H, W)` images (`F.conv2d`).

    Arguments: `in_channels`, `out_channels`, `kernel_size`, `stride=1`, `padding=0` (ints or pairs,
    or "valid", or "same", which strided convolutions refuse), `dilation=1`, `groups=1` (both
    channel counts divisible by it), `bias=True`, `padding_mode="zeros"` ("reflect", "replicate" and
    "circular" pad with `F.pad` first, then convolve unpadded, as PyTorch), `device`, `dtype`.
    Parameters: `weight` `(out_channels, in_channels / groups, kH, kW)` and `bias`
    `(out_channels,)`, initialised as PyTorch's (`kaiming_uniform_` with `a=sqrt(5)`; the bias from
    `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`).

    One fused node (ConvolutionBackward0, im2col and one batched matmul forward): it keeps the input
    only when the weight needs a gradient and the weight only when the input needs one.

    Shape: input `(N, C_in, H, W)` or `(C_in, H, W)`; output `(N, C_out, H_out, W_out)`, each
    spatial size `floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1)`.
    """

    pass


class _ConvTransposeNd(_ConvNd):
    _tuple = staticmethod(_pair)
    _fn = "conv_transpose2d"
    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{self.__class__.__name__}")
        t = self._tuple
        super().__init__(in_channels, out_channels, t(kernel_size), t(stride), t(padding),
                         t(dilation), True, t(output_padding), groups, bias, padding_mode,
                         device, dtype)

    def _output_padding(self, input, output_size, stride, padding, kernel_size,
                        num_spatial_dims, dilation=None):
        if output_size is None:
            return _single(self.output_padding)
        has_batch_dim = input.dim() == num_spatial_dims + 2
        num_non_spatial_dims = 2 if has_batch_dim else 1
        output_size = list(output_size)
        if len(output_size) == num_non_spatial_dims + num_spatial_dims:
            output_size = output_size[num_non_spatial_dims:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, "
                             f"output_size must have {num_spatial_dims} or "
                             f"{num_non_spatial_dims + num_spatial_dims} elements (got "
                             f"{len(output_size)})")
        min_sizes, max_sizes = [], []
        for d in range(num_spatial_dims):
            dim_size = ((input.size(d + num_non_spatial_dims) - 1) * stride[d] - 2 * padding[d]
                        + (dilation[d] if dilation is not None else 1) * (kernel_size[d] - 1)
                        + 1)
            min_sizes.append(dim_size)
            max_sizes.append(min_sizes[d] + stride[d] - 1)
        for i, size in enumerate(output_size):
            if size < min_sizes[i] or size > max_sizes[i]:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {min_sizes} to {max_sizes} (for an input of "
                                 f"{Size(input.shape[2:])})")
        return [output_size[d] - min_sizes[d] for d in range(num_spatial_dims)]

    def forward(self, input, output_size=None):
        """Transposed convolution of `input`, optionally to a given output size.

        Returns the transposed convolution of `input` (`F.conv_transpose1d` or
        `F.conv_transpose2d`). `output_size` (the spatial sizes, or with the batch and channel dims)
        picks the output padding that reaches it; a size out of reach raises ValueError, as does a
        `padding_mode` other than "zeros".
        """
        if self.padding_mode != "zeros":
            raise ValueError(f"Only `zeros` padding mode is supported for "
                             f"{self.__class__.__name__}")
        output_padding = self._output_padding(input, output_size, self.stride, self.padding,
                                              self.kernel_size, self._dims, self.dilation)
        return getattr(F, self._fn)(input, self.weight, self.bias, self.stride, self.padding,
                                    output_padding, self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution layer.

    A 1-d transposed convolution: the adjoint of `Conv1d`'s map from input to output, each input
    element spread over a kernel-sized window of the output (`F.conv_transpose1d`).

    Arguments: `in_channels`, `out_channels`, `kernel_size`, `stride=1`, `padding=0`,
    `output_padding=0` (extra size on one side of each output dim, smaller than the stride or the
    dilation), `groups=1`, `bias=True`, `dilation=1`, `padding_mode="zeros"` (the only mode, as
    PyTorch), `device`, `dtype`. Parameters: `weight` `(in_channels, out_channels / groups, kW)` and
    `bias` `(out_channels,)`, initialised as `Conv1d`'s. `forward(input, output_size=None)`: an
    `output_size` picks the output_padding that gives it.

    One fused node (ConvolutionBackward0) keeping the input and the weight, as PyTorch's.

    Shape: input `(N, C_in, L)` or `(C_in, L)`; output `(N, C_out, L_out)`,
    `L_out = (L - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1`.
    """

    _tuple = staticmethod(_single)
    _fn = "conv_transpose1d"
    _dims = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution layer.

    A 2-d transposed convolution: the adjoint of `Conv2d`'s map from input to output
    (`F.conv_transpose2d`).

    Arguments: `in_channels`, `out_channels`, `kernel_size`, `stride=1`, `padding=0`,
    `output_padding=0` (extra size on one side of each output dim, smaller than the stride or the
    dilation), `groups=1`, `bias=True`, `dilation=1`, `padding_mode="zeros"` (the only mode, as
    PyTorch), `device`, `dtype`. Parameters: `weight` `(in_channels, out_channels / groups, kH, kW)`
    and `bias` `(out_channels,)`, initialised as `Conv2d`'s. `forward(input, output_size=None)`: an
    `output_size` picks the output_padding that gives it.

    One fused node (ConvolutionBackward0) keeping the input and the weight, as PyTorch's.

    Shape: input `(N, C_in, H, W)` or `(C_in, H, W)`; output `(N, C_out, H_out, W_out)`, each
    spatial size `(size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1`.
    """

    pass
