"""Embedding: a lookup table of learnable rows."""
from ...creation import empty
from ...autograd.grad_mode import no_grad
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..functional.sparse import padding_index
from .linear import _factory
from .module import Module


class Embedding(Module):
    """A lookup table: row `i` of `weight` for each index `i` of the input (`F.embedding`).

    Arguments: `num_embeddings`, `embedding_dim`, `padding_idx=None` (that row starts at zero and
    gets no gradient; negative counts from the end), `max_norm=None` (rows looked up with a larger
    `norm_type`-norm are rescaled in place to `max_norm` before the lookup: the weight's version
    moves once per call), `norm_type=2.0`, `scale_grad_by_freq=False` (each row's gradient divided
    by how often its index occurs in the batch), `sparse=False`, `device`, `dtype`. Parameter:
    `weight` `(num_embeddings, embedding_dim)` from `N(0, 1)`.
    `Embedding.from_pretrained(embeddings, freeze=True, ...)` wraps a given 2-D tensor.

    The node (EmbeddingBackward0) keeps the indices (a private array), nothing of the weight.
    `sparse=True` raises NotImplementedError when called: there are no sparse gradients.

    Shape: input `(*)` of int64 or int32 indices; output `(*, embedding_dim)`.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        dt = _factory(device, dtype)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_index(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(empty((num_embeddings, embedding_dim), dtype=dt),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and "
                                     "embedding_dim")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        """Fills `weight` from `N(0, 1)` and zeros the `padding_idx` row, when given."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input):
        """`F.embedding` of the inputs with the layer's arguments."""
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += ", scale_grad_by_freq=True"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding over a given weight tensor.

        An Embedding whose `weight` is a Parameter sharing the 2-D `embeddings` tensor (no copy),
        frozen (`requires_grad=False`) unless `freeze=False`; the other arguments as the
        constructor's. The `padding_idx` row is left as given. A tensor that is not 2-D raises
        AssertionError.
        """
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, _freeze=freeze,
                   padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
