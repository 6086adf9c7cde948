"""The digits training demo (python -m insitu train / examples/train_digits.py)."""
import builtins
import io

import pytest

import insitu
from insitu import train_demo


def test_clear_message_without_scikit_learn(monkeypatch, capsys):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    assert train_demo.main(["--epochs", "1", "--no-plot"]) == 1
    out = capsys.readouterr().out
    assert "scikit-learn is not installed" in out and "pip install scikit-learn" in out


def test_out_of_place_update_matches_in_place_optimizer():
    import insitu.optim as optim
    a, b = train_demo.build_model(8, 0), train_demo.build_model(8, 0)
    x, y = insitu.randn(16, 64), insitu.randint(0, 10, (16,))
    opts = [optim.SGD(a.parameters(), lr=0.1, momentum=0.9),
            train_demo.OutOfPlaceSGD(b.parameters(), 0.1, 0.9)]
    for _ in range(3):
        for model, opt in zip((a, b), opts):
            opt.zero_grad()
            insitu.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    for p, q in zip(a.parameters(), b.parameters()):
        assert (p - q).abs().max().item() < 1e-6


def test_table_and_progress_formatting():
    rows = [{"label": "in-place", "accuracy": 0.5, "epoch_s": 0.01, "peak": 2048, "losses": []}]
    text = train_demo.table(rows)
    assert "50.0%" in text and "2.0 KiB" in text and "in-place" in text
    out = io.StringIO()
    train_demo.progress("x", 1, 2, 3, 4, 0.5, out)
    assert out.getvalue() == ""                         # not a terminal: only epoch ends
    train_demo.progress("x", 1, 2, 4, 4, 0.5, out)
    assert out.getvalue().endswith("loss  0.5000\n")


def test_full_run_on_digits(tmp_path, capsys):
    pytest.importorskip("sklearn")
    plot = tmp_path / "loss.png"
    assert train_demo.main(["--epochs", "2", "--hidden", "32", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "out-of-place" in out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in out
    else:
        assert plot.exists() and plot.stat().st_size > 0
