"""embedding: rows of a weight matrix picked by index, one fused node (EmbeddingBackward0)."""
from ..autograd.grad_mode import no_grad
from ..backend import xp
from ..core.tensor import wrap
from ._fused import node_type, record, as_tensor


def _embedding_composite(weight, input, padding_idx):
    """weight[input] as a product with one-hot rows (linear in weight); the padding row is
    read from a detached weight, so it gets no gradient."""
    idx = input._data.astype(xp.int64)
    n = weight._data.shape[0]
    onehot = xp.zeros(idx.shape + (n,), weight._data.dtype)
    xp.put_along_axis(onehot, idx[..., None], 1, axis=-1)
    if padding_idx is None:
        return wrap(onehot, weight._dtype).matmul(weight)
    pad = onehot[..., padding_idx].copy()
    onehot[..., padding_idx] = 0
    rows = wrap(onehot, weight._dtype).matmul(weight)
    return rows + wrap(pad[..., None], weight._dtype) * weight.detach()[padding_idx]


def _embedding_backward(node, g):
    node.tensors()
    idx, n_rows, padding_idx, scale_by_freq = node.aux
    ga = g._data
    dim = ga.shape[-1]
    flat_idx = idx.reshape(-1)
    rows = ga.reshape(-1, dim)
    if scale_by_freq:
        counts = xp.bincount(flat_idx, minlength=n_rows)
        rows = rows / counts[flat_idx][:, None]
    grad = xp.zeros((n_rows, dim), ga.dtype)
    xp.add.at(grad, flat_idx, rows)
    if padding_idx is not None:
        grad[padding_idx] = 0
    return [as_tensor(grad, g)]


_EMBEDDING = node_type("EmbeddingBackward0", _embedding_backward, _embedding_composite)


def _renorm_(weight, idx, max_norm, norm_type):
    """embedding_renorm_: rows used by `idx` whose norm exceeds max_norm are scaled down, in
    place, under no_grad (as PyTorch does before the lookup)."""
    rows = xp.unique(idx.reshape(-1))
    w = weight._data[rows].astype(xp.float64)
    norms = xp.linalg.norm(w, ord=norm_type, axis=1) if norm_type != 0 else \
        (w != 0).sum(axis=1).astype(xp.float64)
    over = norms > max_norm
    if not over.any():
        return
    scale = xp.ones_like(norms)
    scale[over] = max_norm / (norms[over] + 1e-7)
    new = weight._data.copy()
    new[rows] = (w * scale[:, None]).astype(new.dtype)
    with no_grad():
        weight.copy_(wrap(new, weight._dtype))


def padding_index(padding_idx, num_embeddings):
    """padding_idx checked against the number of rows; a negative one counts from the end."""
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
    return record(out, _EMBEDDING, (weight,), (False,),
                  dict(input=input, padding_idx=padding_idx),
                  (idx.astype(xp.int64, copy=False), n_rows, padding_idx, scale_grad_by_freq))
