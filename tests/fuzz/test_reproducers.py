"""Shrunk reproducers of the divergences the fuzzer found, kept as regression tests: each
program must run alike on insitu and PyTorch (compared as the fuzzer compares)."""
import pytest

torch = pytest.importorskip("torch")

from .driver import check  # noqa: E402
from .program import parse  # noqa: E402

REPRODUCERS = {
    # __setitem__ with an index that selects everything writes into the tensor itself
    "setitem-whole-fill": """
x = torch.ones((3,), requires_grad=True) * 1
x[:] = 2.0
y = torch.ones((2, 3), requires_grad=True) * 1
y[..., 0:3] = torch.tensor(5.0)
""",
    "setitem-whole-copy": """
x = torch.ones((3,), requires_grad=True) * 1
x[0:10] = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
z = torch.tensor(1.0) * 1
z[...] = 4.0
""",
    "setitem-whole-leaf": """
x = torch.ones((3,), requires_grad=True)
x[...] = 1.0
x[-3:] = 1.0
""",
    "setitem-shape-before-guards": """
x1 = torch.zeros((3,), dtype=torch.float32, requires_grad=True)
x1[:] = torch.ones((2,))
x2 = torch.zeros((2, 1), dtype=torch.int32)
x2[-2, :] = x1
""",
    "getitem-slice-names": """
x = torch.ones((2, 3), requires_grad=True)
a = x[:]
b = x[...]
c = x[:, :]
d = x[0:1, :]
e = x[:, 0:3]
""",
    "zero-dim-int-index": """
x = torch.tensor(2.0, requires_grad=True)
a = x[0]
b = x[-1]
c = x[:]
x[0] = 1.0
d = x[None]
e = x[...]
""",
    "setitem-number-overflow": """
x = torch.zeros((3,), dtype=torch.int64)
x[0] = float('inf')
u = torch.zeros((3,), dtype=torch.uint8)
u[0] = -1
u[1] = 256
""",
    "setitem-advanced-order": """
x = torch.ones((3,), requires_grad=True)
x[torch.tensor([5])] = torch.ones((3,))
y = torch.ones((3,)) * 1
y[torch.tensor([5])] = torch.ones((3,), dtype=torch.float64)
y[torch.tensor([0])] = torch.ones((3,), dtype=torch.float64)
y[torch.tensor([5])] = torch.ones((1,), dtype=torch.float64)
y[torch.tensor([True, False])] = torch.ones((3,))
""",
    "setitem-advanced-overlap": """
x = torch.tensor([2.0, -0.5, -1.5])
x[[0]] = x
x[x > 0] = x
x[x > 0] = x[:1]
z = x.mean()
z[z > 0] = z
""",
    "setitem-masked-fill-dispatch": """
x = torch.ones((3,), dtype=torch.int64)
x[x > 0] = torch.tensor(2.5)
x[x > 0] = torch.tensor(float('inf'))
y = torch.ones((2, 3))
y[0, torch.tensor([True, False, True])] = torch.tensor([7.0], dtype=torch.float64)
y[torch.tensor([1, 0, 1], dtype=torch.uint8)] = 2.0
y[torch.tensor([1, 0], dtype=torch.uint8)] = 2.0
y[torch.tensor([1, 0], dtype=torch.uint8)] = torch.ones((2, 3))
""",
    "setitem-bools": """
x = torch.ones((3,), requires_grad=True) * 1
x[True] = torch.tensor(2.0, dtype=torch.float64)
x[True, 0] = 3.0
x[False, 0] = 3.0
x[torch.tensor(True)] = 4.0
x[torch.tensor(True)] = torch.tensor(2.0, dtype=torch.float64)
""",
    "setitem-mixed-index-view": """
x = torch.ones((2, 3), requires_grad=True) * 1
x[0, [0, 1]] = 5.0
x[..., [0]] = 6.0
x[None, [0]] = 7.0
w = torch.ones((2, 3), requires_grad=True)
w[0, [0, 1]] = 5.0
w[:, [0]] = 5.0
""",
    "index-put-method-count": """
x = torch.tensor(2.0, requires_grad=True)
x.index_put_((torch.tensor([0]),), torch.tensor(1.0))
y = torch.tensor(2.0)
y.index_put_((torch.tensor([0]),), torch.tensor(1.0))
""",
    # views made under no_grad or in inference mode
    "no-grad-view-stale-after-no-grad-write": """
x = torch.ones((4,), requires_grad=True)
with torch.no_grad():
    v = x[0:2]
    v.mul_(2)
a = v.is_leaf
""",
    "no-grad-view-of-view": """
y = torch.ones((4,), requires_grad=True) * 1
with torch.no_grad():
    v = y[0:3]
w = v[0:2]
w.mul_(2)
""",
    "inference-view": """
x = torch.ones((4,), requires_grad=True)
y = x * 1
with torch.inference_mode():
    v = y[0:2]
    u = x.split(2)[0]
v.mul_(2)
u.mul_(2)
with torch.no_grad():
    v.mul_(2)
y.mul_(3)
""",
    "multi-output-view-stale-leaf": """
x = torch.ones((4,), requires_grad=True)
a = x.split(2)[0]
with torch.no_grad():
    a.mul_(2)
b = a.grad_fn
""",
    "custom-function-view-stale": """
x = torch.ones((3,), requires_grad=True) * 1
y = Ident.apply(x)
x.mul_(2)
z = y.is_leaf
""",
    # grad-mode decorators and inference tensors
    "bare-decorators": """
@torch.no_grad
def f(t):
    return t * 2
@torch.enable_grad
def g(t):
    return t * 2
@torch.inference_mode
def h(t):
    return t * 2
x = torch.ones((3,), requires_grad=True)
a = f(x)
with torch.no_grad():
    b = g(x)
c = h(x)
d = c.is_inference()
""",
    "inference-mode-false-and-enable-grad": """
x = torch.ones((3,), requires_grad=True)
with torch.no_grad():
    with torch.inference_mode(False):
        a = x * 2
        e = torch.is_grad_enabled()
with torch.inference_mode():
    with torch.enable_grad():
        b = x * 2
        f = torch.is_grad_enabled()
""",
    "inference-tensors-outside": """
x = torch.ones((3,), requires_grad=True)
with torch.inference_mode():
    a = torch.ones((3,))
b = a + 1
c = a.is_inference()
a.add_(1)
with torch.no_grad():
    a.mul_(2)
d = a * x
e = x.exp() + a
a.requires_grad_()
f = a.detach()
g = a[0]
y = x * 1
y.mul_(a)
""",
    "str-shows-grad-fn-under-no-grad": """
x = torch.ones((2,), requires_grad=True)
y = x * 2
with torch.no_grad():
    s = str(y)
""",
    # node names of overloads, and the ops PyTorch has no derivative for
    "overload-node-names": """
x = torch.tensor([1.5, -2.0, 3.0], requires_grad=True)
z = torch.tensor(2.0, requires_grad=True)
a = x.div(2, rounding_mode='floor')
b = x.div(x, rounding_mode='trunc')
c = x.clamp_min(z)
d = x.clamp_max(z)
e = x.round(decimals=1)
f = x.round()
y = x * 1
y.div_(2, rounding_mode='floor')
""",
    "version-error-names-overloads": """
x = torch.ones((3,), requires_grad=True)
y = x * 1
z = y * y
y.pow_(x)
z.sum().backward()
u = x * 1
w = u * u
u.copy_(x)
w.sum().backward()
""",
    "not-implemented-derivatives": """
x = torch.tensor([1.5, -2.0, 3.0], requires_grad=True)
a = x // 2
b = 2 % x
a.sum().backward()
b.sum().backward()
y = x * 1
y.floor_divide_(2)
""",
    "comparison-in-place": """
x = torch.tensor([1.5, -2.0, 3.0], requires_grad=True)
y = x * 1
y.eq_(2.0)
w = x * 1
w.lt_(x)
w.sum().backward()
""",
    "logical-in-place-untracked": """
x = torch.tensor([[3.0, -1.0, -0.0]], requires_grad=True)
x.logical_xor_(x)
y = x * 1
y.logical_not_()
""",
    "round-dtypes": """
i = torch.tensor([1, 2, 0], dtype=torch.int64)
a = i.round()
b = i.round(decimals=0)
c = i.round(decimals=1)
t = torch.tensor([True, False])
d = t.round()
""",
    "index-put-out-of-place-overlap": """
x = torch.ones((3,), requires_grad=True)
y = x.index_put((torch.tensor([0]),), x[:1])
""",
    # values at the edges: signed zeros, infinities
    "signed-zero-ties": """
a = torch.tensor([0.0, -0.0])
b = torch.tensor([-0.0, 0.0])
c = torch.maximum(a, b)
d = torch.minimum(a, b)
e = a.clamp_min(-0.0)
f = b.clamp_max(0.0)
g = b.relu()
h = torch.stack([a, b]).amax(0)
i = a.amax()
j = b.amin()
k = b.erf()
""",
    "pow-special-exponents": """
x = torch.tensor([0.0, -0.0, 2.0, -2.0, float('inf'), -float('inf')])
a = x ** -0.5
b = x ** 0.5
c = x ** 2
d = x ** 3
e = x ** -1
f = x ** -2
g = x ** torch.tensor(-0.5)
""",
    "remainder-signed-zero": """
x = torch.tensor([2.0, -2.0, 3.0, -0.0])
a = 2 % x
b = x % -2.0
c = torch.remainder(x, x)
""",
    "setitem-expanded": """
x = torch.ones((1,)).expand(3)
x[torch.tensor([0])] = 2.0
""",
}


def test_reproducers_agree(name):
    mismatch, _, _ = check(parse(REPRODUCERS[name]))
    assert mismatch is None, mismatch


def pytest_generate_tests(metafunc):
    if "name" in metafunc.fixturenames:
        metafunc.parametrize("name", sorted(REPRODUCERS))
