"""Shrunk reproducers of the fuzzer's divergences in memory-overlap checks (internal overlap:
a zero stride is refused, other shared layouts are written in PyTorch's order; partial overlap
as PyTorch's get_overlap_status decides it, before shape and dtype checks), inference tensors
written through `out=`, out-of-range fill values, and `out=` values. Each program must run
alike on insitu and PyTorch (compared as the fuzzer compares); run by test_reproducers.py."""
REPRODUCERS = {
    # windows of unfold share elements without a zero stride: PyTorch writes them, in its order
    "unfold-hardtanh": """
x1 = torch.ones((2, 3), dtype=torch.float32)
x3 = x1.permute(1, 0)
x7 = x3.unfold(0, 2, 1)
torch.nn.functional.hardtanh_(x7, min_val=0.0, max_val=2.0)
""",
    "unfold-expm1-exp2-ldexp": """
x1 = torch.tensor([float('nan'), -0.5, -2.0], dtype=torch.float64)
x7 = x1.unfold(0, 2, 1)
x7.expm1_()
x3 = torch.zeros((3,), dtype=torch.float32).unfold(0, 2, 1)
x3.exp2_()
x5 = torch.ones((3, 1), dtype=torch.float32).unfold(0, 2, 1)
x5.ldexp_(x5)
""",
    "unfold-tril-mul": """
x1 = torch.full((3,), 2, dtype=torch.uint8)
x3 = x1.unfold(0, 2, 1)
x3.tril_()
x3.mul_(2)
""",
    # a zero stride is refused: through out=, a detached view, and before dtype checks
    "expanded-out-and-detached": """
x2 = torch.tensor([[0.5, 3.0], [-float('inf'), -1.5]], dtype=torch.float32)
x6 = x2[1]
x9 = x6.expand(2, 2)
torch.logaddexp(x2, x6, out=x9)
x3 = torch.tensor([[-2.0], [-1.5], [0.25]], dtype=torch.float32).expand(2, 3, 1)
x6 = x3.detach()
x6.clamp_(min=-1.5)
""",
    "expanded-before-dtype": """
x4 = torch.ones((3,), dtype=torch.bool)
x6 = x4.expand(2, 3)
torch.sin(x4, out=x6)
x2 = torch.tensor([[4], [-2]], dtype=torch.int32)
x3 = x2.expand(2, 2, 1)
x3.log_()
""",
    "expanded-setitem": """
x2 = torch.ones((3, 1), dtype=torch.bool)
x3 = x2.expand(2, 3, 1)
x3[...] = x3
x1 = torch.full((), 1.0, dtype=torch.float32)
x9 = x1.clone().expand(2)
x9[True] = x1
""",
    # partial overlap: both tensors must be dense for PyTorch to tell; checked first of all
    "partial-overlap-rule": """
x2 = torch.tensor([[5, -2, 3], [5, 4, 5]], dtype=torch.int32)
x3 = x2.diagonal()
x3.put_(torch.tensor([0, 1]), x3.reshape(-1)[:2], accumulate=True)
x5 = torch.tensor(0.5, dtype=torch.float64).exp()
x7 = x5.expand(2)
x7.index_put_((torch.tensor([1, 0]),), x7[0])
x8 = torch.zeros((2, 1), dtype=torch.bool)
x4 = x8.t()
torch.isneginf(x4, out=x8)
x9 = torch.tensor([2.0], dtype=torch.float64)
x9[True] = x9
""",
    # a view with the same shape gets PyTorch's strides for its size-1 dims, so the overlap
    # is partial (other strides) as in PyTorch
    "view-size-one-strides": """
x1 = torch.full((2, 3), 4, dtype=torch.int64)
x6 = x1[::3]
x8 = x6.view(1, 3)
x8[...] = x6
""",
    "partial-overlap-first": """
x1 = torch.tensor([[0, 2, 2], [4, 5, 2]], dtype=torch.int64)
x2 = x1.split(1)[-1]
x2.logical_or_(x1)
x3 = torch.ones((2, 1), dtype=torch.float32)
x3.copy_(x3.flatten())
x4 = torch.tensor([False, False, True], dtype=torch.bool)
x4.div_(x4.select(0, -1))
""",
    # an inference tensor resized by out= is still one: the write raises (after writing)
    "inference-out-resized": """
x1 = torch.tensor([2.0, 0.0, 1.0], dtype=torch.float32)
x3 = torch.zeros((), dtype=torch.bool)
with torch.inference_mode():
    x4 = x1.maximum(x3)
    x7 = torch.tensor([[-1.5, -1.5, 0.25], [0.5, 2.0, -0.0]], dtype=torch.float32).sum(0)
    x8 = torch.zeros((1, 3), dtype=torch.float64)
torch.bitwise_and(x3, x3, out=x4)
torch.fmax(x1[:2], torch.zeros((2, 2)), out=x7)
torch.lt(x1, x1, out=x8)
""",
    # out= is resized (in its storage when it fits) before the kernel refuses the dtype
    "out-resized-before-refusal": """
x1 = torch.ones((1, 3), dtype=torch.float32)
x4 = torch.arange(6, dtype=torch.float32)
x6 = x1.floor()
torch.bitwise_not(x6, out=x4)
x3 = torch.arange(4, dtype=torch.float32)
x5 = torch.ones((1, 3), dtype=torch.float64).norm()
torch.lcm(x5, x5, out=x3)
x7 = torch.ones((), dtype=torch.float32)
x8 = x7.view(1,) * 1
torch.bitwise_xor(x7, x7, out=x8)
""",
    # alpha is converted to the op's type as PyTorch's kernels do: negative wraps when unsigned
    "alpha-wraps-unsigned": """
x2 = torch.tensor([0, 5, 200], dtype=torch.uint8)
x2.sub_(x2, alpha=2)
x3 = x2.add(x2, alpha=-3)
x4 = torch.rsub(x2, 1, alpha=-2)
""",
    # heaviside refuses an out= of another dtype before any other check
    "heaviside-out-dtype": """
x3 = torch.full((4,), 0.0, dtype=torch.float32)
x5 = torch.ones((), dtype=torch.bool)
torch.heaviside(x3, x3, out=x5)
x6 = torch.zeros((3,), dtype=torch.int64).expand(2, 3)
torch.heaviside(x3, x3, out=x6)
""",
    # fill values are converted to the tensor's type first: out of range raises (fill_ too)
    "fill-value-overflow-fill": """
x1 = torch.zeros((1, 3), dtype=torch.int32)
x2 = x1.fmin(x1)
x2.masked_fill_(x2 != x2, -float('inf'))
x3 = torch.full((3,), 2, dtype=torch.uint8)
x3.masked_fill_(x3 != x3, -1.5)
x3.index_fill_(0, torch.tensor([0]), 300)
x4 = torch.full((2, 1), 4, dtype=torch.uint8)
x4[False] = -0.5
x4.fill_(torch.tensor(300))
""",
}
