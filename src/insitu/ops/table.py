"""The op table's entry: `Op`, one operation declared once.

    Op("mul(Tensor self, Tensor other)", uf(xp.multiply),
       derivatives={"self": lambda grad, other: grad * other,
                    "other": lambda grad, self: grad * self},
       operators=("__mul__", "__rmul__", "__imul__"))

The schema names the op and its arguments, in PyTorch's spelling. `Tensor` and `Scalar`
arguments are the operands: tensors or Python numbers (`?`: or None). They take part in type
promotion and reach the kernel as arrays or numbers. They differ only in what the graph sees of a
number: a number for a `Tensor` is a wrapped number, an input of the node (`x * 2` has two
edges); a number for a `Scalar` picks PyTorch's Scalar overload, whose node has no edge for it
(`x ** 2`, `x.clamp(0, 1)`). Untyped arguments are parameters, passed to the kernel as they are. From the declaration `ops.codegen` generates `insitu.mul(input, other,
*, out=None)`, `Tensor.mul`, `Tensor.mul_` and the operators; all of them run through the
pipelines of `ops.pipelines`, and the derivative's formulas say what a node keeps
(`ops.derivatives`).

A kernel is `kernel(out, compute_dtype, *operands, *parameters)`: it writes into `out` when
given one (the in-place and `out=` forms) and returns a new array otherwise; `compute_dtype` is
the NumPy dtype to force, or None where NumPy's own promotion already gives PyTorch's.
"""
from ..backend import xp
from ..core import dtypes
from ..core.dtypes import result_type_of
from ..core.tensor import Tensor
from .derivatives import Derivative, not_implemented

_ALL_OPS = []   # every declared op, so cached dtype decisions can be dropped together
FUNCTION_OPS = {}   # name -> the op that makes the function insitu.<name>

# what an in-place form tolerates (`writes=`):
ANY_DTYPE = "any dtype"         # the result is cast into self whatever its dtype (fill_, copy_)
EXPANDED_SELF = "expanded self"  # self may be an expanded view (fill_ and zero_ on x.expand())
ANY_SHAPE = "any shape"         # operands need not broadcast to self's shape (index_put_)
_POSITIONAL = {"dim", "diagonal", "indices", "index", "generator"}   # not pointwise
# PyTorch's same-dtype kernels: `out=` must have the operands' dtype ("Found dtype Double but
# expected Float"), castable or not (clamp's only with number bounds: `pipelines._exact_out`)
_EXACT_OUT = {"abs", "neg", "sign", "sgn", "floor", "ceil", "trunc", "round", "frac",
              "bitwise_not", "hardshrink", "lerp", "clamp", "clamp_min", "clamp_max", "heaviside"}
OWN_OVERLAP = "own overlap"     # the op's check decides what operand overlap it refuses
EXPANDED_WARNS = "expanded self warns"   # ... with PyTorch's deprecation warning (masked_fill_)
SAME_DATA_NOOP = "same data no-op"  # a source showing self's very data writes nothing (copy_)


class Op:
    """One operation's declaration (see the module docstring).

    promote       how the result dtype follows from the operands': "binary" (PyTorch's
                  promotion), "same", "float" (integers become the default float), "true_div",
                  "compare"/"bool" (bool results), "self" (the first operand's dtype),
                  "int_or_bool"; or a function of the parameters returning one of those
    variants      which entry points exist: "function", "method", "inplace"
    derivatives   the backward formulas, keyed by operand (`ops.derivatives`); None: not
                  differentiable
    node          the node's name (default: `MulBackward0` from `mul`), or a function of the
                  operands and parameters giving it (PyTorch numbers its overloads' nodes)
    computed      values the formulas read that are made at forward: name -> fn(operands, params)
    operators     the dunders: `__mul__`, its reflection `__rmul__`, its in-place `__imul__`
    check         fn(operands, params) that raises PyTorch's error before anything runs; it may
                  depend only on the operands' dtypes and kinds and on the parameters' types, as
                  the fast path keeps its verdict per kind; its `.out` attribute, if any, is
                  fn(operands, params, out), run first by the `out=` form (heaviside's dtypes)
    writes        what the in-place form tolerates (ANY_DTYPE, EXPANDED_SELF or EXPANDED_WARNS,
                  ANY_SHAPE, SAME_DATA_NOOP), or OWN_OVERLAP: the op's check decides about
                  operands that overlap self
    cast_names    the cast error names the dtype in C++ (clamp_'s "result type Float can't be
                  cast to the desired output type Long" says `Long`), or (a string) the op
                  whose check words it ("ldexp can't be cast to the desired output type Int")
    on_arrays     the formulas may run on NumPy arrays when no graph is built
    short         a function the op becomes when called with its first operand only
                  (`where(condition)` is `nonzero(condition, as_tuple=True)`)
    pointwise     whether each element of the result depends only on the operands at its
                  position, so that large calls may be split into blocks over threads
                  (`ops.parallel`): by default true unless the op writes ANY_SHAPE or takes a
                  `dim`, `diagonal` or `indices` parameter (cumsum_, tril_, index); "float":
                  only when nothing is integral (kernels that refuse integer zero divisors
                  look at the whole divisor first)
    value_check   fn(operands, params): a check on values (which the kernel makes) that PyTorch
                  makes before its dtype checks; run where the cast check is about to refuse
    grad_inplace_only  the derivatives are the in-place form's only (`eq_` makes a float
                  result with zero gradients; `eq`'s bool result has none)
    untracked_inplace  the in-place form bypasses autograd, guards included (PyTorch's
                  `logical_and_` runs its `out=` form, which records nothing)
    composite_out the op whose `out=` form PyTorch's kernel runs (abs's, isinf's: "abs"): an
                  inference tensor that requires grad, which bypasses autograd outside
                  inference mode, meets that form's refusal of arguments requiring grad
    reads_edges   the result is not differentiable, but PyTorch computes it through a
                  differentiable op (isfinite through abs), whose autograd kernel reads the
                  operands' grad_fns: a stale view raises

    A node named "NotImplemented" (a derivative PyTorch does not implement: floor_divide) runs
    no formula: its backward raises PyTorch's "derivative for aten::<op> is not implemented".
    """

    def __init__(self, schema, kernel, *, promote="binary", variants="function method inplace",
                 derivatives=None, node=None, computed=None, operators=(), check=None,
                 writes=(), cast_names=False, on_arrays=False, short=None,
                 grad_inplace_only=False, untracked_inplace=False, pointwise=None,
                 value_check=None, composite_out=None, reads_edges=False):
        self.schema = schema
        self.name, self.args = parse_schema(schema)
        self.operand_args = tuple(a for a in self.args if a.operand)
        self.tensors = tuple(a.name for a in self.operand_args)
        self.self_index = self.tensors.index("self") if "self" in self.tensors else 0
        self.params = tuple(a.name for a in self.args if not a.operand)
        self.kernel = kernel
        self.promote = promote if isinstance(promote, str) else "binary"
        self.promote_by = None if isinstance(promote, str) else promote
        self.variants = frozenset(variants.split())
        self.inplace_name = self.name + "_"
        self.check_args = check
        self.check_inplace = getattr(check, "inplace", check)   # its message may name the method
        self.check_out = getattr(check, "out", None)    # (args, params, out): out= checked first
        self.check_cast = ANY_DTYPE not in writes
        # True, False, or the name PyTorch's deprecation warning gives
        self.internal_overlap_ok = EXPANDED_SELF in writes or \
            (EXPANDED_WARNS in writes and self.inplace_name)
        self.skip_same_data = SAME_DATA_NOOP in writes
        self.check_shapes = ANY_SHAPE not in writes
        self.check_overlap = OWN_OVERLAP not in writes
        self.cpp_cast_names = cast_names
        self.exact_out = self.name in _EXACT_OUT
        self.value_check = value_check
        self.operators = operators
        self.short = short
        self.inplace_differentiable = derivatives is not None and not untracked_inplace
        self.differentiable = self.inplace_differentiable and not grad_inplace_only
        self.tracks_inplace = not untracked_inplace
        self.composite_out = composite_out
        self.reads_edges = reads_edges or self.differentiable
        # whether anything of PyTorch's autograd kernel precedes the op's checks
        self.autograd_first = self.reads_edges or composite_out is not None
        if pointwise is None:
            pointwise = self.check_shapes and not _POSITIONAL.intersection(self.params)
        self.pointwise = pointwise
        self._formulas = derivatives
        self._computed = computed
        self._on_arrays = on_arrays
        self._node = node
        self._derivatives = {}
        self.derivative = None if derivatives is None else self.derivative_named(
            node if isinstance(node, str) else _camel(self.name) + "Backward0")
        self._cache = {}                    # dtype resolution per operand-kind key
        self._fast_in = {}                  # fast-path key -> compute dtype (validated once)
        self._fast_out = {}                 # fast-path key -> (compute, result dtype, np dtype)
        _ALL_OPS.append(self)
        if "function" in self.variants:
            FUNCTION_OPS.setdefault(self.name, self)

    def derivative_named(self, name, inplace=False):
        key = (name, "inplace") if inplace else name
        d = self._derivatives.get(key)
        if d is None:
            formulas = self._formulas
            if name == "NotImplemented":
                # the in-place call's backward names the in-place op (aten::floor_divide_)
                op = self.inplace_name if inplace else self.name
                formulas = {k: not_implemented(op) for k in self.tensors}
            d = self._derivatives[key] = Derivative(
                name, formulas, inputs=self.tensors, op_name=self.name,
                computed=self._computed, on_arrays=self._on_arrays,
                scalars=[a.name for a in self.args if a.scalar])
        return d

    def derivative_for(self, args, params, inplace=False):
        """The derivative of this call (its node name may depend on the overload)."""
        if self._node is None or isinstance(self._node, str):
            d = self.derivative
        else:
            d = self.derivative_named(self._node(args, params))
        if inplace and d.name == "NotImplemented":
            return self.derivative_named("NotImplemented", True)
        return d

    def __repr__(self):
        return f"<Op {self.name}>"


class Arg:
    __slots__ = ("name", "operand", "scalar", "optional", "default", "keyword_only")

    def __init__(self, name, typ, default, keyword_only):
        self.name = name
        self.operand = typ.startswith(("Tensor", "Scalar"))
        self.scalar = typ.startswith("Scalar")
        self.optional = typ.endswith("?")
        self.default, self.keyword_only = default, keyword_only


_NO_DEFAULT = "<required>"


def parse_schema(schema):
    """'add(Tensor self, Tensor other, *, alpha=1)' -> ("add", [Arg, ...])."""
    name, _, rest = schema.partition("(")
    args, keyword_only = [], False
    for part in rest.rstrip(")").split(","):
        part = part.strip()
        if not part:
            continue
        if part == "*":
            keyword_only = True
            continue
        decl, _, default = part.partition("=")
        words = decl.split()
        typ, arg = (words if len(words) == 2 else ("", words[0]))
        args.append(Arg(arg, typ, default.strip() if default else _NO_DEFAULT, keyword_only))
    return name.strip(), args


def signature(op, method=True):
    """The Python signature of an entry point: the schema's arguments, `self` first for a
    method and renamed `input` for a function (PyTorch's `torch.where(condition, input,
    other)` is `Tensor.where(self, condition, other)`)."""
    args = list(op.args)
    if method:
        args.sort(key=lambda a: a.name != "self")
    parts, star = [], False
    for a in args:
        if a.keyword_only and not star:
            parts.append("*")
            star = True
        name = a.name if method or a.name != "self" else "input"
        parts.append(name if a.default is _NO_DEFAULT else f"{name}={a.default}")
    return parts


def formulas_on_arrays(ops):
    """Mark ops whose formulas only use what NumPy arrays share (`Derivative(on_arrays=True)`):
    without a graph to build they run on the arrays. Returns the ops."""
    for op in ops:
        op._on_arrays = True
        for d in op._derivatives.values():
            d.on_arrays = True
    return ops


def _camel(name):
    return "".join(p.capitalize() for p in name.split("_"))


def forget_dtype_decisions():
    """After set_default_dtype: cached result dtypes may name the old default (int / int)."""
    for op in _ALL_OPS:
        for cache in (op._cache, op._fast_in, op._fast_out):
            cache.clear()   # in place: the generated fast paths hold these very dicts


dtypes.on_default_dtype_change(forget_dtype_decisions)


# ------------------------------------------------------------------------- dtypes

class _ZeroDim:
    """Key marker for a 0-dim tensor operand: it promotes below dimensioned tensors."""
    __slots__ = ("dtype",)

    def __init__(self, d):
        self.dtype = d


ZD = {d: _ZeroDim(d) for d in dtypes.ALL}


def kind(x):
    """What promotion sees of an operand: a dtype, a 0-dim marker, a number type, or None."""
    if isinstance(x, Tensor):
        return x._dtype if x._data.ndim else ZD[x._dtype]
    if isinstance(x, bool):
        return bool
    if isinstance(x, int):
        return int
    if isinstance(x, float):
        return float
    if x is None:
        return None
    raise TypeError(f"unsupported operand type {type(x).__name__!r}")


def _sample(k):
    if k is bool:
        return True
    if k is int:
        return 1
    if k is float:
        return 1.0
    if isinstance(k, _ZeroDim):
        return xp.zeros((), k.dtype.np)
    return xp.zeros(1, k.np)


def resolve_dtypes(op, key):
    """(result dtype, compute dtype to force on NumPy or None, common dtype) for operand kinds."""
    dims, zds, scalars = [], [], []
    rule = op.promote
    for k in key:
        if k is None:
            continue
        if isinstance(k, str):
            rule = k
            continue
        if isinstance(k, _ZeroDim):
            zds.append(k.dtype)
        elif isinstance(k, dtypes.dtype):
            dims.append(k)
        else:
            scalars.append(dtypes.scalar_dtype(k()))
    common = result_type_of(dims, zds, scalars)
    if rule == "self":         # the result keeps the first operand's dtype (masked_fill)
        first = key[0]
        return (first.dtype if isinstance(first, _ZeroDim) else first), None, common
    if rule in ("float", "true_div"):
        result = common if common.is_floating_point else dtypes.get_default_dtype()
    elif rule in ("compare", "bool"):
        result = dtypes.bool_
    elif rule == "int_or_bool":
        if common.is_floating_point:
            raise RuntimeError(f'"{op.name}_cpu" not implemented for \'{common.legacy}\'')
        result = common
    else:
        result = common
    compute = result if rule not in ("compare", "bool") else common
    natural = xp.result_type(*[_sample(k) for k in key if k is not None and not isinstance(k, str)])
    force = None if natural == compute.np else compute.np
    return result, force, common


def dtype_info(op, args, params):
    key = tuple(kind(a) for a in args)
    if op.promote_by is not None:       # the rule depends on a parameter (div's rounding_mode)
        key += (op.promote_by(params),)
    info = op._cache.get(key)
    if info is None:
        info = op._cache[key] = resolve_dtypes(op, key)
    return info


def param_key(p):
    """The part of a parameter that can change dtype rules or validation: its type, or the
    value itself for None and strings (div's rounding_mode)."""
    return p if p is None or p.__class__ is str else p.__class__


def fast_key(op, args, params):
    """The fast-path cache key of a call, or None when the call can never take the fast path."""
    key = []
    for a in args:
        c = a.__class__
        if c is float or c is int or c is bool:
            key.append(c)
        elif a is None:
            key.append(None)
        elif isinstance(a, Tensor):
            key.append(a._dtype if a._data.ndim else ZD[a._dtype])
        else:
            return None
    for name in op.params:
        p = params[name]
        if not (p is None or isinstance(p, (str, int, float))):
            return None
        key.append(param_key(p))
    return tuple(key)
