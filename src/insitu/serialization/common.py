"""What both formats share: reading the input, arrays as tensors, and the limits."""
import os

from ..core.tensor import wrap

MAX_DEPTH = 200          # nesting of containers, when saving and when loading


def where_of(f):
    """How an error names the input: its path, its name, or what it is."""
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    if isinstance(f, (bytes, bytearray, memoryview)):
        return "<bytes>"
    return getattr(f, "name", None) or "<file object>"


def read_all(f):
    """(the bytes of `f`, how to name it): a path, bytes, or a binary file object."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read(), os.fspath(f)
    if isinstance(f, (bytes, bytearray, memoryview)):
        return bytes(f), "<bytes>"
    if hasattr(f, "read"):
        return f.read(), where_of(f)
    raise TypeError(f"insitu.load expects a path or a binary file object, got "
                    f"{type(f).__name__}")


def owned(arr, dt):
    """A tensor that owns `arr` (counted by insitu.memory like any other)."""
    return wrap(contiguous(arr), dt)


def contiguous(a):
    # not xp.ascontiguousarray: it turns 0-dim arrays into 1-dim ones
    return a if a.flags.c_contiguous else a.copy(order="C")


def short(x):
    s = repr(x)
    return s if len(s) <= 60 else s[:57] + "..."
