"""Large ops on several threads: where splitting starts to pay, and the bandwidth at 2**24.

    python benchmarks/bench_threads.py            # crossover sweep and bandwidth (a few minutes)
    python benchmarks/bench_threads.py --quick    # fewer sizes and repetitions
    python benchmarks/bench_threads.py --bandwidth-only

Crossover: for each op and size (2**12 .. 2**22 float32 elements) the time with 1 thread (one
NumPy call on the fast path, as below the threshold) and with 2..N threads (the split forced
at every size),
as the median of interleaved runs. The crossover of an op is the smallest size from which N
threads are faster at every larger size measured; the printed suggestion for
`insitu.ops.parallel.MIN_SIZE` is the largest crossover, so that no op measured loses.

Bandwidth: add_, mul_, exp, sum and copy_ on 2**24 float32 elements, insitu and torch, at
the default thread count and at 1 thread (GB/s from the bytes each op must read and write;
medians of interleaved runs).
"""
import argparse
import statistics
import time

import numpy as np

import insitu
from insitu.ops import parallel

try:
    import torch
except ImportError:  # the sweep needs only insitu
    torch = None


def _ops(lib, n):
    """name -> (call, bytes moved) on fresh float32 operands of n elements."""
    rng = np.random.default_rng(0)
    a = lib.tensor(rng.random(n, dtype=np.float32))
    b = lib.tensor(rng.random(n, dtype=np.float32))
    c = lib.tensor(rng.random(n, dtype=np.float32))
    return {
        "add_": (lambda: a.add_(b), 3 * 4 * n),
        "mul_": (lambda: a.mul_(1.0000001), 2 * 4 * n),
        "exp": (lambda: c.exp(), 2 * 4 * n),
        "sum": (lambda: c.sum(), 4 * n),
        "copy_": (lambda: a.copy_(c), 2 * 4 * n),
        "sigmoid_": (lambda: b.sigmoid_(), 2 * 4 * n),
    }


def _time(fn, number):
    t = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t) / number


def _set_threads(k):
    insitu.set_num_threads(k)
    if torch is not None:
        torch.set_num_threads(k)


def sweep(max_threads, sizes, rounds):
    """{op: {size: {threads: median seconds}}}, the split forced for threads > 1."""
    default_min = parallel.MIN_SIZE
    results = {}
    try:
        for n in sizes:
            ops = _ops(insitu, n)
            number = max(1, int(2e6 // n))            # about 2-20 ms per measurement
            for name, (fn, _) in ops.items():
                times = {k: [] for k in range(1, max_threads + 1)}
                for _ in range(rounds):               # interleaved: the load varies
                    for k in times:
                        _set_threads(k)
                        # 1 thread: the path below the threshold (the generated fast path)
                        parallel.MIN_SIZE = 1 if k > 1 else 1 << 62
                        fn()
                        times[k].append(_time(fn, number))
                results.setdefault(name, {})[n] = {k: statistics.median(v)
                                                   for k, v in times.items()}
    finally:
        parallel.MIN_SIZE = default_min
    return results


def crossover(by_size, threads):
    """The smallest size from which `threads` beat 1 at every larger size (None: never)."""
    found = None
    for n in sorted(by_size, reverse=True):
        if by_size[n][threads] < by_size[n][1]:
            found = n
        else:
            break
    return found


def print_sweep(results, max_threads):
    print(f"time with k threads / time with 1 thread (median), float32; the split forced for "
          f"k > 1")
    sizes = sorted(next(iter(results.values())))
    head = "".join(f"{'2**' + str(n.bit_length() - 1):>9}" for n in sizes)
    suggestion = 0
    for name, by_size in results.items():
        print(f"\n{name:<10}{'1 thread us':>14}" + head)
        row = "".join(f"{by_size[n][1] * 1e6:>9.0f}" for n in sizes)
        print(f"{'':<10}{'':>14}{row}")
        for k in range(2, max_threads + 1):
            row = "".join(f"{by_size[n][k] / by_size[n][1]:>9.2f}" for n in sizes)
            print(f"{'':<10}{str(k) + ' threads':>14}{row}")
        x = crossover(by_size, max_threads)
        label = f"2**{x.bit_length() - 1}" if x else "never"
        print(f"crossover with {max_threads} threads: {label}")
        suggestion = max(suggestion, x or sizes[-1] * 2)
    print(f"\nsuggested MIN_SIZE (largest crossover): 2**{suggestion.bit_length() - 1} "
          f"(now 2**{parallel.MIN_SIZE.bit_length() - 1})")


def bandwidth(rounds, default_threads):
    n = 2 ** 24
    libs = {"insitu": _ops(insitu, n)}
    if torch is not None:
        libs["torch"] = _ops(torch, n)
    names = list(libs["insitu"])
    times = {}
    order = list(libs)
    for r in range(rounds):
        for k in (default_threads, 1):
            _set_threads(k)
            time.sleep(0.3)     # torch's OpenMP workers spin for a while after a parallel op
            for name in names:
                # alternate which library goes first: the one measured just after torch's
                # parallel region shares the cores with its still-spinning workers
                for lib in (order if r % 2 == 0 else order[::-1]):
                    fn = libs[lib][name][0]
                    fn()
                    times.setdefault((name, lib, k), []).append(_time(fn, 3))
    _set_threads(default_threads)
    print(f"\n2**24 float32 elements: GB/s (median of {rounds} interleaved runs)")
    cols = [(lib, k) for k in (default_threads, 1) for lib in libs]
    print(f"{'op':<10}" + "".join(f"{lib + ' ' + str(k) + 't':>13}" for lib, k in cols)
          + "".join(f"{'ratio ' + str(k) + 't':>10}" for k in (default_threads, 1)
                    if torch is not None))
    for name in names:
        moved = libs["insitu"][name][1]
        gbs = {c: moved / statistics.median(times[(name,) + c]) / 1e9 for c in cols}
        line = f"{name:<10}" + "".join(f"{gbs[c]:>13.2f}" for c in cols)
        if torch is not None:
            line += "".join(f"{gbs[('insitu', k)] / gbs[('torch', k)]:>10.2f}"
                            for k in (default_threads, 1))
        print(line)
    if torch is not None:
        print("ratio: insitu bandwidth / torch bandwidth at that thread count")


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--bandwidth-only", action="store_true")
    p.add_argument("--threads", type=int, default=insitu.get_num_threads())
    args = p.parse_args(argv)
    default_threads = insitu.get_num_threads()
    print(f"insitu threads by default: {default_threads}"
          + (f"; torch: {torch.get_num_threads()}" if torch is not None else ""))
    if not args.bandwidth_only:
        sizes = [2 ** e for e in range(12, 23, 2 if args.quick else 1)]
        results = sweep(max(2, args.threads), sizes, 3 if args.quick else 7)
        print_sweep(results, max(2, args.threads))
    bandwidth(5 if args.quick else 11, default_threads)


if __name__ == "__main__":
    main()
