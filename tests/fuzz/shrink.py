"""Shrinking a failing program to a minimal reproducer of the same divergence class.

Greedy, to a fixed point: drop statements (last first, block bodies included), unwrap a block
into its body, replace a statement by one of its simpler versions; keep a change when the
program still shows a mismatch of the same class (`Mismatch.signature`). The result prints as a
runnable program (`reproducer`).
"""
from .program import Block, source


def _candidates(prog):
    """Smaller programs, the most promising (largest cut) first."""
    n = len(prog)
    for i in reversed(range(n)):
        yield prog[:i] + prog[i + 1:]
    for i, s in enumerate(prog):
        if isinstance(s, Block):
            yield prog[:i] + s.body + prog[i + 1:]
            for j in reversed(range(len(s.body))):
                body = s.body[:j] + s.body[j + 1:]
                if body:
                    yield prog[:i] + [Block(s.context, body, s.tag)] + prog[i + 1:]
            for j, b in enumerate(s.body):
                for simpler in getattr(b, "simpler", ()):
                    body = s.body[:j] + [simpler] + s.body[j + 1:]
                    yield prog[:i] + [Block(s.context, body, s.tag)] + prog[i + 1:]
        else:
            for simpler in s.simpler:
                yield prog[:i] + [simpler] + prog[i + 1:]


def shrink(prog, signature, check, budget=2000):
    """The smallest program found whose `check(program)` mismatch has `signature`."""
    prog = list(prog)
    tries = 0
    progress = True
    while progress and tries < budget:
        progress = False
        for cand in _candidates(prog):
            tries += 1
            m = check(cand)
            if m is not None and m.signature == signature:
                prog = cand
                progress = True
                break
            if tries >= budget:
                break
    return prog


def reproducer_source(prog, expected, got):
    """The program as runnable source, statements that raise wrapped so the rest runs."""
    last = len(prog) - 1
    raising = {i for i in expected.raised | got.raised if i != last}
    return source(prog, raising=raising)


def reproducer(prog, expected, got, mismatch):
    """The program as runnable source, with what each library did at the mismatch."""
    text = reproducer_source(prog, expected, got)
    return (text + f"# torch:  {mismatch.field} = {_short(mismatch.expected)}\n"
            f"# insitu: {mismatch.field} = {_short(mismatch.got)}\n"
            f"# (at statement {mismatch.location}: {mismatch.tag})\n")


def _short(v):
    text = repr(v).replace("\n", " ")
    return text if len(text) < 300 else text[:300] + "..."
