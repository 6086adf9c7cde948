"""dtypes and type promotion, with torch as the oracle: every dtype pair, with each operand a
dimensioned tensor, a 0-dim tensor or a Python scalar, through result_type and through real ops."""
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402
from insitu.core import dtypes  # noqa: E402

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 3, 2.5]


@pytest.fixture(autouse=True)
def restore_default_dtype():
    yield
    insitu.set_default_dtype(insitu.float32)
    torch.set_default_dtype(torch.float32)


def both_default(name):
    insitu.set_default_dtype(getattr(insitu, name))
    torch.set_default_dtype(getattr(torch, name))


def operand(lib, kind, name):
    """A dimensioned ('dim') or 0-dim ('0d') tensor of dtype `name` holding ones."""
    shape = (2,) if kind == "dim" else ()
    return lib.ones(shape, dtype=getattr(lib, name))


def name_of(dt):
    return str(dt).split(".")[-1]


# ----------------------------------------------------------------------------- dtype objects

@pytest.mark.parametrize("name", NAMES)
def test_dtype_attributes_match_torch(name):
    d, t = getattr(insitu, name), getattr(torch, name)
    assert repr(d) == repr(t).replace("torch.", "insitu.")
    assert str(d) == str(t).replace("torch.", "insitu.")
    assert d.is_floating_point == t.is_floating_point
    assert d.is_signed == t.is_signed
    assert d.itemsize == t.itemsize
    assert d.is_complex == t.is_complex
    assert insitu.ones(1, dtype=d).element_size() == torch.ones(1, dtype=t).element_size()


@pytest.mark.parametrize("alias", ["float", "double", "half", "long", "int", "short"])
def test_dtype_aliases_match_torch(alias):
    assert name_of(getattr(insitu, alias)) == name_of(getattr(torch, alias))


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_promote_types_and_can_cast_match_torch(a, b):
    da, db = getattr(insitu, a), getattr(insitu, b)
    ta, tb = getattr(torch, a), getattr(torch, b)
    assert name_of(insitu.promote_types(da, db)) == name_of(torch.promote_types(ta, tb))
    assert insitu.can_cast(da, db) == torch.can_cast(ta, tb)


@pytest.mark.parametrize("py,name", [(float, "float64"), (int, "int64"), (bool, "bool")])
def test_python_types_as_dtypes(py, name):
    assert insitu.ones(2, dtype=py).dtype is getattr(insitu, name)
    assert name_of(torch.ones(2, dtype=py).dtype) == name


# ----------------------------------------------------------------------------- promotion

PAIRS = [(ka, a, kb, b) for ka in ("dim", "0d") for kb in ("dim", "0d")
         for a in NAMES for b in NAMES]


@pytest.mark.parametrize("ka,a,kb,b", PAIRS,
                         ids=[f"{ka}-{a}-{kb}-{b}" for ka, a, kb, b in PAIRS])
def test_result_type_of_two_tensors(ka, a, kb, b):
    xi, yi = operand(insitu, ka, a), operand(insitu, kb, b)
    xt, yt = operand(torch, ka, a), operand(torch, kb, b)
    want = name_of(torch.result_type(xt, yt))
    assert name_of(insitu.result_type(xi, yi)) == want
    assert name_of(insitu.add(xi, yi).dtype) == name_of(torch.add(xt, yt).dtype) == want
    assert name_of((xi * yi).dtype) == name_of((xt * yt).dtype)
    assert name_of((xi / yi).dtype) == name_of((xt / yt).dtype)
    assert name_of((xi == yi).dtype) == "bool"


SCALAR_CASES = [(k, a, s) for k in ("dim", "0d") for a in NAMES for s in SCALARS]


@pytest.mark.parametrize("kind,a,scalar", SCALAR_CASES,
                         ids=[f"{k}-{a}-{type(s).__name__}" for k, a, s in SCALAR_CASES])
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_result_type_with_python_scalar(kind, a, scalar, default):
    both_default(default)
    xi, xt = operand(insitu, kind, a), operand(torch, kind, a)
    want = name_of(torch.result_type(xt, scalar))
    assert name_of(insitu.result_type(xi, scalar)) == want
    assert name_of(insitu.result_type(scalar, xi)) == name_of(torch.result_type(scalar, xt))
    assert name_of((xi * scalar).dtype) == name_of((xt * scalar).dtype) == want
    assert name_of((scalar * xi).dtype) == name_of((scalar * xt).dtype)
    assert name_of((xi / scalar).dtype) == name_of((xt / scalar).dtype)


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("name", ["bool", "uint8", "int32", "int64"])
def test_integer_true_division_gives_the_default_float(name, default):
    both_default(default)
    xi, yi = insitu.tensor([3, 4], dtype=getattr(insitu, name)), insitu.tensor([2, 8]).to(
        getattr(insitu, name))
    xt, yt = torch.tensor([3, 4], dtype=getattr(torch, name)), torch.tensor([2, 8]).to(
        getattr(torch, name))
    for got, want in [(xi / yi, xt / yt), (xi / 2, xt / 2), (insitu.div(xi, yi), torch.div(xt, yt)),
                      (xi.sqrt(), xt.sqrt()), (xi * 0.5, xt * 0.5)]:
        assert name_of(got.dtype) == name_of(want.dtype) == default
        np.testing.assert_allclose(got.numpy(), want.numpy())


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_default_dtype_governs_creation(default):
    both_default(default)
    assert name_of(insitu.get_default_dtype()) == name_of(torch.get_default_dtype()) == default
    for fn in (lambda lib: lib.tensor([1.5]), lambda lib: lib.ones(2), lambda lib: lib.zeros(()),
               lambda lib: lib.arange(0.0, 1.0, 0.5), lambda lib: lib.tensor(2.5),
               lambda lib: lib.full((2,), 1.5), lambda lib: lib.rand(2),
               lambda lib: lib.linspace(0, 1, 3), lambda lib: lib.tensor([1, 2]).float()):
        assert name_of(fn(insitu).dtype) == name_of(fn(torch).dtype)


def test_set_default_dtype_refuses_integers():
    with pytest.raises(TypeError) as want:
        torch.set_default_dtype(torch.int64)
    with pytest.raises(TypeError) as got:
        insitu.set_default_dtype(insitu.int64)
    assert str(got.value) == str(want.value)
    assert insitu.get_default_dtype() is insitu.float32


def test_default_float_scalar_tier_follows_the_default():
    both_default("float64")
    xi, xt = insitu.tensor([1, 2]), torch.tensor([1, 2])
    assert name_of((xi + 0.5).dtype) == name_of((xt + 0.5).dtype) == "float64"
    # a float32 tensor is not widened by a Python float, whatever the default
    assert (insitu.ones(2) + 0.5).dtype is insitu.float64   # ones() itself is float64 here
    assert (insitu.ones(2, dtype=insitu.float32) + 0.5).dtype is insitu.float32


def test_to_dtype_accepts_names_numpy_dtypes_and_types():
    assert dtypes.to_dtype("float32") is insitu.float32
    assert dtypes.to_dtype("insitu.int64") is insitu.int64
    assert dtypes.to_dtype(np.dtype("int16")) is insitu.int16
    assert dtypes.to_dtype(np.float64) is insitu.float64
    assert dtypes.to_dtype(float) is insitu.float64
    with pytest.raises(TypeError):
        dtypes.to_dtype(np.dtype("complex64"))
