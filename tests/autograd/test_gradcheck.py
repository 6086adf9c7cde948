"""gradcheck / gradgradcheck: their own behaviour against torch.autograd's, and then, through
them, every differentiable op of the pointwise table (out of place, and in place on a clone),
with inputs chosen inside each op's domain and away from its kinks. The same inputs also give
the same gradients as PyTorch."""
import importlib
import re
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

import insitu  # noqa: E402
from insitu.autograd.function import Function  # noqa: E402
from insitu.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
from insitu.ops import activation, logical, pointwise, unary  # noqa: E402


TorchGradcheckError = importlib.import_module("torch.autograd.gradcheck").GradcheckError


def torch_message(text):
    return re.sub(r"\btorch\.(?=\w*Tensor\b|float|int|bool|uint|Size)", "insitu.", text)


def _f64(lib, values, requires_grad=True):
    return lib.tensor(values, dtype=lib.float64, requires_grad=requires_grad)


def _wrong_square(lib, base):
    """x -> x*x with the gradient of x -> x: gradcheck must catch it."""
    class WrongSquare(base):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g
    return WrongSquare


def _first_order_only(lib, base):
    """x -> x*x whose backward is right once but cuts the graph (x.detach()): gradgradcheck
    must catch it."""
    class FirstOrderOnly(base):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x.detach() * g
    return FirstOrderOnly


def _same_error(run, exc=GradcheckError, texc=None):
    with pytest.raises(texc or TorchGradcheckError) as want:
        run(torch, torch.autograd.Function, torch.autograd.gradcheck, torch.autograd.gradgradcheck)
    with pytest.raises(exc) as got:
        run(insitu, Function, gradcheck, gradgradcheck)
    return str(got.value), torch_message(str(want.value))


# --------------------------------------------------------------------- gradcheck itself

def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)


def test_passes_on_correct_gradients():
    x = _f64(insitu, [[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]])
    y = _f64(insitu, [1.5, 0.5, -2.0])
    assert gradcheck(lambda a, b: (a * b).sin() + a.exp(), (x, y)) is True
    assert gradgradcheck(lambda a, b: (a * b).sin() + a.exp(), (x, y)) is True


def test_mismatch_message_matches_torch():
    def run(lib, base, gc, ggc):
        gc(_wrong_square(lib, base).apply, (_f64(lib, [1.0, 2.0]),))
    got, want = _same_error(run)
    assert got == want
    assert got.startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:")


def test_mismatch_names_the_output_and_the_input():
    def f(lib, base):
        wrong = _wrong_square(lib, base)
        return lambda a, b: (a * b, wrong.apply(b) + a)
    got, want = _same_error(lambda lib, base, gc, ggc: gc(
        f(lib, base), (_f64(lib, [1.0, 2.0]), _f64(lib, [3.0, 4.0]))))
    assert got == want
    assert got.startswith("Jacobian mismatch for output 1 with respect to input 1,")


def test_raise_exception_false_returns_false():
    x = _f64(insitu, [1.0, 2.0])
    assert gradcheck(_wrong_square(insitu, Function).apply, (x,), raise_exception=False) is False
    assert gradgradcheck(_first_order_only(insitu, Function).apply, (x,),
                         raise_exception=False) is False


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    got, want = _same_error(lambda lib, base, gc, ggc: ggc(
        _first_order_only(lib, base).apply, (_f64(lib, [1.0, 2.0]),)))
    # grad_outputs are random, so only the head of the message can be compared
    assert got.split("numerical:")[0] == want.split("numerical:")[0]
    assert "analytical:tensor([[0., 0.],\n        [0., 0.]" in got


def test_gradgradcheck_with_given_grad_outputs():
    x = _f64(insitu, [0.3, -0.7, 1.1])
    go = _f64(insitu, [1.0, -2.0, 0.5])
    assert gradgradcheck(lambda a: (a * a * a).tanh(), (x,), (go,)) is True


def test_no_input_requires_grad():
    got, want = _same_error(lambda lib, base, gc, ggc: gc(
        lambda a: a * 2, (_f64(lib, [1.0], requires_grad=False),)), ValueError, ValueError)
    assert got == want


def test_stride_zero_input_is_refused():
    got, want = _same_error(lambda lib, base, gc, ggc: gc(
        lambda a: a * 2, (_f64(lib, [1.0], False).expand(3).requires_grad_(),)),
        RuntimeError, RuntimeError)
    assert got == want


def test_single_precision_input_warns():
    def run(lib):
        with pytest.warns(UserWarning) as rec:
            lib_gc = gradcheck if lib is insitu else torch.autograd.gradcheck
            lib_gc(lambda a: a * 2, (lib.ones(2, requires_grad=True),), raise_exception=False)
        return [str(w.message) for w in rec]
    assert run(insitu)[0] == run(torch)[0]


def test_output_that_does_not_require_grad_must_be_constant():
    got, want = _same_error(lambda lib, base, gc, ggc: gc(
        lambda a: (a * 2).detach(), (_f64(lib, [1.0, 2.0]),)))
    assert got == want == "Numerical gradient for function expected to be zero"
    # constant (integer or bool) outputs are fine
    assert gradcheck(lambda a: (a > 0, a.detach() * 0), (_f64(insitu, [1.0, -2.0]),))


def test_nondeterministic_backward_is_reported():
    def run(lib, base, gc, ggc):
        calls = []

        class Flaky(base):      # drifts by 0.01% a call: within tolerance, not reproducible
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                calls.append(1)
                return g * 2 * (1 + 1e-4 * len(calls))
        gc(Flaky.apply, (_f64(lib, [1.0, 2.0]),))
    got, want = _same_error(run)
    assert got == want.split("\n")[0]
    assert gradcheck(lambda a: a * 2, (_f64(insitu, [1.0]),), nondet_tol=1e-2)


def test_non_tensor_arguments_and_several_outputs():
    x = _f64(insitu, [[1.0, 2.0], [3.0, 4.0]])
    y = _f64(insitu, [0.5, -0.5])
    c = _f64(insitu, [2.0, 3.0], requires_grad=False)
    assert gradcheck(lambda a, k, b, cc: (a * k * b, (a + cc).exp(), 7), (x, 3.0, y, c))


@pytest.mark.filterwarnings("ignore:Backwards compatibility")    # torch's, on failure
def test_undefined_output_gradients_must_be_handled():
    def run(lib, base, gc, ggc):
        class NeedsOne(base):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 1, x * 2

            @staticmethod
            def backward(ctx, g1, g2):
                if g1 is None and g2 is None:
                    raise RuntimeError("got no gradient at all")
                return (0 if g1 is None else g1) + (0 if g2 is None else g2 * 2)
        gc(NeedsOne.apply, (_f64(lib, [1.0, 2.0]),))
    got, want = _same_error(run)
    assert got == want


def test_undefined_output_gradients_handled():
    class Handles(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            return (0 if g1 is None else g1) + (0 if g2 is None else g2 * 2)
    # with no gradient at all this backward returns the number 0, not a tensor or None:
    # PyTorch's gradcheck reports exactly this (checked against torch 2.13)
    with pytest.raises(GradcheckError, match="Expected backward function to handle undefined"):
        gradcheck(Handles.apply, (_f64(insitu, [1.0, 2.0]),))


def test_inputs_are_left_untouched():
    x = _f64(insitu, [0.1, 0.2, 0.3])
    before = x.detach().numpy().copy()
    gradcheck(lambda a: a.sin(), (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x._version == 0 and x.grad is None


def test_graph_saved_by_the_caller_stays_valid():
    x = _f64(insitu, [0.1, 0.2, 0.3])
    y = x.sin()                       # saves x
    gradcheck(lambda a: a.cos(), (x,))
    y.sum().backward()                # no version error: gradcheck restored x in place
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.1, 0.2, 0.3]))


# --------------------------------------------------------------------- every pointwise op

_R = np.random.default_rng(0)
SHAPE = (2, 3)
# away from every kink: integers and half-integers (floor, round, frac, remainder), 0 (abs, sign,
# relu), ±0.5 (clamp bounds) and ±1 (hardtanh)
SAFE = [[-1.7, -0.6, 0.3], [0.65, 1.3, 2.4]]
SMALL = [[-0.9, -0.2, 0.1], [0.3, 0.8, -0.7]]


def _u(lo, hi, shape=SHAPE):
    return _R.uniform(lo, hi, shape).round(3)


def _grad(values):
    return ("grad", np.asarray(values, dtype=np.float64))


def _const(values, dtype="float64"):
    return ("const", np.asarray(values), dtype)


def _any():
    return _grad(_u(-2, 2))


def _pos():
    return _grad(_u(0.5, 2))


# name -> (arguments, keyword parameters); arguments are ("grad", array) tensors that require
# grad, ("const", array, dtype) tensors that do not, or Python scalars
SPECS = {
    "add": ([_any(), _grad(_u(-2, 2, (3,)))], {"alpha": 2.0}),
    "sub": ([_any(), _grad(_u(-2, 2, (3,)))], {"alpha": 0.5}),
    "mul": ([_any(), _grad(_u(-2, 2, (3,)))], {}),
    "div": ([_any(), _grad(_u(0.5, 2) * np.sign(_u(-1, 1)))], {}),
    "remainder": ([_grad(SAFE), _grad([1.1, -0.9, 0.7])], {}),
    "fmod": ([_grad(SAFE), _grad([1.1, -0.9, 0.7])], {}),
    "pow": ([_pos(), _grad(_u(-1.5, 2.5, (3,)))], {}),
    "maximum": ([_grad(SAFE), _grad([[0.1, -0.5, 0.9], [1.0, 1.0, 1.0]])], {}),
    "minimum": ([_grad(SAFE), _grad([[0.1, -0.5, 0.9], [1.0, 1.0, 1.0]])], {}),
    "atan2": ([_any(), _pos()], {}),
    "hypot": ([_any(), _pos()], {}),
    "exp": ([_any()], {}), "exp2": ([_any()], {}), "expm1": ([_any()], {}),
    "log": ([_pos()], {}), "log2": ([_pos()], {}), "log10": ([_pos()], {}),
    "log1p": ([_grad(_u(-0.5, 2))], {}),
    "sqrt": ([_pos()], {}), "rsqrt": ([_pos()], {}), "reciprocal": ([_pos()], {}),
    "sin": ([_any()], {}), "cos": ([_any()], {}), "tan": ([_grad(_u(-1.2, 1.2))], {}),
    "tanh": ([_any()], {}), "sinh": ([_any()], {}), "cosh": ([_any()], {}),
    "asin": ([_grad(_u(-0.9, 0.9))], {}), "acos": ([_grad(_u(-0.9, 0.9))], {}),
    "atan": ([_any()], {}), "sigmoid": ([_any()], {}),
    "neg": ([_any()], {}), "abs": ([_grad(SAFE)], {}), "sign": ([_grad(SAFE)], {}),
    "sgn": ([_grad(SAFE)], {}), "floor": ([_grad(SAFE)], {}), "ceil": ([_grad(SAFE)], {}),
    "trunc": ([_grad(SAFE)], {}), "round": ([_grad(SAFE)], {}), "frac": ([_grad(SAFE)], {}),
    "relu": ([_grad(SAFE)], {}), "square": ([_any()], {}),
    "clamp": ([_grad(SMALL)], {"min": -0.5, "max": 0.5}),
    "clamp_min": ([_grad(SMALL)], {"min": -0.5}),
    "clamp_max": ([_grad(SMALL)], {"max": 0.5}),
    "hardtanh": ([_grad([[-1.5, -0.2, 0.1], [0.3, 1.8, -0.7]])], {}),
    "lerp": ([_any(), _any(), _grad(_u(0, 1, (3,)))], {}),
    "addcmul": ([_any(), _any(), _grad(_u(-2, 2, (3,)))], {"value": 0.5}),
    "addcdiv": ([_any(), _any(), _grad(_u(0.5, 2, (3,)))], {"value": 0.5}),
    "masked_fill": ([_any(), _const([[True, False, True], [False, False, True]], "bool"),
                     _grad(np.float64(0.7))], {}),
    "where": ([_const([[True, False, True], [False, False, True]], "bool"), _any(), _any()], {}),
}
# extra samples: Python-scalar operands, which take other code paths (a scalar first operand
# through the reflected operator, as user code writes it)
EXTRA = {
    "pow-scalar-exponent": ("pow", [_pos(), 2.5], {}),
    "pow-scalar-base": ("__pow__", [1.7, _grad(_u(-1, 2))], {}),
    "pow-function-scalar-base": ("pow", [1.7, _grad(_u(-1, 2))], {}),
    "fmod-scalar-other": ("fmod", [_grad(SAFE), 0.7], {}),
    "remainder-scalar-other": ("remainder", [_grad(SAFE), 0.7], {}),
    "masked_fill-scalar-value": ("masked_fill", [_any(), _const([[True, False, True],
                                                                 [False, False, True]], "bool"),
                                                 0.7], {}),
    "sub-scalar-first": ("__sub__", [2.0, _any()], {}),
    "mul-scalar": ("mul", [_any(), 3.0], {}),
    "div-scalar-numerator": ("__truediv__", [2.0, _pos()], {}),
    "lerp-scalar-weight": ("lerp", [_any(), _any(), 0.3], {}),
    "clamp-min-only": ("clamp", [_grad(SMALL)], {"min": 0.0, "max": None}),
    "clamp-tensor-bounds": ("clamp", [_grad(SMALL), _grad([-0.5, -0.1, -0.3]),
                                      _grad([0.6, 0.4, 0.2])], {}),
    "rsub": ("__sub__", [2.0, _any()], {}),
    # positive returns its input itself, so it is no table op
    "positive": ("positive", [_any()], {}),
}
POINTWISE_OPS = pointwise.ALL + unary.ALL + logical.ALL + activation.TENSOR_METHODS
# rsub is reached through `__rsub__` (an extra sample below)
DIFFERENTIABLE = sorted(o.name for o in POINTWISE_OPS if o.differentiable and o.name != "rsub"
                        and o.derivative.name != "NotImplemented")   # floor_divide: none
OPS = {o.name: o for o in POINTWISE_OPS}
OPS["__pow__"] = OPS["__truediv__"] = OPS["__sub__"] = OPS["positive"] = None
CASES = {**{n: (n, *SPECS[n]) for n in SPECS}, **EXTRA}
PUBLIC = {}


def _build(lib, args):
    out = []
    for a in args:
        if isinstance(a, tuple) and a[0] == "grad":
            out.append(lib.tensor(a[1], dtype=lib.float64, requires_grad=True))
        elif isinstance(a, tuple):
            out.append(lib.tensor(a[1], dtype=getattr(lib, a[2])))
        else:
            out.append(a)
    return out


def _function(lib, name):
    if name.startswith("__"):
        op = getattr(__import__("operator"), name.strip("_"))
        return lambda a, b: op(a, b)
    name = PUBLIC.get(name, name)
    if name == "hardtanh":
        return insitu.hardtanh if lib is insitu else F.hardtanh
    return getattr(lib, name)


def _inplace(lib, name):
    if name == "hardtanh":
        if lib is torch:
            return lambda x, **kw: F.hardtanh_(x.clone(), **kw)
    method = PUBLIC.get(name, name) + "_"
    return lambda x, *rest, **kw: getattr(x.clone(), method)(*rest, **kw)


def _needs_clone_base(args):
    return isinstance(args[0], tuple) and args[0][0] == "grad" and np.shape(args[0][1]) == SHAPE


def test_every_differentiable_pointwise_op_has_a_sample():
    assert sorted(SPECS) == DIFFERENTIABLE


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradcheck_op(case):
    name, args, params = CASES[case]
    fn = _function(insitu, name)
    assert gradcheck(lambda *a: fn(*a, **params), tuple(_build(insitu, args)))


def _has_inplace(case):
    name, args, _ = CASES[case]
    return OPS[name] is not None and "inplace" in OPS[name].variants and _needs_clone_base(args)


@pytest.mark.parametrize("case", sorted(c for c in CASES if _has_inplace(c)))
def test_gradcheck_inplace_op(case):
    name, args, params = CASES[case]
    fn = _inplace(insitu, name)
    assert gradcheck(lambda *a: fn(*a, **params), tuple(_build(insitu, args)))


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradgradcheck_op(case):
    name, args, params = CASES[case]
    fn = _function(insitu, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradgradcheck(lambda *a: fn(*a, **params), tuple(_build(insitu, args)))


def _run_both(case, inplace):
    name, args, params = CASES[case]
    results = {}
    for lib in (insitu, torch):
        fn = (_inplace if inplace else _function)(lib, name)
        inputs = _build(lib, args)
        out = fn(*inputs, **params)
        weights = lib.tensor(np.linspace(-1, 2, out.numel()).reshape(tuple(out.shape)),
                             dtype=lib.float64)
        (out * weights).sum().backward()
        results[lib] = (out, [t.grad for t in inputs
                              if isinstance(t, lib.Tensor) and t.requires_grad])
    return results[insitu], results[torch]


VARIANTS = [(c, False) for c in sorted(CASES)] + [(c, True) for c in sorted(CASES)
                                                   if _has_inplace(c)]
VARIANT_IDS = [f"{c}-{'inplace' if i else 'outofplace'}" for c, i in VARIANTS]


@pytest.mark.parametrize("case,inplace", VARIANTS, ids=VARIANT_IDS)
def test_op_gradients_match_torch(case, inplace):
    (oi, gi), (ot, gt) = _run_both(case, inplace)
    np.testing.assert_allclose(oi.detach().numpy(), ot.detach().numpy(), rtol=1e-12, atol=1e-12)
    for a, b in zip(gi, gt):
        assert a.dtype.name == str(b.dtype).replace("torch.", "")
        # torch may hand back a ZeroTensor, which has no data to read
        want = np.zeros(tuple(b.shape)) if b._is_zerotensor() else b.numpy()
        np.testing.assert_allclose(a.numpy(), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case,inplace", VARIANTS, ids=VARIANT_IDS)
def test_op_grad_fn_name_matches_torch(case, inplace):
    (oi, _), (ot, _) = _run_both(case, inplace)
    assert type(oi.grad_fn).__name__ == type(ot.grad_fn).__name__


POW_AT_ZERO = {
    "tensor_tensor": lambda lib, x, t: x.pow(t),
    "scalar_base_zero": lambda lib, x, t: 0.0 ** t,
    "function_scalar_base_zero": lambda lib, x, t: lib.pow(0.0, t),
    "negative_scalar_base": lambda lib, x, t: (-2.0) ** t,
    "scalar_exponent_zero": lambda lib, x, t: x.pow(0) * t,
    "inplace_tensor_tensor": lambda lib, x, t: x.clone().pow_(t),
}


@pytest.mark.parametrize("case", sorted(POW_AT_ZERO))
def test_pow_gradients_at_a_zero_base_or_exponent_match_torch(case):
    # 0 ** 0, 0 ** 1, 0 ** -1: PyTorch zeroes the base's gradient where the exponent is 0 and
    # the exponent's where the base is 0 and the exponent is >= 0 (no nan from 0 * inf)
    grads = {}
    for lib in (insitu, torch):
        x = lib.tensor([0.0, 0.0, 2.0, 0.0, 3.0], dtype=lib.float64, requires_grad=True)
        t = lib.tensor([0.0, 1.0, 2.0, -1.0, 0.5], dtype=lib.float64, requires_grad=True)
        out = POW_AT_ZERO[case](lib, x, t)
        out.sum().backward()
        grads[lib] = [None if a.grad is None else a.grad.numpy() for a in (x, t)]
    for got, want in zip(grads[insitu], grads[torch]):
        if want is None:
            assert got is None
        else:
            np.testing.assert_array_equal(got, want)
