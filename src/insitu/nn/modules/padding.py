"""Padding layers (constant, zero, reflection, replication, circular) over F.pad."""
from .. import functional as F
from .module import Module


def _ntuple(n):
    def parse(x):
        return tuple(x) if isinstance(x, (list, tuple)) else (x,) * n
    return parse


_PARSE = {1: _ntuple(2), 2: _ntuple(4), 3: _ntuple(6)}


class _PadNd(Module):
    _mode = "constant"
    _dims = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _PARSE[self._dims](padding)

    def forward(self, input):
        """Returns `F.pad(input, self.padding, self._mode)`."""
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def _check_input_dim(self, input):
        d = self._dims
        if input.dim() != d + 1 and input.dim() != d + 2:
            raise ValueError(f"expected {d + 1}D or {d + 2}D input (got {input.dim()}D input)")

    def forward(self, input):
        """Returns `F.pad(input, self.padding, "circular")`.

        An input whose rank is not the layer's dims plus 1 or 2 raises ValueError.
        """
        self._check_input_dim(input)
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Circular padding of the last dim.

    Pads the last dim by wrapping around: the left pad copies the end, the right pad the beginning
    (`F.pad`, mode "circular"); a pad may not exceed its dim.

    `padding`: an int or `(left, right)`. Written as slice copies into a new tensor, as PyTorch
    writes it (CopySlices).

    Shape: input `(N, C, W)` or `(C, W)` (other ranks raise ValueError); output with each padded dim
    grown by its two pads.
    """

    _dims = 1


class CircularPad2d(_CircularPadNd):
    """Circular padding of the last 2 dims.

    Pads the last 2 dims by wrapping around: the left pad copies the end, the right pad the
    beginning (`F.pad`, mode "circular"); a pad may not exceed its dim.

    `padding`: an int or `(left, right, top, bottom)`. Written as slice copies into a new tensor, as
    PyTorch writes it (CopySlices).

    Shape: input `(N, C, H, W)` or `(C, H, W)` (other ranks raise ValueError); output with each
    padded dim grown by its two pads.
    """

    _dims = 2


class CircularPad3d(_CircularPadNd):
    """Circular padding of the last 3 dims.

    Pads the last 3 dims by wrapping around: the left pad copies the end, the right pad the
    beginning (`F.pad`, mode "circular"); a pad may not exceed its dim.

    `padding`: an int or `(left, right, top, bottom, front, back)`. Written as slice copies into a
    new tensor, as PyTorch writes it (CopySlices).

    Shape: input `(N, C, D, H, W)` or `(C, D, H, W)` (other ranks raise ValueError); output with
    each padded dim grown by its two pads.
    """

    _dims = 3


class _ConstantPadNd(Module):
    _dims = 1

    def __init__(self, padding, value):
        super().__init__()
        self.value = value
        self.padding = _PARSE[self._dims](padding)

    def forward(self, input):
        """Returns `F.pad(input, self.padding, 'constant', self.value)`."""
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with `value` (`F.pad`, mode "constant"); negative pads crop.

    Arguments: `padding` (an int or `(left, right)`), `value`. The node (ConstantPadNdBackward0)
    keeps nothing.

    Shape: input `(N, C, W)` or `(C, W)`; output with each padded dim grown by its two pads.
    """

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims with `value` (`F.pad`, mode "constant"); negative pads crop.

    Arguments: `padding` (an int or `(left, right, top, bottom)`), `value`. The node
    (ConstantPadNdBackward0) keeps nothing.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output with each padded dim grown by its two pads.
    """

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims with `value` (`F.pad`, mode "constant"); negative pads crop.

    Arguments: `padding` (an int or `(left, right, top, bottom, front, back)`), `value`. The node
    (ConstantPadNdBackward0) keeps nothing.

    Shape: input `(N, C, D, H, W)` or `(C, D, H, W)`; output with each padded dim grown by its two
    pads.
    """

    _dims = 3


class _ReflectionPadNd(_PadNd):
    _mode = "reflect"


class ReflectionPad1d(_ReflectionPadNd):
    """Reflection padding of the last dim.

    Pads the last dim with the input's reflection at each edge, the edge itself not repeated
    (`F.pad`, mode "reflect"); each pad must be smaller than its dim.

    `padding`: an int or `(left, right)`. The node (ReflectionPad1DBackward0) keeps only the
    geometry: its gradient sums back through the same source indices.

    Shape: input `(N, C, W)` or `(C, W)`; output with each padded dim grown by its two pads.
    """

    _dims = 1


class ReflectionPad2d(_ReflectionPadNd):
    """Reflection padding of the last 2 dims.

    Pads the last 2 dims with the input's reflection at each edge, the edge itself not repeated
    (`F.pad`, mode "reflect"); each pad must be smaller than its dim.

    `padding`: an int or `(left, right, top, bottom)`. The node (ReflectionPad2DBackward0) keeps
    only the geometry: its gradient sums back through the same source indices.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output with each padded dim grown by its two pads.
    """

    _dims = 2


class ReflectionPad3d(_ReflectionPadNd):
    """Reflection padding of the last 3 dims.

    Pads the last 3 dims with the input's reflection at each edge, the edge itself not repeated
    (`F.pad`, mode "reflect"); each pad must be smaller than its dim.

    `padding`: an int or `(left, right, top, bottom, front, back)`. The node
    (ReflectionPad3DBackward0) keeps only the geometry: its gradient sums back through the same
    source indices.

    Shape: input `(N, C, D, H, W)` or `(C, D, H, W)`; output with each padded dim grown by its two
    pads.
    """

    _dims = 3


class _ReplicationPadNd(_PadNd):
    _mode = "replicate"


class ReplicationPad1d(_ReplicationPadNd):
    """Pads the last dim by repeating the edge values (`F.pad`, mode "replicate").

    `padding`: an int or `(left, right)`. The node (ReplicationPad1DBackward0) keeps only the
    geometry.

    Shape: input `(N, C, W)` or `(C, W)`; output with each padded dim grown by its two pads.
    """

    _dims = 1


class ReplicationPad2d(_ReplicationPadNd):
    """Pads the last 2 dims by repeating the edge values (`F.pad`, mode "replicate").

    `padding`: an int or `(left, right, top, bottom)`. The node (ReplicationPad2DBackward0) keeps
    only the geometry.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output with each padded dim grown by its two pads.
    """

    _dims = 2


class ReplicationPad3d(_ReplicationPadNd):
    """Pads the last 3 dims by repeating the edge values (`F.pad`, mode "replicate").

    `padding`: an int or `(left, right, top, bottom, front, back)`. The node
    (ReplicationPad3DBackward0) keeps only the geometry.

    Shape: input `(N, C, D, H, W)` or `(C, D, H, W)`; output with each padded dim grown by its two
    pads.
    """

    _dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros (`F.pad`, mode "constant"); negative pads crop.

    `padding`: an int or `(left, right)`. The node (ConstantPadNdBackward0) keeps nothing: its
    gradient crops.

    Shape: input `(N, C, W)` or `(C, W)`; output with each padded dim grown by its two pads.
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last 2 dims with zeros (`F.pad`, mode "constant"); negative pads crop.

    `padding`: an int or `(left, right, top, bottom)`. The node (ConstantPadNdBackward0) keeps
    nothing: its gradient crops.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output with each padded dim grown by its two pads.
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pads the last 3 dims with zeros (`F.pad`, mode "constant"); negative pads crop.

    `padding`: an int or `(left, right, top, bottom, front, back)`. The node
    (ConstantPadNdBackward0) keeps nothing: its gradient crops.

    Shape: input `(N, C, D, H, W)` or `(C, D, H, W)`; output with each padded dim grown by its two
    pads.
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"
