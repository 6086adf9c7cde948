"""Shrunk reproducers of the fuzzer's divergences where PyTorch's autograd kernel runs before an
elementwise op's own checks (it reads every operand's grad_fn: a stale view raises there; an op
without a derivative, bitwise_or or gcd, has a NotImplemented node that does the same), where
PyTorch computes an op through other ops (isfinite through abs, ldexp as self * pow(2, other):
their refusals, overlap rules and roundings), and the in-place leaf test, which reads a view's
grad_fn as it is. Each program must run alike on insitu and PyTorch (compared as the fuzzer
compares); run by test_reproducers.py."""
REPRODUCERS = {
    # a no_grad view whose base was written since: its grad_fn is read (and refused) before a
    # kernel refuses floats
    "stale-view-before-bitwise-refusal": """
x1 = torch.zeros((3, 1), dtype=torch.float32, requires_grad=True)
with torch.set_grad_enabled(False):
    x3 = x1[2, -1:]
    x3.masked_scatter_(x3 > 0, x3)
x4 = torch.gcd(x3, x3)
""",
    "stale-view-before-bitwise-refusal-custom-fn": """
class Ident(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g

x2 = torch.tensor([1.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
x3 = torch.tensor([0.5, -2.0, -1.5], dtype=torch.float32)
x3[...] = x2
x4 = Ident.apply(x3)
x3.clamp_min_(-1)
x11 = torch.bitwise_or(x4, x3)
""",
    "stale-view-other-operand-in-place": """
x2 = torch.full((1, 3), 0.5, dtype=torch.float32, requires_grad=True)
with torch.set_grad_enabled(False):
    x4 = x2.squeeze()
    x2.index_fill_(0, torch.tensor([0]), False)
x5 = torch.ones(3, dtype=torch.int32)
x5.bitwise_xor_(x4)
""",
    # a differentiable op: the edges come before the shape check
    "stale-view-before-shape-check": """
x1 = torch.zeros((3,), dtype=torch.float32, requires_grad=True)
x2 = x1 * 1
with torch.no_grad():
    x3 = x2[1:]
x2.mul_(2)
x4 = torch.add(x3, torch.ones(5))
""",
    # isfinite runs abs, whose autograd kernel reads the grad_fn
    "isfinite-stale-view": """
x1 = torch.tensor([[0.25, 0.0], [3.0, float('nan')]], dtype=torch.float32, requires_grad=True)
with torch.no_grad():
    x3 = x1[..., 0:1]
    x1[[0, 1]] = torch.tensor(float('nan'))
x7 = x3.isfinite()
""",
    # an inference tensor that requires grad bypasses autograd, into abs's out= form
    "inference-requires-grad-composite-out": """
with torch.inference_mode():
    x2 = torch.tensor([[1.0, 0.5, -float('inf')], [1.0, 0.0, 2.0]], dtype=torch.float32, requires_grad=True)
x4 = x2.isfinite()
""",
    "inference-requires-grad-composite-out-isinf": """
with torch.inference_mode():
    x2 = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
x4 = x2.isinf()
""",
    "inference-requires-grad-composite-out-ldexp": """
with torch.inference_mode():
    x2 = torch.tensor(0.25, dtype=torch.float32, requires_grad=True)
x3 = torch.ldexp(x2, x2)
""",
    # ldexp reads other through pow(2, other), a temporary: no overlap rule for it
    "ldexp-other-overlaps-self": """
x1 = torch.tensor([[-0.5, -1.0, 0.5], [0.0, float('inf'), -2.0]], dtype=torch.float64)
x6 = x1.clone()
x8 = x6.detach()[0]
x6.ldexp_(x8)
x9 = torch.tensor([1.0, 2.0, 3.0])
x9[1:].ldexp_(x9[:2])
""",
    "ldexp-out-is-other-resized": """
x1 = torch.tensor([[0.0, -1.0, -1.0], [1.0, -1.0, -1.5]], dtype=torch.float32)
x2 = torch.ones((1, 3), dtype=torch.float32)
torch.ldexp(x1, x2, out=x2)
""",
    "ldexp-out-aliases-other": """
x1 = torch.ones((1, 3), dtype=torch.float32)
x2 = x1.reshape(-1)
x3 = x1 * 2.0
torch.ldexp(x3, x2, out=x1)
""",
    # pow(2, other) rounds in other's dtype (a float64 or float16 self makes the base a 0-dim
    # tensor of its dtype), the product in the result's
    "ldexp-roundings": """
x1 = torch.ones((2, 3), dtype=torch.float64)
x2 = torch.tensor([[1.0, 2.0, float('nan')], [-0.5, -1.5, 1e-3]], dtype=torch.float32)
x3 = torch.ldexp(x1, x2)
x4 = torch.ldexp(x1, torch.tensor(0.3, dtype=torch.float32))
x5 = torch.ldexp(torch.full((2,), 3.0, dtype=torch.float16), torch.tensor(0.3))
x6 = torch.ldexp(torch.tensor(3.0), torch.tensor(0.3, dtype=torch.float16))
x7 = torch.arange(3, dtype=torch.float64)
x7.ldexp_(torch.tensor([1.0, -0.5, 3.0], dtype=torch.float32))
x8 = torch.ldexp(torch.tensor([1e-30], dtype=torch.float32), torch.tensor([130]))
x9 = torch.tensor([[-1, 5, 2], [5, -2, 3]], dtype=torch.int32).to(torch.float64)
x9.ldexp_(torch.sqrt(torch.tensor([[-1, 5, 2], [5, -2, 3]], dtype=torch.int32)))
""",
    # out=: a partial overlap with any operand is refused before the shape of an `out` that is
    # also an operand
    "out-partial-overlap-before-read-write-shape": """
x1 = torch.zeros((2, 3), dtype=torch.float32)
x3 = x1.narrow(0, 0, 1)
torch.atan2(x3, x1, out=x3)
x4 = torch.tensor([1.0, 3.0, 2.0], dtype=torch.float32)
x5 = x4.fmod(x4)
torch.floor_divide(x5[0], x5, out=x5[0])
""",
    # an explicit out=None is listed in the argument parser's refusal
    "out-none-in-parser-refusal": """
x1 = torch.ones((2, 1), dtype=torch.float32)
x3 = x1.grad
torch.eq(x3, x1, out=x3)
torch.le(x3, -2.0, out=x3)
torch.pow(x3, x3, out=x3)
torch.bitwise_left_shift(x3, x1, out=x3)
x4 = torch.add(x1, x1, out=x3)
""",
    # inference tensors alone bypass autograd: out= is refused as an inference tensor written
    # outside inference mode, not for requiring grad
    "out-inference-tensors-bypass-autograd": """
with torch.inference_mode():
    x3 = torch.full((3, 1), -1.0, dtype=torch.float32, requires_grad=True)
x4 = x3.contiguous()
torch.add(x3, x3, out=x4)
torch.nextafter(x3, x3, out=x3)
""",
    # square's out=: its base is converted to the result's dtype first (pow with a number
    # exponent), a temporary that overlaps nothing; a 0-dim base to -2 and -0.5
    "pow-number-exponent-converted-base": """
x2 = torch.tensor([[-1.0, 1.0, 2.0], [0.5, 0.5, 3.0]], dtype=torch.float32)
x5 = x2.le(1.0)
x6 = x5.t()
torch.square(x5, out=x6)
x7 = torch.tensor(2, dtype=torch.int32)
x8 = x7 ** -2.0
x9 = torch.tensor(4.0) ** -0.5
""",
    # a view made before its base had a graph is a leaf to the in-place guard until its grad_fn
    # is read
    "view-before-base-graph-in-place-leaf": """
x1 = torch.tensor([[1.0, -1.5], [-1.0, 1.0]], dtype=torch.float32, requires_grad=True)
x2 = torch.zeros((2, 2), dtype=torch.float64)
x3 = x1.norm()
x4 = x2.unfold(0, 2, 1)
x2[...] = x3
x7 = x2.trunc_()
x4.ldexp_(x7)
""",
    "view-before-base-graph-grad-fn-read": """
x1 = torch.ones(2, requires_grad=True)
x2 = torch.zeros(2, dtype=torch.float64)
x4 = x2[:]
x2[...] = x1.sum()
x5 = x4.requires_grad
x4.mul_(2)
x6 = x4.grad_fn
x4.mul_(2)
""",
}
