"""What PyTorch's argument parser refuses of a table op's operands, in its words.

PyTorch binds an op to one or more Python signatures. A call that fits none is refused before
anything runs, and how depends on how many signatures could take that many arguments:

* one (`fmax(Tensor input, Tensor other)`, `addcmul`, every unary op): the first argument
  that does not fit is named, counted among the call's own arguments: `x.fmax(v)` has `other`
  at position 1, `torch.fmax(x, v)` at position 2, `torch.fmax(None, x)` has `input` at 1;
* several (a Tensor and a Scalar overload: `eq`, `pow`, `bitwise_and`, `clamp`...): "received
  an invalid combination of arguments - got (Tensor, NoneType), ...".

A Tensor argument takes a number only where PyTorch lets numbers stand for tensors (`add`,
`sub`, `mul`, `div`), where a Scalar overload takes it, or where the schema says `Scalar`;
elsewhere (`maximum(t, 2)`) a number is refused like None.

The pipelines word the refusal as for a method call (`argument_error`); the generated function
form rewords it (`function_form`). This runs only where a call missed the fast path, and does
no more than a type test per operand unless it refuses.
"""
from ..core.tensor import Tensor

# ops with a Scalar overload beside the Tensor one (native_functions.yaml's `.Scalar`
# variants that have Python bindings); None for an operand matches neither
OVERLOADED = frozenset({
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
    "clamp", "clamp_min", "clamp_max", "copysign", "eq", "ne", "lt", "le", "gt", "ge", "fill",
    "floor_divide", "fmod", "remainder", "pow", "rsub", "xlogy", "index_fill", "scatter", "lerp",
    "masked_fill", "where"})
# with `out=`, the signatures that take one (floor_divide's Scalar overload has no out=; div's
# rounding_mode overload has)
OVERLOADED_OUT = (OVERLOADED - {"floor_divide"}) | {"div", "addmm", "baddbmm"}
# Tensor arguments that take a number without a Scalar overload (PyTorch's
# `should_allow_numbers_as_tensors`)
NUMBERS_AS_TENSORS = frozenset({"add", "sub", "mul", "div", "floor_divide"})
# function forms whose first operand may be a number (`torch.pow(2, t)`, `torch.add(1, t)`)
NUMBER_FIRST = NUMBERS_AS_TENSORS | {"remainder", "pow", "xlogy", "bitwise_and", "bitwise_or",
                                     "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"}
_SHOWN = {("copy", "src"): "other"}     # PyTorch's names where they are not the schema's


class _NotGiven:
    """The default of an argument told apart from an explicit None (`out=`, scatter's `src`):
    shown as None."""
    __slots__ = ()

    def __repr__(self):
        return "None"


NOT_GIVEN = _NotGiven()


def _kind(v):
    return "Tensor" if isinstance(v, Tensor) else type(v).__name__


def invalid_combination(name, args, kwargs):
    """The first line of PyTorch's argument-parser error (its keywords come out in reverse)."""
    got = ", ".join(_kind(a) for a in args)
    keywords = [f"{k}={_kind(v)}" for k, v in reversed(kwargs.items())]
    got += "".join(", " + k for k in keywords) if args else "".join(k + ", " for k in keywords)
    return f"{name}() received an invalid combination of arguments - got ({got}), but " \
           "expected one of:\n"


def argument_error(name, args, index, shown, skip=0, kwargs=None, place=None):
    """PyTorch's parser refusal, worded for a method call (self uncounted), as a plain
    TypeError; its `function_form` attribute is the function form's (`torch.fmax(x, v)`
    counts x as position 1). `index` is the refused operand's place among the operands (None:
    no signature fits), `place` its place among all the arguments (index_add's source comes
    after dim and index; default `index`), `skip` self's place (where's self comes after its
    condition)."""
    if index is None:
        kwargs = kwargs or {}
        method = invalid_combination(name, [a for i, a in enumerate(args) if i != skip], kwargs)
        function = invalid_combination(name, args, kwargs)
    else:
        message = f"{name}(): argument '{shown}' (position {{}}) must be Tensor, not " \
                  f"{type(args[index]).__name__}"
        place = index if place is None else place
        method = message.format(place if place > skip else place + 1)
        function = message.format(place + 1)
    e = TypeError(method)
    e.function_form = function
    return e


def function_form(e):
    """The function form's wording of a refusal made by `argument_error`, or None."""
    message = getattr(e, "function_form", None)
    return None if message is None else TypeError(message)


def refuse(op, args, name, out=None, none_out=False):
    """Raise PyTorch's parser error for operands no signature of `op` takes; `name` is the entry
    point's (`hypot_` for the in-place method), `out` the `out=` tensor. Self is not a tensor
    only in the function form."""
    overloaded = op.name in (OVERLOADED if out is None and not none_out else OVERLOADED_OUT)
    numbers = overloaded or op.name in NUMBERS_AS_TENSORS
    operands = op.operand_args
    for i in range(len(args)):
        v = args[i]
        if v.__class__ is Tensor or isinstance(v, Tensor):
            continue
        arg = operands[i]
        if i == 0 and arg.name == "self":     # the function form's first argument
            if v is not None and op.name in NUMBER_FIRST:
                continue
        elif arg.name[0] == "_":            # fixed by the op (square's exponent)
            continue
        elif v is None:
            if arg.optional:
                continue
        elif numbers or arg.scalar:
            continue
        shown = "input" if arg.name == "self" else _SHOWN.get((op.name, arg.name), arg.name)
        raise argument_error(name, args, None if overloaded else i, shown,
                             op.args.index(operands[op.self_index]),
                             {"out": out} if out is not None or none_out else None,
                             op.args.index(arg))
