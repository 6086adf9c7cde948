"""The write tail: every write into a tensor's memory ends in `write`.

In-place ops, `out=` results, `__setitem__`, `copy_`, optimizer updates, `resize_` and a custom
Function's `mark_dirty` all call `write(t, op_name, kernel, *args)`. It refuses writes that must
not happen (inference tensors outside inference mode, read-only NumPy memory), gives strict mode
and the copy-on-write rescue their turn while the saved values are still intact, runs the kernel,
and then bumps the version counter: the one place in insitu where a version is incremented. When
a live graph has saved part of the storage, the bump is recorded with the op's name and the
user's line, which is how a failing backward can name the line that modified a saved tensor; the
record also keeps the array written into and whether region tracking was on
(`version_tracking`), which is all the region rule needs from a write.

A kernel that raises leaves the data and the version as they were.
"""
from ..core.state import mode
from ..core.storage import DATA_ALIAS, SAVED, INFERENCE, LINKED, READONLY, WATCHED, sync_linked
from ..core.tensor import count_write
from . import strict, watch
from .version_tracking import BY_REGION

INFERENCE_WRITE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone "
    "to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details.")


def write(t, op_name, kernel=None, *args):
    """Write into `t` with `kernel(*args)` (None: the caller already wrote, as a custom Function's
    forward does before mark_dirty), then bump its version once. Returns `t`. Into a storage
    with no `special` bit nothing is checked before the kernel, so a caller that has read
    `special == 0` may run its kernel itself and then call `write(t, op_name)` (the generated
    in-place fast paths do)."""
    st = t._storage
    special = st.special
    if special:
        check_writable(t, op_name)
        if special & SAVED:
            strict.check(t, op_name)
        if special & WATCHED:
            watch.check_watched(t, op_name)
    if kernel is not None:
        kernel(*args)
    st.version += 1
    if special:     # a storage some graph saved has the SAVED bit
        if special & LINKED:
            sync_linked(st)
        if special & DATA_ALIAS:
            count_write(t)
        if st.saved:
            st.record_bump(op_name, t._data, BY_REGION[0])
    return t


def inference_write_refused(t):
    """A write into an inference tensor outside inference mode is refused, unless `t` is a
    `detach()` or `.data` of one made outside inference mode: PyTorch gives those a version
    counter of their own, so they may be written (their views have none, and may not)."""
    return bool(t._storage.special & INFERENCE) and not mode.inference \
        and "_version_from" not in t.__dict__


def check_writable(t, op_name):
    """The refusals that do not depend on autograd: inference tensors and read-only memory."""
    st = t._storage
    if inference_write_refused(t):
        raise RuntimeError(INFERENCE_WRITE)
    if st.special & READONLY or not t._data.flags.writeable:
        raise RuntimeError(
            f"{op_name}: cannot write into this tensor: its memory is a read-only NumPy array "
            "(from_numpy of a non-writeable array). Copy it first: insitu.tensor(array) or .clone().")
