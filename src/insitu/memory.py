"""CPU memory accounting for tensor storage: exact bytes, always on.

Every Storage that insitu allocates adds its byte count here when created and removes it when
freed, so `allocated()` is the bytes of tensor storage alive right now and `peak()` the most since
the last `reset_peak()`. Memory that NumPy owns (from_numpy) is not counted.

`profile()` adds a per-op view for a block of code:

    with insitu.memory.profile() as prof:
        loss = model(x).sum()
        loss.backward()
    print(prof)            # op, calls, allocated, saved, copied; then the peak
    prof.rows, prof.peak   # the same as data

Profiling wraps the op entry points (Tensor methods, `insitu.*`, `insitu.nn.functional.*`) for
the duration of the block only, so it costs nothing outside it. An op called by another op is
counted as part of the outer one. Functions imported by name before the block (`from insitu
import add`) are not wrapped.
"""
import sys
import types
import weakref

__all__ = ["allocated", "peak", "reset_peak", "profile"]

# [bytes alive now, peak]; Storage updates it inline (a list is the cheapest shared counter)
_mem = [0, 0]


def allocated():
    """Bytes of tensor storage alive now."""
    return _mem[0]


def peak():
    """Most bytes of tensor storage alive at once since the last reset_peak()."""
    return _mem[1]


def reset_peak():
    """Restart `peak()` from the bytes alive now."""
    _mem[1] = _mem[0]


# ------------------------------------------------------------------------- profile

_profiles = []          # active profile() blocks, innermost last
_current = [None]       # name of the outermost op running under profiling, if any
_wrapped = []           # (namespace dict or class, name, original function)

_COLUMNS = ("allocated", "saved", "copied")


class profile:
    """Per-op memory table for a block of code.

    Rows (`.rows`, a list of dicts in first-call order) have:
      op         the op's name (`add`, `add_`, `relu`, `getitem`, ...)
      calls      how many times it ran
      allocated  bytes of new tensor storage its results own
      saved      bytes of tensor storage its backward node keeps (saved inputs or outputs, masks,
                 copies); each storage is counted once, at the first op that saved it
      copied     bytes copied so backward sees values an in-place write overwrote: the copy an
                 in-place op keeps of its input, or what allow_mutation_on_saved_tensors() copies
    `.peak` is the most tensor-storage bytes alive at once inside the block (the same figure as
    `memory.peak()`), `.start`/`.end` the bytes alive when it began and ended. The global
    `peak()` is not reset by a profile: afterwards it is the larger of both.
    """

    def __init__(self):
        self._rows = {}
        self.peak = self.start = self.end = None

    @property
    def rows(self):
        """The rows, as a list of dicts (copies) in first-call order."""
        return [dict(r) for r in self._rows.values()]

    def __enter__(self):
        self._rows = {}
        self._results = weakref.WeakSet()   # storages counted as allocated
        self._held = weakref.WeakSet()      # storages counted as saved
        self.start = _mem[0]
        self._outer_peak = _mem[1]
        _mem[1] = _mem[0]
        if not _profiles:
            _install()
        _profiles.append(self)
        return self

    def __exit__(self, *exc):
        _profiles.remove(self)
        if not _profiles:
            _uninstall()
        self.peak = _mem[1]
        self.end = _mem[0]
        _mem[1] = max(self._outer_peak, _mem[1])
        return False

    def _row(self, name):
        r = self._rows.get(name)
        if r is None:
            r = self._rows[name] = {"op": name, "calls": 0, "allocated": 0, "saved": 0,
                                    "copied": 0}
        return r

    def total(self, column):
        """The sum of one column (`calls`, `allocated`, `saved` or `copied`) over the rows."""
        return sum(r[column] for r in self._rows.values())

    def __str__(self):
        head = ("op", "calls") + _COLUMNS
        lines = [head] + [tuple(str(r[c]) for c in ("op", "calls") + _COLUMNS)
                          for r in self._rows.values()]
        lines.append(("total", str(self.total("calls"))) + tuple(str(self.total(c))
                                                                 for c in _COLUMNS))
        widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
        out = [f"{row[0]:<{widths[0]}}" + "".join(f"  {v:>{w}}" for v, w in
                                                  zip(row[1:], widths[1:])) for row in lines]
        out.append(f"peak {self.peak} bytes (start {self.start}, end {self.end})"
                   if self.peak is not None else "peak: (still profiling)")
        return "\n".join(out)

    __repr__ = __str__


def _note_copy(op_name, nbytes):
    """An in-place write made a copy of `nbytes` for backward (graph.copy_for_backward, rescue)."""
    name = _current[0] or op_name
    for p in _profiles:
        p._row(name)["copied"] += nbytes


def _note_save(saved):
    """A SavedTensor was made: its storage is now held by the graph (graph.add_save_observer)."""
    st = saved.storage
    name = _current[0] or saved.op
    for p in _profiles:
        if st not in p._held:
            p._held.add(st)
            p._row(name)["saved"] += st.nbytes


def _note_call(name, args, kwargs, result):
    Tensor = sys.modules["insitu.core.tensor"].Tensor   # loaded: profile() runs on tensors
    outs = _tensors(result, Tensor)
    for p in _profiles:
        if not outs and name not in p._rows:
            continue                 # size(), item(), ...: not an op on tensor memory
        row = p._row(name)
        row["calls"] += 1
        if outs:
            inputs = {id(t._storage) for t in _tensors((args, kwargs), Tensor)}
            for t in outs:
                st = t._storage
                if id(st) not in inputs and st not in p._results:
                    p._results.add(st)
                    row["allocated"] += st.nbytes


def _tensors(obj, Tensor, depth=0):
    if isinstance(obj, Tensor):
        return [obj]
    if depth < 2 and isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _tensors(o, Tensor, depth + 1)]
    if depth < 2 and isinstance(obj, dict):
        return [t for o in obj.values() for t in _tensors(o, Tensor, depth + 1)]
    return []


def _traced(name, fn):
    def traced(*args, **kwargs):
        if _current[0] is not None:          # called by another op: part of that op
            return fn(*args, **kwargs)
        _current[0] = name
        result = None
        try:
            result = fn(*args, **kwargs)
            return result
        finally:
            _current[0] = None
            _note_call(name, args, kwargs, result)
    traced.__name__ = getattr(fn, "__name__", name)
    traced.__qualname__ = getattr(fn, "__qualname__", name)
    traced.__doc__ = fn.__doc__
    traced.__wrapped__ = fn
    return traced


TRACED_CODE = _traced("", lambda: None).__code__   # the wrappers' code (graph.watch_copy)


# protocol methods of Tensor that are not operations on tensor memory
_NOT_OPS = {"__init__", "__new__", "__repr__", "__str__", "__format__", "__len__", "__iter__",
            "__hash__", "__bool__", "__float__", "__int__", "__index__", "__complex__",
            "__array__", "__deepcopy__", "__reduce_ex__", "__reduce__", "__getstate__",
            "__setstate__", "__del__", "__getattr__", "__getattribute__", "__setattr__",
            "__dir__", "__sizeof__", "__init_subclass__", "__contains__", "__array_wrap__",
            "__array_priority__", "__torch_function__", "__class_getitem__"}


def _op_name(attr, fn):
    name = getattr(fn, "__name__", attr)
    if name.startswith("__") and name.endswith("__"):
        name = name[2:-2]
        if name.startswith("r") and attr.startswith("__r") and name[1:] in _OPERATOR_BASES:
            name = name[1:]           # __rmul__ -> mul
    return name


_OPERATOR_BASES = {"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and",
                   "or", "xor", "lshift", "rshift", "div"}


def _targets():
    spaces = [sys.modules["insitu.core.tensor"].Tensor, sys.modules["insitu"]]
    for mod in ("insitu.nn.functional", "insitu.linalg", "insitu.fft", "insitu.special"):
        if mod in sys.modules:
            spaces.append(sys.modules[mod])
    for space in spaces:
        for attr, fn in list(vars(space).items()):
            if type(fn) is not types.FunctionType or attr in _NOT_OPS:
                continue
            if attr.startswith("_") and not (attr.startswith("__") and attr.endswith("__")):
                continue
            yield space, attr, fn


def _graph():
    # memory is the bottom layer (storage counts its bytes here); the saved-tensor observer it
    # needs while profiling lives in autograd, which is loaded by then
    return sys.modules["insitu.autograd.graph"]


def _install():
    graph = _graph()
    for space, attr, fn in _targets():
        setattr(space, attr, _traced(_op_name(attr, fn), fn))
        _wrapped.append((space, attr, fn))
    graph.add_save_observer(_note_save)


def _uninstall():
    graph = _graph()
    graph.remove_save_observer(_note_save)
    while _wrapped:
        space, attr, fn = _wrapped.pop()
        setattr(space, attr, fn)
