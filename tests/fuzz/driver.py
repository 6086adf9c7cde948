"""Generating, running and comparing programs: what the CLI and the tests share."""
import gc

import torch

import insitu

torch.set_num_threads(1)   # tiny tensors: threads cost more than they give

from .compare import compare
from .execute import run
from .generate import program


def program_seed(seed, index):
    return seed * 1_000_003 + index


def check(prog):
    """(mismatch or None, torch's trace, insitu's trace) of one program."""
    expected = run(prog, torch)
    got = run(prog, insitu)
    return compare(prog, expected, got), expected, got


def fuzz_one(seed, index):
    prog = program(program_seed(seed, index))
    mismatch, _, _ = check(prog)
    if index % 200 == 0:
        gc.collect()
    return prog, mismatch


def mismatch_of(prog):
    return check(prog)[0]


def shrunk_report(prog, signature):
    """A minimal reproducer of the program's divergence, as runnable source."""
    from .shrink import reproducer, reproducer_source, shrink
    small = shrink(prog, signature, mismatch_of)
    m, expected, got = check(small)
    if m is None:      # the class shows only in the whole program (should not happen)
        m, expected, got = check(prog)
        small = prog
    if m is None:      # it showed in the run but not alone: state left by earlier programs
        return ("# does not diverge when run alone: the divergence depends on what earlier\n"
                "# programs of the same process left behind (rerun with --program K --show)\n"
                + reproducer_source(prog, expected, got))
    return reproducer(small, expected, got, m)

