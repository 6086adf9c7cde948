"""Which dtype an `out=` may have, and how the refusal is worded, against PyTorch: the
same-dtype kernels (abs, neg, floor, sign, clamp with number bounds...) want the operands' dtype
exactly; the others take any dtype the result casts to."""
import pytest

import insitu

torch = pytest.importorskip("torch")

OPS = ["abs", "neg", "sign", "sgn", "floor", "ceil", "trunc", "round", "frac", "bitwise_not",
       "sin", "exp", "sqrt", "square"]
PAIRS = [("float32", "float64"), ("float32", "bool"), ("float32", "int64"), ("int64", "float32"),
         ("int64", "int32"), ("bool", "int64"), ("float64", "float32"), ("int64", "bool")]


def _outcome(call):
    try:
        r = call()
    except Exception as e:  # noqa: BLE001 (the outcome is compared, whatever it is)
        return type(e).__name__, str(e).split("\n")[0]
    return "ok", str(r.dtype).split(".")[1]


def _calls(lib, name, src, dst):
    a = lib.ones(2, dtype=getattr(lib, src))
    o = lib.ones(2, dtype=getattr(lib, dst))
    t = lib.ones(2, dtype=lib.float32)
    return {
        "unary": lambda: getattr(lib, name)(a, out=o) if hasattr(torch, name) else a,
        "clamp numbers": lambda: lib.clamp(a, 0.5, 1.5, out=o),
        "clamp_min number": lambda: lib.clamp_min(a, 0, out=o),
        "clamp tensors": lambda: lib.clamp(a, t, t, out=o),
        "heaviside": lambda: lib.heaviside(a, a, out=o),
        "lerp": lambda: lib.lerp(a, a, 0.5, out=o) if a.is_floating_point() else a,
        "lerp tensor weight": lambda: lib.lerp(a, a, a, out=o),
    }


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("src, dst", PAIRS)
def test_out_dtype_as_torch(name, src, dst):
    theirs, ours = _calls(torch, name, src, dst), _calls(insitu, name, src, dst)
    for form in theirs:
        if form != "unary" and name != "abs":
            continue
        assert _outcome(ours[form]) == _outcome(theirs[form]), form


@pytest.mark.parametrize("dtype", ["int64", "uint8", "int32", "bool", "int16"])
def test_clamp_bound_cast_names_as_torch(dtype):
    # fuzz seeds 1 and 3: clamp_max_ with a float tensor bound says `Byte`, with a number
    # bound `unsigned char`
    for call in (lambda lib, x: x.clamp_min_(lib.tensor(1.5)),
                 lambda lib, x: x.clamp_max_(lib.ones(2)),
                 lambda lib, x: x.clamp_max_(0.5),
                 lambda lib, x: x.clamp_(0.5, 1.5),
                 lambda lib, x: lib.clamp_min(lib.ones(2), lib.tensor(1.5),
                                              out=lib.ones(2, dtype=getattr(lib, dtype)))):
        expected = _outcome(lambda: call(torch, torch.ones(2, dtype=getattr(torch, dtype))))
        assert _outcome(lambda: call(insitu, insitu.ones(2, dtype=getattr(insitu, dtype)))) \
            == expected


def test_square_out_names_pow():
    # fuzz seeds 2 and 3: square(out=) with an input requiring grad is pow's refusal
    for lib in (torch, insitu):
        with pytest.raises(RuntimeError, match=r"^pow\(\): functions with out=\.\.\."):
            lib.square(lib.ones((2, 1), requires_grad=True), out=lib.arange(3.0))
