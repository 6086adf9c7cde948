"""Random programs as data: statements, `with` blocks, and their source.

A program is a list of statements over one library bound to the name `torch` (PyTorch itself,
or `insitu` imported as torch), so its source runs unchanged on either. A statement knows what a
shrinker and the comparer's rules need: the template that made it (`tag`, the divergence class
it reports under), the variables it defines and reads, the tensor it writes into, simpler
versions of itself, and the helper definitions (`needs`, custom Functions) it uses.
"""


class Stmt:
    """One statement (its source may span lines: a decorated function and its call)."""
    __slots__ = ("code", "tag", "defines", "reads", "writes", "simpler", "needs", "marks")

    def __init__(self, code, tag, defines=(), reads=(), writes=None, simpler=(), needs=(),
                 marks=()):
        self.code = code
        self.tag = tag
        self.defines = tuple(defines)
        self.reads = tuple(reads)
        self.writes = writes            # the variable an in-place write goes into, if any
        self.simpler = tuple(simpler)   # replacements the shrinker tries (Stmts)
        self.needs = tuple(needs)       # helper definitions (`HELPERS` keys)
        self.marks = frozenset(marks)   # facts the comparer's rules read ("data-write", ...)

    def source(self, indent=""):
        return "\n".join(indent + line for line in self.code.split("\n"))

    def __repr__(self):
        return f"Stmt({self.code!r})"


class Block:
    """`with <context>:` around a list of statements."""
    __slots__ = ("context", "body", "tag")

    def __init__(self, context, body, tag):
        self.context = context
        self.body = list(body)
        self.tag = tag

    def source(self, indent=""):
        lines = [f"{indent}with {self.context}:"]
        lines += [s.source(indent + "    ") for s in self.body] or [indent + "    pass"]
        return "\n".join(lines)

    @property
    def needs(self):
        return tuple(n for s in self.body for n in s.needs)

    def __repr__(self):
        return f"Block({self.context!r}, {self.body!r})"


# Definitions a statement may use, put before the program in its source (and run once per
# library before the program).
HELPERS = {
    "Double_": '''class Double_(torch.autograd.Function):
    """Doubles its input in place and says so (mark_dirty)."""
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2''',
    "Square": '''class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 2 * g * x''',
    "Ident": '''class Ident(torch.autograd.Function):
    """Returns its input as-is (a view of it, for autograd)."""
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g''',
}


def helpers_used(program):
    seen = []
    for s in program:
        for n in s.needs:
            if n not in seen:
                seen.append(n)
    return seen


def source(program, header=True, raising=()):
    """The program's source. `raising`: ids of top-level statements that raise (in either
    library) and are followed by more: they are wrapped so the rest still runs, printing the
    error as the library raised it."""
    parts = ["import torch  # or: import insitu as torch", ""] if header else []
    for name in helpers_used(program):
        parts += [HELPERS[name], ""]
    for i, s in enumerate(program):
        if i in raising:
            parts.append("try:")
            parts.append(s.source("    "))
            parts.append("except Exception as e:")
            parts.append("    print(type(e).__name__, e)")
        else:
            parts.append(s.source())
    return "\n".join(parts) + "\n"


def statements(program):
    """Every statement, block bodies included (in order)."""
    for s in program:
        if isinstance(s, Block):
            yield s
            yield from s.body
        else:
            yield s
