"""`python -m insitu coverage`: the shipped list of PyTorch's names, the report, and
docs/coverage.md, which must be regenerated whenever insitu gains (or loses) a PyTorch name."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

import insitu
from insitu import coverage
from insitu.interop import missing

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_docs_coverage_page_is_current():
    current, _ = coverage.doc_is_current(ROOT / "docs" / "coverage.md")
    assert current, ("docs/coverage.md is out of date with the names insitu provides: run "
                     f"`{coverage.WRITE_COMMAND}` and commit the result")


def test_the_shipped_name_list_covers_the_six_namespaces():
    data = json.loads(pathlib.Path(missing.NAMES_FILE).read_text())
    assert data["torch_version"] == "2.13.0"
    assert set(data["namespaces"]) == set(coverage.NAMESPACES)
    for ns, names in data["namespaces"].items():
        assert names == sorted(names) and len(names) == len(set(names)) and names, ns
        assert not any(n.startswith("_") for n in names)
    assert {"zeros", "nn", "float32", "compile"} <= set(data["namespaces"]["torch"])
    assert {"conv2d", "relu"} <= set(data["namespaces"]["nn.functional"])
    assert "os" not in data["namespaces"]["torch"] and "math" not in data["namespaces"]["torch"]


def test_report_counts_what_insitu_has():
    version, rows = coverage.report()
    by_ns = {ns: (have, lacks) for ns, have, lacks in rows}
    assert [ns for ns, _, _ in rows] == list(coverage.NAMESPACES)
    assert "zeros" in by_ns["torch"][0] and "fft" in by_ns["torch"][1]
    assert "add_" in by_ns["Tensor"][0] and "Linear" in by_ns["nn"][0]
    assert "SGD" in by_ns["optim"][0]
    for ns, (have, lacks) in by_ns.items():
        assert not set(have) & set(lacks)
    text = coverage.render_text(version, rows)
    assert text.startswith("insitu's coverage of PyTorch 2.13.0's public names")
    assert "nn.functional" in text and "missing" in text


def test_command_line(tmp_path):
    out = tmp_path / "c.md"
    r = subprocess.run([sys.executable, "-m", "insitu", "coverage", "--write", str(out)],
                       capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert r.returncode == 0, r.stderr
    assert out.read_text() == coverage.render_markdown(*coverage.report())


def test_refresh_reproduces_the_shipped_list(tmp_path):
    """The stored list is what `--refresh` reads from PyTorch 2.13 (and nothing hand-edited)."""
    torch = pytest.importorskip("torch")
    if not torch.__version__.startswith("2.13.0"):
        pytest.skip(f"the list is of PyTorch 2.13.0, this is {torch.__version__}")
    path = tmp_path / "names.json"
    try:
        coverage.refresh(path)
    finally:
        missing._names.clear()
    assert path.read_text() == pathlib.Path(missing.NAMES_FILE).read_text()
    assert insitu.Tensor is not torch.Tensor
