"""The docstrings of the entry points `ops.codegen` generates, read off each op's declaration.

Everything but the first sentence comes from the `Op` itself: the schema, the forms that exist
(function, method, in-place twin, operators), the node's name, and what the node keeps, derived
from the backward formulas' parameter names exactly as `ops.derivatives` derives it at record
time. The first sentence, what the op computes, is `SUMMARIES[op.name]`, written in terms of
the schema's argument names (`self` reads `input` in the function's docstring).
"""
import re

from .derivatives import INPUT, INPUT_META, NEEDS, OUTPUT, OUTPUT_META
from .table import signature

SUMMARIES = {
    # arithmetic (ops/pointwise.py)
    "add": "self + alpha * other, elementwise (broadcast)",
    "sub": "self - alpha * other, elementwise (broadcast)",
    "rsub": "other - alpha * self, elementwise: subtraction with the operands swapped",
    "mul": "self times other, elementwise (broadcast)",
    "div": "self divided by other, elementwise; rounding_mode None gives the true quotient "
           "(integers become floating), 'trunc' rounds it toward zero, 'floor' down",
    "floor_divide": "self divided by other, rounded down (toward minus infinity), elementwise",
    "remainder": "the remainder of self / other with the sign of other (Python's %), "
                 "elementwise",
    "fmod": "the remainder of self / other with the sign of self (C's fmod), elementwise",
    "pow": "self raised to the power exponent, elementwise; either may be a number",
    "maximum": "the larger of self and other, elementwise (NaN if either is NaN)",
    "minimum": "the smaller of self and other, elementwise (NaN if either is NaN)",
    "atan2": "the angle of the point (other, self), atan(self / other) in the right quadrant, "
             "elementwise, in radians",
    "hypot": "sqrt(self**2 + other**2), elementwise, without intermediate overflow",
    "clamp": "self limited to [min, max], elementwise; either bound may be None",
    "clamp_min": "self limited from below: max(self, min), elementwise",
    "clamp_max": "self limited from above: min(self, max), elementwise",
    "lerp": "linear interpolation self + weight * (end - self), elementwise",
    "addcmul": "self + value * tensor1 * tensor2, elementwise (broadcast)",
    "addcdiv": "self + value * tensor1 / tensor2, elementwise (broadcast)",
    "masked_fill": "self with value written where the boolean mask is True",
    "where": "self where condition is True, other elsewhere (broadcast)",
    # tests of values
    "isnan": "a bool tensor: True where self is NaN",
    "isinf": "a bool tensor: True where self is plus or minus infinity",
    "isfinite": "a bool tensor: True where self is neither infinite nor NaN",
    "isposinf": "a bool tensor: True where self is plus infinity",
    "isneginf": "a bool tensor: True where self is minus infinity",
    "nan_to_num": "self with NaN replaced by nan, plus infinity by posinf and minus infinity by "
                  "neginf (None: the dtype's largest and smallest finite values)",
    # unary (ops/unary.py, ops/erf.py)
    "erf": "the error function of self, elementwise",
    "exp": "e raised to self, elementwise",
    "exp2": "2 raised to self, elementwise",
    "expm1": "exp(self) - 1, elementwise, accurate near zero",
    "log": "the natural logarithm of self, elementwise",
    "log2": "the base-2 logarithm of self, elementwise",
    "log10": "the base-10 logarithm of self, elementwise",
    "log1p": "log(1 + self), elementwise, accurate near zero",
    "sqrt": "the square root of self, elementwise",
    "rsqrt": "1 / sqrt(self), elementwise",
    "sin": "the sine of self (radians), elementwise",
    "cos": "the cosine of self (radians), elementwise",
    "tan": "the tangent of self (radians), elementwise",
    "tanh": "the hyperbolic tangent of self, elementwise",
    "sinh": "the hyperbolic sine of self, elementwise",
    "cosh": "the hyperbolic cosine of self, elementwise",
    "asin": "the arcsine of self, elementwise, in radians",
    "acos": "the arccosine of self, elementwise, in radians",
    "atan": "the arctangent of self, elementwise, in radians",
    "reciprocal": "1 / self, elementwise",
    "sigmoid": "the logistic function 1 / (1 + exp(-self)), elementwise",
    "neg": "-self, elementwise",
    "abs": "the absolute value of self, elementwise",
    "sign": "-1, 0 or 1 by the sign of self, elementwise",
    "sgn": "the sign of self (as sign, for the real dtypes insitu has), elementwise",
    "floor": "self rounded down to an integral value, elementwise",
    "ceil": "self rounded up to an integral value, elementwise",
    "trunc": "self rounded toward zero to an integral value, elementwise",
    "round": "self rounded to `decimals` decimal places, halves to even, elementwise",
    "frac": "the fractional part self - trunc(self), elementwise",
    "square": "self * self, elementwise",
    # activations (ops/activation.py, ops/smooth_activation.py)
    "relu": "max(self, 0), elementwise",
    "hardtanh": "self clamped to [min_val, max_val], elementwise",
    "leaky_relu": "self where positive, negative_slope * self elsewhere, elementwise",
    "elu": "scale * self where positive, scale * alpha * (exp(self * input_scale) - 1) "
           "elsewhere, elementwise",
    "celu": "max(0, self) + min(0, alpha * (exp(self / alpha) - 1)), elementwise",
    "rrelu_with_noise": "self where non-negative, self times a slope elsewhere: the slopes "
                        "drawn into noise in training, (lower + upper) / 2 in evaluation",
    "threshold": "self where greater than threshold, value elsewhere, elementwise",
    "hardshrink": "self where |self| > lambd, zero elsewhere, elementwise",
    "softshrink": "self shrunk toward zero by lambd (zero where |self| <= lambd), elementwise",
    "_prelu_kernel": "self where positive, weight * self elsewhere (weight broadcast over the "
                     "channels), elementwise",
    "gelu": "self * Phi(self), Phi the standard normal CDF; approximate='tanh' uses the tanh "
            "approximation",
    "silu": "self * sigmoid(self), elementwise",
    "softplus": "log(1 + exp(beta * self)) / beta, elementwise; self itself where "
                "beta * self > threshold",
    "mish": "self * tanh(softplus(self)), elementwise",
    "log_sigmoid": "log(sigmoid(self)), elementwise, computed without overflow",
    "hardswish": "self * relu6(self + 3) / 6, elementwise",
    "hardsigmoid": "relu6(self + 3) / 6, elementwise",
    # copying (ops/copying.py)
    "fill": "every element of self set to value",
    "zero": "every element of self set to zero",
    "copy": "the values of src (broadcast, cast to self's dtype) copied into self",
    "clone": "a copy of self with storage of its own, in the graph (its gradient flows back)",
    # scans (ops/cumulative.py)
    "cumsum": "the running sum of self along dim, optionally computed in dtype",
    "cumprod": "the running product of self along dim, optionally computed in dtype",
    # indexing (ops/indexing/)
    "index_add": "self with alpha * source added at the positions index selects along dim "
                 "(repeated indices accumulate)",
    "index_copy": "self with the slices of source copied to the positions index selects along "
                  "dim",
    "index_fill": "self with value written in the slices index selects along dim",
    "tril": "the lower triangle of the last two dims of self (on and below the diagonal-th "
            "diagonal), zeros above",
    "triu": "the upper triangle of the last two dims of self (on and above the diagonal-th "
            "diagonal), zeros below",
    "scatter_add": "self with src added at the positions index gives along dim (repeated "
                   "indices accumulate)",
    "scatter_reduce": "self with src combined in at the positions index gives along dim by "
                      "reduce ('sum', 'prod', 'mean', 'amax', 'amin'); include_self=False "
                      "leaves self's values at the targeted positions out of the reduction",
    "put": "self with source written at the flat positions index gives (added when "
           "accumulate)",
    # products (ops/linalg/add_products.py)
    "addmm": "beta * self + alpha * (mat1 @ mat2)",
    "addmv": "beta * self + alpha * (mat @ vec)",
    "baddbmm": "beta * self + alpha * (batch1 @ batch2), a matrix product per batch entry",
    "addbmm": "beta * self + alpha * the sum over the batch of batch1[i] @ batch2[i]",
    "addr": "beta * self + alpha * the outer product of vec1 and vec2",
    # comparisons and logic (ops/logical.py)
    "eq": "a bool tensor: True where self == other (broadcast)",
    "ne": "a bool tensor: True where self != other (broadcast)",
    "lt": "a bool tensor: True where self < other (broadcast)",
    "le": "a bool tensor: True where self <= other (broadcast)",
    "gt": "a bool tensor: True where self > other (broadcast)",
    "ge": "a bool tensor: True where self >= other (broadcast)",
    "logical_and": "a bool tensor: True where self and other are both nonzero",
    "logical_or": "a bool tensor: True where self or other is nonzero",
    "logical_xor": "a bool tensor: True where exactly one of self and other is nonzero",
    "logical_not": "a bool tensor: True where self is zero",
    "bitwise_and": "the bitwise AND of self and other (integers or bools)",
    "bitwise_or": "the bitwise OR of self and other (integers or bools)",
    "bitwise_xor": "the bitwise XOR of self and other (integers or bools)",
    "bitwise_left_shift": "self shifted left by other bits (integers)",
    "bitwise_right_shift": "self shifted right by other bits (integers; arithmetic for signed)",
    "bitwise_not": "the bitwise NOT of self (logical NOT for bools)",
    # more elementwise functions (ops/elementary.py)
    "acosh": "the inverse hyperbolic cosine of self, elementwise (nan below 1; backward "
             "through the in-place form raises, as PyTorch's has no derivative)",
    "asinh": "the inverse hyperbolic sine of self, elementwise (backward through the in-place "
             "form raises, as PyTorch's has no derivative)",
    "atanh": "the inverse hyperbolic tangent of self, elementwise (+-inf at +-1, nan beyond; "
             "backward through the in-place form raises, as PyTorch's has no derivative)",
    "deg2rad": "self converted from degrees to radians, self * (pi / 180), elementwise",
    "rad2deg": "self converted from radians to degrees, self * (180 / pi), elementwise",
    "sinc": "the normalized sinc sin(pi * self) / (pi * self), elementwise (1 where self is 0)",
    "logit": "log(self / (1 - self)), elementwise; with eps, self is first clamped to "
             "[eps, 1 - eps] (the gradient is 0 outside that range, nan outside [0, 1] "
             "without eps)",
    "copysign": "the magnitude of self with the sign bit of other (a tensor or a number; -0.0 "
                "counts as negative), elementwise",
    "logaddexp": "log(exp(self) + exp(other)), elementwise, without overflow (tensors of a "
                 "floating dtype only)",
    "logaddexp2": "log2(2**self + 2**other), elementwise, without overflow (tensors of a "
                  "floating dtype only)",
    "fmax": "the larger of self and other, elementwise, ignoring NaN (NaN only where both "
            "are); on ties self's value is kept",
    "fmin": "the smaller of self and other, elementwise, ignoring NaN (NaN only where both "
            "are); on ties self's value is kept",
    "xlogy": "self * log(other), elementwise, 0 where self is 0 unless other is NaN; either "
             "may be a number",
    "heaviside": "the step function of self: 0 where self < 0, 1 where self > 0, values where "
                 "self is 0 (self and values of one dtype; backward raises, as PyTorch has no "
                 "derivative)",
    "gcd": "the greatest common divisor of self and other, elementwise (integer tensors only)",
    "lcm": "the least common multiple of self and other, elementwise (integer tensors only)",
    "nextafter": "the next representable floating-point value after self toward other, "
                 "elementwise (floating tensors only)",
    "ldexp": "self * 2**other, elementwise (integers become the default float)",
    # the gamma function's family (ops/gamma.py)
    "lgamma": "the natural logarithm of the absolute value of the gamma function of self, "
              "elementwise",
    "digamma": "the digamma function (the derivative of lgamma) of self, elementwise",
    "erfc": "the complementary error function 1 - erf(self), elementwise, accurate where erf "
            "is close to 1",
    "erfinv": "the inverse error function of self, elementwise (+-inf at +-1, nan outside "
              "[-1, 1])",
    "i0": "the modified Bessel function of the first kind of order zero of self, elementwise",
    "mvlgamma": "the log of the multivariate gamma function of dimension p at self, "
                "elementwise: the sum over j < p of lgamma(self - j / 2) plus "
                "p (p - 1) / 4 log(pi) (p >= 1)",
    "polygamma": "the n-th derivative of the digamma function at self, elementwise (n >= 0; "
                 "n = 0 is digamma itself)",
}

_KIND_HEADS = {"function": "insitu.{name}({sig}, out=None)", "method": "Tensor.{name}({sig})",
               "inplace": "Tensor.{iname}({sig})", "operator": "The operator {ops}",
               "ioperator": "The in-place operator {iops}",
               "roperator": "The reflected operator {rops}"}
_FUNCTION_NAMES = re.compile(r"\bself\b")


def docstring(op, kind, operators):
    """The docstring of entry point `kind` ('function', 'method', 'inplace', 'operator',
    'ioperator', 'roperator') of `op`; `operators` maps those operator kinds to their dunders."""
    head = _KIND_HEADS[kind].format(name=op.name, iname=op.inplace_name,
                                    sig=", ".join(signature(op, method=kind != "function")),
                                    **{k: ", ".join(v) for k, v in operators.items()})
    summary = SUMMARIES.get(op.name)
    if summary is None:
        summary = f"PyTorch's {op.name}"
    if kind == "function":
        summary = _FUNCTION_NAMES.sub("input", summary)
    if kind in ("inplace", "ioperator"):
        summary += ", written into self"
    elif kind == "roperator":
        summary += " (`number <op> tensor`: the tensor is the right-hand operand)"
    lines = [f"{head}: {summary}.", "", f"Schema: `{op.schema}`. {_operands(op)}"]
    lines.append(_forms(op, kind))
    lines.extend(_backward(op, kind))
    return "\n".join(lines)


def _operands(op):
    kinds = []
    if any(a.operand and not a.scalar for a in op.args):
        kinds.append("`Tensor` arguments take tensors or numbers, broadcast together and "
                     "promoted by PyTorch's rules")
    scalars = [a.name for a in op.args if a.scalar]
    if scalars:
        kinds.append("`Scalar` arguments (" + ", ".join(scalars) + ") take a number or a "
                     "tensor (a number gets no edge in the graph)")
    if op.params:
        kinds.append("the other arguments are parameters")
    text = "; ".join(kinds)
    return text[:1].upper() + text[1:] + "." if text else ""


def _forms(op, kind):
    forms = []
    if "function" in op.variants:
        forms.append(f"insitu.{op.name} (out=: written into the given tensor, one version "
                     "bump)")
    if "method" in op.variants:
        forms.append(f"Tensor.{op.name}")
    if "inplace" in op.variants:
        forms.append(f"in place Tensor.{op.inplace_name} (writes into self's buffer, bumps "
                     "its version once, returns self)")
    if op.operators:
        forms.append("operators " + ", ".join(op.operators))
    return "Forms: " + "; ".join(forms) + "." if forms else ""


def _backward(op, kind):
    if not op.differentiable:
        return ["Not differentiable: the result does not require grad."]
    d = op.derivative
    inplace = kind in ("inplace", "ioperator")
    parts = []
    for positions, _, reads in d.formulas:
        names = " and ".join(d.inputs[i] for i in positions)
        kept = [_kept(op, entry, inplace) for entry in reads if entry[0] > NEEDS]
        parts.append(f"for {names}'s gradient, " + (", ".join(kept) if kept else "nothing"))
    return [f"Backward: {d.name}; the node keeps, " + "; ".join(parts) +
            " (only for the inputs that need a gradient)."]


def _kept(op, entry, inplace):
    kind, name = entry[0], entry[1]
    if kind == INPUT:
        return "a copy of self's old value" if inplace and name == "self" else \
            f"{name} (version-checked)"
    if kind == OUTPUT:
        return "self after the write (no copy)" if inplace else "the result"
    if kind in (INPUT_META, OUTPUT_META):
        return f"{name} only"
    if name in op.params:
        return f"the parameter {name}"
    return f"{name} (made at forward)"
