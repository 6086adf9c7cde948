"""Per-op overhead and bandwidth: insitu vs torch vs NumPy, measured in the same run.

    python benchmarks/bench_ops.py            # full run (about a minute)
    python benchmarks/bench_ops.py --quick    # fewer repetitions

Prints microseconds per call on 3- and 100-element float32 tensors, the ratio insitu/torch, the
geometric mean over the tiny in-place ops, GB/s for add_ on 2**24 elements, and the bytes a large
in-place op allocates (tracemalloc: NumPy reports its allocations there).

The three libraries are timed in turn, round after round (best round of each), so that a load
that comes and goes hits them alike; `--cpu-time` times with this thread's CPU clock instead of
the wall clock (on a machine shared with other jobs, time spent waiting for a core is left out).
"""
import argparse
import math
import time
import timeit
import tracemalloc

import numpy as np

import insitu

try:
    import torch
except ImportError:  # the ratios need torch; NumPy and insitu still print
    torch = None

# (name, insitu/torch statement, numpy statement); `a`, `b` are tensors, `na`, `nb` arrays
TINY_INPLACE = [
    ("add_(1)", "a.add_(1)", "np.add(na, 1, out=na)"),
    ("mul_(2.0)", "a.mul_(2.0)", "np.multiply(na, 2.0, out=na)"),
    ("clamp_(0, 1)", "a.clamp_(0, 1)", "np.clip(na, 0, 1, out=na)"),
    ("zero_()", "a.zero_()", "na.fill(0)"),
    ("chain of 3", "a.add_(1).mul_(2).sub_(1)",
     "np.add(na, 1, out=na); np.multiply(na, 2, out=na); np.subtract(na, 1, out=na)"),
]
OTHERS = [
    ("add_(b)", "a.add_(b)", "np.add(na, nb, out=na)"),
    ("a + b", "a + b", "na + nb"),
    ("a.exp()", "a.exp()", "np.exp(na)"),
]


TIMER = [time.perf_counter]


def interleaved_us(cases, number, repeat):
    """Best microseconds per call of each (statement, globals), timed in turn `repeat` times."""
    timers = [timeit.Timer(stmt, globals=env, timer=TIMER[0]) for stmt, env in cases]
    best = [float("inf")] * len(cases)
    for _ in range(repeat):
        for i, t in enumerate(timers):
            best[i] = min(best[i], t.timeit(number))
    return [b / number * 1e6 for b in best]


def overhead_table(n, number, repeat):
    env = {"np": np, "a": insitu.ones(n), "b": insitu.ones(n),
           "na": np.ones(n, np.float32), "nb": np.ones(n, np.float32)}
    tenv = {"a": torch.ones(n), "b": torch.ones(n)} if torch else None
    print(f"\n{n}-element float32 tensors (us per call, best of {repeat} interleaved rounds)")
    print(f"{'op':<14}{'insitu':>9}{'torch':>9}{'numpy':>9}{'insitu/torch':>14}")
    ratios = {}
    for name, stmt, npstmt in TINY_INPLACE + OTHERS:
        cases = [(stmt, env), (npstmt, env)] + ([(stmt, tenv)] if torch else [])
        ti, tn, *tt = interleaved_us(cases, number, repeat)
        tt = tt[0] if torch else float("nan")
        ratios[name] = ti / tt
        print(f"{name:<14}{ti:>9.2f}{tt:>9.2f}{tn:>9.2f}{ti / tt:>14.2f}")
    tiny = [ratios[name] for name, _, _ in TINY_INPLACE]
    geo = math.exp(sum(math.log(r) for r in tiny) / len(tiny))
    print(f"geometric mean insitu/torch over the tiny in-place ops: {geo:.2f}")
    return geo, ratios["a + b"]


def bandwidth(repeat):
    n = 2 ** 24
    a, b = insitu.ones(n), insitu.ones(n)
    na, nb = np.ones(n, np.float32), np.ones(n, np.float32)
    bytes_moved = 3 * n * 4  # read a, read b, write a
    res = {}
    res["insitu"] = min(timeit.repeat(lambda: a.add_(b), number=5, repeat=repeat)) / 5
    res["numpy"] = min(timeit.repeat(lambda: np.add(na, nb, out=na), number=5, repeat=repeat)) / 5
    if torch:
        ta, tb = torch.ones(n), torch.ones(n)
        res["torch"] = min(timeit.repeat(lambda: ta.add_(tb), number=5, repeat=repeat)) / 5
    print("\nadd_ on 2**24 float32 elements (GB/s)")
    for k, t in res.items():
        print(f"{k:<8}{bytes_moved / t / 1e9:>8.2f}")
    if torch:
        print(f"insitu bandwidth / torch bandwidth: {res['torch'] / res['insitu']:.2f}")

    insitu.memory.reset_peak()
    base = insitu.memory.allocated()
    tracemalloc.start()
    a.add_(b).mul_(2.0).clamp_(0, 10)
    with insitu.no_grad():
        a.sub_(1)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"add_, mul_, clamp_, sub_ on 2**24 elements: {insitu.memory.peak() - base} bytes of "
          f"new tensor storage; tracemalloc peak {traced_peak} bytes (Python objects only, "
          f"a 2**24 float32 buffer would be {n * 4})")


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--cpu-time", action="store_true", help="time with this thread's CPU clock")
    a = p.parse_args(argv)
    if a.cpu_time:
        TIMER[0] = time.thread_time
    number, repeat = (5000, 10) if a.quick else (10000, 25)
    geo3, add3 = overhead_table(3, number, repeat)
    geo100, add100 = overhead_table(100, number, repeat)
    bandwidth(3 if a.quick else 5)
    print(f"\nsummary: tiny in-place geomean {geo3:.2f} (3 elements), {geo100:.2f} (100 elements); "
          f"out-of-place add {add3:.2f} / {add100:.2f} of torch's time")


if __name__ == "__main__":
    main()
