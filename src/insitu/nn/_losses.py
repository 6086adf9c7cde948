"""Loss functions. The common ones are fused nodes named like PyTorch's (MseLossBackward0,
NllLossBackward0, ...): forward and backward on arrays, double backward through the composite.
`cross_entropy` with class indices fuses log_softmax and nll_loss into one node."""
import warnings

from ..backend import xp
from ..core import dtypes
from ..core.tensor import wrap
from ._fused import node_type, record, as_tensor

_REDUCTIONS = ("none", "mean", "sum")


def legacy_get_string(size_average, reduce, emit_warning=True):
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _reduction(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _warn_size(input, target):
    if target._data.shape != input._data.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)


def _reduce_array(e, reduction):
    if reduction == "none":
        return e
    return xp.asarray(e.mean() if reduction == "mean" else e.sum(), dtype=e.dtype)


def _reduce_tensor(t, reduction, total=None):
    """`t` reduced as asked: a mean is t.mean(), or t.sum() / total when a total is given (the
    weighted means of nll_loss and cross_entropy)."""
    if reduction == "none":
        return t
    if reduction == "sum":
        return t.sum()
    return t.mean() if total is None else t.sum() / total


def _grad_scale(g, reduction, n):
    """The incoming gradient as a factor per element of the unreduced loss."""
    ga = g._data
    if reduction == "mean":
        return ga / n if n else ga * xp.nan
    return ga


def _sum_to(arr, shape):
    if arr.shape == tuple(shape):
        return arr
    lead = arr.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape)
                                      if n == 1 and arr.shape[i + lead] != 1)
    return arr.sum(axis=axes, keepdims=True).reshape(shape)


# ------------------------------------------------------------------ pointwise losses

def _mse_e(d, p):
    return d * d


def _mse_de(d, p):
    return 2 * d


def _mse_composite(input, target, reduction):
    return _reduce_tensor((input - target) ** 2, reduction)


def _smooth_e(d, p):
    beta = p["beta"]
    ad = xp.abs(d)
    return xp.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta)


def _smooth_de(d, p):
    beta = p["beta"]
    return xp.where(d < -beta, -1.0, xp.where(d > beta, 1.0, d / beta)).astype(d.dtype)


def _smooth_composite(input, target, reduction, beta):
    d = input - target
    ad = d.abs()
    return _reduce_tensor((d * d * (0.5 / beta)).where(ad < beta, ad - 0.5 * beta), reduction)


def _huber_e(d, p):
    delta = p["delta"]
    ad = xp.abs(d)
    return xp.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))


def _huber_de(d, p):
    delta = p["delta"]
    return xp.clip(d, -delta, delta)


def _huber_composite(input, target, reduction, delta):
    d = input - target
    ad = d.abs()
    return _reduce_tensor((d * d * 0.5).where(ad < delta, (ad - 0.5 * delta) * delta), reduction)


def _pointwise_backward(de):
    def backward(node, g):
        x, t = node.tensors()
        ctx = node.ctx
        d = xp.subtract(x._data, t._data)
        gd = de(d, ctx)
        gd *= _grad_scale(g, ctx["reduction"], d.size)
        gd = gd.astype(x._data.dtype, copy=False)
        nx, nt = node.needs
        return [as_tensor(_sum_to(gd, x._data.shape), x) if nx else None,
                as_tensor(_sum_to(-gd, t._data.shape), t) if nt else None]
    return backward


_POINTWISE = {
    "mse": (node_type("MseLossBackward0", _pointwise_backward(_mse_de), _mse_composite), _mse_e),
    "smooth_l1": (node_type("SmoothL1LossBackward0", _pointwise_backward(_smooth_de),
                            _smooth_composite), _smooth_e),
    "huber": (node_type("HuberLossBackward0", _pointwise_backward(_huber_de),
                        _huber_composite), _huber_e),
}


def _pointwise_loss(kind, input, target, reduction, **params):
    cls, e = _POINTWISE[kind]
    dt = dtypes.promote_types(input._dtype, target._dtype)
    d = xp.subtract(input._data, target._data, dtype=dt.np)
    out = wrap(xp.asarray(_reduce_array(e(d, params).astype(dt.np, copy=False), reduction)), dt)
    return record(out, cls, (input, target), (True, True), dict(reduction=reduction, **params))


def _weighted(loss_none, weight, input, reduction, mean_by_weight=True):
    """The elementwise loss times `weight`, reduced (callers have checked `reduction`)."""
    if weight._data.shape != input._data.shape:
        raise ValueError("Weights and input must have the same size.")
    total = weight.sum() if reduction == "mean" and mean_by_weight else None
    return _reduce_tensor(loss_none * weight, reduction, total)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target) ** 2, weight, input, reduction)
    return _pointwise_loss("mse", input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target).abs(), weight, input, reduction)
    return _reduce_tensor((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _pointwise_loss("smooth_l1", input, target, reduction, beta=float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _warn_size(input, target)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        unweighted = _pointwise_loss("huber", input, target, "none", delta=float(delta))
        return _weighted(unweighted, weight, input, reduction, mean_by_weight=False)
    return _pointwise_loss("huber", input, target, reduction, delta=float(delta))


# ------------------------------------------------------------------ nll / cross entropy

def _classes_first(input, target):
    """(input as (N, C, ...), target as (N, ...)) arrays; a (C,) input is a batch of one."""
    a, t = input._data, target._data
    if t.dtype not in (xp.int64, xp.uint8):
        name = dtypes.from_numpy_dtype(t.dtype).legacy
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {name}")
    if a.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if a.ndim == 1:
        if t.ndim != 0:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return a[None], t.reshape(1)
    if a.shape[0] != (t.shape[0] if t.ndim else -1):
        raise ValueError(f"Expected input batch_size ({a.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 1}).")
    if t.shape != a.shape[:1] + a.shape[2:]:
        raise RuntimeError(f"Expected target size {list(a.shape[:1] + a.shape[2:])}, got "
                           f"{list(t.shape)}")
    return a, t


def _target_weights(t, n_classes, weight, ignore_index, dtype):
    """(safe class index per sample, weight per sample with ignored samples at 0)."""
    t64 = t.astype(xp.int64, copy=False)
    ignored = t64 == ignore_index
    any_ignored = ignored.any()
    if any_ignored or (t64.size and (t64.min() < 0 or t64.max() >= n_classes)):
        bad = ((t64 < 0) | (t64 >= n_classes)) & ~ignored
        if bad.any():
            raise IndexError(f"Target {int(t64[bad].flat[0])} is out of bounds.")
    safe = xp.where(ignored, 0, t64) if any_ignored else t64
    if weight is not None:
        w = weight._data
        if w.shape != (n_classes,):
            raise RuntimeError(f"weight tensor should be defined either for all {n_classes} "
                               f"classes or no classes but got weight tensor of shape: "
                               f"{list(w.shape)}")
        wt = w[safe].astype(dtype, copy=False)
    else:
        wt = xp.ones(safe.shape, dtype)
    if any_ignored:
        wt[ignored] = 0
    return safe, wt


_ROWS = {}


def _rows(n):
    r = _ROWS.get(n)
    if r is None:
        r = _ROWS[n] = xp.arange(n)
    return r


def _pick(a, safe):
    """a[n, safe[n], ...]: the entry of each sample's target class."""
    if a.ndim == 2:
        return a[_rows(len(safe)), safe]
    return xp.take_along_axis(a, safe[:, None], axis=1)[:, 0]


def _add_at_target(a, safe, values):
    """a[n, safe[n], ...] += values[n, ...], in place."""
    if a.ndim == 2:
        a[_rows(len(safe)), safe] += values
    else:
        picked = xp.take_along_axis(a, safe[:, None], axis=1)
        picked += values[:, None]
        xp.put_along_axis(a, safe[:, None], picked, axis=1)


def _nll_forward(logp, safe, wt, reduction):
    loss = _pick(logp, safe) * wt
    xp.negative(loss, out=loss)
    if reduction == "none":
        return loss, None
    if reduction == "sum":
        return xp.asarray(loss.sum(), dtype=logp.dtype), None
    total = wt.sum()
    return xp.asarray(loss.sum() / total, dtype=logp.dtype), total


def _coef(g, reduction, wt, total):
    """d loss / d (-logp[target]) per sample."""
    ga = g._data
    if reduction == "mean":
        return wt * (ga / total)
    return wt * ga


def _nll_composite(input, target, weight, ignore_index, reduction):
    a, t = _classes_first(input, target)
    safe, wt = _target_weights(t, a.shape[1], weight, ignore_index, a.dtype)
    picker = xp.zeros(a.shape, a.dtype)
    xp.put_along_axis(picker, safe[:, None], -wt[:, None], axis=1)
    x = input if input._data.ndim > 1 else input.unsqueeze(0)
    loss = (x * wrap(picker, input._dtype)).sum(1)
    if input._data.ndim == 1:
        loss = loss.reshape(())
    return _reduce_tensor(loss, reduction, float(wt.sum()))


def _nll_backward(node, g):
    node.tensors()      # raises if the graph was already freed
    safe, wt, total, shape = node.aux
    c = _coef(g, node.ctx["reduction"], wt, total)
    grad = xp.zeros(shape, wt.dtype)
    _add_at_target(grad, safe, -c)
    x = node.refs[0]
    return [as_tensor(grad.reshape(x._data.shape), x)]


# PyTorch names the node of (N, C, d1, ...) inputs after its 2-D kernel
_NAMES = ("NllLossBackward0", "NllLoss2DBackward0", "ViewBackward0")
_NLL = {name: node_type(name, _nll_backward, _nll_composite) for name in _NAMES}


def _nll_name(input, reduction):
    if input._data.ndim <= 2:
        return "NllLossBackward0"
    return "ViewBackward0" if reduction == "none" else "NllLoss2DBackward0"


def _class_index_loss(nodes, input, target, weight, ignore_index, reduction):
    """nll_loss of `input` (nodes=_NLL), or of log_softmax(input) (nodes=_CE: cross_entropy),
    with class-index targets: computed on arrays, recorded as one fused node."""
    a, t = _classes_first(input, target)
    safe, wt = _target_weights(t, a.shape[1], weight, ignore_index, a.dtype)
    logp = _log_softmax_array(a, 1) if nodes is _CE else a
    loss, total = _nll_forward(logp, safe, wt, reduction)
    if input._data.ndim == 1 and reduction == "none":
        loss = loss.reshape(())
    out = wrap(loss, input._dtype)
    ctx = dict(target=target, weight=weight, ignore_index=ignore_index, reduction=reduction)
    # what each backward reuses: cross_entropy's log-probabilities, nll_loss's input shape
    aux = (logp, safe, wt, total) if nodes is _CE else (safe, wt, total, a.shape)
    return record(out, nodes[_nll_name(input, reduction)], (input,), (False,), ctx, aux)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    return _class_index_loss(_NLL, input, target, weight, ignore_index, reduction)


def _log_softmax_array(a, axis):
    m = a.max(axis=axis, keepdims=True)
    s = xp.subtract(a, m)
    e = xp.exp(s)
    lse = xp.log(e.sum(axis=axis, keepdims=True))
    s -= lse
    return s


def _ce_composite(input, target, weight, ignore_index, reduction):
    dim = 0 if input._data.ndim == 1 else 1
    return nll_loss(input.log_softmax(dim), target, weight, None, ignore_index, None, reduction)


def _ce_backward(node, g):
    node.tensors()
    logp, safe, wt, total = node.aux
    c = _coef(g, node.ctx["reduction"], wt, total)
    grad = xp.exp(logp)                            # softmax
    grad *= c[:, None]
    _add_at_target(grad, safe, -c)                 # (softmax - onehot) * coefficient
    x = node.refs[0]
    return [as_tensor(grad.reshape(x._data.shape), x)]


_CE = {name: node_type(name, _ce_backward, _ce_composite) for name in _NAMES}


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    reduction = _reduction(size_average, reduce, reduction)
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
    return nll * (1 - eps) + _reduce_tensor(smooth, reduction, denom) * (eps / n_classes)


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
    return _reduce_tensor(loss, reduction,
                          input._data.size / n_classes if reduction == "mean" else None)


# ------------------------------------------------------------------ binary cross entropy

def _bce_parts(x, t):
    with xp.errstate(divide="ignore", invalid="ignore"):
        logx = xp.maximum(xp.log(x), -100)
        log1mx = xp.maximum(xp.log1p(-x), -100)
    return logx, log1mx


def _bce_composite(input, target, weight, reduction):
    loss = -(target * input.log().clamp_min(-100) + (1 - target) * (1 - input).log().clamp_min(-100))
    if weight is not None:
        loss = loss * weight
    return _reduce_tensor(loss, reduction)


def _data_or_none(t):
    return None if t is None else t._data


def _scaled_grad(d_loss, scale, w, like):
    """An elementwise derivative of the loss times the incoming gradient (per element) and the
    weight, summed back to the shape of the input `like`."""
    grad = d_loss * scale
    if w is not None:
        grad = grad * w
    return as_tensor(_sum_to(grad, like._data.shape), like)


def _bce_backward(node, g):
    x, t = node.tensors()
    xa, ta = x._data, t._data
    ctx = node.ctx
    scale = _grad_scale(g, ctx["reduction"], xa.size)
    w = _data_or_none(ctx["weight"])
    nx, nt = node.needs
    gx = gt = None
    if nx:
        d = xp.maximum((1 - xa) * xa, 1e-12)
        gx = _scaled_grad((xa - ta) / d, scale, w, x)
    if nt:
        gt = _scaled_grad(xp.log1p(-xa) - xp.log(xa), scale, w, t)
    return [gx, gt]


_BCE = node_type("BinaryCrossEntropyBackward0", _bce_backward, _bce_composite)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    xa, ta = input._data, target._data
    if ((xa < 0) | (xa > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(input.shape)
    logx, log1mx = _bce_parts(xa, ta)
    loss = ta * logx
    loss += (1 - ta) * log1mx
    xp.negative(loss, out=loss)
    if weight is not None:
        loss *= weight._data
    out = wrap(_reduce_array(loss.astype(xa.dtype, copy=False), reduction), input._dtype)
    return record(out, _BCE, (input, target), (True, True),
                  dict(weight=weight, reduction=reduction))


def _bcel_log_sigmoid_neg(x):
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
    return _reduce_tensor(loss, reduction)


def _bcel_backward(node, g):
    x, t = node.tensors()
    xa, ta = x._data, t._data
    ctx = node.ctx
    scale = _grad_scale(g, ctx["reduction"], xa.size)
    w, pw = _data_or_none(ctx["weight"]), _data_or_none(ctx["pos_weight"])
    nx, nt = node.needs
    gx = gt = None
    if nx:
        sig = 1 / (1 + xp.exp(-xa))
        if pw is not None:
            lw = (pw - 1) * ta + 1
            gxa = lw * sig - pw * ta
        else:
            gxa = sig - ta
        gx = _scaled_grad(gxa, scale, w, x)
    if nt:
        log_sig = -_bcel_log_sigmoid_neg(xa)
        gta = -((pw - 1) * log_sig + xa) if pw is not None else -xa
        gt = _scaled_grad(gta, scale, w, t)
    return [gx, gt]


_BCEL = node_type("BinaryCrossEntropyWithLogitsBackward0", _bcel_backward, _bcel_composite)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    xa, ta = input._data, target._data
    sp = _bcel_log_sigmoid_neg(xa)
    if pos_weight is not None:
        lw = (pos_weight._data - 1) * ta + 1
        loss = (1 - ta) * xa + lw * sp
    else:
        loss = (1 - ta) * xa + sp
    if weight is not None:
        loss = loss * weight._data
    out = wrap(_reduce_array(loss.astype(xa.dtype, copy=False), reduction), input._dtype)
    return record(out, _BCEL, (input, target), (True, True),
                  dict(weight=weight, pos_weight=pos_weight, reduction=reduction))
