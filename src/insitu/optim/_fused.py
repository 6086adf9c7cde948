"""Fused optimizer updates: a parameter's whole update in one sweep over cache-sized blocks.

PyTorch's single-tensor updates (`_single_tensor_adam`, `_single_tensor_sgd`) are a chain of
in-place ops, each a pass over the parameter's memory. Here the same chain, with the same
roundings, runs block by block: every op of the chain is applied to one block of at most
`BLOCK` elements of the parameter, its gradient and its state before the next block is read, so
the arrays leave memory once per step and the intermediates (the difference in lerp, the scaled
gradient, the denominator, the quotient) live in a few block-sized buffers made once per thread.
The update allocates nothing. With more than one thread allowed (`insitu.set_num_threads`), the
blocks of a large parameter are shared with the ops' thread pool (`ops.parallel.run_blocks`).

Fused multiply-adds (lerp, addcmul, add with alpha) are the table's own (`kernels.fma_into`),
run in the block's buffers: rounded once in float32, as PyTorch's vectorised kernels are, and by
a number through the BLAS's saxpy where it is checked to round once (`ops.blas_axpy`).

The callers (`adam`, `sgd`) check that the fast path applies (contiguous arrays of one float
dtype and shape, no views) and bump versions through `autograd.versions.write`, once per op of
PyTorch's chain, with `write_each`.
"""
import threading

from ..autograd.versions import write
from ..backend import xp
from ..ops.parallel import run_blocks
from ..ops.kernels import fma_into

BLOCK = 1 << 18     # elements: a block of every operand and buffer stays in the last-level
#                     cache, and the few microseconds each NumPy call costs are a small part of
#                     its time (smaller blocks, in the core's own cache, were slower: the calls'
#                     cost outweighs the faster memory)
UNSAFE = "unsafe"
_F32 = xp.dtype(xp.float32)
_F64 = xp.dtype(xp.float64)
FUSED_DTYPES = (_F32, _F64)
_local = threading.local()      # .buffers: {dtype: (T, U, A, C)} of this thread
def buffers(dtype, n):
    """Two buffers in `dtype` and two in float64 (for the fused multiply-adds) of at least
    min(n, BLOCK) elements, kept by the thread for the next update."""
    try:
        kept = _local.buffers
    except AttributeError:
        kept = _local.buffers = {}
    bufs = kept.get(dtype)
    size = min(n, BLOCK)
    if bufs is None or bufs[0].size < size:
        bufs = kept[dtype] = (xp.empty(size, dtype), xp.empty(size, dtype),
                              xp.empty(size, _F64), xp.empty(size, _F64))
    return bufs


def prepare(dtype, n):
    """Make the buffers that a sweep over `n` elements of `dtype` uses, on the threads that take
    its blocks (for an update whose first step does not sweep, so that later steps find them)."""
    run_blocks(lambda i: buffers(dtype, n), -(-n // BLOCK))


def fusable(p, *tensors):
    """Whether `p` and `tensors` (its gradient, its state) can take the fused path: one float
    dtype NumPy computes in as PyTorch does, one shape, C-contiguous, none a view, and the
    gradient and state in other memory than the parameter."""
    a = p._data
    if a.dtype not in FUSED_DTYPES or p._base is not None or not a.flags.c_contiguous:
        return False
    st = p._storage
    for t in tensors:
        d = t._data
        if (d.dtype != a.dtype or d.shape != a.shape or not d.flags.c_contiguous
                or t._base is not None or t._storage is st):
            return False
    return True


def write_each(writes, kernel, *args):
    """Run `kernel(*args)` as the writes `((tensor, op_name), ...)`: each write's refusals and
    checks before the kernel, each version bump after it (`versions.write`, nested)."""
    if not writes:
        kernel(*args)
        return
    t, name = writes[0]
    write(t, name, write_each, writes[1:], kernel, *args)


def sweep(body, arrays, scalars):
    """body(*blocks, T, U, A, C, *scalars) over `arrays` (one shape, C-contiguous), one block
    of each at a time, with the buffers of the thread that runs it cut to the block's length;
    the blocks go to up to `insitu.get_num_threads()` threads (`ops.parallel.run_blocks`)."""
    flat = [a.reshape(-1) for a in arrays]
    n = flat[0].size
    if n <= BLOCK:
        bufs = buffers(flat[0].dtype, n)
        body(*flat, *[b[:n] for b in bufs], *scalars)
        return

    def block(i):
        s = i * BLOCK
        e = min(s + BLOCK, n)
        bufs = buffers(flat[0].dtype, n)
        body(*[f[s:e] for f in flat], *[b[:e - s] for b in bufs], *scalars)

    run_blocks(block, -(-n // BLOCK))


def fma_scalar(out, x, a, z, A, C):
    """out = x * a + z (`a` a number), rounded once in float32: the table's multiply-add
    (`kernels.fma_into`) in the block's buffers."""
    fma_into(out, x, a, z, x.dtype, A, C)


def fma_arrays(out, x, y, z, A, C):
    """out = x * y + z, rounded once in float32: the table's multiply-add in the block's
    buffers."""
    fma_into(out, x, y, z, x.dtype, A, C)
