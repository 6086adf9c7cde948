"""The small torch-level names: constants (pi, e, inf, nan, newaxis), predicates (is_complex,
is_nonzero, is_same_size, is_signed), broadcast_shapes, atleast_1d/2d/3d, ravel, hsplit/vsplit/
dsplit, diag_embed, diagflat, inner, dist, frexp, isin, combinations, cov and corrcoef.

Most are compositions of differentiable ops, as in PyTorch (so their nodes are the same:
ravel's ViewBackward0, the splits' SliceBackward0, combinations' StackBackward0, cov's
SqueezeBackward0, corrcoef's ClampBackward1); diag_embed, dist and frexp record their own node.
"""
import itertools
import math

from ..backend import xp
from ..core import dtypes
from ..core.tensor import Size, Tensor, _wrap_dim, new_tensor, wrap
from .checks import broadcast_shapes as _broadcast, size_list
from .derivatives import Derivative, record
from .named_results import return_type, return_types
from .shape import stack
from .splits import tensor_split

return_type("frexp", ("mantissa", "exponent"))

CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "newaxis": None}


# ------------------------------------------------------------------ predicates

def is_complex(input):
    return input.is_complex()


def is_signed(input):
    return input.is_signed()


def is_nonzero(input):
    n = input._data.size
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._data.reshape(-1)[0])


def is_same_size(input, other):
    return input._data.shape == other._data.shape


def broadcast_shapes(*shapes):
    """The shape tensors of these shapes broadcast to (an int is a 1-dim shape)."""
    norm = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    result = [1] * max([len(s) for s in norm], default=0)
    for i, shape in enumerate(norm):
        for j in range(-1, -1 - len(shape), -1):
            if shape[j] == 1 or shape[j] == result[j]:
                continue
            if result[j] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {shape[j]} at "
                                   f"{j}! Mismatching argument at index {i} had {shape}; but "
                                   f"expected shape should be broadcastable to "
                                   f"{size_list(result)}")
            result[j] = shape[j]
    return Size(result)


# ------------------------------------------------------------------ reshaping

def _atleast(n, tensors):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and not single:
        tensors = tuple(tensors[0])
    out = []
    for t in tensors:
        nd = t._data.ndim
        if nd >= n:
            out.append(t)
        elif nd == 0:
            out.append(t.reshape((1,) * n))
        elif n == 2 or nd == 2:          # (k,) -> (1, k); (a, b) -> (a, b, 1)
            out.append(t.unsqueeze(0) if nd == 1 else t.unsqueeze(-1))
        else:                            # 1-D to 3-D: (1, k, 1)
            out.append(t.unsqueeze(0).unsqueeze(-1))
    return out[0] if single else tuple(out)


def atleast_1d(*tensors):
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    return _atleast(3, tensors)


def ravel(input):
    return input.contiguous().view(-1)


def _directional_split(name, dim, least):
    def split(input, indices_or_sections):
        nd = input._data.ndim
        if nd < least:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {least} dimension,"
                               f" but got a tensor with {nd} dimensions!")
        d = 0 if name == "hsplit" and nd == 1 else dim
        if isinstance(indices_or_sections, int):
            n = input._data.shape[d]
            if indices_or_sections == 0 or n % indices_or_sections:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but "
                                   f"the size of the dimension {n} is not divisible by the "
                                   f"split_size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, d)
    split.__name__ = name
    return split


hsplit = _directional_split("hsplit", 1, 1)
vsplit = _directional_split("vsplit", 0, 2)
dsplit = _directional_split("dsplit", 2, 3)


# ------------------------------------------------------------------ diagonals

DIAG_EMBED = Derivative("DiagEmbedBackward0", {
    "self": lambda grad, offset, dim1, dim2: grad.diagonal(offset, dim1, dim2)})


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    a = input._data
    nd = a.ndim + 1
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = a.shape[-1] + abs(offset) if a.ndim else 1 + abs(offset)
    rest = list(a.shape[:-1])
    shape = [0] * nd
    others = iter(rest)
    for i in range(nd):
        shape[i] = n if i in (d1, d2) else next(others)
    out = xp.zeros(shape, a.dtype)
    k = a.shape[-1] if a.ndim else 1
    rows = xp.arange(k) + max(-offset, 0)
    cols = xp.arange(k) + max(offset, 0)
    moved = xp.moveaxis(out, (d1, d2), (-2, -1))      # a view of out
    moved[..., rows, cols] = a if a.ndim else a.reshape(1)
    t = new_tensor(out, input._dtype)
    return record(DIAG_EMBED, (input,), t, {"offset": offset, "dim1": d1, "dim2": d2})


def diagflat(input, offset=0):
    return diag_embed(input.contiguous().view(-1), offset)


# ------------------------------------------------------------------ products and distances

def inner(input, other):
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {size_list(input._data.shape)} and "
                           f"{size_list(other._data.shape)}")
    k = input._data.shape[-1]
    a = input.reshape(-1, k)
    b = other.reshape(-1, k)
    return (a @ b.t()).view(input._data.shape[:-1] + other._data.shape[:-1])


def _norm_grad(grad, d, p, result):
    """PyTorch's norm_backward of a full reduction, for the difference d."""
    if p == 0:
        return d * 0
    if p == 1:
        return d.sign() * grad
    if p == 2:
        return grad * (d / result).masked_fill(result == 0, 0)
    if math.isinf(p):
        mask = d.abs() == result
        return grad * d.sign() * mask / mask.sum()
    if p < 1:
        scaled = (d.sign() * d.abs() ** (p - 1)).masked_fill(d == 0, 0)
        return scaled * grad * result ** (1 - p)
    scaled = d * d.abs() ** (p - 2) if p >= 2 else d.sign() * d.abs() ** (p - 1)
    return scaled * (grad / result ** (p - 1)).masked_fill(result == 0, 0)


DIST = Derivative("DistBackward0", {
    "self": lambda grad, self, other, p, result: _norm_grad(grad, self - other, p, result),
    "other": lambda grad, self, other, p, result: -_norm_grad(grad, self - other, p, result)})


def dist(input, other, p=2):
    a, b = input._data, other._data
    _broadcast(a.shape, b.shape)
    if input._dtype is not other._dtype:
        raise RuntimeError(f"expected both inputs to have same dtype, but got "
                           f"{input._dtype.legacy} and {other._dtype.legacy}")
    d = xp.abs(a - b)
    p = float(p)
    if p == 0:
        v = (d != 0).sum(dtype=a.dtype)
    elif math.isinf(p):
        v = (d.max() if p > 0 else d.min()) if d.size else xp.zeros((), a.dtype)
    elif p == 1:
        v = d.sum()
    elif p == 2:
        v = xp.sqrt((d * d).sum())
    else:
        v = (d ** p).sum() ** (1.0 / p)
    out = new_tensor(xp.asarray(v, a.dtype), input._dtype)
    return record(DIST, (input, other), out, {"p": p})


# the exponent (int32) has no gradient: the node's output is the mantissa, the exponent a value
FREXP = Derivative("FrexpBackward0", {"self": lambda grad, exponent: grad / exponent.exp2()})


def frexp(input):
    if not input._dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = xp.frexp(input._data)
    mantissa = new_tensor(xp.asarray(m, input._dtype.np), input._dtype)
    exponent = new_tensor(xp.asarray(e, xp.int32), dtypes.int32)
    record(FREXP, (input,), mantissa, {"exponent": exponent})
    return return_types.frexp(mantissa, exponent)


# ------------------------------------------------------------------ sets and combinations

def isin(elements, test_elements, *, assume_unique=False, invert=False):
    a = elements._data if isinstance(elements, Tensor) else xp.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return wrap(xp.asarray(xp.isin(a, b, invert=invert)), dtypes.bool_)


def combinations(input, r=2, with_replacement=False):
    a = input._data
    if a.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {size_list(a.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty((0,))
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = xp.array(list(pick(range(a.shape[0]), r)), xp.int64).reshape(-1, r)
    return stack([input.index_select(0, wrap(idx[:, j].copy(), dtypes.int64))
                  for j in range(r)], 1)


# ------------------------------------------------------------------ covariance

def cov(input, *, correction=1, fweights=None, aweights=None):
    if input._data.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input._data.ndim} dimensions")
    x = input.view(1, -1) if input._data.ndim < 2 else input
    w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = x.mean(1)
        norm = float(x.shape[1]) - correction
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
        if aweights is not None and correction != 0:
            norm = w_sum - correction * (w * aweights).sum() / w_sum
        else:
            norm = w_sum - correction
    if isinstance(norm, Tensor):
        norm = norm.clamp(min=0)
    elif norm <= 0:
        norm = 0.0
    x = x - avg.unsqueeze(1)
    c = x @ (x * w if w is not None else x).t()
    return c.true_divide(norm).squeeze()


def corrcoef(input):
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    stddev = c.diagonal().sqrt()
    c = c / stddev.view(-1, 1)
    c = c / stddev.view(1, -1)
    return c.clamp(-1, 1)


FUNCTIONS: dict = dict(CONSTANTS)
FUNCTIONS.update({
    "is_complex": is_complex, "is_signed": is_signed, "is_nonzero": is_nonzero,
    "is_same_size": is_same_size, "broadcast_shapes": broadcast_shapes,
    "atleast_1d": atleast_1d, "atleast_2d": atleast_2d, "atleast_3d": atleast_3d,
    "ravel": ravel, "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit,
    "diag_embed": diag_embed, "diagflat": diagflat, "inner": inner, "dist": dist,
    "frexp": frexp, "isin": isin, "combinations": combinations, "cov": cov,
    "corrcoef": corrcoef})
METHODS = {name: FUNCTIONS[name] for name in (
    "is_nonzero", "is_same_size", "ravel", "hsplit", "vsplit",
    "dsplit", "diag_embed", "diagflat", "inner", "dist", "frexp", "cov", "corrcoef")}
