"""Pooling layers over F's pooling functions: PyTorch's arguments, attributes and repr."""
from .. import functional as F
from .module import Module


def _single(x):
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


def _pair(x):
    return tuple(x) if isinstance(x, (list, tuple)) else (x, x)


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """The maximum over sliding windows of each channel (`F.max_pool1d`).

    Arguments: `kernel_size`, `stride=None` (the kernel size), `padding=0` (implicit -inf, at most
    half the kernel), `dilation=1`, `return_indices=False` (also return each maximum's position in
    its input row, int64, for `MaxUnpool1d`), `ceil_mode=False` (round the output size up). A NaN in
    a window wins, as in PyTorch.

    The node keeps which kernel offset won at each output position (one byte for kernels up to 256
    elements), not the input.

    Shape: input `(N, C, L)` or `(C, L)`; output `(N, C, L_out)`,
    `L_out = floor((L + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1)` (ceil with
    `ceil_mode`).
    """

    def forward(self, input):
        """`F.max_pool1d` of the inputs with the layer's arguments."""
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """The maximum over sliding windows of each channel (`F.max_pool2d`).

    Arguments: `kernel_size`, `stride=None` (the kernel size), `padding=0` (implicit -inf, at most
    half the kernel), `dilation=1` (ints or pairs), `return_indices=False` (also return each
    maximum's flat position `h * W + w` in its input plane, int64, for `MaxUnpool2d`),
    `ceil_mode=False`. A NaN in a window wins, as in PyTorch.

    The node (MaxPool2DWithIndicesBackward0) keeps which kernel offset won at each output position
    (one byte for kernels up to 256 elements), not the input.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C, H_out, W_out)`, each size
    `floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1)` (ceil with
    `ceil_mode`).
    """

    def forward(self, input):
        """`F.max_pool2d` of the inputs with the layer's arguments."""
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class _MaxUnpoolNd(Module):
    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Scatters 1-d max-pooled values back to their positions.

    A partial inverse of `MaxPool1d`: each input value is put at its index in a zero output
    (`F.max_unpool1d`).

    Arguments: `kernel_size`, `stride=None` (the kernel size), `padding=0`.
    `forward(input, indices, output_size=None)`, `indices` as `MaxPool1d(return_indices=True)` gives
    them. The node keeps the indices (version-checked).

    Shape: input and indices `(N, C, L)` or `(C, L)`; output `(N, C, L_out)`,
    `L_out = (L - 1) * stride - 2 * padding + kernel_size` unless `output_size` says otherwise.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)

    def forward(self, input, indices, output_size=None):
        """`F.max_unpool1d` of the inputs with the layer's arguments."""
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    """Scatters 2-d max-pooled values back to their positions.

    A partial inverse of `MaxPool2d`: each input value is put at its flat index in a zero output
    plane (`F.max_unpool2d`).

    Arguments: `kernel_size`, `stride=None` (the kernel size), `padding=0` (ints or pairs).
    `forward(input, indices, output_size=None)`. The node (MaxUnpool2DBackward0) keeps the indices
    (version-checked).

    Shape: input and indices `(N, C, H, W)` or `(C, H, W)`; output `(N, C, H_out, W_out)`, each size
    `(size - 1) * stride - 2 * padding + kernel` unless `output_size` says otherwise.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size)
        self.padding = _pair(padding)

    def forward(self, input, indices, output_size=None):
        """`F.max_unpool2d` of the inputs with the layer's arguments."""
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class _AvgPoolNd(Module):
    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """The mean over sliding windows of each channel (`F.avg_pool1d`).

    Arguments: `kernel_size`, `stride=None` (the kernel size), `padding=0` (zeros, at most half the
    kernel), `ceil_mode=False`, `count_include_pad=True` (the padding counts in the divisor). The
    node keeps nothing of the input: its gradient is the adjoint spread, itself a recorded op.

    Shape: input `(N, C, L)` or `(C, L)`; output `(N, C, L_out)`,
    `L_out = floor((L + 2 * padding - kernel_size) / stride + 1)`.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        """`F.avg_pool1d` of the inputs with the layer's arguments."""
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """The mean over sliding windows of each channel (`F.avg_pool2d`).

    Arguments: `kernel_size`, `stride=None` (the kernel size), `padding=0` (ints or pairs),
    `ceil_mode=False`, `count_include_pad=True`, `divisor_override=None` (a fixed divisor). The node
    (AvgPool2DBackward0) keeps nothing of the input.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C, H_out, W_out)`, each size
    `floor((size + 2 * padding - kernel) / stride + 1)`.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        """`F.avg_pool2d` of the inputs with the layer's arguments."""
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class _LPPoolNd(Module):
    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """1-d power-average pooling.

    The power-average over sliding windows: `(sum of x^p over the window)^(1/p)`, p the `norm_type`
    (`F.lp_pool1d`).

    Arguments: `norm_type`, `kernel_size`, `stride=None` (the kernel size), `ceil_mode=False`.
    `norm_type=inf` gives the maximum of `|x|`. Composed of `avg_pool1d` and Tensor ops, as PyTorch
    composes it.

    Shape: input `(N, C, L)` or `(C, L)`; output `(N, C, L_out)`.
    """

    def forward(self, input):
        """`F.lp_pool1d` of the inputs with the layer's arguments."""
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride,
                           self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """2-d power-average pooling.

    The power-average over sliding windows: `(sum of x^p over the window)^(1/p)`, p the `norm_type`
    (`F.lp_pool2d`).

    Arguments: `norm_type`, `kernel_size`, `stride=None` (the kernel size), `ceil_mode=False`.
    Composed of `avg_pool2d` and Tensor ops, as PyTorch composes it.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C, H_out, W_out)`.
    """

    def forward(self, input):
        """`F.lp_pool2d` of the inputs with the layer's arguments."""
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride,
                           self.ceil_mode)


class _AdaptiveMaxPoolNd(Module):
    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Adaptive 1-d max pooling to a fixed output length.

    The maximum over `output_size` windows that cover each row (window `i` spans
    `[floor(i * L / out), ceil((i + 1) * L / out))`; `F.adaptive_max_pool1d`).

    Arguments: `output_size`, `return_indices=False` (also return each maximum's position, int64).
    The node keeps the indices.

    Shape: input `(N, C, L)` or `(C, L)`; output `(N, C, output_size)`.
    """

    def forward(self, input):
        """Returns `F.adaptive_max_pool1d(input, self.output_size, self.return_indices)`."""
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Adaptive 2-d max pooling to a fixed output size.

    The maximum over `output_size` windows that cover each plane (PyTorch's adaptive windows;
    `F.adaptive_max_pool2d`).

    Arguments: `output_size` (an int, or a pair whose None entries keep the input's size),
    `return_indices=False` (also return each maximum's flat position in its plane, int64). The node
    (AdaptiveMaxPool2DBackward0) keeps the indices.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C, *output_size)`.
    """

    def forward(self, input):
        """Returns `F.adaptive_max_pool2d(input, self.output_size, self.return_indices)`."""
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class _AdaptiveAvgPoolNd(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Adaptive 1-d average pooling to a fixed output length.

    The mean over `output_size` windows that cover each row (window `i` spans
    `[floor(i * L / out), ceil((i + 1) * L / out))`; `F.adaptive_avg_pool1d`). The node keeps
    nothing of the input.

    Shape: input `(N, C, L)` or `(C, L)`; output `(N, C, output_size)`.
    """

    def forward(self, input):
        """Returns `F.adaptive_avg_pool1d(input, self.output_size)`."""
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Adaptive 2-d average pooling to a fixed output size.

    The mean over `output_size` windows that cover each plane (`F.adaptive_avg_pool2d`): separable
    window matrices, two matmuls; an output size of 1 is a mean (MeanBackward1), as PyTorch's
    shortcut.

    Arguments: `output_size` (an int, or a pair whose None entries keep the input's size).

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C, *output_size)`.
    """

    def forward(self, input):
        """Returns `F.adaptive_avg_pool2d(input, self.output_size)`."""
        return F.adaptive_avg_pool2d(input, self.output_size)
