"""embedding (rows of a weight matrix picked by index, one fused node: EmbeddingBackward0) and
one_hot.

The embedding node keeps the indices as a private array and nothing of the weight: its
gradient is the incoming gradient added into the picked rows."""
from ...autograd.grad_mode import no_grad
from ...backend import xp
from ...core import dtypes
from ...core.tensor import wrap
from ...ops.derivatives import Derivative, record
from ...ops.kernels import add_at_rows
from .distance import _norm_array


def _embedding_composite(weight, indices, padding_idx):
    """weight[indices] as a product with one-hot rows (linear in weight); the padding row is
    read from a detached weight, so it gets no gradient."""
    n = weight._data.shape[0]
    onehot = xp.zeros(indices.shape + (n,), weight._data.dtype)
    xp.put_along_axis(onehot, indices[..., None], 1, axis=-1)
    if padding_idx is None:
        return wrap(onehot, weight._dtype).matmul(weight)
    pad = onehot[..., padding_idx].copy()
    onehot[..., padding_idx] = 0
    rows = wrap(onehot, weight._dtype).matmul(weight)
    return rows + wrap(pad[..., None], weight._dtype) * weight.detach()[padding_idx]


def _embedding_backward(grad, weight_shape, indices, padding_idx, scale_grad_by_freq):
    n_rows, dim = weight_shape[0], grad.shape[-1]
    flat_idx = indices.reshape(-1)
    rows = grad.reshape(-1, dim)
    if scale_grad_by_freq:
        counts = xp.bincount(flat_idx, minlength=n_rows)
        rows = rows / counts[flat_idx][:, None]
    out = xp.zeros((n_rows, dim), grad.dtype)
    add_at_rows(out, flat_idx, rows)
    if padding_idx is not None:
        out[padding_idx] = 0
    return out


_EMBEDDING = Derivative("EmbeddingBackward0", {"weight": _embedding_backward}, inputs=("weight",),
                        composite=_embedding_composite)


def _renorm_(weight, idx, max_norm, norm_type):
    """embedding_renorm_: each row used by `idx` whose norm (in the weight's dtype) exceeds
    max_norm is scaled by max_norm / (norm + 1e-7), in place under no_grad, before the lookup.
    One index_put_ of those rows: the weight's version goes up once per call, as PyTorch's
    does (even when no row changes); the other rows are not touched."""
    rows = xp.unique(idx.reshape(-1))
    w = weight._data[rows]
    norms = _norm_array(w, float(norm_type), 1, False).astype(xp.float64)
    over = norms > max_norm
    scale = (max_norm / (norms[over] + 1e-7)).astype(w.dtype)
    with no_grad():
        weight.index_put_((wrap(rows[over], dtypes.int64),),
                          wrap(w[over] * scale[:, None], weight._dtype))


def padding_index(padding_idx, num_embeddings):
    """`padding_idx` checked against `num_embeddings` (an AssertionError outside), a negative one
    counted from the end; None stays None.
    """
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = num_embeddings + padding_idx
    return padding_idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of `weight` picked by the indices in `input` (`nn.Embedding`).

    Arguments: `padding_idx=None` (that row gets no gradient; negative counts from the end),
    `max_norm=None` (rows used whose `norm_type`-norm exceeds it are rescaled in place to
    `max_norm`, under no_grad, before the lookup: one write, so the weight's version moves once per
    call), `norm_type=2.0`, `scale_grad_by_freq=False` (each row's gradient divided by its index's
    count in the batch), `sparse=False`. `sparse=True` raises NotImplementedError: there are no
    sparse gradients.

    One fused node (EmbeddingBackward0) that keeps the indices (a private array) and nothing of the
    weight: its gradient adds the incoming gradient into the picked rows.

    Shape: input `(*)` of int64 or int32 indices; weight `(num_embeddings, embedding_dim)`; output
    `(*, embedding_dim)`.
    """
    if sparse:
        raise NotImplementedError("sparse gradients are not supported by insitu; use "
                                  "sparse=False")
    idx = input._data
    if idx.dtype not in (xp.int64, xp.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{input.type()} instead (while checking arguments for embedding)")
    n_rows = weight._data.shape[0]
    padding_idx = padding_index(padding_idx, n_rows)
    if idx.size and (idx.min() < 0 or idx.max() >= n_rows):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    out = wrap(weight._data[idx], weight._dtype)
    return record(_EMBEDDING, (weight,), out,
                  {"indices": idx.astype(xp.int64, copy=False), "padding_idx": padding_idx,
                   "scale_grad_by_freq": scale_grad_by_freq})


def one_hot(tensor, num_classes=-1):
    """One-hot encoding of class indices.

    Each int64 class index of `tensor` as a one-hot row: `(*)` to `(*, num_classes)` of int64 zeros
    and ones.

    `num_classes=-1` takes the largest index plus one (0 for an empty input, where PyTorch raises).
    Negative or too large indices raise. No gradient.
    """
    idx = tensor._data
    if idx.dtype != xp.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0):
        raise RuntimeError("Class values must be non-negative.")
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = xp.zeros(idx.shape + (num_classes,), xp.int64)
    xp.put_along_axis(out, idx[..., None], 1, axis=-1)
    return wrap(out, dtypes.int64)
