"""Packed sequences: a batch of sequences of different lengths, as the recurrent layers read it.

A PackedSequence holds the time steps one after another, each with only the sequences still
running at that step (`batch_sizes[t]` rows, longest sequences first), so a recurrent layer
never computes on padding. Packing and unpacking are each one fused node: a gather of the
padded rows, and its scatter back (PyTorch's PackPaddedSequenceBackward0, and the CopySlices
its padding leaves).
"""
from collections import namedtuple

from ...backend import xp
from ...core import dtypes
from ...core.tensor import Tensor, wrap
from ...creation import arange, as_tensor, empty_like, full
from ...ops.derivatives import Derivative, record

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence_",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A batch of variable-length sequences, packed time step by time step.

    A batch of sequences of different lengths, packed: `data` `(sum of the lengths, *)` holds the
    time steps one after another, each with only the sequences still running; `batch_sizes` (int64)
    how many at each step; `sorted_indices` and `unsorted_indices` the permutation that sorted the
    batch by decreasing length and its inverse (None when it came sorted).

    A namedtuple, as PyTorch's: built by `pack_padded_sequence` or `pack_sequence`, read by the
    recurrent layers. `to()`, `float()`, `double()` and the other conversions convert `data`.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def __repr__(self):
        return (f"PackedSequence(data={self.data!r}, batch_sizes={self.batch_sizes!r}, "
                f"sorted_indices={self.sorted_indices!r}, "
                f"unsorted_indices={self.unsorted_indices!r})")

    def to(self, *args, **kwargs):
        """The PackedSequence with its data converted.

        The PackedSequence with `data.to(*args, **kwargs)` (the same object when that changes
        nothing); the batch sizes and permutations are kept.
        """
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cuda(self, *args, **kwargs):
        """`to("cuda")`, which raises: insitu runs on the CPU only."""
        return self.to("cuda")

    def cpu(self, *args, **kwargs):
        """`to("cpu")`: the same PackedSequence."""
        return self.to("cpu")

    def double(self):
        """The PackedSequence with `data` as float64."""
        return self.to(dtype=dtypes.float64)

    def float(self):
        """The PackedSequence with `data` as float32."""
        return self.to(dtype=dtypes.float32)

    def half(self):
        """The PackedSequence with `data` as float16."""
        return self.to(dtype=dtypes.float16)

    def long(self):
        """The PackedSequence with `data` as int64."""
        return self.to(dtype=dtypes.int64)

    def int(self):
        """The PackedSequence with `data` as int32."""
        return self.to(dtype=dtypes.int32)

    def short(self):
        """The PackedSequence with `data` as int16."""
        return self.to(dtype=dtypes.int16)

    def char(self):
        """The PackedSequence with `data` as int8."""
        return self.to(dtype=dtypes.int8)

    def byte(self):
        """The PackedSequence with `data` as uint8."""
        return self.to(dtype=dtypes.uint8)

    @property
    def is_cuda(self):
        """False: the data lives in host memory."""
        return False

    def is_pinned(self):
        """False: there is no pinned memory."""
        return False


def invert_permutation(permutation):
    """The inverse of a permutation tensor (`output[permutation[i]] = i`); None stays None."""
    if permutation is None:
        return None
    output = empty_like(permutation)
    output.scatter_(0, permutation, arange(0, permutation.numel()))
    return output


# ------------------------------------------------------------------ the gather and its scatter

def _rows(batch_sizes, batch_first, total, batch):
    """The flat row of each packed element in the padded (T*B or B*T) layout."""
    steps = xp.repeat(xp.arange(len(batch_sizes)), batch_sizes)
    starts = xp.concatenate(([0], xp.cumsum(batch_sizes)[:-1]))
    members = xp.arange(steps.size) - xp.repeat(starts, batch_sizes)
    return members * total + steps if batch_first else steps * batch + members


def _flat(t):
    d = t._data
    return t.reshape((d.shape[0] * d.shape[1],) + d.shape[2:])


def _pack_composite(input, rows):
    return _flat(input).index_select(0, wrap(rows, dtypes.int64))


def _pack_backward(grad, input_shape, rows):
    out = xp.zeros((input_shape[0] * input_shape[1],) + input_shape[2:], grad.dtype)
    out[rows] = grad
    return out.reshape(input_shape)


_PACK = Derivative("PackPaddedSequenceBackward0", {"input": _pack_backward}, inputs=("input",),
                   composite=_pack_composite)


def _pad_composite(data, rows, shape, padding_value):
    base = full((shape[0] * shape[1],) + tuple(shape[2:]), padding_value, dtype=data.dtype)
    return base.index_copy(0, wrap(rows, dtypes.int64), data).reshape(shape)


_PAD = Derivative("CopySlices", {"data": lambda grad, rows: grad.reshape(
    (-1,) + grad.shape[2:])[rows]}, inputs=("data",), composite=_pad_composite)
# named as the CopySlices node of a write into a slice (PyTorch pads by such writes)
_PAD.node_cls = type("CopySlices", (_PAD.node_cls,),
                     {"__slots__": (), "name": lambda self: "insitu::autograd::CopySlices"})


def _lengths_array(lengths):
    if isinstance(lengths, Tensor):
        return lengths._data.astype(xp.int64)
    return xp.asarray(lengths, dtype=xp.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch of variable-length sequences.

    Packs a padded batch `(T, B, *)` (`(B, T, *)` with `batch_first`) of sequences of the given
    `lengths` (a tensor or a list): the steps one after another, each with only the sequences still
    running. The lengths must be decreasing unless `enforce_sorted=False`, which sorts the batch and
    records the permutation.

    One fused node (PackPaddedSequenceBackward0): a gather of the padded rows, whose gradient
    scatters back; it keeps the row indices. Returns a `PackedSequence`.
    """
    lens = _lengths_array(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = xp.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = wrap(order.astype(xp.int64), dtypes.int64)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if lens.ndim != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{lens.ndim}D cpu Long tensor")
    shape = input._data.shape
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    total, batch = (shape[1], shape[0]) if batch_first else (shape[0], shape[1])
    if lens.shape[0] != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.shape[0]} (batch_size={batch})")
    if lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if (lens[1:] > lens[:-1]).any():
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    if lens[0] > total:
        raise RuntimeError(f"Expected the longest length ({int(lens[0])}) to be at most the "
                           f"padded length {total}")
    batch_sizes = (lens[None, :] > xp.arange(int(lens[0]))[:, None]).sum(1).astype(xp.int64)
    rows = _rows(batch_sizes, batch_first, total, batch)
    a = input._data
    data = a.reshape((a.shape[0] * a.shape[1],) + a.shape[2:])[rows]
    out = record(_PACK, (input,), wrap(data, input._dtype), {"rows": rows})
    return PackedSequence(out, wrap(batch_sizes, dtypes.int64), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpacks a PackedSequence into a padded batch and its lengths.

    The padded batch of the PackedSequence `sequence` and its lengths (int64), in the batch's
    original order: `(T, B, *)` (`(B, T, *)` with `batch_first`), padded with `padding_value` (0.0)
    up to `total_length` when given (at least the longest length). One node (CopySlices, as
    PyTorch's padding writes it) whose gradient gathers the packed rows.
    """
    batch_sizes = sequence.batch_sizes._data.astype(xp.int64)
    max_seq_length = batch_sizes.shape[0]
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_seq_length}")
        max_seq_length = total_length
    data = sequence.data
    d = data._data
    batch = int(batch_sizes[0])
    shape = ((batch, max_seq_length) if batch_first else (max_seq_length, batch)) + d.shape[1:]
    rows = _rows(batch_sizes, batch_first, max_seq_length, batch)
    arr = xp.full((shape[0] * shape[1],) + d.shape[1:], padding_value, d.dtype)
    arr[rows] = d
    padded = record(_PAD, (data,), wrap(arr.reshape(shape), data._dtype),
                    {"rows": rows, "shape": shape, "padding_value": padding_value})
    lengths = (batch_sizes[None, :] > xp.arange(batch)[:, None]).sum(1).astype(xp.int64)
    lengths = wrap(lengths, dtypes.int64)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        return padded.index_select(0 if batch_first else 1, unsorted), lengths[unsorted]
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stacks variable-length sequences into one padded batch.

    Stacks sequences `(L_i, *)` of different lengths into `(T, B, *)` (`(B, T, *)` with
    `batch_first`), T the longest, padded with `padding_value` (0.0) on the right or, with
    `padding_side="left"`, on the left. Each sequence is copied in (CopySlices nodes), so gradients
    flow back to each.
    """
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    try:
        sequences = tuple(sequences)
    except TypeError:
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}") from None
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    first = sequences[0]
    longest = max(s.shape[0] for s in sequences)
    trailing = tuple(first.shape[1:])
    lead = (len(sequences), longest) if batch_first else (longest, len(sequences))
    out = full(lead + trailing, padding_value, dtype=first.dtype)
    for i, s in enumerate(sequences):
        n = s.shape[0]
        steps = slice(0, n) if padding_side == "right" else slice(longest - n, longest)
        (out[i, steps] if batch_first else out[steps, i]).copy_(s)
    return out


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Splits a padded batch into a list of sequences of the given lengths.

    The padded batch `padded_sequences` back as a list of sequences, each cut to its entry of
    `lengths` (the inverse of `pad_sequence`); `batch_first` as the padded batch is laid out.
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    max_length = padded_sequences.shape[1]
    idx = arange(max_length)
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of variable-length sequences.

    Packs a list of sequences `(L_i, *)`, longest first unless `enforce_sorted=False`:
    `pack_padded_sequence(pad_sequence(sequences), lengths)`.
    """
    lengths = as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Unpacks a PackedSequence into a list of sequences.

    The PackedSequence `packed_sequences` back as the list of its sequences, in their original order
    (the inverse of `pack_sequence`).
    """
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)

