"""ctc_loss: the Connectionist Temporal Classification loss, as PyTorch's CPU kernel.

The forward is the alpha recursion over the extended targets (a blank between labels and at
both ends), run once per time step over the whole batch and every state with NumPy; the
backward runs the beta recursion the same way and gives PyTorch's gradient with respect to the
log-probabilities: exp(log_probs) - exp(log(sum of alpha*beta over the states of each label)
+ nll - log_probs), times the incoming gradient, zero past each sample's input length. (For
log_softmax outputs the first term cancels through the softmax; PyTorch keeps it, so does
insitu.) PyTorch has no double backward of it: a second one raises its error.

The node (CtcLossBackward0) gives each sample's negative log-likelihood; the reductions are
insitu ops on top, as in PyTorch: mean divides by the target lengths (at least 1) first."""
from ...backend import xp
from ...core.tensor import Tensor, wrap
from ...creation import tensor as make_tensor, zeros
from ...ops.derivatives import Derivative, record
from ._first_order import first_order_gradient
from ._reduction import check_reduction

_CHECKING = " (while checking arguments for ctc_loss_allocate_outputs)"
_NEG_INF = -xp.inf


def _lengths(lengths, name):
    if isinstance(lengths, Tensor):
        if lengths._dtype.is_floating_point or lengths._dtype.name == "bool":
            raise RuntimeError(f"{name} must be integral")
        return lengths._data.reshape(-1).astype(xp.int64)
    return xp.asarray([int(v) for v in lengths], dtype=xp.int64)


def _log_add3(a, b, c):
    """log(exp(a) + exp(b) + exp(c)) as PyTorch's kernel computes it (max 0 when all -inf)."""
    m = xp.maximum(xp.maximum(a, b), c)
    m[m == _NEG_INF] = 0
    s = xp.exp(a - m)
    s += xp.exp(b - m)
    s += xp.exp(c - m)
    return xp.log(s) + m


def _shift(a, k):
    """a[:, s - k] at state s (-inf below k): the states a transition comes from."""
    out = xp.full_like(a, _NEG_INF)
    out[:, k:] = a[:, :a.shape[1] - k]
    return out


def _unshift(a, k):
    """a[:, s + k] at state s (-inf past the end): the states the beta recursion reads."""
    out = xp.full_like(a, _NEG_INF)
    out[:, :a.shape[1] - k] = a[:, k:]
    return out


def _check(lp, t, il, tl, blank):
    """PyTorch's checks (ctc_loss_allocate_outputs), in its order; the targets (N, max L)."""
    if lp.ndim != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {lp.ndim}-dimensional tensor "
                           f"for argument #1 'log_probs'{_CHECKING}")
    if not 1 <= t.ndim <= 2:
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {t.ndim}-dimensional tensor for "
                           f"argument #2 'targets'{_CHECKING}")
    max_t, n, c = lp.shape
    if not 0 <= blank < c:
        raise RuntimeError("blank must be in label range")
    if len(il) != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tl) != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    for v in tl:
        if v < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got value "
                               f"{v}{_CHECKING}")
    max_l = int(tl.max()) if n else 0
    if t.ndim == 1:
        if t.shape[0] != int(tl.sum()):
            raise RuntimeError(f"Expected tensor to have size {int(tl.sum())} at dimension 0, but "
                               f"got size {t.shape[0]} for argument #2 'targets'{_CHECKING}")
        offsets = xp.concatenate([[0], xp.cumsum(tl)[:-1]]).astype(xp.int64)
        cols = xp.minimum(offsets[:, None] + xp.arange(max_l), max(t.shape[0] - 1, 0))
        padded = t[cols] if t.size else xp.zeros((n, max_l), xp.int64)
    else:
        if t.shape[0] != n:
            raise RuntimeError(f"Expected tensor to have size {n} at dimension 0, but got size "
                               f"{t.shape[0]} for argument #2 'targets'{_CHECKING}")
        if t.shape[1] < max_l:
            raise RuntimeError(f"Expected tensor to have size at least {max_l} at dimension 1, but "
                               f"got size {t.shape[1]} for argument #2 'targets'{_CHECKING}")
        padded = t[:, :max_l]
    for v in il:
        if v < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got value "
                               f"{v}{_CHECKING}")
        if v > max_t:
            raise RuntimeError(f"Expected input_lengths to have value at most {max_t}, but got "
                               f"value {v}{_CHECKING}")
    used = xp.arange(max_l) < tl[:, None]
    if used.any() and (padded[used].min() < 0 or padded[used].max() >= c):
        raise RuntimeError(f"ctc_loss: targets must be class indices in [0, {c})")
    return padded


def _extended(padded, tl, blank):
    """The extended targets (N, S), which states exist, and which may skip the one before."""
    n, max_l = padded.shape
    ext = xp.full((n, 2 * max_l + 1), blank, xp.int64)
    ext[:, 1::2] = padded
    s = xp.arange(ext.shape[1])
    valid = s < (2 * tl + 1)[:, None]
    skip = xp.zeros(ext.shape, bool)
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    return ext, valid, skip & valid


def _alpha(lpe, il, tl, valid, skip):
    """log alpha (T, N, S) and each sample's negative log-likelihood."""
    max_t, n, s = lpe.shape
    alpha = xp.full(lpe.shape, _NEG_INF, lpe.dtype)
    if max_t:
        alpha[0, :, 0] = lpe[0, :, 0]
        if s > 1:
            alpha[0, :, 1] = xp.where(tl > 0, lpe[0, :, 1], _NEG_INF)
    for t in range(1, max_t):
        prev = alpha[t - 1]
        la3 = xp.where(skip, _shift(prev, 2), _NEG_INF)
        a = _log_add3(prev, _shift(prev, 1), la3) + lpe[t]
        alpha[t] = xp.where(valid, a, _NEG_INF)
    rows = xp.arange(n)
    last = alpha[xp.maximum(il - 1, 0), rows] if max_t else xp.full((n, s), _NEG_INF, lpe.dtype)
    l1 = last[rows, 2 * tl]
    l2 = xp.where(tl > 0, last[rows, xp.maximum(2 * tl - 1, 0)], _NEG_INF)
    nll = -_log_add3(l1, l2, xp.full_like(l1, _NEG_INF))
    nll = xp.where(il == 0, xp.where(tl == 0, 0, xp.inf), nll).astype(lpe.dtype)
    return alpha, nll


def _beta(lpe, il, tl, valid, skip):
    max_t, n, s = lpe.shape
    beta = xp.full(lpe.shape, _NEG_INF, lpe.dtype)
    rows = xp.arange(n)
    skip_next = _unshift(skip, 2).astype(bool) if s > 2 else xp.zeros((n, s), bool)
    for t in range(max_t - 1, -1, -1):
        start = xp.full((n, s), _NEG_INF, lpe.dtype)
        start[rows, 2 * tl] = lpe[t, rows, 2 * tl]
        odd = xp.maximum(2 * tl - 1, 0)
        start[rows, odd] = xp.where(tl > 0, lpe[t, rows, odd], start[rows, odd])
        if t + 1 < max_t:
            nxt = beta[t + 1]
            lb3 = xp.where(skip_next, _unshift(nxt, 2), _NEG_INF)
            rec = xp.where(valid, _log_add3(nxt, _unshift(nxt, 1), lb3) + lpe[t], _NEG_INF)
        else:
            rec = start
        here = (t == il - 1)[:, None]
        inside = (t < il - 1)[:, None]
        beta[t] = xp.where(here, start, xp.where(inside, rec, _NEG_INF))
    return beta


def _label_sums(ab, ext, n_labels):
    """log of the sum of exp(ab) over the states of each label: (T, N, S) -> (T, N, C)."""
    max_t, n, s = ab.shape
    flat = (ext + xp.arange(n)[:, None] * n_labels).reshape(-1)
    rows = ab.transpose(1, 2, 0).reshape(n * s, max_t)
    top = xp.full((n * n_labels, max_t), _NEG_INF, ab.dtype)
    xp.maximum.at(top, flat, rows)
    top[top == _NEG_INF] = 0
    total = xp.zeros_like(top)
    xp.add.at(total, flat, xp.exp(rows - top[flat]))
    out = xp.log(total) + top
    return out.reshape(n, n_labels, max_t).transpose(2, 0, 1)


def _ctc_backward(grad, log_probs, ext, valid, skip, il, tl, alpha, nll, zero_infinity):
    lp = log_probs._data
    max_t, n, c = lp.shape
    lpe = xp.take_along_axis(lp, ext[None], axis=2)
    beta = _beta(lpe, il, tl, valid, skip)
    lcab = _label_sums(alpha + beta, ext, c)
    g = xp.exp(lp) - xp.exp(lcab + nll[None, :, None] - lp)
    g *= grad._data.reshape(1, n, 1)
    g[xp.arange(max_t)[:, None] >= il[None, :]] = 0
    if zero_infinity:
        g[:, nll == xp.inf] = 0
    return first_order_gradient(g.astype(lp.dtype, copy=False), log_probs._dtype,
                                "_ctc_loss_backward", grad, log_probs)


_CTC = Derivative("CtcLossBackward0", {"log_probs": _ctc_backward}, inputs=("log_probs",))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss.

    The Connectionist Temporal Classification loss (`nn.CTCLoss`): each sample's negative
    log-likelihood of its target over all alignments with the input, by PyTorch's alpha-beta
    recursion.

    Arguments: `log_probs` (log-softmax outputs), `targets` (padded `(N, S)`, or 1-D with the
    targets concatenated), `input_lengths` and `target_lengths` (tensors or sequences of ints),
    `blank=0`, `reduction="mean"` (each loss divided by its target length, at least 1, then the
    batch mean; or "sum", "none"), `zero_infinity=False` (infinite losses and their gradients become
    0).

    One node (CtcLossBackward0) giving the per-sample losses: it keeps `log_probs` (version-checked)
    and the forward's alpha recursion; only `log_probs` gets a gradient, and, as in PyTorch, there
    is no double backward.

    Shape: log_probs `(T, N, C)` or `(T, C)`; output `()`, or `(N,)` with "none".
    """
    check_reduction(reduction)
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    if not log_probs._dtype.is_floating_point:
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for "
                                  f"'{log_probs._dtype.legacy}'")
    batched = log_probs.dim() == 3
    lp_t = log_probs if batched else log_probs.unsqueeze(1)
    lp = lp_t._data
    padded = _check(lp, targets._data.astype(xp.int64), il, tl, blank)
    ext, valid, skip = _extended(padded, tl, blank)
    lpe = xp.take_along_axis(lp, ext[None], axis=2)
    alpha, nll = _alpha(lpe, il, tl, valid, skip)
    res = record(_CTC, (lp_t,), wrap(nll, log_probs._dtype),
                 {"ext": ext, "valid": valid, "skip": skip, "il": il, "tl": tl, "alpha": alpha,
                  "nll": nll, "zero_infinity": zero_infinity})
    if zero_infinity:
        res = res.where(res != xp.inf, zeros((), dtype=res.dtype))
    if reduction == "mean":
        lengths = make_tensor(tl, dtype=res.dtype).clamp_min(1)
        return (res / lengths).mean()
    if reduction == "sum":
        return res.sum()
    return res if batched else res.squeeze(0)
