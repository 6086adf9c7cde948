"""Linear algebra: the matrix products (`products`, `add_products`), tensordot and einsum
(`einsum`), vector and matrix norms (`norms`), pairwise distances (`distances`), inverses,
determinants and solvers (`solvers`), decompositions (`decompositions`), and the `insitu.linalg`
namespace.

Every node here is recorded through `ops.derivatives`. The family's exports (`OPS`, `METHODS`,
`FUNCTIONS`) are gathered here and attached by `insitu.methods`.
"""
import sys
import types

from . import add_products, distances, decompositions as dec, einsum, norms, products
from . import solvers as sol
from ._checks import LinAlgError
from ..codegen import not_implemented_on_type_error

linalg = types.ModuleType("insitu.linalg", """insitu.linalg: linear algebra, as torch.linalg.

Norms (`vector_norm`, `matrix_norm`, `norm`), inverses and determinants (`inv`, `inv_ex`, `det`,
`slogdet`, `pinv`, `matrix_rank`), solvers (`solve`, `solve_triangular`, `lstsq`), products
(`matmul`, `matrix_power`, `multi_dot`, `cross`) and decompositions (`cholesky`, `cholesky_ex`,
`qr`, `svd`, `svdvals`, `eigh`, `eigvalsh`). Every function takes a matrix or a batch of
matrices (the last two dims); LAPACK, through NumPy, computes the results, and the backward
formulas are PyTorch's, written with insitu ops so they differentiate again. Failures raise
`LinAlgError` (a RuntimeError) with PyTorch's messages.
""")
sys.modules["insitu.linalg"] = linalg      # `import insitu.linalg` works, as `import torch.linalg`
for _name, _fn in {
        "vector_norm": norms.vector_norm, "matrix_norm": norms.matrix_norm,
        "norm": norms.linalg_norm, "inv": sol.inv, "inv_ex": sol.inv_ex, "det": sol.det,
        "slogdet": sol.slogdet, "solve": sol.solve, "solve_triangular": sol.solve_triangular,
        "lstsq": sol.lstsq, "pinv": sol.pinv, "matrix_rank": sol.matrix_rank,
        "matrix_power": sol.matrix_power, "multi_dot": sol.multi_dot, "cross": sol.cross,
        "cholesky": dec.cholesky, "cholesky_ex": dec.cholesky_ex, "qr": dec.qr, "svd": dec.svd,
        "svdvals": dec.svdvals, "eigh": dec.eigh, "eigvalsh": dec.eigvalsh,
        "matmul": products.matmul, "vecdot": None, "LinAlgError": LinAlgError}.items():
    if _fn is not None:
        setattr(linalg, _name, _fn)
setattr(linalg, "__all__", sorted(name for name in vars(linalg) if not name.startswith("_")))


def chain_matmul(*matrices, out=None):
    """insitu.chain_matmul(*matrices, out=None): the deprecated torch.chain_matmul, the product
    of the matrices (`linalg.multi_dot(matrices)`), without PyTorch's deprecation warning."""
    return sol.multi_dot(matrices, out=out)


# the in-place addmm_, addmv_, baddbmm_, addbmm_ and addr_ run the in-place pipeline
OPS = add_products.OPS

FUNCTIONS = {
    "mm": products.mm, "bmm": products.bmm, "mv": products.mv, "dot": products.dot,
    "outer": products.outer, "ger": products.outer, "addmm": add_products.addmm,
    "addmv": add_products.addmv, "baddbmm": add_products.baddbmm, "addbmm": add_products.addbmm,
    "addr": add_products.addr, "kron": products.kron, "matmul": products.matmul,
    "trace": products.trace, "tensordot": einsum.tensordot, "einsum": einsum.einsum,
    "norm": norms.norm, "cdist": distances.cdist, "linalg": linalg,
    # PyTorch's older names
    "inverse": sol.inv, "det": sol.det, "logdet": sol.logdet, "slogdet": sol.slogdet,
    "pinverse": sol.pinverse, "matrix_power": sol.matrix_power, "cross": sol.torch_cross,
    "svd": dec.svd_deprecated, "qr": dec.qr_deprecated, "cholesky": dec.cholesky_deprecated,
    "chain_matmul": chain_matmul,
}

METHODS = {name: FUNCTIONS[name] for name in
           ("mm", "bmm", "mv", "dot", "outer", "ger", "addmm", "addmv", "baddbmm", "addbmm",
            "addr", "kron", "matmul", "trace", "norm", "inverse", "det", "logdet", "slogdet",
            "pinverse", "matrix_power", "cross", "svd", "qr", "cholesky")}
METHODS["__matmul__"] = not_implemented_on_type_error(products.matmul)
METHODS["__rmatmul__"] = not_implemented_on_type_error(products.rmatmul)
