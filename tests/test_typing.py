"""The package ships its annotations (py.typed) and a type checker runs clean on it."""
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_py_typed_is_shipped():
    assert (ROOT / "src" / "insitu" / "py.typed").exists()
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["insitu"]
    assert "_torch_names.json" in config["tool"]["setuptools"]["package-data"]["insitu"]


def test_mypy_is_clean_on_the_package():
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (it is in the test extra: pip install -e '.[test]')")
    r = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", os.devnull],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("Success: no issues found")
