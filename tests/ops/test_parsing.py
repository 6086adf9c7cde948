"""The argument parser's refusals of table-op operands (`insitu.ops.parsing`), against PyTorch:
which wording (one signature or several), which argument, which position (method, in-place
method and function forms count differently)."""
import pytest

import insitu

torch = pytest.importorskip("torch")

from differential import outcome  # noqa: E402

BINARY = ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "maximum",
          "minimum", "atan2", "hypot", "eq", "ne", "lt", "logical_and", "logical_xor",
          "bitwise_and", "bitwise_left_shift", "copysign", "logaddexp", "logaddexp2", "fmax",
          "fmin", "xlogy", "heaviside", "gcd", "lcm", "nextafter", "ldexp", "clamp_min"]
VALUES = [0.5, 2, None, True]




def _forms(lib, name, value):
    x = lib.ones(3)
    forms = {"method": lambda: getattr(x, name)(value),
             "function": lambda: getattr(lib, name)(x, value),
             "function, first": lambda: getattr(lib, name)(value, x),
             "out=": lambda: getattr(lib, name)(x, value, out=lib.ones(3))}
    if hasattr(torch.Tensor, name + "_"):
        forms["in-place"] = lambda: getattr(x.clone(), name + "_")(value)
    return forms


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_binary_operands_refused_as_torch(name, value):
    theirs = _forms(torch, name, value)
    ours = _forms(insitu, name, value)
    for form, call in theirs.items():
        expected = outcome(call)
        if expected[0] != "TypeError":
            continue            # accepted: the op's own checks decide (tested elsewhere)
        assert outcome(ours[form]) == expected, form


@pytest.mark.parametrize("call", [
    lambda m, x: m.addcmul(x, None, x),
    lambda m, x: x.addcmul_(None, x, value=0.5),
    lambda m, x: x.addcdiv_(x, 2),
    lambda m, x: m.addcdiv(x, x, None),
    lambda m, x: m.lerp(x, None, 0.5),
    lambda m, x: x.lerp_(None, 0.5),
    lambda m, x: m.where(x > 0, None, x),
    lambda m, x: x.where(x > 0, None),
    lambda m, x: m.sin(None),
    lambda m, x: m.abs(2.0),
    lambda m, x: m.exp(None, out=x),
    lambda m, x: m._prelu_kernel(None, 2),
    lambda m, x: m.masked_fill(x, None, 1.0),
    lambda m, x: x.copy_(None),
    lambda m, x: x.fill_(None),
])
def test_other_operands_refused_as_torch(call):
    expected = outcome(lambda: call(torch, torch.ones(3)))
    assert expected[0] == "TypeError"
    assert outcome(lambda: call(insitu, insitu.ones(3))) == expected


def test_fuzz_reproducers():
    # seeds 2 and 3: a number for fmax's other; None for fmax's input; None for ne's other
    for lib in (torch, insitu):
        x4 = lib.tensor(4, dtype=lib.uint8)
        x1 = lib.zeros((2, 1))
        assert outcome(lambda: x4.fmax(0.5))[1] == \
            "fmax(): argument 'other' (position 1) must be Tensor, not float"
        assert outcome(lambda: lib.fmax(x1.grad, x1))[1] == \
            "fmax(): argument 'input' (position 1) must be Tensor, not NoneType"
        assert outcome(lambda: x1.hypot_(1.0))[1] == \
            "hypot_(): argument 'other' (position 1) must be Tensor, not float"
        assert outcome(lambda: lib.ne(x1, x1.grad))[1].startswith(
            "ne() received an invalid combination of arguments - got (Tensor, NoneType)")


@pytest.mark.parametrize("call", [
    lambda m, x: x.clamp_(min=m.tensor(0.5), max=0.0),
    lambda m, x: x.clamp(min=0.0, max=m.tensor(2)),
    lambda m, x: m.clamp(x, m.tensor(True), 0.5),
    lambda m, x: x.clamp(min=m.ones(3), max=0.0),
    lambda m, x: x.clamp(min=m.tensor(0.5, requires_grad=True), max=0.0),
    lambda m, x: m.ones(3, dtype=m.int64).clamp(min=m.tensor(0.5), max=2),
])
def test_clamp_reads_a_0dim_bound_as_a_number_as_torch(call):
    # fuzz seeds 1 and 3: x.clamp_(min=x.prod(), max=0.0) takes the Scalar overload
    expected = outcome(lambda: call(torch, torch.ones(3)))
    assert outcome(lambda: call(insitu, insitu.ones(3))) == expected
    if expected[0] == "ok":
        theirs, ours = call(torch, torch.ones(3)), call(insitu, insitu.ones(3))
        assert ours.tolist() == theirs.tolist() and str(ours.dtype)[7:] == str(theirs.dtype)[6:]


@pytest.mark.parametrize("call", [
    lambda m, x: x.index_add_(0, m.tensor([2, 0]), None),
    lambda m, x: m.index_add(x, 0, m.tensor([2, 0]), None),
    lambda m, x: x.index_copy_(0, m.tensor([2, 0]), None),
    lambda m, x: x.scatter_add_(0, m.tensor([2, 0]), None),
    lambda m, x: x.put_(m.tensor([2, 0]), None),
])
def test_positions_count_every_argument_as_torch(call):
    # fuzz seed 3: index_add_(0, index, None) names source at position 3
    expected = outcome(lambda: call(torch, torch.zeros(3)))
    assert outcome(lambda: call(insitu, insitu.zeros(3))) == expected
