"""Run PyTorch code unchanged: `import torch` and every `torch.*` import resolve to insitu.

    insitu run train.py --epochs 3        # a script, with its own arguments
    python -m insitu run -m package.main  # a module, as `python -m` runs it

    import insitu.compat                  # in a running interpreter (a notebook's first cell)
    insitu.compat.install()
    import torch, torch.nn as nn
    from torch.utils.data import DataLoader

`install()` puts a finder first on `sys.meta_path` that answers `torch` with the `insitu`
package and `torch.X.Y` with `insitu.X.Y` (a module, or an attribute such as `insitu.cuda`).
The names are aliases: `torch.nn is insitu.nn`, so there is one copy of every module. A
submodule insitu lacks raises `ModuleNotFoundError: insitu does not provide torch.X` (an
ImportError, so `try: import torch.X except ImportError:` fallbacks work). If PyTorch itself is
already imported, `install()` refuses: tensors of the two libraries cannot be mixed.

`run_script` runs a file as `python script.py` would: `__name__ == "__main__"`, `__file__`,
`sys.argv` (the script's path, then its arguments) and `sys.path[0]` (the script's directory).
"""
import importlib
import importlib.abc
import importlib.machinery
import os
import runpy
import sys
import traceback

__all__ = ["install", "uninstall", "installed", "run_script", "resolve", "main", "TorchFinder",
           "ALIAS", "TARGET"]

ALIAS = "torch"
TARGET = "insitu"


class TorchFinder(importlib.abc.MetaPathFinder):
    """Finds `torch` and `torch.*` as insitu's modules (see the module docstring)."""

    def find_spec(self, fullname, path=None, target=None):
        """A spec binding `torch` or `torch.X.Y` to insitu's object of that name (None for any
        other name, so the next finder looks)."""
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        obj = resolve(fullname)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(obj),
                                              is_package=hasattr(obj, "__path__"))


class _AliasLoader(importlib.abc.Loader):
    """Binds the name to the existing insitu object instead of running anything: the import
    system takes whatever `sys.modules[name]` holds after `exec_module`."""

    def __init__(self, obj):
        self.obj = obj

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        sys.modules[module.__spec__.name] = self.obj


def resolve(fullname):
    """The insitu object that `torch.<rest>` stands for, or ModuleNotFoundError saying that
    insitu does not provide it."""
    target = TARGET + fullname[len(ALIAS):]
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as e:
        # only "no such insitu module"; a module that fails inside is a real error
        if e.name is None or not (target == e.name or target.startswith(e.name + ".")):
            raise
    obj = importlib.import_module(TARGET)     # an attribute that is not a module: insitu.cuda
    try:
        for part in target.split(".")[1:]:
            obj = getattr(obj, part)
    except AttributeError:
        raise ModuleNotFoundError(f"insitu does not provide {fullname}", name=fullname) from None
    return obj


_FINDER = TorchFinder()


def installed():
    """Whether `torch` currently resolves to insitu."""
    return _FINDER in sys.meta_path


def install():
    """Make `import torch` (and `torch.*`) give insitu, in this interpreter, from now on.
    Refuses if PyTorch itself is already imported. Calling it again changes nothing."""
    if installed():
        return
    real = sys.modules.get(ALIAS)
    if real is not None and getattr(real, "__name__", None) != TARGET:
        where = getattr(real, "__file__", None) or "an unknown location"
        raise RuntimeError(
            f"insitu.compat.install(): PyTorch itself is already imported (torch from {where}); "
            "binding `torch` to insitu now would mix the two libraries' tensors. Install the "
            "alias before anything imports torch (in a notebook: first cell, fresh kernel), or "
            "run the script with `insitu run script.py`.")
    sys.meta_path.insert(0, _FINDER)


def uninstall():
    """Undo `install()`: `torch` is looked up as usual again."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n in sys.modules if n == ALIAS or n.startswith(ALIAS + ".")]:
        mod = sys.modules[name]
        if getattr(mod, "__name__", "").startswith(TARGET) or not hasattr(mod, "__spec__"):
            del sys.modules[name]


_RUNNER_FILES = {os.path.abspath(__file__), os.path.abspath(runpy.__file__), "<frozen runpy>"}


def run_script(path, args=(), module=False):
    """Run a script file (or a module, `module=True`) as `python path args...` would, with
    `torch` bound to insitu. Returns the exit status; exceptions are printed as Python prints
    them, without the runner's own frames."""
    install()
    try:
        if module:
            sys.argv = [path, *args]
            sys.path[0] = os.getcwd()
            runpy.run_module(path, run_name="__main__", alter_sys=True)
        else:
            if not os.path.exists(path):
                print(f"insitu run: can't open file {os.path.abspath(path)!r}: "
                      "[Errno 2] No such file or directory", file=sys.stderr)
                return 2
            sys.argv = [path, *args]
            sys.path[0] = os.path.dirname(os.path.realpath(path))
            runpy.run_path(path, run_name="__main__")
    except SystemExit:
        raise
    except Exception as e:
        tb = e.__traceback__
        while tb is not None and _is_runner(tb.tb_frame.f_code.co_filename):
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb)
        return 1
    return 0


def _is_runner(filename):
    return filename in _RUNNER_FILES or os.path.abspath(filename) in _RUNNER_FILES


USAGE = """usage: insitu run script.py [args ...]
       insitu run -m module [args ...]

Runs an unmodified PyTorch script (or module) with `torch` and every `torch.*` submodule it
imports bound to insitu. sys.argv, __name__ == "__main__" and sys.path[0] are set as
`python script.py` sets them. In a running interpreter: insitu.compat.install()."""


def main(argv):
    """`insitu run ...` / `python -m insitu run ...`."""
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] == "-m":
        if len(argv) < 2:
            print("insitu run: -m needs a module name\n\n" + USAGE, file=sys.stderr)
            return 2
        return run_script(argv[1], argv[2:], module=True)
    return run_script(argv[0], argv[1:])
