"""PairwiseDistance and CosineSimilarity: modules holding the options of the functional forms."""
from .. import functional as F
from .module import Module


class PairwiseDistance(Module):
    """The p-norm distance between matching rows of two batches.

    The p-norm distance between the rows of two batches: `||x1 - x2 + eps||_p` over the last dim
    (`F.pairwise_distance`).

    Arguments: `p=2.0` (stored as `self.norm`), `eps=1e-6`, `keepdim=False`.

    Shape: `x1`, `x2` `(N, D)` or `(D,)`, broadcasting; output `(N,)` (`(N, 1)` with `keepdim`), or
    `()` for 1-D inputs.
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        """Returns `F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)`."""
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """`sum(x1 * x2, dim) / (max(||x1||, eps) * max(||x2||, eps))` (`F.cosine_similarity`).

    Arguments: `dim=1`, `eps=1e-8`.

    Shape: `x1`, `x2` broadcasting to a common shape; output that shape without `dim`.
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        """Returns `F.cosine_similarity(x1, x2, self.dim, self.eps)`."""
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
