"""Shrunk reproducers of the fuzzer's divergences in elementwise ops: `out=` resized past its
storage (the base, views and aliases of `out` see the grown storage), the autograd refusals of
`out=` for ops without a derivative, kernels refusing a dtype, and values. Each program must run
alike on insitu and PyTorch (compared as the fuzzer compares); run by test_reproducers.py."""
REPRODUCERS = {
    # a view used as out= grows its storage, which its base shares
    "out-view-grows-storage": """
x1 = torch.full((2, 3), 3.0, dtype=torch.float32)
x2 = torch.ones((2, 3), dtype=torch.float32)
x3 = x1.narrow(0, 1, 1)
torch.reciprocal(x2, out=x3)
""",
    "out-view-grows-storage-expanded": """
x1 = torch.ones((2, 3), dtype=torch.uint8)
x2 = x1.expand(2, 2, 3)
x6 = x1.chunk(2)[-1]
x10 = x2[:].movedim(0, -1)
torch.fmax(x10, x10, out=x6)
""",
    "out-select-grows-storage": """
x2 = torch.zeros((3,), dtype=torch.uint8)
x4 = torch.cosh(x2)
x5 = x4[0]
x13 = torch.full((2, 3), 1, dtype=torch.int32)
torch.asinh(x13, out=x5)
""",
    # an alias (a view from unbind) of an out= that grows sees the new storage
    "out-grows-under-its-views": """
x1 = torch.full((3,), 0, dtype=torch.int32)
x6 = torch.full((2, 3), float('inf'), dtype=torch.float32)
x9 = torch.ldexp(x1, x1)
x10 = x6 * 2.0
x11 = x9.unbind()[0]
torch.sign(x10, out=x9)
""",
    # the kernel's dtype refusal comes before the resize (and before out's autograd rules)
    "out-kernel-refusal-first": """
x2 = torch.full((), -0.0, dtype=torch.float32)
x3 = torch.full((2, 3), 0.0, dtype=torch.float32)
x6 = x2.movedim(0, -1)
torch.bitwise_xor(x3, x3, out=x6)
""",
    # the not-implemented fallback refuses an out= view made by chunk or under no_grad
    "out-fallback-refuses-special-views": """
x3 = torch.zeros((3, 1), dtype=torch.float32, requires_grad=True)
x5 = x3.cumsum(0)
x6 = x5.chunk(2)[-1]
x9 = x6.nan_to_num(posinf=2.0, neginf=-2.0)
torch.bitwise_and(x9, 0, out=x6)
x1 = torch.ones((2, 1, 3), dtype=torch.float32, requires_grad=True)
x2 = torch.arange(4, dtype=torch.float32)
with torch.no_grad():
    x7 = x2[None]
torch.bitwise_and(x1, x1, out=x7)
""",
}
REPRODUCERS.update({
    # an out= of another dtype: computed in the result's dtype, then cast
    "out-of-another-dtype-computes-in-the-result-dtype": """
x2 = torch.tensor([3.0, -2.0, 2.0], dtype=torch.float64)
x3 = torch.tensor([3, 2, 5, 2], dtype=torch.int32)
torch.erf(x3, out=x2)
x4 = torch.zeros((4,), dtype=torch.float64)
torch.sigmoid(x3, out=x4)
torch.rsqrt(x3, out=x4)
x5 = torch.tensor([0.3, 2.1, 5.7, 7.2], dtype=torch.float32)
torch.erf(x5, out=x4)
""",
})
REPRODUCERS.update({
    # lerp with a large weight is end - (end - self) * (1 - weight): -0.0 stays -0.0
    "lerp-keeps-minus-zero": """
x1 = torch.tensor([-2.0, -0.0, 1.0], dtype=torch.float32)
x2 = x1.lerp(x1, 1.0)
x3 = x1.lerp(x1, torch.ones((3,), dtype=torch.float32))
""",
    # cumsum_ of unfold's windows scans line by line, reading what earlier lines wrote
    "cumsum-inplace-overlapping-windows": """
x2 = torch.full((3,), -1, dtype=torch.int32)
x6 = torch.nn.functional.tanh(x2)
x7 = x6.unfold(0, 2, 1)
x7.cumsum_(1)
x8 = torch.arange(6, dtype=torch.float32).unfold(0, 3, 1)
x8.cumprod_(0)
""",
    # clamp's bounds may broadcast self: its gradient masks have the result's shape
    "clamp-bounds-broadcast-self": """
x2 = torch.ones((2, 3), dtype=torch.float32, requires_grad=True)
x3 = torch.ones((3,), dtype=torch.bool)
x4 = x2[[0, 1]]
x6 = x3.fmax(x3)
x8 = x6.clamp_max(x4)
x1 = torch.zeros((3, 1), dtype=torch.int32)
x5 = torch.tensor([-2.0, 0.25, float('nan')], dtype=torch.float32, requires_grad=True)
x9 = x1.clamp(max=x5)
x9.sum().backward()
""",
})
REPRODUCERS.update({
    # pow of a 0-dim tensor by -2 or -0.5: the square root or square into an array
    "pow-zero-dim-negative-exponents": """
x1 = torch.ones((3,), dtype=torch.float32)
x3 = x1[:].sum(0)
x4 = torch.pow(x3, -2.0)
x5 = torch.pow(x3, -0.5)
""",
    # the ops' own checks (lerp's dtype, clamp_'s cast, neg's bool) in PyTorch's order
    # against the TensorIterator's overlap checks
    "meta-checks-and-overlap-order": """
x2 = torch.tensor([[4, 5], [3, 3]], dtype=torch.int64)
x4 = x2.select(0, -1)
x2.lerp_(x4, 0.0)
x3 = torch.tensor([[3.0], [3.0], [1.0]], dtype=torch.float32)
x5 = x3.isnan()
x8 = x5.expand(2, 3, 1)
x8.clamp_max_(0)
x1 = torch.full((2, 1, 3), False, dtype=torch.bool)
x6 = x1.chunk(2)[-1]
torch.neg(x1, out=x6)
""",
})
REPRODUCERS.update({
    # threshold converts its numbers with PyTorch's overflow check, and checks no overlap
    "threshold-numbers-and-expanded-self": """
x1 = torch.zeros((2, 2), dtype=torch.uint8)
x6 = torch.nn.functional.threshold(x1, 0.5, -2.0)
x2 = torch.zeros((2, 3), dtype=torch.float32)
x3 = x2.expand(2, 2, 3)
torch.nn.functional.threshold(x3, 0.5, -2.0, inplace=True)
x4 = torch.arange(4, dtype=torch.uint8)
torch.nn.functional.threshold(x4, 0.5, -2.0, inplace=True)
""",
    # an integer nan_to_num_ copies self into itself: an expanded self is fine
    "nan-to-num-integer-expanded": """
x1 = torch.zeros((2, 2), dtype=torch.int32)
x5 = x1.expand(2, 2, 2)
x5.nan_to_num_(nan=1.0)
x6 = torch.zeros((2,), dtype=torch.float32).expand(2, 2)
x6.nan_to_num_(nan=1.0)
""",
    # the in-place functional forms name their in-place op when the input is no tensor
    "functional-inplace-refuses-none": """
x2 = torch.tensor(2.0, dtype=torch.float32)
x3 = x2.grad
torch.nn.functional.leaky_relu(x3, inplace=True)
torch.nn.functional.relu6(x3, inplace=True)
torch.nn.functional.elu(x3, inplace=True)
torch.nn.functional.dropout(x3, inplace=True)
""",
    # softmax of an empty integer tensor runs no kernel
    "softmax-empty-integer": """
x1 = torch.tensor([[4], [0]], dtype=torch.int64)
x3 = x1[1:1, 0]
x5 = x3.softmax(0)
x6 = torch.ones((0, 2), dtype=torch.bool).log_softmax(0)
""",
})
REPRODUCERS.update({
    # after .numpy() a storage cannot grow (PyTorch marks it not resizable)
    "out-cannot-grow-a-storage-numpy-holds": """
x1 = torch.full((2, 3), 0.5, dtype=torch.float64)
x4 = x1.narrow(0, 1, 1)
x5 = torch.full((2, 2), 1, dtype=torch.int32)
x6 = x4.data
x7 = x6.numpy().tolist()
torch.ne(x5, x5, out=x6)
x8 = torch.zeros((3,), dtype=torch.float32)
x9 = x8[:2]
x8.resize_(5)
x8.fill_(1.0)
""",
})
REPRODUCERS.update({
    # PyTorch calls the C library for asinh and acosh, and for cosh, sinh, atanh and exp2 of
    # tensors smaller than one vectorized block
    "libm-scalar-functions": """
x2 = torch.full((2, 2), 2, dtype=torch.uint8)
x4 = x2.cosh()
x5 = x4.to(torch.float64)
x6 = torch.tensor([2.7182817, 7.389056, -1.5], dtype=torch.float32).sinh()
x7 = torch.tensor([-0.5, 0.25, 0.5, 1.5], dtype=torch.float32).asinh()
x8 = torch.tensor([1.5, 1.2840254, 3.0], dtype=torch.float64).acosh()
x9 = torch.tensor([0.25, -0.5, 0.7], dtype=torch.float32).atanh()
x10 = torch.tensor([0.3, -1.7, 2.5], dtype=torch.float32).exp2()
""",
    # the operators return NotImplemented for an operand they refuse: Python's own TypeError
    "operators-refuse-foreign-operands": """
x1 = torch.ones((3,), dtype=torch.float32)
x2 = x1.grad
x3 = x1 @ x2
x4 = x1 < x2
x5 = x1 + x2
""",
})
REPRODUCERS.update({
    # a small float32 tensor's exp, log10, tanh... as MKL's vector math rounds them (float64,
    # rounded once); sigmoid's scalar loop with the C library's exp
    "small-float32-transcendentals": """
x2 = torch.tensor([[float('nan')], [-1.5], [0.0]], dtype=torch.float32)
x4 = x2.exp()
x5 = torch.full((2, 3), 1e-3, dtype=torch.float32)
x5.log10_()
x6 = torch.tensor([-1.5, -0.5, 0.5, 1.5], dtype=torch.float32).tanh()
x7 = torch.tensor([[-1.0, 100.0, 0.5], [0.5, 1.0, 2.0]], dtype=torch.float32).sigmoid()
""",
})
REPRODUCERS.update({
    # atan2 of a small tensor is PyTorch's scalar loop: the C library's atan2
    "atan2-small-libm": """
x1 = torch.ones((2, 3), dtype=torch.float32)
x2 = torch.atan2(x1, x1)
x18 = x2.numpy().tolist()
x3 = torch.tensor([[0.5], [-1.5], [2.0]], dtype=torch.float32)
x4 = torch.atan2(x3, torch.tensor([0.25, -3.0, 1.0], dtype=torch.float32))
x3.atan2_(torch.tensor([[0.3], [0.7], [-0.1]], dtype=torch.float32))
""",
})
REPRODUCERS.update({
    # PyTorch's autograd kernel saves what the formulas read before the op's own checks: an
    # inference tensor there is refused first, out of place and in place
    "inference-saves-refused-first": """
x3 = torch.arange(4, dtype=torch.int64)
x5 = torch.tensor([-0.5, 1.0, 1.0, -1.5], dtype=torch.float32, requires_grad=True)
with torch.inference_mode():
    x6 = x3 - 1
x9 = torch._prelu_kernel(x6, x5)
x1 = torch.arange(3, dtype=torch.float64)
with torch.inference_mode():
    x7 = x1.minimum(x1)
    x7.requires_grad_()
x8 = x7.clamp_max(x1)
x2 = torch.tensor([[-1.0, -1.0, 0.5]], dtype=torch.float32, requires_grad=True)
x10 = x2.lgamma()
x11 = x10.isinf()
with torch.inference_mode():
    x12 = x10.long()
x11.addcmul_(x2, x12, value=2)
""",
})
REPRODUCERS.update({
    # an integer self that requires grad, whose formulas read self: PyTorch's autograd kernel
    # refuses its copy before the op's cast check
    "integer-self-requiring-grad-saved": """
x2 = torch.tensor(-0.5, dtype=torch.float32, requires_grad=True)
x3 = torch.ones((1,), dtype=torch.int32)
x4 = x3.data
x4.gt_(x2)
x11 = x4.cosh_()
x12 = x4.exp_()
x1 = torch.tensor(0.0, dtype=torch.float32, requires_grad=True)
x5 = torch.tensor([[1], [2]], dtype=torch.uint8)
x5[0, 0:1] = x1
x5.log_()
""",
})
