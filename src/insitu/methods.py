"""Everything `Tensor` has beyond its core, attached in one place.

Each op family exports what it adds: `OPS` (table declarations: their function, method, in-place
method and operators are generated from the declaration by `ops.codegen`), `METHODS` and
`PROPERTIES` (hand-written Tensor attributes) and `FUNCTIONS` (the `insitu.` namespace). Importing
a family changes nothing; `attach(namespace)`, called once by `insitu/__init__`, puts it all on
`Tensor` and into the namespace.
"""
from .autograd import graph, tensor_hooks
from .core.tensor import Tensor
from .ops import (activation, copying, counting, cumulative, factories, indexing, integration, linalg,
                  logical, pointwise, random_ops, reductions, searching, selection, shape, softmax,
                  sorting, special, splits, unary, view_graph, views)
from .ops.codegen import entry_points, operator_slots
from . import creation, interop, runtime

# in the order they are attached: a later family may replace an earlier one's entry
FAMILIES = (pointwise, unary, logical, activation, copying, special, random_ops, reductions,
            selection, cumulative, softmax, shape, sorting, counting, searching, integration,
            linalg, views, splits, indexing, view_graph, creation, factories, runtime, interop)

_TABLES = {activation: activation.TENSOR_METHODS, pointwise: pointwise.ALL, unary: unary.ALL,
           logical: logical.ALL, copying: copying.ALL}

# PyTorch's other names for the same functions and methods
ALIASES = [("absolute", "abs"), ("negative", "neg"), ("multiply", "mul"), ("divide", "div"),
           ("true_divide", "div"), ("subtract", "sub"), ("greater", "gt"),
           ("greater_equal", "ge"), ("less", "lt"), ("less_equal", "le"), ("not_equal", "ne"),
           ("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"), ("arctan2", "atan2"),
           ("fix", "trunc"), ("special_expit", "sigmoid"), ("clip", "clamp")]


def attach(namespace):
    for family in FAMILIES:
        for op in _TABLES.get(family, getattr(family, "OPS", ())):
            _attach_op(op, namespace)
        for name, fn in getattr(family, "FUNCTIONS", {}).items():
            namespace[name] = fn
        for name, fn in getattr(family, "METHODS", {}).items():
            setattr(Tensor, name, fn)
        for name, prop in getattr(family, "PROPERTIES", {}).items():
            setattr(Tensor, name, prop)
    _attach_autograd()
    _attach_aliases(namespace)
    eq, ne = Tensor.__eq__, Tensor.__ne__
    Tensor.__eq__ = logical.none_is_unequal(eq, False)
    Tensor.__ne__ = logical.none_is_unequal(ne, True)


def _attach_op(op, namespace):
    fns = entry_points(op)
    if "function" in fns:
        namespace[op.name] = fns["function"]
    if "method" in fns:
        setattr(Tensor, op.name, fns["method"])
    if "inplace" in fns:
        setattr(Tensor, op.inplace_name, fns["inplace"])
    for dunder, fn in operator_slots(op, fns):
        setattr(Tensor, dunder, fn)


def _attach_autograd():
    for name, fn in tensor_hooks.METHODS.items():
        setattr(Tensor, name, fn)
    for name, prop in tensor_hooks.PROPERTIES.items():
        setattr(Tensor, name, prop)
    Tensor.requires_grad = property(view_graph.requires_grad, tensor_hooks.SET_REQUIRES_GRAD)
    Tensor.is_saved = property(graph.is_saved, doc=graph.is_saved.__doc__)


def _attach_aliases(namespace):
    for alias, name in ALIASES:
        if name in namespace:
            namespace[alias] = namespace[name]
        for suffix in ("", "_"):
            fn = Tensor.__dict__.get(name + suffix)
            if fn is not None:
                setattr(Tensor, alias + suffix, fn)
