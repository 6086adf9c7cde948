"""What lets code written for PyTorch and PyTorch's ecosystem work with insitu tensors: DLPack
exchange (`dlpack`) and the errors that name what insitu lacks (`missing`)."""
from . import dlpack, missing

__all__ = ["dlpack", "missing"]

METHODS = {**dlpack.METHODS, **missing.METHODS}
FUNCTIONS = dict(dlpack.FUNCTIONS)
