"""Views of every kind, `x[idx]` and `x[idx] = v` with every kind of index."""
from ..generate import FLOATS, Var
from ..program import Stmt
from .elementwise import _after_write, _data_mark


def _view_of(g, x, name, shape, **kw):
    return g.define(Var(name, "tensor", shape, x.dtype, x.rg, view=x.view or x.name,
                        data=x.data, inference=x.inference, **kw))


# ---------------------------------------------------------------------------- basic indices

def basic_index(g, shape):
    """(index source, result shape) of a random basic index (ints, slices, steps, `...`,
    None) for a tensor of `shape`; sometimes an invalid one."""
    nd = len(shape)
    parts, out = [], []
    dim = 0
    used_ellipsis = False
    for _ in range(g.pick([1, 1, 1, 2, 2, 3])):
        kind = g.pick(["int", "full", "range", "step", "ellipsis", "none", "len"],
                      [4, 4, 3, 2, 2, 1, 2])
        if kind == "ellipsis" and not used_ellipsis:
            used_ellipsis = True
            parts.append("...")
            rest = max(nd - dim - 1, 0)
            out += shape[dim:dim + rest]
            dim += rest
            continue
        if kind == "none":
            parts.append("None")
            out.append(1)
            continue
        if dim >= nd:
            if g.chance(0.15):   # an index too many, or an int index of a 0-dim tensor
                parts.append(g.pick(["0", ":", "-1"]))
            continue
        n = shape[dim]
        if kind == "int":
            i = g.pick([0, -1, n - 1, n]) if g.chance(0.1) or not n else g.pick(range(-n, n))
            parts.append(str(i))
        elif kind == "full":
            parts.append(":")
            out.append(n)
        elif kind == "len":
            parts.append(f"0:{n}")
            out.append(n)
        elif kind == "range":
            a, b = g.pick([(1, None), (None, 1), (0, 1), (1, 1), (-1, None), (None, -1)])
            parts.append(f"{'' if a is None else a}:{'' if b is None else b}")
            out.append(len(range(n)[slice(a, b)]))
        else:
            parts.append(g.pick(["::2", "1::2", "::3"]))
            step = int(parts[-1].split("::")[1])
            start = int(parts[-1].split("::")[0] or 0)
            out.append(len(range(start, n, step)))
        dim += 1
    out += shape[dim:]
    return ", ".join(parts) or "...", tuple(out)


def advanced_index(g, x):
    """An advanced index (int tensor, list, bool mask, Python bool) and a guess of how many
    elements it selects along the first dimension."""
    n = x.shape[0] if x.shape else 1
    kind = g.pick(["tensor", "list", "mask", "cmp", "bool", "mixed"])
    if kind == "tensor":
        return g.pick([f"torch.tensor([0, {n - 1}])", "torch.tensor([0])",
                       f"torch.tensor([{n}])", "torch.tensor([-1, 0])",
                       "torch.tensor(0)"]), (2,)
    if kind == "list":
        return g.pick([f"[0, {n - 1}]", "[0]", "[-1, -1]"]), (2,)
    if kind == "mask":
        bits = ", ".join(g.pick(["True", "False"]) for _ in range(n))
        return f"torch.tensor([{bits}])", (1,)
    if kind == "cmp":
        return f"{x.name} > 0", (1,)
    if kind == "bool":
        return g.pick(["True", "False"]), (1,)
    return f"..., [0]" if x.shape else "[0]", (1,)


# ---------------------------------------------------------------------------- views

def view(g):
    x = g.tensor()
    if x is None:
        return None
    y = g.fresh()
    s, nd, n = x.shape, len(x.shape), x.numel
    kind = g.pick(["getitem", "getitem", "getitem", "view", "reshape", "t", "transpose",
                   "unsqueeze", "squeeze", "expand", "narrow", "select", "diagonal", "flatten",
                   "permute", "as_strided", "unbind", "split", "chunk", "detach_view", "T",
                   "unfold", "movedim", "view_as", "ident"])
    needs = ()
    if kind == "getitem":
        idx, shape = basic_index(g, s)
        code = f"{y} = {x.name}[{idx}]"
        tag = "getitem"
    elif kind == "view":
        shape = g.pick([(n,), (1, n)] + ([(s[-1], -1)] if nd else []))
        code = f"{y} = {x.name}.view{g.shape_code(shape)}"
        # view(0, -1) of an empty tensor raises (the -1 could be anything): any shape will do
        shape = (n,) if len(shape) == 1 else (1, n) if shape[0] == 1 else \
            (s[-1], n // s[-1] if s[-1] else 0)
        tag = "view"
    elif kind == "reshape":
        code, shape, tag = f"{y} = {x.name}.reshape(-1)", (n,), "reshape"
    elif kind in ("t", "T"):
        code, shape, tag = f"{y} = {x.name}.{'t()' if kind == 't' else 'T'}", s[::-1], kind
        if nd > 2:
            return None
    elif kind == "transpose":
        code, shape, tag = f"{y} = {x.name}.transpose(0, -1)", s[::-1] if nd == 2 else s, kind
    elif kind == "movedim":
        code, shape, tag = f"{y} = {x.name}.movedim(0, -1)", s[1:] + s[:1], kind
    elif kind == "permute":
        if nd < 2:
            return None
        code, shape, tag = f"{y} = {x.name}.permute({', '.join(map(str, range(nd)[::-1]))})", \
            s[::-1], kind
    elif kind == "unsqueeze":
        code, shape, tag = f"{y} = {x.name}.unsqueeze(0)", (1,) + s, kind
    elif kind == "squeeze":
        code = g.pick([f"{y} = {x.name}.squeeze()", f"{y} = {x.name}.squeeze(0)"])
        shape = tuple(d for d in s if d != 1) if code.endswith("()") else \
            (s[1:] if s and s[0] == 1 else s)
        tag = kind
    elif kind == "expand":
        shape = (2,) + s
        code, tag = f"{y} = {x.name}.expand({', '.join(map(str, shape))})", kind
    elif kind == "narrow":
        if not nd:
            return None
        code, shape, tag = f"{y} = {x.name}.narrow(0, {g.pick([0, 1])}, 1)", (1,) + s[1:], kind
    elif kind == "select":
        if not nd:
            return None
        code, shape, tag = f"{y} = {x.name}.select(0, {g.pick([0, -1])})", s[1:], kind
    elif kind == "diagonal":
        if nd < 2:
            return None
        code, shape, tag = f"{y} = {x.name}.diagonal()", (min(s[:2]),), kind
    elif kind == "flatten":
        code, shape, tag = f"{y} = {x.name}.flatten()", (n,), kind
    elif kind == "as_strided":
        if n < 2:
            return None
        code, shape, tag = f"{y} = {x.name}.as_strided((2,), (1,))", (2,), kind
    elif kind == "unfold":
        if not nd or s[0] < 2:
            return None
        code, shape, tag = f"{y} = {x.name}.unfold(0, 2, 1)", (s[0] - 1,) + s[1:] + (2,), kind
    elif kind == "view_as":
        code, shape, tag = f"{y} = {x.name}.view_as({x.name})", s, kind
    elif kind == "ident":
        code, shape, tag, needs = f"{y} = Ident.apply({x.name})", s, "Function", ("Ident",)
    elif kind in ("unbind", "split", "chunk"):
        if not nd:
            return None
        k = g.pick([0, -1])
        call = {"unbind": "unbind()", "split": "split(1)", "chunk": "chunk(2)"}[kind]
        code = f"{y} = {x.name}.{call}[{k}]"
        shape = s[1:] if kind == "unbind" else (1,) + s[1:] if kind == "split" else \
            ((s[0] + 1) // 2,) + s[1:]
        tag = kind
    else:
        code, shape, tag = f"{y} = {x.name}.detach()[0]" if nd else f"{y} = {x.name}.detach()", \
            s[1:], "detach"
        g.define(Var(y, "tensor", shape, x.dtype, False, view=x.view or x.name, data=x.data))
        return Stmt(code, tag, (y,), (x.name,))
    _view_of(g, x, y, shape)
    if not g.grad_on:
        g.vars[y].rg = False
    return Stmt(code, tag, (y,), (x.name,), needs=needs)


def getitem_advanced(g):
    x = g.tensor()
    if x is None:
        return None
    y = g.fresh()
    idx, shape = advanced_index(g, x)
    g.define(Var(y, "tensor", shape + x.shape[1:], x.dtype, x.rg and g.grad_on))
    return Stmt(f"{y} = {x.name}[{idx}]", "getitem[adv]", (y,), (x.name,))


# ---------------------------------------------------------------------------- __setitem__

def setitem(g):
    x = g.tensor()
    if x is None:
        return None
    if g.chance(0.55):
        idx, shape = basic_index(g, x.shape)
        if g.chance(0.35):   # the full-range forms, which write into x itself
            idx = g.pick([":", "...", f"0:{x.shape[0]}" if x.shape else "...", "..., :"
                          if x.shape else "..."])
            shape = x.shape
        tag = "setitem"
    else:
        idx, shape = advanced_index(g, x)
        tag = "setitem[adv]"
    kind = g.pick(["number", "tensor", "tensor", "zero-dim"])
    reads = [x.name]
    if kind == "number":
        val = g.number(x.dtype)
    elif kind == "zero-dim":
        v = g.tensor(lambda v: v.shape == ())
        if v is None:
            val = f"torch.tensor({g.scalar(x.dtype)})"
        else:
            val = v.name
            reads.append(v.name)
    else:
        v = g.tensor(lambda v: v.shape == shape or v.shape == shape[-1:] or len(v.shape) < 2)
        if v is None:
            val = g.number(x.dtype)
        else:
            val = v.name
            reads.append(v.name)
    _after_write(g, x, [g.vars[r] for r in reads[1:]])
    if x.dtype not in FLOATS:
        x.rg = False
    return Stmt(f"{x.name}[{idx}] = {val}", tag, (), tuple(reads), writes=x.name,
                marks=_data_mark(x))
