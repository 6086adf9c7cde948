"""logsumexp, softmax and log_softmax: reductions along a dim computed stably (the maximum is
subtracted first), whose backward reads their result.

softmax and log_softmax keep the input's shape; logsumexp reduces. Each is a plain function
recorded through `record`; `out=` is written through `write_out`.
"""
import warnings

from ..backend import xp
from ..core import dtypes
from ..core.tensor import _wrap_dim
from .derivatives import Derivative, backward_node, record
from .kernels import _BLOCK, scratch
from .pipelines import check_out_grad
from .reducing import acc_dtype, cast, np_axis, reduced_dims, restore_dims, result_or_out


# ------------------------------------------------------------------------ logsumexp

def _logsumexp_grad(grad, self, result, self_shape, dims, keepdim):
    g = restore_dims(grad, len(self_shape), dims, keepdim)
    result = restore_dims(result, len(self_shape), dims, keepdim)
    return g * (self - result).exp()


_LOGSUMEXP = Derivative("LogsumexpBackward0", {"self": _logsumexp_grad})


def logsumexp(input, dim, keepdim=False, *, out=None):
    """insitu.logsumexp(input, dim, keepdim=False, *, out=None): log(sum(exp(input))) over `dim`,
    computed stably (the maximum is subtracted first, so all -inf gives -inf, not NaN). Integer
    inputs are computed in the default float dtype; with a floating `out=`, at out's precision.
    Backward: LogsumexpBackward0 (reads the result)."""
    x = input
    if out is not None and out._dtype.is_floating_point:
        check_out_grad("logsumexp", out, (input,))
        x = cast(x, out._dtype)                    # computed at out's precision
    elif not x._dtype.is_floating_point:
        x = cast(x, dtypes.get_default_dtype())
    a = x._data
    dims = reduced_dims(dim, a.ndim)
    axis = np_axis(dims, a.ndim)
    acc = acc_dtype(a.dtype)
    if a.size:
        m = xp.amax(a, axis=axis, keepdims=True).astype(acc)
        m = xp.where(xp.isinf(m), 0, m)     # all -inf (or an inf) must not give inf - inf
    else:
        m = xp.zeros((1,) * a.ndim, acc)
    res = xp.log(xp.sum(xp.exp(a - m), axis=axis, keepdims=True)) + m
    if not keepdim and a.ndim:
        res = res.reshape(()) if axis is None else res.squeeze(axis)
    t = result_or_out("logsumexp", res, x._dtype, (x,), out)
    if out is not None:
        return t
    return record(_LOGSUMEXP, (x,), t, {"dims": dims, "keepdim": keepdim})


# ------------------------------------------------------------------------ softmax / log_softmax

def _softmax_dim(ndim):
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(name, input, dim, dtype):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      "call to include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = _softmax_dim(input._data.ndim)
    if dtype is not None:
        dt = dtypes.to_dtype(dtype)
        input = cast(input, dt)
    d = _wrap_dim(dim, input._data.ndim)
    if not input._dtype.is_floating_point and input._data.size:   # empty: no kernel runs
        last = d == input._data.ndim - 1 or input._data.ndim == 0
        kernel = f"{name}_lastdim_kernel_impl" if last else f"{name}_kernel_impl"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{input._dtype.legacy}\'')
    return input, d


def _row_max(a, d):
    """The maximum along d (kept as a size-1 dim). As in PyTorch's kernels an infinite one is
    subtracted as it is: a row with an inf, or all -inf, is all nan."""
    return xp.amax(a, axis=d, keepdims=True) if a.size else xp.zeros((1,) * a.ndim, a.dtype)


def softmax_array(a, d, log):
    """softmax / log_softmax of a float array along d, in the result's own buffer: subtract the
    maximum, exp, sum, then scale by 1 / sum (as PyTorch's kernel does) or subtract log(sum).
    Rows of a C-contiguous array along its last dim go through in chunks that stay in cache;
    log_softmax's exp is taken in scratch there."""
    if a.dtype != acc_dtype(a.dtype):
        a = a.astype(acc_dtype(a.dtype))
    r = xp.empty(a.shape, a.dtype)
    if a.size == 0:
        return r
    if d == a.ndim - 1 and a.flags.c_contiguous:
        n = a.shape[-1]
        a2, r2 = a.reshape(-1, n), r.reshape(-1, n)
        step = max(1, _BLOCK // n)
        for s in range(0, a2.shape[0], step):
            _softmax_rows(a2[s:s + step], r2[s:s + step], 1, log)
        return r
    _softmax_rows(a, r, d, log)
    return r


def _softmax_rows(a, r, d, log):
    xp.subtract(a, _row_max(a, d), out=r)
    if log:
        e = xp.exp(r, out=scratch(0, r.dtype, r.shape))
        total = xp.sum(e, axis=d, keepdims=True)
        r -= xp.log(total, out=total)
    else:
        xp.exp(r, out=r)
        total = xp.sum(r, axis=d, keepdims=True)
        r *= xp.reciprocal(total, out=total)


def _softmax_double(grad, grad_output, result, dim):
    return grad_output * grad - (result * grad_output).sum(dim, keepdim=True) * grad \
        - grad_output * (result * grad).sum(dim, keepdim=True)


@backward_node(name="SoftmaxBackwardDataBackward0", result=_softmax_double)
def _softmax_grad(grad, result, dim):
    """PyTorch's _softmax_backward_data (SoftmaxBackwardDataBackward0 when differentiated
    again, that node's gradient for the incoming one this formula again)."""
    arrays = isinstance(grad, xp.ndarray)
    if (result if arrays else result._data).ndim == 0:
        return grad * 0
    if arrays:                                  # one temporary, in place
        t = grad * result
        xp.subtract(grad, t.sum(dim, keepdims=True), out=t)
        t *= result
        return t
    return result * (grad - (grad * result).sum(dim, keepdim=True))


# log_softmax's backward is not its own adjoint: the double node's gradient for the incoming
# one is given
@backward_node(name="LogSoftmaxBackwardDataBackward0",
               grad_output=lambda grad, result, dim:
               grad - (grad * result.exp()).sum(dim, keepdim=True),
               result=lambda grad, grad_output, result, dim:
               -grad_output.sum(dim, keepdim=True) * result.exp() * grad)
def _log_softmax_grad(grad, result, dim):
    """PyTorch's _log_softmax_backward_data."""
    arrays = isinstance(grad, xp.ndarray)
    if (result if arrays else result._data).ndim == 0:
        return grad * 0
    if arrays:
        e = xp.exp(result)
        e *= grad.sum(dim, keepdims=True)
        return xp.subtract(grad, e, out=e)
    return grad - result.exp() * grad.sum(dim, keepdim=True)


# the formulas run on arrays when no graph is built (Derivative's on_arrays)
_SOFTMAX = Derivative("SoftmaxBackward0", {"self": _softmax_grad}, on_arrays=True)
_LOG_SOFTMAX = Derivative("LogSoftmaxBackward0", {"self": _log_softmax_grad}, on_arrays=True)


def softmax(input, dim=None, dtype=None, *, out=None):
    """insitu.softmax(input, dim=None, dtype=None, *, out=None): exp(x) / sum(exp(x)) along `dim`,
    computed stably; `dtype` casts the input first. Without `dim`, PyTorch's deprecated implicit
    choice (dim 0 for 0-, 1- and 3-dim inputs, else 1) with its warning. Floating dtypes only.
    Backward: SoftmaxBackward0 (reads the result)."""
    x, d = _softmax_input("softmax", input, dim, dtype)
    a = x._data
    res = softmax_array(a if a.ndim else a.reshape(1), d, False).reshape(a.shape)
    t = result_or_out("softmax", res, x._dtype, (x,), out)
    if out is not None:
        return t
    return record(_SOFTMAX, (x,), t, {"dim": d})


def log_softmax(input, dim=None, dtype=None, *, out=None):
    """insitu.log_softmax(input, dim=None, dtype=None, *, out=None): log(softmax(input)) along
    `dim`, computed stably (x - max - log(sum(exp(x - max)))); `dim` and `dtype` as `softmax`.
    Backward: LogSoftmaxBackward0 (reads the result)."""
    x, d = _softmax_input("log_softmax", input, dim, dtype)
    a = x._data
    res = softmax_array(a if a.ndim else a.reshape(1), d, True).reshape(a.shape)
    t = result_or_out("log_softmax", res, x._dtype, (x,), out)
    if out is not None:
        return t
    return record(_LOG_SOFTMAX, (x,), t, {"dim": d})


FUNCTIONS = {"logsumexp": logsumexp, "softmax": softmax, "log_softmax": log_softmax}
METHODS = dict(FUNCTIONS)
