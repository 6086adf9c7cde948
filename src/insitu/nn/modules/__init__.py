from .module import Module
from .container import Sequential, ModuleList, ModuleDict

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict"]
