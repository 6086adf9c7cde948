"""Distances between batches of vectors, composed as PyTorch composes them, so their gradients
(double backward included) are those of the ops they are made of:

  pairwise_distance(x1, x2)   norm(x1 - x2 + eps, p, last dim): the norm is one node,
                              NormBackward1 (PyTorch's at::norm), whose backward is PyTorch's
                              norm_backward on arrays
  cosine_similarity(x1, x2)   sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)), dim): the
                              norms are clamped in place under no_grad, so the gradient flows
                              through the unclamped norm, as in PyTorch
"""
import math

from ...autograd.grad_mode import no_grad
from ...backend import xp
from ...core import dtypes
from ...core.tensor import wrap
from ...ops.derivatives import Derivative, record
from ...ops.linalg.norms import vector_norm
from ...ops.special import broadcast_tensors


# ------------------------------------------------------------------ the p-norm over one dim

def _norm_array(a, p, dim, keepdim):
    """||a||_p over `dim` (a 0-dim `a` is its own one-element vector)."""
    if a.ndim == 0:
        a, dim, keepdim = a.reshape(1), 0, False
    if p == 0:
        return (a != 0).sum(axis=dim, keepdims=keepdim).astype(a.dtype)
    ad = xp.abs(a)
    if p == 2:
        r = xp.sqrt((a * a).sum(axis=dim, keepdims=keepdim))
    elif p == 1:
        r = ad.sum(axis=dim, keepdims=keepdim)
    elif p == math.inf:
        r = ad.max(axis=dim, keepdims=keepdim)
    elif p == -math.inf:
        r = ad.min(axis=dim, keepdims=keepdim)
    else:
        r = (ad ** p).sum(axis=dim, keepdims=keepdim) ** (1.0 / p)
    return xp.asarray(r, dtype=a.dtype)


def _norm_backward(grad, self, result, p, dim, keepdim):
    """PyTorch's norm_backward, on arrays."""
    if p == 0:
        return None
    if self.ndim and not keepdim:
        grad = xp.expand_dims(grad, dim)
        result = xp.expand_dims(result, dim)
    if p == 1:
        return xp.sign(self) * grad
    if p == 2:
        with xp.errstate(divide="ignore", invalid="ignore"):
            scaled = self / result
        return grad * xp.where(result == 0, 0, scaled)
    if math.isinf(p):
        sa = xp.abs(self)
        mask = (sa == result) | xp.isnan(sa)
        count = mask.sum(axis=dim if self.ndim else None, keepdims=True)
        return xp.sign(self) * ((grad / count) * mask)
    with xp.errstate(divide="ignore", invalid="ignore"):
        if p < 1:
            scaled = xp.sign(self) * xp.where(self == 0, 0, xp.abs(self) ** (p - 1))
            return scaled * grad * result ** (1 - p)
        scaled = xp.sign(self) * xp.abs(self) ** (p - 1) if p < 2 else \
            self * xp.abs(self) ** (p - 2)
        scale = grad / result ** (p - 1)
    return scaled * xp.where(result == 0, 0, scale)


def _norm_composite(self, p, dim, keepdim):
    if self._data.ndim == 0:
        self, dim = self.reshape(1), 0
        keepdim = False
    if p == 0:
        return (self * 0).sum(dim, keepdim)      # constant in self: no gradient
    if p == 2:
        return (self * self).sum(dim, keepdim).sqrt()
    if p == math.inf:
        return self.abs().amax(dim, keepdim)
    if p == -math.inf:
        return self.abs().amin(dim, keepdim)
    return self.abs().pow(p).sum(dim, keepdim).pow(1.0 / p)


_NORM = Derivative("NormBackward1", {"self": _norm_backward}, inputs=("self",),
                   composite=_norm_composite)


def _norm(t, p, dim, keepdim):
    out = wrap(_norm_array(t._data, p, dim, keepdim), t._dtype)
    return record(_NORM, (t,), out, {"p": p, "dim": dim, "keepdim": keepdim})


# ------------------------------------------------------------------ the distances

def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm distance between matching rows of two tensors.

    `||x1 - x2 + eps||_p` over the last dim (`nn.PairwiseDistance`; `p=2.0`, `eps=1e-6`,
    `keepdim=False`), as PyTorch composes it: the norm is one node (NormBackward1) with PyTorch's
    norm backward. Integer inputs are computed in the default dtype.

    Shape: x1, x2 `(N, D)` or `(D,)`, broadcasting; output `(N,)` (`(N, 1)` with `keepdim`), or `()`
    for 1-D inputs.
    """
    innermost = max(x1.dim(), x2.dim()) - 1
    diff = x1 - x2 + eps
    if not diff._dtype.is_floating_point:
        diff = diff.to(dtypes.get_default_dtype())
    return _norm(diff, float(p), innermost % max(diff.dim(), 1), keepdim)


def _floating(t, dt):
    return t if t._dtype.is_floating_point else t.to(dt)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine similarity of two tensors along a dim.

    `sum(x1 * x2, dim) / (max(||x1||, eps) * max(||x2||, eps))` (`nn.CosineSimilarity`; `dim=1`,
    `eps=1e-8`), as PyTorch composes it: the norms are clamped in place under no_grad, so the
    gradient flows through the unclamped norms.

    Shape: x1, x2 broadcasting to a common floating shape; output that shape without `dim`.
    """
    dt = dtypes.promote_types(x1._dtype, x2._dtype)
    if not dt.is_floating_point:
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{dt.legacy}")
    x1, x2 = broadcast_tensors(_floating(x1, dt), _floating(x2, dt))
    n1 = vector_norm(x1, 2, dim, True).clone()
    n2 = vector_norm(x2, 2, dim, True).clone()
    with no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)
