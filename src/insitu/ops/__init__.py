"""Operations, one family per module. Each declares its table ops (`ops.table.Op`) and exports
what it adds to `Tensor` and the `insitu` namespace; `insitu.methods` attaches it all once.

The machinery every family shares: `table` (the declaration), `codegen` (the generated entry
points), `pipelines` (out-of-place, in-place and out= runs), `derivatives` (backward formulas
and what a node keeps), `view_graph` (views in autograd), `checks` and `kernels`.
"""
