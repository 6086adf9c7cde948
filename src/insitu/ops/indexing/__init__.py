"""The indexing family, one module per kind of op:

  getitem     `x[idx]` (views for basic indices, copies for advanced ones)
  setitem     `x[idx] = v` and index_put (writes in place, in PyTorch's order)
  select      reads through an index or a mask into a new tensor: gather, index_select,
              masked_select, take, nonzero, argwhere
  index_ops   slice writes along a dim: index_add, index_copy, index_fill
  scatter     writes through an index or a mask: scatter, scatter_add, scatter_reduce,
              masked_scatter, put

This package is the family `insitu.methods` attaches: OPS, METHODS and FUNCTIONS of its modules
together. Their entry points are re-exported here (`getitem`, `setitem` and `scatter` name the functions;
the modules of those names are `insitu.ops.indexing.getitem`, `.setitem` and `.scatter` in
sys.modules).
"""
from . import (getitem as _getitem, index_ops as _index_ops, scatter as _scatter,
               select as _select, setitem as _setitem)
from .getitem import INDEX, getitem
from .setitem import INDEX_PUT, setitem
from .index_ops import INDEX_ADD, INDEX_COPY, INDEX_FILL
from .scatter import (MASKED_SCATTER, PUT, SCATTER, SCATTER_ADD, SCATTER_REDUCE, SCATTER_VALUE,
                      masked_scatter, masked_scatter_, scatter, scatter_)
from .select import argwhere, gather, index_select, masked_select, nonzero, take

__all__ = ["INDEX", "INDEX_PUT", "getitem", "setitem", "INDEX_ADD", "INDEX_COPY", "INDEX_FILL",
           "MASKED_SCATTER", "PUT", "SCATTER", "SCATTER_ADD", "SCATTER_REDUCE", "SCATTER_VALUE",
           "masked_scatter", "masked_scatter_", "scatter", "scatter_", "argwhere", "gather",
           "index_select", "masked_select", "nonzero", "take", "OPS", "METHODS", "FUNCTIONS"]

_MODULES = (_getitem, _setitem, _select, _index_ops, _scatter)

OPS = [op for m in _MODULES for op in getattr(m, "OPS", ())]
METHODS = {name: fn for m in _MODULES for name, fn in getattr(m, "METHODS", {}).items()}
FUNCTIONS = {name: fn for m in _MODULES for name, fn in getattr(m, "FUNCTIONS", {}).items()}
