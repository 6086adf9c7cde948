"""Names PyTorch has and insitu does not: their AttributeError says so.

`insitu.fft` or `t.stft(...)` raise `AttributeError: insitu does not implement torch.fft yet`
(`torch.Tensor.stft` for a method) instead of Python's "has no attribute ... Did you mean",
which would point at an unrelated name. The list of PyTorch's public names is data shipped with
the package (`_torch_names.json`, written by `python -m insitu coverage --refresh`); it is read
on the first failed lookup, never on a successful one, so attribute access costs nothing extra.
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


def tensor_getattr(self, name):
    """`Tensor.__getattr__`, called only when a lookup failed: names a PyTorch attribute that
    insitu lacks as such, and otherwise raises what Python would."""
    if name[:1] == "_":           # unset private slots, protocol probes: plain, and quick
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
    if hasattr(type(self), name):     # a property that raised AttributeError: raise it again
        return object.__getattribute__(self, name)
    if name in torch_names().get("Tensor", ()):
        raise not_implemented(f"torch.Tensor.{name}")
    raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'",
                         name=name, obj=self)


METHODS = {"__getattr__": tensor_getattr}
