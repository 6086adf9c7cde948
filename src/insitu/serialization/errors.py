"""The one error `insitu.load` raises for a file it will not or cannot read."""


class SerializationError(RuntimeError):
    """A file that insitu.load cannot read: damaged, not what it claims, or asking for
    something insitu never does when loading (running code, building arbitrary objects)."""
