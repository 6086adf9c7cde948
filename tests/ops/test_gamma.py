"""lgamma, digamma, polygamma, mvlgamma, erfc, erfinv and i0 (ops/gamma.py) against PyTorch:
values over wide ranges and at the edges (0, -0, poles, negatives, inf, nan), in float32 and
float64; integer promotion; errors; grad_fn names; gradients and gradcheck in float64."""
import numpy as np
import pytest

import insitu

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)
EDGES = [0.0, -0.0, 1.0, 2.0, -1.0, -2.0, -2.5, 0.5, 1e-30, -1e-30, 1e-300, 1e17, 1e30, 10.0,
         9.999999, 1.4616321, 3e38, float("inf"), -float("inf"), float("nan")]
WIDE = np.concatenate([RNG.uniform(-20, 20, 3000), RNG.uniform(0, 3, 3000),
                       10 ** RNG.uniform(-30, 30, 1000), -(10 ** RNG.uniform(-5, 2, 500)),
                       np.arange(-5, 6, 0.25)])
UNIT = np.concatenate([RNG.uniform(-1, 1, 3000), 1 - 10 ** RNG.uniform(-7, 0, 300),
                       [-1.0, 1.0, 0.0, -0.0, 0.7, -0.7, 1.5, -2.0, float("nan")]])


def both(name, data, dtype, *args):
    a = getattr(insitu, name)(*args, insitu.tensor(data, dtype=getattr(insitu, dtype))) \
        if name == "polygamma" else \
        getattr(insitu, name)(insitu.tensor(data, dtype=getattr(insitu, dtype)), *args)
    b = getattr(torch, name)(*args, torch.tensor(data, dtype=getattr(torch, dtype))) \
        if name == "polygamma" else \
        getattr(torch, name)(torch.tensor(data, dtype=getattr(torch, dtype)), *args)
    return a, b


def close(a, b, rtol, atol=0.0):
    """Same dtype, nan and infinities in the same places (with their signs), the rest within
    rtol * |b| + atol."""
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    x, y = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_array_equal(np.isnan(x), np.isnan(y))
    inf = np.isinf(y)
    np.testing.assert_array_equal(x[inf], y[inf])
    fin = np.isfinite(y)
    assert np.isfinite(x[fin]).all()
    err = np.abs(x[fin].astype(np.float64) - y[fin])
    atol = max(atol, float(np.finfo(y.dtype).tiny))   # subnormal results may round apart
    assert np.all(err <= rtol * np.abs(y[fin]) + atol), np.max(err / (np.abs(y[fin]) + atol))


# rtol, atol per dtype: a few ulp, and an absolute part where the function crosses zero
# (digamma's root, lgamma's zeros at 1, 2 and between the negative poles)
TOL = {
    "lgamma": {"float32": (3e-7, 3e-7), "float64": (1e-14, 1e-14)},
    "digamma": {"float32": (3e-7, 5e-7), "float64": (4e-15, 4e-15)},
    "erfc": {"float32": (1.2e-7, 0), "float64": (5e-16, 0)},
    "i0": {"float32": (1e-6, 0), "float64": (1e-15, 0)},
    # erfinv's Newton steps divide erf's last bit by its slope: a few ulp of erf's accuracy
    "erfinv": {"float32": (3e-7, 0), "float64": (5e-15, 0)},
}


@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfc", "i0"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values(name, dtype):
    data = list(WIDE) + EDGES
    if name == "i0":                  # past 700 (float64) i0 overflows; keep the interesting part
        data = [v for v in data if abs(v) < 700 or not np.isfinite(v)]
    a, b = both(name, data, dtype)
    close(a, b, *TOL[name][dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_erfinv_values(dtype):
    data = [v for v in UNIT if not (0.999 < abs(v) < 1)]
    a, b = both("erfinv", data, dtype)
    close(a, b, *TOL["erfinv"][dtype])
    # near +-1 the result hangs on erf's last bit (two Newton steps divide by exp(-x^2))
    a, b = both("erfinv", [v for v in UNIT if 0.999 < abs(v) < 1], dtype)
    close(a, b, 1e-4)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 7])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_polygamma_values(n, dtype):
    data = [v for v in list(WIDE) + EDGES if v > -30 or not np.isfinite(v)]
    a, b = both("polygamma", data, dtype, n)
    rtol = {"float32": 2e-5, "float64": 5e-13}[dtype] if n >= 2 else \
        {"float32": 1e-6, "float64": 1e-14}[dtype]
    atol = {"float32": 1e-6, "float64": 1e-14}[dtype] if n == 0 else 0
    keep = ~(np.abs(b.numpy()) < 1e-30)     # leave out results near float32's subnormals
    close(insitu.tensor(a.numpy()[keep]), torch.tensor(b.numpy()[keep]), rtol, atol)


@pytest.mark.parametrize("p", [1, 2, 3, 5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mvlgamma_values(p, dtype):
    data = list(RNG.uniform((p - 1) / 2 + 0.01, 30, 500)) + [(p - 1) / 2 + 1e-3, 50.0]
    a, b = both("mvlgamma", data, dtype, p)
    close(a, b, *{"float32": (1e-6, 1e-6), "float64": (1e-14, 1e-13)}[dtype])


@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfc", "erfinv", "i0"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_integers_become_float(name, dtype):
    data = [0, 1, 2, 5] if dtype != "bool" else [True, False]
    if name == "erfinv":
        data = [0, 1] if dtype != "bool" else [True, False]
    a, b = both(name, data, dtype)
    close(a, b, 3e-7)
    a, b = both("polygamma", data, dtype, 2)
    close(a, b, 3e-7)


def test_errors():
    for lib in (insitu, torch):
        x = lib.tensor([1.5, 2.5])
        with pytest.raises(RuntimeError, match="polygamma\\(n, x\\) does not support "
                                               "negative n."):
            lib.polygamma(-1, x)
        with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
            lib.mvlgamma(x, 0)
        with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
            x.mvlgamma_(0)
        assert x.tolist() == [1.5, 2.5]


CASES = [("lgamma", ()), ("digamma", ()), ("erfc", ()), ("erfinv", ()), ("i0", ()),
         ("mvlgamma", (2,)), ("mvlgamma", (4,))]


def _input(lib, name, dtype):
    data = [0.3, 0.45, 0.7, 0.2] if name == "erfinv" else [1.3, 2.45, 3.7, 5.2]
    return lib.tensor(data, dtype=getattr(lib, dtype), requires_grad=True)


@pytest.mark.parametrize("name,args", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gradients_and_node_names(name, args, dtype):
    res = []
    for lib in (insitu, torch):
        x = _input(lib, name, dtype)
        y = getattr(lib, name)(x, *args)
        g, = lib.autograd.grad((y * 1.5).sum(), x, create_graph=True)
        gg, = lib.autograd.grad(g.sum(), x)
        res.append((y, g, gg))
    (yi, gi, ggi), (yt, gt, ggt) = res
    assert yi.grad_fn.name() == type(yt.grad_fn).__name__
    rtol = 1e-5 if dtype == "float32" else 1e-13
    for u, v in ((yi, yt), (gi, gt), (ggi, ggt)):
        close(u, v, rtol, rtol)


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma_gradients_and_inplace(n):
    res = []
    for lib in (insitu, torch):
        x = _input(lib, "polygamma", "float64")
        y = lib.polygamma(n, x)
        g, = lib.autograd.grad(y.sum(), x)
        z = x * 1
        v = z._version
        w = z.polygamma_(n)
        assert w is z and z._version == v + 1
        g2, = lib.autograd.grad(z.sum(), x)
        res.append((y, g, z, g2))
    for a, b in zip(*res):
        close(a, b, 1e-13)
    assert res[0][0].grad_fn.name() == "PolygammaBackward0"
    assert res[0][2].grad_fn.name() == type(res[1][2].grad_fn).__name__ == "PolygammaBackward1"
    assert res[0][0].grad_fn.name() == type(res[1][0].grad_fn).__name__


@pytest.mark.parametrize("name,args", CASES + [("polygamma", (2,))])
def test_gradcheck(name, args):
    x = _input(insitu, name, "float64")
    if name == "polygamma":
        fn = lambda t: insitu.polygamma(args[0], t)   # noqa: E731
    else:
        fn = lambda t: getattr(insitu, name)(t, *args)   # noqa: E731
    assert insitu.autograd.gradcheck(fn, (x,))
    assert insitu.autograd.gradgradcheck(fn, (x,))


def test_i1_is_i0s_gradient_at_zero():
    for lib in (insitu, torch):
        x = lib.tensor([0.0, 1e-20, 3.0, -9.0], dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad(lib.i0(x).sum(), x, create_graph=True)
        gg, = lib.autograd.grad(g.sum(), x)
        if lib is insitu:
            gi, ggi = g, gg
    close(gi, g, 1e-14)
    close(ggi, gg, 1e-14)


@pytest.mark.parametrize("name,args", CASES)
def test_inplace_and_out(name, args):
    res = []
    for lib in (insitu, torch):
        x = _input(lib, name, "float32").detach()
        v = x._version
        r = getattr(x, name + "_")(*args)
        assert r is x and x._version == v + 1
        o = lib.empty(4, dtype=lib.float64)
        getattr(lib, name)(_input(lib, name, "float32").detach(), *args, out=o)
        res.append((x, o))
    for a, b in zip(*res):
        close(a, b, 3e-7, 5e-7)


def test_integer_and_bool_refusals():
    for lib in (insitu, torch):
        with pytest.raises(RuntimeError, match="The input tensor may not be a boolean tensor."):
            lib.mvlgamma(lib.ones(2, dtype=lib.bool), 1)
        with pytest.raises(RuntimeError, match="mvlgamma: result type Byte can't be cast to the "
                                               "desired output type Float"):
            lib.ones(2, dtype=lib.uint8).mvlgamma_(1)
        x = lib.ones(2, dtype=lib.int64)
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                               "output type Long"):
            x.lgamma_()
        assert x._version == 0
