"""Tensors saved for backward: version-checked, and located.

A SavedTensor remembers the storage version it saw and where it was saved (op name and the user's
file:line). Unpacking at backward compares versions; on a mismatch the error is PyTorch's message
followed by the line that saved the tensor and every in-place write since (recorded by the storage
while it is saved), so no anomaly mode is needed to find the culprit.
"""
from ..core.storage import user_frame, format_location
from ..core.tensor import assemble
from .grad_mode import mode


_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")


FREED_MESSAGE = _FREED

_DETACHED = ("Trying to use a saved tensor that has been detached in-place, i.e. with "
             ".detach_().This is not supported, please use out-of-place `.detach()` instead")


class SavedTensor:
    __slots__ = ("tensor", "had_grad_fn", "data", "dtype", "storage", "version", "op", "where", "is_output",
                 "output_nr", "live", "__weakref__")

    def __init__(self, t, op, is_output=False, depth=3, where=None):
        st = t._storage
        self.storage = st
        self.version = st.version
        self.op = op
        # the op's pipeline passes the user's frame it looked up once for all its saves
        self.where = user_frame(depth) if where is None else where
        self.is_output = is_output
        self.live = True
        if is_output:   # keep the data, not the tensor: the tensor's grad_fn is our own node
            self.tensor = None
            self.data = t._data
            self.dtype = t._dtype
            self.output_nr = t._output_nr if hasattr(t, "_output_nr") else 0
        else:
            self.tensor = t
            self.had_grad_fn = t._grad_fn is not None   # to notice a later detach_()
        st.saved += 1
        st.special |= 1             # SAVED: in-place writes take the recording path
        st.saver = (op, self.where)

    def release(self):
        if self.live:
            self.live = False
            st = self.storage
            st.saved -= 1
            if not st.saved:
                st.special &= ~1
                st.bumps = None
            self.tensor = self.data = None

    def __del__(self):
        if self.live:
            self.release()

    def _check(self, node):
        """Still usable? Not freed by an earlier backward, not modified, not detached in place."""
        if not self.live:
            raise RuntimeError(_FREED)
        if self.storage.version != self.version:
            raise RuntimeError(self._modified_message(node))
        if not self.is_output and self.had_grad_fn and self.tensor._grad_fn is None \
                and not self.tensor._requires_grad:
            raise RuntimeError(_DETACHED)

    def unpack(self, node):
        self._check(node)
        if self.is_output:
            t = assemble(self.data, self.dtype, self.storage)
            # re-attach to our node so a create_graph backward differentiates through it
            if mode.grad:
                t._requires_grad, t._grad_fn, t._output_nr = True, node, self.output_nr
            return t
        return self.tensor

    def unpack_data(self, node):
        """The saved array itself (no Tensor made): for formulas evaluated on NumPy arrays."""
        self._check(node)
        return self.data if self.is_output else self.tensor._data

    def _modified_message(self, node):
        shape = list(self.data.shape if self.is_output else self.tensor._data.shape)
        dtype = self.dtype if self.is_output else self.tensor._dtype
        head = (f"one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [insitu.{dtype.legacy}Tensor [{', '.join(map(str, shape))}]]")
        if self.is_output:
            head += f", which is output {self.output_nr} of {_short(node.name())},"
        else:
            try:
                fn = self.tensor.grad_fn
            except RuntimeError:
                fn = None
            if fn is not None:
                head += (f", which is output {getattr(self.tensor, '_output_nr', 0)} of "
                         f"{_short(fn.name())},")
        head += f" is at version {self.storage.version}; expected version {self.version} instead."
        lines = [head, f"  saved for backward by {self.op} at {format_location(self.where)} "
                       f"(version {self.version})"]
        for version, op, where in (getattr(self.storage, "bumps", None) or ()):
            if version > self.version:
                lines.append(f"  modified in place by {op} at {format_location(where)} "
                             f"(now version {version})")
        if len(lines) == 2:
            lines.append("  modified in place by an operation whose location was not recorded")
        return "\n".join(lines)


def _short(name):
    """'SigmoidBackward0' -> 'Sigmoid', 'PowBackward1' -> 'Pow1', as PyTorch names the op in
    this message ('insitu::autograd::CopyBackwards' stays as it is)."""
    stem, sep, number = name.rpartition("Backward")
    if not stem or not (number == "" or number.isdigit()):
        return name
    return stem + ("" if number in ("", "0") else number)


def describe_savers(storage):
    if getattr(storage, "saver", None) is None:
        return "saved by an unknown op"
    op, where = storage.saver
    return f"saved by {op} at {format_location(where)}"
