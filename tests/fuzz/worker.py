"""A worker process of a deep run: `python -m tests.fuzz.worker SEED START STOP [IGNORED...]`.

Runs programs START..STOP-1 of SEED and writes one line per program to stdout before running it
(`run I`) and one per mismatch (`bad I<TAB>class<TAB>description`), so that when a library
crashes the process (PyTorch can, on some programs), the parent knows which program did it and
starts a new worker after it.
"""
import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(_ROOT, "src"))

from . import compare  # noqa: E402
from .driver import fuzz_one  # noqa: E402


def main(argv):
    seed, start, stop = (int(a) for a in argv[:3])
    compare.IGNORED.update(argv[3:])
    out = sys.stdout
    for i in range(start, stop):
        out.write(f"run {i}\n")
        out.flush()
        _, m = fuzz_one(seed, i)
        if m is not None:
            text = repr(m).replace("\t", " ").replace("\n", " ")
            out.write(f"bad {i}\t{m.signature}\t{text}\n")
    out.write("done\n")
    out.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
