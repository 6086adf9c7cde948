"""Optimizer step time: insitu vs torch on the parameters of a 784-1024-1024 MLP.

    python benchmarks/bench_optim.py            # best of 7 rounds of 20 steps
    python benchmarks/bench_optim.py --quick    # best of 3 rounds of 5 steps

Only `step()` is timed: the gradients are filled once (the same random values for both
libraries) and every step reuses them. Prints milliseconds per step and the ratio insitu/torch,
with torch on its default threads and on one thread (NumPy's elementwise ufuncs use one).
"""
import argparse
import time

import numpy as np

import insitu
import insitu.nn as nn
import insitu.optim as optim

import torch

SHAPES = [(1024, 784), (1024,), (1024, 1024), (1024,)]      # Linear(784, 1024), Linear(1024, 1024)
CONFIGS = [
    ("Adam", dict(lr=1e-3)),
    ("AdamW", dict(lr=1e-3, weight_decay=1e-2)),
    ("SGD", dict(lr=1e-2, momentum=0.9)),
]


def params(lib, values, grads):
    ps = []
    for v, g in zip(values, grads):
        p = (nn.Parameter(insitu.tensor(v)) if lib is insitu else
             torch.nn.Parameter(torch.tensor(v)))
        p.grad = insitu.tensor(g) if lib is insitu else torch.tensor(g)
        ps.append(p)
    return ps


def ms_per_step(opt, steps, rounds):
    opt.step()                       # the first step creates the state
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(steps):
            opt.step()
        best = min(best, (time.perf_counter() - t0) / steps)
    return best * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    steps, rounds = (5, 3) if args.quick else (20, 7)
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    n = sum(v.size for v in values)
    threads = torch.get_num_threads()
    print(f"{n:,} float32 parameters; ms per step, best of {rounds} rounds of {steps} steps")
    print(f"{'optimizer':<38}{'insitu':>9}{'torch':>9}{'torch 1t':>10}"
          f"{'ratio':>8}{'ratio 1t':>10}")
    for name, kw in CONFIGS:
        mine = ms_per_step(getattr(optim, name)(params(insitu, values, grads), **kw),
                           steps, rounds)
        theirs = ms_per_step(getattr(torch.optim, name)(params(torch, values, grads), **kw),
                             steps, rounds)
        torch.set_num_threads(1)
        try:
            one = ms_per_step(getattr(torch.optim, name)(params(torch, values, grads), **kw),
                              steps, rounds)
        finally:
            torch.set_num_threads(threads)
        label = name + "(" + ", ".join(f"{k}={v}" for k, v in kw.items()) + ")"
        print(f"{label:<38}{mine:>9.2f}{theirs:>9.2f}{one:>10.2f}"
              f"{mine / theirs:>8.2f}{mine / one:>10.2f}")


if __name__ == "__main__":
    main()
