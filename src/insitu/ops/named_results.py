"""insitu.return_types: the named-tuple results of ops like max(dim), sort, topk, svd and qr.

`insitu.return_types` is a module of its own (as torch.return_types is), so a result pickles and
unpickles by its qualified name.
"""
import sys
import types

return_types = types.ModuleType("insitu.return_types",
                                "The named results of ops that return several tensors.")
_LISTED: list = []      # every struct, as return_type registers it: the module's __all__
setattr(return_types, "__all__", _LISTED)
sys.modules["insitu.return_types"] = return_types


class _ReturnType(tuple):
    """PyTorch's torch.return_types structs: a tuple with named fields."""
    __slots__ = ()
    _fields = ("values", "indices")

    def __new__(cls, *values):
        if len(values) != len(cls._fields):
            raise TypeError(f"{cls.__name__} takes {len(cls._fields)} values, got {len(values)}")
        return tuple.__new__(cls, values)

    @property
    def n_fields(self):
        return len(self._fields)

    n_sequence_fields = n_fields

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"insitu.return_types.{type(self).__name__}(\n{body})"

    def __reduce__(self):
        return (type(self), tuple(self))


def return_type(name, fields=("values", "indices")):
    """The result struct insitu.return_types.<name>, registered there."""
    body = {"__slots__": (), "__module__": "insitu.return_types", "_fields": tuple(fields),
            "__doc__": f"The result of {_op_of(name)}: a tuple with the named fields "
                       f"{', '.join(fields)}."}
    for i, f in enumerate(fields):
        body[f] = property(lambda self, i=i: self[i], doc=f"Field {i} of the tuple.")
    cls = type(name, (_ReturnType,), body)
    cls.__qualname__ = name
    setattr(return_types, name, cls)
    _LISTED.append(name)
    return cls


def _op_of(name):
    """'linalg_inv_ex' -> 'insitu.linalg.inv_ex'; 'max_out' -> 'insitu.max with out='."""
    out = name.endswith("_out")
    base = name[:-4] if out else name
    if base.startswith("linalg_"):
        base = "linalg." + base[len("linalg_"):]
    return f"insitu.{base}" + (" with out=" if out else "")
