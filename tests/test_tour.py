"""The tour (`python -m insitu`) runs and shows what it claims."""
import subprocess
import sys


def test_tour_prints_examples_and_memory_table():
    out = subprocess.run([sys.executable, "-m", "insitu", "--elements", "200000"],
                         capture_output=True, text=True, check=True).stdout
    assert "a after in-place add: tensor([11, 12, 13])" in out
    assert "After chaining: tensor([17., 19., 21., 23.])" in out
    assert "a leaf Variable that requires grad is being used in an in-place operation." in out
    assert "which is output 0 of Sigmoid, is at version 1; expected version 0 instead." in out
    assert "saved for backward by sigmoid at" in out and "modified in place by mul_ at" in out
    lines = [l for l in out.splitlines() if l.strip().startswith(("out of place", "in place ")) and "MiB" in l and "saved" not in l]
    assert len(lines) == 2
    # out of place holds two temporaries of 800 kB; in place holds nothing extra
    assert lines[0].split()[-2] != "0" and lines[1].split()[-2] == "0"


def test_tour_memory_figures_are_exact():
    import insitu
    from insitu import tour
    n = 100_000
    _, extra_out = tour._measure(insitu, lambda x: ((x + 1) * 2).clamp(0, 2.5), n)
    _, extra_in = tour._measure(insitu, lambda x: x.add_(1).mul_(2).clamp_(0, 2.5), n)
    assert extra_in == 0
    assert extra_out == 2 * n * 4   # x + 1 and its product alive at once; clamp's result replaces
