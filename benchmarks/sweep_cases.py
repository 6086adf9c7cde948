"""The sweep's inputs, the arguments of the ops that need some, and the NumPy floors.

A case's `call(m, t)` runs on either library: `m` is `insitu` or `torch`, `t` the inputs as
that library's tensors (the same values). Its `floor(a)` is the fastest plain NumPy expression
of the same computation on the arrays `a`; `grad(a, g, r)` computes the gradients from the
incoming gradient `g` and the floor's forward result `r`, so forward+backward's floor is
`grad(a, g, floor(a))`.
"""
import numpy as np

from sweep_floors import (F32, FLOORS, GRADS, _batch_norm, _cosine_similarity, _cross_entropy,
                          _carried, _carried_into, _index_add, _running_extreme, _smooth_l1,
                          _cross_entropy_grad, _cumsum_grad, _layer_norm, _layer_norm_grad,
                          _linear_grad, _log_softmax, _log_softmax_grad, _mse,
                          _mse_grad, _norm, _pow2_grad, _rows_added, _softmax, _softmax_grad,
                          _var_dim)


class Case:
    __slots__ = ("label", "call", "floor", "grad")

    def __init__(self, label, call, floor=None, grad=None):
        self.label, self.call, self.floor, self.grad = label, call, floor, grad


def F(m):
    return m.nn.functional


# ------------------------------------------------------------------ inputs

# inputs that never require grad (targets, running statistics, boundaries)
CONSTANT = {"t01", "pm1", "sign", "rmean", "rvar", "bounds", "sorted_v", "buf"}


def inputs(rows, cols):
    """The arrays every case draws from, for a rows x cols size (float32 unless integral)."""
    rng = np.random.default_rng(0)
    n = rows * cols

    def f(*shape):
        return rng.standard_normal(shape).astype(F32)
    sq = f(rows, rows)
    mltarget = np.full((rows, cols), -1, np.int64)
    mltarget[:, 0] = rng.integers(0, cols, rows)
    return dict(
        x=f(rows, cols), y=f(rows, cols), z=f(rows, cols),
        p=np.abs(f(rows, cols)) + F32(0.5),
        u=rng.uniform(-0.9, 0.9, (rows, cols)).astype(F32),
        prob=rng.uniform(0.05, 0.95, (rows, cols)).astype(F32),
        t01=(rng.random((rows, cols)) > 0.5).astype(F32),
        pm1=np.where(rng.random((rows, cols)) > 0.5, 1, -1).astype(F32),
        sign=np.where(rng.random(rows) > 0.5, 1, -1).astype(F32),
        mask=rng.random((rows, cols)) > 0.5,
        ia=rng.integers(0, 1000, (rows, cols), dtype=np.int32),
        ib=rng.integers(1, 1000, (rows, cols), dtype=np.int32),
        sh=rng.integers(0, 8, (rows, cols), dtype=np.int32),
        idx=rng.integers(0, rows, rows).astype(np.int64),
        perm=rng.permutation(rows).astype(np.int64),
        cidx=rng.integers(0, cols, (rows, cols)).astype(np.int64),
        fill_idx=rng.integers(0, cols, max(cols // 4, 1)).astype(np.int64),
        fidx=rng.integers(0, n, n // 4).astype(np.int64), fvals=f(n // 4),
        labels=rng.integers(0, cols, rows).astype(np.int64), mltarget=mltarget,
        rv=f(rows), rv2=f(rows), v=f(cols),
        sq=sq + F32(rows) * np.eye(rows, dtype=F32),
        spd=(sq @ sq.T / F32(rows) + np.eye(rows, dtype=F32)).astype(F32),
        wt=f(cols, rows), wl=f(rows, cols), bl=f(rows), wc=f(cols), bc=f(cols),
        rmean=np.zeros(cols, F32), rvar=np.ones(cols, F32),
        ma=f(rows, 64), mb=f(64, cols), b1=f(4, rows, 64), b2=f(4, 64, cols),
        bx=f(4, rows, cols), x3=f(n // 4, 3), y3=f(n // 4, 3),
        k1=f(rows // 16, cols // 32), k2=f(16, 32),
        bounds=np.linspace(-2, 2, 64).astype(F32), sorted_v=np.sort(f(cols)),
        xs=f(rows, 64), xs2=f(rows, 64), wbil=f(8, 64, 64),
        buf=f(rows, cols),
    )


_POSITIVE = ("log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal")


def operands_for(name, k):
    """Which inputs a generic call passes as the op's `k` tensor operands."""
    if name in _POSITIVE:
        return ("p",)
    if name in ("asin", "acos"):
        return ("u",)
    if name == "pow":
        return ("p", "y")
    if name in ("bitwise_left_shift", "bitwise_right_shift"):
        return ("ia", "sh")
    if name.startswith("bitwise"):
        return ("ia", "ib")[:k]
    return ("x", "y", "z")[:k]


# ------------------------------------------------------------------ cases

def _stable_sort(a):
    """sort's values and indices along dim 1, stable."""
    idx = np.argsort(a.x, 1, kind="stable")
    return np.take_along_axis(a.x, idx, 1), idx


def _cases():
    c = Case
    sm = [c("softmax", lambda m, t: m.softmax(t.x, 1), lambda a: _softmax(a.x), _softmax_grad)]
    lsm = [c("log_softmax", lambda m, t: m.log_softmax(t.x, 1), lambda a: _log_softmax(a.x),
             _log_softmax_grad)]
    return {
        # table ops that need parameters or special operands
        "pow": [c("pow(x, 2)", lambda m, t: t.x ** 2, lambda a: np.square(a.x), _pow2_grad),
                c("pow(p, y)", lambda m, t: m.pow(t.p, t.y), lambda a: np.power(a.p, a.y))],
        "square": [c("square", lambda m, t: m.square(t.x), lambda a: np.square(a.x),
                     GRADS["square"])],
        "clamp": [c("clamp", lambda m, t: m.clamp(t.x, -0.5, 0.5),
                    lambda a: np.clip(a.x, -0.5, 0.5))],
        "clamp_min": [c("clamp_min", lambda m, t: m.clamp_min(t.x, 0.0),
                        lambda a: np.maximum(a.x, F32(0)))],
        "clamp_max": [c("clamp_max", lambda m, t: m.clamp_max(t.x, 0.0),
                        lambda a: np.minimum(a.x, F32(0)))],
        "lerp": [c("lerp", lambda m, t: m.lerp(t.x, t.y, 0.3),
                   lambda a: a.x + F32(0.3) * (a.y - a.x))],
        "addcmul": [c("addcmul", lambda m, t: m.addcmul(t.x, t.y, t.z, value=0.5),
                      lambda a: a.x + F32(0.5) * a.y * a.z)],
        "addcdiv": [c("addcdiv", lambda m, t: m.addcdiv(t.x, t.y, t.p, value=0.5),
                      lambda a: a.x + F32(0.5) * a.y / a.p)],
        "masked_fill": [c("masked_fill", lambda m, t: m.masked_fill(t.x, t.mask, 0.0),
                          lambda a: np.where(a.mask, F32(0), a.x))],
        "where": [c("where", lambda m, t: m.where(t.mask, t.x, t.y),
                    lambda a: np.where(a.mask, a.x, a.y))],
        "gelu": [c("gelu", lambda m, t: F(m).gelu(t.x), FLOORS["gelu"], GRADS["gelu"]),
                 c("gelu(tanh)", lambda m, t: F(m).gelu(t.x, approximate="tanh"))],
        "fill_": [c("fill_", lambda m, t: t.buf.fill_(1.5), lambda a: a.buf.fill(1.5))],
        "zero_": [c("zero_", lambda m, t: t.buf.zero_(), lambda a: a.buf.fill(0))],
        "copy_": [c("copy_", lambda m, t: t.buf.copy_(t.x), lambda a: np.copyto(a.buf, a.x))],
        "cumsum_": [c("cumsum_", lambda m, t: t.buf.cumsum_(1),
                      lambda a: _carried_into(np.cumsum, a.buf))],
        "cumprod_": [c("cumprod_", lambda m, t: t.buf.cumprod_(1),
                       lambda a: _carried_into(np.cumprod, a.buf))],
        "leaky_relu_": [c("leaky_relu_", lambda m, t: F(m).leaky_relu_(t.buf),
                          lambda a: np.maximum(a.buf, a.buf * F32(0.01), out=a.buf))],
        "elu_": [c("elu_", lambda m, t: F(m).elu_(t.buf))],
        "addmm_": [c("addmm_", lambda m, t: t.buf.addmm_(t.ma, t.mb),
                     lambda a: np.add(a.buf, a.ma @ a.mb, out=a.buf))],
        "index_add": [c("index_add", lambda m, t: m.index_add(t.x, 0, t.idx, t.y), _index_add)],
        "index_copy": [c("index_copy", lambda m, t: m.index_copy(t.x, 0, t.perm, t.y))],
        "index_fill": [c("index_fill", lambda m, t: m.index_fill(t.x, 1, t.fill_idx, -1.0))],
        "scatter_add": [c("scatter_add", lambda m, t: m.scatter_add(t.x, 1, t.cidx, t.y))],
        "scatter_reduce": [c("scatter_reduce",
                             lambda m, t: m.scatter_reduce(t.x, 1, t.cidx, t.y, "sum"))],
        "put": [c("put", lambda m, t: m.put(t.x, t.fidx, t.fvals))],
        # reductions along a dim, as models use them
        "sum": [c("sum", lambda m, t: m.sum(t.x), FLOORS["sum"], GRADS["sum"]),
                c("sum(dim=1)", lambda m, t: m.sum(t.x, 1), lambda a: a.x.sum(1))],
        "mean": [c("mean", lambda m, t: m.mean(t.x), FLOORS["mean"], GRADS["mean"]),
                 c("mean(dim=1)", lambda m, t: m.mean(t.x, 1), lambda a: a.x.mean(1))],
        "var": [c("var", lambda m, t: m.var(t.x), FLOORS["var"]),
                c("var(dim=1)", lambda m, t: m.var(t.x, 1), _var_dim)],
        "max": [c("max", lambda m, t: m.max(t.x), FLOORS["max"]),
                c("max(dim=1)", lambda m, t: m.max(t.x, 1), lambda a: a.x.max(1))],
        # cumulative, softmax
        "cumsum": [c("cumsum", lambda m, t: m.cumsum(t.x, 1),
                     lambda a: _carried(np.cumsum, a.x), _cumsum_grad)],
        "cumprod": [c("cumprod", lambda m, t: m.cumprod(t.x, 1),
                      lambda a: _carried(np.cumprod, a.x))],
        "cummax": [c("cummax", lambda m, t: m.cummax(t.x, 1),
                     lambda a: _running_extreme(a.x, np.maximum))],
        "cummin": [c("cummin", lambda m, t: m.cummin(t.x, 1),
                     lambda a: _running_extreme(a.x, np.minimum))],
        "logcumsumexp": [c("logcumsumexp", lambda m, t: m.logcumsumexp(t.x, 1),
                           lambda a: np.logaddexp.accumulate(a.x, 1))],
        "softmax": sm, "log_softmax": lsm,
        "logsumexp": [c("logsumexp", lambda m, t: m.logsumexp(t.x, 1))],
        # shape
        "block_diag": [c("block_diag", lambda m, t: m.block_diag(t.x, t.y))],
        "cartesian_prod": [c("cartesian_prod", lambda m, t: m.cartesian_prod(t.rv, t.rv2))],
        "cat": [c("cat", lambda m, t: m.cat([t.x, t.y]), lambda a: np.concatenate([a.x, a.y]))],
        "concat": [c("concat", lambda m, t: m.concat([t.x, t.y]))],
        "concatenate": [c("concatenate", lambda m, t: m.concatenate([t.x, t.y]))],
        "column_stack": [c("column_stack", lambda m, t: m.column_stack([t.x, t.y]))],
        "hstack": [c("hstack", lambda m, t: m.hstack([t.x, t.y]), lambda a: np.hstack([a.x, a.y]))],
        "vstack": [c("vstack", lambda m, t: m.vstack([t.x, t.y]), lambda a: np.vstack([a.x, a.y]))],
        "row_stack": [c("row_stack", lambda m, t: m.row_stack([t.x, t.y]))],
        "dstack": [c("dstack", lambda m, t: m.dstack([t.x, t.y]), lambda a: np.dstack([a.x, a.y]))],
        "stack": [c("stack", lambda m, t: m.stack([t.x, t.y]), lambda a: np.stack([a.x, a.y]))],
        "diff": [c("diff", lambda m, t: m.diff(t.x), lambda a: np.diff(a.x))],
        "flip": [c("flip", lambda m, t: m.flip(t.x, [0]), lambda a: a.x[::-1].copy())],
        "roll": [c("roll", lambda m, t: m.roll(t.x, 1, 1), lambda a: np.roll(a.x, 1, 1))],
        "tile": [c("tile", lambda m, t: m.tile(t.x, (2, 1)), lambda a: np.tile(a.x, (2, 1)))],
        # sorting, counting, searching
        # both libraries sort stably and sort returns the indices too: so do the floors
        "argsort": [c("argsort", lambda m, t: m.argsort(t.x, 1),
                      lambda a: np.argsort(a.x, 1, kind="stable"))],
        "sort": [c("sort", lambda m, t: m.sort(t.x, 1), _stable_sort)],
        "topk": [c("topk", lambda m, t: m.topk(t.x, 5, 1))],
        "bincount": [c("bincount", lambda m, t: m.bincount(t.idx), lambda a: np.bincount(a.idx))],
        "bucketize": [c("bucketize", lambda m, t: m.bucketize(t.x, t.bounds),
                        lambda a: np.searchsorted(a.bounds, a.x))],
        "searchsorted": [c("searchsorted", lambda m, t: m.searchsorted(t.sorted_v, t.x),
                           lambda a: np.searchsorted(a.sorted_v, a.x))],
        "multinomial": [c("multinomial", lambda m, t: m.multinomial(t.prob, 1))],
        "repeat_interleave": [c("repeat_interleave",
                                lambda m, t: m.repeat_interleave(t.x, 2, dim=0),
                                lambda a: np.repeat(a.x, 2, 0))],
        "isclose": [c("isclose", lambda m, t: m.isclose(t.x, t.y),
                      lambda a: np.isclose(a.x, a.y))],
        "allclose": [c("allclose", lambda m, t: m.allclose(t.x, t.y),
                       lambda a: np.allclose(a.x, a.y))],
        "equal": [c("equal", lambda m, t: m.equal(t.x, t.y),
                    lambda a: np.array_equal(a.x, a.y))],
        "broadcast_tensors": [c("broadcast_tensors", lambda m, t: m.broadcast_tensors(t.x, t.v))],
        "meshgrid": [c("meshgrid", lambda m, t: m.meshgrid(t.rv, t.v, indexing="ij"))],
        "diag": [c("diag", lambda m, t: m.diag(t.sq), lambda a: np.diag(a.sq).copy())],
        # linear algebra
        "matmul": [c("matmul", lambda m, t: m.matmul(t.x, t.wt), lambda a: a.x @ a.wt)],
        "mm": [c("mm", lambda m, t: m.mm(t.x, t.wt), lambda a: a.x @ a.wt)],
        "mv": [c("mv", lambda m, t: m.mv(t.x, t.v), lambda a: a.x @ a.v)],
        "dot": [c("dot", lambda m, t: m.dot(t.v, t.v), lambda a: np.dot(a.v, a.v))],
        "outer": [c("outer", lambda m, t: m.outer(t.rv, t.v), lambda a: np.outer(a.rv, a.v))],
        "ger": [c("ger", lambda m, t: m.ger(t.rv, t.v), lambda a: np.outer(a.rv, a.v))],
        "addmm": [c("addmm", lambda m, t: m.addmm(t.x, t.ma, t.mb),
                    lambda a: a.x + a.ma @ a.mb)],
        "addmv": [c("addmv", lambda m, t: m.addmv(t.rv, t.x, t.v), lambda a: a.rv + a.x @ a.v)],
        "addr": [c("addr", lambda m, t: m.addr(t.x, t.rv, t.v),
                   lambda a: a.x + np.outer(a.rv, a.v))],
        "bmm": [c("bmm", lambda m, t: m.bmm(t.b1, t.b2), lambda a: a.b1 @ a.b2)],
        "baddbmm": [c("baddbmm", lambda m, t: m.baddbmm(t.bx, t.b1, t.b2),
                      lambda a: a.bx + a.b1 @ a.b2)],
        "addbmm": [c("addbmm", lambda m, t: m.addbmm(t.x, t.b1, t.b2),
                     lambda a: a.x + (a.b1 @ a.b2).sum(0))],
        "chain_matmul": [c("chain_matmul", lambda m, t: m.linalg.multi_dot([t.ma, t.mb]),
                           lambda a: a.ma @ a.mb)],
        "einsum": [c("einsum", lambda m, t: m.einsum("ij,ij->i", t.x, t.y),
                     lambda a: np.einsum("ij,ij->i", a.x, a.y))],
        "tensordot": [c("tensordot", lambda m, t: m.tensordot(t.x, t.y, dims=([1], [1])),
                        lambda a: a.x @ a.y.T)],
        "kron": [c("kron", lambda m, t: m.kron(t.k1, t.k2), lambda a: np.kron(a.k1, a.k2))],
        "cross": [c("cross", lambda m, t: m.cross(t.x3, t.y3, dim=1),
                    lambda a: np.cross(a.x3, a.y3))],
        "cdist": [c("cdist", lambda m, t: m.cdist(t.xs, t.xs2))],
        "norm": [c("norm", lambda m, t: m.norm(t.x), _norm,
                   lambda a, g, r: a.x * (g / r))],
        "trace": [c("trace", lambda m, t: m.trace(t.sq), lambda a: np.trace(a.sq))],
        "det": [c("det", lambda m, t: m.det(t.sq), lambda a: np.linalg.det(a.sq))],
        "logdet": [c("logdet", lambda m, t: m.logdet(t.spd),
                     lambda a: np.linalg.slogdet(a.spd)[1])],
        "slogdet": [c("slogdet", lambda m, t: m.slogdet(t.sq), lambda a: np.linalg.slogdet(a.sq))],
        "inverse": [c("inverse", lambda m, t: m.inverse(t.sq), lambda a: np.linalg.inv(a.sq))],
        "cholesky": [c("cholesky", lambda m, t: m.linalg.cholesky(t.spd),
                       lambda a: np.linalg.cholesky(a.spd))],
        "matrix_power": [c("matrix_power", lambda m, t: m.matrix_power(t.sq, 3),
                           lambda a: np.linalg.matrix_power(a.sq, 3))],
        "qr": [c("qr", lambda m, t: m.linalg.qr(t.x.T), lambda a: np.linalg.qr(a.x.T))],
        "svd": [c("svd", lambda m, t: m.linalg.svd(t.sq, full_matrices=False),
                  lambda a: np.linalg.svd(a.sq, full_matrices=False))],
        "pinverse": [c("pinverse", lambda m, t: m.pinverse(t.sq), lambda a: np.linalg.pinv(a.sq))],
        # views and splits
        "as_strided": [c("as_strided", lambda m, t: m.as_strided(t.x, (8, 8), (1, 1)),
                         lambda a: np.lib.stride_tricks.as_strided(a.x, (8, 8), (4, 4)))],
        "broadcast_to": [c("broadcast_to", lambda m, t: m.broadcast_to(t.v, tuple(t.x.shape)))],
        "moveaxis": [c("moveaxis", lambda m, t: m.moveaxis(t.x, 0, 1),
                       lambda a: np.moveaxis(a.x, 0, 1))],
        "movedim": [c("movedim", lambda m, t: m.movedim(t.x, 0, 1),
                      lambda a: np.moveaxis(a.x, 0, 1))],
        "narrow": [c("narrow", lambda m, t: m.narrow(t.x, 1, 0, 8))],
        "permute": [c("permute", lambda m, t: m.permute(t.x, (1, 0)))],
        "reshape": [c("reshape", lambda m, t: m.reshape(t.x, (-1,)))],
        "select": [c("select", lambda m, t: m.select(t.x, 0, 0))],
        "swapaxes": [c("swapaxes", lambda m, t: m.swapaxes(t.x, 0, 1))],
        "swapdims": [c("swapdims", lambda m, t: m.swapdims(t.x, 0, 1))],
        "transpose": [c("transpose", lambda m, t: m.transpose(t.x, 0, 1))],
        "unflatten": [c("unflatten", lambda m, t: m.unflatten(t.x, 1, (2, -1)))],
        "unsqueeze": [c("unsqueeze", lambda m, t: m.unsqueeze(t.x, 0))],
        "view": [c("view", lambda m, t: t.x.view(-1))],
        "expand": [c("expand", lambda m, t: t.v.expand(tuple(t.x.shape)))],
        "repeat": [c("repeat", lambda m, t: t.x.repeat(2, 1), lambda a: np.tile(a.x, (2, 1)))],
        "unfold": [c("unfold", lambda m, t: t.x.unfold(1, 8, 8))],
        "chunk": [c("chunk", lambda m, t: m.chunk(t.x, 4, 1))],
        "split": [c("split", lambda m, t: m.split(t.x, 16, 1))],
        "split_with_sizes": [c("split_with_sizes",
                               lambda m, t: m.split_with_sizes(t.x, [16, t.x.shape[1] - 16], 1),
                               lambda a: np.split(a.x, [16], 1))],
        "tensor_split": [c("tensor_split", lambda m, t: m.tensor_split(t.x, 4, 1))],
        "unbind": [c("unbind", lambda m, t: m.unbind(t.x, 0))],
        "unsafe_chunk": [c("unsafe_chunk", lambda m, t: m.unsafe_chunk(t.x, 4, 1),
                           lambda a: np.split(a.x, 4, 1))],
        "unsafe_split": [c("unsafe_split", lambda m, t: m.unsafe_split(t.x, 16, 1))],
        "unsafe_split_with_sizes": [c("unsafe_split_with_sizes", lambda m, t:
                                      m.unsafe_split_with_sizes(t.x, [16, t.x.shape[1] - 16], 1),
                                      lambda a: np.split(a.x, [16], 1))],
        # indexing
        "gather": [c("gather", lambda m, t: m.gather(t.x, 1, t.cidx),
                     lambda a: np.take_along_axis(a.x, a.cidx, 1))],
        "index_select": [c("index_select", lambda m, t: m.index_select(t.x, 0, t.idx),
                           lambda a: np.take(a.x, a.idx, 0), _rows_added)],
        "index_put": [c("index_put", lambda m, t: m.index_put(t.x, (t.perm,), t.y))],
        "masked_scatter": [c("masked_scatter", lambda m, t: m.masked_scatter(t.x, t.mask, t.y))],
        "masked_select": [c("masked_select", lambda m, t: m.masked_select(t.x, t.mask),
                            lambda a: a.x[a.mask])],
        "nonzero": [c("nonzero", lambda m, t: m.nonzero(t.mask), lambda a: np.argwhere(a.mask))],
        "argwhere": [c("argwhere", lambda m, t: m.argwhere(t.mask), lambda a: np.argwhere(a.mask))],
        "scatter": [c("scatter", lambda m, t: m.scatter(t.x, 1, t.cidx, t.y))],
        "take": [c("take", lambda m, t: m.take(t.x, t.fidx), lambda a: a.x.reshape(-1)[a.fidx])],
        "__getitem__": [c("x[idx]", lambda m, t: t.x[t.idx], lambda a: a.x[a.idx])],
        # nn.functional
        "linear": [c("linear", lambda m, t: F(m).linear(t.x, t.wl, t.bl),
                     lambda a: a.x @ a.wl.T + a.bl, _linear_grad)],
        "bilinear": [c("bilinear", lambda m, t: F(m).bilinear(t.xs, t.xs2, t.wbil))],
        "embedding": [c("embedding", lambda m, t: F(m).embedding(t.idx, t.x),
                        lambda a: a.x[a.idx], _rows_added)],
        "dropout": [c("dropout", lambda m, t: F(m).dropout(t.x, 0.5))],
        "layer_norm": [c("layer_norm", lambda m, t: F(m).layer_norm(t.x, (t.x.shape[1],),
                                                                    t.wc, t.bc),
                         _layer_norm, _layer_norm_grad)],
        "batch_norm": [c("batch_norm", lambda m, t: F(m).batch_norm(
            t.x, t.rmean, t.rvar, t.wc, t.bc, training=True), _batch_norm)],
        "relu6": [c("relu6", lambda m, t: F(m).relu6(t.x), lambda a: np.clip(a.x, 0, 6))],
        "relu_": [c("relu_", lambda m, t: F(m).relu_(t.buf),
                    lambda a: np.maximum(a.buf, 0, out=a.buf))],
        "hardtanh_": [c("hardtanh_", lambda m, t: F(m).hardtanh_(t.buf),
                        lambda a: np.clip(a.buf, -1, 1, out=a.buf))],
        "mse_loss": [c("mse_loss", lambda m, t: F(m).mse_loss(t.x, t.y), _mse, _mse_grad)],
        "l1_loss": [c("l1_loss", lambda m, t: F(m).l1_loss(t.x, t.y),
                      lambda a: np.abs(a.x - a.y).mean())],
        "smooth_l1_loss": [c("smooth_l1_loss", lambda m, t: F(m).smooth_l1_loss(t.x, t.y),
                             _smooth_l1)],
        "huber_loss": [c("huber_loss", lambda m, t: F(m).huber_loss(t.x, t.y), _smooth_l1)],
        "cross_entropy": [c("cross_entropy", lambda m, t: F(m).cross_entropy(t.x, t.labels),
                            _cross_entropy, _cross_entropy_grad)],
        "nll_loss": [c("nll_loss", lambda m, t: F(m).nll_loss(t.x, t.labels),
                       lambda a: -a.x[np.arange(a.x.shape[0]), a.labels].mean())],
        "binary_cross_entropy": [c("binary_cross_entropy",
                                   lambda m, t: F(m).binary_cross_entropy(t.prob, t.t01))],
        "binary_cross_entropy_with_logits": [c("bce_with_logits", lambda m, t:
                                               F(m).binary_cross_entropy_with_logits(t.x, t.t01))],
        "one_hot": [c("one_hot", lambda m, t: F(m).one_hot(t.labels, t.x.shape[1]))],
        "kl_div": [c("kl_div", lambda m, t: F(m).kl_div(t.x, t.prob, reduction="batchmean"))],
        "poisson_nll_loss": [c("poisson_nll_loss", lambda m, t: F(m).poisson_nll_loss(t.x, t.p))],
        "gaussian_nll_loss": [c("gaussian_nll_loss",
                                lambda m, t: F(m).gaussian_nll_loss(t.x, t.y, t.p))],
        "cosine_embedding_loss": [c("cosine_embedding_loss",
                                    lambda m, t: F(m).cosine_embedding_loss(t.x, t.y, t.sign))],
        "margin_ranking_loss": [c("margin_ranking_loss",
                                  lambda m, t: F(m).margin_ranking_loss(t.rv, t.rv2, t.sign))],
        "hinge_embedding_loss": [c("hinge_embedding_loss",
                                   lambda m, t: F(m).hinge_embedding_loss(t.x, t.pm1))],
        "triplet_margin_loss": [c("triplet_margin_loss",
                                  lambda m, t: F(m).triplet_margin_loss(t.x, t.y, t.z))],
        "triplet_margin_with_distance_loss": [c(
            "triplet_margin_with_distance", lambda m, t:
            F(m).triplet_margin_with_distance_loss(t.x, t.y, t.z))],
        "multilabel_soft_margin_loss": [c("multilabel_soft_margin_loss", lambda m, t:
                                          F(m).multilabel_soft_margin_loss(t.x, t.t01))],
        "soft_margin_loss": [c("soft_margin_loss", lambda m, t: F(m).soft_margin_loss(t.x, t.pm1))],
        "multi_margin_loss": [c("multi_margin_loss",
                                lambda m, t: F(m).multi_margin_loss(t.x, t.labels))],
        "multilabel_margin_loss": [c("multilabel_margin_loss", lambda m, t:
                                     F(m).multilabel_margin_loss(t.x, t.mltarget))],
        "pairwise_distance": [c("pairwise_distance",
                                lambda m, t: F(m).pairwise_distance(t.x, t.y))],
        "cosine_similarity": [c("cosine_similarity",
                                lambda m, t: F(m).cosine_similarity(t.x, t.y),
                                _cosine_similarity)],
    }


CASES = _cases()

# ops the sweep does not time, and why
SKIP = {
    "linalg": "a namespace (its functions are timed under their top-level names)",
    "return_types": "a namespace of result types",
    "ctc_loss": "needs sequences of log-probabilities and their lengths",
    "fill_diagonal_": "in-place on a square matrix only; a one-line wrapper of index_put_",
    "resize_": "changes the storage's size: no steady state to time",
    "__new__": "the constructor",
    "__deepcopy__": "copy.deepcopy support",
}
