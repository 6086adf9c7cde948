"""insitu.return_types: the named-tuple results of max/min/median with a dim, sort and topk."""


class _ReturnType(tuple):
    """PyTorch's torch.return_types structs: a 2-tuple with named fields."""
    __slots__ = ()
    _fields = ("values", "indices")
    n_fields = n_sequence_fields = 2

    def __new__(cls, values, indices):
        return tuple.__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return (f"insitu.return_types.{type(self).__name__}(\nvalues={self[0]!r},\n"
                f"indices={self[1]!r})")

    def __reduce__(self):
        return (type(self), tuple(self))


class return_types:
    """insitu.return_types: the named results of max/min/median with a dim, sort and topk."""


def return_type(name):
    """The result struct insitu.return_types.<name>, registered there."""
    cls = type(name, (_ReturnType,), {"__slots__": (), "__module__": "insitu.return_types"})
    cls.__qualname__ = name
    setattr(return_types, name, cls)
    return cls
