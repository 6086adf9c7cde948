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
    """insitu.is_complex(input): whether input's dtype is complex; always False, as insitu has no
    complex dtypes."""
    return input.is_complex()


def is_signed(input):
    """insitu.is_signed(input): whether input's dtype can hold negative values (every dtype but
    bool and uint8)."""
    return input.is_signed()


def is_nonzero(input):
    """insitu.is_nonzero(input) / Tensor.is_nonzero(): the truth of a one-element tensor's value,
    as a Python bool (a NaN is true). An empty tensor or one with more than one element raises
    RuntimeError, as PyTorch's ambiguous-truth errors."""
    n = input._data.size
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._data.reshape(-1)[0])


def is_same_size(input, other):
    """insitu.is_same_size(input, other) / Tensor.is_same_size(other): whether the two tensors have
    the same shape (their dtypes and values are not compared)."""
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
    """insitu.atleast_1d(*tensors): each tensor with at least one dimension: a 0-dim tensor becomes
    shape (1,), the others are returned as they are. Takes tensors as separate arguments or one
    sequence; a single tensor gives a tensor, several a tuple. The reshaped ones are views
    (ViewBackward0), so gradients flow back to the originals."""
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    """insitu.atleast_2d(*tensors): each tensor with at least two dimensions: 0-dim becomes (1, 1),
    a 1-D (k,) becomes (1, k) (an unsqueeze view), the others are returned as they are. Tensors as
    separate arguments or one sequence; a single tensor gives a tensor, several a tuple."""
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    """insitu.atleast_3d(*tensors): each tensor with at least three dimensions: 0-dim becomes (1,
    1, 1), a 1-D (k,) becomes (1, k, 1), a 2-D (a, b) becomes (a, b, 1), all views; tensors with
    three or more dimensions are returned as they are. Tensors as separate arguments or one
    sequence; a single tensor gives a tensor, several a tuple."""
    return _atleast(3, tensors)


def ravel(input):
    """insitu.ravel(input) / Tensor.ravel(): input flattened to one dimension, in row-major order:
    a view of input when it is contiguous (ViewBackward0), otherwise a view of a contiguous copy
    (CloneBackward0 under the ViewBackward0), so writing into the result reaches input only in the
    first case."""
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
hsplit.__doc__ = """insitu.hsplit(input, indices_or_sections) / Tensor.hsplit(...): input split
    column-wise, along dim 1 (dim 0 for a 1-D input), as tensor_split: an int n gives n equal
    pieces and must divide the dimension exactly, a list of indices gives the pieces between
    them. Returns a tuple of views (SliceBackward0 each). A 0-dim input, or a size the int does
    not divide, raises RuntimeError."""
vsplit = _directional_split("vsplit", 0, 2)
vsplit.__doc__ = """insitu.vsplit(input, indices_or_sections) / Tensor.vsplit(...): input split
    row-wise, along dim 0, as hsplit does along dim 1 (an int must divide the dimension exactly;
    the pieces are SliceBackward0 views). input needs at least two dimensions (RuntimeError
    otherwise)."""
dsplit = _directional_split("dsplit", 2, 3)
dsplit.__doc__ = """insitu.dsplit(input, indices_or_sections) / Tensor.dsplit(...): input split
    depth-wise, along dim 2, as hsplit does along dim 1 (an int must divide the dimension
    exactly; the pieces are SliceBackward0 views). input needs at least three dimensions
    (RuntimeError otherwise)."""


# ------------------------------------------------------------------ diagonals

DIAG_EMBED = Derivative("DiagEmbedBackward0", {
    "self": lambda grad, offset, dim1, dim2: grad.diagonal(offset, dim1, dim2)})


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """insitu.diag_embed(input, offset=0, dim1=-2, dim2=-1) / Tensor.diag_embed(...): a new tensor
    with one more dimension whose planes (dim1, dim2) carry input's last dimension on their
    offset-th diagonal (above the main one for offset > 0, below for offset < 0) and zeros
    elsewhere; each plane is n + |offset| square for a last dimension of size n (a 0-dim input
    counts as one element). dim1 and dim2 index the result and must differ (RuntimeError
    otherwise). Backward: DiagEmbedBackward0, which keeps only offset, dim1 and dim2 (the gradient
    is the matching diagonal of the incoming one)."""
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
    """insitu.diagflat(input, offset=0) / Tensor.diagflat(offset=0): a 2-D tensor with the elements
    of input, flattened, on its offset-th diagonal and zeros elsewhere (diag_embed of the flattened
    input; node DiagEmbedBackward0)."""
    return diag_embed(input.contiguous().view(-1), offset)


# ------------------------------------------------------------------ products and distances

def inner(input, other):
    """insitu.inner(input, other) / Tensor.inner(other): the sum of products over the last
    dimension of both tensors, for every pair of their other indices: the result's shape is
    input.shape[:-1] + other.shape[:-1]. If either is 0-dim it is the elementwise product instead.
    The last dimensions must match (RuntimeError otherwise). Composed of reshape, a matrix product
    and view, so it differentiates through those (the result's node is ViewBackward0)."""
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
    """insitu.dist(input, other, p=2) / Tensor.dist(other, p=2): the p-norm of input - other (the
    two broadcast together) as a 0-dim tensor: p=0 counts the nonzero differences, p=inf takes the
    largest absolute difference, p=-inf the smallest. Both tensors must have the same dtype
    (RuntimeError otherwise). Backward: DistBackward0, which keeps input and other
    (version-checked), p and the result."""
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
    """insitu.frexp(input) / Tensor.frexp(): input split into mantissa and exponent, the named
    tuple (mantissa, exponent) with input == mantissa * 2**exponent: the mantissa has input's dtype
    and an absolute value in [0.5, 1) (0 for 0), the exponent is int32. Floating dtypes only
    (RuntimeError otherwise). Backward: FrexpBackward0 on the mantissa (the exponent gets no
    gradient); the node keeps the exponent."""
    if not input._dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = xp.frexp(input._data)
    mantissa = new_tensor(xp.asarray(m, input._dtype.np), input._dtype)
    exponent = new_tensor(xp.asarray(e, xp.int32), dtypes.int32)
    record(FREXP, (input,), mantissa, {"exponent": exponent})
    return return_types.frexp(mantissa, exponent)


# ------------------------------------------------------------------ sets and combinations

def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """insitu.isin(elements, test_elements, *, assume_unique=False, invert=False): a bool tensor of
    elements' shape, True where the element occurs in test_elements (False there with invert=True).
    Either argument may be a number. assume_unique is accepted and only a hint: the result is the
    same. Not differentiable."""
    a = elements._data if isinstance(elements, Tensor) else xp.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return wrap(xp.asarray(xp.isin(a, b, invert=invert)), dtypes.bool_)


def combinations(input, r=2, with_replacement=False):
    """insitu.combinations(input, r=2, with_replacement=False): the r-element combinations of the
    elements of a 1-D input, in lexicographic order of their positions, as the rows of an (m, r)
    tensor (with_replacement=True lets an element repeat within a combination); r=0 gives an empty
    1-D tensor. Composed of index_select and stack, so the result's node is StackBackward0. A
    non-1-D input or a negative r raises RuntimeError."""
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
    """insitu.cov(input, *, correction=1, fweights=None, aweights=None) / Tensor.cov(...): the
    covariance matrix of the variables in input's rows, whose columns are the observations (a 1-D
    input is one variable; more than two dimensions raise RuntimeError). correction is subtracted
    from the number of observations (1: the unbiased estimate, 0: the maximum-likelihood one);
    fweights (integer frequencies) and aweights (observation weights) weight the observations, as
    in PyTorch. A normalizer at or below zero is taken as zero. The result is squeezed: one
    variable gives a 0-dim tensor. Composed of differentiable ops (the result's node is
    SqueezeBackward0)."""
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
    """insitu.corrcoef(input) / Tensor.corrcoef(): the Pearson correlation coefficients of the
    variables in input's rows (columns are observations): cov(input) divided by the outer product
    of the standard deviations, clamped to [-1, 1] (node ClampBackward1). One variable gives cov /
    cov, a 0-dim 1 (or NaN)."""
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
