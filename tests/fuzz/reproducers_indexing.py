"""Shrunk reproducers of the fuzzer's divergences in indexing, scatter, masked and cumulative
ops, kept as regression tests (run by test_reproducers.py): each program must run alike on
insitu and PyTorch (compared as the fuzzer compares)."""
REPRODUCERS = {
    # masked_scatter_ with a short source raises (PyTorch first writes as far as it goes:
    # failed-writes-write-nothing)
    "masked-scatter-short-source": """
x1 = torch.zeros((3,), dtype=torch.float64)
x2 = torch.full((2, 3), 0.25, dtype=torch.float64)
x2.masked_scatter_(x2 > 0, x1)
""",
    # masked_scatter_ from self reads the source as the row-major walk leaves it
    "masked-scatter-self-source": """
x1 = torch.arange(3, dtype=torch.int32)
x1.masked_scatter_(x1 > 0, x1)
x2 = torch.arange(6, dtype=torch.float32)
x2.masked_scatter_(x2 > 1, x2[1:])
""",
    # cumsum's running sum starts from +0.0
    "cumsum-leading-minus-zero": """
x1 = torch.tensor([-0.0, 0.0, -1.5], dtype=torch.float32)
x2 = x1.cumsum(0)
x3 = torch.tensor([[-0.0, 0.25, 0.0]], dtype=torch.float64)
x4 = x3.cumsum(-1)
""",
    # a normal index tensor carries the autograd key: the leaf guard runs for an inference self
    "index-ops-inference-leaf-guard": """
with torch.inference_mode():
    x6 = torch.zeros((), dtype=torch.float64, requires_grad=True)
    x3 = torch.ones((2, 2), dtype=torch.float64, requires_grad=True)
    x4 = torch.ones((2,), dtype=torch.float64, requires_grad=True)
x6.index_add_(0, torch.tensor([0, 0]), x6)
x3.index_put_((torch.tensor([0]),), x3[0])
x4.index_fill_(0, torch.tensor([0]), 1.0)
x4.scatter_(0, torch.tensor([0]), 1.0)
""",
    # index_fill_ on an empty self: PyTorch's restride checks the storage, or fills nothing
    "index-fill-empty-self": """
x1 = torch.zeros((3,), dtype=torch.float64)
x2 = x1[x1 > 0]
x8 = x2 == x2
x9 = x8.t()
x9.index_fill_(0, torch.tensor([0, 0]), 1.0)
x3 = x1[3:]
x3.index_fill_(0, torch.tensor([0]), 1.0)
x4 = torch.zeros((0, 3), dtype=torch.float32)
x4.index_fill_(1, torch.tensor([5]), 1.0)
x4.index_fill_(0, torch.tensor([0]), 1.0)
""",
    # an index op refuses self as its own source or index, even empty (full overlap)
    "index-ops-self-source-empty": """
x2 = torch.zeros((), dtype=torch.bool)
x3 = x2.T
x6 = x3[False]
x6.index_copy_(0, torch.tensor([0, 0]), x6)
x7 = torch.zeros((0,), dtype=torch.int64)
x7.index_add_(0, torch.tensor([], dtype=torch.int64), x7)
x7.scatter_(0, x7, x7)
x7.put_(x7, x7)
x7.index_fill_(0, x7, 1)
x7.index_put_((torch.tensor([], dtype=torch.int64),), x7)
""",
    # index_put's error names the first index out of range in its kernel's walk
    "setitem-adv-writes-before-bad-index": """
x3 = torch.tensor([0.0, 0.0, 3.0], dtype=torch.float32)
x5 = x3.chunk(2)[-1]
x5[[0, 1]] = -0.0
x6 = torch.zeros((2, 3, 4), dtype=torch.float64)
x6[:, [0, 5], [1, 1]] = 1.0
x6[[1, 0], :, [1, 9]] = torch.ones((2, 3), dtype=torch.float64)
x6.index_put_((torch.tensor([1, 1, 7]),), torch.tensor(2.0, dtype=torch.float64), accumulate=True)
""",
    # index_add_ says "index out of range in self" from its own loop, PyTorch's scatter_add_
    # message where it runs as one
    "index-add-bounds-by-path": """
x1 = torch.full((2, 3), -1.5, dtype=torch.float32)
x4 = x1[:-1, :] * 1
x4.index_add_(0, torch.tensor([1]), x4 + 1, alpha=2)
x5 = torch.zeros((3,), dtype=torch.float32)
x5.index_add_(0, torch.tensor([0, 5]), torch.ones((2,)))
x6 = torch.zeros((3, 4), dtype=torch.float32)
x6.index_add_(0, torch.tensor([0, 5]), torch.ones((2, 4)))
x6.index_add_(1, torch.tensor([1, 7]), torch.ones((3, 2)), alpha=3)
x6.scatter_(1, torch.tensor([[0, 1, 9]]), 2.0)
x6.put_(torch.tensor([3, 20]), torch.tensor([5.0, 6.0]))
x6.index_copy_(1, torch.tensor([2, 4]), torch.ones((3, 2)))
""",
    # a fill value converts as PyTorch's kernels convert it: its overflow error, x[False] too
    "fill-value-overflow": """
x3 = torch.full((2, 1), 4, dtype=torch.uint8)
x3[False] = -0.5
x1 = torch.zeros((1, 3), dtype=torch.int32)
x2 = x1.fmin(x1)
x2.masked_fill_(x2 != x2, -float('inf'))
x4 = torch.full((3,), 2, dtype=torch.uint8)
x4.masked_fill_(x4 != x4, -1.5)
x4.index_fill_(0, torch.tensor([0]), 300)
x4.scatter_(0, torch.tensor([1]), -1)
x4.index_fill_(0, torch.tensor([2]), -1)
""",
    # scatter_ compares the source's dims with the index's after the sizes
    "scatter-src-dims-after-sizes": """
x3 = torch.zeros((2, 3), dtype=torch.float32)
x5 = x3[x3 > 0]
x3.scatter_(0, torch.zeros((1, 3), dtype=torch.int64), x5)
""",
    # softmax subtracts an infinite maximum as it is (nan), 0-dim inputs included
    "softmax-infinite-max": """
x1 = torch.tensor(-2.0, dtype=torch.float64)
x3 = x1.rsqrt()
x5 = torch.cosh(x3)
x6 = x5.softmax(0)
x7 = torch.tensor([float('inf'), 1.0], dtype=torch.float32)
x8 = x7.softmax(0)
x9 = x7.log_softmax(0)
x10 = torch.tensor([[-float('inf'), -float('inf')]], dtype=torch.float64).softmax(1)
""",
    # lgamma of a tiny negative number is -log|x| (its reflection would overflow)
    "lgamma-tiny-negative": """
x1 = torch.zeros((2, 3), dtype=torch.float64)
x2 = torch.tensor([[-1.0, 0.5, -1.0]], dtype=torch.float32)
x3 = x1.nextafter(x2)
x4 = torch.lgamma(x3)
""",
    # an empty cumsum_ runs no kernel, so a bool one passes (its dim is still checked)
    "cumsum-inplace-empty-bool": """
x1 = torch.tensor([[False, False, False]], dtype=torch.bool)
x3 = x1[False]
x4 = x3.diagonal()
x4.cumsum_(0)
x4.cumprod_(-1)
x1.cumsum_(1)
""",
    # a comparison with a number computes in the tensor's integer dtype: the number wraps
    "compare-int-scalar-wraps": """
x1 = torch.zeros((2, 3), dtype=torch.uint8)
x5 = x1.flatten() > -1
x6 = torch.tensor([0, 1, 100], dtype=torch.int8)
x7 = x6 <= 200
x8 = x6 == 256
x6.ge_(-129)
""",
    # integer division by a zero divisor, in place and augmented
    "int-division-writes-before-zero": """
x1 = torch.tensor([[1, 3, 0], [3, 3, 1]], dtype=torch.uint8)
x1 //= x1
x2 = torch.tensor([[[-1, 5, 0]], [[-2, 0, 3]]], dtype=torch.int32)
x2 %= x2
x3 = torch.tensor([[4, 6], [8, 9]], dtype=torch.int64)
x3.t().fmod_(torch.tensor([[2], [0]], dtype=torch.int64))
""",
    # a None operand's position counts every argument after self; index_put_ wants a tensor
    "index-ops-none-operand": """
x2 = torch.zeros((3,), dtype=torch.float32)
x4 = x2.grad
x2.index_add_(0, torch.tensor([2, 0]), x4)
x2.index_copy_(0, torch.tensor([1]), x4)
x2.scatter_add_(0, torch.tensor([1]), x4)
x2.index_put_((torch.tensor([1]),), x4)
x2.index_put_((torch.tensor([1]),), 1.0)
""",
    # scatter_ converts its value at each element, after that element's bounds check
    "scatter-value-converted-after-bounds": """
x1 = torch.full((1,), 1, dtype=torch.int64)
x1.scatter_(0, torch.ones((1,), dtype=torch.int64), float('inf'))
x2 = torch.ones((3,), dtype=torch.int64)
x2.scatter_(0, torch.tensor([0, 5]), float('inf'))
""",
    # an inference self written outside inference mode: PyTorch's kernel refuses the overlap with
    # self (before its bounds checks) before the inference write is refused
    "index-ops-inference-overlap-first": """
with torch.inference_mode():
    x1 = torch.ones((2, 3), dtype=torch.float32) - 1
    x2 = torch.arange(3, dtype=torch.int32)
    x3 = torch.ones((1, 3), dtype=torch.float32) * 2
    x4 = torch.zeros((3,), dtype=torch.float32).sum()
    x5 = torch.zeros((3, 1), dtype=torch.int32)[2:] + 5
x1.scatter_add_(0, torch.zeros((2, 3), dtype=torch.int64), x1)
x2.scatter_reduce_(0, torch.ones((3,), dtype=torch.int64), x2, 'mean')
x3.scatter_reduce_(0, torch.ones((1, 3), dtype=torch.int64), x3, 'prod')
x4.scatter_(0, torch.ones((), dtype=torch.int64), x4)
x5.index_copy_(0, torch.tensor([2]), x5)
x5.index_add_(0, torch.tensor([0]), x5)
""",
    # index_put_'s overlap check: two dense tensors over the same bytes with the same strides
    # overlap fully whatever their shapes (through .data too), before the shape check
    "index-put-same-bytes-other-shape": """
x1 = torch.ones((2, 1), dtype=torch.float32)
x2 = x1.expand(2, 2, 1)
x3 = x1.data
x7 = x3.permute(1, 0)
x7.index_put_((torch.tensor([1]),), x2[0])
x8 = x1.permute(1, 0)
x8.index_put_((torch.tensor([0]),), x1, accumulate=True)
""",
    # a basic index with more real entries than self has dims is too many, even after `...`
    # (the autograd guards come later)
    "setitem-ellipsis-too-many": """
x1 = torch.arange(3, dtype=torch.float32, requires_grad=True)
x2 = x1[torch.tensor(0)]
x2[..., :] = x2
x3 = torch.ones((), dtype=torch.float64)
x3[..., :] = torch.tensor(-1.5, dtype=torch.float64)
x3[..., 0:1] = 1.0
x4 = torch.zeros((2,), dtype=torch.float32)
x4[..., :, :] = 1.0
""",
    # scatter_reduce's mean has no bool kernel (an empty index runs none; without self, the
    # identity's scatter checks the bounds first)
    "scatter-reduce-mean-bool": """
x1 = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float32)
x5 = torch.logical_and(x1, x1)
x6 = x5[x5 > 0]
x5.scatter_reduce_(0, torch.zeros((1,), dtype=torch.int64), x6, 'mean')
x7 = x5.scatter_reduce(0, torch.tensor([5]), x6, 'mean', include_self=False)
x8 = x5.scatter_reduce(0, torch.tensor([5]), x6, 'mean')
x9 = x5.scatter_reduce(0, torch.tensor([], dtype=torch.int64), x6, 'mean')
""",
    # the restride of an empty self names the strides PyTorch gives an empty result (contiguous),
    # and as_strided measures an empty storage as 0 bytes
    "index-fill-empty-result-strides": """
x1 = torch.ones((2, 3), dtype=torch.float32)
x4 = x1[torch.tensor([False, False])]
x5 = x4 * 2
x5.index_fill_(0, torch.tensor([0, 0]), 1.0)
x2 = torch.ones((2, 2), dtype=torch.float32)
x9 = x2[False].fmax(x2[False])
x9.index_fill_(0, torch.tensor([0]), 3.0)
x10 = x1[3:]
x10.index_fill_(0, torch.tensor([0]), 3.0)
x11 = x1.t()[:, 2:]
x11.index_fill_(1, torch.tensor([0, 1]), 3.0)
x6 = x1[False].cumsum(0)
x7 = x6.as_strided((2,), (1,))
""",
    # a custom Function that is not recorded (no input requires grad) leaves the views it
    # returns as made in its forward: under no_grad
    "custom-function-unrecorded-view-writes": """
class Ident(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g

x3 = torch.ones((2, 2), dtype=torch.float32)
x7 = Ident.apply(x3)
x9 = torch.ones((2, 2), dtype=torch.float32, requires_grad=True)
x10 = torch.nn.functional.gelu(x9)
x7.scatter_(0, torch.ones((2, 2), dtype=torch.int64), x10)
x1 = torch.zeros((1, 3), dtype=torch.int64)
x2 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
x4 = Ident.apply(x1)
x4.masked_scatter_(x4 > 0, Ident.apply(x2))
x8 = Ident.apply(x3.sum())
x8[...] = x9.std()
x7[[0]] = x10[0]
""",
    # a view with a graph of a base detached in place since is a view of a leaf for the guard,
    # which comes before index_put_'s overlap check
    "setitem-view-of-detached-leaf": """
x1 = torch.tensor([-1.5, 0.5, 0.0], dtype=torch.float32, requires_grad=True)
x2 = x1[0]
x5 = x2.T
x1.detach_()
x5[x5 > 0] = x5
x5.add_(1)
""",
    # x[basic] = v with a broadcast value views the value first (even with no leading 1s to
    # drop): its grad_fn's refusals come before the expand's shape error
    "setitem-value-viewed-first": """
x1 = torch.zeros((2, 1), dtype=torch.float32)
x3 = torch.ones((3,), dtype=torch.float32, requires_grad=True)
x6 = x3.chunk(2)[0]
x6.logical_xor_(x6)
x1[1] = x6
y1 = torch.zeros((3,), dtype=torch.float32, requires_grad=True)
y2 = torch.ones((3,), dtype=torch.int32)
y2.eq_(y1)
y1[::2] = y2
""",
    # a tensor made 0-dim in place keeps its former first size for integer indexing's bounds
    # check; an index within it reaches select(), which refuses the 0-dim tensor
    "index-zero-dim-made-in-place": """
x1 = torch.tensor([[0.5, 1.0, 2.0], [0.0, 0.25, 0.5]], dtype=torch.float32)
x3 = torch.tensor([2.0, 3.0, 1.0], dtype=torch.float32).amax(0)
x5 = x1.view(6,).nan_to_num(posinf=2.0, neginf=-2.0)
torch.fmax(x3, x3, out=x5)
x5[4] = -2
x6 = x5[-6]
x7 = x5[6]
x8 = torch.ones((1,), dtype=torch.float32)
x8.squeeze_()
x9 = x8[-1]
""",
}
