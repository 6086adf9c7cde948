"""python -m tests.fuzz --n 100000 --seed S [--jobs 2]: a deep differential run.

Prints progress, then a summary by divergence class with a shrunk, runnable reproducer of each
class. Exits 1 when any program diverged. `--program I --show` prints program I of the seed and
what each library did. Runs this checkout's insitu (its `src/` goes first on the path).
"""
import argparse
import collections
import os
import select
import subprocess
import sys
import time

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(_ROOT, "src"))

from . import compare as _compare  # noqa: E402
from .driver import check, program_seed, shrunk_report  # noqa: E402
from .generate import program  # noqa: E402
from .program import source  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1000, help="how many programs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--start", type=int, default=0, help="index of the first program")
    p.add_argument("--jobs", type=int, default=1, help="processes")
    p.add_argument("--program", type=int, help="only this program of the seed")
    p.add_argument("--show", action="store_true", help="print the program(s) run")
    p.add_argument("--shrink", type=int, default=40, help="classes to shrink a reproducer for")
    p.add_argument("--ignore", action="append", default=[],
                   help="leave this field out of the comparison (to look past a known class)")
    a = p.parse_args(argv)
    _compare.IGNORED.update(a.ignore)
    if a.program is not None:
        return _one(a.seed, a.program)
    t0 = time.time()
    found, crashed = [], []
    done, shown = 0, 0.0
    for count, f, c in run_parallel(a.seed, a.start, a.n, a.jobs, a.ignore):
        done += count
        found += f
        crashed += c
        now = time.time()
        if now - shown < 0.5 and done < a.n:
            continue
        shown = now
        rate = done / max(now - t0, 1e-9)
        print(f"\r{done}/{a.n} programs, {len(found)} mismatches, {rate:.0f} programs/s",
              end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return _summary(a, found, crashed, time.time() - t0)


def run_parallel(seed, start, n, jobs, ignored):
    """Programs start..start+n-1 in `jobs` worker processes (`tests.fuzz.worker`); yields
    (programs done, mismatches, crashed program indices) as workers report. A program that
    crashes its worker is reported as crashed, and a new worker goes on after it."""
    bounds = [start + n * k // jobs for k in range(jobs + 1)]
    procs = {}

    def launch(lo, hi):
        cmd = [sys.executable, "-m", "tests.fuzz.worker", str(seed), str(lo), str(hi), *ignored]
        p = subprocess.Popen(cmd, cwd=_ROOT, stdout=subprocess.PIPE)
        procs[p.stdout.fileno()] = [p, hi, None, b""]   # process, stop, current, unread

    for k in range(jobs):
        if bounds[k] < bounds[k + 1]:
            launch(bounds[k], bounds[k + 1])
    while procs:
        ready, _, _ = select.select(list(procs), [], [])
        for fd in ready:
            state = procs[fd]
            chunk = os.read(fd, 65536)
            *lines, state[3] = (state[3] + chunk).split(b"\n")
            for line in lines:
                line = line.decode()
                if line.startswith("run "):
                    if state[2] is not None:
                        yield 1, [], []
                    state[2] = int(line[4:])
                elif line.startswith("bad "):
                    i, sig, text = line[4:].split("\t", 2)
                    yield 0, [(int(i), sig, text)], []
                elif line == "done":
                    yield 1, [], []
                    state[2] = None
            if not chunk:                      # the worker is gone
                p, hi, current = state[0], state[1], state[2]
                p.stdout.close()
                p.wait()
                del procs[fd]
                if current is not None:        # it died running this program
                    yield 1, [], [current]
                    if current + 1 < hi:
                        launch(current + 1, hi)


def _summary(a, found, crashed, elapsed):
    print(f"seed {a.seed}: {len(found)} mismatches in {a.n} programs "
          f"(programs {a.start}..{a.start + a.n - 1}, {elapsed:.0f} s)")
    if crashed:
        print(f"{len(crashed)} programs crashed the process (a library crashed; not compared): "
              f"{', '.join(map(str, sorted(crashed)[:20]))}")
    if not found:
        return 0
    by_class = collections.defaultdict(list)
    for i, sig, text in sorted(found):
        by_class[sig].append((i, text))
    ranked = sorted(by_class.items(), key=lambda kv: -len(kv[1]))
    print("\nby divergence class (what differs @ the statement kind where it first shows):")
    for sig, items in ranked:
        print(f"  {len(items):6d}  {sig}   (programs {', '.join(str(i) for i, _ in items[:5])}"
              f"{', ...' if len(items) > 5 else ''})")
    for sig, items in ranked[:a.shrink]:
        i = items[0][0]
        print(f"\n=== {sig}: program {i} of seed {a.seed}, shrunk ===")
        print(shrunk_report(program(program_seed(a.seed, i)), sig))
    return 1


def _one(seed, index):
    prog = program(program_seed(seed, index))
    print(source(prog))
    m, expected, got = check(prog)
    print("agree" if m is None else repr(m))
    if m is not None:
        print(shrunk_report(prog, m.signature))
    return 0 if m is None else 1


if __name__ == "__main__":
    sys.exit(main())
