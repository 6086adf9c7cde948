"""What graphs hold, and keeping in-place writes honest about it.

* `saved_bytes(t)`: bytes the graph behind `t` keeps for backward.
* `t.is_saved` and `can_mutate(t)`: ask before writing in place.
* `copy_for_backward`: the copy an in-place op keeps when its backward needs the value it
  overwrites; reported to `memory.profile()` and, opt-in, by an `InplaceCopyWarning`.
* `allow_mutation_on_saved_tensors()`: in-place writes into saved tensors first copy what the
  graph needs, so backward stays correct.

With region tracking on (`version_tracking`), "saved" means that elements of `t` itself were
saved, and the rescue copies only the saved tensors a write touches.
"""
import os
import weakref

from .. import memory
from ..backend import xp, data_ptr, has_internal_overlap
from ..core.storage import Storage, SAVED, INFERENCE, READONLY, warn_at_user
from ..core.tensor import assemble
from . import strict
from .grad_mode import mode
from .guards import check_autograd
from .recorder import grad_accumulator
from .regions import region, overlaps
from .saved import (SavedTensor, add_save_observer, remove_save_observer, _observers,  # noqa: F401
                    saved_touching, write_region)
from .version_tracking import BY_REGION
from .watch import AdvancedIndexingCopyWarning  # noqa: F401  (public here, with the other)

__all__ = ["saved_bytes", "is_saved", "can_mutate", "allow_mutation_on_saved_tensors",
           "warn_inplace_copies", "InplaceCopyWarning", "AdvancedIndexingCopyWarning"]


class InplaceCopyWarning(UserWarning):
    """An in-place op kept a copy of its input for backward (so it saved no memory)."""


_warn_copies = [os.environ.get("INSITU_WARN_INPLACE_COPIES", "") not in ("", "0")]


def warn_inplace_copies(enabled=True):
    """Emit an InplaceCopyWarning whenever an in-place op keeps a copy of its input for backward
    (also on when the environment variable INSITU_WARN_INPLACE_COPIES=1 is set)."""
    _warn_copies[0] = bool(enabled)


# ------------------------------------------------------------------------- copies for backward

def copy_for_backward(t, op_name):
    """An in-place op whose backward needs the value it overwrites keeps a copy of it (tracked
    by the graph: the copy's own grad_fn leads to the old value's producer)."""
    copy = t.clone()
    n = copy._storage.nbytes
    if memory._profiles:
        memory._note_copy(op_name, n)
    if _warn_copies[0]:
        warn_at_user(f"{op_name} kept a copy of its input for backward ({n} bytes): its gradient needs "
              "the values it overwrites, so this in-place op saved no memory.", InplaceCopyWarning)
    return copy


# ------------------------------------------------------------------------- what a graph holds

def _saved_in(node):
    """The live SavedTensors a node holds (table ops, fused nn ops, custom Functions)."""
    try:
        saved = object.__getattribute__(node, "saved")
    except AttributeError:
        saved = None
    found = list(saved.values() if isinstance(saved, dict) else
                 saved if isinstance(saved, (tuple, list)) else ())
    extra = getattr(node, "__dict__", {}).get("_saved")
    if isinstance(extra, (tuple, list)):
        found.extend(extra)
    return [s for s in found if isinstance(s, SavedTensor) and s.live]


def _private_arrays(node):
    """Arrays a node keeps from its forward that no tensor owns (a fused layer's softmax, say):
    values among its parameters (`ops.derivatives`), never visible to the user."""
    try:
        params = object.__getattribute__(node, "params")
    except AttributeError:
        return ()
    found = []
    for v in params.values() if isinstance(params, dict) else ():
        if isinstance(v, xp.ndarray):
            found.append(v)
        elif isinstance(v, (tuple, list)):
            found.extend(a for a in v if isinstance(a, xp.ndarray))
    return found


def _inner_node(node):
    """The op node wrapped by CopySlices (and similar wrappers), which is not an edge."""
    try:
        inner = object.__getattribute__(node, "fn")
    except AttributeError:
        return None
    return inner if hasattr(inner, "next_functions") else None


def saved_bytes(t):
    """Bytes the graph behind `t` holds for backward: every storage a live saved tensor of that
    graph refers to, counted once (a saved view keeps its whole storage alive), plus private
    arrays fused ops keep. Zero once backward has freed the graph."""
    fn = t.grad_fn
    if fn is None:
        return 0
    seen, storages, arrays = set(), {}, {}
    stack = [fn]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for s in _saved_in(node):
            storages[id(s.storage)] = s.storage.nbytes
        for a in _private_arrays(node):
            arrays[id(a)] = a.nbytes
        inner = _inner_node(node)
        if inner is not None:
            stack.append(inner)
        for nxt, _ in node.next_functions:
            if nxt is not None:
                stack.append(nxt)
    return sum(storages.values()) + sum(arrays.values())


def is_saved(t):
    """Whether a live graph saved (part of) this tensor's storage for backward; with region
    tracking on, (part of) this tensor's own elements."""
    st = t._storage
    if not st.saved:
        return False
    if BY_REGION[0]:
        hits = saved_touching(st, region(t._data))
        if hits is not None:
            return bool(hits)
    return True


def can_mutate(t):
    """Whether an in-place op on `t` is safe now: it would not raise (leaf, view, read-only,
    inference and overlap guards), and no live graph saved `t`'s storage (so no later backward
    fails because of it). Inside `allow_mutation_on_saved_tensors()`, tensors saved there count
    as mutable. With region tracking on, only saved elements of `t` itself count."""
    st = t._storage
    if (st.special & INFERENCE and not mode.inference) or st.special & READONLY:
        return False
    if not t._data.flags.writeable:
        return False
    if st.saved and not _saved_part_mutable(t):
        return False
    if t._base is not None and has_internal_overlap(t._data):
        return False
    if mode.grad:
        try:
            check_autograd(t, False)
        except RuntimeError:
            return False
    return True


def _saved_part_mutable(t):
    """Writing into `t` leaves every live graph able to run backward (rescued if need be)."""
    st = t._storage
    if BY_REGION[0]:
        hits = saved_touching(st, region(t._data))
        if hits is not None:
            if not hits:
                return True
            tracked = {id(s) for s in _live_tracked(st)} if _rescue["depth"] else ()
            return all(id(s) in tracked for s in hits)
    return _all_rescuable(st)


# ------------------------------------------------------------------------- copy-on-write rescue

_rescue = {"depth": 0, "tracked": None}   # tracked: Storage -> [weakref to SavedTensor]


class allow_mutation_on_saved_tensors:
    """Inside this context, an in-place write into a tensor that a graph (recorded inside the
    context) saved for backward first copies the saved part of it, so backward sees the values
    it saved and gradients equal the out-of-place program's. Only what the graph needs is copied
    (a saved view copies the view, not its storage); `memory.profile()` reports the bytes. The
    graph stays valid after the context exits.

        with allow_mutation_on_saved_tensors():
            y = x.exp()        # exp saves its result
            y.mul_(2)          # y's old values are copied into the graph first
            y.sum().backward()
    """

    def __enter__(self):
        if not _rescue["depth"]:
            _rescue["tracked"] = weakref.WeakKeyDictionary()
            add_save_observer(_track)
            strict._rescuer[0] = _rescue_storage
            strict._rearm()
        _rescue["depth"] += 1
        return self

    def __exit__(self, *exc):
        _rescue["depth"] -= 1
        if not _rescue["depth"]:
            remove_save_observer(_track)
            strict._rescuer[0] = None
            strict._rearm()
            _rescue["tracked"] = None
        return False


def _track(saved):
    _rescue["tracked"].setdefault(saved.storage, []).append(weakref.ref(saved))


def _live_tracked(st):
    tracked = _rescue["tracked"]
    refs = tracked.get(st) if tracked is not None else None
    out = []
    for r in refs or ():
        s = r()
        if s is not None and s.live and s.storage is st and s.intact():
            out.append(s)
    return out


def _all_rescuable(st):
    return _rescue["depth"] > 0 and len(_live_tracked(st)) == st.saved


def _rescue_storage(t, op_name):
    """Before a write into `t`: move every tracked saved tensor of its storage (with region
    tracking on, every one the write touches) onto a copy of what it saved. True when the write
    is then safe: nothing saved from the storage is left (or nothing the write touches)."""
    st = t._storage
    copies = {}
    nbytes = 0
    w = write_region(t._data, op_name) if BY_REGION[0] else None
    for s in _live_tracked(st):
        if w is None or overlaps(s.saved_region(), w):
            nbytes += _move_to_copy(s, st, copies)
    if nbytes and memory._profiles:
        memory._note_copy(op_name, nbytes)
    if not st.saved:
        return True
    if w is not None:
        hits = saved_touching(st, w)
        return hits is not None and not hits
    return False


def _move_to_copy(s, st, copies):
    arr = s.data if s.is_output else s.tensor._data
    key = (data_ptr(arr), arr.shape, arr.strides)
    got = copies.get(key)
    n = 0
    if got is None:
        c = arr.copy(order="K")
        new = Storage(c)
        new.saver = getattr(st, "saver", None)
        got = copies[key] = [c, new, None]
        n = c.nbytes
    c, new, alias = got
    st.saved -= 1
    if not st.saved:
        st.special &= ~SAVED
        st.bumps = None
    new.saved += 1
    new.special |= SAVED
    if s.is_output:
        s.rebase(new, c)
    else:
        if alias is None:
            alias = got[2] = _alias_with_history(s.tensor, c, new)
        s.rebase(new, alias)
    _track(s)
    return n


def _alias_with_history(t, arr, storage):
    """A tensor over the copied values with t's autograd history (grad_fn, or t's gradient
    accumulator for a leaf), so a create_graph backward still differentiates through it."""
    a = assemble(arr, t._dtype, storage)
    a._requires_grad = t._requires_grad
    try:
        fn = t.grad_fn
    except RuntimeError:
        fn = None
    a._grad_fn = fn
    if fn is not None:
        a._output_nr = getattr(t, "_output_nr", 0)
    elif t._requires_grad:
        acc = grad_accumulator(t)
        a._acc = weakref.ref(acc)
        a.__dict__["_acc_keep"] = acc     # the leaf holds its accumulator weakly; keep it here
    return a
