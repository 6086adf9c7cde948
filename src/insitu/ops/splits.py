"""Splitting a tensor into pieces: unbind, split, split_with_sizes, chunk (views that share one
node, which may not be modified in place), their unsafe_ forms (pieces of the same memory with a
version counter each) and tensor_split (ordinary slice views)."""
from itertools import accumulate

from ..autograd import recorder
from ..core.storage import Storage, INFERENCE, READONLY
from ..backend import has_internal_overlap
from ..core.tensor import Tensor, _wrap_dim, alias, assemble
from .view_graph import multi_node, multi_view
from .views import _along, narrow, select


def unbind(self, dim=0):
    """insitu.unbind(input, dim=0): a tuple of the slices along `dim`, that dim removed. The pieces
    are views made by one multi-output function: modifying one in place raises when the input
    needs a gradient, as in PyTorch. Backward: UnbindBackward0."""
    nd = self._data.ndim
    if nd == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _wrap_dim(dim, nd)
    n = self._data.shape[d]
    arrays = [self._data[(slice(None),) * d + (i, Ellipsis)] for i in range(n)]
    pieces = [(lambda g, i=i: select(g, d, i)) for i in range(n)]
    return multi_view(self, arrays, "Unbind", "UnbindBackward0", pieces)


def _split_sizes(self, split_size, dim):
    """Sizes of PyTorch's split(int): equal pieces, a shorter last one; one piece at least."""
    if self._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got "
                           f"split_size={split_size}")
    d = _wrap_dim(dim, self._data.ndim)
    n = self._data.shape[d]
    if split_size == 0 and n:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {n}")
    sizes = [min(split_size, n - i) for i in range(0, n, split_size)] if n else [0]
    return d, sizes


def _check_split_sizes(self, sizes, dim):
    """PyTorch's split_with_sizes checks, in its order."""
    if self._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, self._data.ndim)
    n = self._data.shape[d]
    listed = ", ".join(map(str, sizes))
    if any(k < 0 for k in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, "
                           f"but got split_sizes=[{listed}]")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {dim}), but got split_sizes=[{listed}]")
    return d


def _pieces(self, d, sizes):
    """The arrays of consecutive pieces along dim d, and how to find each in a gradient."""
    starts = [0, *accumulate(sizes[:-1])]
    arrays = [_along(self._data, d, s, k) for s, k in zip(starts, sizes)]
    pieces = [(lambda g, s=s, k=k: narrow(g, d, s, k)) for s, k in zip(starts, sizes)]
    return arrays, pieces


def split(self, split_size_or_sections, dim=0):
    """insitu.split(tensor, split_size_or_sections, dim=0): views of consecutive pieces along `dim`:
    of `split_size` elements each (the last one shorter), or of the sizes in a list (then it is
    `split_with_sizes`). Pieces of one multi-output function: in-place writes to them raise when
    the input needs a gradient. Backward: SplitBackward0."""
    if isinstance(split_size_or_sections, int):
        d, sizes = _split_sizes(self, split_size_or_sections, dim)
        arrays, pieces = _pieces(self, d, sizes)
        return multi_view(self, arrays, "Split", "SplitBackward0", pieces)
    return split_with_sizes(self, split_size_or_sections, dim)


def split_with_sizes(self, split_sizes, dim=0):
    """insitu.split_with_sizes(input, split_sizes, dim=0): views of consecutive pieces of the given
    sizes along `dim` (they must sum to its size). In-place writes to the pieces raise when the
    input needs a gradient. Backward: SplitWithSizesBackward0."""
    sizes = list(split_sizes)
    d = _check_split_sizes(self, sizes, dim)
    arrays, pieces = _pieces(self, d, sizes)
    return multi_view(self, arrays, "SplitWithSizes", "SplitWithSizesBackward0", pieces)


def _chunk_size(self, chunks, dim):
    """PyTorch's chunk: pieces of ceil(n / chunks), or `chunks` empty pieces of an empty dim."""
    if self._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = self._data.shape[_wrap_dim(dim, self._data.ndim)]
    return (n + chunks - 1) // chunks, n


def chunk(self, chunks, dim=0):
    """insitu.chunk(input, chunks, dim=0): `split` into pieces of ceil(size / chunks) elements (so
    possibly fewer than `chunks` pieces); an empty dim gives `chunks` empty pieces."""
    step, n = _chunk_size(self, chunks, dim)
    if n == 0:   # split would give one piece; split_with_sizes keeps the count
        return split_with_sizes(self, [0] * chunks, dim)
    return split(self, step, dim)


# ----------------------------------------------------------------------- unsafe splits
# PyTorch's unsafe_split & co. return pieces of the same memory that are not views: no base, a
# version counter each, one UnsafeSplitBackward0 node. Writing into a piece is allowed (it is an
# ordinary non-leaf); that the others and the input then read changed values is the "unsafe".

class _SharedMemory(Storage):
    """Another storage's memory under a version counter of its own. It keeps that storage
    alive, so its bytes stay counted while any piece lives."""
    __slots__ = ("owner",)


def _own_counter(st):
    shared = _SharedMemory(st.array, owns=False)
    shared.owner = st
    shared.special = st.special & (INFERENCE | READONLY)
    return shared


def _unsafe_pieces(self, d, sizes, node_name):
    arrays, pieces = _pieces(self, d, sizes)
    node = multi_node(self, arrays, node_name, pieces)
    outs = []
    # a piece of memory without overlap has none either: the overlap test only where it may
    overlapping = has_internal_overlap(self._data)
    st, dt = self._storage, self._dtype
    for i, a in enumerate(arrays):
        t = alias(self, a) if overlapping else assemble(a, dt, st)
        t._storage = _own_counter(st)
        if node is not None:
            recorder.attach(node, t, i)
        outs.append(t)
    return tuple(outs)


def _int_argument(fn, name, value, position):
    if not isinstance(value, int):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be int, not "
                        f"{type(value).__name__}")


def unsafe_split(self, split_size, dim=0, *, _position=1):
    """insitu.unsafe_split(tensor, split_size, dim=0): `split`'s pieces, but not views: each shares
    the input's memory under a version counter of its own and may be written in place (the input
    and the other pieces then read the written values). Backward: UnsafeSplitBackward0."""
    _int_argument("unsafe_split", "split_size", split_size, _position)
    d, sizes = _split_sizes(self, split_size, dim)
    return _unsafe_pieces(self, d, sizes, "UnsafeSplitBackward0")


def unsafe_split_with_sizes(self, split_sizes, dim=0):
    """insitu.unsafe_split_with_sizes(input, split_sizes, dim=0): `split_with_sizes`'s pieces as
    `unsafe_split` makes them (same memory, own version counters, writable). Backward:
    UnsafeSplitWithSizesBackward0."""
    sizes = list(split_sizes)
    d = _check_split_sizes(self, sizes, dim)
    return _unsafe_pieces(self, d, sizes, "UnsafeSplitWithSizesBackward0")


def unsafe_chunk(self, chunks, dim=0):
    """insitu.unsafe_chunk(input, chunks, dim=0): `chunk`'s pieces as `unsafe_split` makes them
    (same memory, own version counters, writable)."""
    step, n = _chunk_size(self, chunks, dim)
    if n == 0:
        return unsafe_split_with_sizes(self, [0] * chunks, dim)
    return unsafe_split(self, step, dim)


def _unsafe_split_function(input, split_size, dim=0):
    """insitu.unsafe_split(tensor, split_size, dim=0): `split`'s pieces, but not views: each shares
    the input's memory under a version counter of its own and may be written in place (the input
    and the other pieces then read the written values). Backward: UnsafeSplitBackward0."""
    return unsafe_split(input, split_size, dim, _position=2)


def tensor_split(self, indices_or_sections, dim=0):
    """PyTorch's tensor_split: one ordinary slice view per piece (SliceBackward0 each, free to be
    written in place), bounds clamped like slicing."""
    nd = self._data.ndim
    if nd == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = _wrap_dim(dim, nd)
    n = self._data.shape[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        spec = int(spec.item()) if spec._data.ndim == 0 else [int(v) for v in spec._data]
    if isinstance(spec, int):
        if spec <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {spec}")
        sizes = [n // spec + (1 if i < n % spec else 0) for i in range(spec)]
        starts = [0, *accumulate(sizes[:-1])]
        return tuple(narrow(self, d, s, k) for s, k in zip(starts, sizes))    # in bounds
    else:
        bounds = [0] + [int(i) for i in spec] + [n]
    lead = (slice(None),) * d
    return tuple(self[lead + (slice(a, b),)] for a, b in zip(bounds, bounds[1:]))


SPLIT_METHODS = {"unbind": unbind, "split": split, "chunk": chunk, "tensor_split": tensor_split,
                 "split_with_sizes": split_with_sizes, "unsafe_split": unsafe_split,
                 "unsafe_split_with_sizes": unsafe_split_with_sizes, "unsafe_chunk": unsafe_chunk}
METHODS = dict(SPLIT_METHODS)
FUNCTIONS = dict(SPLIT_METHODS)
FUNCTIONS["unsafe_split"] = _unsafe_split_function   # its errors count input as position 1
