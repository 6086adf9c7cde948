"""Load a model source written for PyTorch (`import torch`, `import torch.nn as nn`, ...) twice:
as written, and with every `torch` import bound to insitu, in the same process. The source is
not changed; only the names its imports resolve to differ."""
import builtins
import importlib
import importlib.util
import pathlib
import sys
import types

import numpy as np

ZOO = pathlib.Path(__file__).parent / "zoo"


def _insitu_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and (name == "torch" or name.startswith("torch.")):
        target = "insitu" + name[len("torch"):]
        module = importlib.import_module(target)
        return module if fromlist else importlib.import_module("insitu")
    return builtins.__import__(name, globals, locals, fromlist, level)


def load(name, lib):
    """The module `zoo/<name>.py` with `torch` meaning `lib` ("torch" or "insitu")."""
    path = ZOO / f"{name}.py"
    modname = f"zoo_{name}_{lib}"
    if modname in sys.modules:
        return sys.modules[modname]
    module = types.ModuleType(modname)
    module.__file__ = str(path)
    if lib == "insitu":
        module.__builtins__ = dict(vars(builtins), __import__=_insitu_import)
    sys.modules[modname] = module          # dataclasses look their module up while defining
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
    return module


def copy_weights(torch_model, insitu_model):
    """The torch model's parameters and buffers, through NumPy, into the insitu model."""
    import insitu
    state = {k: insitu.from_numpy(v.detach().numpy().copy())
             for k, v in torch_model.state_dict().items()}
    insitu_model.load_state_dict(state)


def assert_close(got, want, rtol, atol, what=""):
    got = got.detach().numpy() if hasattr(got, "detach") else np.asarray(got)
    want = want.detach().numpy() if hasattr(want, "detach") else np.asarray(want)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


def assert_same_grads(insitu_model, torch_model, rtol, atol):
    theirs = dict(torch_model.named_parameters())
    for name, p in insitu_model.named_parameters():
        q = theirs[name]
        assert (p.grad is None) == (q.grad is None), name
        if q.grad is not None:
            assert_close(p.grad, q.grad, rtol, atol, f"grad of {name}")


def assert_same_state(insitu_model, torch_model, rtol, atol):
    theirs = torch_model.state_dict()
    ours = insitu_model.state_dict()
    assert list(ours) == list(theirs)
    for name, v in ours.items():
        assert_close(v, theirs[name], rtol, atol, name)
