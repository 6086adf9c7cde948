"""Storage: the buffer a tensor and all its views share, with their one version counter.

Every in-place write bumps `version` exactly once. Saved-for-backward tensors remember the version
they saw, and autograd compares at backward time. While some live graph has saved a tensor of this
storage (`saved > 0`), each bump also records where it happened (`bumps`), so the error can name
the line that modified the tensor; otherwise bumping costs one integer add. Each record also keeps
the array written into and whether the write was made with region tracking on, so autograd can
tell which saved elements it touched (`autograd.regions`); that is worked out only when a
backward, or an error, needs it.
"""
import gc
import sys
import warnings
import weakref

from .. import memory
from ..backend import data_ptr, strided_view, xp

_PKG_DIR = __file__.rsplit("/", 2)[0] + "/"  # .../insitu/


def user_frame(depth=2):
    """(code, instruction offset) of the first caller frame outside the insitu package: the
    user's line, captured cheaply (no line-number lookup, no string formatting, no frame kept
    alive); `format_location` turns it into file:line when an error needs it."""
    f = sys._getframe(depth)
    while f is not None:
        code = f.f_code
        inside = _INSIDE.get(code)
        if inside is None:
            if len(_INSIDE) > 4096:   # code made on the fly (exec in a loop) must not pile up
                _INSIDE.clear()
            fn = code.co_filename
            inside = _INSIDE[code] = fn.startswith(_PKG_DIR) and not fn.endswith("__main__.py")
        if not inside:
            return (code, f.f_lasti)
        f = f.f_back
    return None


_INSIDE = {}   # code object -> is it insitu's own code? (one dict lookup per frame walked)


def inside(filename):
    """Is this source file insitu's own code? (`__main__.py`, the tour, counts as the user's.)"""
    return filename.startswith(_PKG_DIR) and not filename.endswith("__main__.py")


def user_python_frame(depth=2):
    """The first frame outside the insitu package, as a frame object (to read its locals)."""
    f = sys._getframe(depth)
    while f is not None and inside(f.f_code.co_filename):
        f = f.f_back
    return f


def warn_at_user(message, category):
    """warnings.warn attributed to the user's line (the first frame outside insitu)."""
    level, f = 2, sys._getframe(1)
    while f is not None and inside(f.f_code.co_filename):
        f = f.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def user_stacklevel():
    """`stacklevel` for warnings.warn called right here that points at the user's line,
    however many insitu frames lie between (wrappers, generated entry points)."""
    f = sys._getframe(2)          # the caller of warnings.warn's caller
    level = 2
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_PKG_DIR) or fn.endswith("__main__.py"):
            return level
        f = f.f_back
        level += 1
    return 2


def format_location(loc):
    if loc is None:
        return "<unknown>"
    code, lasti = loc
    line = code.co_firstlineno
    for start, end, ln in code.co_lines():
        if start <= lasti < end and ln is not None:
            line = ln
            break
    return f"{code.co_filename}:{line}"


def user_location(depth=2):
    """file:line of the first caller frame outside the insitu package."""
    return format_location(user_frame(depth + 1))


# bits of Storage.special: anything that takes an in-place write off the fast path
SAVED, INFERENCE, READONLY, WATCHED, LINKED = 1, 2, 4, 8, 16
# a tensor that is no view (detach(), .data) shows an array of this storage whose elements
# share memory: in-place writes take the full pipeline, which refuses an expanded tensor and
# writes other such layouts in PyTorch's order
OVERLAPPING = 32
# `.data` was taken of a tensor over this storage: PyTorch gives `.data` a version counter of its
# own, which insitu keeps for the graph only (`tensor.graph_version`); `Storage.aliased` counts
# the writes made through such aliases and their views
DATA_ALIAS = 64
# the bits an in-place write on the generated fast path handles (the write tail sees to them)
FAST_WRITE_BITS = SAVED | DATA_ALIAS


class BumpLog(list):
    """A storage's recorded writes, oldest first, one version apart. `spans` belongs to autograd:
    its cache of their byte spans, to compare many writes at once."""
    __slots__ = ("spans",)


class Storage:
    # refs: its saved tensors, while region tracking is on; linked: see `share_counter`
    __slots__ = ("array", "version", "nbytes", "saved", "special", "bumps", "saver", "watch",
                 "refs", "linked", "aliased", "__weakref__")

    def __init__(self, array, owns=True):
        self.array = array          # the root ndarray (lowest address = element 0)
        self.version = 0
        self.saved = 0              # live SavedTensor references into this storage
        self.special = 0    # SAVED | INFERENCE | READONLY | WATCHED | LINKED | OVERLAPPING | DATA_ALIAS
        # from_numpy memory is NumPy's, not ours: count only what insitu allocated
        n = array.nbytes if owns else 0
        self.nbytes = n
        if not owns and not array.flags.writeable:
            self.special = READONLY
        if n:
            m = _mem
            m[0] += n
            if m[0] > m[1]:
                m[1] = m[0]

    def __del__(self):
        n = self.nbytes
        if n:
            _mem[0] -= n

    def record_bump(self, op_name, arr, by_region, depth=3):
        """After a bump of a storage some live graph saved: remember which op wrote, where, into
        which array, and under which rule (`by_region`). A record is
        [version, op_name, where, array, by_region, bytes covered (False: not yet worked out)]."""
        bumps = getattr(self, "bumps", None)
        if bumps is None:
            bumps = self.bumps = BumpLog()
        bumps.append([self.version, op_name, user_frame(depth), arr, by_region, False])

    def offset_of(self, arr):
        """Element offset of an array's first element inside this storage."""
        return (data_ptr(arr) - data_ptr(self.array)) // arr.itemsize

    def grow(self, n):
        """PyTorch's storage resize for `resize_` and out=: a buffer of `n` elements that starts
        with the old contents (zeros after them here) replaces this one under EVERY tensor on
        this storage: the base, its views and detached aliases keep sharing it, as they share
        PyTorch's one StorageImpl. A rare path (a tensor resized past its storage), so the
        tensors are found through the garbage collector rather than kept in a registry that
        every view would pay for. The root must be C-contiguous. A buffer NumPy owns
        (`from_numpy`) or has been handed (`Tensor.numpy()`) cannot grow, as in PyTorch."""
        old = self.array
        if self in NOT_RESIZABLE or not self.nbytes and old.nbytes:
            raise RuntimeError("Trying to resize storage that is not resizable")
        new = xp.zeros(n, dtype=old.dtype)
        kept = min(old.size, n)
        new[:kept] = old.reshape(-1)[:kept]
        base, end = data_ptr(old), new.nbytes

        def rebase(a):
            off = min(max(data_ptr(a) - base, 0), end) if a.size else 0
            v = strided_view(new, off, a.shape, a.strides)
            if not a.flags.writeable:
                v.flags.writeable = False
            return v

        for r in gc.get_referrers(self):
            if getattr(r, "_storage", None) is self and getattr(r, "_data", None) is not None:
                r._data = rebase(r._data)
            elif getattr(r, "storage", None) is self and \
                    isinstance(getattr(r, "data", None), xp.ndarray):
                r.data = rebase(r.data)         # a saved output's array
        bumps = getattr(self, "bumps", None)
        if bumps:
            for b in bumps:
                if b[3] is not None:
                    b[3] = rebase(b[3])
            bumps.spans = None
        self.array = new
        if self.nbytes:
            _mem[0] += new.nbytes - self.nbytes
            self.nbytes = new.nbytes
            if _mem[0] > _mem[1]:
                _mem[1] = _mem[0]


# storages whose buffer NumPy holds (`Tensor.numpy()`): PyTorch then marks them not resizable
NOT_RESIZABLE = weakref.WeakSet()


def share_counter(old, new):
    """`new` replaces `old` under a tensor that was resized into a new buffer. In PyTorch the
    version counter belongs to the tensor and its views and detached aliases, not to the
    buffer: those still on `old` and the tensor now on `new` keep counting together. The
    storages are linked (weakly: the old buffer is not kept alive for it) and a write into
    either sets the other's version (`autograd.versions.write`)."""
    new.version = old.version
    group = old.linked if old.special & LINKED else [weakref.ref(old)]
    group.append(weakref.ref(new))
    old.linked = new.linked = group
    old.special |= LINKED
    new.special |= LINKED


def sync_linked(st):
    """After a write into `st`: the storages sharing its counter take its version."""
    v = st.version
    group = st.linked
    for r in group:
        o = r()
        if o is not None:
            o.version = v
    if len(group) > 8:     # drop the buffers that are gone
        group[:] = [r for r in group if r() is not None]


_mem = memory._mem
