"""Names PyTorch has and insitu does not: their AttributeError says so.

`insitu.fft` or `t.stft(...)` raise `AttributeError: insitu does not implement torch.fft yet`
(`torch.Tensor.stft` for a method) instead of Python's "has no attribute ... Did you mean",
which would point at an unrelated name. The list of PyTorch's public names is data shipped with
the package (`_torch_names.json`, written by `python -m insitu coverage --refresh`). A module's
`__getattr__` reads it on the first failed lookup; Tensor's missing names are class attributes
made from it at import (`MissingAttribute`), so a successful lookup costs nothing extra.
"""
import json
import os

NAMES_FILE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "_torch_names.json")
_names = {}


def torch_names():
    """{namespace: frozenset of PyTorch's public names} from the shipped list ({} if absent)."""
    if not _names:
        try:
            with open(NAMES_FILE, encoding="utf-8") as f:
                data = json.load(f)
            _names.update({ns: frozenset(v) for ns, v in data["namespaces"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            _names["torch"] = frozenset()     # no list: plain AttributeErrors
    return _names


def not_implemented(qualname):
    return AttributeError(f"insitu does not implement {qualname} yet")


def namespace_getattr(namespace, module_name):
    """A module-level `__getattr__` for `module_name`, mirroring PyTorch's `namespace`."""
    prefix = "torch" if namespace == "torch" else f"torch.{namespace}"

    def __getattr__(name):
        if name[:1] != "_" and name in torch_names().get(namespace, ()):
            raise not_implemented(f"{prefix}.{name}")
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
    return __getattr__


class MissingAttribute:
    """The class attribute standing for a Tensor name PyTorch has and insitu lacks: reading it
    raises `AttributeError: insitu does not implement torch.Tensor.X yet` (so `hasattr` is
    False). A descriptor rather than `Tensor.__getattr__`: a class with `__getattr__` has every
    attribute read go through a slower lookup that the interpreter cannot specialise, which
    cost each op a few tenths of a microsecond."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __get__(self, obj, objtype=None):
        raise not_implemented(f"torch.Tensor.{self.name}")


def missing_tensor_attributes(cls):
    """{name: MissingAttribute} for PyTorch's public Tensor names that `cls` lacks (called by
    `insitu.methods` once everything else is attached)."""
    missing = {name: MissingAttribute(name) for name in torch_names().get("Tensor", ())
               if name[:1] != "_" and not hasattr(cls, name)}
    _MISSING_TENSOR_NAMES.update(missing)
    return missing


_MISSING_TENSOR_NAMES = set()


def tensor_dir(self):
    """`dir(t)` without the names insitu lacks."""
    return [n for n in object.__dir__(self) if n not in _MISSING_TENSOR_NAMES]


METHODS = {"__dir__": tensor_dir}
