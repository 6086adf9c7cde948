"""Pairwise distances between the rows of two batches of matrices: cdist.

PyTorch picks one of two computations, and so does this, so values and grad_fn names agree:
the direct one (every difference, reduced by the p-norm; node CdistBackward0, whose backward
PyTorch does not differentiate again), or, for p = 2 when asked or when either side has more
than 25 rows, the matrix-product form ||a||^2 - 2 a.b + ||b||^2 (`_euclidean_dist`, whose
formulas are written with insitu ops, seen through a view: ViewBackward0).
"""
import math

from ...backend import xp
from ...core import dtypes
from ...core.tensor import wrap
from ..checks import not_implemented
from ..derivatives import Derivative, no_derivative, record
from .products import _broadcast_batch

_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
          "donot_use_mm_for_euclid_dist": 2}


# ------------------------------------------------------------------------ the direct form

def _norms(diff, p):
    """The p-norm of each difference vector (the last axis)."""
    if p == 0:
        return (diff != 0).sum(-1).astype(diff.dtype)
    if p == 1:
        return xp.abs(diff).sum(-1)
    if p == 2:
        return xp.sqrt((diff * diff).sum(-1))
    if math.isinf(p):
        return xp.abs(diff).max(-1) if diff.shape[-1] else xp.zeros(diff.shape[:-1], diff.dtype)
    t = diff.dtype.type
    return (xp.abs(diff) ** t(p)).sum(-1) ** t(1.0 / p)


def _sign(x):
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


def _norm_grad(diff, grad, dist, p):
    """PyTorch's per-element backward of the p-norm (`_cdist_backward`): d dist / d diff * grad,
    0 where the distance is 0."""
    t = diff.dtype.type
    g, dist = grad[..., None], dist[..., None]
    with xp.errstate(all="ignore"):
        if p == 0:
            return xp.zeros_like(diff)
        if p == 1:
            return g * _sign(diff)
        if math.isinf(p):
            return g * _sign(diff) * (1 - xp.minimum(1, xp.ceil(xp.abs(xp.abs(diff) - dist))))
        if p == 2:
            res = g * diff / dist
        elif p < 2:
            res = _sign(diff) * xp.abs(diff) ** t(p - 1) * g / dist ** t(p - 1)
            if p < 1:
                res = xp.where(diff == 0, t(0), res)
        else:
            res = diff * xp.abs(diff) ** t(p - 2) * g / dist ** t(p - 1)
    return xp.where(dist == 0, t(0), res)


def _direct_grad(grad, x, y, result, p):
    """The gradient of cdist(x, y) with respect to x: each pair's contribution summed over y's
    rows (the node fits it back to x's unbroadcast shape)."""
    a, b = x._data, y._data
    diff = a[..., :, None, :] - b[..., None, :, :]
    g = _norm_grad(diff, grad._data, result._data, p).sum(-2)
    # under create_graph the gradient hangs from a node whose backward raises, as PyTorch's
    return record(CDIST_BACKWARD, (grad, x, y, result),
                  wrap(g.astype(a.dtype, copy=False), x._dtype))


CDIST = Derivative("CdistBackward0", {
    "x1": lambda grad, x1, x2, result, p: _direct_grad(grad, x1, x2, result, p),
    "x2": lambda grad, x1, x2, result, p: _direct_grad(grad.mT, x2, x1, result.mT, p)})
_BACKWARD_INPUTS = ("grad_output", "x1", "x2", "cdist")
CDIST_BACKWARD = Derivative("CdistBackwardBackward0",
                            {_BACKWARD_INPUTS: no_derivative("_cdist_backward")},
                            inputs=_BACKWARD_INPUTS)


def _direct(x1, x2, p):
    a, b = x1._data, x2._data
    batch = _broadcast_batch(a.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(a, tuple(batch) + a.shape[-2:])
    b = xp.broadcast_to(b, tuple(batch) + b.shape[-2:])
    res = _norms(a[..., :, None, :] - b[..., None, :, :], p)
    return record(CDIST, (x1, x2), wrap(xp.ascontiguousarray(res), x1._dtype), {"p": p})


# ------------------------------------------------------------------------ the product form

def _euclid_grads(grad, x1, x2, result, needs):
    """PyTorch's `_euclidean_dist_backward` (insitu ops, so it is differentiable again)."""
    ratio = (grad / result).masked_fill(result == 0, 0)
    g1 = x1 * ratio.sum(-1, keepdim=True) - ratio.matmul(x2) if needs[0] else None
    g2 = x2 * ratio.sum(-2).unsqueeze(-1) - ratio.mT.matmul(x1) if needs[1] else None
    return g1, g2


EUCLIDEAN_DIST = Derivative("EuclideanDistBackward0", {("x1", "x2"): _euclid_grads})


def _euclidean_dist(x1, x2):
    """||a||^2 - 2 a.b + ||b||^2 as one product of padded matrices, clamped and rooted, with
    PyTorch's operations in PyTorch's order."""
    a, b = x1._data, x2._data
    an = (a * a).sum(-1, keepdims=True)
    bn = (b * b).sum(-1, keepdims=True)
    left = xp.concatenate([a * a.dtype.type(-2), an, xp.ones_like(an)], -1)
    right = xp.concatenate([b, xp.ones_like(bn), bn], -1)
    res = xp.sqrt(xp.maximum(xp.matmul(left, right.swapaxes(-1, -2)), a.dtype.type(1e-30)))
    return record(EUCLIDEAN_DIST, (x1, x2), wrap(res, x1._dtype))


def _by_products(x1, x2, batch):
    r1, c = x1._data.shape[-2:]
    r2 = x2._data.shape[-2]
    n = math.prod(batch)
    if n != 1:
        x1 = x1.expand(list(batch) + [r1, c]).reshape(n, r1, c)
        x2 = x2.expand(list(batch) + [r2, c]).reshape(n, r2, c)
    return _euclidean_dist(x1, x2).view(list(batch) + [r1, r2])


# ------------------------------------------------------------------------ cdist

def _check(x1, x2, p):
    for name, t in (("X1", x1), ("X2", x2)):
        if not t._dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{t._dtype.legacy}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1._dtype is not x2._dtype:
        raise RuntimeError(f"expected scalar type {x1._dtype.legacy} but found "
                           f"{x2._dtype.legacy}")
    if x1._dtype is dtypes.float16:
        raise not_implemented("cdist", x1._dtype)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """insitu.cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"): the p-norm
    distance between every row of x1 and every row of x2 (batches broadcast), shape (..., r1,
    r2). As in PyTorch, p = 2 uses the matrix-product form when asked or when either side has
    more than 25 rows (ViewBackward0), otherwise the direct form (CdistBackward0, not
    differentiable twice)."""
    mode = _MODES.get(compute_mode)
    if mode is None:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t._data.ndim}D")
    c1, c2 = x1._data.shape[-1], x2._data.shape[-1]
    if c1 != c2:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {c1} X2: {c2}")
    _check(x1, x2, p)
    r1, r2 = x1._data.shape[-2], x2._data.shape[-2]
    batch = _broadcast_batch(x1._data.shape[:-2], x2._data.shape[:-2])
    empty = x1._data.size == 0 or x2._data.size == 0
    if not empty and p == 2 and (mode == 1 or (mode == 0 and (r1 > 25 or r2 > 25))):
        return _by_products(x1, x2, batch)
    return _direct(x1, x2, float(p))


FUNCTIONS = {"cdist": cdist}
