"""The fuzzer's own tests: its rules are the documented differences, it covers the op table,
it is deterministic, the comparer and the shrinker do their jobs."""
import pathlib
import re

import pytest

torch = pytest.importorskip("torch")

from insitu.ops.table import _ALL_OPS  # noqa: E402

from . import compare, templates  # noqa: E402
from .execute import Raised, Trace, first_sentence  # noqa: E402
from .generate import program  # noqa: E402
from .program import Stmt, source  # noqa: E402
from .shrink import shrink  # noqa: E402

DIFFERENCES = pathlib.Path(__file__).resolve().parents[2] / "docs" / "differences.md"


def test_rules_are_the_documented_differences():
    headings = re.findall(r"^## `([a-z-]+)`", DIFFERENCES.read_text(), re.M)
    assert sorted(headings) == sorted(compare.RULES)


def test_every_table_op_is_generated_or_excluded():
    missing = [op.name for op in _ALL_OPS
               if op.name not in templates.COVERED and op.name not in templates.EXCLUDED
               and (hasattr(torch.Tensor, op.name) or hasattr(torch, op.name))]
    assert not missing


def test_programs_are_a_function_of_the_seed():
    assert source(program(123)) == source(program(123))
    assert source(program(123)) != source(program(124))


def test_first_sentence():
    assert first_sentence("a b. c d.\nmore") == "a b."
    assert first_sentence("use torch.autograd now. Then") == "use torch.autograd now."
    assert first_sentence("no period\nsecond line") == "no period"


def _trace(items, events=()):
    t = Trace()
    t.items = list(items)
    t.events = list(events)
    return t


def _err(msg):
    try:
        raise RuntimeError(msg)
    except RuntimeError as e:
        return Raised(e)


def test_messages_compare_by_first_sentence():
    prog = [Stmt("pass", "t")]
    a = _trace([(("0", "raise"), _err("Bad thing. Hint: torch.foo"))])
    b = _trace([(("0", "raise"), _err("Bad thing.\n  saved for backward at x.py:3"))])
    assert compare.compare(prog, a, b) is None
    c = _trace([(("0", "raise"), _err("Other thing."))])
    assert compare.compare(prog, a, c).kind == "message"


def test_values_compare_exactly_at_the_edges():
    import numpy as np
    prog = [Stmt("pass", "t")]

    def values(v):
        return _trace([(("0", "raise"), None), (("0", "x.values"), np.array(v, np.float32))])
    assert compare.compare(prog, values([0.0, 1.0]), values([-0.0, 1.0])).kind == "values"
    assert compare.compare(prog, values([np.nan]), values([0.0])).kind == "values"
    assert compare.compare(prog, values([1.0]), values([1.0 + 1e-7])) is None


def test_overlap_rule_leaves_values_out_after_the_write():
    import numpy as np
    prog = [Stmt("x += x[:1]", "add_")]
    t = _trace([(("0", "raise"), None), (("0", "x.values"), np.array([2.0]))],
               [("0", "overlap")])
    i = _trace([(("0", "raise"), None), (("0", "x.values"), np.array([3.0]))])
    assert compare.compare(prog, t, i) is None
    t.events = []
    assert compare.compare(prog, t, i) is not None


def test_data_rule_leaves_versions_out_and_stops_at_the_version_error():
    prog = [Stmt("d.add_(1)", "add_"), Stmt("y.sum().backward()", "backward")]
    version_error = _err("one of the variables needed for gradient computation has been "
                         "modified by an inplace operation: [insitu.FloatTensor [3]] is at "
                         "version 1; expected version 0 instead.")
    t = _trace([(("0", "raise"), None), (("0", "d.version"), 1), (("1", "raise"), None),
                (("end", "x.grad"), "tensor")], [("0", "data-write")])
    i = _trace([(("0", "raise"), None), (("0", "d.version"), 2), (("1", "raise"), version_error),
                (("end", "x.grad"), None)], [("0", "data-write")])
    assert compare.compare(prog, t, i) is None
    t.events = []
    assert compare.compare(prog, t, i) is not None


def test_shrinker_keeps_only_what_the_divergence_needs():
    prog = [Stmt(f"a{i} = {i}", "t") for i in range(8)]

    class M:
        signature = "s"

    def check(p):
        codes = [s.code for s in p]
        return M() if "a3 = 3" in codes and "a6 = 6" in codes else None
    assert [s.code for s in shrink(prog, "s", check)] == ["a3 = 3", "a6 = 6"]


def test_printed_suffixes_may_break_the_line_elsewhere():
    prog = [Stmt("pass", "t")]

    def printed(s):
        return _trace([(("0", "raise"), None), (("0", "x.str"), s)])
    one = "tensor([0.0000, 0.5000], dtype=insitu.float64, grad_fn=<ClampBackward1>)"
    two = "tensor([0.0000, 0.5000], dtype=insitu.float64,\n       grad_fn=<ClampBackward1>)"
    assert compare.compare(prog, printed(one), printed(two)) is None
    rows = "tensor([[0., 1.],\n        [2., 3.]])"
    assert compare.compare(prog, printed(rows), printed(rows.replace("\n       ", ""))) is not None


# The fixed-seed run of the suite. The fuzzer still finds divergences from PyTorch in about one
# program in twenty; until it finds none, this run holds the count where it is: a change that
# makes insitu diverge in more of these programs fails here, with the classes printed.
CI_SEED, CI_PROGRAMS, CI_CEILING = 0, 300, 0


def test_a_fixed_seed_diverges_no_more_than_before():
    from .driver import fuzz_one
    found = []
    for i in range(CI_PROGRAMS):
        prog, mismatch = fuzz_one(CI_SEED, i)
        if mismatch is not None:
            found.append((i, mismatch))
    report = "\n".join(f"program {i}: {m}" for i, m in found)
    assert len(found) <= CI_CEILING, (f"{len(found)} of {CI_PROGRAMS} programs of seed {CI_SEED} "
                                      f"diverge from PyTorch (at most {CI_CEILING} did):\n{report}")
