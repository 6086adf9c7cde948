"""Operations. Each family module declares its ops in a table; `build()` generates their entry
points (module functions, Tensor methods, in-place methods, operators) from those tables."""
import importlib

from . import pointwise, copying, views, indexing
from .registry import register, outofplace, inplace
from ..core.tensor import Tensor


def _clamp_dispatch(namespace):
    """clamp/clip take scalar or tensor bounds; tensor bounds use the ClampBackward0 variant.
    Scalar bounds go straight to the generated (fast-path) entry points."""
    tensor = next(op for op in pointwise.CLAMP if op.name == "_clamp_tensor")
    fn, method, method_ = namespace["clamp"], Tensor.clamp, Tensor.clamp_

    def clamp(input, min=None, max=None, *, out=None):
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            return outofplace(tensor, (input, min, max), {})
        return fn(input, min, max, out=out)

    def clamp_method(self, min=None, max=None):
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            return outofplace(tensor, (self, min, max), {})
        return method(self, min, max)

    def clamp_(self, min=None, max=None):
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            return inplace(tensor, (self, min, max), {})
        return method_(self, min, max)
    return clamp, clamp_method, clamp_


def _where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    return outofplace(pointwise.WHERE, (condition, input, other), {})


FAMILIES = ("reductions", "linalg", "shape", "random_ops", "special")


def build(namespace):
    register(pointwise.ALL_OPS + copying.INPLACE_ONLY + [copying.CLONE, indexing.INDEX_PUT],
             namespace)
    pointwise.install(namespace)   # positive returns self; pow takes a number as base
    clamp, clamp_method, clamp_ = _clamp_dispatch(namespace)
    namespace["clamp"] = namespace["clip"] = clamp
    Tensor.clamp = Tensor.clip = clamp_method
    Tensor.clamp_ = Tensor.clip_ = clamp_
    _eq, _ne = Tensor.__eq__, Tensor.__ne__
    # t == None is False (and t != None True), as in PyTorch; other foreign objects defer
    Tensor.__eq__ = lambda self, other: (False if other is None else _eq(self, other)
                                         if isinstance(other, (Tensor, int, float, bool))
                                         else NotImplemented)
    Tensor.__ne__ = lambda self, other: (True if other is None else _ne(self, other)
                                         if isinstance(other, (Tensor, int, float, bool))
                                         else NotImplemented)
    namespace["where"] = _where
    Tensor.where = lambda self, condition, other: _where(condition, self, other)
    Tensor.to_dtype = copying.to_dtype
    # family modules: OPS (declarations run through the registry), FUNCTIONS (insitu.<name>),
    # METHODS (Tensor.<name>) for the ones whose shape does not fit the pointwise pipelines
    for family in FAMILIES:
        try:
            mod = importlib.import_module(f"{__name__}.{family}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{family}":
                raise
            continue
        register(getattr(mod, "OPS", []), namespace)
        for name, fn in getattr(mod, "FUNCTIONS", {}).items():
            namespace[name] = fn
        for name, fn in getattr(mod, "METHODS", {}).items():
            setattr(Tensor, name, fn)
    views.install(namespace)
    indexing.install(namespace)
    # PyTorch's aliases
    for alias, name in [("absolute", "abs"), ("negative", "neg"), ("multiply", "mul"),
                        ("divide", "div"), ("true_divide", "div"), ("subtract", "sub"),
                        ("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
                        ("less_equal", "le"), ("not_equal", "ne"), ("arcsin", "asin"),
                        ("arccos", "acos"), ("arctan", "atan"), ("arctan2", "atan2"),
                        ("fix", "trunc"), ("special_expit", "sigmoid")]:
        if name in namespace:
            namespace[alias] = namespace[name]
        if hasattr(Tensor, name):
            setattr(Tensor, alias, getattr(Tensor, name))
        if hasattr(Tensor, name + "_"):
            setattr(Tensor, alias + "_", getattr(Tensor, name + "_"))
    Tensor.__matmul__ = lambda self, other: namespace["matmul"](self, other) \
        if "matmul" in namespace else NotImplemented
