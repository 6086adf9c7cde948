"""The repr must match PyTorch's character for character; torch itself is the oracle."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from insitu.core import printing  # noqa: E402
from insitu.core.printing import (  # noqa: E402
    format_scalar, get_printoptions, set_printoptions, tensor_repr)

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.fixture(autouse=True)
def restore_options():
    saved = get_printoptions()
    saved_torch = torch._tensor_str.get_printoptions()
    saved_default = torch.get_default_dtype()
    yield
    set_printoptions(**saved)
    torch.set_printoptions(**saved_torch)
    torch.set_default_dtype(saved_default)


def both_options(**kwargs):
    set_printoptions(**kwargs)
    torch.set_printoptions(**kwargs)


def name_of(t):
    return str(t.dtype).replace("torch.", "")


def check(arr, default="float32"):
    """Compare against torch for the same data; ``arr`` may be non-contiguous.

    The module name is set to "torch" because it changes the line length, and with it where
    the suffixes wrap.
    """
    t = torch.from_numpy(np.array(arr, copy=True))
    got = tensor_repr(arr, dtype_name=name_of(t), default_dtype_name=default, module="torch")
    assert got == repr(t)


def rng():
    return np.random.default_rng(0)


# ---- dtypes, shapes ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (1,), (5,), (2, 3), (2, 3, 4), (2, 1, 3, 2)])
def test_every_dtype_and_rank(dtype, shape):
    if dtype == "bool":
        arr = rng().integers(0, 2, size=shape).astype(bool)
    elif dtype == "uint8":
        arr = rng().integers(0, 256, size=shape).astype(np.uint8)
    elif dtype.startswith("int"):
        arr = rng().integers(-120, 120, size=shape).astype(dtype)
    else:
        arr = rng().normal(size=shape).astype(dtype)
    check(arr)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 4), (3, 0)])
def test_empty(dtype, shape):
    check(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("value", [5.0, 2.5, -0.0, 0.0, float("nan"), float("inf"), 1e-7, 1e10,
                                   123456.789])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_zero_dim_float(value, dtype):
    if dtype == "float16" and abs(value) > 65504 and np.isfinite(value):
        value = float("inf")  # what the cast would give, without the overflow warning
    check(np.array(value, dtype=dtype))


@pytest.mark.parametrize("arr", [np.array(True), np.array(False), np.array(7),
                                 np.array(-3, dtype=np.int8), np.array(200, dtype=np.uint8)])
def test_zero_dim_other(arr):
    check(arr)


def test_bool_widths():
    check(np.array([True, False, True]))
    check(np.array([[True, True], [True, True]]))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64"])
def test_int_widths_with_negatives(dtype):
    info = np.iinfo(dtype)
    check(np.array([info.min, -1, 0, 7, info.max], dtype=dtype))
    check(np.array([[1, -22], [33, -100]], dtype=dtype))
    check(np.array([info.max, info.max - 1], dtype=dtype))


def test_non_contiguous():
    base = np.arange(60, dtype=np.float32).reshape(3, 4, 5) / 7
    check(base[:, ::2, ::-1])
    check(base.transpose(2, 0, 1))
    check(np.broadcast_to(np.float32(1.5), (2, 3)))


# ---- float modes ------------------------------------------------------------------------------

FLOAT_CASES = {
    "int_mode": [1.0, -2.0, 300.0, 0.0],
    "int_mode_neg_zero": [-0.0, 0.0, 1.0],
    "all_zero": [0.0, -0.0],
    "fixed": [1.5, -2.25, 3.14159, 0.1],
    "fixed_big": [999.5, 0.5, -12.125],
    "sci_tiny": [1e-5, 0.5, 2.0],
    "sci_huge": [1e9, 1.0, 2.5],
    "sci_ratio": [0.5, 600.0],
    "sci_int_mode": [1.0, 2000.0],
    "sci_negative": [-1e-10, 3e12, -7.0],
    "three_digit_exponent": [1e-150, 2e200, -3e-120],
    "nan_inf": [float("nan"), float("inf"), -float("inf"), 1.0],
    "nan_inf_fixed": [float("nan"), 1.5, -float("inf")],
    "nan_inf_sci": [float("nan"), 1e-9, float("inf")],
    "only_nonfinite": [float("nan"), float("inf"), -float("inf")],
    "rounding": [9.99996, 0.99995, -9.99995],
    "neg_zero_fixed": [-0.0, 1.25],
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", sorted(FLOAT_CASES))
def test_float_modes(case, dtype):
    with np.errstate(over="ignore"):  # float32 overflows to inf on purpose
        arr = np.array(FLOAT_CASES[case], dtype=dtype)
    check(arr)
    check(arr.reshape(-1, 1))
    check(np.array(arr[0]))


@pytest.mark.parametrize("case", ["int_mode", "fixed", "sci_tiny", "sci_huge", "nan_inf",
                                  "rounding"])
def test_float16(case):
    with np.errstate(over="ignore"):  # 1e9 becomes inf in half precision, as in torch
        check(np.array(FLOAT_CASES[case], dtype=np.float16))
    check(np.array([65504.0, -65504.0, 6e-8, 1.0], dtype=np.float16))


@pytest.mark.parametrize("sci_mode", [True, False])
@pytest.mark.parametrize("case", ["int_mode", "fixed", "sci_tiny", "sci_huge", "all_zero",
                                  "nan_inf"])
def test_sci_mode_option(case, sci_mode):
    both_options(sci_mode=sci_mode)
    check(np.array(FLOAT_CASES[case], dtype=np.float32))


@pytest.mark.parametrize("precision", [0, 2, 8])
def test_precision(precision):
    both_options(precision=precision)
    for case in ("fixed", "sci_tiny", "int_mode", "rounding"):
        check(np.array(FLOAT_CASES[case], dtype=np.float64))


# ---- summarisation and wrapping ---------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1001,), (100, 100), (10, 11, 12), (3, 2000), (2000, 2),
                                   (4, 5, 6, 7), (5, 5, 5, 5, 5)])
@pytest.mark.parametrize("dtype", ["int64", "float32", "float64", "bool"])
def test_summarized(shape, dtype):
    arr = np.arange(np.prod(shape)).reshape(shape)
    if dtype == "bool":
        arr = arr % 3 == 0
    elif dtype != "int64":
        arr = (arr * 0.37).astype(dtype)
    check(arr)


def test_summarized_formatter_sees_only_shown_elements():
    # the hidden middle holds a huge value; torch's widths ignore it
    arr = np.ones(2000, dtype=np.float32)
    arr[1000] = 1e20
    check(arr)
    arr2 = np.ones((50, 50))
    arr2[25, 25] = -123456.5
    check(arr2)


@pytest.mark.parametrize("n", [10, 20, 25, 40, 100])
def test_long_rows_wrap(n):
    check(np.arange(n, dtype=np.int64) * 1234567)
    check(np.linspace(-1, 1, n).astype(np.float32))
    check(np.linspace(-1, 1, 2 * n).reshape(2, n))


@pytest.mark.parametrize("kwargs", [dict(linewidth=40), dict(profile="full"), dict(profile="short"),
                                    dict(threshold=5), dict(edgeitems=1), dict(edgeitems=0),
                                    dict(threshold=5, edgeitems=0), dict(edgeitems=0, profile="full"),
                                    dict(threshold=10, edgeitems=5)])
def test_print_options(kwargs):
    both_options(**kwargs)
    for arr in (np.arange(30), np.linspace(0, 3, 1200).astype(np.float32),
                np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 3,
                np.arange(1500).reshape(30, 50), np.array([1.5, 2.5]), np.array(3.0),
                np.zeros((0, 2))):
        check(arr)


def test_profile_full_large():
    both_options(profile="full")
    check(np.arange(1500, dtype=np.int32).reshape(30, 50))


def test_get_printoptions_roundtrip():
    set_printoptions(precision=2, threshold=10, edgeitems=1, linewidth=40, sci_mode=True)
    assert get_printoptions() == dict(precision=2, threshold=10, edgeitems=1, linewidth=40,
                                      sci_mode=True)
    set_printoptions(profile="default")
    assert get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80,
                                      sci_mode=None)
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == float("inf")


def test_printoptions_context():
    with printing.printoptions(precision=1):
        assert tensor_repr(np.array([1.25]), dtype_name="float32") == "tensor([1.2])"
    assert get_printoptions()["precision"] == 4


# ---- dtype suffix and default dtype -----------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_default_float64(dtype):
    torch.set_default_dtype(torch.float64)
    check(np.array([1.5, 2.0, 0.0]).astype(dtype), default="float64")
    check(np.zeros((0,), dtype=dtype), default="float64")
    check(np.array(1, dtype=dtype), default="float64")


# ---- extra suffixes ---------------------------------------------------------------------------

def check_with_suffix(t):
    rep = repr(t)
    suffix = ("grad_fn=<" + type(t.grad_fn).__name__ + ">" if t.grad_fn is not None
              else "requires_grad=True")
    arr = t.detach().numpy()
    assert tensor_repr(arr, dtype_name=name_of(t), suffixes=[suffix], module="torch") == rep


def test_requires_grad_suffix():
    check_with_suffix(torch.tensor([1.0, 2.0], requires_grad=True))
    check_with_suffix(torch.tensor(3.5, requires_grad=True))
    check_with_suffix(torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True))
    check_with_suffix(torch.zeros(0, 3, requires_grad=True))
    check_with_suffix(torch.linspace(0, 1, 17, requires_grad=True))


def test_grad_fn_suffix():
    check_with_suffix(torch.tensor([1.0, 2.0], requires_grad=True) * 2)
    check_with_suffix(torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True) + 1)
    check_with_suffix(torch.linspace(0, 1, 15, requires_grad=True) * 3)
    check_with_suffix(torch.ones(3, 4, requires_grad=True).sum(0))


def test_suffix_wraps_with_linewidth():
    torch.set_printoptions(linewidth=40)
    set_printoptions(linewidth=40)
    check_with_suffix(torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64,
                                   requires_grad=True) * 2)


def test_suffix_order_and_module():
    got = tensor_repr(np.array([1, 2], dtype=np.int8), dtype_name="int8",
                      suffixes=["a=1", "b=2"], module="mylib")
    assert got == "tensor([1, 2], dtype=mylib.int8, a=1, b=2)"


def test_module_name_in_dtype():
    assert (tensor_repr(np.array([1.5, 2.0]), dtype_name="float64")
            == "tensor([1.5000, 2.0000], dtype=insitu.float64)")
    assert tensor_repr(np.zeros((0,), np.int64), dtype_name="int64") == \
        "tensor([], dtype=insitu.int64)"


def test_module_name_counts_towards_wrapping():
    # one character longer than "torch" pushes the dtype onto its own line
    arr = np.array([0.0, 0.0, 0.0, 1.5, -10.0], dtype=np.float16)
    assert tensor_repr(arr, dtype_name="float16") == (
        "tensor([  0.0000,   0.0000,   0.0000,   1.5000, -10.0000],\n"
        "       dtype=insitu.float16)")


def test_custom_prefix_indents():
    arr = np.arange(4.0).reshape(2, 2)
    got = tensor_repr(arr, dtype_name="float32", prefix="Thing(")
    assert got == "Thing([[0., 1.],\n       [2., 3.]])"


# ---- format_scalar ----------------------------------------------------------------------------

@pytest.mark.parametrize("value,dtype,spec", [(2.5, "float32", ".3f"), (7, "int64", "05d"),
                                              (True, "bool", ""), (1e-3, "float64", "e"),
                                              (1.5, "float16", "")])
def test_format_scalar(value, dtype, spec):
    t = torch.tensor(value, dtype=getattr(torch, dtype))
    assert format_scalar(np.array(value, dtype=dtype), spec) == format(t, spec)


# ---- random comparison ------------------------------------------------------------------------

SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=7)


@st.composite
def float_arrays(draw):
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64]))
    width = np.dtype(dtype).itemsize * 8
    elements = st.one_of(
        st.floats(width=width, allow_nan=True, allow_infinity=True),
        st.integers(-1000, 1000).map(float),
        st.floats(-10, 10, width=width),
    )
    return draw(hnp.arrays(dtype, SHAPES, elements=elements))


@st.composite
def int_arrays(draw):
    dtype = draw(st.sampled_from([np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64]))
    return draw(hnp.arrays(dtype, SHAPES))


@settings(max_examples=150, deadline=None)
@given(st.one_of(float_arrays(), int_arrays()))
def test_random_arrays(arr):
    check(arr)


@settings(max_examples=60, deadline=None)
@given(float_arrays(),
       st.fixed_dictionaries({"precision": st.integers(0, 6), "threshold": st.integers(1, 50),
                              "edgeitems": st.integers(0, 3), "linewidth": st.integers(10, 90),
                              "sci_mode": st.sampled_from([None, True, False])}))
def test_random_arrays_with_options(arr, opts):
    both_options(**opts)
    try:
        check(arr)
    finally:
        both_options(profile="default")
