"""Fold and Unfold over F.fold and F.unfold."""
from .. import functional as F
from .module import Module


class Fold(Module):
    """Sums sliding local blocks back into a batched image (col2im).

    Sums sliding local blocks back into a batched image: the adjoint of `Unfold` (`F.fold`, col2im),
    overlapping blocks added.

    Arguments: `output_size`, `kernel_size`, `dilation=1`, `padding=0`, `stride=1` (ints or pairs).

    Shape: input `(N, C * kh * kw, L)` or `(C * kh * kw, L)`, L the number of blocks; output
    `(N, C, *output_size)` or `(C, *output_size)`.
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        """`F.fold` of the inputs with the layer's arguments."""
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """Extracts sliding local blocks of a batched image as columns (`F.unfold`, im2col).

    Arguments: `kernel_size`, `dilation=1`, `padding=0`, `stride=1` (ints or pairs; 2 spatial dims,
    as PyTorch).

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C * kh * kw, L)` or `(C * kh * kw, L)`,
    L the number of block positions.
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        """Returns `F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)`."""
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
