"""Loss functions. The common ones are fused nodes named like PyTorch's (MseLossBackward0,
NllLossBackward0, ...): forward and backward formulas on arrays, double backward through the
composite form. `cross_entropy` with class indices fuses log_softmax and nll_loss into one node.

A fused loss keeps what its formulas read: the pointwise and binary losses their input and
target (and weights); nll_loss and cross_entropy only private arrays of their forward (each
sample's class and weight, and cross_entropy's log-probabilities), never the input."""
import warnings

from ...backend import xp
from ...core import dtypes
from ...core.tensor import wrap
from ...ops.derivatives import Derivative, record
from ._robust_arrays import huber_into, smooth_l1_into
from ._reduction import check_reduction, grad_scale, reduce_array, reduce_tensor, resolve
from ._targets import add_at_target, classes_first, log_softmax_array, pick, target_weights


def _warn_size(input, target):
    if target._data.shape != input._data.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)


# ------------------------------------------------------------------ pointwise losses
# each a function of d = input - target; one formula gives both gradients (d is computed once)

def _d_grads(gd, grad, reduction, input, needs):
    """The gradients of an elementwise loss of d = input - target, given d loss / d d."""
    gd *= grad_scale(grad, reduction, gd.size)
    gd = gd.astype(input.dtype, copy=False)
    return (gd if needs[0] else None), (-gd if needs[1] else None)


def _mse_e(d):
    return d * d


def _mse_backward(grad, input, target, needs, reduction):
    return _d_grads(2 * xp.subtract(input, target), grad, reduction, input, needs)


def _mse_composite(input, target, reduction):
    return reduce_tensor((input - target) ** 2, reduction)


def _smooth_backward(grad, input, target, needs, reduction, beta):
    # where(d < -beta, -1, where(d > beta, 1, d / beta)): d / beta is past +-1 exactly there
    gd = xp.asarray(xp.subtract(input, target))       # 0-d inputs give a NumPy scalar
    gd /= beta
    xp.clip(gd, -1.0, 1.0, out=gd)
    return _d_grads(gd, grad, reduction, input, needs)


def _smooth_composite(input, target, reduction, beta):
    d = input - target
    ad = d.abs()
    return reduce_tensor((d * d * (0.5 / beta)).where(ad < beta, ad - 0.5 * beta), reduction)


def _huber_backward(grad, input, target, needs, reduction, delta):
    gd = xp.clip(xp.subtract(input, target), -delta, delta)
    return _d_grads(gd, grad, reduction, input, needs)


def _huber_composite(input, target, reduction, delta):
    d = input - target
    ad = d.abs()
    return reduce_tensor((d * d * 0.5).where(ad < delta, (ad - 0.5 * delta) * delta), reduction)


def _loss_node(name, backward, composite):
    """The node of a loss of (input, target) whose one formula gives both gradients."""
    return Derivative(name, {("input", "target"): backward}, inputs=("input", "target"),
                      composite=composite)


_MSE = _loss_node("MseLossBackward0", _mse_backward, _mse_composite)
_SMOOTH_L1 = _loss_node("SmoothL1LossBackward0", _smooth_backward, _smooth_composite)
_HUBER = _loss_node("HuberLossBackward0", _huber_backward, _huber_composite)


def _pointwise_loss(node, e, input, target, reduction, **params):
    """An elementwise loss e(input - target) on arrays, reduced, recorded as one `node`."""
    dt = dtypes.promote_types(input._dtype, target._dtype)
    d = xp.subtract(input._data, target._data, dtype=dt.np)
    loss = e(d, **params).astype(dt.np, copy=False)
    out = wrap(xp.asarray(reduce_array(loss, reduction)), dt)
    return record(node, (input, target), out, dict(reduction=reduction, **params))


def _weighted(loss_none, weight, input, reduction, mean_by_weight=True):
    """The elementwise loss times `weight`, reduced (callers have checked `reduction`)."""
    if weight._data.shape != input._data.shape:
        raise ValueError("Weights and input must have the same size.")
    total = weight.sum() if reduction == "mean" and mean_by_weight else None
    return reduce_tensor(loss_none * weight, reduction, total)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (or its sum, or per element).

    `(input - target)^2`, reduced (`nn.MSELoss`). `reduction`: "mean" (the default), "sum" or
    "none"; `size_average` and `reduce` are PyTorch's deprecated pair, which wins when given (with a
    warning). A target of another shape broadcasts, with PyTorch's warning.

    One fused node (MseLossBackward0) that keeps the input and the target; both get gradients. With
    `weight=` (the elementwise weights, of the input's shape) it is composed of Tensor ops, and
    "mean" divides by the weights' sum.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """
    _warn_size(input, target)
    reduction = resolve(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target) ** 2, weight, input, reduction)
    return _pointwise_loss(_MSE, _mse_e, input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error (or its sum, or per element).

    `|input - target|`, reduced (`nn.L1Loss`), composed of Tensor ops. `reduction`: "mean" (the
    default), "sum" or "none"; `size_average` and `reduce` are PyTorch's deprecated pair, which wins
    when given (with a warning). `weight=` (of the input's shape) weights each element, "mean" then
    dividing by the weights' sum.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """
    _warn_size(input, target)
    reduction = resolve(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target).abs(), weight, input, reduction)
    return reduce_tensor((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Smooth L1 loss: squared error near 0, absolute error beyond `beta`.

    `0.5 * d^2 / beta` where `|d| < beta`, `|d| - 0.5 * beta` elsewhere, `d = input - target`
    (`nn.SmoothL1Loss`; `beta=1.0`, 0 gives `l1_loss`, negative raises). `reduction`: "mean" (the
    default), "sum" or "none"; `size_average` and `reduce` are PyTorch's deprecated pair, which wins
    when given (with a warning).

    One fused node (SmoothL1LossBackward0) keeping the input and the target.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """
    _warn_size(input, target)
    reduction = resolve(size_average, reduce, reduction)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _pointwise_loss(_SMOOTH_L1, smooth_l1_into, input, target, reduction, beta=float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Huber loss: squared error near 0, absolute error beyond `delta`.

    `0.5 * d^2` where `|d| < delta`, `delta * (|d| - 0.5 * delta)` elsewhere, `d = input - target`
    (`nn.HuberLoss`; `delta=1.0`, positive). `reduction`: "mean", "sum" or "none". `weight=` (of the
    input's shape) weights each element; "mean" is then the plain mean of the weighted losses.

    One fused node (HuberLossBackward0) keeping the input and the target.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """
    _warn_size(input, target)
    check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        unweighted = _pointwise_loss(_HUBER, huber_into, input, target, "none", delta=float(delta))
        return _weighted(unweighted, weight, input, reduction, mean_by_weight=False)
    return _pointwise_loss(_HUBER, huber_into, input, target, reduction, delta=float(delta))


# ------------------------------------------------------------------ nll / cross entropy
# what the backward reads: each sample's target class (ignored ones at 0), its weight (ignored
# ones at 0), their total (the weighted mean's divisor) and, for cross_entropy, the forward's
# log-probabilities; the input itself is never kept

def _nll_forward(logp, classes, weights, reduction, weighted=True):
    """(-logp[target] * weight per sample, reduced; the weights' total for "mean"). Unweighted
    (`weighted` False: every weight 1, the product exact) the picked entries are only negated."""
    loss = pick(logp, classes)
    if weighted:
        loss *= weights
    xp.negative(loss, out=loss)
    if reduction == "none":
        return loss, None
    if reduction == "sum":
        return xp.asarray(loss.sum(), dtype=logp.dtype), None
    # the sum of n ones is n, exactly, below 2^24
    exact = not weighted and weights.size < 1 << 24
    total = weights.dtype.type(weights.size) if exact else weights.sum()
    return xp.asarray(loss.sum() / total, dtype=logp.dtype), total


def _coef(grad, reduction, weights, total):
    """d loss / d (-logp[target]) per sample."""
    if reduction == "mean":
        return weights * (grad / total)
    return weights * grad


def _batch_shape(shape):
    """The (N, C, ...) shape of an input of `shape`: a (C,) input is a batch of one."""
    return (1,) + shape if len(shape) == 1 else shape


def _nll_backward(grad, input_shape, classes, weights, total, reduction):
    c = _coef(grad, reduction, weights, total)
    g = xp.zeros(input_shape, weights.dtype)
    add_at_target(g.reshape(_batch_shape(input_shape)), classes, -c)
    return g


def _nll_composite(input, classes, weights, reduction):
    shape = input._data.shape
    picker = xp.zeros(_batch_shape(shape), input._data.dtype)
    xp.put_along_axis(picker, classes[:, None], -weights[:, None], axis=1)
    x = input if len(shape) > 1 else input.unsqueeze(0)
    loss = (x * wrap(picker, input._dtype)).sum(1)
    if len(shape) == 1:
        loss = loss.reshape(())
    return reduce_tensor(loss, reduction, float(weights.sum()))


def _ce_backward(grad, input_shape, logp, classes, weights, total, reduction):
    c = _coef(grad, reduction, weights, total)
    g = xp.exp(logp)                               # softmax
    g *= c[:, None]
    add_at_target(g, classes, -c)                  # (softmax - onehot) * coefficient
    return g if g.shape == input_shape else g.reshape(input_shape)


def _ce_composite(input, classes, weights, reduction):
    return _nll_composite(input.log_softmax(_class_dim(input)), classes, weights, reduction)


# PyTorch names the node of (N, C, d1, ...) inputs after its 2-D kernel
_NAMES = ("NllLossBackward0", "NllLoss2DBackward0", "ViewBackward0")
_NLL = {name: Derivative(name, {"input": _nll_backward}, inputs=("input",),
                         composite=_nll_composite) for name in _NAMES}
_CE = {name: Derivative(name, {"input": _ce_backward}, inputs=("input",),
                        composite=_ce_composite) for name in _NAMES}


def _nll_name(input, reduction):
    if input._data.ndim <= 2:
        return "NllLossBackward0"
    return "ViewBackward0" if reduction == "none" else "NllLoss2DBackward0"


def _class_index_loss(nodes, input, target, weight, ignore_index, reduction):
    """nll_loss of `input` (nodes=_NLL), or of log_softmax(input) (nodes=_CE: cross_entropy),
    with class-index targets: computed on arrays, recorded as one fused node."""
    a, t = classes_first(input, target)
    classes, weights, ones = target_weights(t, a.shape[1], weight, ignore_index, a.dtype)
    logp = log_softmax_array(a, 1) if nodes is _CE else a
    loss, total = _nll_forward(logp, classes, weights, reduction, not ones)
    if input._data.ndim == 1 and reduction == "none":
        loss = loss.reshape(())
    out = wrap(loss, input._dtype)
    values = {"classes": classes, "weights": weights, "total": total, "reduction": reduction}
    if nodes is _CE:
        values["logp"] = logp
    return record(nodes[_nll_name(input, reduction)], (input,), out, values)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class indices under log-probabilities.

    The negative log-likelihood of class indices: `-weight[t] * input[n, t]` per sample, t its
    target (`nn.NLLLoss`); the input holds log-probabilities.

    Arguments: `weight=None` (per class `(C,)`), `ignore_index=-100` (those samples count for
    nothing, in the mean's divisor too). `reduction`: "mean" (the default), "sum" or "none";
    `size_average` and `reduce` are PyTorch's deprecated pair, which wins when given (with a
    warning). "mean" divides by the sum of the weights of the samples counted. Targets out of range
    raise IndexError.

    One fused node (named as PyTorch's: NllLossBackward0 for 1-D and 2-D inputs) that keeps each
    sample's class and weight (private arrays), never the input.

    Shape: input `(N, C)`, `(C,)` or `(N, C, d1, ...)`; target `(N,)`, `()` or `(N, d1, ...)` of
    int64 (or uint8) class indices; output `()`, or the target's shape with "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    return _class_index_loss(_NLL, input, target, weight, ignore_index, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross entropy of logits against class indices or class probabilities.

    `nll_loss(log_softmax(input, class dim), target)` for class-index targets, or
    `-sum(target * log_softmax(input))` per sample for a floating target of the input's shape (class
    probabilities) (`nn.CrossEntropyLoss`).

    Arguments: `weight=None` (per class `(C,)`), `ignore_index=-100` (class-index targets only),
    `label_smoothing=0.0` (in `[0, 1]`: the target mixed with the uniform distribution).
    `reduction`: "mean" (the default), "sum" or "none"; `size_average` and `reduce` are PyTorch's
    deprecated pair, which wins when given (with a warning).

    With class-index targets and no smoothing it is one fused node that keeps each sample's class
    and weight and the forward's log-probabilities (private arrays), never the input; the other
    forms are composed of Tensor ops as PyTorch composes them.

    Shape: input `(N, C)`, `(C,)` or `(N, C, d1, ...)`; target of class indices `(N,)`, `()` or
    `(N, d1, ...)`, or probabilities of the input's shape; output `()`, or per sample with "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if target._dtype.is_floating_point and target._data.shape == input._data.shape:
        return _ce_probabilities(input, target, weight, reduction, label_smoothing)
    if label_smoothing > 0:
        return _ce_smoothed(input, target, weight, ignore_index, reduction, label_smoothing)
    return _class_index_loss(_CE, input, target, weight, ignore_index, reduction)


def _class_dim(input):
    return 0 if input._data.ndim == 1 else 1


def _weight_view(weight, input):
    shape = [1] * input._data.ndim
    shape[_class_dim(input)] = weight._data.shape[0]
    return weight.view(shape)


def _ce_smoothed(input, target, weight, ignore_index, reduction, eps):
    """PyTorch's composite: (1 - eps) * nll + eps / C * (smoothing term)."""
    dim = _class_dim(input)
    n_classes = input._data.shape[dim]
    logp = input.log_softmax(dim)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    ignored = target == ignore_index
    if weight is not None:
        smooth = -(logp * _weight_view(weight, input)).sum(dim)
    else:
        smooth = -logp.sum(dim)
    smooth = smooth.masked_fill(ignored, 0.0)
    denom = None
    if reduction == "mean":
        if weight is not None:
            t = target._data
            keep = t[t != ignore_index].astype(xp.int64)
            denom = float(weight._data[keep].sum())
        else:
            denom = float((~ignored._data).sum())
    return nll * (1 - eps) + reduce_tensor(smooth, reduction, denom) * (eps / n_classes)


def _ce_probabilities(input, target, weight, reduction, eps):
    dim = _class_dim(input)
    n_classes = input._data.shape[dim]
    if input._data.shape != target._data.shape:
        raise RuntimeError(f"Expected input batch_size ({input._data.shape[0]}) to match target "
                           f"batch_size ({target._data.shape[0]}).")
    logp = input.log_softmax(dim)
    if eps > 0:
        target = target * (1 - eps) + eps / n_classes
    prod = logp * target
    if weight is not None:
        prod = prod * _weight_view(weight, input)
    loss = -prod.sum(dim)
    return reduce_tensor(loss, reduction,
                         input._data.size / n_classes if reduction == "mean" else None)


# ------------------------------------------------------------------ binary cross entropy
# one formula gives both gradients (the incoming gradient is scaled once); the weights are
# tensors the node keeps, version-checked

def _bce_parts(x):
    with xp.errstate(divide="ignore", invalid="ignore"):
        logx = xp.maximum(xp.log(x), -100)
        log1mx = xp.maximum(xp.log1p(-x), -100)
    return logx, log1mx


def _bce_composite(input, target, weight, reduction):
    loss = -(target * input.log().clamp_min(-100) + (1 - target) * (1 - input).log().clamp_min(-100))
    if weight is not None:
        loss = loss * weight
    return reduce_tensor(loss, reduction)


def _weighted_grad(d_loss, scale, weight):
    """An elementwise derivative of the loss times the incoming gradient (per element) and the
    weight (summing back to the input's shape is the recorder's)."""
    grad = d_loss * scale
    return grad if weight is None else grad * weight


def _bce_backward(grad, input, target, needs, weight, reduction):
    scale = grad_scale(grad, reduction, input.size)
    gx = gt = None
    if needs[0]:
        d = xp.maximum((1 - input) * input, 1e-12)
        gx = _weighted_grad((input - target) / d, scale, weight)
    if needs[1]:
        gt = _weighted_grad(xp.log1p(-input) - xp.log(input), scale, weight)
    return gx, gt


_BCE = _loss_node("BinaryCrossEntropyBackward0", _bce_backward, _bce_composite)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross entropy of probabilities against targets.

    `-(t * log(x) + (1 - t) * log(1 - x))` for probabilities x, each log clamped at -100 as
    PyTorch's (`nn.BCELoss`).

    Arguments: `weight=None` (broadcast to the input's shape). `reduction`: "mean" (the default),
    "sum" or "none"; `size_average` and `reduce` are PyTorch's deprecated pair, which wins when
    given (with a warning). Inputs outside `[0, 1]` raise; a target of another shape raises
    ValueError.

    One fused node (BinaryCrossEntropyBackward0) keeping the input, target and weight
    (version-checked); the input and the target both get gradients.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    xa, ta = input._data, target._data
    if ((xa < 0) | (xa > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(input.shape)
    logx, log1mx = _bce_parts(xa)
    loss = ta * logx
    loss += (1 - ta) * log1mx
    xp.negative(loss, out=loss)
    if weight is not None:
        loss *= weight._data
    out = wrap(reduce_array(loss.astype(xa.dtype, copy=False), reduction), input._dtype)
    return record(_BCE, (input, target), out, {"weight": weight, "reduction": reduction})


def _log_sigmoid_neg(x):
    """log(1 + exp(-x)) = -log(sigmoid(x)), stable for both signs."""
    return xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)


def _bcel_composite(input, target, weight, pos_weight, reduction):
    sp = (-input.abs()).exp().log1p() + (-input).clamp_min(0)
    if pos_weight is not None:
        lw = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + lw * sp
    else:
        loss = (1 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return reduce_tensor(loss, reduction)


def _bcel_backward(grad, input, target, needs, weight, pos_weight, reduction):
    scale = grad_scale(grad, reduction, input.size)
    pw = pos_weight
    gx = gt = None
    if needs[0]:
        sig = 1 / (1 + xp.exp(-input))
        if pw is not None:
            lw = (pw - 1) * target + 1
            gxa = lw * sig - pw * target
        else:
            gxa = sig - target
        gx = _weighted_grad(gxa, scale, weight)
    if needs[1]:
        log_sig = -_log_sigmoid_neg(input)
        gta = -((pw - 1) * log_sig + input) if pw is not None else -input
        gt = _weighted_grad(gta, scale, weight)
    return gx, gt


_BCE_LOGITS = _loss_node("BinaryCrossEntropyWithLogitsBackward0", _bcel_backward,
                         _bcel_composite)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross entropy of logits, computed stably.

    `binary_cross_entropy(sigmoid(x), t)` computed from the logits x without overflow:
    `(1 - t) * x + (1 + (pos_weight - 1) * t) * log(1 + exp(-x))`, stably (`nn.BCEWithLogitsLoss`).

    Arguments: `weight=None` (broadcasting), `pos_weight=None` (the positive term's weight,
    broadcasting over the last dim: one per class). `reduction`: "mean" (the default), "sum" or
    "none"; `size_average` and `reduce` are PyTorch's deprecated pair, which wins when given (with a
    warning). A target of another shape raises ValueError.

    One fused node (BinaryCrossEntropyWithLogitsBackward0) keeping the input, target, weight and
    pos_weight; the input and the target both get gradients.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """
    reduction = resolve(size_average, reduce, reduction)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    xa, ta = input._data, target._data
    sp = _log_sigmoid_neg(xa)
    if pos_weight is not None:
        lw = (pos_weight._data - 1) * ta + 1
        loss = (1 - ta) * xa + lw * sp
    else:
        loss = (1 - ta) * xa + sp
    if weight is not None:
        loss = loss * weight._data
    out = wrap(reduce_array(loss.astype(xa.dtype, copy=False), reduction), input._dtype)
    return record(_BCE_LOGITS, (input, target), out,
                  {"weight": weight, "pos_weight": pos_weight, "reduction": reduction})
