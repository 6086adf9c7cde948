"""`python -m insitu`: a short tour. First the in-place basics (each example printed with its
output), then the point of in-place ops on real work: a chain of three elementwise ops on a
large tensor, out of place and in place, with measured time and peak extra memory."""
import argparse
import contextlib
import io
import textwrap
import time

import insitu as torch

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
    x = torch.rand(n)
    torch.memory.reset_peak()
    base = torch.memory.allocated()
    t0 = time.perf_counter()
    out = fn(x)
    elapsed = time.perf_counter() - t0
    extra = torch.memory.peak() - base
    del out, x
    return elapsed, extra


def memory_demo(torch, n):
    mib = n * 4 / 2 ** 20
    print(f"== In place on real work: (x + 1) * 2 clamped to [0, 2.5] on {n:,} float32 elements "
          f"({mib:.0f} MiB)")
    variants = [
        ("out of place", "((x + 1) * 2).clamp(0, 2.5)", lambda x: ((x + 1) * 2).clamp(0, 2.5)),
        ("in place", "x.add_(1).mul_(2).clamp_(0, 2.5)", lambda x: x.add_(1).mul_(2).clamp_(0, 2.5)),
    ]
    rows = [(name, code, *_measure(torch, fn, n)) for name, code, fn in variants]
    print(f"  {'variant':<13}{'code':<36}{'time':>9}{'peak extra memory':>20}")
    for name, code, secs, extra in rows:
        print(f"  {name:<13}{code:<36}{secs * 1e3:>7.0f}ms{extra / 2 ** 20:>16.0f} MiB")
    saved = rows[0][3] - rows[1][3]
    print(f"  in place saved {saved / 2 ** 20:.0f} MiB of peak memory "
          f"and ran {rows[0][2] / rows[1][2]:.1f}x as fast (exact byte accounting: "
          "insitu.memory.peak()).")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m insitu", description=__doc__)
    p.add_argument("--elements", type=int, default=64 * 2 ** 20,
                   help="size of the tensor in the memory demo (default 64Mi)")
    args = p.parse_args(argv)
    print(f"insitu {torch.__version__}: PyTorch's tensor API over NumPy, in-place done right.\n")
    run_examples(torch)
    memory_demo(torch, args.elements)
