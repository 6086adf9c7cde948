"""conv2d, conv_transpose2d and max_pool2d: insitu against torch in the same run, single-threaded.

    python benchmarks/bench_conv.py            # best of 40 calls
    python benchmarks/bench_conv.py --quick    # fewer repetitions

Both libraries run on one thread (torch.set_num_threads(1), insitu.set_num_threads(1); OpenBLAS
pinned to one thread through its environment variable, set here before NumPy loads), timed in that thread's CPU
time (best of the repeats). For each layer and shape it prints milliseconds per call for the forward alone and for forward + backward (the gradient of
every input that requires one), and the ratio insitu/torch. It also prints the bytes each
library's graph keeps for the layer's backward.
"""
import argparse
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import time  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402

import insitu  # noqa: E402
import insitu.nn.functional as F  # noqa: E402
from insitu.autograd import graph  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as TF  # noqa: E402

torch.set_num_threads(1)
insitu.set_num_threads(1)

BATCH, SIZE = 8, 32
CHANNELS = [(3, 16), (16, 32)]


def cases():
    rng = np.random.default_rng(0)
    for cin, cout in CHANNELS:
        x = rng.standard_normal((BATCH, cin, SIZE, SIZE)).astype(np.float32)
        w = (rng.standard_normal((cout, cin, 3, 3)) * 0.1).astype(np.float32)
        b = rng.standard_normal(cout).astype(np.float32)
        yield (f"conv2d {cin}->{cout} k3 p1", [x, w, b],
               lambda lib, x, w, b: (F if lib is insitu else TF).conv2d(x, w, b, padding=1))
        wt = (rng.standard_normal((cin, cout, 3, 3)) * 0.1).astype(np.float32)
        yield (f"conv_transpose2d {cin}->{cout} k3 s2 p1 op1", [x, wt, b],
               lambda lib, x, w, b: (F if lib is insitu else TF).conv_transpose2d(
                   x, w, b, stride=2, padding=1, output_padding=1))
    for c in (16, 32):
        x = rng.standard_normal((BATCH, c, SIZE, SIZE)).astype(np.float32)
        yield (f"max_pool2d {c}ch k2 s2", [x],
               lambda lib, x: (F if lib is insitu else TF).max_pool2d(x, 2))
        yield (f"max_pool2d {c}ch k3 s2 p1", [x],
               lambda lib, x: (F if lib is insitu else TF).max_pool2d(x, 3, 2, 1))


def per_call_ms(fn, number, repeat):
    """The best of `repeat` timings of `number` calls, in this thread's CPU time: both
    libraries run on this one thread, and CPU time leaves out the time a busy machine gives
    to other processes (wall time would bias long calls, which get preempted more often)."""
    fn()
    timer = timeit.Timer(fn, timer=time.thread_time)
    return min(timer.repeat(number=number, repeat=repeat)) / number * 1e3


def measure(lib, arrays, layer, number, repeat):
    ins = [lib.tensor(a, requires_grad=True) for a in arrays]
    with lib.no_grad():
        forward = per_call_ms(lambda: layer(lib, *ins), number, repeat)
    out = layer(lib, *ins)
    g = lib.ones_like(out)

    def step():
        for t in ins:
            t.grad = None
        layer(lib, *ins).backward(g)

    both = per_call_ms(step, number, repeat)
    out = layer(lib, *ins)
    return forward, both, saved_bytes(lib, out)


def saved_bytes(lib, out):
    if lib is insitu:
        return graph.saved_bytes(out)
    seen, total = set(), 0
    for name in dir(out.grad_fn):
        if name.startswith("_saved_"):
            v = getattr(out.grad_fn, name)
            if isinstance(v, torch.Tensor) and id(v) not in seen:
                seen.add(id(v))
                total += v.numel() * v.element_size()
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    number, repeat = (1, 10) if args.quick else (1, 40)
    head = (f"{'layer (batch 8, 32x32, float32)':<40}{'fwd ms':>9}{'torch':>8}{'ratio':>7}"
            f"{'f+b ms':>9}{'torch':>8}{'ratio':>7}{'saved KiB':>11}{'torch':>8}")
    print("single-threaded (torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1)")
    print(head)
    ratios = []
    for name, arrays, layer in cases():
        fi, bi, si = measure(insitu, arrays, layer, number, repeat)
        ft, bt, st = measure(torch, arrays, layer, number, repeat)
        ratios += [fi / ft, bi / bt]
        print(f"{name:<40}{fi:>9.3f}{ft:>8.3f}{fi / ft:>7.2f}{bi:>9.3f}{bt:>8.3f}{bi / bt:>7.2f}"
              f"{si / 1024:>11.1f}{st / 1024:>8.1f}")
    geo = float(np.exp(np.mean(np.log(ratios))))
    print(f"geometric mean insitu/torch: {geo:.2f}; worst: {max(ratios):.2f}")


if __name__ == "__main__":
    main()
