"""Optimizer step time: insitu vs torch on the parameters of a 784-1024-1024 MLP (float32).

    python benchmarks/bench_optim.py            # median of 15 rounds of 10 steps
    python benchmarks/bench_optim.py --quick    # median of 5 rounds of 5 steps
    python benchmarks/bench_optim.py --all      # also amsgrad, weight decay, maximize, Nesterov,
                                                # RMSprop and Adagrad

Only `step()` is timed: the gradients are filled once (the same random values for both
libraries) and every step reuses them. The two libraries run in the same process, round by
round in turn (in alternating order; at the default number of threads, then both on one
thread), so that the load of the machine falls on both alike; each time is the median over the
rounds. Prints milliseconds per step and the ratios insitu/torch at the default number of
threads and on one thread (torch.set_num_threads(1) / insitu.set_num_threads(1)), and on one
thread the ratio of CPU times, which a loaded machine disturbs less than wall-clock time.
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
    """Wall-clock and CPU seconds per step (the CPU time of one thread is its share of a
    machine that other processes load too)."""
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        opt.step()
    return (time.perf_counter() - t0) / steps, (time.process_time() - c0) / steps


def threads(n):
    """Set both libraries to `n` threads (None: their defaults); returns the previous pair."""
    before = (torch.get_num_threads(), insitu.get_num_threads())
    if n is not None:
        torch.set_num_threads(n)
        insitu.set_num_threads(n)
    return before


def phase(pair, steps, rounds, n):
    """Wall and CPU seconds per step of the two optimizers of `pair`, on `n` threads (None: the
    defaults), timed in turn round after round, in alternating order so that neither always
    follows the other. A pause first lets torch's OpenMP threads, still spinning after a
    parallel region, go to sleep: their spinning would count against whatever runs next."""
    before = threads(n)
    try:
        time.sleep(0.5)
        times = {key: [] for key in pair}
        for r in range(rounds):
            for key in (list(pair) if r % 2 == 0 else list(pair)[::-1]):
                times[key].append(seconds(pair[key], steps))
        return times
    finally:
        torch.set_num_threads(before[0])
        insitu.set_num_threads(before[1])


def measure(name, kw, values, grads, steps, rounds):
    """Median ms per step of insitu and torch at the default number of threads, then on one
    thread (each pair timed in turn, round after round); and the median CPU ms of the two on one
    thread."""
    def pair():
        opts = {"mine": getattr(optim, name)(params(insitu, values, grads), **kw),
                "theirs": getattr(torch.optim, name)(params(torch, values, grads), **kw)}
        for opt in opts.values():
            opt.step()               # the first step creates the state
        return opts

    times = phase(pair(), steps, rounds, None)
    times.update({key + " 1t": t for key, t in phase(pair(), steps, rounds, 1).items()})
    out = {key: statistics.median(w for w, _ in t) * 1e3 for key, t in times.items()}
    for key in ("mine 1t", "theirs 1t"):
        out[key + " cpu"] = statistics.median(c for _, c in times[key]) * 1e3
    return out


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
    print(f"{'optimizer':<56}{'insitu':>8}{'torch':>8}{'ratio':>7}"
          f"{'insitu 1t':>10}{'torch 1t':>9}{'ratio 1t':>9}{'cpu ratio 1t':>13}")
    for name, kw in CONFIGS + (MORE if args.all else []):
        t = measure(name, kw, values, grads, steps, rounds)
        label = name + "(" + ", ".join(f"{k}={v}" for k, v in kw.items()) + ")"
        print(f"{label:<56}{t['mine']:>8.2f}{t['theirs']:>8.2f}{t['mine'] / t['theirs']:>7.2f}"
              f"{t['mine 1t']:>10.2f}{t['theirs 1t']:>9.2f}"
              f"{t['mine 1t'] / t['theirs 1t']:>9.2f}"
              f"{t['mine 1t cpu'] / t['theirs 1t cpu']:>13.2f}", flush=True)


if __name__ == "__main__":
    main()
