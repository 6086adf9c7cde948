"""Elementwise operations: one declaration each (kernel, promotion, saves, backward formula).

Backward formulas receive the node `n` (saved tensors as `n.self`, `n.other`, `n.result`,
scalar arguments in `n.params`) and the incoming gradient `g`, and return one gradient per tensor
argument. They are written with insitu operations, so they are differentiable themselves.
Broadcast reduction and dtype casting of the returned gradients happen once, in OpNode.apply.
"""
import math

from ..backend import xp, clip
from ..core import dtypes
from ..core.tensor import Tensor
from . import checks
from .registry import into_out, numpy_formulas, Op, outofplace, wrap

# The pipelines have already checked that the result dtype may be written into `out`
# (PyTorch's can_cast, which allows int16 -> uint8), so kernels cast like PyTorch: unsafely.
UNSAFE = "unsafe"


def uf(ufunc):
    """Kernel for a NumPy ufunc: write into `out` if given, compute in `dt` if forced."""
    def kernel(out, dt, *arrays):
        return ufunc(*arrays, out=out, dtype=dt, casting=UNSAFE)
    kernel.__name__ = ufunc.__name__
    return kernel


def _cast_inputs(dt, arrays):
    return [a.astype(dt) if isinstance(a, xp.ndarray) and a.dtype != dt else a for a in arrays]


# ------------------------------------------------------------------- kernels with parameters

def _k_add(out, dt, a, b, alpha=1):
    if alpha != 1:
        b = xp.multiply(b, alpha)
    return xp.add(a, b, out=out, dtype=dt, casting=UNSAFE)


def _k_sub(out, dt, a, b, alpha=1):
    if alpha != 1:
        b = xp.multiply(b, alpha)
    return xp.subtract(a, b, out=out, dtype=dt, casting=UNSAFE)


def _k_div(out, dt, a, b, rounding_mode=None):
    if rounding_mode is None:
        return xp.true_divide(a, b, out=out, dtype=dt, casting=UNSAFE)
    if _is_integral(a, b, dt):
        if xp.any(xp.asarray(b) == 0):
            raise RuntimeError("ZeroDivisionError")
        if rounding_mode == "floor":
            return xp.floor_divide(a, b, out=out, dtype=dt, casting=UNSAFE)
        q = xp.floor_divide(a, b, dtype=dt)
        q += ((xp.remainder(a, b, dtype=dt) != 0) & ((xp.asarray(a) < 0) != (xp.asarray(b) < 0)))
        return _store(q, out)
    if rounding_mode == "floor":   # NumPy's floor_divide is PyTorch's fmod-based algorithm
        return xp.floor_divide(a, b, out=out, dtype=dt, casting=UNSAFE)
    return xp.trunc(xp.true_divide(a, b, dtype=dt), out=out)


def _is_integral(a, b, dt):
    if dt is not None:
        return dt.kind in "iub"
    return xp.result_type(a, b).kind in "iub"


def _store(res, out):
    if out is None:
        return res
    xp.copyto(out, res, casting="unsafe")
    return out


def _k_remainder(out, dt, a, b):
    _check_int_zero(a, b, dt)
    return xp.remainder(a, b, out=out, dtype=dt, casting=UNSAFE)


def _k_fmod(out, dt, a, b):
    _check_int_zero(a, b, dt)
    return xp.fmod(a, b, out=out, dtype=dt, casting=UNSAFE)


def _check_int_zero(a, b, dt):
    if _is_integral(a, b, dt) and xp.any(xp.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")


def _k_pow(out, dt, a, b):
    if isinstance(b, xp.ndarray) or not isinstance(a, xp.ndarray):
        # bool ** bool has no kernel, except with a Python-number exponent
        if (dt or xp.result_type(a, b)).kind == "b":
            raise _not_implemented("pow", dtypes.bool_)
    if _is_integral(a, b, dt):
        if type(b) is int and b < 0:   # only a Python-number exponent is refused
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if isinstance(b, xp.ndarray) and b.dtype.kind == "i" and xp.any(b < 0):
            return _store(_int_pow_negative(a, b, dt or xp.result_type(a, b)), out)
    return xp.power(a, b, out=out, dtype=dt, casting=UNSAFE)


def _int_pow_negative(a, b, dt):
    """Integer powers with some negative exponents, as PyTorch computes them: 1 ** -n is 1,
    (-1) ** -n is +-1 by parity, anything else (0 included) gives 0."""
    neg = b < 0
    res = xp.power(a, xp.where(neg, 0, b), dtype=dt)
    base = xp.asarray(a)
    odd = (b % 2) != 0
    special = xp.where(base == 1, 1, xp.where(base == -1, xp.where(odd, -1, 1), 0))
    return xp.where(neg, special, res).astype(dt)


def _k_compare(ufunc):
    def kernel(out, dt, a, b):
        if dt is not None:
            a, b = _cast_inputs(dt, (a, b))
        return ufunc(a, b, out=out)
    return kernel


def _k_unary_float(ufunc):
    def kernel(out, dt, a):
        if dt is not None and a.dtype != dt:
            a = a.astype(dt)
        return ufunc(a, out=out)
    return kernel


def _k_sigmoid(out, dt, a):
    if dt is not None and a.dtype != dt:
        a = a.astype(dt)
    # 1 / (1 + exp(-a)) in two in-place steps on the output buffer
    r = xp.negative(a, out=_buffer(out, a))
    xp.exp(r, out=r)
    r += 1
    return xp.reciprocal(r, out=r)


def _k_rsqrt(out, dt, a):
    if dt is not None and a.dtype != dt:
        a = a.astype(dt)
    r = xp.sqrt(a, out=_buffer(out, a))
    return xp.reciprocal(r, out=r)


def _buffer(out, a):
    return out if out is not None else xp.empty(a.shape, a.dtype)


def _k_relu(out, dt, a):
    return xp.maximum(a, a.dtype.type(0), out=out)


def _k_sign(out, dt, a):
    if a.dtype == xp.bool_:
        return _store(a.copy(), out)
    if a.dtype.kind == "f":
        nan = xp.isnan(a)
        if nan.any():   # PyTorch's sign is (0 < x) - (x < 0): 0 for nan, where NumPy gives nan
            r = xp.sign(a, out=_buffer(out, a))
            r[nan] = 0
            return r
    return xp.sign(a, out=out)


def _k_frac(out, dt, a):
    t = xp.trunc(a)
    return xp.subtract(a, t, out=out)


def _k_round(out, dt, a, decimals=0):
    if a.dtype.kind != "f":
        return _store(a.copy(), out) if out is None or out is not a else out
    return xp.round(a, decimals, out=out) if decimals else xp.rint(a, out=out)


def _k_int_identity(ufunc):
    """floor/ceil/trunc: integers are returned unchanged (NumPy would refuse or go float)."""
    def kernel(out, dt, a):
        if a.dtype.kind in "iub":
            return a.copy() if out is None else out
        return ufunc(a, out=out)
    return kernel


def _k_square(out, dt, a, _exponent=2):
    return xp.multiply(a, a, out=out, dtype=dt, casting=UNSAFE)


def _k_clamp(out, dt, a, lo=None, hi=None):
    if dt is not None and a.dtype != dt:
        a = a.astype(dt)
    if lo is not None and hi is not None:
        return clip(a, lo, hi, out=out)   # max wins when min > max, as in PyTorch
    if lo is not None:
        return xp.maximum(a, lo, out=out)
    return xp.minimum(a, hi, out=out)


def _k_lerp(out, dt, a, end, weight):
    diff = xp.subtract(end, a, dtype=dt)
    diff *= weight
    return xp.add(a, diff, out=out, dtype=dt, casting=UNSAFE)


def _k_addcmul(out, dt, a, t1, t2, value=1):
    if isinstance(value, float) and (dt or xp.result_type(a, t1, t2)).kind in "iub":
        value = int(value)
    prod = xp.multiply(t1, t2, dtype=dt)
    if value != 1:
        prod *= value
    return xp.add(a, prod, out=out, dtype=dt, casting=UNSAFE)


def _k_addcdiv(out, dt, a, t1, t2, value=1):
    q = xp.true_divide(t1, t2, dtype=dt)
    if value != 1:
        q *= value
    return xp.add(a, q, out=out, dtype=dt, casting=UNSAFE)


def _k_where(out, dt, cond, a, b):
    return _store(xp.where(cond, a, b).astype(dt) if dt is not None else xp.where(cond, a, b), out)


def _k_masked_fill(out, dt, a, mask, value):
    if out is None:
        shape = xp.broadcast_shapes(a.shape, mask.shape)
        out = xp.array(xp.broadcast_to(a, shape), dtype=dt or a.dtype)
    elif out is not a:
        xp.copyto(out, a, casting="unsafe")
    xp.copyto(out, value, where=xp.broadcast_to(mask, out.shape), casting="unsafe")
    return out


def _k_bitwise_not(out, dt, a):
    return xp.invert(a, out=out)


# ------------------------------------------------------------------- argument checks
# They run before anything is written. Apart from shape checks (which the registry's fast path
# redoes its own way) they depend only on the operands' dtypes and kinds, so a call that passed
# once with the same kinds may skip them on the fast path.

def _common_dtype(args):
    """The dtype PyTorch computes these operands in (three-tier promotion)."""
    dims, zero_dims, scalars = [], [], []
    for a in args:
        if isinstance(a, Tensor):
            (dims if a._data.ndim else zero_dims).append(a._dtype)
        elif a is not None:
            scalars.append(dtypes.scalar_dtype(a))
    return dtypes.result_type_of(dims, zero_dims, scalars)


def _not_implemented(kernel, dt):
    return NotImplementedError(f'"{kernel}" not implemented for \'{dt.legacy}\'')


def _refuse(kernel, refused):
    """PyTorch has no kernel `kernel` for a common dtype whose NumPy kind is in `refused`."""
    def check(args, params):
        dt = _common_dtype(args)
        if dt.np.kind in refused:
            raise _not_implemented(kernel, dt)
    return check


def _refusing(kernel_fn, kernel, refused):
    """The same refusal inside a kernel, for binary ops: PyTorch refuses the dtype only after
    the in-place cast and broadcast checks, which the pipelines run before the kernel. The
    compute dtype is the forced one, or NumPy's natural one when that already is PyTorch's."""
    def k(out, dt, *arrays, **params):
        d = dt if dt is not None else xp.result_type(*arrays)
        if d.kind in refused:
            raise _not_implemented(kernel, dtypes.from_numpy_dtype(d))
        return kernel_fn(out, dt, *arrays, **params)
    k.__name__ = kernel
    return k


def _check_shapes(args, params):
    """Operands must broadcast together (PyTorch says so before refusing a dtype)."""
    shapes = [a._data.shape for a in args if isinstance(a, Tensor)]
    if len(shapes) > 1:
        checks.broadcast_shapes(*shapes)


def _tensors_only(name, names=("other",)):
    """Ops whose PyTorch signature takes tensors only (maximum(t, 2) is a TypeError there)."""
    def check(args, params):
        for i, (a, arg) in enumerate(zip(args[1:], names), 2):
            if not isinstance(a, Tensor):
                raise TypeError(f"{name}(): argument '{arg}' (position {i}) must be Tensor, "
                                f"not {type(a).__name__}")
    return check


def _all(*fns):
    def check(args, params):
        for fn in fns:
            fn(args, params)
    return check


def _refuse_bool_message(message):
    def check(args, params):
        if args[0]._dtype is dtypes.bool_:
            raise RuntimeError(message)
    return check


def _check_lerp(args, params):
    self, end, weight = args
    if not isinstance(end, Tensor):
        raise TypeError("lerp(): argument 'end' (position 2) must be Tensor, not "
                        f"{type(end).__name__}")
    names = dtypes.CPP_NAMES
    if end._dtype is not self._dtype:
        raise RuntimeError(f"expected dtype {names[self._dtype.name]} for `end` but got dtype "
                           f"{names[end._dtype.name]}")
    tensor_weight = isinstance(weight, Tensor)
    if tensor_weight and weight._data.ndim and weight._dtype is not self._dtype:
        raise RuntimeError(f"expected dtype {names[self._dtype.name]} for `weight` but got "
                           f"dtype {names[weight._dtype.name]}")
    _refuse("lerp_kernel_tensor" if tensor_weight else "lerp_kernel_scalar", "iub")(args, params)


def _check_masked_fill(args, params):
    self, mask, value = args
    if mask._dtype is not dtypes.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{dtypes.CPP_NAMES[mask._dtype.name]}")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")


def _check_alpha(args, params):
    alpha = params.get("alpha", 1)
    if isinstance(alpha, float) and not any(
            getattr(a, "_dtype", dtypes.float32).is_floating_point for a in args
            if hasattr(a, "_dtype")):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")


def _check_sub(args, params):
    _check_alpha(args, params)
    kinds = [getattr(a, "_dtype", None) is dtypes.bool_ or isinstance(a, bool) for a in args]
    if all(kinds):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if any(kinds):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def _check_clamp(args, params):
    if params.get("min") is None and params.get("max") is None and len(args) < 2:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")


def _check_addcdiv(args, params):
    if all(not getattr(a, "_dtype", dtypes.float32).is_floating_point for a in args[1:]):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")


# ------------------------------------------------------------------- backward formulas

def _zeros_like_grad(n, g):
    return tuple(g * 0 if need else None for need in n.needs)


LN2, LN10 = math.log(2.0), math.log(10.0)


def _numbered_by_other(stem):
    """PyTorch numbers the Scalar-operand overload's node 0 and the Tensor one's 1 (fmod)."""
    names = (stem + "Backward0", stem + "Backward1")
    return lambda args, params: names[isinstance(args[1], Tensor)]


def _pow_node(args, params):
    """pow(Tensor, Scalar) is PowBackward0, pow(Tensor, Tensor) 1, pow(Scalar, Tensor) 2."""
    if not isinstance(args[0], Tensor):
        return "PowBackward2"
    return "PowBackward1" if isinstance(args[1], Tensor) else "PowBackward0"


def _sub_backward(n, g):
    alpha = n.params["alpha"]
    return g, (-g * alpha if alpha != 1 else -g)

BINARY = [
    Op("add", "self, other, *, alpha=1", ("self", "other"), _k_add,
       check_args=_check_alpha,
       backward=lambda n, g: (g, g * n.params["alpha"] if n.params["alpha"] != 1 else g),
       operators=("__add__",), roperators=("__radd__",), ioperators=("__iadd__",)),
    Op("sub", "self, other, *, alpha=1", ("self", "other"), _k_sub, check_args=_check_sub,
       backward=lambda n, g: _sub_backward(n, g),
       operators=("__sub__",), ioperators=("__isub__",)),
    Op("mul", "self, other", ("self", "other"), uf(xp.multiply),
       saves=(("other", (0,)), ("self", (1,))),
       backward=lambda n, g: (g * n.other if n.needs[0] else None,
                              g * n.self if n.needs[1] else None),
       operators=("__mul__",), roperators=("__rmul__",), ioperators=("__imul__",)),
    Op("div", "self, other, *, rounding_mode=None", ("self", "other"), _k_div,
       promote="true_div", promote_by=lambda p: "true_div" if p["rounding_mode"] is None else "binary",
       saves=(("other", (0, 1)), ("self", (1,))),
       backward=lambda n, g: _div_backward(n, g),
       operators=("__truediv__",), ioperators=("__itruediv__",)),
    Op("floor_divide", "self, other", ("self", "other"), lambda o, d, a, b: _k_div(o, d, a, b, "floor"),
       node="FloorDivideBackward0", differentiable=False, check_args=_refuse("div_floor_cpu", "b"),
       operators=("__floordiv__",), roperators=("__rfloordiv__",), ioperators=("__ifloordiv__",)),
    Op("remainder", "self, other", ("self", "other"), _k_remainder,
       check_args=_refuse("remainder_cpu", "b"), node_for=_numbered_by_other("Remainder"),
       saves=(("self", (1,)), ("other", (1,))),
       backward=lambda n, g: (g, -g * (n.self / n.other).floor() if n.needs[1] else None),
       operators=("__mod__",), roperators=("__rmod__",), ioperators=("__imod__",)),
    Op("fmod", "self, other", ("self", "other"), _k_fmod, check_args=_refuse("fmod_cpu", "b"),
       node_for=_numbered_by_other("Fmod"),
       saves=(("self", (1,)), ("other", (1,))),
       backward=lambda n, g: (g, -g * (n.self / n.other).trunc() if n.needs[1] else None)),
    Op("pow", "self, exponent", ("self", "exponent"), _k_pow, node_for=_pow_node,
       saves=(("self", (0, 1)), ("exponent", (0, 1)), ("result", (1,))),
       backward=lambda n, g: _pow_backward(n, g),
       operators=("__pow__",), roperators=("__rpow__",), ioperators=("__ipow__",)),
    Op("maximum", "self, other", ("self", "other"), uf(xp.maximum),
       check_args=_tensors_only("maximum"),
       saves=(("self", None), ("other", None)),
       backward=lambda n, g: _minmax_backward(n, g, True), inplace=False),
    Op("minimum", "self, other", ("self", "other"), uf(xp.minimum),
       check_args=_tensors_only("minimum"),
       saves=(("self", None), ("other", None)),
       backward=lambda n, g: _minmax_backward(n, g, False), inplace=False),
    Op("atan2", "self, other", ("self", "other"), uf(xp.arctan2), promote="float",
       check_args=_tensors_only("atan2"),
       saves=(("self", None), ("other", None)),
       backward=lambda n, g: _atan2_backward(n, g)),
    Op("hypot", "self, other", ("self", "other"), _refusing(uf(xp.hypot), "hypot_cpu", "iub"),
       check_args=_all(_tensors_only("hypot"), _check_shapes),
       saves=(("self", None), ("other", None), ("result", None)),
       backward=lambda n, g: (g * n.self / n.result, g * n.other / n.result)),
]

COMPARE = [
    Op(name, "self, other", ("self", "other"), _k_compare(fn), promote="compare",
       differentiable=False, operators=(dunder,))
    for name, fn, dunder in [("eq", xp.equal, "__eq__"), ("ne", xp.not_equal, "__ne__"),
                             ("lt", xp.less, "__lt__"), ("le", xp.less_equal, "__le__"),
                             ("gt", xp.greater, "__gt__"), ("ge", xp.greater_equal, "__ge__")]
]

LOGICAL = [
    Op("logical_and", "self, other", ("self", "other"), _k_compare(xp.logical_and), promote="bool",
       differentiable=False, check_args=_tensors_only("logical_and")),
    Op("logical_or", "self, other", ("self", "other"), _k_compare(xp.logical_or), promote="bool",
       differentiable=False, check_args=_tensors_only("logical_or")),
    Op("logical_xor", "self, other", ("self", "other"), _k_compare(xp.logical_xor), promote="bool",
       differentiable=False, check_args=_tensors_only("logical_xor")),
    Op("logical_not", "self", ("self",), lambda o, d, a: xp.logical_not(a, out=o), promote="bool",
       differentiable=False),
    Op("bitwise_and", "self, other", ("self", "other"),
       _refusing(uf(xp.bitwise_and), "bitwise_and_cpu", "f"), differentiable=False,
       check_args=_check_shapes, operators=("__and__",), roperators=("__rand__",),
       ioperators=("__iand__",)),
    Op("bitwise_or", "self, other", ("self", "other"),
       _refusing(uf(xp.bitwise_or), "bitwise_or_cpu", "f"), differentiable=False,
       check_args=_check_shapes, operators=("__or__",), roperators=("__ror__",),
       ioperators=("__ior__",)),
    Op("bitwise_xor", "self, other", ("self", "other"),
       _refusing(uf(xp.bitwise_xor), "bitwise_xor_cpu", "f"), differentiable=False,
       check_args=_check_shapes, operators=("__xor__",), roperators=("__rxor__",),
       ioperators=("__ixor__",)),
    Op("bitwise_left_shift", "self, other", ("self", "other"),
       _refusing(uf(xp.left_shift), "lshift_cpu", "fb"), differentiable=False,
       check_args=_check_shapes,
       operators=("__lshift__",), roperators=("__rlshift__",), ioperators=("__ilshift__",)),
    Op("bitwise_right_shift", "self, other", ("self", "other"),
       _refusing(uf(xp.right_shift), "rshift_cpu", "fb"), differentiable=False,
       check_args=_check_shapes,
       operators=("__rshift__",), roperators=("__rrshift__",), ioperators=("__irshift__",)),
    Op("bitwise_not", "self", ("self",), _k_bitwise_not, promote="same", differentiable=False,
       check_args=_refuse("bitwise_not_cpu", "f")),
]


def _unary_float(name, ufunc, backward, saves, node=None):
    return Op(name, "self", ("self",), _k_unary_float(ufunc), promote="float", saves=saves,
              backward=backward, node=node)


UNARY_FLOAT = [
    _unary_float("exp", xp.exp, lambda n, g: (g * n.result,), (("result", None),)),
    _unary_float("exp2", xp.exp2, lambda n, g: (g * n.result * LN2,), (("result", None),)),
    _unary_float("expm1", xp.expm1, lambda n, g: (g * (n.result + 1),), (("result", None),)),
    _unary_float("log", xp.log, lambda n, g: (g / n.self,), (("self", None),)),
    _unary_float("log2", xp.log2, lambda n, g: (g / (n.self * LN2),), (("self", None),)),
    _unary_float("log10", xp.log10, lambda n, g: (g / (n.self * LN10),), (("self", None),)),
    _unary_float("log1p", xp.log1p, lambda n, g: (g / (n.self + 1),), (("self", None),),
                 node="Log1PBackward0"),
    _unary_float("sqrt", xp.sqrt, lambda n, g: (g / (2 * n.result),), (("result", None),)),
    _unary_float("sin", xp.sin, lambda n, g: (g * n.self.cos(),), (("self", None),)),
    _unary_float("cos", xp.cos, lambda n, g: (-g * n.self.sin(),), (("self", None),)),
    _unary_float("tan", xp.tan, lambda n, g: (g * (1 + n.result * n.result),), (("result", None),)),
    _unary_float("tanh", xp.tanh, lambda n, g: (g * (1 - n.result * n.result),), (("result", None),)),
    _unary_float("sinh", xp.sinh, lambda n, g: (g * n.self.cosh(),), (("self", None),)),
    _unary_float("cosh", xp.cosh, lambda n, g: (g * n.self.sinh(),), (("self", None),)),
    _unary_float("asin", xp.arcsin, lambda n, g: (g / (1 - n.self * n.self).sqrt(),), (("self", None),)),
    _unary_float("acos", xp.arccos, lambda n, g: (-g / (1 - n.self * n.self).sqrt(),), (("self", None),)),
    _unary_float("atan", xp.arctan, lambda n, g: (g / (1 + n.self * n.self),), (("self", None),)),
    _unary_float("reciprocal", xp.reciprocal, lambda n, g: (-g * n.result * n.result,), (("result", None),)),
    Op("sigmoid", "self", ("self",), _k_sigmoid, promote="float", saves=(("result", None),),
       backward=lambda n, g: (g * n.result * (1 - n.result),)),
    Op("rsqrt", "self", ("self",), _k_rsqrt, promote="float", saves=(("result", None),),
       backward=lambda n, g: (g * -0.5 * n.result * n.result * n.result,)),
]

UNARY_SAME = [
    Op("neg", "self", ("self",), uf(xp.negative), promote="same", backward=lambda n, g: (-g,),
       check_args=_refuse_bool_message(
           "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
           "invert a mask, use the `~` or `logical_not()` operator instead."),
       operators=("__neg__",)),
    Op("abs", "self", ("self",), lambda o, d, a: xp.absolute(a, out=o) if a.dtype != xp.bool_ else _store(a.copy(), o),
       promote="same", saves=(("self", None),), backward=lambda n, g: (g * n.self.sign(),),
       check_args=_refuse("abs_cpu", "b"), operators=("__abs__",)),
    Op("sign", "self", ("self",), _k_sign, promote="same", backward=_zeros_like_grad),
    Op("sgn", "self", ("self",), _k_sign, promote="same", backward=_zeros_like_grad),
    Op("floor", "self", ("self",), _k_int_identity(xp.floor), promote="same", backward=_zeros_like_grad,
       check_args=_refuse("floor_vml_cpu", "b")),
    Op("ceil", "self", ("self",), _k_int_identity(xp.ceil), promote="same", backward=_zeros_like_grad,
       check_args=_refuse("ceil_vml_cpu", "b")),
    Op("trunc", "self", ("self",), _k_int_identity(xp.trunc), promote="same", backward=_zeros_like_grad,
       check_args=_refuse("trunc_vml_cpu", "b")),
    Op("round", "self, *, decimals=0", ("self",), _k_round, promote="same", backward=_zeros_like_grad,
       check_args=_refuse("round_vml_cpu", "b")),
    Op("frac", "self", ("self",), _k_frac, promote="same", backward=lambda n, g: (g,),
       check_args=_refuse("frac_cpu", "iub")),
    Op("relu", "self", ("self",), _k_relu, promote="same", saves=(("result", None),),
       check_args=_refuse_bool_message("Boolean inputs not supported for relu"),
       backward=lambda n, g: (g * (n.result > 0),)),
    # square is pow(self, 2): the hidden exponent takes part in promotion (bool squares to int64)
    Op("square", "self, *, _exponent=2", ("self",), _k_square, promote="binary",
       scalar_params=("_exponent",), saves=(("self", None),),
       backward=lambda n, g: (g * 2 * n.self,), node="PowBackward0"),
]


# clamp saves a 1-byte mask of where the gradient passes instead of a copy of the input
def _clamp_pre_save(node, args, params):
    if node.needs[0]:
        lo, hi = params["min"], params["max"]
        a = args[0]._data
        mask = xp.ones(a.shape, bool)
        if lo is not None:
            mask &= a >= lo
        if hi is not None:
            mask &= a <= hi
        node.saved["mask"] = _private(mask)


def _private(arr):
    from ..autograd.saved import SavedTensor
    return SavedTensor(wrap(arr, dtypes.from_numpy_dtype(arr.dtype)), "clamp")


def _clamp_t_pre_save(node, args, params):
    a, lo, hi = (x._data if hasattr(x, "_data") else x for x in args)
    mask = xp.ones(a.shape, bool)
    lo_mask = hi_mask = None
    if lo is not None:
        lo_mask = xp.broadcast_to(a < lo, a.shape)
        mask &= ~lo_mask
    if hi is not None:
        hi_mask = xp.broadcast_to(a > hi, a.shape)
        if lo is not None:   # max wins where min > max
            lo_mask = lo_mask & ~hi_mask
        mask &= ~hi_mask
    node.saved["mask"] = _private(mask)
    node.saved["lo_mask"] = _private(xp.ascontiguousarray(lo_mask) if lo_mask is not None else mask)
    node.saved["hi_mask"] = _private(xp.ascontiguousarray(hi_mask) if hi_mask is not None else mask)


def _k_clamp_t(out, dt, a, lo, hi):
    return _k_clamp(out, dt, a, lo, hi)


def _check_clamp_t(args, params):
    if args[1] is None and args[2] is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")


CLAMP = [
    Op("clamp", "self, min=None, max=None", ("self",), lambda o, d, a, min=None, max=None: _k_clamp(o, d, a, min, max),
       promote="same", check_args=_check_clamp, cpp_cast_names=True, pre_save=_clamp_pre_save,
       scalar_params=("min", "max"),
       backward=lambda n, g: (g * n.mask,), node="ClampBackward1"),
    Op("_clamp_tensor", "self, min, max", ("self", "min", "max"), _k_clamp_t,
       check_args=_check_clamp_t, pre_save=_clamp_t_pre_save,
       backward=lambda n, g: (g * n.mask, g * n.lo_mask, g * n.hi_mask), node="ClampBackward0",
       inplace_name="_clamp_tensor_", method=True),
    Op("clamp_min", "self, min", ("self",), lambda o, d, a, min: _k_clamp(o, d, a, min, None),
       promote="same", cpp_cast_names=True, scalar_params=("min",),
       pre_save=lambda n, a, p: _clamp_pre_save(n, a, {"min": p["min"], "max": None}),
       backward=lambda n, g: (g * n.mask,)),
    Op("clamp_max", "self, max", ("self",), lambda o, d, a, max: _k_clamp(o, d, a, None, max),
       promote="same", cpp_cast_names=True, scalar_params=("max",),
       pre_save=lambda n, a, p: _clamp_pre_save(n, a, {"min": None, "max": p["max"]}),
       backward=lambda n, g: (g * n.mask,)),
    # hardtanh's gradient is decided by the result (strictly inside the bounds), so its in-place
    # form keeps nothing extra: the output itself is saved
    Op("hardtanh", "self, min_val=-1.0, max_val=1.0", ("self",),
       lambda o, d, a, min_val=-1.0, max_val=1.0: _k_clamp(o, d, a, min_val, max_val),
       promote="same", saves=(("result", None),),
       backward=lambda n, g: (g * ((n.result > n.params["min_val"]) & (n.result < n.params["max_val"])),)),
]

TERNARY = [
    Op("lerp", "self, end, weight", ("self", "end", "weight"), _k_lerp, check_args=_check_lerp,
       node_for=lambda args, p: "LerpBackward1" if isinstance(args[2], Tensor) else "LerpBackward0",
       saves=(("weight", (0, 1)), ("self", (2,)), ("end", (2,))),
       backward=lambda n, g: (g * (1 - n.weight) if n.needs[0] else None,
                              g * n.weight if n.needs[1] else None,
                              g * (n.end - n.self) if n.needs[2] else None)),
    Op("addcmul", "self, tensor1, tensor2, *, value=1", ("self", "tensor1", "tensor2"), _k_addcmul,
       saves=(("tensor2", (1,)), ("tensor1", (2,))),
       backward=lambda n, g: (g, g * n.tensor2 * n.params["value"] if n.needs[1] else None,
                              g * n.tensor1 * n.params["value"] if n.needs[2] else None)),
    Op("addcdiv", "self, tensor1, tensor2, *, value=1", ("self", "tensor1", "tensor2"),
       _k_addcdiv, check_args=_check_addcdiv,
       saves=(("tensor2", (1, 2)), ("tensor1", (2,))),
       backward=lambda n, g: (g, g * n.params["value"] / n.tensor2 if n.needs[1] else None,
                              -g * n.params["value"] * n.tensor1 / (n.tensor2 * n.tensor2)
                              if n.needs[2] else None)),
    Op("masked_fill", "self, mask, value", ("self", "mask", "value"), _k_masked_fill,
       promote="self", check_args=_check_masked_fill, check_cast=False, saves=(("mask", (0, 2)),),
       node_for=lambda args, p: ("MaskedFillBackward1" if isinstance(args[2], Tensor)
                                 else "MaskedFillBackward0"),
       backward=lambda n, g: (g.masked_fill(n.mask, 0) if n.needs[0] else None, None,
                              g.where(n.mask, 0).sum() if n.needs[2] else None)),
]


def _k_where_fn(out, dt, cond, a, b):
    return _k_where(out, dt, cond, a, b)


WHERE = Op("_where", "condition, self, other", ("condition", "self", "other"), _k_where_fn,
           saves=(("condition", (1, 2)),), inplace=False, method=False, node="WhereBackward0",
           backward=lambda n, g: (None, g.where(n.condition, 0) if n.needs[1] else None,
                                  g.where(~n.condition, 0) if n.needs[2] else None))


def _div_backward(n, g):
    if n.params["rounding_mode"] is not None:
        return _zeros_like_grad(n, g)
    other = n.other
    return (g / other if n.needs[0] else None,
            -g * n.self / (other * other) if n.needs[1] else None)


def _pow_backward(n, g):
    """PyTorch's pow_backward_self / pow_backward_exponent: the gradient is 0 where the
    exponent is 0 (for the base), and where the base is 0 and the exponent >= 0 (for the
    exponent), instead of the nan of 0 * inf. Runs on Tensors and on NumPy arrays alike."""
    gs = ge = None
    base, exp = n.self, n.exponent
    if n.needs[0]:
        if _is_number(exp):
            gs = _zeros_like(g) if exp == 0 else g * exp * base ** (exp - 1)
        else:
            gs = _zero_where(exp == 0, g * exp * base ** (exp - 1))
    if n.needs[1]:
        if _is_number(base):    # scalar ** tensor
            ge = g * n.result * float(xp.log(base))   # log of a negative base is nan, no error
            if base == 0:
                ge = _zero_where(exp >= 0, ge)
        else:
            ge = _zero_where((base == 0) & (exp >= 0), g * n.result * _log(base))
    return gs, ge


def _is_number(x):
    return isinstance(x, (int, float))


def _log(x):
    return x.log() if isinstance(x, Tensor) else xp.log(x)


def _zeros_like(x):
    return x.new_zeros(x.shape) if isinstance(x, Tensor) else xp.zeros_like(x)


def _zero_where(cond, x):
    """x with zeros where cond holds (cond broadcasts into x)."""
    if isinstance(x, Tensor):
        return x.masked_fill(cond, 0)
    return xp.where(cond, x.dtype.type(0), x)


def _minmax_backward(n, g, is_max):
    a, b = n.self, n.other
    pick = (a > b) if is_max else (a < b)
    tie = a == b
    ga = g * pick + g * tie * 0.5 if n.needs[0] else None
    gb = g * ~(pick | tie) + g * tie * 0.5 if n.needs[1] else None
    return ga, gb


def _atan2_backward(n, g):
    a, b = n.self, n.other
    denom = a * a + b * b
    return (g * b / denom if n.needs[0] else None, -g * a / denom if n.needs[1] else None)


ALL_OPS = BINARY + COMPARE + LOGICAL + UNARY_FLOAT + UNARY_SAME + CLAMP + TERNARY + [WHERE]


# Reflected operators, as PyTorch's Tensor defines them: `2.0 - t` is rsub (RsubBackward1),
# `2.0 / t` is t.reciprocal() * 2.0 (MulBackward0 over ReciprocalBackward0, and its rounding).
RSUB = Op("sub", "self, other, *, alpha=1", ("self", "other"), _k_sub, check_args=_check_sub,
          inplace=False, backward=lambda n, g: _sub_backward(n, g), node="RsubBackward1")
_NUMBER_OR_TENSOR = (int, float, bool, Tensor)


def _rsub(self, other):
    if not isinstance(other, _NUMBER_OR_TENSOR):
        return NotImplemented
    return outofplace(RSUB, (other, self), {"alpha": 1})


def _rtruediv(self, other):
    if not isinstance(other, _NUMBER_OR_TENSOR):
        return NotImplemented
    return self.reciprocal() * other


def positive(input):
    """PyTorch returns the input itself: no copy, no graph node."""
    if input._dtype is dtypes.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


_POW = next(op for op in BINARY if op.name == "pow")


def pow_function(input, exponent, *, out=None):
    """insitu.pow, which also takes a Python-number base (pow(2.0, t) is PowBackward2)."""
    if out is not None:
        return into_out(_POW, (input, exponent), {}, out)
    if isinstance(input, Tensor):
        return input.pow(exponent)
    return outofplace(_POW, (input, exponent), {})


pow_function.__name__ = pow_function.__qualname__ = "pow"


def install(namespace):
    """Entry points that replace generated ones (run after the op tables are registered)."""
    namespace["pow"] = pow_function
    namespace["positive"] = positive


Tensor.positive = Tensor.__pos__ = positive
Tensor.__rsub__ = _rsub
Tensor.__rtruediv__ = _rtruediv


def _invert(self):
    """`~t`: PyTorch refuses floating tensors here with a TypeError (bitwise_not says more)."""
    if self._dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return self.bitwise_not()


Tensor.__invert__ = _invert

# Every formula above uses only operators and methods NumPy arrays share (.sum), or methods
# arrays lack (.cos, .where, ...), which fall back to the Tensor path: safe on arrays.
numpy_formulas(ALL_OPS)
