"""Tensors saved for backward: version-checked, and located.

A SavedTensor remembers the storage version it saw and where it was saved (op name and the user's
file:line). Unpacking at backward compares versions; on a mismatch the error is PyTorch's message
followed by the line that saved the tensor and every in-place write since (recorded by the storage
while it is saved), so no anomaly mode is needed to find the culprit.

A mismatch is forgiven only when every write since was made with region tracking on
(`version_tracking`) and none touched the elements saved (`regions.overlaps`); that work happens
on the mismatch, never on the equal-versions path. While region tracking is on, each storage also
lists its saved tensors (weakly), so strict mode, `can_mutate`, `is_saved` and the copy-on-write
rescue can ask which of them a write touches (`saved_touching`).
"""
import weakref

from ..backend import xp
from ..core.storage import user_frame, format_location
from ..core.tensor import assemble
from .grad_mode import mode
from .regions import region, overlaps, EVERYTHING


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
                 "output_nr", "live", "region", "clean", "view_fn", "__weakref__")
    # region, clean: set only when a version mismatch is examined (the bytes saved, and the
    # version up to which every write is known to have missed them)

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
            fn = t._grad_fn     # `_output_nr` is set only on outputs of multi-output nodes
            self.output_nr = t._output_nr if fn is not None and fn.num_outputs != 1 else 0
            # the output of an in-place op on a view: PyTorch's error names the view's grad_fn
            # as it was when saved (its AsStridedBackward0), while that node lives
            self.view_fn = None if t._base is None or fn is None else weakref.ref(fn)
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
        if self.storage.version != self.version and not self.intact():
            raise RuntimeError(self._modified_message(node))
        if not self.is_output and self.had_grad_fn and self.tensor._grad_fn is None \
                and not self.tensor._requires_grad:
            raise RuntimeError(_DETACHED)

    def unpack(self, node):
        self._check(node)
        return self.value(node)

    def value(self, node):
        """The saved tensor, unchecked: for a node that has checked all it saved (in PyTorch's
        order) before its formulas run."""
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
        return self.value_data()

    def value_data(self):
        """The saved array, unchecked (see `value`)."""
        return self.data if self.is_output else self.tensor._data

    def intact(self):
        """Are the saved values still the ones saved? Yes when the version has not moved, or when
        every write since was made with region tracking on and none touched the elements saved
        (remembered, so each write is examined once)."""
        st = self.storage
        now = st.version
        since = getattr(self, "clean", self.version)
        if now == since:
            return True
        start = _first_after(st, since)
        if start is None:
            return False
        bumps = st.bumps
        if len(bumps) - start >= SCAN_FROM:
            ok = self._missed_by_all(bumps, start)
        else:
            ok = self._missed_by(bumps[start:])
        if ok:
            self.clean = now
        return ok

    def _missed_by(self, later):
        """Were all of these writes made by region, and none into the saved elements?"""
        for b in later:
            if not b[4]:           # made under the storage rule: it invalidates every saved tensor
                return False
        mine = self.saved_region()
        if mine is EVERYTHING:
            return False
        if mine is None:
            return True
        lo, hi = mine[0], mine[1]
        for b in later:
            r = b[5]
            if r is False:
                r = bump_region(b)
            if r is None:
                continue
            if r is EVERYTHING:
                return False
            if r[1] < lo or r[0] > hi:      # outside the span: the common case
                continue
            if overlaps(mine, r):
                return False
        return True

    def _missed_by_all(self, bumps, start):
        """`_missed_by(bumps[start:])` for many writes: their spans compared as arrays, only the
        writes whose span meets the saved one tested exactly."""
        lo, hi, by_region = _spans(bumps)
        if not by_region[start:].all():
            return False
        mine = self.saved_region()
        if mine is EVERYTHING:
            return False
        if mine is None:
            return True
        near = xp.flatnonzero((lo[start:] <= mine[1]) & (hi[start:] >= mine[0]))
        for i in near.tolist():
            if overlaps(mine, bump_region(bumps[start + i])):
                return False
        return True

    def saved_region(self):
        """The bytes saved (EVERYTHING when unknown: the tensor now shows another storage)."""
        r = getattr(self, "region", False)
        if r is False:
            if self.is_output:
                r = region(self.data)
            elif self.tensor._storage is self.storage:
                r = region(self.tensor._data)
            else:
                return EVERYTHING
            self.region = r
        return r

    def rebase(self, storage, saved):
        """Point at a copy of what was saved (`saved`: the copy's array for an output, else a tensor
        over it), in `storage`: the copy-on-write rescue."""
        self.storage = storage
        self.version = storage.version
        self.region = False
        self.clean = storage.version
        if self.is_output:
            self.data = saved
        else:
            self.tensor = saved
        if _registering[0]:
            _register(self)

    def _modified_message(self, node):
        shape = list(self.data.shape if self.is_output else self.tensor._data.shape)
        dtype = self.dtype if self.is_output else self.tensor._dtype
        # PyTorch names a tensor by its legacy type (insitu.FloatTensor); bool has none, and is
        # named by its backend and scalar type
        kind = "CPUBoolType" if dtype.legacy == "Bool" else f"insitu.{dtype.legacy}Tensor"
        head = (f"one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{kind} [{', '.join(map(str, shape))}]]")
        if self.is_output:
            fn = self.view_fn and self.view_fn()
            head += f", which is output {self.output_nr} of {_short((fn or node).name())},"
        else:
            # the tensor's grad_fn as it is now; a view whose grad_fn cannot be regenerated
            # (made by a multi-output op, in no_grad mode...) raises that error instead
            fn = self.tensor.grad_fn
            if fn is not None:
                head += (f", which is output {getattr(self.tensor, '_output_nr', 0)} of "
                         f"{_short(fn.name())},")
        head += f" is at version {self.storage.version}; expected version {self.version} instead."
        lines = [head, f"  saved for backward by {self.op} at {format_location(self.where)} "
                       f"(version {self.version})"]
        later = _bumps_since(self.storage, self.version)
        mine = self.saved_region()
        missed = later is not None      # every write since is known, and none touched the elements
        for b in later or ():
            if overlaps(mine, bump_region(b)):
                missed = False
            elif b[4]:                  # tracked by region and disjoint: not what invalidated it
                continue
            lines.append(f"  modified in place by {b[1]} at {format_location(b[2])} "
                         f"(now version {b[0]})")
        if len(lines) == 2:
            lines.append("  modified in place by an operation whose location was not recorded")
        if missed:
            lines.append("  none of these writes touched the elements saved here: under "
                         "insitu.autograd.region_versions() (versions tracked by region) they "
                         "would not invalidate it")
        return "\n".join(lines)


def _short(name):
    """'SigmoidBackward0' -> 'Sigmoid', 'PowBackward1' -> 'Pow1', as PyTorch names the op in
    this message ('insitu::autograd::CopyBackwards' stays as it is)."""
    stem, sep, number = name.rpartition("Backward")
    if not stem or not (number == "" or number.isdigit()):
        return name
    return stem + ("" if number in ("", "0") else number)


def _first_after(st, version):
    """Index of the storage's first recorded write after `version`, or None when some writes
    since were not recorded. Records are one version apart."""
    bumps = getattr(st, "bumps", None)
    if not bumps:
        return None
    start = len(bumps) - (st.version - version)
    if start < 0 or bumps[start][0] != version + 1:
        return None
    return start


def _bumps_since(st, version):
    """The storage's recorded writes after `version`, or None when some were not recorded."""
    start = _first_after(st, version)
    return None if start is None else st.bumps[start:]


SCAN_FROM = 64              # from this many writes to examine, spans are compared as arrays
_FAR = 2 ** 62              # beyond any address


def _spans(bumps):
    """(first byte, last byte, made by region) of every record, as arrays cached on the log and
    extended as it grows: each write's region is worked out once."""
    cached = getattr(bumps, "spans", None)
    n = len(bumps)
    if cached is not None and cached[3] == n:
        return cached[0][:n], cached[1][:n], cached[2][:n]
    lo, hi, by_region, done = cached if cached is not None else (None, None, None, 0)
    if lo is None or len(lo) < n:
        size = max(64, 2 * n)
        grown = xp.empty(size, xp.int64), xp.empty(size, xp.int64), xp.empty(size, bool)
        if lo is not None:
            for new, old in zip(grown, (lo, hi, by_region)):
                new[:done] = old[:done]
        lo, hi, by_region = grown
    for i in range(done, n):
        b = bumps[i]
        r = bump_region(b)
        if r is None:
            lo[i], hi[i] = _FAR, -1                 # empty: meets nothing
        elif r is EVERYTHING:
            lo[i], hi[i] = -1, _FAR
        else:
            lo[i], hi[i] = r[0], r[1]
        by_region[i] = b[4]
    bumps.spans = (lo, hi, by_region, n)
    return lo[:n], hi[:n], by_region[:n]


def bump_region(b):
    """The bytes a recorded write covered (computed once, from the array it wrote into)."""
    r = b[5]
    if r is False:
        r = b[5] = write_region(b[3], b[1])
        b[3] = None
    return r


def write_region(arr, op_name):
    """The bytes a write into `arr` covers. resize_ changes the geometry of the tensor it resizes,
    so it counts as a write of everything."""
    return EVERYTHING if op_name == "resize_" else region(arr)


def describe_saver(s):
    return f"saved by {s.op} at {format_location(s.where)}"


def describe_savers(storage):
    if getattr(storage, "saver", None) is None:
        return "saved by an unknown op"
    op, where = storage.saver
    return f"saved by {op} at {format_location(where)}"


# ------------------------------------------------------------------------- who saved what

_observers = []
_registering = [False]      # region tracking is on: each storage lists its saved tensors
_plain_init = SavedTensor.__init__
_ref = weakref.ref


def _register(s):
    """List `s` in its storage's `refs`: one weak reference while it is the storage's only saved
    tensor (the common case: one allocation per save), a list of them once there are more."""
    st = s.storage
    if st.saved > 1:            # alone, it starts afresh: the older entries are all dead
        refs = getattr(st, "refs", None)
        if refs.__class__ is list:
            refs.append(_ref(s))
            return
        if refs is not None:
            st.refs = [refs, _ref(s)]
            return
    st.refs = _ref(s)


def _registered_init(self, t, op, is_output=False, depth=3, where=None):
    _plain_init(self, t, op, is_output, depth + 1, where)
    _register(self)


def _observed_init(self, t, op, is_output=False, depth=3, where=None):
    _plain_init(self, t, op, is_output, depth + 1, where)
    if _registering[0]:
        _register(self)
    for fn in _observers:
        fn(self)


def _install():
    """SavedTensor's own __init__ unless saves are observed or registered: saving costs nothing
    extra in the common case."""
    SavedTensor.__init__ = (_observed_init if _observers else
                            _registered_init if _registering[0] else _plain_init)


def add_save_observer(fn):
    """Call fn(saved_tensor) on every save until removed."""
    _observers.append(fn)
    _install()


def remove_save_observer(fn):
    _observers.remove(fn)
    _install()


def register_saves(enabled):
    _registering[0] = bool(enabled)
    _install()


def saved_on(st):
    """The live SavedTensors of storage `st`, or None when some were saved without being
    registered (region tracking was off)."""
    if not st.saved:
        return []
    refs = getattr(st, "refs", None)
    if refs is None:
        return None
    if refs.__class__ is not list:
        refs = [refs]
    live = []
    for r in refs:
        s = r()
        if s is not None and s.live and s.storage is st:
            live.append(s)
    if len(live) != len(refs):
        st.refs = [_ref(s) for s in live]
    return live if len(live) == st.saved else None


def saved_touching(st, r):
    """The live SavedTensors of `st` whose saved bytes overlap region `r`, or None when not every
    saved tensor of `st` is known."""
    live = saved_on(st)
    if live is None:
        return None
    return [s for s in live if overlaps(s.saved_region(), r)]
