"""Gradient clipping, in place: the total norm of the gradients, and scaling them to a bound."""
from ...autograd.grad_mode import no_grad
from ...backend import xp
from ...creation import tensor
from ...core.tensor import Tensor
from ...core.tensor import wrap

__all__ = ["clip_grad_norm_", "clip_grads_with_norm_", "clip_grad_value_", "get_total_norm"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _vector_norm(a, norm_type):
    flat = a.reshape(-1)
    if norm_type == float("inf"):
        return xp.abs(flat).max() if flat.size else xp.zeros((), a.dtype)
    if norm_type == float("-inf"):
        return xp.abs(flat).min() if flat.size else xp.zeros((), a.dtype)
    return xp.linalg.norm(flat, ord=norm_type) if norm_type != 0 else \
        xp.asarray((flat != 0).sum(), a.dtype)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The joint norm of a collection of tensors.

    The `norm_type`-norm of the norms of `tensors` (a tensor or an iterable; Nones skipped), as a
    0-dim tensor in the first tensor's dtype; `tensor(0.)` when there are none. Computed on the
    arrays, outside the graph.

    `error_if_nonfinite=True` raises PyTorch's error for an infinite or NaN total; `foreach` is
    accepted and has no effect.
    """
    norm_type = float(norm_type)
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = [t for t in tensors if t is not None]
    if not tensors:
        return tensor(0.0)
    dt = tensors[0]._dtype
    norms = xp.array([_vector_norm(t._data, norm_type) for t in tensors], dtype=dt.np)
    total = xp.asarray(_vector_norm(norms, norm_type), dtype=dt.np)
    if error_if_nonfinite and not xp.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return wrap(total, dt)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Rescales gradients in place given their precomputed total norm.

    Multiplies every `.grad` of `parameters` in place (their versions move) by
    `min(max_norm / (total_norm + 1e-6), 1)`, computed in `total_norm`'s dtype, as PyTorch's tensor
    arithmetic does (`parameters` a tensor or an iterable; `total_norm` a tensor, as
    `get_total_norm` gives it). Parameters without a gradient are skipped; `foreach` has no effect;
    returns None.
    """
    grads = _grads(parameters)
    if not grads:
        return
    # computed in the norm's dtype, as PyTorch's tensor arithmetic does
    t = total_norm._data
    coef = xp.minimum(xp.asarray(max_norm, t.dtype) / (t + t.dtype.type(1e-6)), 1.0)
    with no_grad():
        for g in grads:
            g.mul_(wrap(xp.asarray(coef, g._data.dtype), g._dtype))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Rescales gradients in place so that their joint norm is at most `max_norm`.

    Scales all gradients of `parameters` in place so that their joint `norm_type`-norm
    (`norm_type=2.0`) is at most `max_norm`: `get_total_norm` of the gradients, then
    `clip_grads_with_norm_`. Returns the total norm before clipping. `error_if_nonfinite` as in
    `get_total_norm`; `foreach` has no effect.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamps gradients in place to `[-clip_value, clip_value]`.

    Clamps every `.grad` of `parameters` in place to `[-clip_value, clip_value]` (their versions
    move). `foreach` has no effect; returns None.
    """
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(min=-clip_value, max=clip_value)

