"""What the located saved-tensor errors cost: the autograd benchmark with and without recording
the user's file:line for every saved tensor (interleaved rounds, best of each).

    python benchmarks/bench_locations.py [--rounds N]
"""
import argparse

import bench_autograd

import insitu
from insitu.autograd import saved
from insitu.ops import derivatives


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=6)
    a = p.parse_args(argv)
    real = saved.user_frame
    best = {True: float("inf"), False: float("inf")}
    try:
        for _ in range(a.rounds):
            for on in (True, False):
                saved.user_frame = derivatives.user_frame = real if on else (lambda depth=2: None)
                t = min(bench_autograd.run(insitu, 1000, False, 5),
                        bench_autograd.run(insitu, 1000, True, 5))
                best[on] = min(best[on], t)
    finally:
        saved.user_frame = derivatives.user_frame = real
    print(f"autograd chain with locations {best[True] * 1e3:.2f} ms, without "
          f"{best[False] * 1e3:.2f} ms: cost {100 * (best[True] / best[False] - 1):+.1f}%")


if __name__ == "__main__":
    main()
