"""Linear algebra: the matrix products (`products`, `add_products`), tensordot and einsum
(`einsum`), the vector norms (`norms`), pairwise distances (`distances`), and the `insitu.linalg`
namespace.

Every node here is recorded through `ops.derivatives`. The family's exports (`OPS`, `METHODS`,
`FUNCTIONS`) are gathered here and attached by `insitu.methods`.
"""
from . import add_products, distances, einsum, norms, products


class linalg:
    """insitu.linalg: vector norms (matrix norms other than Frobenius are not provided)."""
    vector_norm = staticmethod(norms.vector_norm)
    norm = staticmethod(norms.linalg_norm)


# the in-place addmm_, addmv_, baddbmm_, addbmm_ and addr_ run the in-place pipeline
OPS = add_products.OPS

FUNCTIONS = {
    "mm": products.mm, "bmm": products.bmm, "mv": products.mv, "dot": products.dot,
    "outer": products.outer, "ger": products.outer, "addmm": add_products.addmm,
    "addmv": add_products.addmv, "baddbmm": add_products.baddbmm, "addbmm": add_products.addbmm,
    "addr": add_products.addr, "kron": products.kron, "matmul": products.matmul,
    "trace": products.trace, "tensordot": einsum.tensordot, "einsum": einsum.einsum,
    "norm": norms.norm, "cdist": distances.cdist, "linalg": linalg,
}

METHODS = {name: FUNCTIONS[name] for name in
           ("mm", "bmm", "mv", "dot", "outer", "ger", "addmm", "addmv", "baddbmm", "addbmm",
            "addr", "kron", "matmul", "trace", "norm")}
METHODS["__matmul__"] = products.matmul
METHODS["__rmatmul__"] = products.rmatmul
