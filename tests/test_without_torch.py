"""Without PyTorch the suite still runs: the comparisons against it are skipped, and the run
ends by saying how many (tests/conftest.py)."""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_a_run_without_torch_says_what_it_skipped(tmp_path):
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT / "src")]))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "tests/utils/test_data.py", "tests/test_runtime.py"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 0, r.stdout[-3000:]
    assert lines[-2] == ("torch is not installed: 1 test files and 1 tests that compare "
                         "against PyTorch were skipped (install the test extra as the README "
                         "says to run them)"), lines[-3:]
    assert lines[-1].endswith("2 skipped") or " 2 skipped " in lines[-1], lines[-1]
