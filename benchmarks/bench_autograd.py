"""Autograd overhead: a chain of 1000 elementwise ops on a 100-element tensor, forward + backward,
out-of-place and half in-place, insitu vs torch in the same run.

    python benchmarks/bench_autograd.py [--repeat N] [--regions]

--regions runs insitu with versions tracked by region (insitu.autograd.set_version_tracking).
"""
import argparse
import time

OPS = ("mul", "add", "sin", "sigmoid", "tanh", "exp")


def chain(lib, x, n, inplace):
    y = x * 1.0
    for i in range(n):
        op = OPS[i % len(OPS)]
        if op == "mul":
            y = y.mul_(0.999) if inplace and i % 2 else y * 0.999
        elif op == "add":
            y = y.add_(0.001) if inplace and i % 2 else y + 0.001
        elif op == "exp":
            y = (y * 0.01).exp()  # keep values bounded
        else:
            y = getattr(y, op + "_")() if inplace and i % 2 else getattr(y, op)()
    return y


def run(lib, n, inplace, repeat):
    best = float("inf")
    for _ in range(repeat):
        x = lib.rand(100, requires_grad=True)
        t0 = time.perf_counter()
        y = chain(lib, x, n, inplace)
        y.sum().backward()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--ops", type=int, default=1000)
    p.add_argument("--regions", action="store_true", help="track versions by region")
    a = p.parse_args(argv)
    import insitu
    if a.regions:
        insitu.autograd.set_version_tracking("region")
    try:
        import torch
    except ImportError:
        torch = None
    print(f"chain of {a.ops} elementwise ops on 100 elements, forward+backward, best of {a.repeat}"
          + (", versions tracked by region" if a.regions else ""))
    print(f"{'variant':<14}{'insitu ms':>11}{'torch ms':>11}{'ratio':>8}")
    for inplace in (False, True):
        ti = run(insitu, a.ops, inplace, a.repeat)
        tt = run(torch, a.ops, inplace, a.repeat) if torch else float("nan")
        name = "half in-place" if inplace else "out-of-place"
        print(f"{name:<14}{ti * 1e3:>11.2f}{tt * 1e3:>11.2f}{ti / tt:>8.2f}")


if __name__ == "__main__":
    main()
