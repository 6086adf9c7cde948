"""The statements a program is made of, one function per kind (`TEMPLATES`, weighted).

Each template reads the generator's model of the variables (`generate.Gen`), returns a `Stmt`
(None when it does not apply) and updates the model. Elementwise ops come from insitu's own op
table, so every table op that PyTorch also has is covered in all its forms: method, function,
in-place method, `out=`, operator, reflected operator and augmented assignment.
"""
import torch

from insitu.ops.table import _ALL_OPS

from ..generate import FLOATS, Var, broadcast, category, promote
from ..program import Block, Stmt

# ---------------------------------------------------------------------------- the op table

_RANDOM = {"uniform", "normal", "bernoulli", "random", "exponential", "geometric", "log_normal",
           "cauchy"}
# table ops with their own templates below (their parameters need values that make sense)
_OWN = {"clamp", "clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv", "masked_fill", "where",
        "fill", "zero", "copy", "cumsum", "cumprod", "index", "index_put", "index_add",
        "index_copy", "index_fill", "scatter", "scatter_add", "scatter_reduce", "masked_scatter",
        "put", "tril", "triu", "nan_to_num", "hardtanh", "threshold",
        "leaky_relu", "elu", "gelu", "silu", "round"}
# matrix products need operands of matching inner sizes, which the elementwise model does not
# make; their in-place forms and gradients are tested against torch in tests/ops/test_linalg*.py
_PRODUCTS = {"addmm", "addmv", "baddbmm", "addbmm", "addr"}
# what PyTorch calls a table op's method when it is not the op's name
_TORCH_NAME = {}


def _torch_has(name):
    return hasattr(torch.Tensor, name) or hasattr(torch, name)


def _split_table():
    unary, binary = {}, {}
    for op in _ALL_OPS:
        if op.name in _RANDOM or op.name in _OWN or op.name in _PRODUCTS \
                or not _torch_has(op.name):
            continue
        required = [a for a in op.args if a.default == "<required>"]
        if len(required) == 1:
            unary[op.name] = op
        elif len(required) == 2 and all(a.operand for a in required):
            binary[op.name] = op
    return unary, binary


UNARY, BINARY = _split_table()


def _accepts(call):
    """Whether PyTorch's argument parser takes this form (TypeError: it has no such overload;
    a statement of that form would only test the parser's message)."""
    try:
        call()
    except TypeError:
        return False
    except Exception:   # noqa: BLE001 (any other error is the op's own business)
        pass
    return True


def _ones():
    return torch.ones(2)


HAS_OUT = {n for n in UNARY if hasattr(torch, n) and _accepts(
    lambda: getattr(torch, n)(_ones(), out=_ones()))} | {
    n for n in BINARY if hasattr(torch, n) and _accepts(
        lambda: getattr(torch, n)(_ones(), _ones(), out=_ones()))}
TAKES_NUMBER = {n for n in BINARY if _accepts(lambda: getattr(_ones(), n)(2.0))}
COVERED = set(UNARY) | set(BINARY) | _OWN   # checked against the table by test_fuzz
EXCLUDED = {name: "random numbers: insitu's generator is not PyTorch's" for name in _RANDOM}
EXCLUDED.update({name: "matrix products: operands need matching inner sizes" for name in _PRODUCTS})
EXCLUDED.update({name: "an order parameter of its own (polygamma's n, mvlgamma's p, whose domain "
                       "depends on it): tested against torch in tests/ops/test_gamma.py"
                 for name in ("polygamma", "mvlgamma")})


def _result_dtype(op, *dtypes, zeros=()):
    rule = op.promote
    d = dtypes[0]
    for i, e in enumerate(dtypes[1:], 1):
        d = promote(d, e, 0 in zeros, i in zeros)
    if rule in ("float", "true_div") and category(d) < 2:
        return "float32"
    if rule in ("compare", "bool"):
        return "bool"
    if rule == "self":
        return dtypes[0]
    return d


def _result(g, name, shape, dtype, inputs, differentiable=True, **kw):
    rg = (g.grad_on and dtype in FLOATS and differentiable
          and any(v is not None and v.rg for v in inputs))
    return g.define(Var(name, "tensor", shape, dtype, rg, inference=g.mode == "inference", **kw))


def _after_write(g, target, operands=(), differentiable=True):
    """The model after an in-place write into `target`."""
    if g.grad_on and differentiable and target.is_float and any(v.rg for v in operands):
        target.rg = True
        base = g.vars.get(target.view)
        if base is not None:
            base.rg = True


# ---------------------------------------------------------------------------- operands

def _operand(g, x, number_ok=True, pred=None):
    """(code, Var or None): a tensor variable broadcasting with `x`, or a Python number."""
    if number_ok and g.chance(0.35):
        return g.number(x.dtype), None
    v = g.operand_for(x, pred)
    if v is None:
        return g.number(x.dtype), None
    return v.name, v


# ---------------------------------------------------------------------------- creation

def create(g, name=None):
    name = name or g.fresh()
    shape = g.shape()
    dt = g.pick(["float32", "float64", "int64", "int32", "bool", "uint8"], [10, 3, 2, 1, 1, 1])
    rg = dt in FLOATS and g.chance(0.7) or (g.chance(0.03))
    how = g.pick(["tensor", "tensor", "tensor", "ones", "zeros", "full", "arange"])
    dtype = f"dtype=torch.{dt}"
    if how == "tensor":
        expr = f"torch.tensor({g.data(shape, dt)}, {dtype}"
    elif how == "full":
        expr = f"torch.full({g.shape_code(shape)}, {g.scalar(dt)}, {dtype}"
    elif how == "arange" and len(shape) <= 1:
        n = shape[0] if shape else 3
        shape = (n,)
        expr = f"torch.arange({n}, {dtype}"
    else:
        how = "ones" if how == "arange" else how
        expr = f"torch.{how}({g.shape_code(shape)}, {dtype}"
    plain = expr + ")"
    code = f"{name} = {expr}{', requires_grad=True' if rg else ''})"
    simpler = [Stmt(f"{name} = {plain}", "create", (name,))] if rg else []
    g.define(Var(name, "tensor", shape, dt, rg and dt in FLOATS,
                 inference=g.mode == "inference"))
    return Stmt(code, "create", (name,), simpler=simpler)


def derive(g):
    """clone, detach, .data, requires_grad_, conversions, detach_, retain_grad."""
    x = g.tensor()
    if x is None:
        return None
    y = g.fresh()
    kind = g.pick(["clone", "detach", "data", "detach_rg", "requires_grad_", "requires_grad_f",
                   "to64", "float", "long", "detach_", "retain_grad", "contiguous", "nonleaf"],
                  [4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 2, 1, 4])
    if kind == "clone":
        _result(g, y, x.shape, x.dtype, [x])
        return Stmt(f"{y} = {x.name}.clone()", "clone", (y,), (x.name,))
    if kind == "nonleaf":
        op = g.pick(["* 1", "+ 0", "* 2.0", "- 1"])
        _result(g, y, x.shape, promote(x.dtype, "float32" if "." in op else "int64", False, True),
                [x])
        return Stmt(f"{y} = {x.name} {op}", "arith", (y,), (x.name,))
    if kind in ("detach", "data"):
        g.define(Var(y, "tensor", x.shape, x.dtype, False, view=x.view or x.name,
                     data=kind == "data" or x.data, inference=x.inference))
        tag = "detach" if kind == "detach" else "data"
        return Stmt(f"{y} = {x.name}.{'detach()' if kind == 'detach' else 'data'}", tag, (y,),
                    (x.name,), marks=("data",) if kind == "data" else ())
    if kind == "detach_rg":
        g.define(Var(y, "tensor", x.shape, x.dtype, x.is_float, inference=x.inference))
        return Stmt(f"{y} = {x.name}.detach().requires_grad_()", "detach", (y,), (x.name,))
    if kind == "requires_grad_":
        x.rg = x.rg or x.is_float
        return Stmt(f"{x.name}.requires_grad_()", "requires_grad_", (x.name,), (x.name,))
    if kind == "requires_grad_f":
        x.rg = x.rg and x.view is None and False
        return Stmt(f"{x.name}.requires_grad_(False)", "requires_grad_", (x.name,), (x.name,))
    if kind == "to64":
        _result(g, y, x.shape, "float64", [x])
        return Stmt(f"{y} = {x.name}.to(torch.float64)", "to", (y,), (x.name,))
    if kind in ("float", "long"):
        _result(g, y, x.shape, "float32" if kind == "float" else "int64", [x])
        return Stmt(f"{y} = {x.name}.{kind}()", "to", (y,), (x.name,))
    if kind == "detach_":
        x.rg = False
        return Stmt(f"{x.name}.detach_()", "detach_", (x.name,), (x.name,))
    if kind == "retain_grad":
        return Stmt(f"{x.name}.retain_grad()", "retain_grad", (x.name,), (x.name,))
    _result(g, y, x.shape, x.dtype, [x])
    return Stmt(f"{y} = {x.name}.contiguous()", "contiguous", (y,), (x.name,))


# ---------------------------------------------------------------------------- elementwise

def unary(g):
    name = g.pick(sorted(UNARY))
    op = UNARY[name]
    x = g.tensor()
    if x is None:
        return None
    form = _form(g, op)
    dt = _result_dtype(op, x.dtype)
    y = g.fresh()
    call = "()"
    if form == "inplace":
        _after_write(g, x, [x], op.differentiable)
        if g.chance(0.3):
            g.define(Var(y, "tensor", x.shape, x.dtype, x.rg, view=x.view, data=x.data))
            return Stmt(f"{y} = {x.name}.{name}_{call}", f"{name}_", (y,), (x.name,),
                        writes=x.name, marks=_data_mark(x))
        return Stmt(f"{x.name}.{name}_{call}", f"{name}_", (), (x.name,), writes=x.name,
                    marks=_data_mark(x))
    if form == "out":
        z = g.tensor()
        if z is None or z is x:
            return None
        return Stmt(f"torch.{name}({x.name}, out={z.name})", f"{name}(out=)", (), (x.name,),
                    writes=z.name, marks=_data_mark(z))
    _result(g, y, x.shape, dt, [x], op.differentiable)
    if form == "function" and hasattr(torch, name):
        return Stmt(f"{y} = torch.{name}({x.name})", name, (y,), (x.name,))
    if form == "operator" and op.operators:
        sym = {"__neg__": "-", "__abs__": "abs", "__invert__": "~"}.get(op.operators[0])
        if sym == "abs":
            return Stmt(f"{y} = abs({x.name})", name, (y,), (x.name,))
        if sym:
            return Stmt(f"{y} = {sym}{x.name}", name, (y,), (x.name,))
    return Stmt(f"{y} = {x.name}.{name}()", name, (y,), (x.name,))


def _form(g, op):
    forms, weights = [], []
    for f, w in (("method", 3), ("function", 2), ("inplace", 5), ("out", 1), ("operator", 2)):
        if f == "method" and "method" not in op.variants:
            continue
        if f == "function" and "function" not in op.variants:
            continue
        if f in ("inplace",) and "inplace" not in op.variants:
            continue
        if f == "out" and op.name not in HAS_OUT:
            continue
        if f == "operator" and not op.operators:
            continue
        forms.append(f)
        weights.append(w)
    return g.pick(forms, weights) if forms else "method"


def _data_mark(x):
    return ("data-write",) if x.data else ()


_SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/", "floor_divide": "//",
           "remainder": "%", "pow": "**", "bitwise_and": "&", "bitwise_or": "|",
           "bitwise_xor": "^", "bitwise_left_shift": "<<", "bitwise_right_shift": ">>",
           "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def binary(g):
    name = g.pick(sorted(BINARY))
    op = BINARY[name]
    x = g.tensor()
    if x is None:
        return None
    form = _form(g, op)
    number_ok = name in TAKES_NUMBER or g.chance(0.05)
    o, ov = _operand(g, x, number_ok)
    if name in ("pow",) and ov is None:
        o = g.pick(["2", "2.0", "0.5", "-0.5", "-1", "-2", "0", "1", "3", "-1.0", "0.0", "1.5",
                    "-2.0", "3.0", o])
    reads = (x.name,) + ((ov.name,) if ov else ())
    y = g.fresh()
    sym = _SYMBOL.get(name)
    if form == "inplace":
        _after_write(g, x, [x] + ([ov] if ov else []), op.differentiable)
        if sym and g.chance(0.4) and name not in ("eq", "ne", "lt", "le", "gt", "ge"):
            return Stmt(f"{x.name} {sym}= {o}", f"{name}_", (), reads, writes=x.name,
                        marks=_data_mark(x))
        return Stmt(f"{x.name}.{name}_({o})", f"{name}_", (), reads, writes=x.name,
                    marks=_data_mark(x))
    if form == "out":
        z = g.tensor()
        if z is None:
            return None
        return Stmt(f"torch.{name}({x.name}, {o}, out={z.name})", f"{name}(out=)", (),
                    reads, writes=z.name, marks=_data_mark(z))
    shape = broadcast(x.shape, ov.shape) if ov else x.shape
    dt = _result_dtype(op, x.dtype, ov.dtype if ov else ("float32" if "." in o or "inf" in o
                                                         else "int64"),
                       zeros=() if ov and ov.shape else (1,))
    _result(g, y, shape or x.shape, dt, [x, ov], op.differentiable)
    if form == "operator" and sym:
        if ov is None and g.chance(0.4):
            return Stmt(f"{y} = {o} {sym} {x.name}", f"r{name}", (y,), reads)
        return Stmt(f"{y} = {x.name} {sym} {o}", name, (y,), reads)
    if form == "function":
        return Stmt(f"{y} = torch.{name}({x.name}, {o})", name, (y,), reads)
    return Stmt(f"{y} = {x.name}.{name}({o})", name, (y,), reads)


def _bound(g, x):
    if g.chance(0.7):
        return g.number(x.dtype)
    v = g.operand_for(x)
    return v.name if v is not None else g.number(x.dtype)


def with_params(g):
    """Table ops whose parameters need values: clamp, lerp, addcmul, masked_fill, where, ..."""
    x = g.tensor()
    if x is None:
        return None
    kind = g.pick(["clamp", "clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv",
                   "masked_fill", "where", "alpha", "rounding", "nan_to_num", "hardtanh",
                   "round", "tril", "cumsum", "functional"])
    inplace = g.chance(0.6)
    suffix = "_" if inplace else ""
    y = g.fresh()
    lhs = "" if inplace else f"{y} = "
    reads = [x.name]
    if kind == "clamp":
        lo, hi = _bound(g, x), _bound(g, x)
        args = g.pick([f"{lo}, {hi}", f"min={lo}", f"max={hi}", f"{lo}", f"min={lo}, max={hi}"])
        call = f"{x.name}.clamp{suffix}({args})"
        reads += [a for a in (lo, hi) if a in g.vars]
    elif kind in ("clamp_min", "clamp_max"):
        b = _bound(g, x)
        call = f"{x.name}.{kind}{suffix}({b})"
        reads += [b] if b in g.vars else []
    elif kind == "lerp":
        e = g.operand_for(x)
        if e is None:
            return None
        w = g.pick(["0.5", "0.0", "1.0", "0.25", "2.0", "-1.0"]) if g.chance(0.7) else \
            (g.operand_for(x) or e).name
        call = f"{x.name}.lerp{suffix}({e.name}, {w})"
        reads += [e.name] + ([w] if w in g.vars else [])
    elif kind in ("addcmul", "addcdiv"):
        a, b = g.operand_for(x), g.operand_for(x)
        if a is None or b is None:
            return None
        v = g.pick(["", ", value=2", ", value=0.5", ", value=-1"])
        call = f"{x.name}.{kind}{suffix}({a.name}, {b.name}{v})"
        reads += [a.name, b.name]
    elif kind == "masked_fill":
        m = g.pick([f"{x.name} > 0", f"{x.name} != {x.name}"])
        if x.dtype == "bool":
            m = x.name
        call = f"{x.name}.masked_fill{suffix}({m}, {g.number(x.dtype)})"
    elif kind == "where":
        o, ov = _operand(g, x)
        y_ = f"{y} = torch.where({x.name} > 0, {x.name}, {o})"
        shape = broadcast(x.shape, ov.shape) if ov else x.shape
        _result(g, y, shape or x.shape, promote(x.dtype, ov.dtype if ov else x.dtype), [x, ov])
        return Stmt(y_, "where", (y,), reads + ([ov.name] if ov else []))
    elif kind == "alpha":
        o, ov = _operand(g, x)
        call = f"{x.name}.{g.pick(['add', 'sub'])}{suffix}({o}, alpha={g.pick(['2', '0.5', '-1'])})"
        reads += [ov.name] if ov else []
    elif kind == "rounding":
        o, ov = _operand(g, x)
        call = f"{x.name}.div{suffix}({o}, rounding_mode={g.pick(['None', repr('floor'), repr('trunc')])})"
        reads += [ov.name] if ov else []
    elif kind == "nan_to_num":
        call = f"{x.name}.nan_to_num{suffix}({g.pick(['', 'nan=1.0', 'posinf=2.0, neginf=-2.0'])})"
    elif kind == "hardtanh":
        args = g.pick(["", "-0.5, 0.5", "min_val=0.0, max_val=2.0"])
        call = f"torch.nn.functional.hardtanh{suffix}({x.name}{', ' if args else ''}{args})"
    elif kind == "round":
        call = f"{x.name}.round{suffix}({g.pick(['', 'decimals=1', 'decimals=-1'])})"
    elif kind == "tril":
        call = f"{x.name}.{g.pick(['tril', 'triu'])}{suffix}({g.pick(['', '1', '-1'])})"
    elif kind == "cumsum":
        d = g.pick(["0", "-1", "1"])
        call = f"{x.name}.{g.pick(['cumsum', 'cumprod'])}{suffix}({d})"
    else:
        fn = g.pick(["relu", "silu", "elu", "leaky_relu", "hardtanh", "relu6", "gelu", "sigmoid",
                     "tanh", "threshold"])
        inplace = inplace and fn not in ("gelu", "sigmoid", "tanh")
        lhs = "" if inplace else f"{y} = "
        args = ", 0.5, -2.0" if fn == "threshold" else ""
        call = f"torch.nn.functional.{fn}({x.name}{args}{', inplace=True' if inplace else ''})"
    if inplace:
        _after_write(g, x, [g.vars[r] for r in reads if r in g.vars])
        return Stmt(lhs + call, f"{kind}_", (), tuple(reads), writes=x.name, marks=_data_mark(x))
    _result(g, y, x.shape, x.dtype if kind not in ("nan_to_num",) else x.dtype,
            [g.vars[r] for r in reads if r in g.vars])
    return Stmt(lhs + call, kind, (y,), tuple(reads))


def writes(g):
    """fill_, zero_, copy_ and the index/scatter writes."""
    x = g.tensor()
    if x is None:
        return None
    kind = g.pick(["fill", "fill", "zero", "copy", "copy", "index_add", "index_copy",
                   "index_fill", "scatter", "scatter_add", "scatter_reduce", "put", "index_put",
                   "masked_scatter", "fill_tensor"])
    reads = [x.name]
    operands = []       # operands derived from a variable, for the overlap rule
    n0 = x.shape[0] if x.shape else 1
    idx = g.pick([f"torch.tensor([0])", f"torch.tensor([{n0 - 1}, 0])",
                  f"torch.tensor([{n0}])", "torch.tensor([0, 0])"], [4, 4, 1, 1])
    src = g.operand_for(x)
    if kind == "fill":
        code = f"{x.name}.fill_({g.number(x.dtype)})"
    elif kind == "fill_tensor":
        v = g.tensor(lambda v: v.shape == ()) if g.chance(0.8) else g.tensor()
        if v is None:
            return None
        code = f"{x.name}.fill_({v.name})"
        reads.append(v.name)
    elif kind == "zero":
        code = f"{x.name}.zero_()"
    elif kind == "copy":
        v = src if src is not None and g.chance(0.85) else g.tensor()
        if v is None:
            return None
        code = f"{x.name}.copy_({v.name})"
        reads.append(v.name)
    elif src is None:
        return None
    elif kind in ("index_add", "index_copy"):
        alpha = g.pick(["", ", alpha=2"]) if kind == "index_add" else ""
        s = f"{src.name}[:1]" if src.shape and src.shape[0] > 1 and "[0]" in idx and "0, 0" not in idx else src.name
        code = f"{x.name}.{kind}_(0, {idx}, {s}{alpha})"
        reads.append(src.name)
        operands.append(s)
    elif kind == "index_fill":
        code = f"{x.name}.index_fill_(0, {idx}, {g.number(x.dtype)})"
    elif kind in ("scatter", "scatter_add", "scatter_reduce"):
        shape = src.shape if src.shape else ()
        index = f"torch.zeros({g.shape_code(shape)}, dtype=torch.int64)" if g.chance(0.6) else \
            f"torch.ones({g.shape_code(shape)}, dtype=torch.int64)"
        extra = f", {g.pick([repr('sum'), repr('prod'), repr('amax'), repr('mean')])}" \
            if kind == "scatter_reduce" else ""
        if kind == "scatter" and g.chance(0.3):
            code = f"{x.name}.scatter_(0, {index}, {g.number(x.dtype)})"
        else:
            code = f"{x.name}.{kind}_(0, {index}, {src.name}{extra})"
            reads.append(src.name)
    elif kind == "put":
        acc = g.pick(["", ", accumulate=True"])
        code = f"{x.name}.put_(torch.tensor([0, 1]), {src.name}.reshape(-1)[:2]{acc})"
        reads.append(src.name)
        operands.append(f"{src.name}.reshape(-1)[:2]")
    elif kind == "index_put":
        acc = g.pick(["", ", accumulate=True"])
        code = f"{x.name}.index_put_(({idx},), {src.name}[0]{acc})" if src.shape else \
            f"{x.name}.index_put_(({idx},), {src.name}{acc})"
        reads.append(src.name)
        if src.shape:
            operands.append(f"{src.name}[0]")
    else:
        code = f"{x.name}.masked_scatter_({x.name} > 0, {src.name})"
        reads.append(src.name)
    _after_write(g, x, [g.vars[r] for r in reads if r in g.vars and r != x.name])
    return Stmt(code, f"{kind}_", (), tuple(reads), writes=x.name, marks=_data_mark(x),
                operands=operands)


def reduce(g):
    x = g.tensor()
    if x is None:
        return None
    y = g.fresh()
    kind = g.pick(["sum()", "mean()", "sum(0)", "prod()", "amax(0)", "max()", "norm()",
                   "cumsum(0)", "softmax(0)", "std()", "logsumexp(0)", "matmul"])
    if kind == "matmul":
        o = g.tensor(lambda v: v.shape and x.shape and v.shape[0] == x.shape[-1])
        if o is None:
            return None
        _result(g, y, x.shape[:-1] + o.shape[1:], promote(x.dtype, o.dtype), [x, o])
        return Stmt(f"{y} = {x.name} @ {o.name}", "matmul", (y,), (x.name, o.name))
    shape = () if "()" in kind else x.shape[1:]
    if kind.startswith(("cumsum", "softmax")):
        shape = x.shape
    dt = x.dtype if kind.split("(")[0] in ("amax", "max", "cumsum") else \
        (x.dtype if x.is_float else "float32")
    _result(g, y, shape, dt, [x])
    return Stmt(f"{y} = {x.name}.{kind}", kind.split("(")[0], (y,), (x.name,))
