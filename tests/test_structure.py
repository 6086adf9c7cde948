"""The core's single paths, checked on the source: one line increments a version (generated
source included), one module attaches methods to Tensor, every node comes from the recorder."""
import pathlib
import re

from insitu import methods
from insitu.ops import codegen

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "insitu"
FILES = {p.relative_to(SRC).as_posix(): p.read_text() for p in sorted(SRC.rglob("*.py"))}


def _lines(pattern):
    rx = re.compile(pattern)
    return [f"{name}:{i}" for name, text in FILES.items()
            for i, line in enumerate(text.splitlines(), 1)
            if rx.search(line.split("#")[0])]


def test_one_line_increments_a_version():
    hits = _lines(r"\.version\s*\+=|\.version\s*=.*\+")
    assert len(hits) == 1 and hits[0].startswith("autograd/versions.py:"), hits


def test_generated_entry_points_bump_through_the_write_tail():
    for family in methods.FAMILIES:
        for op in methods._TABLES.get(family, getattr(family, "OPS", ())):
            if "inplace" in op.variants and op.tensors[0] == "self":
                src = codegen._fast_source(op, op.inplace_name, True)
                assert "version" not in src and "_write(self" in src, op.name


def test_only_methods_attaches_to_tensor():
    patches = _lines(r"setattr\(Tensor\b|^\s*Tensor\.\w+\s*=")
    assert all(p.startswith("methods.py:") for p in patches), patches


def test_nodes_get_their_edges_from_the_recorder():
    edges = _lines(r"\.next_functions\s*=")
    allowed = {"autograd/recorder.py",      # every node's edges
               "autograd/node.py",          # AccumulateGrad, a leaf's sink: no edges
               "autograd/function.py"}      # a custom Function called without a graph
    assert {e.split(":")[0] for e in edges} <= allowed, edges
