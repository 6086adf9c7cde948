"""insitu.utils: data loading helpers (`insitu.utils.data`)."""
from . import data

__all__ = ["data"]
