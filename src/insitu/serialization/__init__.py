"""insitu.save / insitu.load: checkpoints in the safetensors format (the default) or in
PyTorch's, and loading either runs no code.

    insitu.save(model.state_dict(), "model.safetensors")      # safetensors (the default)
    insitu.save(model.state_dict(), "model.pt", format="torch")   # torch.load reads this
    state = insitu.load("model.pt")       # a checkpoint torch.save wrote, or either of the above

`load` tells the formats apart by their first bytes. PyTorch checkpoints (zip archives) are read
by `torch_format`, whose pickle reader (`unpickler`) accepts only tensors, numbers, strings and
plain containers, and refuses anything else with a `SerializationError` naming it. Raw pickle
files are refused outright. `safetensors` has the format's details (views, `preserve_sharing`,
the structure description).
"""
import io
import os
import warnings

from . import safetensors, torch_format
from .common import read_all, where_of
from ..core.device import check_device
from .errors import SerializationError

FORMATS = ("safetensors", "torch")

__all__ = ["save", "load", "SerializationError", "FORMATS"]


def save(obj, f, *, format="safetensors", preserve_sharing=False, **kwargs):
    """Write `obj` (a tensor, or dicts/lists/tuples of tensors and plain values) to `f`, a path
    or a binary file object: as safetensors (the default), or with `format="torch"` as PyTorch's
    zip checkpoint, which `torch.load(f, weights_only=True)` reads (tensors that share storage
    keep sharing it there, as with torch.save). Other keyword arguments of torch.save
    (pickle_module, pickle_protocol, _use_new_zipfile_serialization) are accepted and ignored."""
    if format == "torch":
        return torch_format.save(obj, f)
    if format != "safetensors":
        raise ValueError(f"insitu.save: format must be one of {FORMATS}, got {format!r}")
    if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith((".pt", ".pth")):
        warnings.warn(f"insitu.save: writing the safetensors format to {os.fspath(f)!r}; "
                      "PyTorch's torch.load will not read it. Pass format='torch' for a file "
                      "torch.load reads, or name it .safetensors", UserWarning, stacklevel=2)
    safetensors.save(obj, f, preserve_sharing=preserve_sharing)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **kwargs):
    """Read a checkpoint: what `save` wrote, a PyTorch checkpoint (zip), or any safetensors file
    (as a flat dict). Runs no code, whatever `weights_only` says. Everything loads on the CPU;
    `map_location` may only name the CPU."""
    if map_location not in (None, "cpu") and str(map_location) != "cpu":
        check_device(map_location)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            if torch_format.is_zip(fh.read(4)):
                return torch_format.load(fh, os.fspath(f))
        data, where = read_all(f)
    elif isinstance(f, (bytes, bytearray, memoryview)):
        data, where = bytes(f), "<bytes>"
    elif hasattr(f, "read"):
        if _seekable(f) and hasattr(f, "readinto"):
            start = f.tell()
            head = f.read(4)
            f.seek(start)
            if torch_format.is_zip(head):
                return torch_format.load(f, where_of(f))   # read record by record, in place
        data, where = f.read(), where_of(f)
    else:
        data, where = read_all(f)       # raises the TypeError for anything else
    if torch_format.is_zip(data):
        return torch_format.load(io.BytesIO(data), where)
    return safetensors.load(data, where)


def _seekable(f):
    try:
        return bool(f.seekable())
    except (AttributeError, OSError, ValueError):
        return False
