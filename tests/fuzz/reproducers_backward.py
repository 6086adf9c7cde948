"""Shrunk reproducers of the fuzzer's divergences in backward and the autograd API: what a node
keeps (and so which in-place write makes it stale at backward), the engine's and
autograd.grad's refusals, hooks and custom Functions. Each program must run alike on insitu and
PyTorch (compared as the fuzzer compares); run by test_reproducers.py."""
REPRODUCERS = {
    # hardtanh's rule reads its input: out of place the node keeps the input, in place a copy of
    # it (relu6 too), so writing the output later is no error at backward
    "hardtanh-keeps-its-input": """
x2 = torch.tensor([[-1.5], [0.0], [0.0]], dtype=torch.float32, requires_grad=True)
x6 = torch.nn.functional.hardtanh(x2)
x7 = torch.sign(x6)
x6.cosh_()
x11 = torch.autograd.grad(x7.sum(), [x2])
x3 = torch.nn.functional.hardtanh(x2, min_val=0.0, max_val=2.0)
x3.detach().chunk(2)[0].tanh_()
x3.sum().backward(inputs=[x2])
""",
    "hardtanh_-keeps-a-copy": """
x1 = torch.tensor([[-0.0, 3.0, 1e-3]], dtype=torch.float32, requires_grad=True)
x5 = torch.sub(x1, x1)
torch.nn.functional.hardtanh_(x5)
x5.mul_(2)
x5.sum().backward()
x2 = torch.zeros((2, 3), dtype=torch.float64, requires_grad=True)
x4 = torch.nn.functional.relu(x2 * 1)
torch.nn.functional.hardtanh_(x4, min_val=0.0, max_val=2.0)
x4.trunc_()
x4.narrow(0, 1, 1).sum().backward()
""",
    "relu6-threshold_-keep-a-copy": """
x1 = torch.tensor([-1.0, 0.5, 7.0], dtype=torch.float64, requires_grad=True)
x2 = x1 * 1
torch.nn.functional.relu6(x2, inplace=True)
x2.add_(1)
x2.sum().backward()
x3 = x1 * 1
torch.nn.functional.threshold_(x3, 0.0, -1.0)
x3.exp_()
x3.sum().backward()
""",
    # the in-place form of an op without a derivative names itself in backward's error
    "not-implemented-inplace-names-itself": """
x1 = torch.ones((2,), dtype=torch.float32, requires_grad=True)
x2 = x1 * 1
x2.floor_divide_(2)
x2.sum().backward()
""",
    "heaviside_-not-implemented": """
x1 = torch.ones((2,), dtype=torch.float32, requires_grad=True)
x2 = x1 * 1
x2.heaviside_(torch.ones(2))
x2.sum().backward()
""",
    # a bool tensor has no legacy type name: the version error says CPUBoolType
    "modified-bool-saved-tensor": """
x1 = torch.tensor([-1.5, 0.0, -1.5], dtype=torch.float32, requires_grad=True)
x2 = torch.tensor([True, True, True], dtype=torch.bool)
x7 = torch.logaddexp(x2, x1)
x2.fill_(True)
x7.sum().backward()
""",
    # PyTorch's backward unpacks its saved variables in the order of their names: with two
    # modified, the error names tensor1 (other, ...) before tensor2 (self, ...)
    "stale-saved-in-name-order": """
x1 = torch.tensor([[0.0, 2.0], [-0.5, 1.0]], dtype=torch.float64, requires_grad=True)
x2 = torch.zeros((2, 2), dtype=torch.float32, requires_grad=True)
x3 = x1.addcdiv(x2, x1, value=2)
x1.logical_or_(x1)
with torch.set_grad_enabled(False):
    x2[0:2, 0:2] = x1
x3.backward(torch.ones_like(x3))
""",
    "stale-saved-in-name-order-binary": """
x1 = torch.ones((2,), dtype=torch.float64, requires_grad=True)
x2 = torch.ones((1, 2), dtype=torch.float32, requires_grad=True)
x3 = x1 * 1
x4 = x2 * 1
x5 = torch.atan2(x3, x4)
x3.add_(1)
x4.add_(1)
x5.sum().backward()
""",
    # PyTorch saves the outputs a formula reads even when only other inputs need a gradient,
    # and unpacks everything a node saved before its formulas run: copysign's result, kept
    # for self, is freed (or modified) though only other needs a gradient
    "copysign-keeps-its-result": """
x3 = torch.tensor(0.5, dtype=torch.float32, requires_grad=True)
x5 = torch.tensor([[-1.0, -0.0, 1.0], [-1.5, 2.0, 0.25]], dtype=torch.float32)
x5.copysign_(x3)
x5.sum().backward()
x5.sum().backward()
""",
    "copysign-result-modified": """
x1 = torch.full((2, 3), -2.0, dtype=torch.float32, requires_grad=True)
x2 = torch.tensor([[2.0, 1.0, 1.0], [-2.0, 1.0, 1.0]], dtype=torch.float64)
x2.copysign_(x1)
with torch.no_grad():
    x5 = x2.addcmul(x1, x2, value=2)
x2[:] = x5
x2.sum().backward(create_graph=True)
""",
    "copysign-second-autograd-grad": """
x1 = torch.full((2, 1), 0.0, dtype=torch.float32, requires_grad=True)
x2 = torch.tensor([[[-0.5, 2.0, 0.5]], [[0.5, -1.5, 0.5]]], dtype=torch.float32)
x4 = x2.copysign(x1)
x4.backward(torch.ones_like(x4))
x9 = torch.autograd.grad(x4.sum(), [x1], allow_unused=True)
""",
    # a post-accumulate hook needs a tensor that requires grad, as any hook
    "post-accumulate-hook-needs-grad": """
x2 = torch.ones((2, 3), dtype=torch.float64)
x2.register_post_accumulate_grad_hook(lambda p: None)
""",
    "post-accumulate-hook-on-a-result-without-grad": """
x1 = torch.ones((2, 1), dtype=torch.float32)
x5 = torch.atan2(torch.ones((2, 2)), x1).clone()
x5.register_post_accumulate_grad_hook(lambda p: None)
""",
    # requires_grad_() refuses an integer dtype even on a tensor a write gave a grad_fn
    "requires_grad_-integer-non-leaf": """
x1 = torch.ones((), dtype=torch.float32, requires_grad=True)
x2 = torch.tensor([[0, 3], [2, 2]], dtype=torch.uint8)
x2[0:2] = x1
x2.requires_grad_()
""",
    # autograd.grad takes tuple() of what it is given, and refuses inputs that are not tensors
    "autograd-grad-of-none": """
x1 = torch.tensor(0.0, dtype=torch.float64)
x10 = torch.autograd.grad(x1.grad, [x1], create_graph=True)
""",
    "autograd-grad-none-input": """
x2 = torch.tensor([[100.0], [-0.5], [-2.0]], dtype=torch.float32, requires_grad=True)
x11 = torch.autograd.grad(x2.sum(), [x2.grad], allow_unused=True)
""",
    # backward(inputs=[t]) runs t's node: a derivative PyTorch does not implement raises there
    "backward-inputs-runs-not-implemented": """
x3 = torch.ones((3, 1), dtype=torch.float64, requires_grad=True)
x4 = x3.fmax(x3)
x9 = torch.floor_divide(x4, x3)
x9.sum().backward(inputs=[x9])
""",
    # the backward of x[..., [0]] = v zeroes the written positions of the gradient (an Ellipsis
    # among the indices is no index of its own)
    "index-put-ellipsis-backward": """
x1 = torch.ones((3,), dtype=torch.float64, requires_grad=True)
x3 = x1.minimum(x1)
x3[..., [0]] = -1.5
x3.sum().backward()
x2 = torch.tensor([3.0, 1.0, -1.5, 2.0], dtype=torch.float32, requires_grad=True)
x4 = torch._prelu_kernel(x2, x2)
x4[..., [0]] = torch.tensor(-1.0)
x4.sum().backward(inputs=[x2])
x5 = torch.nn.functional.sigmoid(x1)
x5[..., [0]] = -1.5
x5.sum().backward()
""",
    # an out= resize of a tensor with a grad_fn: the gradient flowing into its node must fit
    # the shape it had (summed down to it where it broadcasts from it), as PyTorch's engine
    # checks each gradient against its node's input metadata
    "resized-out-invalid-gradient": """
x1 = torch.tensor([0.5, -1.0, -0.5, -2.0], dtype=torch.float32, requires_grad=True)
x2 = x1.unbind()[-1]
x3 = torch.tanh(x1)
x4 = x3.hypot(x2)
torch.logical_and(x2, x2, out=x4)
x4.sum().backward(retain_graph=True)
""",
    "resized-out-invalid-gradient-2d": """
x2 = torch.tensor([[-1.5], [0.0], [-float('inf')]], dtype=torch.float32, requires_grad=True)
x5 = x2 * 2.0
x6 = torch.tensor([0, 3, 3], dtype=torch.uint8)
torch.eq(x6, x6, out=x5)
x5.sum().backward(inputs=[x2])
""",
    "resized-out-gradient-summed-down": """
x1 = torch.tensor([[-1.0], [1.0]], dtype=torch.float32)
x2 = torch.zeros((3,), dtype=torch.float32, requires_grad=True)
x3 = x2.sub(x2)
x4 = x3.mean()
with torch.no_grad():
    torch.erfc(x1, out=x4)
x4.sum().backward(create_graph=True)
""",
    # a CopySlices node that backward released raises when run again, whatever it wraps
    "copyslices-backward-twice": """
x2 = torch.ones((2, 1), dtype=torch.float64, requires_grad=True)
x5 = x2 - 1
x5[-1:] = torch.tensor(-0.0)
x5.sum().backward()
x5.sum().backward()
""",
    "copyslices-released-by-backward-inputs": """
x1 = torch.tensor([0.25], dtype=torch.float32)
x2 = torch.tensor([[-1.0, 1.0, 3.0], [0.0, -0.5, 0.5]], dtype=torch.float64, requires_grad=True)
x3 = x2.i0()
torch.ne(x2, x1, out=x2)
x3[1] = torch.tensor(-0.5)
x3.sum().backward(inputs=[x3])
x3.sum().backward(retain_graph=True)
""",
    # detach() and .data of an inference tensor, made outside inference mode, have a version
    # counter of their own in PyTorch: they may be written in place (their views may not)
    "inference-data-alias-written": """
class Double_(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2

x1 = torch.full((3,), 0.0, dtype=torch.float32)
@torch.inference_mode
def f2(t):
    return t * 2
x2 = f2(x1)
x6 = x2.detach()[0]
x10 = x6.data
x11 = Double_.apply(x10)
x12 = x2.detach()
x12.add_(1)
""",
    # tanh's, sigmoid's, softmax's, log_softmax's and hardtanh's backward functions have nodes
    # of their own (TanhBackwardBackward0, ...): a gradient made with create_graph names them,
    # and requires grad when the saved tensor does (hardtanh's input too)
    "backward-function-nodes": """
x1 = torch.zeros((1, 3), dtype=torch.float32, requires_grad=True)
x3 = x1.softmax(0)
x8 = torch.autograd.grad(x3.sum(), [x1], create_graph=True)
x4 = torch.nn.functional.tanh(x1.copysign(-2.0))
x9 = torch.autograd.grad(x4.sum(), [x1], create_graph=True)
x5 = torch.nn.functional.sigmoid(x1)
x10 = torch.autograd.grad(x5.sum(), [x1], create_graph=True)
x6 = x1.log_softmax(1)
x11 = torch.autograd.grad((x6 * x6).sum(), [x1], create_graph=True)
x7 = torch.nn.functional.hardtanh(x1, -0.5, 0.5)
x12 = torch.autograd.grad(x7.sum(), [x1], create_graph=True)
""",
    # the rectifiers' backward functions too (ThresholdBackwardBackward0, ...), and asin's
    # formula is PyTorch's grad * (1 - x * x).rsqrt() (a MulBackward0, rounded as PyTorch's)
    "rectifier-backward-nodes": """
x1 = torch.tensor([[0.3, -0.7, 0.45]], dtype=torch.float32, requires_grad=True)
x2 = torch.nn.functional.relu(x1)
x3 = torch.autograd.grad(x2.sum(), [x1], create_graph=True)
x4 = torch.nn.functional.leaky_relu(x1)
x5 = torch.autograd.grad(x4.sum(), [x1], create_graph=True)
x6 = torch.nn.functional.hardshrink(x1, 0.4)
x7 = torch.autograd.grad(x6.sum(), [x1], create_graph=True)
x8 = torch.nn.functional.threshold(x1, 0.1, 0.0)
x9 = torch.autograd.grad(x8.sum(), [x1], create_graph=True)
x10 = x1.asin()
x11 = torch.autograd.grad(x10.clone().sum(), [x1], create_graph=True)
""",
    # logit's backward kernel: grad * inf at 0 and 1 exactly (+inf at -0.0), a nan passes
    "logit-backward-at-zero": """
x2 = torch.tensor([[-0.0, 0.0, 1.0, float('nan'), 1.5]], dtype=torch.float64, requires_grad=True)
x4 = torch.logit(x2)
x4.sum().backward()
x5 = torch.tensor([[-0.0, 0.0, 1.0, float('nan'), 1.5]], dtype=torch.float32, requires_grad=True)
x6 = torch.logit(x5, eps=0.0)
x6.sum().backward()
""",
    # ... the inputs' saved variables first, then the outputs': logsumexp's self before result
    "stale-saved-inputs-before-outputs": """
x2 = torch.full((3,), 0.25, dtype=torch.float32, requires_grad=True)
x3 = x2.logsumexp(0)
x3[...] = 2.0
x2.requires_grad_(False)
torch.nn.functional.hardtanh_(x2, min_val=0.0, max_val=2.0)
x3.backward(retain_graph=True)
""",
    # clamp's node keeps self (as kept_self) beside its masks: checked in PyTorch's order
    # (min before self)
    "clamp-min-stale-order": """
x1 = torch.tensor(2.0, dtype=torch.float32, requires_grad=True)
x3 = x1.view_as(x1)
x4 = x1.clamp_min(x3)
with torch.no_grad():
    x3.mul_(2)
x4.backward()
""",
    # a converted copy of an inference tensor, made outside inference mode, is written by
    # copy_ (version 1) whatever its dtype; a Function returning it as-is keeps that version
    "inference-copy-version": """
class Ident(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g

x1 = torch.ones((3, 1), dtype=torch.uint8)
with torch.inference_mode():
    x4 = x1.eq(x1)
x5 = x4.long()
x12 = Ident.apply(x5)
""",
    # backward from an integer tensor a write gave a grad_fn: PyTorch's engine asserts
    "integer-root-gradient": """
x2 = torch.full((), 1.0, dtype=torch.float32, requires_grad=True)
x3 = torch.ones((1, 3), dtype=torch.int64)
x5 = x3.sum(0)
x5[None, -3] = x2
x6 = x5.contiguous()
x6.backward(torch.ones_like(x6))
""",
    # the version error names the saved tensor's grad_fn as it is now: a saved view of a
    # multi-output view (unbind's, split's) whose base was written raises the view's error
    "stale-saved-view-of-multi-output-view": """
x1 = torch.tensor([[3.0, 0.5], [1.0, 0.0]], dtype=torch.float64, requires_grad=True)
x2 = -x1
x4 = x2.unsqueeze(0)
x5 = x2.unbind()[0]
x7 = x5 @ x1
x4[0:1] = x7
x4.sum().backward()
x8 = torch.arange(4, dtype=torch.float32, requires_grad=True)
x9 = x8.split(1)[-1]
x10 = torch.nn.functional.hardtanh(x9, -0.5, 0.5)
with torch.no_grad():
    x9[..., [0]] = 2.0
x10.sum().backward()
""",
    # put_ keeps its source (for reshape_as(source)) when source needs a gradient
    "put_-keeps-its-source": """
x1 = torch.zeros((2, 2), dtype=torch.float32, requires_grad=True)
x4 = x1 * 1
x5 = x4.mul(x4)
x5.put_(torch.tensor([0, 1]), x4.reshape(-1)[:2])
x4[0:2, :1] = torch.tensor(-2.0)
x5.sum().backward()
x6 = x1 * 1
x7 = torch.ones(2) * 1
x6.put_(torch.tensor([0, 1]), x7, accumulate=True)
x7.mul_(2)
x6.sum().backward()
""",
    # retain_grad on a view with no grad_fn of its own (made without a graph) is a no-op, even
    # once its base requires grad: it is not regenerated, so not refused
    "retain_grad-on-a-graphless-view": """
class Ident(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g

x1 = torch.tensor([[0.25, 0.0, -1.0]], dtype=torch.float32)
x2 = torch.tensor([2.0, -1.0, 3.0], dtype=torch.float64, requires_grad=True)
x4 = Ident.apply(x1)
x1.copy_(x2)
x4.retain_grad()
x5 = torch.ones(3)
with torch.no_grad():
    x6 = x5[0:2]
x5.copy_(x2)
x6.retain_grad()
""",
    # a leaf resized by out= while its accumulator lives (a graph reads it): the root gradient
    # must fit the shape the accumulator was made for
    "resized-leaf-root-gradient": """
x1 = torch.full((4,), -0.0, dtype=torch.float32)
x2 = torch.tensor([[2.0, 0.0, 0.25]], dtype=torch.float32, requires_grad=True)
x5 = x2[..., [0]]
x8 = torch.log(x1)
torch.le(x8, -2.0, out=x2)
x2.backward(torch.ones_like(x2))
x5.sum().backward()
""",
    # the backward of transpose, t, permute, (un)squeeze and alias views is PyTorch's formula, so
    # a create_graph gradient has PyTorch's grad_fn (a squeeze of no size-1 dim passes it as is)
    "view-backward-nodes-under-create_graph": """
x1 = torch.tensor([-0.0, -1.5, 1e-3], dtype=torch.float32, requires_grad=True)
x6 = x1.T.tanh()
x10 = torch.autograd.grad(x6.sum(), [x1], create_graph=True)
x2 = torch.ones((), dtype=torch.float32, requires_grad=True)
x7 = x2.squeeze(0).acos()
x8 = torch.autograd.grad(x7.sum(), [x2], create_graph=True)
x3 = torch.ones((2, 1, 3), dtype=torch.float64, requires_grad=True)
x9 = x3.permute(2, 0, 1).squeeze().unsqueeze(0).transpose(0, 1).exp()
x11 = torch.autograd.grad(x9.sum(), [x3], create_graph=True)
x12 = torch.autograd.grad(x11[0].sum(), [x3])
""",
    # backward's inputs must all be tensors (checked after the roots)
    "backward-inputs-not-tensors": """
x1 = torch.ones((2,), dtype=torch.float32, requires_grad=True)
x2 = None
x1.sum().backward(inputs=[x2])
(x1 * 2).sum().backward(inputs=[x1, 1])
x2 = torch.ones(2)
x2.sum().backward(inputs=[None])
""",
    # a view of an inference tensor is no view for autograd: its grad_fn is never regenerated
    "inference-view-is-a-leaf": """
with torch.inference_mode():
    x4 = torch.tensor([[-1.5, -1.0, 100.0], [0.25, 0.0, -0.0]], dtype=torch.float32, requires_grad=True)
x7 = x4.chunk(2)[0]
x9 = x7.detach()
x9.clamp_max_(x7)
x10 = x7.is_leaf
""",
}
