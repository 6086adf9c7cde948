"""Large elementwise ops, sums and copies on every core: a persistent thread pool and the
splitting of a kernel call into blocks.

NumPy releases the GIL inside its ufunc loops, so threads that each run a ufunc over their own
block of the arrays run at the same time. `get_num_threads()` (`core.threads`) says how many
threads an op may use, the calling one included, as PyTorch's intra-op count does: 1 runs
everything on the calling thread and starts no pool. The helper threads are started lazily,
once (more when the count grows), wait on one queue, and are made again in a child process
after `fork` (a DataLoader worker), where the parent's threads do not exist.

What is split, and why the values do not change:

* **Elementwise table ops** (`kernel_blocks`): the kernel runs on slices of `out` along one
  axis (the outermost whose extent gives enough blocks, so a C-contiguous array is cut into
  contiguous pieces), each operand sliced to match or passed whole where it broadcasts along
  that axis. An elementwise result at a position depends only on the operands at that position,
  so every element is computed by the same loop as in one call. Calls that could see another
  block's writes (an operand overlapping `out` other than `out` itself, an `out` with repeated
  memory) run in one call, as do out-of-place results of non-C-contiguous operands (NumPy keeps
  their layout).
* **Sums** (`add_reduce`): NumPy sums a contiguous float array by pairwise summation, a binary
  tree whose split points depend only on the length (`n // 2` rounded down to a multiple of
  8). The tree's subtrees are summed in parallel, each by NumPy, and combined in the tree's
  order in the array's dtype: bit-identical to one `np.add.reduce` call. Integer sums are exact
  in any order. Reductions that keep axis 0 are split along it (each row summed as before);
  float16 (summed in float32 through NumPy's buffered, blockwise order) and other layouts run
  in one call.

Blocks are handed out dynamically (a shared counter) so that a thread the OS delays does not
hold up the others; the calling thread works too and returns when every block is written.
The first exception raised in a block is raised by the call (KeyboardInterrupt included) after
the helpers have finished the blocks they were running, so nothing is written after the call
returns.

How MIN_SIZE was chosen: `benchmarks/bench_threads.py` times add_, mul_, exp, sum, copy_ and
sigmoid_ with 1 thread (the one-call fast path) and with the split forced, from 2**12 to 2**22
float32 elements (medians of interleaved runs), and suggests the largest size from which the
split wins at every larger size. Handing out a split call costs about 5 us on the calling
thread (`run_blocks` of empty blocks), plus the wake-up of a helper, which depends on whether a core
is free: on a 2-core machine running other jobs (load ~6) a helper waits for a core and no
size below 2**22 gained, PyTorch's own 2-thread figures there being below its 1-thread ones. MIN_SIZE is 2**17 (four
times PyTorch's grain size of 2**15): there one thread takes 15-60 us, several times the
hand-out cost; run the sweep on the machine that matters and set MIN_SIZE to its suggestion.
Below MIN_SIZE an op pays one size comparison.
"""
import itertools
import os
import threading
from queue import SimpleQueue

from ..backend import xp
from ..core.threads import get_num_threads

MIN_SIZE = 1 << 17      # elements: below this an op runs in one call (see the docstring)
MIN_BLOCK = 1 << 15     # elements a block holds at least (a kernel call costs a few us)
BLOCK_BYTES = 1 << 20   # bytes of `out` per block at most: a multi-pass kernel stays in cache
BLOCKS_PER_THREAD = 4   # blocks per thread at least: balance when a thread is delayed

_local = threading.local()      # .helper: this thread is one of the pool's


class _Pool:
    """The helper threads and the queue they take jobs from."""

    def __init__(self):
        self.queue = SimpleQueue()
        self.threads = []
        self.lock = threading.Lock()

    def with_helpers(self, n):
        """The queue, with at least `n` helper threads waiting on it."""
        with self.lock:
            while len(self.threads) < n:
                t = threading.Thread(target=_helper_loop, args=(self.queue,), daemon=True,
                                     name=f"insitu-worker-{len(self.threads) + 1}")
                t.start()
                self.threads.append(t)
        return self.queue


_pool = _Pool()


def _helper_loop(queue):
    _local.helper = True
    while True:
        queue.get().help()


def _forget_pool():
    """In a forked child: the parent's helper threads are gone and its locks may be held."""
    global _pool
    _pool = _Pool()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def pool_size():
    """How many helper threads are running (0 until a parallel call needed them)."""
    return len(_pool.threads)


class _Job:
    """`body(i)` for every block index i < count, run by the caller and the helpers."""
    __slots__ = ("body", "count", "next", "lock", "active", "closed", "done", "error", "errors")

    def __init__(self, body, count):
        self.body = body
        self.count = count
        self.errors = xp.geterr()   # NumPy's floating-point error handling is per thread
        self.next = itertools.count().__next__     # atomic under the GIL
        self.lock = threading.Lock()
        self.active = 0
        self.closed = False
        self.done = None     # a Lock, released by the last helper to finish
        self.error = None    # the first exception a block raised

    def _blocks(self):
        body, count, take = self.body, self.count, self.next
        try:
            i = take()
            while i < count and self.error is None:
                body(i)
                i = take()
        except BaseException as e:      # noqa: B036 -- re-raised by the caller
            if self.error is None:
                self.error = e

    def help(self):
        """In a helper thread: take blocks until none are left."""
        with self.lock:
            if self.closed:
                return
            self.active += 1
        with xp.errstate(**self.errors):
            self._blocks()
        with self.lock:
            self.active -= 1
            if self.closed and not self.active and self.done is not None:
                self.done.release()

    def run(self):
        """In the calling thread: take blocks, then wait for the helpers still running one."""
        self._blocks()
        with self.lock:
            self.closed = True
            if self.active:
                self.done = threading.Lock()
                self.done.acquire()
            done = self.done
        while done is not None:
            try:
                done.acquire()
                break
            except BaseException as e:  # noqa: B036 -- Ctrl-C: helpers stop at the next block
                if self.error is None:
                    self.error = e
        # helpers that wake later find the job closed; the body (and the arrays it holds) must
        # not wait in the queue with it, or the memory outlives its tensors until they do
        self.body = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error


def run_blocks(body, count):
    """Run body(i) for i in range(count) on up to get_num_threads() threads (this one
    included); returns when all have run, raising the first exception a block raised."""
    n = min(get_num_threads(), count)
    if n <= 1 or getattr(_local, "helper", False):
        for i in range(count):
            body(i)
        return
    job = _Job(body, count)
    queue = _pool.with_helpers(n - 1)
    for _ in range(n - 1):
        queue.put(job)
    job.run()


def _block_count(size, itemsize, threads):
    blocks = max(threads * BLOCKS_PER_THREAD, size * itemsize // BLOCK_BYTES)
    return max(1, min(blocks, size // MIN_BLOCK))


# ------------------------------------------------------------------------- elementwise kernels

def _split_axis(shape, blocks):
    """The outermost axis with at least `blocks` positions (else the longest one)."""
    best = 0
    for d, s in enumerate(shape):
        if s >= blocks:
            return d
        if s > shape[best]:
            best = d
    return best


def _repeats_memory(a):
    return any(st == 0 and s > 1 for st, s in zip(a.strides, a.shape))


def _same_memory(a, b):
    return (a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def large(out, arrays):
    """Whether a kernel call is big enough to split: `out`, or its largest operand, has at
    least MIN_SIZE elements."""
    if out is not None:
        return out.size >= MIN_SIZE
    for a in arrays:
        if a.__class__ is xp.ndarray and a.size >= MIN_SIZE:
            return True
    return False


def kernel_blocks(kernel, out, dt, arrays, values, pointwise=True):
    """`kernel(out, dt, *arrays, *values)` of an elementwise op, split into blocks over the
    pool when that gives the same result; otherwise in one call. Returns the result array."""
    threads = get_num_threads()
    if threads <= 1 or getattr(_local, "helper", False):
        return kernel(out, dt, *arrays, *values)
    arrs = [v for v in arrays if v.__class__ is xp.ndarray and v.ndim]
    if pointwise == "float" and _integral(dt, arrays):
        return kernel(out, dt, *arrays, *values)
    if out is None:
        if not all(v.flags.c_contiguous for v in arrs):
            return kernel(out, dt, *arrays, *values)
        out = _fresh_result(kernel, dt, arrays, values, arrs)
        if out is None:
            return kernel(None, dt, *arrays, *values)
    else:
        if _repeats_memory(out):
            return kernel(out, dt, *arrays, *values)
        for v in arrs:
            if v is not out and xp.may_share_memory(out, v) and not _same_memory(out, v):
                return kernel(out, dt, *arrays, *values)
    shape = out.shape
    if not shape or out.size < MIN_SIZE:
        return kernel(out, dt, *arrays, *values)
    blocks = _block_count(out.size, out.itemsize, threads)
    d = _split_axis(shape, blocks)
    extent = shape[d]
    blocks = min(blocks, extent)
    if blocks <= 1:
        return kernel(out, dt, *arrays, *values)
    step = -(-extent // blocks)
    blocks = -(-extent // step)
    nd = out.ndim
    lead = (slice(None),) * d
    # per operand: None (passed whole), "out" (it is `out`), or the axis it is sliced along
    plan = []
    for v in arrays:
        if v is out:
            plan.append("out")
        elif v.__class__ is xp.ndarray and v.ndim:
            ax = d - (nd - v.ndim)
            plan.append(ax if ax >= 0 and v.shape[ax] != 1 else None)
        else:
            plan.append(None)

    def body(i):
        idx = slice(i * step, (i + 1) * step)
        o = out[lead + (idx,)]
        ops = []
        for v, p in zip(arrays, plan):
            if p is None:
                ops.append(v)
            elif p == "out":
                ops.append(o)
            else:
                ops.append(v[(slice(None),) * p + (idx,)])
        kernel(o, dt, *ops, *values)

    run_blocks(body, blocks)
    return out


def _integral(dt, arrays):
    """Whether the op computes in integers (`kernels.is_integral`): kernels that refuse
    integer zero divisors look at the whole divisor first, so they are not split then (a
    refusal could come after other blocks were written)."""
    if dt is not None:
        return dt.kind in "iub"
    return xp.result_type(*arrays).kind in "iub"


def _fresh_result(kernel, dt, arrays, values, arrs):
    """A new C-ordered array for an out-of-place result, in the dtype the kernel gives (found
    on one element of each operand), or None when that cannot be known."""
    probe = [v[(slice(0, 1),) * v.ndim] if v.__class__ is xp.ndarray and v.ndim else v
             for v in arrays]
    try:
        r = kernel(None, dt, *probe, *values)
        shape = xp.broadcast_shapes(*(v.shape for v in arrs))
    except Exception:   # noqa: BLE001 -- the one call that follows raises it as before
        return None
    if r.__class__ is not xp.ndarray:
        return None
    return xp.empty(shape, r.dtype)


# ------------------------------------------------------------------------- sums

def add_reduce(a, axis, dtype, keepdims):
    """`np.add.reduce(a, axis, dtype, keepdims=keepdims)`, on several threads where the result
    is bit-identical (see the module docstring)."""
    threads = get_num_threads()
    if (threads > 1 and a.size >= MIN_SIZE and a.flags.c_contiguous
            and not getattr(_local, "helper", False)):
        dt = xp.dtype(dtype) if dtype is not None else a.dtype
        axes = range(a.ndim) if axis is None else (axis,) if axis.__class__ is int else axis
        if len(axes) == a.ndim:
            r = _sum_all(a.reshape(-1), dt, threads)
            if r is not None:
                return xp.asarray(r).reshape((1,) * a.ndim) if keepdims else r
        elif 0 not in axes and a.shape[0] > 1:
            return _sum_rows(a, axis, dt, keepdims, threads)
    return xp.add.reduce(a, axis, dtype, keepdims=keepdims)


def _sum_all(flat, dt, threads):
    kind = dt.kind
    if kind in "iub" and flat.dtype.kind in "iub":
        # integer addition wraps the same way in any order
        n = flat.size
        blocks = _block_count(n, flat.itemsize, threads)
        step = -(-n // blocks)
        parts = [None] * (-(-n // step))

        def body(i):
            parts[i] = xp.add.reduce(flat[i * step:(i + 1) * step], None, dt)
        run_blocks(body, len(parts))
        return xp.add.reduce(xp.array(parts, dt), None, dt)
    if kind == "f" and flat.dtype == dt and dt.itemsize >= 4:
        return _pairwise(flat, threads)
    return None


def _pairwise(flat, threads):
    """NumPy's pairwise sum of a contiguous float array, its subtrees summed in parallel."""
    leaf = max(MIN_BLOCK, flat.size // _block_count(flat.size, flat.itemsize, threads))
    spans = []

    def tree(start, n):   # the shape of NumPy's recursion (pairwise_sum in loops_utils.h)
        if n <= leaf:
            spans.append((start, start + n))
            return len(spans) - 1
        half = n // 2
        half -= half % 8
        return (tree(start, half), tree(start + half, n - half))

    root = tree(0, flat.size)
    sums = [None] * len(spans)

    def body(i):
        s, e = spans[i]
        sums[i] = xp.add.reduce(flat[s:e])
    run_blocks(body, len(spans))

    def fold(node):
        if node.__class__ is int:
            return sums[node]
        return fold(node[0]) + fold(node[1])   # NumPy scalars: added in the array's dtype
    return fold(root)


def _sum_rows(a, axis, dt, keepdims, threads):
    """A reduction that keeps axis 0, split along it: each row is summed as in one call."""
    first = xp.add.reduce(a[:1], axis, dt, keepdims=keepdims)
    out = xp.empty((a.shape[0],) + first.shape[1:], first.dtype)
    blocks = min(a.shape[0], _block_count(a.size, a.itemsize, threads))
    step = -(-a.shape[0] // blocks)

    def body(i):
        s = slice(i * step, (i + 1) * step)
        xp.add.reduce(a[s], axis, dt, keepdims=keepdims, out=out[s])
    run_blocks(body, -(-a.shape[0] // step))
    return out
