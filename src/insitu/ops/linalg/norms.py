"""Vector norms: insitu.linalg.vector_norm, insitu.norm / Tensor.norm, insitu.linalg.norm.

A norm is a reduction: the dims and the restored shape of its gradient follow the reductions'
conventions (`ops.reductions`). Matrix norms are composed of vector norms, singular values and
absolute sums, as in PyTorch.
"""
import math

from ...backend import xp
from ...core import dtypes
from ...core.tensor import wrap
from ..copying import to_dtype as converted
from ..derivatives import Derivative, record
from ..pipelines import write_out
from ..reducing import acc_dtype, np_axis, reduced_dims, restore_dims
from .decompositions import svdvals

_INF = float("inf")


def _two_norm(a, axis, keepdim):
    """sqrt of the sum of squares: one BLAS dot over everything, else one squaring pass."""
    if axis is None and a.flags.c_contiguous and a.size:
        f = a.reshape(-1)
        r = xp.sqrt(xp.dot(f, f))
        return xp.reshape(r, (1,) * a.ndim) if keepdim else r
    return xp.sqrt(xp.sum(xp.multiply(a, a), axis=axis, keepdims=keepdim))


def _vector_norm_array(a, ord, axis, keepdim):
    acc = acc_dtype(a.dtype)
    if ord == 2:
        return _two_norm(a.astype(acc, copy=False), axis, keepdim)
    x = xp.abs(a).astype(acc, copy=False)
    if ord == _INF:
        return xp.max(x, axis=axis, keepdims=keepdim)
    if ord == -_INF:
        return xp.min(x, axis=axis, keepdims=keepdim)
    if ord == 0:
        return xp.sum(x != 0, axis=axis, keepdims=keepdim, dtype=acc)
    if ord == 1:
        return xp.sum(x, axis=axis, keepdims=keepdim)
    return xp.power(xp.sum(xp.power(x, ord), axis=axis, keepdims=keepdim), 1.0 / ord)


def _norm_grad(grad, self, result, dims, keepdim, ord):
    x = self
    ndim = x._data.ndim
    g = restore_dims(grad, ndim, dims, keepdim)
    norm = restore_dims(result, ndim, dims, keepdim)
    if ord == 0:
        return None            # PyTorch leaves the gradient undefined
    if ord == 1:
        return x.sgn() * g
    if ord == 2:
        scaled = x / norm
        if (norm._data == 0).any():             # x / 0: PyTorch's masked_fill_ makes it 0
            scaled = scaled.masked_fill(norm == 0, 0)
        return g * scaled
    if math.isinf(ord):
        ax = x.abs()
        mask = (ax == norm).logical_or(ax != ax)
        return x.sgn() * ((g / mask.sum(dims, keepdim=True)) * mask)
    if ord < 1:
        scaled = x.sgn() * x.abs().pow(ord - 1).masked_fill(x == 0, 0)
        return scaled * g * norm.pow(1 - ord)
    scaled = x.sgn() * x.abs().pow(ord - 1) if ord < 2 else x * x.abs().pow(ord - 2)
    return scaled * (g / norm.pow(ord - 1)).masked_fill(norm == 0, 0)


VECTOR_NORM = Derivative("LinalgVectorNormBackward0", {"self": _norm_grad})


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """insitu.linalg.vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None): the
    `ord`-norm (sum(|x|^ord)^(1/ord); inf/-inf the largest/smallest |x|, 0 the count of nonzeros)
    over `dim` (all elements by default) of a floating tensor, computed in `dtype` when given.
    Backward: LinalgVectorNormBackward0."""
    if not x._dtype.is_floating_point:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {x._dtype.legacy}")
    if dtype is not None:
        dtype = dtypes.to_dtype(dtype)
        if x._dtype is not dtype:
            x = converted(x, dtype)
    ord = float(ord)
    a = x._data
    dims = reduced_dims(dim, a.ndim)
    if math.isinf(ord) and a.size == 0:
        if dims is None:
            raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor "
                               "because the operation does not have an identity")
        for d in dims:
            if a.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the inf norm on the "
                                   f"dimension {d}because this dimension is empty and the "
                                   "operation does not have an identity")
    res = xp.asarray(_vector_norm_array(a, ord, np_axis(dims, a.ndim), keepdim))
    if out is not None:
        return write_out("linalg_vector_norm", out, res, (x,), x._dtype)
    if res.dtype != x._dtype.np:
        res = res.astype(x._dtype.np)
    return record(VECTOR_NORM, (x,), wrap(res, x._dtype),
                  {"dims": dims, "keepdim": keepdim, "ord": ord})


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """insitu.linalg.matrix_norm, composed as PyTorch composes it: 'fro' is the vector 2-norm of
    the two dims, 'nuc' and +-2 reduce the singular values, +-1 and +-inf the absolute column
    and row sums."""
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(map(str, dims))}")
    nd = A._data.ndim
    if nd < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions.")
    d0, d1 = (d % nd for d in dims)
    if dtype is not None:
        A = converted(A, dtypes.to_dtype(dtype))
    if ord == "fro":
        res = vector_norm(A, 2, (d0, d1), keepdim)
    elif ord in ("nuc", 2, -2):
        moved = A.movedim((d0, d1), (-2, -1))
        s = svdvals(moved)
        res = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            res = res.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
    elif ord in (1, -1, _INF, -_INF):
        summed, reduced = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = A.abs().sum(summed, keepdim=keepdim)
        if not keepdim and reduced > summed:
            reduced -= 1
        res = sums.amax(reduced, keepdim=keepdim) if ord > 0 else sums.amin(reduced, keepdim=keepdim)
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    return res if out is None else write_out("linalg_matrix_norm", out, res._data, ())


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """insitu.norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None): the older
    torch.norm: "fro" (or None) is the 2-norm over at most two dims, "nuc" a matrix norm, a
    number p a `linalg.vector_norm` over `dim`."""
    if p is None:
        p = "fro"
    if isinstance(p, str):
        ndims = 1 if isinstance(dim, int) else (None if dim is None else len(dim))
        if p == "fro" and (ndims is None or ndims <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
        if ndims is not None and ndims != 2:
            dims = [dim] if isinstance(dim, int) else list(dim)
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                               f"{' '.join(map(str, dims))}")
        return matrix_norm(input, p, (-2, -1) if dim is None else dim, keepdim, dtype=dtype,
                           out=out)
    return vector_norm(input, p, dim, keepdim, dtype=dtype, out=out)


def linalg_norm(input, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """insitu.linalg.norm: a vector norm, or a matrix norm over two dims."""
    matrix = (dim is None and input._data.ndim == 2) or \
        (dim is not None and not isinstance(dim, int) and len(dim) == 2)
    if ord is not None and (matrix or isinstance(ord, str)):
        return matrix_norm(input, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype,
                           out=out)
    return vector_norm(input, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
