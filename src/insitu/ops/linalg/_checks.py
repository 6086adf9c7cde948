"""What linear-algebra functions check before they compute, with PyTorch's messages, and the
helpers their formulas share."""
from ...backend import xp
from ...core.tensor import Tensor, new_tensor


class LinAlgError(RuntimeError):
    """insitu.linalg.LinAlgError: a matrix that is singular, or not positive-definite."""


def square(name, A):
    """A is a floating (batch of) square matrices."""
    if not isinstance(A, Tensor):
        raise TypeError(f"{name}(): argument 'A' (position 1) must be Tensor, not "
                        f"{type(A).__name__}")
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    floating(name, A)


def matrix(name, A, label="A"):
    """A is a floating (batch of) matrices."""
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {label} must have at least 2 dimensions.")
    floating(name, A)


def floating(name, A):
    if not A._dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{A._dtype.legacy}")


def batch_prefix(a, bad):
    """'(Batch element i): ' for the first failing matrix of a batch (nothing for one matrix)."""
    if a.ndim == 2:
        return ""
    return f"(Batch element {int(xp.flatnonzero(bad.reshape(-1))[0])}): "


def first_zero_pivot(m):
    """The 1-based index of the first zero pivot of LU with partial pivoting (LAPACK getrf's
    info), 0 when there is none. Only run to word an error."""
    a = m.astype(xp.float64, copy=True)
    n = a.shape[0]
    first = 0
    for j in range(n):
        p = j + int(xp.argmax(xp.abs(a[j:, j])))
        if a[p, j] == 0:
            first = first or j + 1
            continue
        a[[j, p]] = a[[p, j]]
        a[j + 1:, j:] -= xp.outer(a[j + 1:, j] / a[j, j], a[j, j:])
    return first


def singular_batches(a):
    """Which matrices of a batch are exactly singular (a zero pivot)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    return xp.array([first_zero_pivot(m) > 0 for m in flat]).reshape(a.shape[:-2] or ())


def wrap_like(arr, like):
    """A NumPy result (or scalar) as a tensor of `like`'s dtype, C-contiguous (which
    np.ascontiguousarray is not for a 0-dim result: it makes it 1-dim)."""
    arr = xp.asarray(arr, dtype=like._dtype.np)
    return new_tensor(arr if arr.flags.c_contiguous else arr.copy(), like._dtype)


def eye_like(t, n):
    """The n x n identity in t's dtype."""
    return new_tensor(xp.eye(n, dtype=t._dtype.np), t._dtype)


def diag_embed(v):
    """A batch of diagonal matrices from the last dim of v (differentiable)."""
    n = v._data.shape[-1]
    return v.unsqueeze(-1) * eye_like(v, n)
