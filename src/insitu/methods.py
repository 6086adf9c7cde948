"""Everything `Tensor` has beyond its core, attached in one place.

Each op family exports what it adds: `OPS` (table declarations: their function, method, in-place
method and operators are generated from the declaration by `ops.codegen`), `METHODS` and
`PROPERTIES` (hand-written Tensor attributes) and `FUNCTIONS` (the `insitu.` namespace). Importing
a family changes nothing; `attach(namespace)`, called once by `insitu/__init__`, puts it all on
`Tensor` and into the namespace.
"""
from .autograd import graph, tensor_hooks
from .core.tensor import Tensor
from .ops import (activation, copying, counting, cumulative, factories, indexing, integration,
                  linalg, logical, pointwise, random_ops, reductions, searching, selection, shape, softmax,
                  sorting, special, splits, unary, view_graph, views)
from .ops import conveniences, elementary, gamma, inplace_views, order_statistics
from .ops.codegen import entry_points, operator_slots
from . import creation, interop, runtime

# in the order they are attached: a later family may replace an earlier one's entry
FAMILIES = (pointwise, unary, logical, activation, copying, special, random_ops, reductions,
            selection, cumulative, softmax, shape, sorting, counting, searching, integration,
            linalg, views, splits, indexing, view_graph, creation, factories, runtime, interop,
            elementary, gamma, order_statistics, conveniences, inplace_views)

_TABLES = {activation: activation.TENSOR_METHODS + activation.TORCH_NAMESPACE,
           pointwise: pointwise.ALL, unary: unary.ALL, logical: logical.ALL, copying: copying.ALL}

# PyTorch's other names for the same functions and methods
ALIASES = [("absolute", "abs"), ("negative", "neg"), ("multiply", "mul"), ("divide", "div"),
           ("true_divide", "div"), ("subtract", "sub"), ("greater", "gt"),
           ("greater_equal", "ge"), ("less", "lt"), ("less_equal", "le"), ("not_equal", "ne"),
           ("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"), ("arctan2", "atan2"),
           ("fix", "trunc"), ("special_expit", "sigmoid"), ("clip", "clamp")]
ALIASES += [("arccosh", "acosh"), ("arcsinh", "asinh"), ("arctanh", "atanh")]


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
    _attach_inplace_functions(namespace)
    eq, ne = Tensor.__eq__, Tensor.__ne__
    Tensor.__eq__ = logical.none_is_unequal(eq, False)
    Tensor.__ne__ = logical.none_is_unequal(ne, True)
    # last: what PyTorch has and nothing above attached says so when read
    for name, placeholder in interop.missing.missing_tensor_attributes(Tensor).items():
        setattr(Tensor, name, placeholder)


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


# PyTorch's torch.<name>_ functions: the Tensor's in-place method, which the op table generates
INPLACE_FUNCTIONS = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
    "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_",
    "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "detach_", "erf_", "erfc_", "exp2_",
    "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_", "gcd_", "i0_", "index_put_", "lcm_",
    "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_",
    "rad2deg_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_",
    "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_", "as_strided_")


def _attach_inplace_functions(namespace):
    for name in INPLACE_FUNCTIONS:
        fn = Tensor.__dict__.get(name)
        if fn is not None:
            namespace[name] = fn
