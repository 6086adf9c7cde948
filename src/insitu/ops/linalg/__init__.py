"""Linear algebra: the matrix products (`products`), tensordot and einsum (`einsum`) and the
vector norms (`norms`), and the `insitu.linalg` namespace.

Every node here is recorded through `ops.derivatives`. The family's exports (`OPS`, `METHODS`,
`FUNCTIONS`) are gathered here and attached by `insitu.methods`.
"""
from . import einsum, norms, products


class linalg:
    """insitu.linalg: vector norms (matrix norms other than Frobenius are not provided)."""
    vector_norm = staticmethod(norms.vector_norm)
    norm = staticmethod(norms.linalg_norm)


# the in-place addmm_, addmv_ and baddbmm_ run through the table's in-place pipeline
OPS = products.OPS

FUNCTIONS = {
    "mm": products.mm, "bmm": products.bmm, "mv": products.mv, "dot": products.dot,
    "outer": products.outer, "ger": products.outer, "addmm": products.addmm,
    "addmv": products.addmv, "baddbmm": products.baddbmm, "matmul": products.matmul,
    "trace": products.trace, "tensordot": einsum.tensordot, "einsum": einsum.einsum,
    "norm": norms.norm, "linalg": linalg,
}

METHODS = {name: FUNCTIONS[name] for name in
           ("mm", "bmm", "mv", "dot", "outer", "ger", "addmm", "addmv", "baddbmm", "matmul",
            "trace", "norm")}
METHODS["__matmul__"] = products.matmul
METHODS["__rmatmul__"] = products.rmatmul
