"""insitu.utils: data loading helpers (`insitu.utils.data`) and hook handles
(`insitu.utils.hooks`)."""
from . import data, hooks

__all__ = ["data", "hooks"]
