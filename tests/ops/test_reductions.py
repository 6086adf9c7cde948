"""Reductions against PyTorch: values, dtypes, shapes, grad_fn names, gradients, errors, out=."""
import math
import warnings

import numpy as np
import pytest

import insitu

torch = pytest.importorskip("torch")

DTYPES = {"float32": (torch.float32, insitu.float32), "float64": (torch.float64, insitu.float64),
          "float16": (torch.float16, insitu.float16), "int64": (torch.int64, insitu.int64),
          "int32": (torch.int32, insitu.int32), "uint8": (torch.uint8, insitu.uint8),
          "bool": (torch.bool, insitu.bool)}


# ------------------------------------------------------------------------ helpers

def make(shape, dtype="float32", seed=0, low=-3, high=4):
    """A torch tensor with distinct-ish values (no ties unless integer)."""
    g = torch.Generator().manual_seed(seed)
    tdt = DTYPES[dtype][0]
    if tdt.is_floating_point:
        return torch.randn(shape, generator=g, dtype=torch.float64).to(tdt)
    if tdt is torch.bool:
        return torch.randint(0, 2, shape, generator=g).bool()
    return torch.randint(0 if tdt is torch.uint8 else low, high, shape, generator=g).to(tdt)


def mirror(t, requires_grad=False):
    x = insitu.tensor(t.detach().numpy().copy())
    assert x.dtype.name == str(t.dtype).split(".")[1]
    if requires_grad:
        x.requires_grad_()
    return x


def dtype_name(dt):
    return str(dt).split(".")[-1]


def assert_same(i, t, rtol=None, atol=None):
    """insitu result `i` equals torch result `t`: type, shape, dtype and values."""
    if isinstance(t, (tuple, list)):
        assert isinstance(i, (tuple, list)) and len(i) == len(t)
        for a, b in zip(i, t):
            assert_same(a, b, rtol, atol)
        return
    assert isinstance(i, insitu.Tensor), type(i)
    assert tuple(i.shape) == tuple(t.shape)
    assert i.dtype.name == dtype_name(t.dtype)
    tv = t.detach().numpy()
    if rtol is None:
        rtol = {torch.float16: 2e-3, torch.float32: 1e-5}.get(t.dtype, 1e-10)
    if atol is None:
        atol = {torch.float16: 2e-3, torch.float32: 1e-5}.get(t.dtype, 1e-10)
    np.testing.assert_allclose(i.detach().numpy().astype(np.float64), tv.astype(np.float64),
                               rtol=rtol, atol=atol, equal_nan=True)


def fn_name(t):
    fn = t.grad_fn
    return None if fn is None else fn.name()


def first(r):
    return r[0] if isinstance(r, tuple) else r


def compare(fn, *tins, grad=True, seed=1, rtol=None, atol=None):
    """Run fn(lib, *inputs) in both libraries; compare result, grad_fn name and input grads."""
    floating = [t.dtype.is_floating_point for t in tins]
    req = [grad and f for f in floating]
    tx = [t.clone().requires_grad_(r) for t, r in zip(tins, req)]
    ix = [mirror(t, r) for t, r in zip(tins, req)]
    tout, iout = fn(torch, *tx), fn(insitu, *ix)
    assert_same(iout, tout, rtol, atol)
    to, io = first(tout), first(iout)
    assert fn_name(io) == fn_name(to)
    if to.grad_fn is None:
        return iout, tout
    up = make(to.shape, dtype_name(to.dtype), seed=seed)
    to.backward(up)
    io.backward(mirror(up))
    for a, b, r in zip(ix, tx, req):
        if r and b.grad is None:
            assert a.grad is None
        elif r:
            assert_same(a.grad, b.grad, rtol, atol)
    return iout, tout


def raises_like(fn, *tins):
    """Both libraries raise the same exception type with the same message."""
    with pytest.raises(Exception) as te:
        fn(torch, *tins)
    with pytest.raises(type(te.value)) as ie:
        fn(insitu, *[mirror(t) for t in tins])
    expected = str(te.value).split("\n")[0].replace("torch.", "insitu.")
    assert str(ie.value).split("\n")[0] == expected


def finite_difference_check(f, x, eps=1e-6, tol=1e-5):
    """Compare autograd's gradient of sum(f(x) * w) with central differences (float64)."""
    x = x.detach().clone().requires_grad_()
    y = f(x)
    w = insitu.tensor(np.random.default_rng(0).standard_normal(tuple(y.shape)))
    (y * w).sum().backward()
    base = x.detach().numpy().copy()
    num = np.zeros_like(base)
    flat = num.reshape(-1)
    for k in range(base.size):
        for sign in (1, -1):
            b = base.copy()
            b.reshape(-1)[k] += sign * eps
            val = (f(insitu.tensor(b)) * w).sum().item()
            flat[k] += sign * val / (2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), num, rtol=tol, atol=tol)


def double_backward_compare(fn, *ts):
    """Second derivatives match PyTorch's: d(grad . v)/d(inputs, upstream gradient)."""
    tx = [t.clone().requires_grad_() for t in ts]
    ix = [mirror(t, True) for t in ts]
    to, io = first(fn(torch, *tx)), first(fn(insitu, *ix))
    tup = make(to.shape, dtype_name(to.dtype), seed=3).requires_grad_()
    iup = mirror(tup, True)
    tg = torch.autograd.grad(to, tx, tup, create_graph=True)
    ig = insitu.autograd.grad(io, ix, iup, create_graph=True)
    vs = [make(t.shape, dtype_name(t.dtype), seed=4 + k) for k, t in enumerate(ts)]
    tsum = sum((g * v).sum() for g, v in zip(tg, vs))
    isum = sum((g * mirror(v)).sum() for g, v in zip(ig, vs))
    tgg = torch.autograd.grad(tsum, tx + [tup], allow_unused=True)
    igg = insitu.autograd.grad(isum, ix + [iup], allow_unused=True)
    for a, b, t in zip(igg, tgg, tx + [tup]):
        b = torch.zeros_like(t) if b is None else b
        a = insitu.zeros(tuple(t.shape), dtype=insitu.float64) if a is None else a
        assert_same(a, b, rtol=1e-8, atol=1e-8)


# ------------------------------------------------------------------------ parametrised value/grad checks

SHAPE_DIMS = [((2, 3, 4), None), ((2, 3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), (0, 2)),
              ((5,), 0), ((), None), ((), 0), ((3, 0), 1), ((3, 0), 0)]


@pytest.mark.parametrize("shape,dim", SHAPE_DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["sum", "mean", "nansum"])
def test_sum_mean(op, shape, dim, keepdim):
    x = make(shape)
    if dim is None:
        compare(lambda m, x: getattr(m, op)(x), x)
        compare(lambda m, x: getattr(x, op)(), x)
    else:
        compare(lambda m, x: getattr(m, op)(x, dim, keepdim), x)
        compare(lambda m, x: getattr(x, op)(dim=dim, keepdim=keepdim), x)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float16", "float64"])
@pytest.mark.parametrize("op", ["sum", "prod", "nansum", "cumsum", "cumprod"])
def test_integer_promotion(op, dtype):
    x = make((2, 3), dtype, high=3)
    if op.startswith("cum"):
        compare(lambda m, x: getattr(m, op)(x, 1), x)
    else:
        compare(lambda m, x: getattr(m, op)(x), x)
        compare(lambda m, x: getattr(m, op)(x, 1), x)


@pytest.mark.parametrize("op,dt", [("sum", "float64"), ("sum", "int32"), ("sum", "float16"),
                                   ("mean", "float64"), ("prod", "float64"),
                                   ("cumsum", "float64"), ("cumprod", "float64"),
                                   ("nansum", "float64")])
def test_dtype_argument(op, dt):
    x = make((2, 3))
    tdt, idt = DTYPES[dt]
    pick = lambda m: tdt if m is torch else idt  # noqa: E731
    floating = tdt.is_floating_point
    if op.startswith("cum"):
        compare(lambda m, x: getattr(m, op)(x, 0, dtype=pick(m)), x, grad=floating)
    else:
        compare(lambda m, x: getattr(m, op)(x, dtype=pick(m)), x, grad=floating)
        compare(lambda m, x: getattr(x, op)(1, dtype=pick(m)), x, grad=floating)
    if not floating:    # "Autograd not support dtype: Int"
        raises_like(lambda m, x: getattr(m, op)(x.requires_grad_(), dtype=pick(m)), x)
    xi = make((2, 3), "int64")
    if op not in ("cumsum", "cumprod"):
        compare(lambda m, x: getattr(m, op)(x, dtype=pick(m)), xi)


@pytest.mark.parametrize("shape,dim", [((2, 3, 4), None), ((2, 3, 4), 1), ((2, 3, 4), -1),
                                       ((5,), 0), ((), None), ((), 0), ((3, 0), 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod(shape, dim, keepdim):
    x = make(shape)
    if dim is None:
        compare(lambda m, x: m.prod(x), x)
    else:
        compare(lambda m, x: m.prod(x, dim, keepdim), x)


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_with_zeros_grad(dim):
    for values in ([[1., 0, 3], [0, 0, 2]], [[1., 0, 3], [4, 5, 2]], [[0., 2, 3], [4, 5, 2]]):
        x = torch.tensor(values, dtype=torch.float64)
        compare(lambda m, x: m.prod(x) if dim is None else m.prod(x, dim), x)


@pytest.mark.parametrize("shape,dim", [((2, 3, 4), None), ((2, 3, 4), 1), ((2, 3, 4), -1),
                                       ((5,), 0), ((), None), ((), 0), ((3, 0), 1)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["max", "min", "median"])
def test_max_min_median(op, shape, dim, keepdim):
    x = make(shape)
    if dim is None:
        if x.numel():
            compare(lambda m, x: getattr(m, op)(x), x)
        return
    if x.numel() == 0:
        raises_like(lambda m, x: getattr(m, op)(x, dim, keepdim), x)
        return
    i, t = compare(lambda m, x: getattr(m, op)(x, dim, keepdim), x)
    assert type(i).__name__ == type(t).__name__ == op
    assert_same(i.values, t.values)
    assert_same(i.indices, t.indices)
    values, indices = i
    assert values is i[0] and indices is i[1] and len(i) == 2
    i2, _ = compare(lambda m, x: getattr(x, op)(dim=dim, keepdim=keepdim), x)
    assert repr(i2).startswith(f"insitu.return_types.{op}(\nvalues=tensor(")


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float16", "float64"])
@pytest.mark.parametrize("op", ["max", "min", "amax", "amin", "argmax", "argmin", "median"])
def test_max_family_dtypes(op, dtype):
    x = make((3, 4), dtype)
    for call in (lambda m, x: getattr(m, op)(x), lambda m, x: getattr(m, op)(x, 1)):
        if dtype == "bool" and op in ("argmax", "argmin", "median"):
            raises_like(call, x)
        else:
            compare(call, x)


def test_ties_share_or_select_gradient():
    x = torch.tensor([[2., 2., 1.], [0., 5., 5.]], dtype=torch.float64)
    compare(lambda m, x: m.max(x), x)
    compare(lambda m, x: m.min(x), torch.tensor([1., 1., 3.]))
    compare(lambda m, x: m.amax(x, 1), x)
    compare(lambda m, x: m.amin(x, (0, 1)), x)
    compare(lambda m, x: m.max(x, 1), x)
    compare(lambda m, x: m.median(x), torch.tensor([3., 1, 1, 1, 2]))
    compare(lambda m, x: m.median(x, 1), torch.tensor([[1., 1, 1, 2, 2, 0], [3., 1, 1, 1, 2, 4]]))
    compare(lambda m, x: m.argmax(x, 1), x)
    compare(lambda m, x: m.argmin(x), x)


def test_nan_propagation():
    nan = float("nan")
    x = torch.tensor([[3., nan, 1., nan], [1., 2., 3., 4.]])
    for op in ("max", "min", "median"):
        compare(lambda m, x: getattr(m, op)(x, 1), x)
        compare(lambda m, x: getattr(m, op)(x), x)
    for op in ("amax", "amin", "argmax", "argmin", "nansum"):
        compare(lambda m, x: getattr(m, op)(x, 1), x)


@pytest.mark.parametrize("dim", [(), None, 1, (0, 1), (1, -1)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin(op, dim, keepdim):
    x = make((2, 3, 4))
    if dim is None:
        compare(lambda m, x: getattr(m, op)(x), x)
    else:
        compare(lambda m, x: getattr(m, op)(x, dim, keepdim), x)


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_argmin(op, dim, keepdim):
    x = make((3, 4))
    compare(lambda m, x: getattr(m, op)(x, dim, keepdim), x)
    compare(lambda m, x: getattr(x, op)(dim=dim, keepdim=keepdim), x)
    compare(lambda m, x: getattr(m, op)(x, 0), make(()))


def test_max_two_tensor_form_is_maximum():
    a, b = make((2, 3)), make((2, 3), seed=5)
    compare(lambda m, a, b: m.max(a, b), a, b)
    compare(lambda m, a, b: m.min(a, b), a, b)
    compare(lambda m, a, b: m.max(a, other=b), a, b)
    compare(lambda m, a, b: a.max(b), a, b)
    compare(lambda m, a, b: m.max(a, b), a, b.double())


@pytest.mark.parametrize("shape,dim", [((2, 3, 4), None), ((2, 3, 4), 1), ((2, 3, 4), (0, 2)),
                                       ((5,), 0), ((4, 3), -1)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("kind", ["default", "unbiased0", "correction2"])
@pytest.mark.parametrize("op", ["std", "var"])
def test_std_var(op, shape, dim, keepdim, kind):
    x = make(shape, "float64")
    kw = {"default": {}, "unbiased0": {"unbiased": False}, "correction2": {"correction": 2}}[kind]
    if dim is None and kind == "default" and not keepdim:
        compare(lambda m, x: getattr(m, op)(x), x)
    compare(lambda m, x: getattr(m, op)(x, dim, keepdim=keepdim, **kw), x)
    compare(lambda m, x: getattr(x, op)(dim, keepdim=keepdim, **kw), x)


def test_std_var_legacy_positional_forms():
    x = make((3, 4), "float64")
    compare(lambda m, x: m.std(x, 1, False, True), x)
    compare(lambda m, x: m.var(x, False), x)
    compare(lambda m, x: x.std(1, True), x)
    compare(lambda m, x: m.std(x, correction=0.5), x)


@pytest.mark.parametrize("op", ["std_mean", "var_mean"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), (1, True), ((0, 1), False)])
def test_std_mean_var_mean(op, dim, keepdim):
    x = make((3, 4), "float64")
    tx, ix = x.clone().requires_grad_(), mirror(x, True)
    ta, tb = getattr(torch, op)(tx, dim, keepdim=keepdim)
    ia, ib = getattr(insitu, op)(ix, dim, keepdim=keepdim)
    assert_same((ia, ib), (ta, tb))
    assert fn_name(ia) == fn_name(ta) and fn_name(ib) == fn_name(tb)
    ua, ub = make(ta.shape, "float64", seed=7), make(tb.shape, "float64", seed=8)
    ((ta * ua).sum() + (tb * ub).sum()).backward()
    ((ia * mirror(ua)).sum() + (ib * mirror(ub)).sum()).backward()
    assert_same(ix.grad, tx.grad)
    # only the mean used: the other output's gradient is zeros
    compare(lambda m, x: getattr(m, op)(x, dim, keepdim=keepdim)[1], x)


def test_std_degrees_of_freedom_warning():
    x = make((1,))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = insitu.std(mirror(x))
    assert math.isnan(r.item())
    assert any("std(): degrees of freedom is <= 0" in str(m.message) for m in w)


NORM_CASES = [(2, None), (1, None), (float("inf"), None), (float("-inf"), 1), (0, None),
              (3, 1), (0.5, -1), (1.5, (0, 2)), ("fro", None), ("fro", (0, 1)), (2, (1, 2)),
              (-1, 0), (4, None)]


@pytest.mark.parametrize("p,dim", NORM_CASES)
@pytest.mark.parametrize("keepdim", [False, True])
def test_norm(p, dim, keepdim):
    x = make((2, 3, 4), "float64")
    compare(lambda m, x: m.norm(x, p, dim, keepdim), x)
    compare(lambda m, x: x.norm(p, dim=dim, keepdim=keepdim), x)
    if not isinstance(p, str):
        compare(lambda m, x: m.linalg.vector_norm(x, p, dim, keepdim), x)


def test_norm_default_dtype_and_zero_input():
    compare(lambda m, x: x.norm(), make((3, 4)))
    compare(lambda m, x: m.norm(x, dim=1), make((3, 4), "float16"))
    pick = lambda m: torch.float64 if m is torch else insitu.float64  # noqa: E731
    compare(lambda m, x: m.norm(x, dtype=pick(m)), make((3, 4)))
    for p in (2, 1, 0.5, 3, float("inf")):
        compare(lambda m, x: m.norm(x, p), torch.zeros(3, dtype=torch.float64))
    compare(lambda m, x: m.norm(x), torch.zeros(0))
    compare(lambda m, x: m.linalg.norm(x), make((3, 4)))
    compare(lambda m, x: m.linalg.norm(x, 3), make((5,)))


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "uint8"])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["any", "all"])
def test_any_all(op, dtype, dim, keepdim):
    x = make((3, 4), dtype, low=0, high=2)
    if dim is None:
        compare(lambda m, x: getattr(m, op)(x), x)
    else:
        compare(lambda m, x: getattr(m, op)(x, dim, keepdim), x)


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_count_nonzero(dim):
    x = make((3, 4), "int64", low=0, high=2)
    compare(lambda m, x: m.count_nonzero(x, dim), x)
    compare(lambda m, x: x.count_nonzero(dim), make((3, 4)))


@pytest.mark.parametrize("shape,dim", [((2, 3, 4), 0), ((2, 3, 4), 2), ((2, 3, 4), -2), ((5,), 0),
                                       ((), 0), ((3, 0), 1)])
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_cumulative(op, shape, dim):
    compare(lambda m, x: getattr(m, op)(x, dim), make(shape, "float64"))
    compare(lambda m, x: getattr(x, op)(dim), make(shape))


def test_cumprod_with_zeros_grad():
    for values in ([[1., 0, 3, 2], [0, 0, 2, 1]], [[2., 3, 0, 4], [1, 2, 3, 4]]):
        x = torch.tensor(values, dtype=torch.float64)
        compare(lambda m, x: m.cumprod(x, 1), x)
        compare(lambda m, x: m.cumprod(x, 0), x)


@pytest.mark.parametrize("op", ["cumsum_", "cumprod_"])
def test_cumulative_inplace(op):
    x = make((3, 4), "float64")
    tl = x.clone().requires_grad_()
    il = mirror(x, True)
    t = tl * 1
    i = il * 1
    tv, iv = t._version, i._version
    rt, ri = getattr(t, op)(1), getattr(i, op)(1)
    assert ri is i and rt is t
    assert i._version == iv + 1 and t._version == tv + 1
    assert_same(i, t)
    assert fn_name(i) == fn_name(t)
    up = make((3, 4), "float64", seed=2)
    t.backward(up)
    i.backward(mirror(up))
    assert_same(il.grad, tl.grad)
    # integer in-place keeps its dtype; leaves that require grad are refused
    xi = make((5,), "int32")
    ti, ii = xi.clone(), mirror(xi)
    getattr(ti, op)(0)
    getattr(ii, op)(0)
    assert_same(ii, ti)
    raises_like(lambda m, x: getattr(x.requires_grad_(), op)(0), make((3,)))
    pick = lambda m: torch.float32 if m is torch else insitu.float32  # noqa: E731
    raises_like(lambda m, x: getattr(x, op)(0, dtype=pick(m)), make((3,), "float64"))


@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp(dim, keepdim):
    compare(lambda m, x: m.logsumexp(x, dim, keepdim), make((3, 4), "float64"))
    compare(lambda m, x: x.logsumexp(dim, keepdim=keepdim), make((3, 4)))


def test_logsumexp_stability_and_integers():
    big = torch.tensor([[1000., 1000.], [-1000., -1000.]], dtype=torch.float64)
    compare(lambda m, x: m.logsumexp(x, 1), big)
    inf = float("inf")
    compare(lambda m, x: m.logsumexp(x, 1), torch.tensor([[inf, 1.], [-inf, -inf]]), grad=False)
    compare(lambda m, x: m.logsumexp(x, 1), make((2, 3), "int64"))
    compare(lambda m, x: m.logsumexp(x, 0), torch.zeros(0, 3))


@pytest.mark.parametrize("shape,dim", [((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -1), ((5,), 0),
                                       ((), 0), ((2, 0), 1)])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax(op, shape, dim):
    compare(lambda m, x: getattr(m, op)(x, dim), make(shape, "float64"))
    compare(lambda m, x: getattr(x, op)(dim), make(shape))
    compare(lambda m, x: getattr(x, op)(dim), make(shape, "float16"))


def test_softmax_stable_dtype_and_errors():
    x = torch.tensor([[1000., 0., -1000.], [5., 5., 5.]], dtype=torch.float64)
    compare(lambda m, x: m.softmax(x, 1), x)
    compare(lambda m, x: m.log_softmax(x, 1), x)
    pick = lambda m: torch.float64 if m is torch else insitu.float64  # noqa: E731
    compare(lambda m, x: m.softmax(x, 1, dtype=pick(m)), make((2, 3)))
    compare(lambda m, x: x.log_softmax(0, dtype=pick(m)), make((2, 3)))
    compare(lambda m, x: m.softmax(x, 1, dtype=pick(m)), make((2, 3), "int64"))
    raises_like(lambda m, x: m.softmax(x, 1), make((2, 3), "int64"))
    raises_like(lambda m, x: m.softmax(x, 0), make((2, 3), "int64"))
    raises_like(lambda m, x: m.log_softmax(x, 1), make((2, 3), "int32"))


def test_nanmean():
    nan = float("nan")
    x = torch.tensor([[1., nan, 3.], [nan, nan, 2.]], dtype=torch.float64)
    compare(lambda m, x: m.nanmean(x), x)
    compare(lambda m, x: m.nanmean(x, 1), x)


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_overload_names_follow_an_explicit_dim(op):
    x = make((2, 3))
    for call in (lambda m, x: getattr(x, op)(), lambda m, x: getattr(x, op)(None),
                 lambda m, x: getattr(x, op)(dim=None, keepdim=True),
                 lambda m, x: getattr(x, op)(dim=()), lambda m, x: getattr(m, op)(x, [])):
        compare(call, x)


def test_mean_dtypes():
    compare(lambda m, x: m.mean(x), make((2, 3), "float16"))
    pick = lambda m: torch.float64 if m is torch else insitu.float64  # noqa: E731
    compare(lambda m, x: m.mean(x, 1, dtype=pick(m)), make((2, 3), "int64"))


# ------------------------------------------------------------------------ errors

ERRORS = [
    (lambda m, x: x.mean(), "int64"),
    (lambda m, x: x.mean(dtype=m.int64), "float32"),
    (lambda m, x: x.sum((1, 1)), "float32"),
    (lambda m, x: x.sum((1, -1)), "float32"),
    (lambda m, x: x.sum(2), "float32"),
    (lambda m, x: x.std(), "int64"),
    (lambda m, x: x.var(1), "bool"),
    (lambda m, x: x.norm(), "int64"),
    (lambda m, x: x.norm("abc"), "float32"),
    (lambda m, x: x.norm("fro", dim=(0, 1, 2)), "float32"),
    (lambda m, x: x.argmax(), "bool"),
    (lambda m, x: x.softmax(0), "bool"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_error_messages(case):
    fn, dtype = ERRORS[case]
    raises_like(fn, make((2, 3), dtype))


@pytest.mark.parametrize("fn", [lambda m, x: x.max(), lambda m, x: x.min(), lambda m, x: x.amax(),
                                lambda m, x: x.max(0), lambda m, x: x.amin(0),
                                lambda m, x: x.argmax(), lambda m, x: x.argmin(0),
                                lambda m, x: x.median(0),
                                lambda m, x: m.linalg.vector_norm(x, float("inf")),
                                lambda m, x: m.linalg.vector_norm(x, float("inf"), dim=0)])
def test_empty_reduction_errors(fn):
    raises_like(fn, torch.empty(0, 3))


def test_empty_reductions_with_identity():
    e = torch.empty(0, 3)
    compare(lambda m, x: x.sum(), e)
    compare(lambda m, x: x.prod(0), e)
    compare(lambda m, x: x.max(1), e)
    compare(lambda m, x: x.amax(1), e)
    compare(lambda m, x: x.argmax(1), e)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(lambda m, x: x.mean(), e)
        compare(lambda m, x: x.median(), torch.empty(0))


def test_max_keepdim_without_dim_is_a_type_error():
    with pytest.raises(TypeError):
        insitu.randn(2, 3).max(keepdim=True)


# ------------------------------------------------------------------------ out=

def test_out_resizes_casts_and_bumps_version():
    x = make((2, 3))
    for dt in ("float64", "int64"):
        to, io = torch.empty(0, dtype=DTYPES[dt][0]), insitu.empty(0, dtype=DTYPES[dt][1])
        rt, ri = torch.sum(x, 1, out=to), insitu.sum(mirror(x), 1, out=io)
        assert ri is io
        assert_same(io, to)
        assert io._version == to._version == 1
    xi = make((2, 3), "int64")
    for op in ("sum", "prod", "mean", "std", "var", "logsumexp", "cumsum", "cumprod"):
        to, io = torch.empty(2, 3, dtype=torch.float64), insitu.empty(2, 3, dtype=insitu.float64)
        src = xi if op in ("sum", "prod", "cumsum", "cumprod") else x
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(torch, op)(src, 1, out=to)
            getattr(insitu, op)(mirror(src), 1, out=io)
        # PyTorch's logsumexp into a wider out mixes precisions: agree to float32 rounding
        assert_same(io, to, *((1e-7, 1e-7) if op == "logsumexp" else (None, None)))


def test_out_resize_warns_like_torch():
    x = make((2, 3))
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        insitu.sum(mirror(x), 1, out=insitu.empty(5))


@pytest.mark.parametrize("fn", [
    lambda m, x: m.sum(x, 1, dtype=m.int64, out=m.empty(2, dtype=m.int32)),
    lambda m, x: m.amax(x, 1, out=m.empty(2, dtype=m.float64)),
    lambda m, x: m.argmax(x, 1, out=m.empty(2, dtype=m.float64)),
    lambda m, x: m.norm(x, dim=1, out=m.empty(2, dtype=m.float64)),
    lambda m, x: m.any(x, 1, out=m.empty(2, dtype=m.int64)),
    lambda m, x: m.max(x, 1, out=(m.empty(2), m.empty(2, dtype=m.int32))),
    lambda m, x: m.sum(x.requires_grad_(), 1, out=m.empty(2)),
])
def test_out_errors(fn):
    raises_like(fn, make((2, 3)))


def test_max_out_tuple():
    x = make((2, 3))
    tv, ti = torch.empty(2), torch.empty(2, dtype=torch.int64)
    iv, ii = insitu.empty(2), insitu.empty(2, dtype=insitu.int64)
    r = insitu.max(mirror(x), 1, out=(iv, ii))
    torch.max(x, 1, out=(tv, ti))
    assert r.values is iv and r.indices is ii
    assert_same((iv, ii), (tv, ti))


# ------------------------------------------------------------------------ autograd details

@pytest.mark.parametrize("fn", [
    lambda m, x: x.sum(1), lambda m, x: x.mean((0, 1)), lambda m, x: x.prod(1),
    lambda m, x: x.std(1), lambda m, x: x.var(), lambda m, x: x.norm(),
    lambda m, x: x.norm(3, dim=1), lambda m, x: x.norm(1.5), lambda m, x: x.logsumexp(1),
    lambda m, x: x.softmax(1), lambda m, x: x.log_softmax(0), lambda m, x: x.cumsum(1),
    lambda m, x: x.cumprod(1), lambda m, x: x.amax(1), lambda m, x: x.max(1)[0],
    lambda m, x: m.std_mean(x, 1)[0],
])
def test_double_backward_matches_torch(fn):
    double_backward_compare(fn, make((3, 4), "float64"))


@pytest.mark.parametrize("f", [
    lambda x: x.prod(1), lambda x: x.std(0), lambda x: x.norm(3, dim=1),
    lambda x: x.logsumexp(1), lambda x: x.softmax(1), lambda x: x.log_softmax(0),
    lambda x: x.cumprod(1), lambda x: insitu.var_mean(x, 1)[0] + insitu.var_mean(x, 1)[1],
])
def test_finite_differences(f):
    x = insitu.tensor(np.random.default_rng(1).standard_normal((3, 4)))
    finite_difference_check(f, x)


def test_saved_tensor_modified_in_place_is_detected():
    x = insitu.randn(3, 4, dtype=insitu.float64, requires_grad=True)
    y = x * 1
    s = y.softmax(1)
    s.mul_(2)            # softmax saved its output
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.sum().backward()
    z = x * 1
    v = z.std()
    z.add_(1)            # std saved its input
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        v.backward()


def test_sum_to_size_method():
    x = make((2, 3, 4))
    compare(lambda m, x: x.sum_to_size(3, 1), x)
    compare(lambda m, x: x.sum_to_size((1, 3, 4)), x)


def test_no_grad_records_nothing():
    x = insitu.randn(3, requires_grad=True)
    with insitu.no_grad():
        for r in (x.sum(), x.max(0)[0], x.std(), x.norm(), x.softmax(0), x.cumsum(0)):
            assert r.grad_fn is None and not r.requires_grad


@pytest.mark.filterwarnings("ignore:std\\(\\)|var\\(\\)")
@pytest.mark.parametrize("op", ["std", "var"])
def test_std_var_of_0_dim_and_of_rows_in_blocks(op):
    # fuzz seed 0: the 0-dim difference from the mean is a NumPy scalar, squared out of place;
    # long inputs reduced over their last dim go a block of rows at a time
    compare(lambda m, x: getattr(x, op)(), make((), "float32"))
    compare(lambda m, x: getattr(x, op)(0, correction=0), make((), "float64"))
    for shape in ((300, 700), (3, 70000), (2, 5, 9000)):
        x = make(shape, "float32")
        compare(lambda m, x: getattr(x, op)(-1), x)
        compare(lambda m, x: getattr(x, op)(-1, keepdim=True), x)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_full_prod_is_torchs_one_thread_order(dtype):
    """A full product of a contiguous float tensor multiplies in the order of PyTorch's
    one-thread kernel (lanes of four vectors), so it matches it bit for bit at any length."""
    rng = np.random.default_rng(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for n in (5, 15, 16, 31, 32, 33, 100, 1000, 4097, 100_003):
            x = (1 + 1e-3 * rng.standard_normal(n)).astype(dtype)
            x[n // 3] = -x[n // 3]
            got = insitu.tensor(x).prod().item()
            assert got == torch.from_numpy(x).prod().item(), n
            assert insitu.tensor(x.reshape(1, -1)).prod().item() == got
    finally:
        torch.set_num_threads(threads)
