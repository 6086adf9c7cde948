"""Shrunk reproducers of the autograd divergences the fuzzer found (gradient values, graph
and view semantics), kept as regression tests (run by test_reproducers.py): each program must
run alike on insitu and PyTorch (compared as the fuzzer compares)."""
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
    # a leaf that no longer requires grad when backward reaches it gets no gradient
    "leaf-requires-grad-off-before-backward": """
x2 = torch.arange(3, dtype=torch.float64, requires_grad=True)
x3 = x2.sum()
x2.requires_grad_(False)
x3.backward()
""",
    # backward(inputs=[leaf]) runs the leaf's hooks once
    "backward-inputs-leaf-hook-once": """
x2 = torch.tensor([-0.0, 2.0, -1.5], dtype=torch.float64, requires_grad=True)
x2.register_hook(lambda g: g * 2)
x2.sum().backward(inputs=[x2])
""",
    # a view without a grad_fn follows its base's requires_grad
    "view-requires-grad-follows-base": """
x3 = torch.full((2, 3), 2.0, dtype=torch.float32)
x4 = x3.clone()
x5 = x4.narrow(0, 0, 1)
x4.requires_grad_()
x1 = torch.tensor([2.0, -0.5, -1.0], dtype=torch.float64, requires_grad=True)
with torch.no_grad():
    x2 = x1.transpose(0, -1)
    x1.requires_grad_(False)
""",
    # detach_ in inference mode leaves autograd alone
    "detach-inplace-inference-mode": """
x1 = torch.tensor([[0.0], [-0.0], [3.0]], dtype=torch.float32, requires_grad=True)
x2 = x1 * 2
with torch.inference_mode():
    x1.detach_()
    x2.detach_()
""",
    # a bool index unsqueezes self (IndexBackward0 of UnsqueezeBackward0): backward works on a
    # 0-dim tensor, and a double backward ends in SqueezeBackward1
    "bool-index-backward": """
x1 = torch.zeros((), dtype=torch.float32, requires_grad=True)
x2 = x1[True]
x6 = x2.log1p().flatten()
x6.sum().backward(retain_graph=True)
x5 = torch.tensor([3.0, -0.5, 2.0], dtype=torch.float32, requires_grad=True)
x7 = x5.max()
x8 = x7[x7 > 0]
x8.sum().backward()
x9 = torch.tensor([[0.0, -1.0, -1.0], [0.5, -2.0, -1.5]], dtype=torch.float32, requires_grad=True)
x10 = x9[True]
x11 = x10 * x10
x12 = torch.autograd.grad(x11.sum(), [x9], create_graph=True)
x13 = torch.full((), 3.0, dtype=torch.float32, requires_grad=True)
x14 = x13[False]
x14.sum().backward()
x14.sum().backward()
""",
    # vector @ matrix is squeezed in place: the result is at version 1
    "vecmat-version": """
x1 = torch.tensor([[0.0, float('nan'), -1.0], [0.5, float('nan'), 3.0]], dtype=torch.float32)
x2 = torch.ones((3,), dtype=torch.float32)
x4 = x2.as_strided((2,), (1,))
x7 = x4 @ x1
""",
    # backward(inputs=[non-leaf]) runs that tensor's own node, as PyTorch's engine does: a freed
    # graph or a modified saved tensor there raises; the tensor then retains its grad
    "backward-inputs-runs-the-input-node": """
x1 = torch.full((2, 3), -0.0, dtype=torch.float64, requires_grad=True)
x5 = x1.norm()
x5.backward()
x6 = x5.norm()
x7 = torch.xlogy(x6, x6)
x7.sum().backward(inputs=[x5])
x2 = torch.zeros((3, 1), dtype=torch.float32, requires_grad=True)
x3 = torch.log2(x2)
x4 = x3.detach()
x3.atan2_(x4)
x3.sum().backward(inputs=[x3])
x8 = torch.ones((2,), dtype=torch.float32, requires_grad=True)
x9 = x8 * 2
x10 = (x9 * x9).sum()
x10.backward(inputs=[x9])
x11 = torch.ones((3, 1), dtype=torch.float32, requires_grad=True)
x12 = x11.addcdiv(x11, x11, value=0.5)
x13 = x12.asinh_()
x12.sum().backward(inputs=[x13])
""",
    # a view made under no_grad is a no_grad view even of a tensor that does not require grad:
    # writing a value that requires grad into it in grad mode is refused, before dtype checks
    "no-grad-view-of-plain-tensor": """
x1 = torch.zeros((), dtype=torch.float32, requires_grad=True)
x3 = torch.arange(3, dtype=torch.int64)
with torch.no_grad():
    x4 = x3[::2]
x4.fill_(x1)
x5 = torch.zeros((2, 3), dtype=torch.float32)
x6 = torch.tensor([100.0], dtype=torch.float32, requires_grad=True)
@torch.set_grad_enabled(False)
def f7(t):
    return t[0]
x7 = f7(x5)
x7.scatter_add_(0, torch.ones((1,), dtype=torch.int64), x6)
x8 = torch.tensor([[False], [False], [False]], dtype=torch.bool)
with torch.set_grad_enabled(False):
    x9 = x8.as_strided((2,), (1,))
x9.masked_scatter_(x9 > 0, x1)
x10 = torch.ones((3,), dtype=torch.float32)
with torch.no_grad():
    x11 = x10[0:2]
x10.add_(x1)
""",
    # mark_dirty on a view made under no_grad of a tensor that requires grad: PyTorch's leaf
    # check comes first
    "mark-dirty-no-grad-view-is-leaf": """
class Double_(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2

x2 = torch.tensor([[-2.0], [2.0], [-1.5]], dtype=torch.float32, requires_grad=True)
x3 = x2.unfold(0, 2, 1)
@torch.no_grad
def f4(t):
    return t[0]
x4 = f4(x3)
x6 = Double_.apply(x4)
x1 = torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)
x7 = torch.full((3, 1), 2.0, dtype=torch.float64)
x7.xlogy_(x1)
with torch.no_grad():
    x8 = x7[:, 0:1]
x9 = Double_.apply(x8)
""",
    # out= resizing: a shape that fits keeps the storage (a detached alias or view sees the
    # write); a larger one gets a new buffer whose version still counts with the old one's
    # views (a split view of it then refuses to be read)
    "out-resize-keeps-the-version-counter": """
x1 = torch.zeros((2, 3), dtype=torch.float32)
x2 = torch.ones((2, 2), dtype=torch.float64)
x3 = x2.detach().requires_grad_()
x4 = x1[torch.tensor([0])]
x5 = x4.detach()[0]
x6 = x3[::3, 1::2]
torch.floor_divide(x6, x6, out=x4)
x11 = torch.tensor([[-1.5], [-1.0], [2.0]], dtype=torch.float32, requires_grad=True)
x13 = x11.split(1)[-1]
with torch.inference_mode():
    x14 = torch.zeros((3,), dtype=torch.float64)
    torch.tanh(x14, out=x11)
x21 = torch.ones((4,), dtype=torch.float32)
x22 = torch.tensor([1.0, 0.0, 1.0, -0.5], dtype=torch.float32)
x24 = x22.detach()[0]
x26 = x21.clone()
x29 = x26.norm()
x30 = x26.digamma()
x33 = x30.squeeze()
torch.pow(x29, x24, out=x30)
""",
    # a view of a no_grad view that has a grad_fn is named in the stale-view error, however the
    # base was modified; requires_grad_ on a stale view does not regenerate it first
    "no-grad-view-of-view-messages": """
x2 = torch.ones((1,), dtype=torch.float32, requires_grad=True)
with torch.no_grad():
    x5 = x2.transpose(0, -1)
x7 = x5.transpose(0, -1)
@torch.inference_mode()
def f9(t):
    return t.mul_(2)
x9 = f9(x5)
x1 = torch.tensor([[0.0, 0.0, -0.0], [-0.5, -0.5, -2.0]], dtype=torch.float64, requires_grad=True)
with torch.no_grad():
    x3 = x1.reshape(-1)
with torch.no_grad():
    x3[0] = 0.25
x3.requires_grad_()
""",
    # an integer tensor that requires grad (written with a value that does): a differentiable
    # op whose result would be an integer refuses it, as does clamp_ (which keeps a copy of
    # self) or an in-place view op; floor_divide (no derivative) leaves it out of the graph
    "integer-tensor-requiring-grad": """
class Double_(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2

x1 = torch.tensor([1.0, -0.5, 0.0], dtype=torch.float32, requires_grad=True)
x2 = torch.arange(1, dtype=torch.int64)
x4 = Double_.apply(x2)
x5 = x1.mean()
x4[x4 > 0] = x5
x2.clamp_max_(-1)
x12 = torch.full((2, 3), 3, dtype=torch.int64)
x13 = torch.full((), 1e-3, dtype=torch.float32, requires_grad=True)
x12[0:1, None] = x13
x15 = x12.t()
x16 = x12 * 2
x17 = x12 // 2
x18 = x12.float()
x12.t_()
x19 = x12.clamp(0, 1)
""",
    # what a node keeps, as PyTorch's: clamp and gather keep self (a later write into it fails
    # the backward), clamp_ only what stands for its copy, copysign not `other`; hardtanh's
    # gradient passes at NaN
    "saved-tensors-as-pytorch": """
x21 = torch.tensor([[1.0, -2.0, 2.0], [1e-3, 100.0, 0.5]], dtype=torch.float32, requires_grad=True)
x22 = x21 * 1
x23 = x22.clamp_min(5)
x22.mul_(2)
x23.sum().backward(create_graph=True)
x24 = x21 * 1
x25 = x24.clamp_(0, 1)
x25.mul_(2)
x25.sum().backward()
x41 = torch.tensor([[-0.5, -1.0], [-0.5, float('nan')]], dtype=torch.float32, requires_grad=True)
x42 = torch.nn.functional.hardtanh(x41)
x42.sum().backward()
x51 = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float32, requires_grad=True)
x52 = x51 * 1
x53 = x52.gather(0, torch.zeros(1, 2, dtype=torch.int64))
x52.add_(1)
x53.sum().backward()
x61 = torch.tensor([1.0, -2.0], dtype=torch.float32, requires_grad=True)
x62 = torch.tensor([1.0, -2.0], dtype=torch.float32, requires_grad=True)
x63 = x62 * 1
x64 = torch.copysign(x61, x63)
x63.add_(1)
x64.sum().backward()
""",
    # a copy of an inference tensor made outside inference mode is written by copy_: version 1,
    # and a CopyBackwards grad_fn when the source requires grad
    "copy-of-inference-tensor": """
x1 = torch.tensor([3.0, 1.0, float('nan'), 2.0], dtype=torch.float32)
x3 = x1[..., [0]]
with torch.inference_mode():
    x7 = torch.fmax(x3, x3)
    x2 = torch.tensor([[-2.0, -1.0, 1.0], [0.0, 1.0, -2.0]], dtype=torch.float32, requires_grad=True)
x10 = x7.clone()
x11 = x10.split(1)[0]
x12 = x2.clone()
x13 = x2.double()
x12.sum().backward()
""",
    # PyTorch's backward functions of the gradient and the input (hardshrink_backward(grad,
    # self, lambd), threshold_backward, hardtanh_backward, ...) are nodes of their own under
    # create_graph: the gradient requires grad when the input does (zeros for the input)
    "double-backward-hardshrink-zeros": """
x1 = torch.zeros((4,), dtype=torch.float32, requires_grad=True)
x3 = x1.hardshrink()
x3.sum().backward(create_graph=True)
""",
    "double-backward-relu6-mul-bool": """
x1 = torch.tensor(True, dtype=torch.bool)
x2 = torch.full((2, 1), 3.0, dtype=torch.float32, requires_grad=True)
x4 = torch.nn.functional.relu6(x2)
x6 = torch.mul(x4, x1)
x6.sum().backward(create_graph=True)
""",
    "double-backward-mask-activations": """
x1 = torch.tensor([-3.5, -0.7, -0.2, 0.3, 0.8, 4.0], dtype=torch.float64, requires_grad=True)
x2 = x1.relu()
x3 = torch.autograd.grad(x2.sum(), [x1], create_graph=True)
x4 = torch.nn.functional.leaky_relu(x1, 0.2)
x5 = torch.autograd.grad(x4.sum(), [x1], create_graph=True)
x6 = torch.nn.functional.threshold(x1, 0.1, 2.0)
x7 = torch.autograd.grad(x6.sum(), [x1], create_graph=True)
x8 = torch.nn.functional.softshrink(x1)
x9 = torch.autograd.grad(x8.sum(), [x1], create_graph=True)
x10 = torch.nn.functional.hardtanh(x1, -0.5, 0.5)
x11 = torch.autograd.grad(x10.sum(), [x1], create_graph=True)
x12 = torch.nn.functional.rrelu(x1, training=False)
x12.sum().backward(create_graph=True)
""",
    "double-backward-mask-activations-inplace": """
x1 = torch.tensor([-3.5, -0.7, -0.2, 0.3, 0.8, 4.0], dtype=torch.float64, requires_grad=True)
x2 = x1 * 1
x3 = x2.relu_()
x4 = torch.autograd.grad(x3.sum(), [x1], create_graph=True)
x5 = x1 * 1
x6 = torch.nn.functional.leaky_relu(x5, inplace=True)
x6.sum().backward(create_graph=True)
""",
    # the smooth activations' double-backward nodes carry PyTorch's names
    "double-backward-smooth-names": """
x1 = torch.zeros((1, 3), dtype=torch.float32, requires_grad=True)
x3 = x1.softmax(0)
x8 = torch.autograd.grad(x3.sum(), [x1], create_graph=True)
x2 = torch.ones((2, 2), dtype=torch.float64, requires_grad=True)
x4 = x2.copysign(-2.0)
x10 = torch.nn.functional.tanh(x4)
x11 = torch.autograd.grad(x10.sum(), [x4], create_graph=True)
x12 = torch.nn.functional.sigmoid(x2)
x13 = torch.autograd.grad(x12.sum(), [x2], create_graph=True)
x14 = x2.log_softmax(1)
x15 = torch.autograd.grad(x14.sum(), [x2], create_graph=True)
x16 = torch.nn.functional.elu(x4)
x17 = torch.autograd.grad(x16.sum(), [x4], create_graph=True)
""",
    "double-backward-softmax-0dim": """
x2 = torch.ones((), dtype=torch.float32, requires_grad=True)
x4 = x2.softmax(0)
x4.backward(create_graph=True)
""",
    "double-backward-glu-prelu": """
x1 = torch.tensor([[-1.5, 0.5, 2.0, -0.25], [0.75, -2.0, 1.0, 3.0]], dtype=torch.float64, requires_grad=True)
x2 = torch.nn.functional.glu(x1, 1)
x3 = torch.autograd.grad(x2.sum(), [x1], create_graph=True)
x4 = torch.nn.functional.prelu(x1, torch.tensor([0.25], dtype=torch.float64))
x4.sum().backward(create_graph=True)
""",
    "double-backward-prelu-weight-only": """
x3 = torch.zeros((1, 3), dtype=torch.float32, requires_grad=True)
x7 = torch.tensor([[[0.5, 0.0, float('inf')]], [[float('nan'), 1.0, -2.0]]], dtype=torch.float32)
x8 = torch._prelu_kernel(x7, x3)
x8.sum().backward(create_graph=True)
""",
    "double-backward-asin-acos-names": """
x1 = torch.tensor([[-0.5, 0.25, 0.75]], dtype=torch.float32, requires_grad=True)
x2 = x1.asin()
x3 = torch.autograd.grad(x2.sum(), [x1], create_graph=True)
x4 = x1.acos()
x5 = torch.autograd.grad(x4.sum(), [x1], create_graph=True)
""",
}
