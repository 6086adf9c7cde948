"""From an `Op` declaration to its entry points: function, method, in-place method, operators.

`entry_points(op)` returns them as plain functions (attaching them to `Tensor` and `insitu` is
`insitu.methods`' job). Each is Python source generated from the op's schema and run once at
import (as `dataclasses` builds `__init__`), so argument parsing is ordinary Python and nothing
is looked up per call.

The method and the in-place method start with a fast path for the common case: the operand
kinds (dtype, 0-dim or not, number type, parameter types) were already validated once by the
full pipeline and cached per op; operands are numbers, None, or tensors of self's shape from
another storage (in place); self is not a view and its storage is not read-only, inference or
watched. Autograd runs on the fast path too. Everything else falls through to
`ops.pipelines`, where every check lives, so the two paths cannot disagree on a verdict.
"""
import inspect

from ..autograd.grad_mode import mode
from ..autograd.versions import write
from ..backend import xp
from ..core.storage import FAST_WRITE_BITS
from ..core.storage import Storage
from ..core.tensor import Tensor
from .. import memory
from . import parallel, pipelines
from .op_docs import docstring
from .parsing import NOT_GIVEN as _NO_OUT, function_form
from .table import FUNCTION_OPS, ZD, param_key, signature

_MISS = object()
_GENERATED = __file__ + ":generated"   # inside the package: location lookups skip these frames


def _exec(src, env, name):
    exec(compile(src, _GENERATED, "exec"), env)
    return env[name]


def _operand_code(name, i, inplace, slow):
    """Source lines that turn operand `name` into array `a{i}` and kind `k{i}`, or fall back."""
    same_shape = (f"            if a{i}.shape != sd.shape or {name}._storage is st:\n"
                  f"                return _slow({slow})\n") if inplace else ""
    tensor = (f"        if {name}._requires_grad:\n"
              f"            rg = _mode.grad\n"
              f"        a{i} = {name}._data\n"
              f"        if a{i}.ndim:\n" + same_shape +
              f"            k{i} = {name}._dtype\n"
              f"        else:\n"
              f"            k{i} = _ZD[{name}._dtype]\n")
    # a plain Tensor first (the commonest operand, one identity test), subclasses last
    return (f"    c = {name}.__class__\n"
            f"    if c is _T:\n" + tensor +
            f"    elif c is float or c is int or c is bool:\n"
            f"        a{i} = {name}; k{i} = c\n"
            f"    elif {name} is None:\n"
            f"        a{i} = None; k{i} = None\n"
            f"    elif isinstance({name}, _T):\n" + tensor +
            f"    else:\n"
            f"        return _slow({slow})\n")


def _call_parts(op):
    args = ", ".join(op.tensors) + ","
    params = "{" + ", ".join(f"{p!r}: {p}" for p in op.params) + "}" if op.params else "_EMPTY"
    return args, params


def _fast_source(op, fname, inplace, operator=False):
    """Source of an op's method (inplace=False) or in-place method, fast path first.
    An operator (`a + b`, `a += b`) takes no parameters: they are fixed at their defaults,
    bound once in the generated code instead of being examined on every call."""
    call_args, pdict = _call_parts(op)
    slow = f"_op, ({call_args}), {pdict}"
    if operator:
        pkeys = "".join(f", _pk_{p}" for p in op.params)
    else:
        pkeys = "".join(f", ({p} if {p} is None or {p}.__class__ is str else {p}.__class__)"
                        for p in op.params)
    pargs = "".join(f", {p}" for p in op.params)
    sig = ", ".join(op.tensors) if operator else ", ".join(signature(op))
    src = [f"def {fname}({sig}):\n"]
    if operator:
        src.extend(f"    {p} = _default_{p}\n" for p in op.params)
    if inplace:   # views, and read-only/inference storages, take the full pipeline
        src.append("    st = self._storage\n"
                   "    sp = st.special\n"
                   f"    if sp & {~FAST_WRITE_BITS} or self._base is not None:\n"
                   f"        return _slow({slow})\n")
    src.append("    rg = self._requires_grad and _mode.grad\n"
               "    sd = self._data\n")
    if op.pointwise:   # a large call is split over threads by the pipelines (`ops.parallel`)
        src.append(f"    if sd.size >= _par.MIN_SIZE:\n"
                   f"        return _slow({slow})\n")
    src.append("    k0 = self._dtype if sd.ndim else _ZD[self._dtype]\n")
    for i, name in enumerate(op.tensors[1:], 1):
        src.append(_operand_code(name, i, inplace, slow))
    ks = ", ".join(f"k{i}" for i in range(len(op.tensors)))
    arrays = ", ".join(["sd"] + [f"a{i}" for i in range(1, len(op.tensors))])
    src.append(f"    info = _fast.get(({ks}{pkeys},), _MISS)\n"
               f"    if info is _MISS:\n"
               f"        return _slow({slow})\n")
    if inplace:
        # a storage with no special bit has nothing to check before a write (`versions.write`):
        # the kernel runs here, then the write tail bumps the version
        src.append(f"    if rg:\n"
                   f"        node = _pre({slow})\n"
                   f"        sp = st.special\n"
                   f"    try:\n"
                   f"        if sp:\n"
                   f"            _write(self, {op.inplace_name!r}, _k, sd, info, {arrays}{pargs})\n"
                   f"        else:\n"
                   f"            _k(sd, info, {arrays}{pargs})\n"
                   f"            _write(self, {op.inplace_name!r})\n"
                   f"    except OverflowError:\n"
                   f"        return _slow({slow})\n"
                   f"    if rg and node is not None:\n"
                   f"        _post(_op, self, node)\n"
                   f"    return self\n")
    else:
        # a kernel's `plain` form (the bare ufunc) serves calls with the parameters at their
        # defaults (an operator's, or an op without any) that force no dtype
        plain = getattr(op.kernel, "plain", None) is not None and (operator or not op.params)
        call = (f"        if info[0] is None:\n"
                f"            r = _plain({arrays})\n"
                f"        else:\n"
                f"            r = _k(None, info[0], {arrays}{pargs})\n") if plain else \
            f"        r = _k(None, info[0], {arrays}{pargs})\n"
        src.append(f"    try:\n" + call +
                   f"    except (ValueError, OverflowError):\n"
                   f"        return _slow({slow})\n"
                   f"    if r.__class__ is not _nd:\n"
                   f"        r = _asarray(r)\n"
                   f"    if r.dtype is not info[2] and r.dtype != info[2]:\n"
                   f"        r = r.astype(info[2])\n"
                   + _NEW_RESULT +
                   f"    if rg:\n"
                   f"        _record({slow}, t)\n"
                   f"    return t\n")
    return "".join(src)


# `core.tensor.new_tensor(r, info[1])`, inline: the call is a tenth of a small op's time (its
# names end in `_`: no schema argument is named so)
_NEW_RESULT = ("    st_ = _new(_Storage)\n"
               "    st_.array = r\n"
               "    st_.version = 0\n"
               "    st_.saved = 0\n"
               "    st_.special = 2 if _mode.inference else 0\n"     # the INFERENCE bit
               "    nb_ = r.nbytes\n"
               "    st_.nbytes = nb_\n"
               "    mem_ = _mem\n"
               "    mem_[0] += nb_\n"
               "    if mem_[0] > mem_[1]:\n"
               "        mem_[1] = mem_[0]\n"
               "    t = _new(_T)\n"
               "    t._data = r\n"
               "    t._dtype = info[1]\n"
               "    t._storage = st_\n"
               "    t._base = None\n"
               "    t._requires_grad = False\n"
               "    t._grad_fn = None\n")


def _slow_source(op, fname, run):
    """An entry point without a fast path (ops whose first operand is not `self`)."""
    call_args, pdict = _call_parts(op)
    return (f"def {fname}({', '.join(signature(op))}):\n"
            f"    return {run}(_op, ({call_args}), {pdict})\n")


def _function_source(op):
    """insitu.<name>: the method, or the `out=` form, or the slow path when the first operand
    is not a tensor (`insitu.pow(2.0, t)`)."""
    fname = {a.name: ("input" if a.name == "self" else a.name) for a in op.args}
    parts = signature(op, method=False)
    if op.short is not None:     # every argument after the first may be left out
        parts = parts[:1] + [p if "=" in p or p == "*" else p + "=_ABSENT" for p in parts[1:]]
    if "*" not in parts:
        parts.append("*")
    args = "(" + ", ".join(fname[t] for t in op.tensors) + ",)"
    pdict = "{" + ", ".join(f"{p!r}: {fname[p]}" for p in op.params) + "}" if op.params else "_EMPTY"
    method_args = []
    for a in sorted(op.args, key=lambda a: a.name != "self"):
        method_args.append(f"{a.name}={fname[a.name]}" if a.keyword_only and a.name != "self"
                           else fname[a.name])
    first = fname[op.args[0].name]
    src = []
    if op.short is not None:
        rest = [fname[a.name] for a in op.args[1:]]
        src.append(f"    if {' and '.join(f'{r} is _ABSENT' for r in rest)}:\n"
                   f"        return _short({first})\n")
    # an explicit out=None runs as without it, but the argument parser's refusal lists it
    src.append(f"    if out is not _NO_OUT:\n"
               f"        if out is not None:\n"
               f"            return _into_out(_op, {args}, {pdict}, out)\n"
               f"        return _none_out(_op, {args}, {pdict})\n")
    if "method" in op.variants or op.tensors[0] == "self":
        src.append(f"    if {first}.__class__ is not _T and not isinstance({first}, _T):\n"
                   f"        return _outofplace(_op, {args}, {pdict})\n"
                   f"    return _method({', '.join(method_args)})\n")
    else:
        src.append(f"    return _outofplace(_op, {args}, {pdict})\n")
    # the pipelines word an argument-parser refusal for the method (`ops.parsing`); the
    # function form counts its first argument too (a try costs nothing until it catches)
    body = "".join(src).replace("\n    ", "\n        ")
    return (f"def {op.name}({', '.join(parts + ['out=_NO_OUT'])}):\n"
            f"    try:\n    {body}"
            f"    except TypeError as e:\n"
            f"        f = _function_form(e)\n"
            f"        if f is None:\n"
            f"            raise\n"
            f"        raise f from None\n")


def function(name):
    """insitu.<name> of a table op, as a function for code below the namespace (the same object
    `insitu.methods` attaches): `function("sqrt")(x, out=buffer)`. The op's family must be
    imported (declared) first."""
    return entry_points(FUNCTION_OPS[name])["function"]


def entry_points(op):
    """{'function', 'method', 'inplace', 'operator', 'ioperator', 'roperator'} -> function,
    made once per op."""
    made = op.__dict__.get("_entry_points")
    if made is not None:
        return made
    made = op._entry_points = _make_entry_points(op)
    return made


def _make_entry_points(op):
    env_common = {"_op": op, "_outofplace": pipelines.outofplace, "_inplace": pipelines.inplace,
                  "_into_out": pipelines.into_out, "_EMPTY": {}, "_T": Tensor, "_ZD": ZD,
                  "_MISS": _MISS, "_mode": mode, "_k": op.kernel, "_nd": xp.ndarray,
                  "_asarray": xp.asarray, "_new": object.__new__, "_Storage": Storage,
                   "_mem": memory._mem,
                  "_record": pipelines.record_outofplace, "_pre": pipelines.inplace_pre,
                  "_post": pipelines.inplace_post, "_write": write, "_ABSENT": _ABSENT,
                  "_NO_OUT": _NO_OUT, "_none_out": pipelines.none_out,
                  "_short": op.short, "_par": parallel,
                  "_plain": getattr(op.kernel, "plain", None),
                  "_function_form": function_form}
    fast = op.tensors[0] == "self"
    out = {}
    if op.variants & {"method", "function"}:
        env = dict(env_common, _slow=pipelines.outofplace, _fast=op._fast_out)
        src = _fast_source(op, op.name, False) if fast else \
            _slow_source(op, op.name, "_outofplace")
        out["method"] = _exec(src, env, op.name)
    if "function" in op.variants:
        env = dict(env_common, _method=out["method"])
        out["function"] = _exec(_function_source(op), env, op.name)
    if "method" not in op.variants:
        out.pop("method", None)
    if "inplace" in op.variants:
        env = dict(env_common, _slow=pipelines.inplace, _fast=op._fast_in)
        src = _fast_source(op, op.inplace_name, True) if fast else \
            _slow_source(op, op.inplace_name, "_inplace")
        out["inplace"] = _exec(src, env, op.inplace_name)
    forward = [d for d in op.operators if _operator_kind(d, op.name) == "forward"]
    inplace_ops = [d for d in op.operators if _operator_kind(d, op.name) == "inplace"]
    if forward or inplace_ops or any(_operator_kind(d, op.name) == "reflected" for d in op.operators):
        defaults = {a.name: eval(a.default) for a in op.args if not a.operand}
        consts = {f"_default_{n}": v for n, v in defaults.items()}
        consts.update({f"_pk_{n}": param_key(v) for n, v in defaults.items()})
        if forward:
            env = dict(env_common, _slow=_operator_outofplace, _fast=op._fast_out,
                       **consts)
            out["operator"] = _exec(_fast_source(op, "_operator", False, operator=True), env,
                                    "_operator")
            out["operator"].__name__ = op.name          # profiles and tracebacks name the op
        if inplace_ops:
            env = dict(env_common, _slow=_operator_inplace, _fast=op._fast_in,
                       **consts)
            out["ioperator"] = _exec(_fast_source(op, "_ioperator", True, operator=True), env,
                                     "_ioperator")
            out["ioperator"].__name__ = op.inplace_name
        out["roperator"] = _reflected(op, defaults)
    dunders = {kind: [d for d in op.operators if _operator_kind(d, op.name) == direction]
               for kind, direction in (("ops", "forward"), ("iops", "inplace"),
                                       ("rops", "reflected"))}
    for kind, f in out.items():
        f.__module__ = "insitu"
        f.__qualname__ = f.__name__
        f.__doc__ = docstring(op, kind, dunders)
    return out


class _Absent:
    __slots__ = ()

    def __repr__(self):
        return "<absent>"


_ABSENT = _Absent()



_OPERATOR_BASES = {"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and",
                   "or", "xor", "lshift", "rshift", "div", "neg", "abs", "eq", "ne", "lt", "le",
                   "gt", "ge", "invert", "pos"}


def _operator_kind(dunder, op_name=""):
    """'__add__' forward, '__radd__' reflected, '__iadd__' in place ('__rshift__' is forward,
    and so is `__rsub__` for the op named rsub)."""
    stem = dunder[2:-2]
    if stem in _OPERATOR_BASES or stem == op_name:
        return "forward"
    if stem[0] == "r" and stem[1:] in _OPERATOR_BASES:
        return "reflected"
    if stem[0] == "i" and stem[1:] in _OPERATOR_BASES:
        return "inplace"
    raise ValueError(f"not an operator: {dunder}")


_NUMBER_OR_TENSOR = (int, float, bool, Tensor)


def not_implemented_on_type_error(fn):
    """An operator as PyTorch's: an operand its parser refuses (a TypeError) makes it return
    NotImplemented, so Python tries the other operand and then raises its own TypeError
    ("unsupported operand type(s) for +: 'Tensor' and 'NoneType'")."""
    def operator(*args):
        try:
            return fn(*args)
        except TypeError:
            return NotImplemented
    operator.__name__ = getattr(fn, "__name__", "operator")
    operator.__doc__ = fn.__doc__
    return operator


# the slow paths of the generated operators (their fast paths take only valid operand kinds)
_operator_outofplace = not_implemented_on_type_error(pipelines.outofplace)
_operator_inplace = not_implemented_on_type_error(pipelines.inplace)


def _reflected(op, defaults):
    """`2 * t`: the op with the operands swapped; foreign operands defer (NotImplemented)."""
    def reflected(self, other):
        if not isinstance(other, _NUMBER_OR_TENSOR):
            return NotImplemented
        return _operator_outofplace(op, (other, self), defaults)
    reflected.__name__ = f"__r{op.name}__"
    return reflected


def operator_slots(op, fns):
    """(dunder, function) pairs to attach for an op's operators."""
    for dunder in op.operators:
        k = _operator_kind(dunder, op.name)
        if k == "forward":
            yield dunder, fns["operator"]
        elif k == "reflected":
            yield dunder, fns["roperator"]
        else:
            yield dunder, fns["ioperator"]


def defaults_of(fn):
    return {n: p.default for n, p in inspect.signature(fn).parameters.items()
            if p.default is not inspect.Parameter.empty}
