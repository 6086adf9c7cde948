"""Matrix products against PyTorch: values, dtypes, grads, grad_fn names and chains, errors,
what is saved for backward, out=, in-place forms, double backward."""
import numpy as np
import pytest

import insitu

torch = pytest.importorskip("torch")

TDT = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
       "int64": torch.int64, "int32": torch.int32, "bool": torch.bool}


# ------------------------------------------------------------------------ helpers

def make(shape, dtype="float32", seed=0):
    g = torch.Generator().manual_seed(seed)
    tdt = TDT[dtype]
    if tdt.is_floating_point:
        return torch.randn(shape, generator=g, dtype=torch.float64).to(tdt)
    return torch.randint(-3, 4, shape, generator=g).to(tdt)


def mirror(t, requires_grad=False):
    x = insitu.tensor(t.detach().numpy().copy())
    if requires_grad:
        x.requires_grad_()
    return x


def assert_same(i, t, tol=None):
    assert isinstance(i, insitu.Tensor), type(i)
    assert tuple(i.shape) == tuple(t.shape)
    assert i.dtype.name == str(t.dtype).split(".")[-1]
    if tol is None:
        tol = {torch.float16: 1e-2, torch.float32: 1e-5}.get(t.dtype, 1e-10)
    np.testing.assert_allclose(i.detach().numpy().astype(np.float64),
                               t.detach().numpy().astype(np.float64), rtol=tol, atol=tol)


def name(fn):
    return None if fn is None else fn.name().replace("torch::", "").replace("insitu::", "")


def chain(t):
    """Node names from the output down every first-available edge (the decomposition's path)."""
    out, fn = [], t.grad_fn
    while fn is not None and "AccumulateGrad" not in name(fn):
        out.append(name(fn))
        nxt = [f for f, _ in fn.next_functions if f is not None]
        fn = nxt[0] if nxt else None
    return out


def compare(fn, *tins, grads=None, seed=1, tol=None, depth=None):
    """fn(lib, *inputs) in both libraries: value, dtype, grad_fn chain (its first `depth`
    names), input gradients."""
    if grads is None:
        grads = [t.dtype.is_floating_point for t in tins]
    tx = [t.clone().requires_grad_(r) for t, r in zip(tins, grads)]
    ix = [mirror(t, r) for t, r in zip(tins, grads)]
    to, io = fn(torch, *tx), fn(insitu, *ix)
    assert_same(io, to, tol)
    assert chain(io)[:depth] == chain(to)[:depth]
    if to.grad_fn is None:
        return io, to
    up = make(tuple(to.shape), str(to.dtype).split(".")[-1], seed=seed)
    to.backward(up)
    io.backward(mirror(up))
    for a, b, r in zip(ix, tx, grads):
        if r:
            assert_same(a.grad, b.grad, tol)
    return io, to


def raises_like(fn, *tins):
    with pytest.raises(Exception) as te:
        fn(torch, *tins)
    with pytest.raises(type(te.value)) as ie:
        fn(insitu, *[mirror(t) for t in tins])
    expected = str(te.value).split("\n")[0].replace("torch.", "insitu.")
    assert str(ie.value).split("\n")[0] == expected


def double_backward_compare(fn, *ts):
    """d(grad . v)/d(inputs, upstream gradient) equals PyTorch's."""
    tx = [t.clone().requires_grad_() for t in ts]
    ix = [mirror(t, True) for t in ts]
    to, io = fn(torch, *tx), fn(insitu, *ix)
    tup = make(tuple(to.shape), "float64", seed=3).requires_grad_()
    iup = mirror(tup, True)
    tg = torch.autograd.grad(to, tx, tup, create_graph=True)
    ig = insitu.autograd.grad(io, ix, iup, create_graph=True)
    vs = [make(tuple(t.shape), "float64", seed=4 + k) for k, t in enumerate(ts)]
    tsum = sum((g * v).sum() for g, v in zip(tg, vs))
    isum = sum((g * mirror(v)).sum() for g, v in zip(ig, vs))
    tgg = torch.autograd.grad(tsum, tx + [tup], allow_unused=True)
    igg = insitu.autograd.grad(isum, ix + [iup], allow_unused=True)
    for a, b, t in zip(igg, tgg, tx + [tup]):
        b = torch.zeros_like(t) if b is None else b
        a = insitu.zeros(tuple(t.shape), dtype=insitu.float64) if a is None else a
        assert_same(a, b, 1e-8)


def finite_difference_check(f, *xs, eps=1e-6, tol=1e-5):
    """Autograd's gradients of sum(f(*xs) * w) against central differences (float64)."""
    xs = [x.detach().clone().requires_grad_() for x in xs]
    y = f(*xs)
    w = insitu.tensor(np.random.default_rng(0).standard_normal(tuple(y.shape)))
    (y * w).sum().backward()
    for k, x in enumerate(xs):
        base = x.detach().numpy().copy()
        num = np.zeros(base.size)
        for e in range(base.size):
            for sign in (1, -1):
                b = base.copy()
                b.reshape(-1)[e] += sign * eps
                args = [insitu.tensor(b) if j == k else xj.detach() for j, xj in enumerate(xs)]
                num[e] += sign * (f(*args) * w).sum().item() / (2 * eps)
        np.testing.assert_allclose(x.grad.numpy().reshape(-1), num, rtol=tol, atol=tol)


# ------------------------------------------------------------------------ matmul

MATMUL_SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)),
                 ((2, 3, 4), (4,)), ((2, 3, 4), (4, 5)), ((4,), (2, 4, 5)), ((3, 4), (2, 4, 5)),
                 ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((2, 3, 4), (1, 4, 5)),
                 ((1, 3, 4), (2, 4, 5)), ((2, 3, 4), (3, 2, 4, 5)), ((2, 2, 3, 4), (4,)),
                 ((0, 3, 4), (4, 2)), ((3, 0), (0, 2))]


@pytest.mark.parametrize("s1,s2", MATMUL_SHAPES)
@pytest.mark.parametrize("req", [(True, False), (False, True), (True, True), (False, False)])
def test_matmul_values_grads_and_decomposition(s1, s2, req):
    a, b = make(s1, "float64"), make(s2, "float64", seed=2)
    compare(lambda m, a, b: m.matmul(a, b), a, b, grads=list(req))
    compare(lambda m, a, b: a @ b, a, b, grads=list(req))


@pytest.mark.parametrize("dtype", ["float32", "float16", "int64", "int32"])
@pytest.mark.parametrize("s1,s2", [((4,), (4,)), ((3, 4), (4,)), ((3, 4), (4, 5)),
                                   ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5))])
def test_matmul_dtypes(dtype, s1, s2):
    compare(lambda m, a, b: m.matmul(a, b), make(s1, dtype), make(s2, dtype, seed=2))


def test_matmul_of_noncontiguous_operands():
    # transposed views: the fold rule looks at strides, so the decomposition changes too
    compare(lambda m, a, b: m.matmul(a.transpose(0, 2), b.t()),
            make((4, 3, 2), "float64"), make((5, 4), "float64"))
    compare(lambda m, a, b: m.matmul(a, b.transpose(1, 2)),
            make((2, 3, 4), "float64"), make((2, 5, 4), "float64"), grads=[False, False])
    compare(lambda m, a, b: m.matmul(a.transpose(0, 1), b),
            make((3, 2, 4), "float64"), make((4, 5), "float64"), grads=[False, False])


MATMUL_ERRORS = [
    ((3,), (4,)), ((2, 3), (4,)), ((4,), (2, 3)), ((2, 3), (4, 5)), ((2, 3, 4), (2, 3)),
    ((2, 3, 4), (2, 3, 4)), ((2, 3, 4), (3, 4, 4)), ((2, 3, 4), (3,)), ((3,), (2, 4, 5)),
    ((), (3,)), ((3,), ()),
]


@pytest.mark.parametrize("s1,s2", MATMUL_ERRORS)
def test_matmul_shape_errors(s1, s2):
    raises_like(lambda m, a, b: m.matmul(a, b), make(s1), make(s2))


@pytest.mark.parametrize("s1,s2", [((2, 3), (3, 4)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
                                   ((2, 3, 4), (4,)), ((2, 3, 4), (2, 4, 5))])
def test_matmul_dtype_errors(s1, s2):
    raises_like(lambda m, a, b: m.matmul(a, b), make(s1), make(s2, "float64"))
    raises_like(lambda m, a, b: m.matmul(a, b), make(s1, "int64"), make(s2))


def test_matmul_operators():
    a, b = make((2, 3)), make((3, 4))
    ia, ib = mirror(a), mirror(b)
    assert_same(ia @ ib, a @ b)
    assert_same(ib.__rmatmul__(ia), b.__rmatmul__(a))
    assert ib.__rmatmul__(2) is NotImplemented
    with pytest.raises(TypeError):
        ia @ 2
    with pytest.raises(TypeError):
        2 @ ia
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        insitu.matmul(ia, 2)
    assert_same(ia.matmul(ib), a.matmul(b))


def test_matmul_out():
    a, b = make((2, 3)), make((3, 4))
    to, io = torch.empty(0), insitu.empty(0)
    torch.matmul(a, b, out=to)
    r = insitu.matmul(mirror(a), mirror(b), out=io)
    assert r is io
    assert_same(io, to)
    raises_like(lambda m, a, b: m.matmul(a, b, out=m.empty(2, 4, dtype=m.float64)), a, b)
    raises_like(lambda m, a, b: m.matmul(a.requires_grad_(), b, out=m.empty(2, 4)), a, b)


# ------------------------------------------------------------------------ the named products

def test_mm_bmm_mv_dot_outer_values_and_grads():
    compare(lambda m, a, b: m.mm(a, b), make((3, 4), "float64"), make((4, 2), "float64"))
    compare(lambda m, a, b: a.mm(b), make((3, 4)), make((4, 2)))
    compare(lambda m, a, b: m.bmm(a, b), make((2, 3, 4), "float64"), make((2, 4, 5), "float64"))
    compare(lambda m, a, b: m.mv(a, b), make((3, 4), "float64"), make((4,), "float64"))
    compare(lambda m, a, b: m.dot(a, b), make((4,), "float64"), make((4,), "float64"))
    compare(lambda m, a, b: a.dot(b), make((4,), "int64"), make((4,), "int64"))
    compare(lambda m, a, b: m.outer(a, b), make((3,), "float64"), make((4,), "float64"))
    compare(lambda m, a, b: m.ger(a, b), make((3,)), make((4,)))
    compare(lambda m, a, b: m.outer(a, b), make((3,), "int64"), make((4,)))
    compare(lambda m, a, b: m.mm(a, b), make((3, 4), "int64"), make((4, 2), "int64"))
    compare(lambda m, a, b: m.bmm(a, b), make((2, 3, 4), "float16"), make((2, 4, 5), "float16"))
    compare(lambda m, a, b: m.mm(a, b), make((3, 0)), make((0, 2)))


PRODUCT_ERRORS = [
    (lambda m, a, b: m.mm(a, b), (2, 3), (4, 5), "float32", "float32"),
    (lambda m, a, b: m.mm(a, b), (3,), (3, 2), "float32", "float32"),
    (lambda m, a, b: m.mm(a, b), (2, 3), (3,), "float32", "float32"),
    (lambda m, a, b: m.mm(a, b), (2, 3), (3, 2), "int64", "float32"),
    (lambda m, a, b: m.mm(a, b), (2, 3), (3, 2), "bool", "bool"),
    (lambda m, a, b: m.bmm(a, b), (2, 3), (3, 2), "float32", "float32"),
    (lambda m, a, b: m.bmm(a, b), (2, 3, 4), (3, 2), "float32", "float32"),
    (lambda m, a, b: m.bmm(a, b), (2, 3, 4), (2, 5, 4), "float32", "float32"),
    (lambda m, a, b: m.bmm(a, b), (2, 3, 4), (3, 4, 4), "float32", "float32"),
    (lambda m, a, b: m.bmm(a, b), (2, 3, 4), (2, 4, 4), "float32", "float64"),
    (lambda m, a, b: m.bmm(a, b), (2, 3, 4), (2, 4, 4), "bool", "bool"),
    (lambda m, a, b: m.mv(a, b), (2, 3), (4,), "float32", "float32"),
    (lambda m, a, b: m.mv(a, b), (2, 3), (2, 3), "float32", "float32"),
    (lambda m, a, b: m.mv(a, b), (3,), (3,), "float32", "float32"),
    (lambda m, a, b: m.mv(a, b), (2, 3), (3,), "float64", "float32"),
    (lambda m, a, b: m.mv(a, b), (2, 3), (3,), "bool", "bool"),
    (lambda m, a, b: m.dot(a, b), (3,), (4,), "float32", "float32"),
    (lambda m, a, b: m.dot(a, b), (2, 3), (2, 3), "float32", "float32"),
    (lambda m, a, b: m.dot(a, b), (3,), (4,), "float32", "float64"),
    (lambda m, a, b: m.dot(a, b), (3,), (3,), "bool", "bool"),
    (lambda m, a, b: m.outer(a, b), (2, 3), (3,), "float32", "float32"),
    (lambda m, a, b: m.outer(a, b), (3,), (2, 3), "float32", "float32"),
    (lambda m, a, b: m.tensordot(a, b, ([1], [1])), (2, 3, 4), (3, 4, 5), "float32", "float32"),
    (lambda m, a, b: m.tensordot(a, b, -1), (2, 3, 4), (3, 4, 5), "float32", "float32"),
    (lambda m, a, b: m.tensordot(a, b, ([1, 2], [0])), (2, 3, 4), (3, 4, 5), "float32", "float32"),
    (lambda m, a, b: m.tensordot(a, b, 2), (2, 3, 4), (3, 4, 5), "float32", "float64"),
    (lambda m, a, b: m.einsum("ij,jk->ik", a, b), (3, 3), (4, 3), "float32", "float32"),
    (lambda m, a, b: m.einsum("ij,jk->ik", a, b), (3, 3), (3, 3), "float32", "float64"),
    (lambda m, a, b: m.trace(a), (2, 2, 2), (1,), "float32", "float32"),
    (lambda m, a, b: m.trace(a), (2, 2), (1,), "bool", "bool"),
]


@pytest.mark.parametrize("case", range(len(PRODUCT_ERRORS)))
def test_product_errors(case):
    fn, s1, s2, d1, d2 = PRODUCT_ERRORS[case]
    raises_like(fn, make(s1, d1), make(s2, d2, seed=2))


def test_out_forms():
    a, b = make((3, 4)), make((4, 2))
    for op, x, y in (("mm", a, b), ("mv", a, make((4,))), ("dot", make((4,)), make((4,))),
                     ("bmm", make((2, 3, 4)), make((2, 4, 2)))):
        to, io = torch.empty(7), insitu.empty(7)
        with pytest.warns(UserWarning):
            getattr(torch, op)(x, y, out=to)
            r = getattr(insitu, op)(mirror(x), mirror(y), out=io)
        assert r is io and io._version == 1
        assert_same(io, to)
    raises_like(lambda m, a, b: m.mm(a, b, out=m.empty(3, 2, dtype=m.float64)), a, b)


# ------------------------------------------------------------------------ what mm saves

@pytest.mark.parametrize("modify", ["x", "w"])
def test_mm_saves_an_operand_only_for_the_other_ones_gradient(modify):
    """x @ w with a constant x saves x (for w's gradient), not w: modifying w is fine."""
    results = {}
    for m in (torch, insitu):
        x = m.ones(2, 3, dtype=m.float64)
        w0 = m.ones(3, 4, dtype=m.float64, requires_grad=True)
        w = w0 * 1
        y = x @ w
        (x if modify == "x" else w).add_(1)
        try:
            y.sum().backward()
            results[m] = w0.grad.numpy().copy()
        except RuntimeError as e:
            results[m] = str(e).split(",")[0]
    if modify == "w":
        np.testing.assert_array_equal(results[insitu], results[torch])
    else:
        assert results[insitu] == results[torch].replace("torch.", "insitu.")


def test_saved_operands_per_op():
    for fn, shapes in ((insitu.mm, ((2, 3), (3, 4))), (insitu.bmm, ((2, 2, 3), (2, 3, 4))),
                       (insitu.mv, ((2, 3), (3,))), (insitu.dot, ((3,), (3,)))):
        a, b = insitu.randn(*shapes[0]), insitu.randn(*shapes[1], requires_grad=True)
        node = fn(a, b).grad_fn
        assert len(node.saved) == 1
        a.requires_grad_()
        b.requires_grad_(False)
        assert len(fn(a, b).grad_fn.saved) == 1


def test_einsum_saves_an_operand_only_for_another_ones_gradient():
    a, b = insitu.randn(3, 4), insitu.randn(4, 5, requires_grad=True)
    assert len(insitu.einsum("ij,jk->ik", a, b).grad_fn.saved) == 1
    a.requires_grad_()
    assert len(insitu.einsum("ij,jk->ik", a, b).grad_fn.saved) == 2
    assert len(insitu.einsum("ii->i", a[:, :3]).grad_fn.saved) == 0


# ------------------------------------------------------------------------ addmm family

@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1), (2, 0)])
def test_addmm_addmv_baddbmm(beta, alpha):
    kw = {"beta": beta, "alpha": alpha}
    compare(lambda m, c, a, b: m.addmm(c, a, b, **kw), make((3,), "float64"),
            make((2, 4), "float64"), make((4, 3), "float64"))
    compare(lambda m, c, a, b: c.addmm(a, b, **kw), make((2, 3), "float64"),
            make((2, 4), "float64"), make((4, 3), "float64"))
    compare(lambda m, c, a, b: m.addmv(c, a, b, **kw), make((1,), "float64"),
            make((2, 3), "float64"), make((3,), "float64"))
    compare(lambda m, c, a, b: m.baddbmm(c, a, b, **kw), make((3,), "float64"),
            make((2, 3, 4), "float64"), make((2, 4, 3), "float64"))


def test_addmm_beta_zero_ignores_nan_and_errors():
    c = torch.full((2, 3), float("nan"))
    compare(lambda m, c, a, b: m.addmm(c, a, b, beta=0), c, make((2, 4)), make((4, 3)))
    raises_like(lambda m, c, a, b: m.addmm(c, a, b), make((4,)), make((2, 4)), make((4, 3)))
    raises_like(lambda m, c, a, b: m.addmm(c, a, b), make((2, 3)), make((2, 4)), make((5, 3)))
    raises_like(lambda m, c, a, b: m.addmm(c, a, b), make((2, 3)), make((4,)), make((4, 3)))
    raises_like(lambda m, c, a, b: m.addmm(c, a, b), make((2, 3), "float64"), make((2, 4)),
                make((4, 3)))
    raises_like(lambda m, c, a, b: m.addmv(c, a, b), make((2,)), make((2, 4)), make((3,)))
    raises_like(lambda m, c, a, b: m.baddbmm(c, a, b), make((4,)), make((2, 3, 4)),
                make((2, 4, 3)))


@pytest.mark.parametrize("op,shapes", [("addmm_", ((2, 3), (2, 4), (4, 3))),
                                       ("addmv_", ((2,), (2, 3), (3,))),
                                       ("baddbmm_", ((2, 3, 3), (2, 3, 4), (2, 4, 3)))])
def test_inplace_add_products(op, shapes):
    c, a, b = (make(s, "float64", seed=k) for k, s in enumerate(shapes))
    tc, ic = c.clone().requires_grad_(), mirror(c, True)
    ta, ia = a.clone().requires_grad_(), mirror(a, True)
    tb, ib = b.clone().requires_grad_(), mirror(b, True)
    ty, iy = tc * 1, ic * 1
    tv, iv = ty._version, iy._version
    assert getattr(iy, op)(ia, ib, beta=0.5, alpha=2) is iy
    getattr(ty, op)(ta, tb, beta=0.5, alpha=2)
    assert iy._version - iv == ty._version - tv == 1
    assert_same(iy, ty)
    assert name(iy.grad_fn) == name(ty.grad_fn)
    up = make(tuple(ty.shape), "float64", seed=9)
    ty.backward(up)
    iy.backward(mirror(up))
    for i, t in ((ic, tc), (ia, ta), (ib, tb)):
        assert_same(i.grad, t.grad)
    bad = {"addmm_": (3, 3), "addmv_": (3,), "baddbmm_": (2, 4, 4)}[op]
    raises_like(lambda m, c, a, b: getattr(c, op)(a, b), make(bad), make(shapes[1]),
                make(shapes[2]))
    raises_like(lambda m, c, a, b: getattr(c.requires_grad_(), op)(a, b), make(shapes[0]),
                make(shapes[1]), make(shapes[2]))


# ------------------------------------------------------------------------ trace, tensordot, einsum

def test_trace():
    compare(lambda m, a: m.trace(a), make((3, 4), "float64"))
    compare(lambda m, a: a.trace(), make((4, 2)))
    compare(lambda m, a: m.trace(a), make((3, 3), "int32"))


@pytest.mark.parametrize("dims,bshape", [(2, (3, 4, 2)), (1, (4, 3, 2)), (0, (2, 2)),
                                         (([1, 2], [0, 1]), (3, 4, 2)), (([0], [2]), (4, 3, 2)),
                                         (([2, 1], [1, 0]), (3, 4, 2)), (([-1], [0]), (4, 3, 2)),
                                         (([0, 1], [2, 0]), (3, 4, 2)), (([1], [0]), (1, 2))])
def test_tensordot(dims, bshape):
    a, b = make((2, 3, 4), "float64"), make(bshape, "float64", seed=2)
    # only the top of the chain: inside, PyTorch reshapes a permuted operand with
    # ReshapeAliasBackward0 where insitu's Tensor.reshape records ViewBackward0
    compare(lambda m, a, b: m.tensordot(a, b, dims), a, b, depth=1)


EINSUMS = [("ij,jk->ik", ((3, 4), (4, 5))), ("ij,jk", ((3, 4), (4, 5))),
           ("bij,bjk->bik", ((2, 3, 4), (2, 4, 5))), ("ii->i", ((3, 3),)), ("ii", ((3, 3),)),
           ("ij->ji", ((3, 4),)), ("ij->", ((3, 4),)), ("i,j->ij", ((3,), (4,))),
           ("...ij,...jk->...ik", ((2, 3, 4), (2, 4, 5))), ("ij,ij->i", ((3, 4), (3, 4))),
           ("ijk,k->ij", ((2, 3, 4), (4,))), ("ij,jk,kl->il", ((2, 3), (3, 4), (4, 2))),
           ("iij->j", ((3, 3, 2),)), ("ij->i", ((3, 4),)), ("bn,anm,bm->ba", ((2, 3), (4, 3, 5), (2, 5)))]


@pytest.mark.parametrize("eq,shapes", EINSUMS)
def test_einsum_values_and_grads(eq, shapes):
    tins = [make(s, "float64", seed=k) for k, s in enumerate(shapes)]
    tx = [t.clone().requires_grad_() for t in tins]
    ix = [mirror(t, True) for t in tins]
    to, io = torch.einsum(eq, *tx), insitu.einsum(eq, *ix)
    assert_same(io, to)
    up = make(tuple(to.shape), "float64", seed=7)
    to.backward(up)
    io.backward(mirror(up))
    for a, b in zip(ix, tx):
        assert_same(a.grad, b.grad)


def test_einsum_integer_and_list_form():
    a, b = make((2, 3), "int64"), make((3, 2), "int64", seed=1)
    assert_same(insitu.einsum("ij,jk", [mirror(a), mirror(b)]), torch.einsum("ij,jk", [a, b]))
    raises_like(lambda m, a: m.einsum("ij,jk", a), a)


# ------------------------------------------------------------------------ higher order

@pytest.mark.parametrize("fn,shapes", [
    (lambda m, a, b: m.mm(a, b), ((3, 4), (4, 2))),
    (lambda m, a, b: m.bmm(a, b), ((2, 3, 4), (2, 4, 2))),
    (lambda m, a, b: m.mv(a, b), ((3, 4), (4,))),
    (lambda m, a, b: m.dot(a, b), ((4,), (4,))),
    (lambda m, a, b: a @ b, ((2, 3, 4), (4, 2))),
    (lambda m, a, b: a @ b, ((4,), (2, 4, 3))),
    (lambda m, a, b: a @ b, ((2, 1, 3, 4), (5, 4, 2))),
    (lambda m, a, b: m.addmm(a.sum(0), a, b), ((3, 4), (4, 4))),
    (lambda m, a, b: m.einsum("ij,jk->ik", a, b), ((3, 4), (4, 2))),
    (lambda m, a, b: m.tensordot(a, b, 1), ((3, 4), (4, 2))),
    (lambda m, a, b: m.trace(a) * b.sum(), ((3, 4), (2,))),
])
def test_double_backward_matches_torch(fn, shapes):
    double_backward_compare(fn, *[make(s, "float64", seed=k) for k, s in enumerate(shapes)])


@pytest.mark.parametrize("f,shapes", [
    (lambda a, b: a @ b, ((2, 3, 4), (4, 2))),
    (lambda a, b: insitu.baddbmm(b[:, :1], a, b, beta=0.5, alpha=2), ((2, 3, 3), (2, 3, 2))),
    (lambda a, b: insitu.einsum("iij,jk->ik", a, b), ((2, 2, 3), (3, 2))),
])
def test_finite_differences(f, shapes):
    rng = np.random.default_rng(1)
    finite_difference_check(f, *[insitu.tensor(rng.standard_normal(s)) for s in shapes])


# ------------------------------------------------------------------------ kron

@pytest.mark.parametrize("case", [
    lambda m, a, b: m.kron(a, b),
    lambda m, a, b: m.kron(a, b[0]),
    lambda m, a, b: a.kron(b[:, ::2]),
    lambda m, a, b: m.kron(a[0, 0], b),
    lambda m, a, b: m.kron(a.reshape(2, 1, 2), b),
    lambda m, a, b: m.kron(a, m.tensor([1, 2])),
    lambda m, a, b: m.kron(m.tensor([[1, 2]]), m.tensor([3, 4])),
])
def test_kron(case):
    import differential
    differential.check(case, np.array([[1., 2], [3, 4]]), np.array([[0., 5, 1], [2, -1, 3]]))


def test_kron_chain_and_out():
    a = insitu.tensor([[1., 2], [3, 4]], requires_grad=True)
    r = insitu.kron(a, insitu.tensor([[0., 5, 1]]))
    assert chain(r)[:2] == chain(torch.kron(torch.tensor([[1., 2], [3, 4]], requires_grad=True),
                                             torch.tensor([[0., 5, 1]])))[:2]
    out = insitu.empty(0)
    insitu.kron(a.detach(), insitu.tensor([[0., 5, 1]]), out=out)
    assert out.tolist() == r.tolist()


@pytest.mark.parametrize("case", [lambda m, a, b: m.kron(a.t(), b),
                                  lambda m, a, b: m.kron(a, b.t())])
def test_kron_of_a_transposed_operand_fails_as_torch(case):
    import differential
    differential.check_error(case, np.array([[1., 2], [3, 4]]), np.array([[0., 5, 1], [2, -1, 3]]))
