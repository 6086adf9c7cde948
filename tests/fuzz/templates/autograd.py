"""Grad-mode blocks and decorators, backward and autograd.grad, custom Functions, hooks, and
reads of metadata."""
from ..generate import FLOATS, Var
from ..program import Block, Stmt
from .elementwise import _after_write, _data_mark, _result

CONTEXTS = [("torch.no_grad()", "no_grad", 6), ("torch.enable_grad()", "enable_grad", 2),
            ("torch.inference_mode()", "inference", 2), ("torch.set_grad_enabled(False)",
                                                         "no_grad", 2),
            ("torch.set_grad_enabled(True)", "enable_grad", 1),
            ("torch.inference_mode(False)", "grad", 1)]


def block(g, statement):
    """`with <mode>:` around 1 to 4 statements made in that mode."""
    ctx, mode, _ = g.pick(CONTEXTS, [w for _, _, w in CONTEXTS])
    if g.mode == "inference" and mode == "grad":
        mode = "inference"
    prev = g.mode
    g.mode = mode if not (prev == "inference" and mode != "grad") else "inference"
    if mode == "enable_grad" and prev == "inference":
        g.mode = "inference"
    body = []
    for _ in range(g.pick([1, 1, 2, 2, 3, 4])):
        s = statement(g, nested=True)
        if s is not None:
            body.append(s)
    g.mode = prev
    if not body:
        return None
    return Block(ctx, body, f"with {ctx.split('(')[0].replace('torch.', '')}")


_DECORATORS = ["@torch.no_grad", "@torch.no_grad()", "@torch.enable_grad", "@torch.enable_grad()",
               "@torch.inference_mode", "@torch.inference_mode()",
               "@torch.set_grad_enabled(False)", "@torch.inference_mode(False)"]


def decorated(g):
    """A function under a grad-mode decorator (with or without parentheses), called once."""
    x = g.tensor()
    if x is None:
        return None
    deco = g.pick(_DECORATORS)
    body = g.pick(["t * 2", "t.mul_(2)", "t[0]" if x.shape else "t + 1", "t.exp()",
                   "(t * 1, torch.is_grad_enabled())"])
    y = g.fresh()
    f = f"f{g.count}"
    code = f"{deco}\ndef {f}(t):\n    return {body}\n{y} = {f}({x.name})"
    off = "no_grad" in deco or "False" in deco or "inference_mode" in deco and "False" not in deco
    if "mul_" in body:
        _after_write(g, x, [x])
        g.define(Var(y, "tensor", x.shape, x.dtype, x.rg, view=x.view, data=x.data))
        return Stmt(code, deco.split("(")[0], (y,), (x.name,), writes=x.name,
                    marks=_data_mark(x))
    if body.startswith("("):
        g.define(Var(y, "tuple"))
    else:
        g.define(Var(y, "tensor", x.shape[1:] if "[0]" in body else x.shape,
                     x.dtype if "exp" not in body or x.dtype in FLOATS else "float32",
                     x.rg and not off, inference="inference_mode" in deco and "False" not in deco))
    return Stmt(code, deco.split("(")[0], (y,), (x.name,))


def mode_switch(g):
    """torch.set_grad_enabled(False) as a statement: it takes effect at once."""
    if g.mode != "grad":
        return None
    return Stmt(f"torch.set_grad_enabled({g.pick(['False', 'True'])})", "set_grad_enabled")


# ---------------------------------------------------------------------------- backward

def backward(g):
    x = g.tensor(prefer=lambda v: v.rg)
    if x is None:
        return None
    root = f"{x.name}.sum()" if x.shape != () or g.chance(0.3) else x.name
    kind = g.pick(["plain", "plain", "retain", "twice", "create", "grad", "grad", "gradient",
                   "inputs", "grad_unused"])
    leaf = g.tensor(lambda v: v.rg and v.view is None, prefer=lambda v: v is not x) or x
    if kind == "plain":
        return Stmt(f"{root}.backward()", "backward", (), (x.name,))
    if kind == "retain":
        return Stmt(f"{root}.backward(retain_graph=True)", "backward", (), (x.name,))
    if kind == "twice":
        return Stmt(f"{root}.backward()\n{root}.backward()", "backward twice", (), (x.name,),
                    simpler=[Stmt(f"{root}.backward()", "backward", (), (x.name,))])
    if kind == "create":
        return Stmt(f"{root}.backward(create_graph=True)", "backward", (), (x.name,))
    if kind == "gradient":
        return Stmt(f"{x.name}.backward(torch.ones_like({x.name}))", "backward", (), (x.name,))
    if kind == "inputs":
        return Stmt(f"{root}.backward(inputs=[{leaf.name}])", "backward", (), (x.name,))
    y = g.fresh()
    g.define(Var(y, "tuple"))
    extra = g.pick(["", ", retain_graph=True", ", create_graph=True", ", allow_unused=True"])
    if kind == "grad_unused":
        extra = ", allow_unused=True"
    return Stmt(f"{y} = torch.autograd.grad({root}, [{leaf.name}]{extra})", "autograd.grad",
                (y,), (x.name, leaf.name), marks=("grad-result",))


def grads(g):
    """Resetting or using a leaf's .grad, hooks and retain_grad."""
    x = g.tensor(lambda v: v.rg)
    if x is None:
        return None
    kind = g.pick(["none", "zero", "hook", "read", "post"])
    if kind == "none":
        return Stmt(f"{x.name}.grad = None", "grad = None", (x.name,), (x.name,))
    if kind == "zero":
        return Stmt(f"{x.name}.grad.zero_()", "grad.zero_", (x.name,), (x.name,))
    if kind == "hook":
        h = g.fresh()
        g.define(Var(h, "handle"))
        # torch 2.13 segfaults in Tensor.register_hook on a view whose base was written in
        # place since the view's grad_fn was last read (the stale grad_fn is not regenerated
        # there); reading grad_fn first regenerates it, so these programs get compared
        return Stmt(f"{x.name}.grad_fn\n{h} = {x.name}.register_hook(lambda g: g * 2)",
                    "register_hook", (), (x.name,))
    if kind == "post":
        return Stmt(f"{x.name}.register_post_accumulate_grad_hook(lambda p: None)",
                    "post_accumulate_hook", (), (x.name,))
    y = g.fresh()
    g.define(Var(y, "tensor", x.shape, x.dtype, False))
    return Stmt(f"{y} = {x.name}.grad", "read .grad", (y,), (x.name,), marks=("grad-result",))


def function(g):
    """Custom autograd Functions: one that modifies its input in place (mark_dirty), one that
    saves it."""
    x = g.tensor()
    if x is None:
        return None
    y = g.fresh()
    name = g.pick(["Double_", "Square", "Double_"])
    if name == "Double_":
        _after_write(g, x, [x])
        g.define(Var(y, "tensor", x.shape, x.dtype, x.rg, view=x.view, data=x.data))
        return Stmt(f"{y} = Double_.apply({x.name})", "Function mark_dirty", (y,), (x.name,),
                    writes=x.name, needs=("Double_",), marks=_data_mark(x))
    _result(g, y, x.shape, x.dtype, [x])
    return Stmt(f"{y} = Square.apply({x.name})", "Function", (y,), (x.name,), needs=("Square",))


def reads(g):
    x = g.tensor()
    if x is None:
        return None
    y = g.fresh()
    g.define(Var(y, "python"))
    what = g.pick(["item()", "is_leaf", "_version", "requires_grad", "is_inference()",
                   "tolist()", "sum().item()", "grad_fn", "[0]", "numpy()", "output_nr",
                   "is_contiguous()", "stride()"])
    if what == "[0]":
        g.vars[y] = Var(y, "tensor", x.shape[1:], x.dtype, x.rg and g.grad_on,
                        view=x.view or x.name, data=x.data)
        return Stmt(f"{y} = {x.name}[0]", "getitem", (y,), (x.name,))
    if what == "grad_fn":
        return Stmt(f"{y} = type({x.name}.grad_fn).__name__", "grad_fn", (y,), (x.name,))
    if what == "numpy()":
        return Stmt(f"{y} = {x.name}.numpy().tolist()", "numpy", (y,), (x.name,))
    return Stmt(f"{y} = {x.name}.{what}", what.split("(")[0], (y,), (x.name,))
