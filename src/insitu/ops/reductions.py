"""Reductions: sum, mean, prod, max/min, argmax/argmin, std/var, norm, any/all, cumsum,
softmax/log_softmax. Each is a declaration whose kernel reduces with NumPy."""
from ..autograd.grad_mode import mode
from ..autograd.node import edge, node_class
from ..backend import xp
from ..core import dtypes
from ..core.tensor import Tensor, _wrap_dim
from .registry import wrap

_new = object.__new__


def _dims(dim, ndim):
    if dim is None:
        return None
    if isinstance(dim, int):
        return (_wrap_dim(dim, ndim),)
    return tuple(sorted(_wrap_dim(d, ndim) for d in dim))


def _sum_dtype(dt, dtype):
    if dtype is not None:
        return dtypes.to_dtype(dtype)
    return dtypes.int64 if dt.category < 2 else dt


def _record(out, node_name, formula, inputs, saved=None, params=None):
    """Attach a backward node to `out` if any input requires grad (the generic recorder)."""
    from ..autograd.saved import SavedTensor
    if not mode.grad or not any(t._requires_grad for t in inputs):
        return out
    cls = node_class(node_name, formula, node_name)
    node = _new(cls)
    node.next_functions = tuple(edge(t) if t._requires_grad else (None, 0) for t in inputs)
    node.needs = tuple(t._requires_grad for t in inputs)
    node.params = params or {}
    node.in_meta = tuple((t._data.shape, t._dtype) for t in inputs)
    node.saved = {}
    for name, (t, is_out) in (saved or {}).items():
        node.saved[name] = SavedTensor(t, node_name, is_out)
    out._grad_fn = node
    out._requires_grad = True
    return out


def _expand_back(g, in_shape, dims, keepdim):
    """Gradient of a reduction, broadcast back to the input's shape."""
    if dims is not None and not keepdim:
        for d in dims:
            g = g.unsqueeze(d)
    elif dims is None and not keepdim:
        g = g.reshape((1,) * len(in_shape)) if in_shape else g
    return g.expand(in_shape)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    a = input._data
    dims = _dims(dim, a.ndim)
    rdt = _sum_dtype(input._dtype, dtype)
    res = xp.sum(a, axis=dims, keepdims=keepdim, dtype=rdt.np)
    res = xp.asarray(res)
    t = wrap(res, rdt)
    in_shape = a.shape
    return _record(t, "SumBackward0" if dims is None else "SumBackward1",
                   lambda n, g: (_expand_back(g, in_shape, dims, keepdim),), (input,))


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    a = input._data
    if input._dtype.category < 2 and dtype is None:
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input._dtype.legacy}")
    dims = _dims(dim, a.ndim)
    rdt = dtypes.to_dtype(dtype) if dtype is not None else input._dtype
    res = xp.asarray(xp.mean(a, axis=dims, keepdims=keepdim, dtype=rdt.np))
    t = wrap(res.astype(rdt.np, copy=False), rdt)
    in_shape = a.shape
    count = a.size if dims is None else int(xp.prod([in_shape[d] for d in dims]))
    return _record(t, "MeanBackward0" if dims is None else "MeanBackward1",
                   lambda n, g: (_expand_back(g, in_shape, dims, keepdim) / count,), (input,))


def sum_to_size(g, shape):
    """Sum a broadcast gradient back down to `shape` (differentiable)."""
    shape = tuple(shape)
    gs = g._data.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape)
                                      if n == 1 and gs[i + lead] != 1)
    r = sum(g, dims, keepdim=True) if dims else g
    if lead:
        r = r.reshape(shape)
    return r


FUNCTIONS = {"sum": sum, "mean": mean}
METHODS = {"sum": sum, "mean": mean, "sum_to_size": lambda self, *size: sum_to_size(
    self, size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size)}
