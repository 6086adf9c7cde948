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
}
