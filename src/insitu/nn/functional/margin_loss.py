"""Margin and embedding losses.

Composed of insitu ops as PyTorch composes them (so gradients of every input, double backward
and node names follow): cosine_embedding_loss, margin_ranking_loss, hinge_embedding_loss,
triplet_margin_loss, triplet_margin_with_distance_loss, multilabel_soft_margin_loss.

Fused nodes named as PyTorch's, with backward formulas on arrays:
  soft_margin_loss        SoftMarginLossBackward0 (double backward through its composite form)
  multi_margin_loss       MultiMarginLossBackward0     (PyTorch has no double backward for these
  multilabel_margin_loss  MultilabelMarginLossBackward0  two: a second one raises its error)
The fused nodes keep their input, target and weight, version-checked, never a copy
(multilabel_margin_loss also its is-target mask, as PyTorch does)."""
from ...backend import xp
from ...core.tensor import wrap
from ...creation import zeros_like
from ...ops.checks import broadcast_shapes
from ...ops.derivatives import Derivative, record
from ._first_order import first_order_gradient, refuse_grad
from ._reduction import reduce_array, reduce_tensor, resolve
from .distance import pairwise_distance
from .loss import binary_cross_entropy_with_logits

_EPSILON = float(xp.float32(1e-12))    # PyTorch's `constexpr float EPSILON = 1e-12`


# ------------------------------------------------------------------ composite losses

def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """Cosine embedding loss: pulls pairs together or pushes them apart.

    `1 - cos(x1, x2)` where the target is 1, `max(0, cos(x1, x2) - margin)` where it is -1
    (`nn.CosineEmbeddingLoss`; `margin=0`), cos computed with PyTorch's epsilon 1e-12 in the squared
    norms. `reduction`: "mean" (the default), "sum" or "none"; `size_average` and `reduce` are
    PyTorch's deprecated pair, which wins when given (with a warning).

    Shape: input1, input2 `(N, D)` with target `(N,)`, or `(D,)` with target `()`; output `()`, or
    the target's shape with "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    targ_dim = target.dim()
    if targ_dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.dim() != (2 if targ_dim == 1 else 1):
        raise RuntimeError(f"{targ_dim}D target tensor expects {2 if targ_dim == 1 else 1}D input "
                           f"tensors, but found inputs with sizes {list(input1.shape)} and "
                           f"{list(input2.shape)}.")
    prod_sum = (input1 * input2).sum(targ_dim)
    mag_square1 = (input1 * input1).sum(targ_dim) + _EPSILON
    mag_square2 = (input2 * input2).sum(targ_dim) + _EPSILON
    denom = (mag_square1 * mag_square2).sqrt_()
    cos = prod_sum / denom
    zeros = zeros_like(cos)
    pos = 1 - cos
    neg = (cos - margin).clamp_min_(0)
    output = pos.where(target == 1, zeros) + neg.where(target == -1, zeros)
    return reduce_tensor(output, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """Margin ranking loss: which of two inputs should rank higher.

    `max(0, -target * (input1 - input2) + margin)`: the target (1 or -1) says which input should
    rank higher (`nn.MarginRankingLoss`; `margin=0`). `reduction`: "mean" (the default), "sum" or
    "none"; `size_average` and `reduce` are PyTorch's deprecated pair, which wins when given (with a
    warning).

    Shape: input1, input2 and target of the same number of dims, broadcasting; output `()`, or their
    shape with "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.size()}, input2: {input2.size()}, "
                           f"target: {target.size()} ")
    output = (-target * (input1 - input2) + margin).clamp_min_(0)
    return reduce_tensor(output, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """Hinge embedding loss for targets of 1 and -1.

    `input` where the target is 1, `max(0, margin - input)` where it is -1 (`nn.HingeEmbeddingLoss`;
    `margin=1.0`). `reduction`: "mean" (the default), "sum" or "none"; `size_average` and `reduce`
    are PyTorch's deprecated pair, which wins when given (with a warning).

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    zeros = zeros_like(input)
    margin_clamp = (margin - input).clamp_min_(0)
    output = margin_clamp.where(target != 1, zeros) + input.where(target != -1, zeros)
    return reduce_tensor(output, reduction)


def _check_triplet(anchor, positive, negative, margin):
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == p and p == n):
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {p}D, "
                           f"and negative {n}D inputs")


def _triplet(dist, anchor, positive, negative, margin, swap, reduction):
    dist_pos = dist(anchor, positive)
    dist_neg = dist(anchor, negative)
    if swap:
        dist_neg = dist_neg.minimum(dist(positive, negative))
    return reduce_tensor((margin + dist_pos - dist_neg).clamp_min(0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """Triplet margin loss with the p-norm distance.

    `max(d(a, p) - d(a, n) + margin, 0)` with d `pairwise_distance(x1, x2, p, eps)`
    (`nn.TripletMarginLoss`; `margin=1.0`, positive; `p=2`, `eps=1e-6`). `swap=True` uses
    `min(d(a, n), d(p, n))` as the negative distance. `reduction`: "mean" (the default), "sum" or
    "none"; `size_average` and `reduce` are PyTorch's deprecated pair, which wins when given (with a
    warning).

    Shape: anchor, positive, negative `(N, D)` or `(D,)`; output `()`, or `(N,)` with "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    _check_triplet(anchor, positive, negative, margin)
    return _triplet(lambda x1, x2: pairwise_distance(x1, x2, p, eps), anchor, positive, negative,
                    margin, swap, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Triplet margin loss with any distance function.

    `max(d(anchor, positive) - d(anchor, negative) + margin, 0)` with any `distance_function` `d`
    (default `pairwise_distance`; `nn.TripletMarginWithDistanceLoss`). Keyword arguments:
    `margin=1.0` (positive, else ValueError), `swap=False` (use the smaller of `d(anchor, negative)`
    and `d(positive, negative)`), `reduction="mean"` ("sum", "none"). The three inputs must have the
    same number of dims (RuntimeError).

    Shape: as the distance function takes them; output `()`, or per sample with "none".
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    _check_triplet(anchor, positive, negative, margin)
    return _triplet(distance_function if distance_function is not None else pairwise_distance,
                    anchor, positive, negative, margin, swap, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Multi-label one-versus-all logistic loss.

    The mean over classes of `-(t * log(sigmoid(x)) + (1 - t) * log(sigmoid(-x)))`, each class
    weighted by `weight` (`nn.MultiLabelSoftMarginLoss`): binary_cross_entropy_with_logits'
    elementwise loss and node, so it is stable and both gradients have a double backward.
    `reduction`: "mean" (the default), "sum" or "none"; `size_average` and `reduce` are PyTorch's
    deprecated pair, which wins when given (with a warning).

    Shape: input `(N, C)`; target `(N, C)` of 0 and 1 (broadcasting); output `()`, or `(N,)` with
    "none".
    """
    if size_average is not None or reduce is not None:
        reduction = resolve(size_average, reduce, reduction)
    x, t = input, target
    if x._data.shape != t._data.shape:
        shape = tuple(broadcast_shapes(t._data.shape, x._data.shape))   # target * ..., first
        x, t = x.expand(shape), t.expand(shape)
    loss = binary_cross_entropy_with_logits(x, t, reduction="none")
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


# ------------------------------------------------------------------ soft_margin_loss
# log(1 + exp(-target * input)), computed in the input's dtype as PyTorch's kernel does

def _soft_margin_array(x, t):
    e = (-x * t).astype(x.dtype, copy=False)
    xp.exp(e, out=e)
    e += 1
    return xp.log(e, out=e)


def _soft_margin_backward(grad, input, target, reduction):
    norm = 1.0 / input.size if reduction == "mean" else 1.0
    z = xp.exp(-target * input)
    g = target * z * -norm
    g /= z + 1
    return g * grad


def _soft_margin_composite(input, target, reduction):
    return reduce_tensor(((-input) * target).exp().add(1).log(), reduction)


_SOFT_MARGIN = Derivative("SoftMarginLossBackward0", {"input": _soft_margin_backward},
                          inputs=("input",), composite=_soft_margin_composite)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss for targets of 1 and -1.

    `log(1 + exp(-target * input))`, the target 1 or -1 (`nn.SoftMarginLoss`), computed in the
    input's dtype as PyTorch's kernel. `reduction`: "mean" (the default), "sum" or "none";
    `size_average` and `reduce` are PyTorch's deprecated pair, which wins when given (with a
    warning).

    One fused node (SoftMarginLossBackward0, with a double backward through its composite) keeping
    the input and the target; the target may not require a gradient.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    refuse_grad(target, "target", "soft_margin_loss")
    x, t = input._data, target._data
    if t.shape != x.shape:
        broadcast_shapes(x.shape, t.shape)      # PyTorch's message when they do not broadcast
    out = wrap(reduce_array(_soft_margin_array(x, t), reduction), input._dtype)
    return record(_SOFT_MARGIN, (input,), out, {"target": target, "reduction": reduction})


# ------------------------------------------------------------------ multi_margin_loss

def _as_frames(input):
    """The input as an (nframe, dim) array, after PyTorch's shape check."""
    a = input._data
    if not ((a.ndim == 2 and a.shape[1] != 0) or (a.ndim == 1 and a.shape[0] != 0)
            or a.ndim == 0):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(a.shape)}")
    return a.reshape(-1, 1 if a.ndim == 0 else a.shape[-1])


def _check_long(t):
    if t._data.dtype != xp.int64:
        raise RuntimeError(f"expected scalar type Long but found {t._dtype.legacy}")


def _multi_margin_parts(x, y, p, margin, w):
    """Each sample's hinge terms h (0 at its target class) and z, on arrays."""
    rows = xp.arange(len(y))
    z = (x.dtype.type(margin) - x[rows, y][:, None]) + x
    active = z > 0
    active[rows, y] = False
    h = xp.where(active, z if p == 1 else z * z, 0).astype(x.dtype, copy=False)
    if w is not None:
        h *= w[y][:, None]
    return z, active, h


def _multi_margin_backward(grad, input, target, p, margin, weight, reduction):
    x = input._data
    x2 = x.reshape(-1, 1 if x.ndim == 0 else x.shape[-1])
    n, c = x2.shape
    target_rows = target._data.reshape(-1)
    z, active, _ = _multi_margin_parts(x2, target_rows, p, margin, None)
    g = 1.0 / (n * c) if reduction == "mean" else 1.0 / c
    coef = xp.where(active, g if p == 1 else 2 * g * z, 0).astype(x.dtype, copy=False)
    if weight is not None:
        coef *= weight._data.reshape(-1).astype(x.dtype, copy=False)[target_rows][:, None]
    coef[xp.arange(n), target_rows] = -coef.sum(axis=1)
    gd = grad._data
    coef *= gd.reshape(-1, 1) if gd.ndim else gd
    return first_order_gradient(coef.reshape(x.shape), input._dtype,
                                "multi_margin_loss_backward", grad, input)


_MULTI_MARGIN = Derivative("MultiMarginLossBackward0", {"input": _multi_margin_backward},
                           inputs=("input",))


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge loss.

    Multi-class hinge loss: per sample with target y, the sum over the other classes i of
    `max(0, margin - x[y] + x[i])^p`, times `weight[y]`, divided by C (`nn.MultiMarginLoss`; `p=1`
    or 2, `margin=1.0`, `weight=None`, 1-D, which may not require a gradient). `reduction`: "mean"
    (the default), "sum" or "none"; `size_average` and `reduce` are PyTorch's deprecated pair, which
    wins when given (with a warning).

    One fused node (MultiMarginLossBackward0) keeping the input, target and weight
    (version-checked); as in PyTorch it has no double backward (a second one raises PyTorch's
    error).

    Shape: input `(N, C)` or `(C,)`; target `(N,)` or `()`, int64; output `()`, or `(N,)` with
    "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x2 = _as_frames(input)
    nframe, dim = x2.shape
    t = target._data
    if not (t.ndim <= 1 and t.size == nframe):
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to the "
                           f"number of input samples (batch size). Expected target size "
                           f"[{nframe}], but got {list(t.shape)}. Input has shape "
                           f"{list(input._data.shape)}.")
    if weight is not None and not (weight.dim() <= 1 and weight.numel() == dim):
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got "
                           f"{list(weight._data.shape)}")
    refuse_grad(weight, "weight", "multi_margin_loss")
    _check_long(target)
    y = t.reshape(-1)
    if y.size and (y.min() < 0 or y.max() >= dim):
        raise RuntimeError("target out of range")
    w = None if weight is None else weight._data.reshape(-1).astype(x2.dtype, copy=False)
    per = _multi_margin_parts(x2, y, p, margin, w)[2].sum(axis=1) / x2.dtype.type(dim)
    if reduction == "none":
        loss = per if t.ndim > 0 else per.reshape(())
    else:
        loss = xp.asarray(per.sum() / nframe if reduction == "mean" else per.sum(), x2.dtype)
    return record(_MULTI_MARGIN, (input,), wrap(loss, input._dtype),
                  {"target": target, "p": p, "margin": margin, "weight": weight,
                   "reduction": reduction})


# ------------------------------------------------------------------ multilabel_margin_loss
# each sample's targets are the class indices before its first -1; the loss sums
# max(0, 1 - (x[j] - x[k])) over its targets j and its non-target classes k, divided by C

def _target_slots(y):
    """(valid: the entries before each row's first -1, is_target: (N, C) class mask)."""
    valid = xp.cumprod(y >= 0, axis=1).astype(bool)
    is_target = xp.zeros(y.shape, bool)
    rows, cols = xp.nonzero(valid)
    is_target[rows, y[rows, cols]] = True
    return valid, is_target


def _margin_terms(x, y, valid, is_target):
    """For each target slot j: (its rows' mask of active hinge terms, the terms z)."""
    rows = xp.arange(len(y))
    for j in range(int(valid.sum(axis=1).max()) if valid.size else 0):
        z = (1 - x[rows, xp.where(valid[:, j], y[:, j], 0)][:, None]) + x
        active = (z > 0) & ~is_target & valid[:, j:j + 1]
        yield j, active, z


def _multilabel_backward(grad, input, target, is_target, valid, reduction):
    x = input._data
    x2 = x.reshape(-1, 1 if x.ndim == 0 else x.shape[-1])
    n, c = x2.shape
    target_rows = target._data.reshape(n, c)
    g = x2.dtype.type(1.0 / (n * c) if reduction == "mean" else 1.0 / c)
    out = xp.zeros_like(x2)
    rows = xp.arange(n)
    for j, active, _ in _margin_terms(x2, target_rows, valid, is_target):
        out += active * g
        out[rows, xp.where(valid[:, j], target_rows[:, j], 0)] -= active.sum(axis=1) * g
    gd = grad._data
    out *= gd.reshape(-1, 1) if gd.ndim else gd
    return first_order_gradient(out.reshape(x.shape), input._dtype,
                                "multilabel_margin_loss_backward", grad, input)


_MULTILABEL_MARGIN = Derivative("MultilabelMarginLossBackward0", {"input": _multilabel_backward},
                                inputs=("input",))


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-class multi-label hinge loss.

    Multi-class multi-label hinge loss: per sample, the sum over its target classes j and its
    non-target classes i of `max(0, 1 - (x[j] - x[i]))`, divided by C (`nn.MultiLabelMarginLoss`).
    The target lists class indices and ends at its first -1. `reduction`: "mean" (the default),
    "sum" or "none"; `size_average` and `reduce` are PyTorch's deprecated pair, which wins when
    given (with a warning).

    One fused node (MultilabelMarginLossBackward0) keeping the input, the target and the is-target
    mask; as in PyTorch it has no double backward.

    Shape: input `(N, C)` or `(C,)`; target the same shape, int64; output `()`, or `(N,)` with
    "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    x2 = _as_frames(input)
    nframe, dim = x2.shape
    t = target._data
    ok = (t.ndim <= 1 and t.size == dim) if input.dim() <= 1 else \
        (t.ndim == 2 and t.shape == (nframe, dim))
    if not ok:
        raise RuntimeError(f"inconsistent target size: {list(t.shape)} for input of size: "
                           f"{list(input._data.shape)}")
    _check_long(target)
    y = t.reshape(nframe, dim)
    if y.size and (y.min() < -1 or y.max() >= dim):
        raise RuntimeError("argument #2 'target' is out of range")
    valid, is_target = _target_slots(y)
    per = xp.zeros(nframe, x2.dtype)
    for _, active, z in _margin_terms(x2, y, valid, is_target):
        per += xp.where(active, z, 0).sum(axis=1)
    per /= x2.dtype.type(dim)
    if reduction == "none":
        loss = per if t.ndim > 1 else per.reshape(())
    elif reduction == "mean":
        loss = xp.asarray(per.sum() / nframe if nframe else 0, x2.dtype)
    else:
        loss = xp.asarray(per.sum(), x2.dtype)
    return record(_MULTILABEL_MARGIN, (input,), wrap(loss, input._dtype),
                  {"target": target, "is_target": is_target, "valid": valid,
                   "reduction": reduction})
