"""insitu.utils: data loading helpers (`insitu.utils.data`), hook handles
(`insitu.utils.hooks`) and DLPack exchange (`insitu.utils.dlpack`)."""
from . import data, dlpack, hooks

__all__ = ["data", "dlpack", "hooks"]
