"""Dropout layers: active in training mode only; `inplace=True` masks the input itself."""
from .. import functional as F
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Dropout layer: zeroes random elements in training.

    In training mode, zeroes each element with probability `p` (default 0.5) and scales the rest by
    `1 / (1 - p)`; in evaluation mode, returns the input itself (`F.dropout`).

    The result is `input * noise` (PyTorch's form), so the node keeps only the noise. With
    `inplace=True` the input is multiplied in place (its version moves by one) and returned.

    Shape: input `(*)`; output the same shape.
    """

    def forward(self, input):
        """Returns `F.dropout(input, self.p, self.training, self.inplace)`."""
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Channel dropout layer for 1-d signals.

    In training mode, zeroes whole channels (each with probability `p`) and scales the rest by
    `1 / (1 - p)` (`F.dropout1d`): the noise is drawn once per sample and channel.

    `inplace=True` masks the input itself (its version moves). Evaluation mode returns the input.

    Shape: input `(N, C, L)` or `(C, L)`; output the same shape.
    """

    def forward(self, input):
        """Returns `F.dropout1d(input, self.p, self.training, self.inplace)`."""
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Channel dropout layer for images.

    In training mode, zeroes whole channels (each with probability `p`) and scales the rest by
    `1 / (1 - p)` (`F.dropout2d`).

    A 3-D input is taken as `(N, C, L)`, with PyTorch's warning; other ranks than 3 and 4 warn too.
    `inplace=True` masks the input itself (its version moves).

    Shape: input `(N, C, H, W)`; output the same shape.
    """

    def forward(self, input):
        """Returns `F.dropout2d(input, self.p, self.training, self.inplace)`."""
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Channel dropout layer for volumes.

    In training mode, zeroes whole channels (each with probability `p`) and scales the rest by
    `1 / (1 - p)` (`F.dropout3d`).

    `inplace=True` masks the input itself (its version moves).

    Shape: input `(N, C, D, H, W)` or `(C, D, H, W)`; output the same shape.
    """

    def forward(self, input):
        """Returns `F.dropout3d(input, self.p, self.training, self.inplace)`."""
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Alpha dropout layer for SELU networks.

    Dropout for self-normalising (SELU) networks (`F.alpha_dropout`): in training, each element is
    set with probability `p` to SELU's negative saturation value, then the result is scaled and
    shifted so that a zero-mean, unit-variance input keeps its mean and variance.

    `inplace` is stored but, as in PyTorch, the layer computes out of place.

    Shape: input `(*)`; output the same shape.
    """

    def forward(self, input):
        """Returns `F.alpha_dropout(input, self.p, self.training)`."""
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels.

    Alpha dropout of whole channels (`F.feature_alpha_dropout`): in training, each channel of each
    sample is set with probability `p` to SELU's negative saturation value, then the result is
    rescaled and shifted to keep a zero-mean, unit-variance input's statistics.

    `inplace` is stored but, as in PyTorch, the layer computes out of place.

    Shape: input `(N, C, *)`; output the same shape.
    """

    def forward(self, input):
        """Returns `F.feature_alpha_dropout(input, self.p, self.training)`."""
        return F.feature_alpha_dropout(input, self.p, self.training)
