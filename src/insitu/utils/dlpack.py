"""insitu.utils.dlpack, as torch.utils.dlpack: `to_dlpack(tensor)` gives a DLPack capsule,
`from_dlpack(obj)` a tensor sharing the memory of a capsule or of any object with `__dlpack__`.
See `insitu.interop.dlpack` for what is shared (memory) and what is not (the version counter).
"""
from ..interop.dlpack import from_dlpack, to_dlpack

__all__ = ["from_dlpack", "to_dlpack"]
