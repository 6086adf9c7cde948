"""Shrunk reproducers of the divergences the fuzzer found, kept as regression tests: each
program must run alike on insitu and PyTorch (compared as the fuzzer compares)."""
import pytest

torch = pytest.importorskip("torch")

from .driver import check  # noqa: E402
from .program import parse  # noqa: E402
from .reproducers_autograd import REPRODUCERS as AUTOGRAD  # noqa: E402
from .reproducers_autograd_kernel import REPRODUCERS as AUTOGRAD_KERNEL  # noqa: E402
from .reproducers_backward import REPRODUCERS as BACKWARD  # noqa: E402
from .reproducers_elementwise import REPRODUCERS as ELEMENTWISE  # noqa: E402
from .reproducers_indexing import REPRODUCERS as INDEXING  # noqa: E402
from .reproducers_memory import REPRODUCERS as MEMORY  # noqa: E402
from .reproducers_views import REPRODUCERS as VIEWS  # noqa: E402

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
    # activations PyTorch also has in the torch namespace
    "activations-in-torch-namespace": """
x1 = torch.tensor([0.0, 0.25, 3.0, -1.0], requires_grad=True)
i = torch.tensor([1, 0, 2, 3])
a = torch.hardshrink(x1)
b = x1.hardshrink(0.2)
c = torch.celu(x1, 2.0)
d = torch._prelu_kernel(x1, x1)
e = torch._prelu_kernel(x1, 1.0)
f = torch._prelu_kernel(i, i)
g = torch.hardshrink(i)
h = torch.hardshrink(x1, out=x1)
k = torch.hardshrink(i, out=x1)
(a + b + c + d).sum().backward()
""",
    # out= and autograd: never-differentiable results ignore it, bitwise ops and floor_divide
    # refuse a leaf out (aten:: names) and otherwise give out a NotImplemented node
    "out-autograd-fallback": """
x1 = torch.full((2, 3), 0.25, dtype=torch.float64, requires_grad=True)
i = torch.tensor([1, 2, 3])
torch.bitwise_left_shift(x1, -1.0, out=x1)
torch.bitwise_and(x1, x1, out=x1)
torch.bitwise_and(x1, x1, out=x1[0])
torch.bitwise_and(i, i, out=x1)
y = torch.ones((2, 3))
torch.bitwise_or(x1, x1, out=y)
z = torch.eq(x1, x1, out=x1)
w = torch.logical_not(x1, out=torch.ones((2, 3), requires_grad=True))
b = torch.isposinf(x1, out=torch.ones((2, 3), dtype=torch.bool))
c = torch.isneginf(x1, out=y)
f = torch.floor_divide(x1, 2, out=y)
g = x1 * 1
torch.floor_divide(g, 2, out=g)
g.sum().backward()
""",
    # movedim: a 0-dim tensor's is an alias; repeated and unmatched dims refused
    "movedim-checks": """
x = torch.tensor(-0.0, requires_grad=True)
a = x.movedim(0, -1)
b = torch.movedim(x, (), ())
y = torch.ones((2, 3))
c = y.movedim((0, 0), (1, 0))
d = y.movedim((0, 1), (1, 1))
e = y.movedim((0,), (1, 0))
a.backward()
""",
    # activations on integer and bool tensors: hardtanh's bounds convert as PyTorch's, the
    # float-only kernels refuse
    "activation-integer-dtypes": """
x1 = torch.tensor([-2, 0, 5], dtype=torch.int64)
a = torch.nn.functional.hardtanh(x1, -0.5, 0.5)
b = torch.nn.functional.hardtanh(x1, 0.5, 1.5)
c = torch.nn.functional.hardtanh(x1, -float('inf'), 2.0)
torch.nn.functional.hardtanh_(x1, -1.5, 1.5)
u = torch.tensor([0, 3, 200], dtype=torch.uint8)
d = torch.nn.functional.hardtanh(u, -0.5, 0.5)
e = torch.nn.functional.hardtanh(u)
torch.nn.functional.hardtanh(u, 1.0, 300.0, inplace=True)
t = torch.tensor([True, False])
f = torch.nn.functional.hardtanh(t)
g = torch.nn.functional.gelu(t)
h = torch.nn.functional.silu(x1)
torch.nn.functional.silu(x1, inplace=True)
""",
    # clamp's bounds: both tensors or both numbers (PyTorch's argument parser)
    "clamp-mixed-bounds": """
x2 = torch.zeros((2, 2), dtype=torch.float32)
x9 = x2.round()
x2.clamp_(min=x9, max=-0.0)
x5 = x2.clamp(min=False, max=x9)
x6 = x2.clamp(x9, 1.0)
x7 = x2.clamp(1, max=x9)
x8 = x2.clamp(min=x9, max=None)
""",
    # the first gradient a leaf gets under create_graph is a copy (CopyBackwards)
    "create-graph-first-grad-copied": """
x1 = torch.tensor([0.0, 0.5, -1.5, -1.0], dtype=torch.float32, requires_grad=True)
x2 = torch.pow(x1, x1)
x5 = x2.unbind()[-1]
x5.backward(create_graph=True)
x6 = x1 * 2
x6.sum().backward(create_graph=True)
x3 = torch.ones((2,), requires_grad=True)
x3.sum().backward(create_graph=True)
""",
    # printed suffixes laid out for "torch." and read as "insitu."
    "str-suffix-line-break": """
x2 = torch.arange(3, dtype=torch.float64, requires_grad=True)
x13 = x2.nan_to_num(posinf=2.0, neginf=-2.0)
x15 = x13.clamp(max=0.5)
""",
    # lerp with a Scalar weight refuses by self's dtype (the weight takes no part in it)
    "lerp-scalar-weight-dtype": """
x2 = torch.tensor([True, False, False], dtype=torch.bool)
x2.lerp_(x2, -1.0)
x3 = torch.tensor([1, 0, 2])
x3.lerp_(x3, 2)
x4 = x3.lerp(x3, 0.5)
x3.lerp_(x3, torch.tensor(0.5))
""",
    # sgn keeps self and its result (PyTorch's formula reads both)
    "sgn-saves-self-and-result": """
x1 = torch.tensor([-1.5, 3.0, -0.0, -2.0], dtype=torch.float32)
x3 = torch.zeros((4,), dtype=torch.float32, requires_grad=True)
x6 = x3.sgn()
x6.masked_scatter_(x6 > 0, x1)
x6.backward(torch.ones_like(x6))
x7 = x3 * 1
x8 = x7.sgn()
x7.mul_(2)
x8.sum().backward()
""",
    # expand's message names a bool tensor CPUBoolType
    "expand-message-bool": """
x1 = torch.tensor([0.0, 0.0, 0.0], dtype=torch.float32)
x5 = x1.isinf()
x6 = x1.clamp_min(x5)
x7 = x6.unbind()[0]
x8 = x7.view(1, 1)
x10 = x8.squeeze(0)
x10[0] = x5
""",
    # None for a tensor operand: PyTorch's argument parser refuses it before anything else
    "none-operand-refused-first": """
x2 = torch.zeros((3,), dtype=torch.float64, requires_grad=True)
x3 = x2.grad
x2.copy_(x3)
y = x2 * 1
y.copy_(x3)
y.add_(x3)
z = y.mul(x3)
y.lerp_(x3, 0.5)
""",
    # _prelu_kernel's weight must have the input's dtype
    "prelu-kernel-dtypes": """
x1 = torch.ones((3,), dtype=torch.float32)
x3 = torch.ones((3,), dtype=torch.float64)
x4 = x3.prod()
x5 = torch._prelu_kernel(x4, x1)
x6 = torch._prelu_kernel(x1, x3)
x7 = torch._prelu_kernel(x1, torch.ones((3,), dtype=torch.int64))
""",
    # the index arrays a node keeps are freed by backward, as PyTorch frees saved tensors
    "index-arrays-freed": """
x1 = torch.ones((1, 3), dtype=torch.float32, requires_grad=True)
x5 = x1[torch.tensor([True])]
x5.sum().backward()
x5.sum().backward()
x6 = x1[:, torch.tensor([0, 2])]
x6.sum().backward()
x6.sum().backward()
""",
    # index_copy_, index_add_ and the scatters refuse a source sharing self's memory before
    # their index bounds (index_copy_: before all its checks)
    "index-ops-overlap-first": """
x1 = torch.ones((3, 1), dtype=torch.float32)
x3 = x1.maximum(x1)
x3.index_copy_(0, torch.tensor([0, 0]), x3)
x3.index_copy_(0, torch.tensor([1.0]), x3)
x3.index_add_(0, torch.tensor([0, 1, 7]), x3)
x4 = torch.full((), 0.0, dtype=torch.float32)
x4.scatter_reduce_(0, torch.ones((), dtype=torch.int64), x4, 'amax')
x3.scatter_add_(0, torch.ones((1, 1), dtype=torch.int64) * 7, x3)
x5 = x3.index_copy(0, torch.tensor([0, 1, 7]), x3)
""",
    # copy_ into an integer or bool tensor from a gradient-requiring value records nothing
    "inplace-into-integer-untracked": """
x1 = torch.ones((3, 1), dtype=torch.float32, requires_grad=True)
x2 = torch.zeros((3, 1), dtype=torch.float32)
x3 = x2.ge(x2)
x3[..., :] = x1
x4 = x2.logical_and(x2)
x4.copy_(x1)
x5 = torch.zeros((4, 1), dtype=torch.int64)
x6 = x5[:3]
x6.copy_(x1)
x7 = x5.is_leaf
""",
    # an out= that must be resized, after the fuzzer has read the tensor's values
    "out-resize-after-observing": """
x2 = torch.tensor([0.5, -1.0, 0.25, -1.5], dtype=torch.float32)
x3 = torch.tensor([-2.0, 0.5, 0.0], dtype=torch.float32)
torch.logical_and(x2, x2, out=x3)
x4 = torch.ones((2, 1), dtype=torch.float32)
torch.le(x2, x2, out=x4)
""",
    # isposinf/isneginf refuse a non-bool out= before resizing it
    "bool-out-checked-before-resize": """
x2 = torch.full((2, 3), 0.5, dtype=torch.float32)
x3 = torch.full((3, 1), -1.5, dtype=torch.float32)
torch.isposinf(x2, out=x3)
x4 = torch.zeros((3, 1), dtype=torch.bool)
torch.isneginf(x2, out=x4)
""",
    # clamp on bool results: no kernel for number bounds, nor for two tensor bounds
    "clamp-bool-kernels": """
x2 = torch.full((2, 3), 0.0, dtype=torch.float32)
x3 = x2.le(x2)
x4 = x3.clamp_min(True)
x3.clamp_(False)
x5 = x3.clamp_max(False)
x6 = x3.clamp(x3, x3)
x7 = x3.clamp(x3)
x8 = x3.clamp(1)
""",
    # squeeze: a 0-dim tensor's dim 0; repeated dims refused
    "squeeze-zero-dim-and-repeats": """
x1 = torch.ones((2, 3), dtype=torch.float64)
x4 = x1.sum()
@torch.inference_mode(False)
def f5(t):
    return t.mul_(2)
x5 = f5(x4)
x8 = x4.sub(x5)
x9 = x8.squeeze(0)
x10 = x4.squeeze((0,))
x11 = x4.squeeze((0, -1))
x12 = x1.squeeze((1, 1))
""",
    # std's gradient is zero where the std is zero
    "std-backward-zero-std": """
x2 = torch.ones((2, 1), dtype=torch.float32, requires_grad=True)
x4 = x2.std()
x5 = x4.float()
x9 = x5.reshape(-1)
x9.sum().backward(retain_graph=True)
""",
    # fill_'s value is read as a number first: it may share the filled tensor's memory
    "fill-value-shares-memory": """
x1 = torch.full((), 2.0, dtype=torch.float32)
x1[None] = x1
x2 = torch.arange(3, dtype=torch.float32)
x4 = x2 @ x2
x4[True] = x4
x2[1:].fill_(x2[0])
""",
    # cumsum_ and cumprod_ refuse bool tensors (after their dtype and dim checks)
    "cumulative-inplace-bool": """
x2 = torch.ones((2, 2), dtype=torch.float32)
x3 = x2.select(0, 0)
x4 = x2.logical_or(x3)
x4.cumsum_(1)
x4.cumprod_(0)
x4.cumsum_(1, dtype=torch.int64)
x4.cumsum_(5)
x5 = torch.ones((2, 2), dtype=torch.uint8)
x5.cumsum_(0)
""",
    # fill_ of an integer tensor from a gradient-requiring value does record (unlike copy_)
    "fill-integer-tracked": """
x1 = torch.ones((), dtype=torch.float32, requires_grad=True)
x2 = torch.tensor([[5, 3], [3, -1]], dtype=torch.int64)
x2.fill_(x1)
x3 = torch.ones((2, 3), dtype=torch.int64)
x3[None] = x1
""",
    # activations of 0-dim tensors; softshrink's zeros keep the input's sign
    "activations-zero-dim": """
x1 = torch.zeros((2, 2), dtype=torch.float32)
x3 = x1.sum()
torch.nn.functional.silu(x3, inplace=True)
x4 = torch.tensor(-0.5, dtype=torch.float64)
a = torch.nn.functional.mish(x4)
b = torch.nn.functional.hardswish(x4)
c = torch.nn.functional.hardsigmoid(x4)
d = torch.nn.functional.softplus(x4)
e = torch.nn.functional.logsigmoid(x4)
f = torch.nn.functional.softshrink(x4)
g = torch.nn.functional.softshrink(torch.tensor([-0.5, -0.2, 0.3, 0.7]))
torch.nn.functional.mish(x4, inplace=True)
""",
    # autograd.grad neither runs nor frees the nodes of its inputs (nor beyond)
    "grad-stops-at-inputs": """
x1 = torch.tensor([0.0, 0.0, 0.0], dtype=torch.float32, requires_grad=True)
x5 = x1.isinf()
x6 = x1.clamp_min(x5)
x7 = x6.unbind()[0]
x8 = x7.view(1, 1)
x9 = torch.autograd.grad(x7.sum(), [x6], allow_unused=True)
x10 = x8.squeeze(0)
x10.sum().backward(retain_graph=True)
""",
    # autograd.grad neither runs nor frees the nodes of its inputs (nor beyond)
    "grad-stops-at-inputs-after-backward": """
x1 = torch.tensor([1.0, -0.5, 0.5, -1.0], dtype=torch.float32, requires_grad=True)
x4 = x1.unbind()[0]
x5 = x4 * 1
x5.log_()
x5.backward()
x11 = x5.sign()
x12 = torch.autograd.grad(x11, [x5], allow_unused=True)
""",
    # the backward of x[..., idx] (index_put_ counts dims, not the Ellipsis)
    "index-backward-ellipsis": """
x1 = torch.tensor([[0.0, 0.5, 0.0], [-0.0, 0.25, 3.0]], dtype=torch.float32)
x5 = x1.detach().requires_grad_()
x13 = x5.diagonal()
x14 = x13[..., [0]]
x14.sum().backward()
x15 = x5[..., [1]]
x15.sum().backward()
""",
    # a 0-dim bool cumsum_/cumprod_ is a copy: no kernel refuses it
    "cumulative-inplace-bool-zero-dim": """
x1 = torch.full((4,), 1.0, dtype=torch.float32)
x5 = x1.sum()
x6 = torch.isfinite(x5)
x6.cumprod_(0)
x6.cumsum_(0)
""",
    # _prelu_kernel of 0-dim tensors
    "prelu-kernel-zero-dim": """
x8 = torch.full((), -2.0, dtype=torch.float32)
x9 = torch._prelu_kernel(x8, x8)
x10 = torch._prelu_kernel(x8, torch.tensor([0.5, 2.0]))
""",
    # out= refuses a partially overlapping input before its dtype checks
    "out-overlap-before-dtype": """
x2 = torch.tensor([3.0, 0.5, 0.5], dtype=torch.float32)
x4 = x2.narrow(0, 0, 1)
x6 = x2.chunk(2)[0]
torch.bitwise_not(x4, out=x6)
x7 = torch.tensor([1, 2, 3])
torch.bitwise_not(x7[:2], out=x7[1:])
torch.neg(x7, out=x7)
""",
    # div's node is DivBackward2 whenever the rounding_mode keyword is passed, None included
    "div-rounding-mode-none-node": """
x3 = torch.zeros((1, 3), dtype=torch.float32, requires_grad=True)
x5 = x3.cumsum(0)
x6 = x3.lerp(x5, 0.5)
x6.div_(x3, rounding_mode=None)
x7 = x5.div(x5, rounding_mode=None)
x8 = torch.div(x5, 2, rounding_mode=None)
x9 = x5.div(x5)
x10 = x5 / 2
""",
    # a view made under no_grad requires grad through its base only: no accumulator of its own
    "no-grad-view-no-accumulator": """
x2 = torch.full((2, 2), 1.0, dtype=torch.float64, requires_grad=True)
with torch.set_grad_enabled(False):
    x6 = x2.view_as(x2)
    x7 = x6.unfold(0, 2, 1)
    x8 = x2[0]
x7.sum().backward()
x8.requires_grad_()
x8.sum().backward()
x9 = x2.movedim(0, -1)
with torch.no_grad():
    x10 = x2.movedim(0, -1)
x10.backward(torch.ones_like(x10))
""",
    # outside inference mode, a call over inference tensors only is not recorded (no autograd
    # key), unless a number stands for a Tensor operand (wrapped in a normal tensor)
    "inference-leaf-untracked": """
with torch.inference_mode():
    x9 = torch.tensor([-0.5, 3.0, 2.0], dtype=torch.float64, requires_grad=True)
x1 = x9.exp()
x2 = x9 * 2
x3 = x9 * x9
x4 = x9.view(3)
x5 = x9.pow(2)
x6 = x9 + 1
x7 = x9.cumsum(0)
x9.fill_(-1.0)
x9.sum().backward(retain_graph=True)
""",
    # index_add_ with a 0-dim source and several indices: source.size(dim) refuses
    "index-add-zero-dim-source-count": """
x1 = torch.full((), 0.0, dtype=torch.float64)
x1.index_add_(0, torch.tensor([0, 0]), x1, alpha=2)
x2 = torch.ones((2, 3), dtype=torch.float64)
x2.index_add_(0, torch.tensor([1, 0]), x1, alpha=2)
x2.index_add_(-1, torch.tensor([1, 0]), x1)
""",
    # a view used as out= with the wrong shape is resized in its storage when it fits there
    "out-view-resized-in-storage": """
x1 = torch.tensor([[-1.0, 1.0, -0.5], [0.25, float('nan'), 0.25]], dtype=torch.float64)
x3 = x1[:, :1]
torch.add(x1, 1.0, out=x3)
x4 = x3 * 1
x5 = torch.ones((2, 3), dtype=torch.float32)
x10 = x5.unfold(0, 2, 1)
torch.bitwise_right_shift(x5, 0.0, out=x10)
x11 = x5[1]
torch.neg(x5[:1], out=x11)
""",
    # a tensors-only op's in-place method names itself and counts positions after self
    "tensors-only-inplace-message": """
x1 = torch.tensor([[5, 5, 5], [-2, 4, -2]], dtype=torch.int32)
x1.ldexp_(-2)
x2 = torch.ones((4,), dtype=torch.float32)
x2.logical_and_(-1)
x2.maximum_(1.0)
""",
    # fill_ checks a number against the dtype's range, as PyTorch converts it
    "fill-number-overflow": """
x1 = torch.ones((2, 1, 3), dtype=torch.int64)
x1.fill_(float('inf'))
x1.fill_(float('nan'))
x2 = torch.ones((3,), dtype=torch.uint8)
x2.fill_(-2.0)
x2.fill_(300)
x2.fill_(-1)
x3 = torch.ones((3,), dtype=torch.float16)
x3.fill_(1e20)
x3.fill_(float('inf'))
""",
    # masked_scatter_'s autograd guards come before its dtype checks
    "masked-scatter-guard-first": """
x1 = torch.tensor(2.0, dtype=torch.float32)
x2 = torch.tensor([[-2.0, 1.0, 3.0], [0.25, -0.0, 3.0]], dtype=torch.float64, requires_grad=True)
x2.masked_scatter_(x2 > 0, x1)
x3 = x2.T
x3.masked_scatter_(x3 > 0, x3 > 0)
""",
    # addcmul refuses bool; its integer value is range-checked, then wraps
    "addcmul-bool-and-value-range": """
x1 = torch.tensor([[True, True, False], [False, True, True]], dtype=torch.bool)
x2 = x1.movedim(0, -1)
x3 = x2.addcmul(x2, x2, value=2)
x4 = torch.ones((3,), dtype=torch.uint8)
x5 = torch.full((3,), 1, dtype=torch.uint8)
x5.addcmul_(x4, x5, value=-1)
x6 = x4.addcmul(x4, x4, value=300)
x7 = x4.addcmul(x1[0], x1[0], value=-1)
""",
    # numpy() refuses a tensor that requires grad in grad mode only
    "numpy-requires-grad-no-grad-mode": """
x2 = torch.tensor(-2.0, dtype=torch.float32, requires_grad=True)
x3 = x2.numpy().tolist()
torch.set_grad_enabled(False)
x8 = x2.numpy().tolist()
""",
    # a number given for a Tensor operand is saved as a tensor: freed by backward
    "wrapped-number-freed": """
x2 = torch.ones((2, 3), dtype=torch.float64, requires_grad=True)
x4 = x2 * 1
x4.sum().backward()
x4.sum().backward()
x5 = x2 / 2
x5.sum().backward()
x5.sum().backward()
x6 = x2 + 1
x6.sum().backward()
x6.sum().backward()
""",
    # div with a rounding mode has no bool kernel
    "div-rounding-bool": """
x2 = torch.full((4,), True, dtype=torch.bool)
x2.div_(True, rounding_mode='trunc')
x3 = x2.div(x2, rounding_mode='floor')
x4 = x2.div(2, rounding_mode='trunc')
x5 = x2 // x2
""",
    # add/sub's shapes are checked before a float alpha on integers is refused
    "alpha-after-broadcast": """
x3 = torch.zeros((2, 2), dtype=torch.int64)
x5 = x3.clone()
x6 = x3[x3 > 0]
x8 = x6.sub(x5, alpha=0.5)
x9 = x3.add(x5, alpha=0.5)
""",
    # __setitem__ refuses a value that is neither a tensor nor a number
    "setitem-none-value": """
x3 = torch.tensor([-1.0, -1.5, -1.0], dtype=torch.float32)
x6 = x3.grad
x3[..., [0]] = x6
x3[0] = x6
x3[:] = x6
""",
    # an index into an empty dimension: PyTorch's message names no index
    "index-into-empty-dimension": """
x2 = torch.full((2, 1), 1.0, dtype=torch.float32)
x3 = x2[False]
x3.index_put_((torch.tensor([0]),), x2[0], accumulate=True)
x3.index_put_((torch.tensor([0]),), x2[0])
x3[torch.tensor([0])] = 1.0
x4 = x3[torch.tensor([0])]
""",
    # an out= that is also an operand is never resized, and says so before dtype checks
    "out-also-operand-not-resized": """
x1 = torch.tensor([0.0, 2.0, 3.0], dtype=torch.float32)
x4 = torch.full((2, 3), -1.0, dtype=torch.float32)
x5 = x1 + 0
torch.gcd(x4, x5, out=x5)
torch.add(x4, x5, out=x5)
""",
    # ldexp_ into an integer tensor refuses the cast before checking shapes
    "ldexp-inplace-cast-first": """
x6 = torch.ones((3,), dtype=torch.uint8)
x7 = torch.ones((2, 1, 3), dtype=torch.float32)
x6.ldexp_(x7)
x6.ldexp_(x6)
x1 = torch.ones((3, 1), dtype=torch.int32)
torch.ldexp(x1, x1, out=x1)
""",
}


# the other files' programs, by theme: autograd and views, backward and the autograd API,
# elementwise ops (and the autograd kernel before their checks), indexing ops, memory, views
# after writes
ALL = {**REPRODUCERS, **AUTOGRAD, **BACKWARD, **ELEMENTWISE, **AUTOGRAD_KERNEL, **INDEXING,
       **MEMORY, **VIEWS}
assert len(ALL) == (len(REPRODUCERS) + len(AUTOGRAD) + len(BACKWARD) + len(ELEMENTWISE)
                    + len(AUTOGRAD_KERNEL) + len(INDEXING) + len(MEMORY) + len(VIEWS)), \
    "a name is used twice"


def test_reproducers_agree(name):
    mismatch, _, _ = check(parse(ALL[name]))
    assert mismatch is None, mismatch


def pytest_generate_tests(metafunc):
    if "name" in metafunc.fixturenames:
        metafunc.parametrize("name", sorted(ALL))
