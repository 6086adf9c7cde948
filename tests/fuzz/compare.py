"""Comparing two traces of one program: torch's (the oracle) and insitu's.

Values are compared bit for bit where PyTorch's kernels are exact, and within a few units in
the last place otherwise (transcendental kernels round differently); nan and infinities must sit
in the same places, and a zero must have the same sign. Exceptions compare by type and first
sentence. Everything else (dtype, shape, requires_grad, is_leaf, grad_fn name, _version, str,
Python values) compares exactly.

The deliberate differences of insitu (docs/differences.md) are excluded by rule, here and only
here: `RULES` names each one as that document does (tests/fuzz/test_fuzz.py checks that the two
lists agree). A rule says which fields stop being compared after which event of the program.
"""
import re

import numpy as np

from .execute import Raised

LOCATED_ERRORS = "located-errors"
OVERLAP = "overlap-as-if-copied"
DATA_VERSION = "data-shares-version"
GRADIENT_VERSIONS = "gradient-versions"
INFERENCE_RESULTS = "inference-result-versions"
FAILED_WRITES = "failed-writes-write-nothing"
RULES = {
    LOCATED_ERRORS: "messages compare by their first sentence: insitu replaces PyTorch's hint "
                    "after it with the lines that saved and modified the tensor",
    OVERLAP: "after an in-place write whose operand partially shares memory with the written "
             "tensor (and that PyTorch does not refuse), values are not compared: insitu "
             "computes as if the operand had been copied first",
    DATA_VERSION: "once a program takes `.data`, `_version` is not compared; after an in-place "
                  "write through `.data` (or a view of it), the comparison stops where only "
                  "insitu raises the version-counter error",
    GRADIENT_VERSIONS: "the `_version` of a gradient (from autograd.grad or .grad) is not "
                       "compared: it counts the in-place steps of PyTorch's backward internals",
    INFERENCE_RESULTS: "the `_version` of a tensor made outside inference mode from an "
                       "inference tensor (or of a view or alias of one) is not compared: "
                       "PyTorch's starts at 1 for some ops (clone, to, sum...), insitu's at 0",
    FAILED_WRITES: "after an index, scatter or masked write, an integer division, a write into "
                   "an inference tensor or an `out=` call whose kernel has no such dtype (or "
                   "whose storage cannot grow) that raised in both libraries, values and shapes "
                   "are not compared: PyTorch's kernel leaves what it wrote (and an `out=` "
                   "resized), insitu writes nothing",
}

# the statements whose kernels check their elements as they write them (FAILED_WRITES): these
# ops in place or with out=, augmented integer division, and assignment through an index
_WRITES_AS_THEY_CHECK = re.compile(
    r"\b(index_put_|index_add_|index_copy_|index_fill_|scatter_|scatter_add_|scatter_reduce_|"
    r"put_|masked_scatter_|div_|floor_divide_|remainder_|fmod_)\(|"
    r"\b(div|floor_divide|remainder|fmod)\(.*\bout=|//=|%=|\]\s*=[^=]")


def _writes_as_they_check(program):
    """The locations of FAILED_WRITES statements."""
    return {loc for loc, s in located(program).items()
            if _WRITES_AS_THEY_CHECK.search(getattr(s, "code", "") or "")}

_NO_KERNEL = re.compile(r'^"\w+" not implemented for ')
_NOT_RESIZABLE = "Trying to resize storage that is not resizable"
_OUT_CALL = re.compile(r"\bout=")


def _refused_out_kernel(statement, raised):
    """An `out=` call that PyTorch refused after giving `out` its new shape: its kernel has no
    such dtype, or the storage cannot grow (FAILED_WRITES)."""
    refused = raised.type == "NotImplementedError" and _NO_KERNEL.match(raised.sentence) or \
        raised.sentence.startswith(_NOT_RESIZABLE)
    return refused and _OUT_CALL.search(getattr(statement, "code", "") or "")


_VERSION_ERROR = "one of the variables needed for gradient computation has been modified by an " \
                 "inplace operation"
_INFERENCE_WRITE = "Inplace update to inference tensor outside InferenceMode"
_VALUE_FIELDS = ("values", "str")
IGNORED = set()   # fields left out on request (`--ignore`, to look past one known divergence)


class Mismatch:
    __slots__ = ("location", "field", "expected", "got", "tag")

    def __init__(self, location, field, expected, got, tag):
        self.location, self.field, self.expected, self.got, self.tag = \
            location, field, expected, got, tag

    @property
    def kind(self):
        """The observed field without the variable's name: 'raise', 'grad_fn', 'grad.values'."""
        f = self.field
        if f == "raise":
            if self.expected is None or self.got is None:
                return "raise" if self.got is not None else "no-raise"
            return "raise-type" if self.expected.type != self.got.type else "message"
        if "." not in f:
            return "python"
        return f.split(".", 1)[1].lstrip("0123456789")

    @property
    def signature(self):
        """The divergence class: what differs, at which kind of statement."""
        return f"{self.kind} @ {self.tag}"

    def __repr__(self):
        return (f"at {self.location} ({self.tag}) {self.field}: torch {_show(self.expected)}, "
                f"insitu {_show(self.got)}")


def _show(v):
    if isinstance(v, np.ndarray):
        return np.array2string(v, precision=8, floatmode="maxprec", separator=", ")
    return repr(v)


def located(program):
    """location -> the statement there."""
    from .program import Block
    where = {}
    for i, s in enumerate(program):
        where[str(i)] = s
        if isinstance(s, Block):
            for j, b in enumerate(s.body):
                where[f"{i}.{j}"] = b
    return where


def tags_of(program):
    """location -> tag of the statement there."""
    tags = {loc: s.tag for loc, s in located(program).items()}
    tags["end"] = "end"
    return tags


def _versions_left_out(program, events):
    """Variables whose `_version` is not compared (GRADIENT_VERSIONS, INFERENCE_RESULTS)."""
    where = located(program)
    names = set()
    for s in where.values():
        if "grad-result" in getattr(s, "marks", ()):
            names.update(s.defines)
    for loc, ev in events:
        if ev == "inference-read" and loc in where:
            names.update(where[loc].defines)
        elif ev.startswith("shares-version ") and ev[15:] in names and loc in where:
            names.update(where[loc].defines)    # a view or alias of one: the same counter
    return names


def compare(program, expected, got):
    """The first mismatch between the traces (None when they agree under the rules)."""
    tags = tags_of(program)
    events = {}
    for loc, ev in expected.events:
        events.setdefault(loc, set()).add(ev)
    ours = dict(got.items)
    theirs = set()
    unversioned = _versions_left_out(program, expected.events)
    skip_values = skip_shapes = skip_version = stop_at_version_error = False
    exact = {}          # variable prefix -> values bitwise equal (str then compares too)
    checked_writes = _writes_as_they_check(program)
    statements = located(program)
    refused_outs = {loc for (loc, field), v in expected.items
                    if field == "raise" and isinstance(v, Raised)
                    and _refused_out_kernel(statements.get(loc), v)}
    failed_writes = refused_outs | {
        loc for (loc, field), v in expected.items
        if field == "raise" and isinstance(v, Raised) and (
            loc in checked_writes or v.sentence.startswith(_INFERENCE_WRITE))}
    resized = False     # FAILED_WRITES: past a refused `out=` PyTorch resized, shapes differ
    for key, v in expected.items:
        theirs.add(key)
        loc, field = key
        if loc in failed_writes:        # FAILED_WRITES, from this statement's own fields on
            skip_values = skip_shapes = True
            resized = resized or loc in refused_outs
        if field == "raise":
            ev = events.get(loc, ())
            if "overlap" in ev:         # OVERLAP
                skip_values = True

            if "data" in ev or "data-write" in ev:      # DATA_VERSION
                skip_version = True
            if "data-write" in ev:
                stop_at_version_error = True
        if key not in ours:
            if resized:
                return None
            return Mismatch(loc, field, v, "<not observed>", tags.get(loc, "?"))
        w = ours[key]
        if field == "raise" and stop_at_version_error and isinstance(w, Raised) \
                and w.sentence.startswith(_VERSION_ERROR) and (
                    v is None or not v.sentence.startswith(_VERSION_ERROR)):
            # DATA_VERSION: the rest follows from this error (a statement that runs backward
            # twice raises PyTorch's second-backward error where insitu's first one stopped)
            return None
        last = field.rsplit(".", 1)[-1]
        if IGNORED and last in IGNORED:
            continue
        if last == "version" and (skip_version or field.split(".", 1)[0].split("[", 1)[0]
                                  in unversioned):
            continue
        if skip_values and (last in _VALUE_FIELDS or isinstance(v, float)):
            continue
        if skip_shapes and last == "shape":
            continue                        # FAILED_WRITES: PyTorch resized an `out=` it refused
        if last == "str" and not exact.get(field[:-4], True):
            continue                        # printed digits of values that differ in the last bit
        if last == "str" and isinstance(v, str) and isinstance(w, str):
            v, w = _suffixes_unwrapped(v), _suffixes_unwrapped(w)
        same, bitwise = equal(v, w)
        if last == "values":
            exact[field[:-7]] = bitwise
        if not same:
            if resized:
                return None     # what follows from an `out=` of another shape is not compared
            return Mismatch(loc, field, v, w, tags.get(loc, "?"))
    for key, w in got.items:
        if key not in theirs and not resized:
            loc, field = key
            return Mismatch(loc, field, "<not observed>", w, tags.get(loc, "?"))
    return None


# a printed tensor's suffixes (`dtype=`, `grad_fn=`...) go on a new line when the last line
# would pass 80 characters: torch's text is laid out for "torch." and read as "insitu." (one
# character longer), so where each library breaks that line is not compared
_SUFFIX_BREAK = re.compile(r",\n +(?=(?:dtype|grad_fn|requires_grad|size|device|layout)=)")


def _suffixes_unwrapped(text):
    return _SUFFIX_BREAK.sub(", ", text)


def equal(a, b):
    """(equal under the tolerance, bitwise equal)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False, False
        return _arrays_equal(a, b)
    if isinstance(a, float) and isinstance(b, float):
        return _arrays_equal(np.array(a), np.array(b))
    if type(a) is not type(b) and not (isinstance(a, Raised) and isinstance(b, Raised)):
        return False, False
    same = a == b
    return same, same


def _arrays_equal(a, b):
    if a.shape != b.shape or a.dtype != b.dtype:
        return False, False
    if a.tobytes() == b.tobytes():
        return True, True
    if a.dtype.kind != "f":
        return False, False
    an, bn = np.isnan(a), np.isnan(b)
    if not np.array_equal(an, bn):
        return False, False
    a, b = a[~an], b[~bn]
    ainf, binf = np.isinf(a), np.isinf(b)
    if not np.array_equal(ainf, binf) or not np.array_equal(a[ainf], b[binf]):
        return False, False
    rtol = 1e-9 if a.dtype == np.float64 else 1e-5
    a, b = a[~ainf].astype(np.float64), b[~binf].astype(np.float64)
    zero = (a == 0) & (b == 0)
    if not np.array_equal(np.signbit(a[zero]), np.signbit(b[zero])):
        return False, False
    scale = max(float(np.abs(b).max(initial=0.0)), 1.0)
    return bool(np.all(np.abs(a - b) <= rtol * (np.abs(b) + 0.1 * scale))), False
