"""Running a program on one library and recording what can be observed of it.

`run(program, lib)` executes the statements one at a time (a statement that raises is recorded
and the program goes on), and returns a `Trace`: an ordered list of `(key, value)` where key is
`(location, field)`. After each statement it records the exception (type and first sentence, or
None) and observes the tensors the statement defined or wrote into; at the end it observes every
variable, `str()` included. Observing a tensor reads, in this order, its shape, dtype,
`requires_grad`, `is_leaf`, `grad_fn` name, `_version`, values and `.grad`
(each read may raise, which is recorded as its value).

It also records facts the comparer's rules need (`Trace.events`): an in-place write whose
operand partially shares memory with the written tensor (`overlap`), a statement outside
inference mode reading an inference tensor (`inference-read`), a defined tensor sharing the memory
of one it read (`shares-version NAME`), and the marks the generator put on statements
(`data-write`, ...).
"""
import builtins
import re
import warnings

import numpy as np

from .program import HELPERS, Block, helpers_used

_CODE = {}      # source -> code object (both libraries run the same statements)
_HELPERS = {}   # (library name, helper name) -> the class it defines


class Trace:
    __slots__ = ("items", "events", "raised")

    def __init__(self):
        self.items = []      # ((location, field), value)
        self.events = []     # (location, event)
        self.raised = set()  # top-level statement indices that raised


class Raised:
    """An exception as the comparer sees it: its type's name and the message's first
    sentence (library prefixes read as insitu's)."""
    __slots__ = ("type", "sentence", "message")

    def __init__(self, e):
        self.type = type(e).__name__
        self.message = normalize(str(e))
        self.sentence = first_sentence(self.message)

    def __eq__(self, other):
        return isinstance(other, Raised) and (self.type, self.sentence) == (other.type,
                                                                           other.sentence)

    def __repr__(self):
        return f"{self.type}: {self.sentence}"


_SENTENCE_END = re.compile(r"\.(\s|$)")


def normalize(text):
    return text.replace("torch.", "insitu.").replace("torch::", "insitu::")


def first_sentence(message):
    line = message.strip().split("\n", 1)[0]
    m = _SENTENCE_END.search(line)
    return (line[:m.start() + 1] if m else line).strip()


def compiled(code, mode="exec"):
    c = _CODE.get((code, mode))
    if c is None:
        if len(_CODE) > 20000:
            _CODE.clear()
        c = _CODE[(code, mode)] = compile(code, "<fuzz>", mode)
    return c


def namespace(lib, program):
    ns = {"torch": lib, "__builtins__": builtins}
    for name in helpers_used(program):
        key = (lib.__name__, name)
        cls = _HELPERS.get(key)
        if cls is None:
            scratch = {"torch": lib, "__builtins__": builtins}
            exec(compiled(HELPERS[name]), scratch)
            cls = _HELPERS[key] = scratch[name]
        ns[name] = cls
    return ns


def run(program, lib, final=True):
    trace = Trace()
    ns = namespace(lib, program)
    names = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            for i, s in enumerate(program):
                loc = str(i)
                if isinstance(s, Block):
                    if _run_block(s, ns, loc, trace, lib, names):
                        trace.raised.add(i)
                elif _run_stmt(s, ns, loc, trace, lib, names):
                    trace.raised.add(i)
            if final:
                lib.set_grad_enabled(True)
                for name in names:
                    if name in ns:
                        observe(ns[name], lib, trace, ("end", name), True)
        finally:
            lib.set_grad_enabled(True)
    return trace


def _shared_counters(s, ns, loc, trace, lib):
    """`shares-version NAME`: a tensor the statement defined shares the memory, and so (a view,
    an alias, the same tensor) the version counter, of tensor NAME that it read."""
    for name in s.defines:
        t = ns.get(name)
        if not isinstance(t, lib.Tensor) or t.is_inference():
            continue
        ptr = t.untyped_storage().data_ptr()
        for r in s.reads:
            u = ns.get(r)
            if isinstance(u, lib.Tensor) and not u.is_inference() \
                    and u.untyped_storage().data_ptr() == ptr:
                trace.events.append((loc, "shares-version " + r))


def _run_stmt(s, ns, loc, trace, lib, names):
    """Run one statement; returns whether it raised."""
    overlap = s.writes is not None and _partial_overlap(ns, s, lib)
    if lib.__name__ == "torch" and not lib.is_inference_mode_enabled() and any(
            isinstance(ns.get(r), lib.Tensor) and ns[r].is_inference() for r in s.reads):
        trace.events.append((loc, "inference-read"))
    err = None
    try:
        exec(compiled(s.code), ns)
    except Exception as e:   # noqa: BLE001 (any exception is an observation)
        err = Raised(e)
    trace.items.append(((loc, "raise"), err))
    if err is None and overlap:
        trace.events.append((loc, "overlap"))
    if err is None and lib.__name__ == "torch":
        _shared_counters(s, ns, loc, trace, lib)
    for m in s.marks:
        trace.events.append((loc, m))
    for name in s.defines + ((s.writes,) if s.writes else ()):
        if name not in names:
            names.append(name)
        if name in ns:
            observe(ns[name], lib, trace, (loc, name), False)
    return err is not None


def _run_block(b, ns, loc, trace, lib, names):
    try:
        cm = eval(compiled(b.context, "eval"), ns)
        cm.__enter__()
    except Exception as e:   # noqa: BLE001
        trace.items.append(((loc, "raise"), Raised(e)))
        return True
    trace.items.append(((loc, "raise"), None))
    raised = False
    try:
        for j, s in enumerate(b.body):
            if _run_stmt(s, ns, f"{loc}.{j}", trace, lib, names):
                raised = True
                break          # as the block's source runs: the rest of the body is skipped
    finally:
        cm.__exit__(None, None, None)
    return raised


# ------------------------------------------------------------------------- observing values

def observe(v, lib, trace, key, full):
    loc, name = key
    items = trace.items
    if isinstance(v, lib.Tensor):
        _observe_tensor(v, lib, items, loc, name, full)
    elif isinstance(v, (tuple, list)):
        items.append(((loc, name + ".len"), len(v)))
        for i, e in enumerate(v):
            observe(e, lib, trace, (loc, f"{name}[{i}]"), full)
    elif v is None or isinstance(v, (bool, int, float, str)):
        items.append(((loc, name), v))
    else:
        items.append(((loc, name + ".type"), type(v).__name__))


def _read(fn):
    try:
        return fn()
    except Exception as e:   # noqa: BLE001
        return Raised(e)


def _dtype_name(t):
    return str(t.dtype).rsplit(".", 1)[-1]


def _values(t):
    # through a copy: torch's .numpy() makes the tensor's own storage non-resizable, which
    # would change what a later out= (a resize) does
    return t.detach().clone().numpy()


def _grad_fn_name(t):
    fn = t.grad_fn
    return None if fn is None else type(fn).__name__


def _observe_tensor(t, lib, items, loc, name, full):
    items.append(((loc, name + ".shape"), tuple(t.shape)))
    items.append(((loc, name + ".dtype"), _dtype_name(t)))
    items.append(((loc, name + ".requires_grad"), _read(lambda: t.requires_grad)))
    items.append(((loc, name + ".is_leaf"), _read(lambda: t.is_leaf)))
    items.append(((loc, name + ".grad_fn"), _read(lambda: _grad_fn_name(t))))
    items.append(((loc, name + ".version"), _read(lambda: t._version)))
    items.append(((loc, name + ".values"), _read(lambda: _values(t))))
    g = _read(lambda: t.grad)
    if g is None or isinstance(g, Raised):
        items.append(((loc, name + ".grad"), g))
    else:
        items.append(((loc, name + ".grad"), "tensor"))
        items.append(((loc, name + ".grad.dtype"), _dtype_name(g)))
        items.append(((loc, name + ".grad.shape"), tuple(g.shape)))
        items.append(((loc, name + ".grad.values"), _read(lambda: _values(g))))
        items.append(((loc, name + ".grad.grad_fn"), _read(lambda: _grad_fn_name(g))))
    if full:
        items.append(((loc, name + ".str"), _read(lambda: normalize(str(t)))))


# ------------------------------------------------------------------------- memory overlap

def _partial_overlap(ns, s, lib):
    """Whether an operand of an in-place write shares some, but not all, of the written
    tensor's memory (or all of it laid out differently)."""
    out = ns.get(s.writes)
    if not isinstance(out, lib.Tensor) or lib.__name__ != "torch":
        return False
    for r in s.reads:
        inp = ns.get(r)
        if isinstance(inp, lib.Tensor) and inp is not out and _shares_partially(out, inp):
            return True
    for expr in s.operands:         # a view made in the statement itself (`x[0]`)
        try:
            inp = eval(expr, ns)    # noqa: S307 (the program's own expression)
        except Exception:   # noqa: BLE001 (the statement itself raises then)
            continue
        if isinstance(inp, lib.Tensor) and _shares_partially(out, inp):
            return True
    return False


def _elements(t):
    es = t.element_size()
    start = t.untyped_storage().data_ptr() + t.storage_offset() * es
    if t.numel() == 0:
        return set()
    idx = np.zeros((), dtype=np.int64)
    for n, st in zip(t.shape, t.stride()):
        idx = idx[..., None] + np.arange(n) * st * es
    return {int(x) + start + b for x in idx.reshape(-1) for b in range(es)}


def _shares_partially(out, inp):
    if out.untyped_storage().data_ptr() != inp.untyped_storage().data_ptr():
        return False
    if (out.storage_offset(), tuple(out.shape), out.stride()) == \
            (inp.storage_offset(), tuple(inp.shape), inp.stride()):
        return False
    return bool(_elements(out) & _elements(inp))
