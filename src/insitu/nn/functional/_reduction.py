"""The `reduction` of a loss ("none", "mean", "sum", or the legacy size_average/reduce pair it
replaced), applied to arrays (a fused loss's forward and backward) and to tensors (the composite
forms and the losses built from insitu ops)."""
import warnings

from ...backend import xp

REDUCTIONS = ("none", "mean", "sum")


def legacy_get_string(size_average, reduce, emit_warning=True):
    """The reduction that PyTorch's deprecated `size_average` and `reduce` pair names (None counts
    as True): "mean", "sum" or, with `reduce=False`, "none"; warns unless `emit_warning=False`.
    """
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def check_reduction(reduction):
    """`reduction` itself when it is "none", "mean" or "sum"; ValueError otherwise."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def resolve(size_average, reduce, reduction):
    """The reduction a call asks for: the legacy pair, when given, wins (with a warning)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    return check_reduction(reduction)


def reduce_array(e, reduction):
    """The per-element loss array `e` reduced by `reduction`, in `e`'s dtype."""
    if reduction == "none":
        return e
    return xp.asarray(e.mean() if reduction == "mean" else e.sum(), dtype=e.dtype)


def reduce_tensor(t, reduction, total=None):
    """`t` reduced as asked: a mean is t.mean(), or t.sum() / total when a total is given (the
    weighted means of nll_loss and cross_entropy)."""
    if reduction == "none":
        return t
    if reduction == "sum":
        return t.sum()
    return t.mean() if total is None else t.sum() / total


def grad_scale(grad, reduction, n):
    """The incoming gradient (an array) as a factor per element of the unreduced loss."""
    if reduction == "mean":
        return grad / n if n else grad * xp.nan
    return grad
