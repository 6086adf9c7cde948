"""Large ops split over threads (`insitu.ops.parallel`) give the values of one call, bit for
bit: elementwise table ops (every one, in every form), sums, copies of views and broadcasts,
in-place ops on views; errors and Ctrl-C come back from the helpers; a forked child makes its
own pool; `set_num_threads` decides. The thresholds are lowered so that small arrays are split
into many blocks."""
import gc
import itertools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc

import numpy as np
import pytest

import insitu
from insitu import memory
from insitu.ops import parallel
from insitu.ops.table import _ALL_OPS

THREADS = 3     # more than the helpers a 2-core machine would start by default


@pytest.fixture
def split(monkeypatch):
    """Split everything of 2000 elements or more into blocks of at least 64; count the calls
    that ran on several threads."""
    monkeypatch.setattr(parallel, "MIN_SIZE", 2000)
    monkeypatch.setattr(parallel, "MIN_BLOCK", 64)
    calls = []
    run = parallel.run_blocks

    def counting(body, count):
        calls.append(count)
        return run(body, count)
    monkeypatch.setattr(parallel, "run_blocks", counting)
    before = insitu.get_num_threads()
    yield calls
    insitu.set_num_threads(before)


def both(fn):
    """fn() with 1 thread and with THREADS threads."""
    insitu.set_num_threads(1)
    one = fn()
    insitu.set_num_threads(THREADS)
    return one, fn()


def same(a, b):
    a = a.numpy() if isinstance(a, insitu.Tensor) else np.asarray(a)
    b = b.numpy() if isinstance(b, insitu.Tensor) else np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape and a.strides == b.strides
    assert a.tobytes() == b.tobytes()


def rand(*shape, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 3
    return insitu.tensor(x.astype(dtype))


# ------------------------------------------------------------------------- elementwise

CASES = {
    "a + b": lambda a, b: a + b,
    "a * 2.5": lambda a, b: a * 2.5,
    "2 - a": lambda a, b: 2 - a,
    "a / b": lambda a, b: a / b,
    "exp": lambda a, b: a.exp(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "tanh": lambda a, b: insitu.tanh(a),
    "a > b": lambda a, b: a > b,
    "where": lambda a, b: insitu.where(a > 0, a, b),
    "clamp": lambda a, b: a.clamp(-1, 1),
    "lerp": lambda a, b: a.lerp(b, 0.3),
    "addcmul": lambda a, b: a.addcmul(b, b, value=0.25),
    "add alpha": lambda a, b: a.add(b, alpha=0.7),
    "row broadcast": lambda a, b: a * b[0],
    "column broadcast": lambda a, b: a - b[:, :1].contiguous(),
    "0-dim operand": lambda a, b: a * b[0, 0],
    "pow": lambda a, b: a.abs() ** b,
    "gelu": lambda a, b: insitu.nn.functional.gelu(a, approximate="tanh"),
    "clone": lambda a, b: a.clone(),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_of_place_ops_give_the_single_threaded_bits(split, name, dtype):
    a, b = rand(300, 70, dtype=dtype), rand(300, 70, dtype=dtype, seed=1)
    one, many = both(lambda: CASES[name](a, b))
    same(one, many)
    assert split


INPLACE = {
    "add_": lambda x, b: x.add_(b),
    "mul_": lambda x, b: x.mul_(1.5),
    "sub_ alpha": lambda x, b: x.sub_(b, alpha=0.5),
    "div_": lambda x, b: x.div_(b),
    "exp_": lambda x, b: x.exp_(),
    "sigmoid_": lambda x, b: x.sigmoid_(),
    "clamp_": lambda x, b: x.clamp_(-1, 1),
    "addcdiv_": lambda x, b: x.addcdiv_(b, b.abs() + 1, value=0.5),
    "lerp_": lambda x, b: x.lerp_(b, 0.7),
    "copy_": lambda x, b: x.copy_(b),
    "fill_": lambda x, b: x.fill_(0.25),
    "relu_": lambda x, b: x.relu_(),
    "iadd": lambda x, b: x.__iadd__(b),
    "add_ self": lambda x, b: x.add_(x),
}
VIEWS = {
    "contiguous": lambda t: t,
    "transposed": lambda t: t.t(),
    "strided rows": lambda t: t[::2],
    "strided columns": lambda t: t[:, 1::3],
    "inner block": lambda t: t[5:-5, 3:-3],
}


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("name", sorted(INPLACE))
def test_in_place_ops_on_views_give_the_single_threaded_bits(split, name, view):
    def run():
        base = rand(400, 90)
        x = VIEWS[view](base)
        b = rand(*x.shape, seed=2)
        INPLACE[name](x, b)
        return base
    one, many = both(run)
    same(one, many)
    assert split


def test_out_of_place_ops_of_views_keep_numpys_layout(split):
    a, b = rand(300, 70), rand(300, 70, seed=1)
    for f in [lambda: a.t() + b.t(), lambda: a.t().exp(), lambda: a - b[:, :1],
              lambda: a[::2] * b[1::2]]:
        one, many = both(f)
        same(one, many)


def test_broadcast_and_non_contiguous_sources_of_copy(split):
    def run():
        dst = insitu.zeros(200, 64, dtype=insitu.float64)
        dst.t().copy_(rand(64, 200))                      # transposed, another dtype
        dst[100:].copy_(rand(64))                         # a row broadcast
        dst[:50].copy_(rand(50, 1))                       # a column broadcast
        dst[50:100].copy_(rand(50, 128)[:, ::2])          # a strided source
        return dst
    one, many = both(run)
    same(one, many)
    assert split


def test_out_form_and_integer_ops(split):
    def run():
        a = insitu.arange(30000, dtype=insitu.int32).reshape(300, 100)
        out = insitu.empty(300, 100, dtype=insitu.int32)
        insitu.add(a, 7, out=out)
        r = [out.clone(), a * a, a // 7, a % 5, a.int().bitwise_xor(a), a & 3, a.float() / 3]
        x = insitu.ones(300, 100, dtype=insitu.int8)
        x.add_(300)                                       # wraps, as PyTorch's integer math
        return r + [x]
    for one, many in zip(*both(run)):
        same(one, many)
    assert split


def test_integer_zero_division_refuses_before_any_write(split):
    # threads change nothing: no element is written, no version bumped
    x = insitu.arange(30000, dtype=insitu.int64) + 1
    y = insitu.ones(30000, dtype=insitu.int64)
    y[-1] = 0
    insitu.set_num_threads(THREADS)
    v = x._version
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        x.remainder_(y)
    assert x._version == v and x.tolist() == list(range(1, 30001))


def test_overlapping_operands_are_refused_or_copied_as_in_one_call(split):
    def run(f):
        x = rand(30000)
        try:
            f(x)
        except RuntimeError as e:
            return str(e)
        return x
    for f in [lambda x: insitu.add(x[1:], x[:-1], out=x[1:]), lambda x: x[1:].add_(x[:-1]),
              lambda x: x[:15000].mul_(x[15000:]), lambda x: x[::2].copy_(x[1::2])]:
        one, many = both(lambda: run(f))
        if isinstance(one, str):
            assert one == many
        else:
            same(one, many)


def test_numpys_error_handling_of_the_caller_holds_in_the_helpers():
    main = threading.current_thread()
    big = np.full(1000, 100.0, np.float32)

    def body(i):
        time.sleep(0.001)
        if threading.current_thread() is not main:
            np.exp(big)
    before = insitu.get_num_threads()
    insitu.set_num_threads(THREADS)
    try:
        with np.errstate(over="raise"):
            with pytest.raises(FloatingPointError):
                for _ in range(20):        # until a helper took a block
                    parallel.run_blocks(body, 16)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for _ in range(5):
                parallel.run_blocks(body, 16)   # insitu's default: inf, silently
    finally:
        insitu.set_num_threads(before)


REQUIRED = {"threshold": 0.5, "value": -1.0, "lower": 0.1, "upper": 0.3, "_exponent": 2,
            "p": 1, "n": 1}   # mvlgamma's dimension, polygamma's order


def _sample_args(op, integers):
    """Operands for a generic call: random tensors of one shape (floats, or integers for the
    bitwise ops), booleans for conditions and masks, numbers for Scalar operands; and the
    required parameters."""
    args = []
    for i, a in enumerate(x for x in op.args if x.operand):
        if a.scalar and a.name != "self":
            args.append(3 if integers else 0.5)
            continue
        t = rand(120, 40, seed=i)
        if a.name in ("condition", "mask"):
            t = t > 0
        elif integers:
            t = (t * 100).int()
        args.append(t)
    kwargs = {a.name: REQUIRED[a.name] for a in op.args
              if not a.operand and a.default == "<required>"}
    return args, kwargs


POINTWISE = [(f"{op.name}-{i}", op) for i, op in enumerate(_ALL_OPS)
             if op.pointwise and op.variants & {"function", "method", "inplace"}]


@pytest.mark.parametrize("name,op", POINTWISE, ids=[n for n, _ in POINTWISE])
def test_every_pointwise_table_op_gives_the_single_threaded_bits(split, name, op):
    from insitu.ops.codegen import entry_points
    forms = entry_points(op)
    tried = 0
    for integers in (False, True):
        args, kwargs = _sample_args(op, integers)
        fn = forms.get("function") or forms.get("method")
        if fn is not None:
            insitu.set_num_threads(1)
            try:
                one = fn(*args, **kwargs)
            except Exception:   # noqa: BLE001 -- refused for these dtypes
                one = None
            if one is not None:
                insitu.set_num_threads(THREADS)
                same(one, fn(*args, **kwargs))
                tried += 1
        if "inplace" in forms and op.tensors[0] == "self":
            views = [a.t() if isinstance(a, insitu.Tensor) else a for a in args]
            x1, x2 = args[0].clone(), args[0].clone()
            insitu.set_num_threads(1)
            try:
                forms["inplace"](x1.t(), *views[1:], **kwargs)
            except Exception:   # noqa: BLE001
                x1 = None
            if x1 is not None:
                insitu.set_num_threads(THREADS)
                forms["inplace"](x2.t(), *views[1:], **kwargs)
                same(x1, x2)
                tried += 1
    if not tried:
        pytest.skip(f"{name} needs arguments this generic call does not give")


def test_non_pointwise_ops_are_not_split(split):
    from insitu.ops.table import FUNCTION_OPS
    x, y = rand(300, 100), rand(300, 100)
    insitu.set_num_threads(THREADS)
    before = len(split)
    x.cumsum_(0)
    y.tril_(3)
    assert len(split) == before
    assert not FUNCTION_OPS["tril"].pointwise and FUNCTION_OPS["add"].pointwise


# ------------------------------------------------------------------------- sums

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_sums_follow_numpys_pairwise_tree_bit_for_bit(split, dtype):
    rng = np.random.default_rng(5)
    insitu.set_num_threads(THREADS)
    for n in [2000, 2001, 4103, 65536 + 7, 99991, 250000]:
        a = (rng.standard_normal(n) * 10.0 ** rng.uniform(-4, 4, n)).astype(dtype)
        got = insitu.tensor(a).sum()
        assert got.numpy().tobytes() == np.add.reduce(a).tobytes(), n
        assert insitu.tensor(a).mean().numpy().tobytes() == \
            (np.sum(a) / a.dtype.type(n)).astype(dtype).tobytes()
    assert split


def test_sums_of_special_values_and_other_dtypes(split):
    cases = [np.full(5000, -0.0, np.float32), np.r_[np.ones(4000), np.inf, -np.inf],
             np.r_[np.ones(4000, np.float32), np.nan],
             np.arange(9000, dtype=np.int32) * 100003, np.arange(9000) % 3 == 0,
             np.random.default_rng(0).standard_normal(9000).astype(np.float16),
             (np.arange(90000) % 251).astype(np.uint8)]
    for a in cases:
        one, many = both(lambda: insitu.tensor(a).sum())
        same(one, many)
    assert split


def test_sums_over_dims_and_views(split):
    x = rand(40, 30, 20)
    for f in [lambda: x.sum(dim=(1, 2)), lambda: x.sum(dim=-1, keepdim=True),
              lambda: x.sum(dim=0), lambda: x.sum(dim=(0, 2)), lambda: x[0].t().sum(),
              lambda: x.sum(keepdim=True), lambda: x.mean(dim=2), lambda: x[::2].sum(),
              lambda: x.sum(dim=1, dtype=insitu.float64)]:
        one, many = both(f)
        same(one, many)
    assert split


def test_a_sum_of_2_24_elements_with_the_real_thresholds():
    a = np.random.default_rng(7).standard_normal(2 ** 24 + 5).astype(np.float32)
    before = insitu.get_num_threads()
    try:
        insitu.set_num_threads(2)
        assert insitu.tensor(a).sum().numpy().tobytes() == np.add.reduce(a).tobytes()
    finally:
        insitu.set_num_threads(before)


# ------------------------------------------------------------------------- memory

@pytest.mark.parametrize("name", ["add_", "mul_", "exp_", "copy_", "iadd", "clamp_"])
def test_split_in_place_ops_allocate_nothing(split, name):
    insitu.set_num_threads(THREADS)
    x, b = rand(250_000), rand(250_000, seed=1)
    with insitu.no_grad():
        INPLACE[name](x, b)             # warm: dtype decisions, the pool
        gc.collect()                    # no earlier test's garbage freed in between
        gc.disable()
        before = memory.allocated()
        tracemalloc.start()
        try:
            INPLACE[name](x, b)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            gc.enable()
    assert memory.allocated() == before
    assert peak < 250_000 * 4 // 64     # block views and the job: nothing array-sized
    assert split


def test_each_thread_has_its_own_scratch():
    from insitu.ops.kernels import scratch
    mine = scratch(0, np.dtype(np.float64), (10,))
    seen = []
    t = threading.Thread(target=lambda: seen.append(scratch(0, np.dtype(np.float64), (10,))))
    t.start()
    t.join()
    assert not np.shares_memory(mine, seen[0])
    assert np.shares_memory(mine, scratch(0, np.dtype(np.float64), (5,)))


# ------------------------------------------------------------------------- the pool

def test_run_blocks_runs_every_block_once_on_several_threads():
    before = insitu.get_num_threads()
    insitu.set_num_threads(THREADS)
    try:
        seen, names = [], set()

        def body(i):
            time.sleep(0.002)
            seen.append(i)
            names.add(threading.current_thread().name)
        parallel.run_blocks(body, 40)
        assert sorted(seen) == list(range(40))
        assert parallel.pool_size() >= THREADS - 1
        assert len(names) > 1
    finally:
        insitu.set_num_threads(before)


def test_an_exception_in_a_helper_propagates_and_the_pool_keeps_working():
    before = insitu.get_num_threads()
    insitu.set_num_threads(THREADS)
    try:
        main = threading.current_thread()

        def body(i):
            time.sleep(0.001)
            if threading.current_thread() is not main:
                raise ValueError(f"block {i}")
        with pytest.raises(ValueError, match="block"):
            for _ in range(20):         # until a helper took a block
                parallel.run_blocks(body, 16)
        done = []
        parallel.run_blocks(done.append, 100)
        assert sorted(done) == list(range(100))
    finally:
        insitu.set_num_threads(before)


def _python(code, timeout=120):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.join(os.path.dirname(__file__), "..", "..", "src"), os.environ.get(
            "PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_keyboard_interrupt_during_a_split_op_stops_it_without_hanging():
    r = _python("""
        import _thread, threading, time
        import insitu
        from insitu.ops import parallel
        insitu.set_num_threads(3)
        main = threading.current_thread()
        ran = []
        def body(i):
            ran.append(i)
            if threading.current_thread() is not main and len(ran) > 3:
                _thread.interrupt_main()
            time.sleep(0.01)
        try:
            parallel.run_blocks(body, 10_000)
        except KeyboardInterrupt:
            print("interrupted after", len(ran) < 10_000)
        n = len(ran)
        time.sleep(0.2)
        print("nothing ran after", len(ran) == n)
        x = insitu.ones(1 << 20)
        print("pool works", x.add_(1).sum().item() == 2 * (1 << 20))
    """)
    assert r.stdout.split("\n")[:3] == ["interrupted after True", "nothing ran after True",
                                        "pool works True"], r.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_makes_its_own_pool():
    r = _python("""
        import os, numpy as np
        import insitu
        from insitu.ops import parallel
        insitu.set_num_threads(2)
        x = insitu.ones(1 << 20)
        x.add_(1)
        assert parallel.pool_size() == 1
        pid = os.fork()
        if pid == 0:
            ok = parallel.pool_size() == 0
            y = insitu.arange(1 << 20, dtype=insitu.float32)
            ok = ok and (y * 2).sum().item() == float(np.add.reduce(np.arange(1 << 20,
                dtype=np.float32) * 2))
            ok = ok and parallel.pool_size() == 1
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status))
        print("parent", x.sum().item() == 2 * (1 << 20))
    """)
    assert r.stdout.split("\n")[:2] == ["child 0", "parent True"], r.stderr


def test_one_thread_starts_no_pool_and_the_count_decides_the_helpers():
    r = _python("""
        import insitu
        from insitu.ops import parallel
        insitu.set_num_threads(1)
        x = insitu.ones(1 << 20)
        x.add_(1).mul_(2).exp_().sum()
        print(parallel.pool_size())
        insitu.set_num_threads(4)
        x.add_(1)
        print(parallel.pool_size())
    """)
    assert r.stdout.split("\n")[:2] == ["0", "3"], r.stderr


def test_a_finished_job_holds_no_array():
    # helpers that wake after the caller has run every block find the job still in the queue;
    # it must not keep the operands alive there (their memory would outlive the tensors)
    a = np.ones(50_000, np.float32)
    before = sys.getrefcount(a)
    job = parallel._Job(lambda i: a.__iadd__(1), 4)    # the body holds `a`, as a kernel's does
    job.run()                                          # no helper took part
    after = sys.getrefcount(a)      # (not inside the assert: its rewriting holds a reference)
    assert job.body is None and after == before and a[0] == 5
