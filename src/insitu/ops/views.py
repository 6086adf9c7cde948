"""View operations: results share storage and the version counter with their base.

Every view is made by `make_view`, which records the root base, the creation mode (PyTorch's
CreationMeta: normal, made under no_grad, output of a multi-view function) and a grad_fn whose
backward replays the same view on a zero tensor of the input's shape and writes the gradient
through it, so one generic backward serves every view op and is itself differentiable.
"""
import warnings

from ..autograd.grad_mode import mode
from ..autograd.versions import write
from ..backend import xp, as_strided as _np_as_strided, strided_view
from ..core.storage import Storage, share_counter
from ..core.dtypes import bool_, to_dtype
from ..core.tensor import Tensor, _wrap_dim, alias, reshaped_in_place
from .copying import contiguous_copy
from .derivatives import Derivative, record
from .view_graph import EXPAND, RESHAPE_COPY, as_strided_node, make_view, storage_flat


def _view_op(src, arr, name, replay, overlapping=False, values=None):
    """A view op's result. With `values`, its node is the op's own derivative (`_OWN`:
    PyTorch's formula, so a create_graph backward builds PyTorch's nodes), else the generic
    one that replays the view."""
    if values is not None:
        return make_view(src, arr, name, replay, overlapping, derivative=_OWN[name],
                         values=values)
    return make_view(src, arr, name, replay, overlapping)


def _unsqueeze_to(grad, dims):
    """PyTorch's unsqueeze_to: the gradient with the squeezed size-1 dims put back (itself when
    there are none: no node)."""
    for d in dims:
        grad = unsqueeze(grad, d)
    return grad


def _inverse(dims):
    inv = [0] * len(dims)
    for i, d in enumerate(dims):
        inv[d] = i
    return tuple(inv)


# the views whose backward is PyTorch's own formula (derivatives.yaml), not a replay
_OWN = {
    "TransposeBackward0": Derivative("TransposeBackward0", {
        "self": lambda grad, d0, d1: transpose(grad, d0, d1)}),
    "TBackward0": Derivative("TBackward0", {"self": lambda grad: t(grad)}),
    "PermuteBackward0": Derivative("PermuteBackward0", {
        "self": lambda grad, dims: permute(grad, _inverse(dims))}),
    "AliasBackward0": Derivative("AliasBackward0", {"self": lambda grad: grad}),
    "UnsqueezeBackward0": Derivative("UnsqueezeBackward0", {
        "self": lambda grad, dim: squeeze(grad, dim)}),
    **{name: Derivative(name, {"self": lambda grad, self_shape, dims: _unsqueeze_to(
        grad, [d for d in range(len(self_shape)) if self_shape[d] == 1
               and (dims is None or d in dims)])})
       for name in ("SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2")},
}


# ----------------------------------------------------------------------- shape helpers

def _shape_arg(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:      # the common call, plain ints: the tuple as it is
        if s.__class__ is not int:
            return tuple(int(s) for s in size)
    return size if size.__class__ is tuple else tuple(size)


def _infer_size(shape, numel):
    neg = -1
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if neg >= 0:
                raise RuntimeError("only one dimension can be inferred")
            neg = i
        else:
            known *= s
    if neg >= 0:
        if known == 0 and numel == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape [{', '.join(map(str, shape))}] "
                "because the unspecified dimension size -1 can be any value and is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
        shape = list(shape)
        shape[neg] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
    return tuple(shape)


def _c_strides(shape, itemsize):
    """Row-major strides in bytes, as PyTorch gives a contiguous view (size-1 dims included)."""
    strides = []
    step = itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _view_strides(a, shape):
    """Strides (bytes) to view `a` as `shape` without copying, or None (PyTorch's computeStride)."""
    if a.flags.c_contiguous:
        return True
    try:
        v = a.view()
        v.shape = shape   # NumPy raises if a copy would be needed
        return v
    except AttributeError:
        return None


# ----------------------------------------------------------------------- view ops

def view(self, *shape):
    """Tensor.view(*shape) or Tensor.view(dtype): the same elements with another shape, as a view
    (shared storage and version counter); one size may be -1. Raises when the strides cannot
    express the shape without a copy (reshape copies then). `view(dtype)` reinterprets the bytes
    as a dtype of the same element size: an alias outside the graph, as in PyTorch. Backward:
    ViewBackward0."""
    if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
        return _view_dtype(self, to_dtype(shape[0]))
    return _view_shape(self, _infer_size(_shape_arg(shape), self._data.size))


def _view_shape(self, shape):
    """view() with `shape` already parsed and checked against the size."""
    a = self._data
    if a.flags.c_contiguous:
        arr = a.reshape(shape)
        if arr.shape == a.shape and 1 in shape:     # NumPy keeps a size-1 dim's odd stride
            arr = strided_view(a, 0, shape, _c_strides(shape, a.itemsize))
    else:
        arr = _view_strides(a, shape)
        if arr is None:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return _view_op(self, arr, "ViewBackward0", lambda g: view(g, shape))


def _view_dtype(self, dt):
    if dt.itemsize != self._dtype.itemsize:
        raise RuntimeError("view(dtype) with a different element size is not supported")
    # PyTorch's view.dtype is not differentiable: an alias outside the graph, not a view, that
    # shares the storage and its version counter
    t = alias(self, self._data.view(dt.np))
    t._dtype = dt
    return t


def view_as(self, other):
    """Tensor.view_as(other): `self.view(other.shape)`."""
    return view(self, other.shape)


def reshape(self, *shape):
    """insitu.reshape(input, shape) / Tensor.reshape(*shape): the elements in row-major order with
    another shape (one size may be -1). A view when the strides allow it (ViewBackward0, or
    ReshapeAliasBackward0 for a non-contiguous input), otherwise a contiguous copy
    (UnsafeViewBackward0)."""
    return _reshape_shape(self, _infer_size(_shape_arg(shape), self._data.size))


def _reshape_shape(self, shape):
    """reshape() with `shape` already parsed and checked against the size."""
    if self.is_contiguous():
        return _view_shape(self, shape)
    arr = _view_strides(self._data, shape)
    if arr is not None:   # still expressible as a view: PyTorch's _reshape_alias
        return _view_op(self, arr, "ReshapeAliasBackward0", lambda g: reshape(g, shape))
    c = contiguous_copy(self)
    out = c._data.reshape(shape)
    return _rewrap_copy(c, out)


def _rewrap_copy(c, arr):
    """A reshape that had to copy: a fresh (non-view) tensor over the copy's storage, like
    PyTorch's _unsafe_view."""
    t = alias(c, arr)
    return record(RESHAPE_COPY, (c,), t)


def reshape_as(self, other):
    """Tensor.reshape_as(other): `self.reshape(other.shape)`."""
    return reshape(self, other.shape)


def flatten(self, start_dim=0, end_dim=-1):
    """insitu.flatten(input, start_dim=0, end_dim=-1): dims `start_dim..end_dim` merged into one,
    through `reshape` (a view when the strides allow it). A 0-dim input gives shape (1,);
    `start_dim == end_dim` returns the input itself."""
    nd = self._data.ndim
    if nd == 0:
        return reshape(self, (1,))
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return self
    shape = self._data.shape
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return _reshape_shape(self, shape[:s] + (n,) + shape[e + 1:])


def unflatten(self, dim, sizes):
    """insitu.unflatten(input, dim, sizes): a view with dim `dim` split into `sizes` (one may be
    -1)."""
    shape = list(self._data.shape)
    d = _wrap_dim(dim, len(shape))
    sizes = list(sizes)
    known = 1
    for s in sizes:
        if s != -1:
            known *= s
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    ok = shape[d] % known == 0 if -1 in sizes and known else known == shape[d]
    if not ok:
        raise RuntimeError(
            f"unflatten: Provided sizes [{', '.join(map(str, sizes))}] don't multiply up to the "
            f"size of dim {dim} ({shape[d]}) in the input tensor")
    if -1 in sizes:
        sizes[sizes.index(-1)] = shape[d] // known
    return view(self, tuple(shape[:d] + sizes + shape[d + 1:]))


def transpose(self, dim0, dim1):
    """insitu.transpose(input, dim0, dim1), also `swapaxes` and `swapdims`: a view with the two dims
    exchanged. Backward: TransposeBackward0."""
    nd = self._data.ndim
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    arr = self._data.swapaxes(d0, d1) if nd else self._data
    return _view_op(self, arr, "TransposeBackward0", lambda t: transpose(t, d0, d1),
                    values={"d0": d0, "d1": d1})


swapaxes = swapdims = transpose


def t(self):
    """insitu.t(input): the transpose of a tensor of at most 2 dims (0- and 1-dim inputs come back
    as a view of themselves). Backward: TBackward0."""
    nd = self._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    arr = self._data.T
    return _view_op(self, arr, "TBackward0", lambda g: t(g), values={})


def permute(self, *dims):
    """insitu.permute(input, dims) / Tensor.permute(*dims): a view with the dims reordered
    (`dims[i]` is the input dim that becomes dim i). Backward: PermuteBackward0."""
    dims = _shape_arg(dims)
    nd = self._data.ndim
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
            f"to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    arr = self._data.transpose(dims)
    return _view_op(self, arr, "PermuteBackward0", lambda g: permute(g, dims),
                    values={"dims": dims})


def movedim(self, source, destination):
    """insitu.movedim(input, source, destination), also `moveaxis`: a view with dims `source` (an
    int or a sequence) moved to `destination`, the others keeping their order. Backward:
    PermuteBackward0."""
    nd = self._data.ndim
    given_src = [source] if isinstance(source, int) else list(source)
    given_dst = [destination] if isinstance(destination, int) else list(destination)
    if len(given_src) != len(given_dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({given_src} "
                           f"dims) should contain the same number of dims as destination "
                           f"({given_dst} dims)")
    src = [_wrap_dim(s, nd) for s in given_src]
    dst = [_wrap_dim(d, nd) for d in given_dst]
    for dims, given, which in ((src, given_src, "source"), (dst, given_dst, "destination")):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{which}` ({given})")
    if nd == 0:                 # PyTorch: a 0-dim tensor's movedim is an alias
        return _view_op(self, self._data.view(), "AliasBackward0", lambda g: g, values={})
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(self, order)


def _T(self):
    """Tensor.T (and Tensor.H, the same without complex dtypes): the dims reversed, as a view; warns
    (as PyTorch does) on tensors that are not 2-dim."""
    nd = self._data.ndim
    if nd == 0:
        _deprecated("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                    "these cases.")
    elif nd != 2:
        _deprecated("The use of `x.T` on tensors of dimension other than 2 to reverse their shape "
                    "is deprecated and it will throw an error in a future release. Consider "
                    "`x.mT` to transpose batches of matrices or `x.permute(*torch.arange(x.ndim - "
                    "1, -1, -1))` to reverse the dimensions of a tensor.")
    return permute(self, tuple(range(nd - 1, -1, -1)))


def _mT(self):
    """Tensor.mT (and Tensor.mH): the last two dims transposed, as a view (batches of matrices)."""
    if self._data.ndim == 0:
        _deprecated("Tensor.mT is deprecated on 0-D tensors. This function is the identity in "
                    "these cases.")
        return self
    if self._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self._data.ndim}-D tensor.")
    return transpose(self, -2, -1)


def _deprecated(message):
    warnings.warn(message, UserWarning, stacklevel=3)


def squeeze(self, dim=None):
    """insitu.squeeze(input, dim=None): a view without size-1 dims: all of them, or those of `dim`
    (an int or a tuple; dims of another size are left alone). Backward: SqueezeBackward0/1/2."""
    a = self._data
    if dim is None:   # NumPy's squeeze keeps the other dims' strides, as PyTorch does
        return _view_op(self, a.squeeze(), "SqueezeBackward0", lambda g: squeeze(g),
                        values={"dims": None})
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    nd = a.ndim
    wrapped = [_wrap_dim(d, nd) for d in dims]
    dims = set(wrapped)
    if len(dims) != len(wrapped):
        seen = set()
        for d in wrapped:
            if d in seen:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
            seen.add(d)
    arr = _squeeze_np(a, dims)
    name = "SqueezeBackward1" if isinstance(dim, int) else "SqueezeBackward2"
    return _view_op(self, arr, name, lambda g: squeeze(g, dim), values={"dims": dims})


def _squeeze_np(a, dims):
    axes = tuple(d for d in dims if d < a.ndim and a.shape[d] == 1)   # 0-dim: dim 0 is kept
    return a.squeeze(axes) if axes else a.view()


def unsqueeze(self, dim):
    """insitu.unsqueeze(input, dim): a view with a new size-1 dim at `dim` (in `-ndim-1..ndim`),
    strided as PyTorch strides it. Backward: UnsqueezeBackward0."""
    nd = self._data.ndim
    d = _wrap_dim(dim, nd + 1)
    arr = _unsqueezed(self._data, d)
    return _view_op(self, arr, "UnsqueezeBackward0", lambda g: unsqueeze(g, d),
                    values={"dim": d})


def _unsqueezed(a, d):
    """`a` with a new size-1 dim at `d`, strided as PyTorch strides it (size * stride of the dim
    it lands before, or 1 at the end), so that stride() reads the same."""
    shape, strides = list(a.shape), list(a.strides)
    step = shape[d] * strides[d] if d < len(shape) else a.itemsize
    return strided_view(a, 0, shape[:d] + [1] + shape[d:], strides[:d] + [step] + strides[d:])


def expand(self, *sizes):
    """Tensor.expand(*sizes): a view broadcasting size-1 dims to `sizes` (stride 0, no copy; -1
    keeps a dim; new leading dims may be added). In-place writes into it raise, as in PyTorch,
    since its elements share memory. Backward: ExpandBackward0."""
    sizes = _shape_arg(sizes)
    a = self._data
    if len(sizes) < a.ndim:
        # PyTorch names a bool tensor by its type's old name here
        kind = "CPUBoolType" if self._dtype is bool_ else f"insitu.{self._dtype.legacy}Tensor"
        raise RuntimeError(
            f"expand({kind}{{[{', '.join(map(str, a.shape))}]}}, "
            f"size=[{', '.join(map(str, sizes))}]): the number of sizes provided "
            f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor "
            f"({a.ndim})")
    lead = len(sizes) - a.ndim
    shape = list(sizes)
    for i in range(len(sizes) - 1, -1, -1):   # PyTorch checks from the last dim: it names that
        s = sizes[i]
        if i < lead:
            if s == -1:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
        else:
            cur = a.shape[i - lead]
            if s == -1:
                shape[i] = cur
            elif cur != s and cur != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size ({cur}) "
                    f"at non-singleton dimension {i}.  Target sizes: "
                    f"[{', '.join(map(str, sizes))}].  Tensor sizes: [{', '.join(map(str, a.shape))}]")
    strides = [0 if (n == 1 and s != 1) else st
               for n, s, st in zip(a.shape, shape[lead:], a.strides)]
    for s in reversed(shape[:lead]):
        # a new leading dim: PyTorch strides it as an unsqueeze would (then 0 if it grows)
        # (a 0-dim tensor's new dims all have stride 0)
        nxt = strides[0] * shape[len(shape) - len(strides)] if strides else 0
        strides.insert(0, nxt if s == 1 else 0)
    arr = strided_view(a, 0, shape, strides)
    return make_view(self, arr, "ExpandBackward0", None, derivative=EXPAND, values={})


def expand_as(self, other):
    """Tensor.expand_as(other): `self.expand(other.shape)`."""
    return expand(self, other.shape)


def broadcast_to(self, size):
    """insitu.broadcast_to(input, size): `input.expand(size)`, a view."""
    return expand(self, size)


def narrow(self, dim, start, length):
    """insitu.narrow(input, dim, start, length): the view `input[..., start:start + length, ...]`
    along `dim` (`start` may be negative or a 0-dim tensor). Backward: SliceBackward0."""
    nd = self._data.ndim
    if not nd:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = _wrap_dim(dim, nd)
    n = self._data.shape[d]
    if isinstance(start, Tensor):
        start = int(start.item())
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _view_op(self, _along(self._data, d, start, length), "SliceBackward0",
                    lambda g: narrow(g, d, start, length))


def _along(a, d, start, length):
    """a[start:start + length] along dim d. An empty piece keeps its place in memory, as
    PyTorch's storage_offset shows it (NumPy moves empty slices to the start)."""
    arr = a[(slice(None),) * d + (slice(start, start + length),)]
    if arr.size == 0 and length == 0:
        shape = list(a.shape)
        shape[d] = 0
        arr = strided_view(a, start * a.strides[d], shape, a.strides)
    return arr


def select(self, dim, index):
    """insitu.select(input, dim, index): the view at `index` along `dim`, that dim removed.
    Backward: SelectBackward0."""
    nd = self._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, nd)
    n = self._data.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"[{', '.join(map(str, self._data.shape))}] at dimension {d}")
    idx = (slice(None),) * d + (index, Ellipsis)   # Ellipsis: a 0-dim view, not a NumPy scalar
    return _view_op(self, self._data[idx], "SelectBackward0", lambda g: select(g, d, index))


def diagonal(self, offset=0, dim1=0, dim2=1):
    """insitu.diagonal(input, offset=0, dim1=0, dim2=1): a view of the diagonal of dims `dim1`,
    `dim2` (above it for offset > 0, below for offset < 0), appended as the last dim. Backward:
    DiagonalBackward0."""
    nd = self._data.ndim
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    a = self._data
    n1, n2 = a.shape[d1], a.shape[d2]
    length = max(0, min(n1 - max(-offset, 0), n2 - max(offset, 0)))
    start = offset * a.strides[d2] if offset >= 0 else -offset * a.strides[d1]
    rest = [i for i in range(nd) if i not in (d1, d2)]
    arr = strided_view(a, start if length else 0, [a.shape[i] for i in rest] + [length],
                       [a.strides[i] for i in rest] + [a.strides[d1] + a.strides[d2]])
    return _view_op(self, arr, "DiagonalBackward0", lambda g: diagonal(g, offset, d1, d2))


def unfold(self, dimension, size, step):
    """Tensor.unfold(dimension, size, step): a view of every window of `size` elements along
    `dimension`, `step` apart, as a new last dim (windows overlap when step < size, so in-place
    writes into it are refused). Backward: UnfoldBackward0."""
    a = self._data
    nd = a.ndim
    d = _wrap_dim(dimension, nd) if nd else 0
    n = a.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    count = (n - size) // step + 1
    shape = a.shape[:d] + (count,) + a.shape[d + 1:] + (size,)
    strides = a.strides[:d] + (a.strides[d] * step,) + a.strides[d + 1:] + (a.strides[d],) \
        if nd else (a.itemsize,) * 1
    arr = strided_view(a, 0, shape, strides)
    return _view_op(self, arr, "UnfoldBackward0", lambda g: unfold(g, d, size, step),
                    overlapping=step < size)


def as_strided(self, size, stride, storage_offset=None):
    """insitu.as_strided(input, size, stride, storage_offset=None): a view of input's storage with
    the given geometry (in elements; the offset defaults to input's own). Raises when it reaches
    past the storage. Backward: AsStridedBackward0, which scatters the gradient in storage
    coordinates."""
    st = self._storage
    root = self._base if self._base is not None else self
    flat = storage_flat(root)
    off = st.offset_of(self._data) if storage_offset is None else storage_offset
    size, stride = tuple(size), tuple(stride)
    need = off + (sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0)
    if need > flat.size:
        raise RuntimeError(
            f"setStorage: sizes [{', '.join(map(str, size))}], strides "
            f"[{', '.join(map(str, stride))}], storage offset {off}, and itemsize "
            f"{flat.itemsize} requiring a storage size of {need * flat.itemsize} are out of bounds "
            f"for storage of size {flat.size * flat.itemsize}")
    arr = _np_as_strided(flat, size, stride, off)
    # storage coordinates: the gradient is scattered into a buffer laid out like the input
    node = as_strided_node(self, _Geometry(arr, st)) if self._requires_grad and mode.grad \
        else None
    return make_view(self, arr, "AsStridedBackward0", None, node=node)


class _Geometry:
    """What view_geometry reads of a view not made yet: its array and storage."""
    __slots__ = ("_data", "_storage")

    def __init__(self, arr, storage):
        self._data, self._storage = arr, storage


def resize_(self, *sizes, memory_format=None):
    """PyTorch's resize_: the same shape is a no-op; another shape takes the storage's leading
    elements (growing it when needed) with contiguous strides, and counts as a write."""
    shape = _shape_arg(sizes)
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    a = self._data
    if shape == a.shape:
        return self
    reshaped_in_place(self, shape)
    n = 1
    for s in shape:
        n *= s
    st = self._storage
    root = st.array
    offset = st.offset_of(a) if a.size else 0
    if root.flags.c_contiguous:
        if offset + n > root.size:      # grow the storage under every tensor on it
            st.grow(offset + n)
            root = st.array
        self._data = root.reshape(-1)[offset:offset + n].reshape(shape)
    else:   # another layout: a new buffer keeping the old elements in front
        flat = xp.empty(offset + n, dtype=root.dtype)
        kept = min(root.size, offset + n)
        flat[:kept] = root.reshape(-1)[:kept]
        self._storage = Storage(flat)
        share_counter(st, self._storage)
        st = self._storage
        self._data = flat[offset:].reshape(shape)
    return write(self, "resize_")


def contiguous(self, memory_format=None):
    """Tensor.contiguous(memory_format=None): self when it is already contiguous, else a
    C-contiguous copy (CloneBackward0)."""
    if self.is_contiguous():
        return self
    return contiguous_copy(self)


VIEW_METHODS = {
    "view": view, "view_as": view_as, "reshape": reshape, "reshape_as": reshape_as,
    "flatten": flatten, "unflatten": unflatten, "transpose": transpose, "swapaxes": swapaxes,
    "swapdims": swapdims, "t": t, "permute": permute, "movedim": movedim, "moveaxis": movedim,
    "squeeze": squeeze, "unsqueeze": unsqueeze, "expand": expand, "expand_as": expand_as,
    "broadcast_to": broadcast_to, "narrow": narrow, "select": select, "diagonal": diagonal,
    "unfold": unfold, "as_strided": as_strided, "contiguous": contiguous, "resize_": resize_,
}


METHODS = dict(VIEW_METHODS)
# methods only, as in PyTorch
FUNCTIONS = {name: fn for name, fn in VIEW_METHODS.items()
             if name not in ("view", "view_as", "reshape_as", "expand", "expand_as", "contiguous",
                             "unfold", "resize_")}
PROPERTIES = {"T": property(_T), "mT": property(_mT), "H": property(_T), "mH": property(_mT)}
