"""The elementary table ops (ops/elementary.py) against PyTorch: values over edges, dtypes and
integer promotion, errors, grad_fn names, gradients and gradcheck in float64."""
import math

import numpy as np
import pytest

import insitu

torch = pytest.importorskip("torch")

EDGES = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -3.5, 1e-30, 1e30, 7.25, float("inf"),
         -float("inf"), float("nan")]
UNIT = [0.0, 1.0, 0.25, 0.5, 0.75, 1e-8, 1 - 1e-7, -0.5, 1.5, float("nan")]
RNG = np.random.default_rng(7)
WIDE = np.concatenate([RNG.uniform(-10, 10, 400), RNG.standard_normal(100) * 1e3])


def _lib(lib, data, dtype, rg=False):
    return lib.tensor(data, dtype=getattr(lib, dtype), requires_grad=rg)


def assert_values(a, b, ulps=4):
    """insitu's a against torch's b: dtype, shape, nan/inf places, signed zeros, and
    `ulps` units in the last place of b elsewhere (exactly for non-floats)."""
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    x, y = a.detach().numpy(), b.detach().numpy()
    assert x.shape == y.shape
    if x.dtype.kind != "f":
        np.testing.assert_array_equal(x, y)
        return
    np.testing.assert_array_equal(np.isnan(x), np.isnan(y))
    fin = np.isfinite(y)
    np.testing.assert_array_equal(x[~fin & ~np.isnan(y)], y[~fin & ~np.isnan(y)])
    zero = fin & (y == 0)
    np.testing.assert_array_equal(np.signbit(x[zero]), np.signbit(y[zero]))
    tol = ulps * np.spacing(np.abs(y[fin]).astype(y.dtype))
    assert np.all(np.abs(x[fin].astype(np.float64) - y[fin]) <= tol), \
        np.max(np.abs(x[fin].astype(np.float64) - y[fin]) / np.spacing(np.abs(y[fin])))


UNARY = ["acosh", "asinh", "atanh", "deg2rad", "rad2deg", "sinc", "logit", "arccosh",
         "arcsinh", "arctanh"]


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_values(name, dtype):
    data = list(WIDE) + EDGES + UNIT
    a = getattr(insitu, name)(_lib(insitu, data, dtype))
    b = getattr(torch, name)(_lib(torch, data, dtype))
    assert_values(a, b)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_integers_become_float(name, dtype):
    data = [0, 1, 2, 3] if dtype != "bool" else [True, False]
    assert_values(getattr(insitu, name)(_lib(insitu, data, dtype)),
                  getattr(torch, name)(_lib(torch, data, dtype)))


@pytest.mark.parametrize("eps", [None, 0.0, 0.1, 0.5])
def test_logit_eps(eps):
    for dtype in ("float32", "float64"):
        a = insitu.logit(_lib(insitu, UNIT, dtype), eps)
        b = torch.logit(_lib(torch, UNIT, dtype), eps)
        assert_values(a, b)
        x, y = _lib(insitu, UNIT, dtype), _lib(torch, UNIT, dtype)
        assert_values(x.logit_(eps=eps), y.logit_(eps=eps))


BINARY = ["copysign", "logaddexp", "logaddexp2", "fmax", "fmin", "xlogy", "nextafter",
          "ldexp", "float_power"]
PAIRS = ([(a, b) for a in EDGES for b in EDGES]
         + list(zip(RNG.uniform(-20, 20, 200), RNG.uniform(-20, 20, 200))))


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_values(name, dtype):
    xs, ys = [p[0] for p in PAIRS], [p[1] for p in PAIRS]
    if name == "ldexp":
        ys = [v if not math.isfinite(v) else float(round(max(min(v, 60), -60))) for v in ys]
        ys = [0.0 if math.isnan(v) or math.isinf(v) else v for v in ys]
    a = getattr(insitu, name)(_lib(insitu, xs, dtype), _lib(insitu, ys, dtype))
    b = getattr(torch, name)(_lib(torch, xs, dtype), _lib(torch, ys, dtype))
    assert_values(a, b)


@pytest.mark.parametrize("name", ["copysign", "fmax", "fmin", "xlogy", "heaviside", "gcd",
                                  "lcm", "ldexp", "float_power"])
@pytest.mark.parametrize("dtypes", [("int64", "int64"), ("int32", "int64"), ("bool", "bool"),
                                    ("uint8", "int64"), ("float32", "int64"),
                                    ("int64", "float64"), ("float32", "float64")])
def test_binary_dtypes_and_errors(name, dtypes):
    def call(lib):
        data = [0, 1, 6, 4] if dtypes[0] != "bool" else [True, False, True, False]
        other = [3, 0, 4, 6] if dtypes[1] != "bool" else [True, True, False, False]
        try:
            return getattr(lib, name)(_lib(lib, data, dtypes[0]), _lib(lib, other, dtypes[1]))
        except (RuntimeError, NotImplementedError, TypeError) as e:
            return e
    a, b = call(insitu), call(torch)
    if isinstance(b, Exception):
        assert type(a) is type(b) and str(a) == str(b)
    else:
        assert_values(a, b)


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2", "nextafter"])
def test_integer_refusals(name):
    for lib in (insitu, torch):
        with pytest.raises(NotImplementedError, match=f'"{name}_cpu" not implemented for '
                                                      "'Long'"):
            getattr(lib, name)(lib.tensor([1, 2]), lib.tensor([1, 2]))


def test_tensor_only_arguments():
    for name in ["logaddexp", "fmax", "fmin", "gcd", "nextafter", "ldexp", "heaviside"]:
        with pytest.raises(TypeError) as ti:
            getattr(insitu, name)(insitu.ones(2), 2.0)
        with pytest.raises(TypeError) as tt:
            getattr(torch, name)(torch.ones(2), 2.0)
        assert str(ti.value) == str(tt.value)


def test_heaviside_values_and_dtypes():
    x = [float("nan"), 0.0, -0.0, -1.0, 2.0]
    assert_values(insitu.heaviside(insitu.tensor(x), insitu.tensor([0.5])),
                  torch.heaviside(torch.tensor(x), torch.tensor([0.5])))
    for lib in (insitu, torch):
        with pytest.raises(RuntimeError, match="heaviside is not yet implemented for tensors "
                                               "with different dtypes."):
            lib.heaviside(lib.ones(2), lib.ones(2, dtype=lib.float64))


def _grads(lib, name, a, b, dtype, kind):
    x = _lib(lib, a, dtype, True)
    if kind == "tensor":
        y = _lib(lib, b, dtype, True)
        out = getattr(lib, name)(x, y)
        inputs = (x, y)
    elif kind == "scalar_other":
        y = b[0]
        out = getattr(lib, name)(x, y)
        inputs = (x,)
    else:
        y = a[0]
        x = _lib(lib, b, dtype, True)
        out = getattr(lib, name)(y, x)
        inputs = (x,)
    w = lib.tensor(np.linspace(0.5, 1.5, len(a)), dtype=getattr(lib, dtype))
    gs = lib.autograd.grad((out * w).sum(), inputs, allow_unused=True)
    return out, gs


GRAD_CASES = [
    ("acosh", None), ("asinh", None), ("atanh", None), ("deg2rad", None), ("rad2deg", None),
    ("sinc", None), ("logit", None), ("copysign", "tensor"), ("copysign", "scalar_other"),
    ("logaddexp", "tensor"), ("logaddexp2", "tensor"), ("fmax", "tensor"), ("fmin", "tensor"),
    ("xlogy", "tensor"), ("xlogy", "scalar_other"), ("xlogy", "scalar_self"),
    ("nextafter", "tensor"), ("ldexp", "tensor"), ("float_power", "tensor"),
    ("float_power", "scalar_other"), ("float_power", "scalar_self"),
]


@pytest.mark.parametrize("name,kind", GRAD_CASES)
def test_grad_fn_and_gradients(name, kind):
    a = [0.0, 0.3, -0.7, 1.5, 2.0, 0.9, -2.0, 0.0]
    b = [0.5, 0.3, 2.0, -1.5, 3.0, 0.0, -2.0, -1.0]
    for dtype in ("float32", "float64"):
        if kind is None:
            data = [abs(v) + 1.1 for v in a] if name == "acosh" else \
                [v / 2.5 for v in a] if name in ("atanh", "logit") else a
            outs = []
            for lib in (insitu, torch):
                x = _lib(lib, data, dtype, True)
                y = getattr(lib, name)(x)
                g, = lib.autograd.grad((y * 1.5).sum(), x)
                outs.append((y, g))
            (yi, gi), (yt, gt) = outs
        else:
            bb = b if name != "ldexp" else [1.0, 2.0, -1.0, 0.0, 3.0, 1.0, -2.0, 0.0]
            if name == "float_power":
                bb = [abs(v) + 0.5 for v in bb]
                a2 = [abs(v) + 0.25 for v in a]
            else:
                a2 = a
            yi, gi = _grads(insitu, name, a2, bb, dtype, kind)
            yt, gt = _grads(torch, name, a2, bb, dtype, kind)
            gi, gt = [g for g in gi if g is not None], [g for g in gt if g is not None]
        assert type(yi.grad_fn).__name__ == type(yt.grad_fn).__name__ or \
            yi.grad_fn.name() == yt.grad_fn.name()
        assert_values(yi, yt)
        for u, v in zip(gi if isinstance(gi, (list, tuple)) else [gi],
                        gt if isinstance(gt, (list, tuple)) else [gt]):
            assert_values(u, v, ulps=8)


@pytest.mark.parametrize("name", ["acosh", "asinh", "atanh", "deg2rad", "rad2deg", "sinc",
                                  "logit", "copysign", "logaddexp", "logaddexp2", "fmax",
                                  "fmin", "xlogy", "ldexp", "float_power"])
def test_gradcheck_float64(name):
    x = insitu.tensor([0.3, 0.45, 0.7, 0.2], dtype=insitu.float64, requires_grad=True)
    y = insitu.tensor([1.2, 0.4, 2.5, 0.8], dtype=insitu.float64, requires_grad=True)
    fns = {"acosh": lambda a, b: (a + 1.5).acosh(), "logit": lambda a, b: a.logit(),
           "float_power": lambda a, b: insitu.float_power(a, b.abs()),
           "ldexp": lambda a, b: insitu.ldexp(a, b)}
    fn = fns.get(name)
    if fn is None:
        f = getattr(insitu, name)
        fn = (lambda a, b: f(a)) if name in UNARY else (lambda a, b: f(a, b))
    assert insitu.autograd.gradcheck(fn, (x, y))
    assert insitu.autograd.gradgradcheck(fn, (x, y))


def test_inplace_forms_and_versions():
    for name, arg in [("acosh_", ()), ("asinh_", ()), ("copysign_", (-1.0,)), ("xlogy_", (2.0,)),
                      ("nextafter_", "t"), ("ldexp_", "t"), ("logit_", ()), ("sinc_", ()),
                      ("deg2rad_", ()), ("heaviside_", "t"), ("arctanh_", ())]:
        res = []
        for lib in (insitu, torch):
            x = lib.tensor([0.2, 1.5, 3.0], requires_grad=True) * 1
            args = (lib.tensor([1.0, 2.0, 0.0]),) if arg == "t" else arg
            v = x._version
            r = getattr(x, name)(*args)
            assert r is x and x._version == v + 1
            res.append(x)
        assert res[0].grad_fn.name().split("::")[-1] == type(res[1].grad_fn).__name__
        assert_values(res[0], res[1])


def test_float_power_inplace_needs_double():
    for lib in (insitu, torch):
        with pytest.raises(RuntimeError, match="the base given to float_power_ has dtype Float "
                                               "but the operation's result requires dtype "
                                               "Double"):
            lib.ones(2).float_power_(2)
    a = insitu.tensor([2.0, 3.0], dtype=insitu.float64)
    assert a.float_power_(2).tolist() == [4.0, 9.0]
    b = insitu.tensor([1, 2]).float_power(insitu.tensor([0.5, 3.0]))
    assert b.dtype == insitu.float64


def test_out_forms():
    for name in ["copysign", "xlogy", "fmax", "logaddexp", "ldexp", "float_power"]:
        o = insitu.empty(3, dtype=insitu.float64)
        p = torch.empty(3, dtype=torch.float64)
        a, b = [0.5, -1.0, 2.0], [1.0, 3.0, -2.0]
        getattr(insitu, name)(insitu.tensor(a, dtype=insitu.float64),
                              insitu.tensor(b, dtype=insitu.float64), out=o)
        getattr(torch, name)(torch.tensor(a, dtype=torch.float64),
                             torch.tensor(b, dtype=torch.float64), out=p)
        assert_values(o, p)


@pytest.mark.parametrize("name", ["acosh", "asinh", "atanh"])
def test_inplace_inverse_hyperbolic_has_no_derivative(name):
    for lib in (insitu, torch):
        x = lib.tensor([0.5, 0.25], requires_grad=True) * 1 + (1.5 if name == "acosh" else 0)
        y = getattr(x, name + "_")()
        assert y.grad_fn.name() == name.capitalize() + "Backward1"
        with pytest.raises(NotImplementedError, match=f"the derivative for 'inplace version of "
                                                      f"{name}' is not implemented."):
            y.sum().backward()


def test_ldexp_into_integers():
    for lib in (insitu, torch):
        x = lib.zeros(2, dtype=lib.int32)
        with pytest.raises(RuntimeError, match="ldexp can't be cast to the desired output type "
                                               "Int"):
            x.ldexp_(x)
        assert x._version == 0
