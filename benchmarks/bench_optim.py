"""Optimizer step time: insitu vs torch on the parameters of a 784-1024-1024 MLP (float32).

    python benchmarks/bench_optim.py            # median of 15 rounds of 10 steps
    python benchmarks/bench_optim.py --quick    # median of 5 rounds of 5 steps
    python benchmarks/bench_optim.py --all      # also amsgrad, weight decay, maximize, Nesterov,
                                                # RMSprop and Adagrad

Only `step()` is timed: the gradients are filled once (the same random values for both
libraries) and every step reuses them. The two libraries run in the same process, round by
round in turn (insitu, torch, then both again on one thread), so that the load of the machine
falls on both alike; each time is the median over the rounds. Prints milliseconds per step and
the ratios insitu/torch at the default number of threads and on one thread
(torch.set_num_threads(1) / insitu.set_num_threads(1)).
"""
import argparse
import statistics
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
MORE = [
    ("Adam", dict(lr=1e-3, amsgrad=True)),
    ("Adam", dict(lr=1e-3, weight_decay=1e-2, maximize=True)),
    ("AdamW", dict(lr=1e-3, amsgrad=True)),
    ("SGD", dict(lr=1e-2)),
    ("SGD", dict(lr=1e-2, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    ("RMSprop", dict(lr=1e-3)),
    ("Adagrad", dict(lr=1e-2)),
]


def params(lib, values, grads):
    ps = []
    for v, g in zip(values, grads):
        p = (nn.Parameter(insitu.tensor(v)) if lib is insitu else
             torch.nn.Parameter(torch.tensor(v)))
        p.grad = insitu.tensor(g) if lib is insitu else torch.tensor(g)
        ps.append(p)
    return ps


def seconds(opt, steps):
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.step()
    return (time.perf_counter() - t0) / steps


def one_thread(lib, fn):
    threads = lib.get_num_threads()
    lib.set_num_threads(1)
    try:
        return fn()
    finally:
        lib.set_num_threads(threads)


def measure(name, kw, values, grads, steps, rounds):
    """Median ms per step of insitu and torch, at default threads and on one thread, the four
    timed in turn round after round."""
    opts = {key: getattr(lib, name)(params(mod, values, grads), **kw)
            for key, lib, mod in (("mine", optim, insitu), ("theirs", torch.optim, torch),
                                  ("mine 1t", optim, insitu), ("theirs 1t", torch.optim, torch))}
    for opt in opts.values():
        opt.step()                   # the first step creates the state
    times = {key: [] for key in opts}
    for _ in range(rounds):
        for key, opt in opts.items():
            if key.endswith("1t"):
                lib = insitu if key.startswith("mine") else torch
                times[key].append(one_thread(lib, lambda: seconds(opt, steps)))
            else:
                times[key].append(seconds(opt, steps))
    return {key: statistics.median(t) * 1e3 for key, t in times.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--all", action="store_true")
    args = ap.parse_args()
    steps, rounds = (5, 5) if args.quick else (10, 15)
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    n = sum(v.size for v in values)
    print(f"{n:,} float32 parameters; ms per step, median of {rounds} rounds of {steps} steps; "
          f"torch on {torch.get_num_threads()} threads, then 1")
    print(f"{'optimizer':<52}{'insitu':>8}{'torch':>8}{'ratio':>7}"
          f"{'insitu 1t':>10}{'torch 1t':>9}{'ratio 1t':>9}")
    for name, kw in CONFIGS + (MORE if args.all else []):
        t = measure(name, kw, values, grads, steps, rounds)
        label = name + "(" + ", ".join(f"{k}={v}" for k, v in kw.items()) + ")"
        print(f"{label:<52}{t['mine']:>8.2f}{t['theirs']:>8.2f}{t['mine'] / t['theirs']:>7.2f}"
              f"{t['mine 1t']:>10.2f}{t['theirs 1t']:>9.2f}"
              f"{t['mine 1t'] / t['theirs 1t']:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
