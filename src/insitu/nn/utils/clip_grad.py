"""Gradient clipping, in place: the total norm of the gradients, and scaling them to a bound."""
from ...autograd.grad_mode import no_grad
from ...backend import xp
from ...creation import tensor
from ...core.tensor import Tensor
from ...core.tensor import wrap


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
    """Scale all gradients in place so that their joint norm is at most max_norm; returns the
    norm before clipping."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(min=-clip_value, max=clip_value)

