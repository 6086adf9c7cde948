"""`python -m insitu`: a short tour. First the in-place basics (each example printed with its
output), then the point of in-place ops on real work: a chain of three elementwise ops on a
large tensor, out of place and in place, with measured time and peak extra memory; last, the
same choice inside a model (a small ResNet's activations and residual additions)."""
import argparse
import contextlib
import io
import textwrap
import time

import insitu as torch
from insitu.resnet_demo import tour as resnet_tour

EXAMPLES = [
    ("Normal vs in-place", """
        a = torch.tensor([1, 2, 3])
        b = a.add(10)
        print("a after normal add:", a)
        print("b (new tensor): ", b)
        a.add_(10)
        print("a after in-place add:", a)
    """),
    ("In-place ops return self, so they chain", """
        a = torch.tensor([1.0, 2.0, 3.0, 4.0])
        a.add_(10).mul_(2).sub_(5)
        print("After chaining:", a)
    """),
    ("fill_, zero_, clamp_, abs_, neg_", """
        a = torch.tensor([-5.0, -1.0, 0.0, 3.0, 10.0])
        print("clamp_(0, 5):", a.clamp_(min=0, max=5))
        print("abs_().neg_():", torch.tensor([-3.0, -1.0, 2.0, 5.0]).abs_().neg_())
        print("fill_(0):", torch.tensor([1, 2, 3]).fill_(0))
    """),
    ("A leaf that requires grad refuses in-place ops", """
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        try:
            x.add_(10)
        except RuntimeError as e:
            print(f"Error: {e}")
        y = x.add(10)
        print("y:", y)
    """),
    ("Shared references see changes; clone() does not", """
        a = torch.tensor([1, 2, 3])
        b = a
        c = a.clone()
        a.add_(10)
        print("a:", a, " b:", b, " c:", c)
    """),
    ("A saved tensor modified in place: the error says where", """
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x.sigmoid()        # sigmoid saves its output for backward
        y.mul_(2)              # ... which this line overwrites
        try:
            y.sum().backward()
        except RuntimeError as e:
            print(e)
    """),
    ("Parameter updates under no_grad", """
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        (w * 3).sum().backward()
        with torch.no_grad():
            w.sub_(0.1 * w.grad)
        print("w:", w, "version:", w._version)
    """),
]


def run_examples(torch):
    for title, code in EXAMPLES:
        code = textwrap.dedent(code).strip("\n")
        print(f"== {title}")
        for line in code.splitlines():
            cont = line[:1].isspace() or line.split(" ")[0].rstrip(":") in ("except", "else", "elif", "finally")
            print(("  ... " if cont else "  >>> ") + line)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(compile(code, f"<tour: {title}>", "exec"), {"torch": torch})
        print(textwrap.indent(buf.getvalue().rstrip("\n"), "  "))
        print()


def _measure(torch, fn, n):
    """(seconds, peak extra bytes) of one run of `fn` on a fresh tensor of n elements."""
    x = torch.rand(n)
    torch.memory.reset_peak()
    base = torch.memory.allocated()
    t0 = time.perf_counter()
    out = fn(x)
    elapsed = time.perf_counter() - t0
    extra = torch.memory.peak() - base
    del out, x
    return elapsed, extra


def _measure_all(torch, variants, n, repeat):
    """Each variant run `repeat` times, the variants taking turns (so that a slow moment of
    the machine does not fall on one of them): per variant, the sorted times and the peak
    extra memory (the same every run: insitu counts it exactly)."""
    times = [[] for _ in variants]
    extras = [0] * len(variants)
    for _ in range(repeat):
        for i, (_, _, fn) in enumerate(variants):
            secs, extras[i] = _measure(torch, fn, n)
            times[i].append(secs)
    return [sorted(t) for t in times], extras


def _median(sorted_times):
    k = len(sorted_times)
    return (sorted_times[(k - 1) // 2] + sorted_times[k // 2]) / 2


def memory_demo(torch, n, repeat=5):
    mib = n * 4 / 2 ** 20
    print(f"== In place on real work: (x + 1) * 2 clamped to [0, 2.5] on {n:,} float32 elements "
          f"({mib:.0f} MiB), each variant timed {repeat} times")
    variants = [
        ("out of place", "((x + 1) * 2).clamp(0, 2.5)", lambda x: ((x + 1) * 2).clamp(0, 2.5)),
        ("in place", "x.add_(1).mul_(2).clamp_(0, 2.5)", lambda x: x.add_(1).mul_(2).clamp_(0, 2.5)),
    ]
    times, extras = _measure_all(torch, variants, n, repeat)
    medians = [_median(t) for t in times]
    print(f"  {'variant':<13}{'code':<36}{'median time':>12}{'(fastest..slowest)':>22}"
          f"{'peak extra memory':>20}")
    for (name, code, _), t, med, extra in zip(variants, times, medians, extras):
        spread = f"({t[0] * 1e3:.0f}..{t[-1] * 1e3:.0f} ms)"
        print(f"  {name:<13}{code:<36}{med * 1e3:>10.0f}ms{spread:>22}"
              f"{extra / 2 ** 20:>16.0f} MiB")
    saved = extras[0] - extras[1]
    print(f"  in place saved {saved / 2 ** 20:.0f} MiB of peak memory "
          f"and ran {medians[0] / medians[1]:.1f}x as fast (medians of {repeat} runs; exact "
          "byte accounting: insitu.memory.peak()).")


DESCRIPTION = __doc__ + """

On a small machine, shrink the demo's tensor: --elements 4000000 (15 MiB) needs about 50 MiB
of memory and runs in well under a second; the default, 64Mi elements (256 MiB), needs about
800 MiB while the out-of-place variant runs.

Other commands: `python -m insitu run script.py [args]` runs an unmodified PyTorch script on
insitu, `python -m insitu coverage` lists which of PyTorch's names insitu provides,
`python -m insitu train` trains a small MLP and `python -m insitu resnet` a small ResNet with
and without in-place activations (both need scikit-learn)."""


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m insitu", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--elements", type=int, default=64 * 2 ** 20, metavar="N",
                   help="size of the float32 tensor in the memory demo (default 64Mi = 256 MiB; "
                        "use e.g. 4000000 on a machine with little memory)")
    p.add_argument("--repeat", type=int, default=5, metavar="K",
                   help="how many times each variant is timed; the median is printed "
                        "(default 5)")
    args = p.parse_args(argv)
    if args.elements < 1 or args.repeat < 1:
        p.error("--elements and --repeat must be positive")
    print(f"insitu {torch.__version__}: PyTorch's tensor API over NumPy, in-place done right.\n")
    run_examples(torch)
    memory_demo(torch, args.elements, args.repeat)
    print()
    resnet_tour(repeat=args.repeat)
