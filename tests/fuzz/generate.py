"""The generator: random programs over a broad slice of the API, from a seed.

`program(seed)` builds a program statement by statement. The generator keeps a rough model of
every variable (shape, dtype, whether it requires grad, is a view or came from `.data`), enough to
make most statements valid; it need not be exact, since an invalid statement is one more error
both libraries must raise alike. What the statements cover is in `templates.py`.
"""
import random

from .program import Block, Stmt

FLOATS = ["float32", "float64"]
INTS = ["int64", "int32", "uint8"]
DTYPES = FLOATS * 4 + INTS + ["bool"]
SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1), (3, 1), (2, 2), (4,), (1,), (2, 1, 3)]
FLOAT_POOL = ["0.0", "-0.0", "1.0", "-1.0", "2.0", "0.5", "-1.5", "3.0", "-2.0", "0.25",
              "float('inf')", "-float('inf')", "float('nan')", "1e-3", "100.0", "-0.5"]
FLOAT_WEIGHTS = [6, 3, 8, 6, 6, 5, 5, 4, 4, 3, 1, 1, 1, 1, 1, 3]
INT_POOL = ["0", "1", "-1", "2", "3", "-2", "4", "5"]
MODES = {"grad": True, "no_grad": False, "enable_grad": True, "inference": False}


class Var:
    __slots__ = ("name", "kind", "shape", "dtype", "rg", "view", "data", "inference")

    def __init__(self, name, kind="tensor", shape=(), dtype="float32", rg=False, view=None,
                 data=False, inference=False):
        self.name, self.kind, self.shape, self.dtype = name, kind, tuple(shape), dtype
        self.rg, self.view, self.data, self.inference = rg, view, data, inference

    @property
    def is_float(self):
        return self.dtype in FLOATS

    @property
    def numel(self):
        n = 1
        for d in self.shape:
            n *= d
        return n


def category(dtype):
    return 2 if dtype in FLOATS else 0 if dtype == "bool" else 1


def promote(a, b, zero_a=False, zero_b=False):
    """Roughly PyTorch's promotion of two tensor dtypes (0-dim ones count less)."""
    ca, cb = category(a), category(b)
    if zero_a != zero_b:
        if zero_a and ca <= cb:
            return b
        if zero_b and cb <= ca:
            return a
    if ca != cb:
        return a if ca > cb else b
    order = ["bool", "uint8", "int32", "int64", "float32", "float64"]
    return a if order.index(a) >= order.index(b) else b


def broadcast(*shapes):
    n = max(len(s) for s in shapes)
    out = []
    for dims in zip(*[(1,) * (n - len(s)) + tuple(s) for s in shapes]):
        big = [d for d in dims if d != 1]
        if len(set(big)) > 1:
            return None
        out.append(big[0] if big else 1)
    return tuple(out)


class Gen:
    """The state of one program being generated."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.vars = {}
        self.count = 0
        self.mode = "grad"          # the grad mode the next statement runs in

    # ------------------------------------------------------------------ randomness
    def chance(self, p):
        return self.rng.random() < p

    def pick(self, seq, weights=None):
        return self.rng.choices(seq, weights)[0] if weights else self.rng.choice(seq)

    # ------------------------------------------------------------------ variables
    @property
    def grad_on(self):
        return MODES[self.mode]

    def fresh(self):
        self.count += 1
        return f"x{self.count}"

    def define(self, var):
        self.vars[var.name] = var
        return var

    def tensors(self, pred=None):
        return [v for v in self.vars.values() if v.kind == "tensor" and (pred is None or pred(v))]

    def tensor(self, pred=None, prefer=None):
        ts = self.tensors(pred)
        if not ts:
            return None
        if prefer is not None:
            good = [v for v in ts if prefer(v)]
            if good and self.chance(0.8):
                ts = good
        # recent variables are the interesting ones (they carry the graph built so far)
        weights = [1 + i for i in range(len(ts))]
        return self.pick(ts, weights)

    def operand_for(self, target, pred=None):
        """A tensor variable that broadcasts with `target` (mostly one that broadcasts into it),
        or None."""
        def fits(v):
            b = broadcast(v.shape, target.shape)
            return b is not None and (pred is None or pred(v))
        ts = self.tensors(fits)
        if not ts:
            return None
        into = [v for v in ts if broadcast(v.shape, target.shape) == target.shape]
        if into and self.chance(0.85):
            ts = into
        return self.pick(ts)

    # ------------------------------------------------------------------ literals
    def scalar(self, dtype="float32"):
        c = category(dtype)
        if c == 2:
            return self.pick(FLOAT_POOL, FLOAT_WEIGHTS)
        if c == 1:
            return self.pick(["0", "1", "2", "3", "4"] if dtype == "uint8" else INT_POOL)
        return self.pick(["True", "False"])

    def number(self, like="float32"):
        """A Python number operand: mostly of the tensor's kind, sometimes of another."""
        kind = self.pick(["same", "float", "int", "bool"], [6, 3, 2, 1])
        if kind == "same":
            return self.scalar(like)
        return self.scalar({"float": "float32", "int": "int64", "bool": "bool"}[kind])

    def data(self, shape, dtype):
        if not shape:
            return self.scalar(dtype)
        return "[" + ", ".join(self.data(shape[1:], dtype) for _ in range(shape[0])) + "]"

    def shape(self):
        return self.pick(SHAPES, [3, 6, 6, 2, 2, 2, 3, 2, 1, 1])

    @staticmethod
    def shape_code(shape):
        return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def program(seed, length=None):
    """A random program (a list of Stmt and Block) from a seed."""
    from . import templates
    g = Gen(seed)
    n = length if length is not None else g.rng.randint(3, 14)
    out = []
    for _ in range(g.rng.randint(1, 3)):
        out.append(templates.create(g))
    while len(out) < n:
        if g.chance(0.12):
            block = templates.block(g)
            if block is not None:
                out.append(block)
                continue
        s = templates.statement(g)
        if s is not None:
            out.append(s)
    if g.chance(0.6):
        s = templates.backward(g)
        if s is not None:
            out.append(s)
    return out


__all__ = ["Block", "Gen", "Stmt", "Var", "program"]
