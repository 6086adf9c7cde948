"""Every example of the document insitu was created from, run with `import insitu as torch`,
prints exactly what the document shows (outputs that PyTorch itself prints)."""
import contextlib
import io
import textwrap

import pytest


CASES = [
    ('normal-vs-inplace', """
a = torch.tensor([1, 2, 3])
b = a.add(10)
print("a after normal add:", a)
print("b (new tensor): ", b)
a.add_(10)
print("a after in-place add:", a)
""", """
a after normal add: tensor([1, 2, 3])
b (new tensor):  tensor([11, 12, 13])
a after in-place add: tensor([11, 12, 13])
"""),
    ('add', """
a = torch.tensor([10, 20, 30, 40])
b = torch.tensor([1, 2, 3, 4])
result = a.add(b)
print("After normal add, a:", a)
print("Result: ", result)
a.add_(b)
print("After in-place add, a:", a)
""", """
After normal add, a: tensor([10, 20, 30, 40])
Result:  tensor([11, 22, 33, 44])
After in-place add, a: tensor([11, 22, 33, 44])
"""),
    ('sub', """
a = torch.tensor([100, 200, 300])
b = torch.tensor([10, 20, 30])
result = a.sub(b)
print("After normal sub, a:", a)
print("Result: ", result)
a.sub_(b)
print("After in-place sub, a:", a)
""", """
After normal sub, a: tensor([100, 200, 300])
Result:  tensor([ 90, 180, 270])
After in-place sub, a: tensor([ 90, 180, 270])
"""),
    ('mul', """
a = torch.tensor([2, 3, 4, 5])
b = torch.tensor([10, 20, 30, 40])
result = a.mul(b)
print("After normal mul, a:", a)
print("Result: ", result)
a.mul_(b)
print("After in-place mul, a:", a)
""", """
After normal mul, a: tensor([2, 3, 4, 5])
Result:  tensor([ 20,  60, 120, 200])
After in-place mul, a: tensor([ 20,  60, 120, 200])
"""),
    ('div', """
a = torch.tensor([100.0, 200.0, 300.0])
b = torch.tensor([4.0, 5.0, 6.0])
result = a.div(b)
print("After normal div, a:", a)
print("Result: ", result)
a.div_(b)
print("After in-place div, a:", a)
""", """
After normal div, a: tensor([100., 200., 300.])
Result:  tensor([25., 40., 50.])
After in-place div, a: tensor([25., 40., 50.])
"""),
    ('chaining', """
a = torch.tensor([1.0, 2.0, 3.0, 4.0])
print("Original:", a)
r = a.add_(10).mul_(2).sub_(5)
print("After chaining:", a)
print("returns self:", r is a)
""", """
Original: tensor([1., 2., 3., 4.])
After chaining: tensor([17., 19., 21., 23.])
returns self: True
"""),
    ('fill', """
a = torch.tensor([1, 2, 3, 4, 5])
a.fill_(0)
print("After fill_(0):", a)
""", """
After fill_(0): tensor([0, 0, 0, 0, 0])
"""),
    ('zero', """
a = torch.tensor([10.0, 20.0, 30.0])
a.zero_()
print("After zero_():", a)
""", """
After zero_(): tensor([0., 0., 0.])
"""),
    ('clamp', """
a = torch.tensor([-5.0, -1.0, 0.0, 3.0, 10.0])
a.clamp_(min=0, max=5)
print("After clamp_(0, 5):", a)
b = torch.tensor([-5.0, -1.0, 0.0, 3.0, 10.0])
print("clamp out-of-place:", b.clamp(0, 5), b)
""", """
After clamp_(0, 5): tensor([0., 0., 0., 3., 5.])
clamp out-of-place: tensor([0., 0., 0., 3., 5.]) tensor([-5., -1.,  0.,  3., 10.])
"""),
    ('abs-neg', """
a = torch.tensor([-3.0, -1.0, 2.0, 5.0])
a.abs_()
print("After abs_():", a)
a.neg_()
print("After neg_():", a)
""", """
After abs_(): tensor([3., 1., 2., 5.])
After neg_(): tensor([-3., -1., -2., -5.])
"""),
    ('leaf-guard', """
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
try:
    x.add_(10)
except RuntimeError as e:
    print(f"Error: {e}")
print("x unchanged:", x)
""", """
Error: a leaf Variable that requires grad is being used in an in-place operation.
x unchanged: tensor([1., 2., 3.], requires_grad=True)
"""),
    ('out-of-place-grad', """
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x.add(10)
print("y:", y)
y.sum().backward()
print("grad:", x.grad)
""", """
y: tensor([11., 12., 13.], grad_fn=<AddBackward0>)
grad: tensor([1., 1., 1.])
"""),
    ('shared-reference', """
a = torch.tensor([1, 2, 3])
b = a
a.add_(10)
print("a:", a)
print("b:", b)
""", """
a: tensor([11, 12, 13])
b: tensor([11, 12, 13])
"""),
    ('clone', """
a = torch.tensor([1, 2, 3])
b = a.clone()
a.add_(10)
print("a:", a)
print("b:", b)
""", """
a: tensor([11, 12, 13])
b: tensor([1, 2, 3])
"""),
    ('zero-grad-and-fill-under-no-grad', """
w = torch.tensor([1.0, 2.0], requires_grad=True)
(w * 3).sum().backward()
print("grad:", w.grad)
w.grad.zero_()
print("zeroed:", w.grad)
with torch.no_grad():
    w.fill_(0.5)
print("w:", w)
w.data.fill_(2.0)
print("w:", w)
""", """
grad: tensor([3., 3.])
zeroed: tensor([0., 0.])
w: tensor([0.5000, 0.5000], requires_grad=True)
w: tensor([2., 2.], requires_grad=True)
"""),
]


def run_case(module, code):
    mod = __import__(module)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(textwrap.dedent(code), {"torch": mod})
    return buf.getvalue().strip()


@pytest.mark.parametrize("name,code,expected", CASES, ids=[c[0] for c in CASES])
def test_example_prints_expected_output(name, code, expected):
    assert run_case("insitu", code) == expected.strip()


@pytest.mark.parametrize("name,code,expected", CASES, ids=[c[0] for c in CASES])
def test_expected_output_is_torchs(name, code, expected):
    pytest.importorskip("torch")
    assert run_case("torch", code) == expected.strip()
