"""Shrunk reproducers of the autograd divergences the fuzzer found (gradient values, graph
and view semantics), kept as regression tests: each program must run alike on insitu and
PyTorch (compared as the fuzzer compares)."""
import pytest

torch = pytest.importorskip("torch")

from .driver import check  # noqa: E402
from .program import parse  # noqa: E402

REPRODUCERS = {
    # maximum/minimum: half the gradient to each operand on a tie, all of it to both at a NaN
    "maximum-grad-nan-and-ties": """
x3 = torch.tensor([[2.0, float('nan'), -2.0]], dtype=torch.float64, requires_grad=True)
x4 = torch.tensor([[2.0, 1.0, float('nan')]], dtype=torch.float64, requires_grad=True)
x7 = x3.maximum(x3)
x7.sum().backward()
x8 = torch.minimum(x3, x4)
x8.sum().backward()
x9 = torch.maximum(x4, x3)
x9.sum().backward()
""",
    # atan2's gradient at the origin is 0 (PyTorch masks the reciprocal of 0)
    "atan2-grad-origin": """
x1 = torch.tensor([0.0, -0.0, 1.0], dtype=torch.float64, requires_grad=True)
x2 = torch.tensor([0.0, 0.0, -0.0], dtype=torch.float64, requires_grad=True)
x3 = torch.atan2(x1, x2)
x3.sum().backward()
""",
    # remainder's gradient for `other` uses the fmod-based floor division (inf // 1 is nan)
    "remainder-grad-other-inf": """
x1 = torch.tensor([float('inf'), 5.0, -3.0], dtype=torch.float64)
x2 = torch.tensor([1.0, 2.0, 2.0], dtype=torch.float64, requires_grad=True)
x3 = torch.remainder(x1, x2)
x3.sum().backward()
""",
    # the full product's gradient with two zeros or more is all zeros, nan and inf beside them
    "prod-grad-two-zeros": """
x1 = torch.tensor([0.0, float('nan'), 0.0], dtype=torch.float64, requires_grad=True)
x2 = x1.prod()
x2.backward()
x3 = torch.tensor([[float('inf'), 0.0], [0.0, 2.0]], dtype=torch.float32, requires_grad=True)
x4 = x3.prod()
x4.backward()
""",
}


def test_reproducers_agree(name):
    mismatch, _, _ = check(parse(REPRODUCERS[name]))
    assert mismatch is None, mismatch


def pytest_generate_tests(metafunc):
    if "name" in metafunc.fixturenames:
        metafunc.parametrize("name", sorted(REPRODUCERS))
