"""Shrunk reproducers of the divergences the fuzzer found in views' graph metadata after in-place
writes (grad_fn, is_leaf, requires_grad of a view whose base or a sibling was written), kept as
regression tests (run by test_reproducers.py): each program must run alike on insitu and PyTorch
(compared as the fuzzer compares)."""
REPRODUCERS = {
    # a write through `.data` does not make the views of the tensor stale: PyTorch's `.data` has
    # a version counter of its own, so they keep their grad_fn (no AsStridedBackward0)
    "data-write-keeps-view-grad-fn": """
x2 = torch.full((1,), -0.5, dtype=torch.float32, requires_grad=True)
x4 = x2.data
x5 = x2.t()
x4.nan_to_num_(posinf=2.0, neginf=-2.0)
x1 = torch.tensor([[0.5, 2.0, 2.0], [2.0, 2.0, 0.25]], dtype=torch.float32, requires_grad=True)
x3 = x1.transpose(0, -1)
x8 = x3.data
x8.index_fill_(0, torch.tensor([2, 0]), -0.0)
""",
    "data-write-custom-function-dirty": """
class Double_(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2

x2 = torch.ones((3, 1), dtype=torch.float32, requires_grad=True)
x5 = x2.unsqueeze(0)
x6 = x5.data
x11 = Double_.apply(x6)
""",
    # nor are views that PyTorch would refuse to regenerate (inference mode, multi-output,
    # custom Function outputs) stale after a write through `.data`
    "data-write-no-stale-refusal": """
x3 = torch.tensor([-2.0, float('nan'), -2.0, -0.0], dtype=torch.float32, requires_grad=True)
with torch.inference_mode():
    x7 = x3.T
x8 = x7.data
x8[x8 > 0] = torch.tensor(3.0)
x1 = torch.tensor([0.25, 0.25, 1.0, 2.0], dtype=torch.float32, requires_grad=True)
x2 = x1.unbind()[0]
x9 = x2.data
x9.copysign_(-2.0)
x10 = x2.reciprocal()
""",
    # a `.data` alias that requires grad counts its own writes: its views go stale, the
    # tensor's do not
    "data-alias-own-counter": """
x = torch.ones((2, 3), dtype=torch.float32)
d = x.data
d.requires_grad_()
v = d.t()
w = x.t()
x.mul_(2)
e = v * 1
d.detach().mul_(2)
f = v * 1
""",
    # a view without history follows its base's requires_grad: made before
    # `base.requires_grad_()`, it requires grad after it, and so do the ops that read it (their
    # gradient for it goes nowhere)
    "view-follows-base-requires-grad": """
x1 = torch.full((2, 1), 2.0, dtype=torch.float64)
x2 = x1[0]
x1.requires_grad_()
x4 = x2.sin()
x5 = torch.ones((2, 2), dtype=torch.float64)
x6 = x5.chunk(2)[0]
x5.requires_grad_()
x9 = x6[-1, ::2, ...]
x10 = torch.tensor([[2.0], [0.0]], dtype=torch.float64)
x11 = x10.view(1, 2)
x10.requires_grad_()
x12 = x11.squeeze()
x13 = torch.zeros((2, 1), dtype=torch.float32)
x14 = x13[[0, 1]]
x15 = x14.reshape(-1)
x14.requires_grad_()
x16 = torch.where(x15 > 0, x15, x15)
x16.sum().backward()
x14.requires_grad_(False)
x17 = x15 * 2
""",
    # ... and after a write of a value that requires grad into its base, it is stale: its
    # grad_fn is regenerated (AsStridedBackward0) when it is next read or used
    "stale-view-of-base-made-to-require-grad": """
x2 = torch.tensor([[-1.0, -0.5, 0.5], [-1.0, 1.0, -0.5]], dtype=torch.float32)
x3 = x2.detach().requires_grad_()
x5 = x2.permute(1, 0)
x2[:] = x3
x6 = x5[False]
x1 = torch.zeros((2, 3), dtype=torch.float32, requires_grad=True)
x7 = x1.data
x8 = x7[0]
x7[0:2] = x1
x9 = x8.chunk(2)[0]
""",
    # reading the grad_fn of a view whose base does not require grad leaves it as it is: it
    # is stale once the base requires grad
    "stale-view-read-before-base-requires-grad": """
x2 = torch.full((2, 1), 0.5, dtype=torch.float32)
x5 = x2[0]
x5.fill_(0.0)
x6 = x5.grad_fn
x2.requires_grad_()
x7 = x5 * 1
""",
    # a stale view PyTorch cannot rebase is refused even when its base no longer requires grad
    # (it has a grad_fn); one without a grad_fn is named as a view made under no_grad
    "stale-multi-output-view-messages": """
x1 = torch.zeros((2, 1), dtype=torch.float32, requires_grad=True)
x3 = x1.split(1)[-1]
x1.detach_()
x1.sub_(x1, alpha=2)
x4 = torch.ones((2, 3), dtype=torch.float32, requires_grad=True)
x6 = torch.nn.functional.tanh(x4.std())
x7 = torch.tensor([[0, 1], [0, 4]], dtype=torch.int64)
x9 = x7.chunk(2)[-1]
x7[...] = x6
""",
    # a node whose saved values were modified names the first in PyTorch's order (saved
    # inputs by name, then outputs): tensor1 (self, Addcdiv) before tensor2 (a stale view);
    # clamp_min's `min` (a stale view: AsStrided) before self
    "saved-check-order": """
x2 = torch.tensor([[-1.0, 2.0, 2.0], [2.0, 1.0, 1.0]], dtype=torch.float32, requires_grad=True)
x5 = x2.sum()
x6 = x5.transpose(0, -1)
x5.addcdiv_(x5, x6, value=0.5)
x5.backward(retain_graph=True)
x1 = torch.tensor(2.0, dtype=torch.float32, requires_grad=True)
x3 = x1.view_as(x1)
x4 = x1.clamp_min(x3)
x3.detach().mul_(2)
x4.backward()
""",
    # the saved output of an in-place op on a view is named by the view's grad_fn as it was
    # saved (AsStridedBackward0), not by the op's node
    "saved-inplace-view-output-name": """
x1 = torch.tensor([1.0, 2.0], dtype=torch.float32, requires_grad=True)
x2 = x1 * 1
x5 = x2[0:2]
x5.exp_()
x11 = x5.unsqueeze(0)
x13 = x11.atan_()
x5.sum().backward()
""",
    # a view made under no_grad of a view made in inference mode stays an inference-mode view
    "no-grad-view-of-inference-view": """
x1 = torch.full((3, 1), -0.5, dtype=torch.float64, requires_grad=True)
@torch.inference_mode()
def f2(t):
    return t[0]
x2 = f2(x1)
torch.set_grad_enabled(False)
x8 = x2.T
x2.rad2deg_()
x8.requires_grad_()
""",
    # a view of a tensor made from an inference tensor shares its version counter, which
    # PyTorch may start at 1 (docs/differences.md, inference-result-versions)
    "view-of-inference-result-version": """
with torch.inference_mode():
    x4 = torch.ones((), dtype=torch.uint8)
x6 = x4.sum()
x8 = x6.t()
x9 = x8.view_as(x8)
""",
    # the outputs of a multi-view function of a view made in inference mode are inference-mode
    # views, and so are their views (propagate_creation_meta)
    "multi-view-of-inference-mode-view": """
x3 = torch.tensor(3.0, dtype=torch.float32, requires_grad=True)
with torch.inference_mode():
    x4 = x3.flatten()
x5 = x4.split(1)[-1]
x7 = x5.unsqueeze(0)
x7[1:, 1::2] = x3
x5.mul_(2)
""",
}
