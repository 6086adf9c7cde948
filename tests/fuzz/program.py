"""Random programs as data: statements, `with` blocks, and their source.

A program is a list of statements over one library bound to the name `torch` (PyTorch itself,
or `insitu` imported as torch), so its source runs unchanged on either. A statement knows what a
shrinker and the comparer's rules need: the template that made it (`tag`, the divergence class
it reports under), the variables it defines and reads, the tensor it writes into, simpler
versions of itself, and the helper definitions (`needs`, custom Functions) it uses.
"""


class Stmt:
    """One statement (its source may span lines: a decorated function and its call)."""
    __slots__ = ("code", "tag", "defines", "reads", "writes", "simpler", "needs", "marks",
                 "operands")

    def __init__(self, code, tag, defines=(), reads=(), writes=None, simpler=(), needs=(),
                 marks=(), operands=()):
        self.code = code
        self.tag = tag
        self.defines = tuple(defines)
        self.reads = tuple(reads)
        self.writes = writes            # the variable an in-place write goes into, if any
        self.simpler = tuple(simpler)   # replacements the shrinker tries (Stmts)
        self.needs = tuple(needs)       # helper definitions (`HELPERS` keys)
        self.marks = frozenset(marks)   # facts the comparer's rules read ("data-write", ...)
        self.operands = tuple(operands)  # operand expressions other than bare names (`x[0]`)

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


def parse(text):
    """A program from its source (a reproducer as printed, `import torch` line and helper
    definitions left out): one Stmt per top-level statement, a Block per `with`. What a
    statement defines and writes into is read off its syntax."""
    import ast
    lines = text.split("\n")
    prog = []
    for node in ast.parse(text).body:
        if isinstance(node, ast.Import) or (isinstance(node, ast.ClassDef)
                                            and node.name in HELPERS):
            continue
        if isinstance(node, ast.With):
            ctx = ast.get_source_segment(text, node.items[0].context_expr)
            body = [_stmt(ast.get_source_segment(text, n), n) for n in node.body]
            prog.append(Block(ctx, body, "with " + ctx.split("(")[0].replace("torch.", "")))
            continue
        start = (node.decorator_list[0].lineno if getattr(node, "decorator_list", None)
                 else node.lineno)
        prog.append(_stmt("\n".join(lines[start - 1:node.end_lineno]), node))
    return _attach_helpers(prog, text)


def _stmt(code, node):
    import ast
    defines, writes = [], None
    if isinstance(node, ast.Assign):
        for t in node.targets:
            if isinstance(t, ast.Name):
                defines.append(t.id)
            elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                writes = t.value.id
    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        writes = node.target.id
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        f = node.value.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                and f.attr.endswith("_") and not f.attr.startswith("_"):
            writes = f.value.id
    reads = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - {"torch"})
    tag = code.split("=", 1)[-1].strip().split("(")[0][:30]
    return Stmt(code, tag, defines, reads, writes)


def _attach_helpers(prog, text):
    for s in statements(prog):
        if isinstance(s, Stmt):
            s.needs = tuple(n for n in HELPERS if n + ".apply" in s.code)
            marks = set()
            if ".data" in s.code:
                marks.add("data")
            if "autograd.grad(" in s.code or s.code.rstrip().endswith(".grad"):
                marks.add("grad-result")
            s.marks = frozenset(marks)
    return prog
