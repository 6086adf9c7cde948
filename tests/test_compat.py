"""`insitu run script.py` and `insitu.compat.install()`: PyTorch scripts run unchanged, with
`torch` and its submodules bound to insitu. Scripts run in a subprocess, as a user runs them."""
import os
import pathlib
import subprocess
import sys
import textwrap
import types

import pytest

import insitu
from insitu import compat

SRC = pathlib.Path(__file__).resolve().parents[1] / "src"

SCRIPT = '''
import os, sys
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset
import torch.autograd
from torch.autograd import grad
import torch.linalg
import torch.backends.cudnn as cudnn
import insitu

assert torch is insitu and nn is insitu.nn and F is insitu.nn.functional
assert optim is insitu.optim and init is insitu.nn.init and torch.linalg is insitu.linalg
assert DataLoader is insitu.utils.data.DataLoader and StepLR is insitu.optim.lr_scheduler.StepLR
assert torch.autograd is insitu.autograd and cudnn is insitu.backends.cudnn
print("name", __name__, "file", os.path.basename(__file__), "argv", sys.argv[1:],
      "argv0", sys.argv[0] == __file__, "path0", sys.path[0] == os.path.dirname(__file__))

torch.manual_seed(0)
cudnn.benchmark = True
torch.set_num_threads(1)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
x = torch.randn(64, 3)
y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1)).to(device)
opt = optim.SGD(model.parameters(), lr=0.05)
sched = StepLR(opt, step_size=2)
first = None
for epoch in range(4):
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
        first = float(loss) if first is None else first
    sched.step()
print("trained", float(loss) < first / 2)
for name in ("torch.fft", "torch.nn.modules.conv_nonexistent", "torch.distributed"):
    try:
        __import__(name)
    except ImportError as e:
        print("ImportError:", e)
if __name__ == "__main__":
    print("main guard ran")
'''


def _run(args, cwd, **kw):
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, **kw)


def test_run_a_pytorch_script_unchanged(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    r = _run(["-m", "insitu", "run", str(script), "--epochs", "4", "x y"], cwd=tmp_path.parent)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0] == ("name __main__ file train.py argv ['--epochs', '4', 'x y'] argv0 True "
                      "path0 True")
    assert "trained True" in out
    assert "ImportError: insitu does not provide torch.fft" in out
    assert "ImportError: insitu does not provide torch.nn.modules.conv_nonexistent" in out
    assert "ImportError: insitu does not provide torch.distributed" in out
    assert out[-1] == "main guard ran"


def test_failing_script_exits_1_with_its_own_traceback(tmp_path):
    script = tmp_path / "bad.py"
    script.write_text("import torch\n\ndef f():\n    return torch.ones(2) + torch.ones(3)\n\nf()\n")
    r = _run(["-m", "insitu", "run", str(script)], cwd=tmp_path)
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    last = max(i for i, line in enumerate(lines) if line == "Traceback (most recent call last):")
    assert lines[last + 1].startswith('  File "') and "bad.py" in lines[last + 1]
    assert "runpy" not in r.stderr and "compat.py" not in r.stderr
    assert lines[-1].startswith("RuntimeError: The size of tensor a (2) must match")
    exit_script = tmp_path / "exits.py"
    exit_script.write_text("import sys\nsys.exit(3)\n")
    assert _run(["-m", "insitu", "run", str(exit_script)], cwd=tmp_path).returncode == 3
    missing = _run(["-m", "insitu", "run", str(tmp_path / "nope.py")], cwd=tmp_path)
    assert missing.returncode == 2 and "can't open file" in missing.stderr


def test_run_a_module_and_install_in_a_running_interpreter(tmp_path):
    pkg = tmp_path / "proj"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "main.py").write_text(textwrap.dedent("""
        import sys, torch
        print(__name__, sys.argv[1:], torch.__name__)
    """))
    r = _run(["-m", "insitu", "run", "-m", "proj.main", "--lr", "1"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["__main__", "['--lr',", "'1']", "insitu"]
    notebook = textwrap.dedent("""
        import insitu.compat
        insitu.compat.install()
        insitu.compat.install()                      # twice: no change
        import torch, torch.nn as nn
        from torch.utils.data import DataLoader
        print(torch.__name__, nn.__name__, DataLoader.__module__)
        insitu.compat.uninstall()
        import sys
        print("torch" in sys.modules, "torch.nn" in sys.modules)
    """)
    r = _run(["-c", notebook], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["insitu", "insitu.nn", "insitu.utils.data", "False", "False"]


def test_refuses_when_pytorch_itself_is_imported(monkeypatch):
    real = types.ModuleType("torch")
    real.__file__ = "/site-packages/torch/__init__.py"
    monkeypatch.setitem(sys.modules, "torch", real)
    with pytest.raises(RuntimeError, match=r"^insitu.compat.install\(\): PyTorch itself is "
                                           r"already imported \(torch from /site-packages/torch"
                                           r"/__init__.py\); binding `torch` to insitu now would "
                                           r"mix the two libraries' tensors"):
        compat.install()
    assert not compat.installed()


def test_resolve_maps_torch_names_to_insitu():
    assert compat.resolve("torch") is insitu
    assert compat.resolve("torch.nn.functional") is insitu.nn.functional
    assert compat.resolve("torch.optim.lr_scheduler") is insitu.optim.lr_scheduler
    assert compat.resolve("torch.cuda") is insitu.cuda
    assert compat.resolve("torch.backends.mps") is insitu.backends.mps
    with pytest.raises(ModuleNotFoundError, match=r"^insitu does not provide torch\.fft$") as e:
        compat.resolve("torch.fft")
    assert e.value.name == "torch.fft" and isinstance(e.value, ImportError)
    assert compat.TorchFinder().find_spec("torchvision") is None
    assert compat.TorchFinder().find_spec("torch_geometric") is None


def test_the_console_script_is_the_module_entry_point():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((SRC.parent / "pyproject.toml").read_text())
    target = config["project"]["scripts"]["insitu"]
    from insitu.__main__ import COMMANDS, main
    assert target == "insitu.__main__:main" and callable(main)
    assert COMMANDS["run"] is compat.main and compat.main(["--help"]) == 0
