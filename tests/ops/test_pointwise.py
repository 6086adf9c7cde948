"""Differential tests of the pointwise op table against PyTorch.

For every declared elementwise op (`POINTWISE_OPS`: the pointwise, unary, logical tables and the
relu/hardtanh activations, plus the copying ops) and a set of sample
inputs (float32, float64, int64, bool, mixed dtypes, broadcasting, 0-dim, Python scalars), the
function, method, operator, in-place and in-place-operator variants are run on insitu and on
torch. Each variant must give the same values and dtype, or raise the same exception with the same
message ('torch.' read as 'insitu.'). In-place variants must also return self, keep the buffer,
bump `_version` exactly once, and leave everything untouched when they raise.
"""
import operator
import re
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import insitu  # noqa: E402
from insitu.ops import activation, copying, logical, pointwise, unary  # noqa: E402
from insitu.ops.codegen import _operator_kind  # noqa: E402

POINTWISE_OPS = pointwise.ALL + unary.ALL + logical.ALL + activation.TENSOR_METHODS


# ----------------------------------------------------------------------------- sample inputs

class T:
    """A tensor argument, built the same way in both libraries."""

    def __init__(self, values, dtype, transposed=False):
        self.values, self.dtype, self.transposed = values, dtype, transposed

    def build(self, lib):
        t = lib.tensor(self.values, dtype=getattr(lib, self.dtype))
        return t.t() if self.transposed else t

    def __repr__(self):
        shape = np.shape(self.values)
        return f"{self.dtype}{list(shape)}{'T' if self.transposed else ''}"


def build(arg, lib):
    return arg.build(lib) if isinstance(arg, T) else arg


FV = [[-1.5, -0.25, 0.5], [0.75, 2.0, 3.25]]
FW = [[0.5, -2.0, 1.5], [3.0, -0.75, 2.5]]
FZ = [[0.25, 0.5, 0.75], [1.0, -1.0, 2.0]]
IV = [[-3, -1, 2], [5, 0, 7]]
IW = [[2, -3, 1], [1, 4, -3]]         # no zeros: integer division by zero raises
IP = [[2, 3, 1], [1, 4, 3]]           # non-negative: shift counts and integer exponents
UV = [[1, 2, 3], [250, 0, 7]]
BV = [[True, False, True], [False, True, True]]
NAN, INF = float("nan"), float("inf")
SPECIAL = [[NAN, INF, -INF, -0.0, 0.0, 1e30], [-1e30, 1e-3, -2.5, 2.5, 0.5, -0.5]]
SPECIAL_OTHER = [[0.0, -0.0, INF, NAN, -INF, 3.0], [2.0, -3.0, 0.0, -0.0, INF, NAN]]
INEXACT = [[1.0, 7.0, -7.0, 0.3, -0.3, 5.5], [0.1, 0.7, 0.7, 0.1, 0.1, -0.5]]   # 1 // 0.1 is 9
BW = [[True, True, False], [False, False, True]]
VALUES = {"float32": (FV, FW), "float64": (FV, FW), "float16": (FV, FW), "int64": (IV, IW),
          "int32": (IV, IW), "int16": (IV, IW), "int8": (IV, IW), "uint8": (UV, IP),
          "bool": (BV, BW)}


def pair(dt_self, dt_other, nonneg=False):
    x = VALUES[dt_self][0]
    y = VALUES[dt_other][1]
    if nonneg and dt_other not in ("bool",) and not dt_other.startswith("float"):
        y = IP
    return T(x, dt_self), T(y, dt_other)


def binary_samples(nonneg=False):
    """(args, kwargs, id) for a two-tensor op."""
    out = []
    for d in ("float32", "float64", "int64", "bool"):
        out.append((pair(d, d, nonneg), {}, f"{d}-{d}"))
    for a, b in [("float32", "int64"), ("int64", "float32"), ("int32", "int64"),
                 ("float32", "float64"), ("float64", "float32"), ("bool", "int64"),
                 ("int64", "bool"), ("uint8", "int8"), ("float16", "float32")]:
        out.append((pair(a, b, nonneg), {}, f"{a}-{b}"))
    x, y = pair("float32", "float32", nonneg)
    out.append(((x, T(y.values[1], "float32")), {}, "bcast_other"))
    out.append(((T(x.values[0], "float32"), y), {}, "bcast_self"))
    out.append(((T(x.values[:1], "float32"), y), {}, "bcast_self_rows"))
    out.append(((T([[1.0, 2.0]], "float32"), T([[1.0, 2.0, 3.0]], "float32")), {}, "size_mismatch"))
    xt = T([list(r) for r in zip(*x.values)], "float32", transposed=True)
    out.append(((xt, y), {}, "noncontig_self"))
    xi, yi = pair("int64", "int64", nonneg)
    out.append(((xi, T(yi.values[1], "int64")), {}, "int_bcast_other"))
    two = 2 if not nonneg else 3
    for a, zd, v in [("float32", "float64", 2.5), ("int64", "int64", two),
                     ("int64", "float64", 2.5), ("bool", "int64", two), ("int32", "int64", two),
                     ("float32", "bool", True)]:
        out.append(((T(VALUES[a][0], a), T(v, zd)), {}, f"{a}-0d_{zd}"))
    out.append(((T(1.5, "float32"), T(two, "int64")), {}, "0d-0d"))
    for d in ("float32", "float64", "float16"):
        out.append(((T(SPECIAL, d), T(SPECIAL_OTHER, d)), {}, f"special_{d}"))
        out.append(((T(SPECIAL, d), 0.0), {}, f"special_{d}-py_zero"))
    out.append(((T(INEXACT[0], "float64"), T(INEXACT[1], "float64")), {}, "inexact_quotients"))
    out.append(((T(1.5, "float32"), y), {}, "0d_self-dim_other"))
    for a in ("float32", "int64", "bool", "uint8"):
        for s in (two, 1.5, True):
            out.append(((T(VALUES[a][0], a), s), {}, f"{a}-py_{type(s).__name__}"))
    return out


def unary_samples():
    out = []
    for d in ("float32", "float64", "int64", "int32", "bool", "uint8", "float16"):
        out.append(((T(VALUES[d][0], d),), {}, d))
    for d in ("float32", "float64", "float16"):
        out.append(((T(SPECIAL, d),), {}, f"special_{d}"))
    out.append(((T(0.75, "float32"),), {}, "0d_float32"))
    out.append(((T(NAN, "float64"),), {}, "0d_nan"))
    out.append(((T(-3, "int64"),), {}, "0d_int64"))
    out.append(((T([list(r) for r in zip(*FV)], "float32", transposed=True),), {},
                "noncontig"))
    out.append(((T([], "float32"),), {}, "empty"))
    return out


def clamp_samples():
    f, i = T(FV, "float32"), T(IV, "int64")
    fw, fz = T(FW, "float32"), T(FZ, "float32")
    return [
        ((f,), {"min": -0.5, "max": 1.0}, "f-both"),
        ((f,), {"min": 0}, "f-min_int"),
        ((f,), {"max": 1}, "f-max_int"),
        ((f,), {"min": 1.0, "max": 0.0}, "f-min_gt_max"),
        ((f,), {}, "no_bounds"),
        ((i,), {"min": -1, "max": 3}, "i-int_bounds"),
        ((i,), {"min": 0.5, "max": 2.5}, "i-float_bounds"),
        ((T(0.75, "float32"),), {"min": 0.0, "max": 0.5}, "0d"),
        ((T(BV, "bool"),), {"min": 0, "max": 1}, "bool"),
        ((f,), {"min": fz, "max": T(2.0, "float32")}, "tensor_bounds"),
        ((f,), {"min": fz}, "tensor_min"),
        ((f,), {"max": T(FZ[0], "float32")}, "tensor_max_bcast"),
        ((T(FV[0], "float32"),), {"min": fw}, "tensor_min_bcast_self"),
        ((i,), {"min": T(0.5, "float64")}, "int_self-float_0d_min"),
        ((T(SPECIAL, "float32"),), {"min": -1.0, "max": 1.0}, "special"),
        ((T(SPECIAL, "float32"),), {"min": NAN}, "nan_bound"),
        ((T(SPECIAL, "float64"),), {"min": T(SPECIAL_OTHER, "float64")}, "special_tensor_bound"),
    ]


def ternary_samples(name):
    f, fw, fz = T(FV, "float32"), T(FW, "float32"), T(FZ, "float32")
    i, iw, ip = T(IV, "int64"), T(IW, "int64"), T(IP, "int64")
    mask, maskrow = T(BW, "bool"), T(BW[0], "bool")
    if name == "lerp":
        return [((f, fw, 0.25), {}, "scalar_weight"), ((f, fw, fz), {}, "tensor_weight"),
                ((f, T(FW[0], "float32"), 0.5), {}, "bcast_end"),
                ((T(FV[0], "float32"), fw, 0.5), {}, "bcast_self"),
                ((f, T(FW, "float64"), 0.5), {}, "mixed_dtypes"),
                ((T(FV, "float64"), fw, T(0.5, "float64")), {}, "0d_weight")]
    if name == "addcmul":
        return [((f, fw, fz), {}, "float"), ((f, fw, fz), {"value": 0.5}, "value"),
                ((i, iw, ip), {"value": 2}, "int"),
                ((i, iw, ip), {"value": 0.5}, "int_float_value"),
                ((i, fw, fz), {}, "int_self_float_operands"),
                ((T(FV[0], "float32"), fw, fz), {}, "bcast_self"),
                ((f, T(FW[0], "float32"), T(1.5, "float32")), {}, "bcast_operands")]
    if name == "addcdiv":
        return [((f, fw, fz), {}, "float"), ((f, fw, fz), {"value": -2}, "value"),
                ((i, iw, ip), {}, "int_division"), ((i, fw, fz), {}, "int_self_float_operands"),
                ((T(FV[0], "float32"), fw, fz), {}, "bcast_self")]
    if name == "masked_fill":
        return [((f, mask, 9.5), {}, "float_scalar"), ((f, maskrow, -1), {}, "bcast_mask"),
                ((f, mask, T(7.0, "float32")), {}, "0d_value"),
                ((i, mask, 4), {}, "int"),
                ((i, mask, 2.7), {}, "int_self_float_value"),
                ((i, mask, T(2.7, "float32")), {}, "int_self_0d_float_value"),
                ((T(BV, "bool"), mask, 2.5), {}, "bool_self_float_value"),
                ((f, mask, T(5, "float64")), {}, "float_self_0d_double_value"),
                ((T(FV[0], "float32"), mask, 1.0), {}, "bcast_self"),
                ((f, mask, T([1.0], "float32")), {}, "1d_value"),
                ((T(BV, "bool"), mask, False), {}, "bool")]
    raise KeyError(name)


def where_samples():
    f, fw = T(FV, "float32"), T(FW, "float32")
    c = T(BW, "bool")
    return [((c, f, fw), {}, "float"), ((c, T(IV, "int64"), fw), {}, "mixed"),
            ((c, f, 0.0), {}, "scalar_other"),
            ((T(BW[0], "bool"), f, T(FW[0], "float64")), {}, "bcast"),
            ((c, T(IV, "int64"), 2.5), {}, "int_and_float_scalar"),
            ((c, 1, 0), {}, "two_scalars")]


# ----------------------------------------------------------------------------- op table
# name -> (torch function, torch method name or None, sample list, insitu function)

def _binary(name, nonneg=False, extra=()):
    return name, binary_samples(nonneg) + list(extra)


SPECS = {}
for _name, _extra in [
        ("add", [((T(FV, "float32"), T(FW, "float32")), {"alpha": 2}, "alpha"),
                 ((T(IV, "int64"), T(IW, "int64")), {"alpha": 0.5}, "int_float_alpha"),
                 ((T(IV, "int64"), T(IW, "int64")), {"alpha": -2}, "int_alpha")]),
        ("sub", [((T(FV, "float32"), T(FW, "float32")), {"alpha": 0.5}, "alpha"),
                 ((T(IV, "int64"), T(IW, "int64")), {"alpha": 1.5}, "int_float_alpha"),
                 ((T(UV, "uint8"), 3), {}, "uint8_wraps"),
                 ((T(UV, "uint8"), 300), {}, "uint8_wraps_large")]),
        ("mul", [((T(UV, "uint8"), 300), {}, "uint8_wraps_large")]),
        ("div", [((T(FV, "float32"), T(FW, "float32")), {"rounding_mode": m}, f"f-{m}")
                 for m in ("floor", "trunc")]
         + [((T(IV, "int64"), T(IW, "int64")), {"rounding_mode": m}, f"i-{m}")
            for m in ("floor", "trunc")]
         + [((T(IV, "int64"), T([[1, 0, 1], [1, 1, 1]], "int64")), {"rounding_mode": "floor"},
             "i-by_zero"),
            ((T(IV, "int64"), 2), {"rounding_mode": "trunc"}, "i-scalar-trunc")]
         + [((T(a, "float64"), T(b, "float64")), {"rounding_mode": m}, f"{name}-{m}")
            for a, b, name in ((SPECIAL, SPECIAL_OTHER, "special"), (*INEXACT, "inexact"))
            for m in ("floor", "trunc")]),
        ("floor_divide", []), ("remainder", []), ("fmod", []),
        ("maximum", []), ("minimum", []), ("atan2", []), ("hypot", []),
        ("eq", []), ("ne", []), ("lt", []), ("le", []), ("gt", []), ("ge", []),
        ("logical_and", []), ("logical_or", []), ("logical_xor", []),
        ("bitwise_and", []), ("bitwise_or", []), ("bitwise_xor", [])]:
    SPECS[_name] = binary_samples() + _extra
for _name in ("pow", "bitwise_left_shift", "bitwise_right_shift"):
    SPECS[_name] = binary_samples(nonneg=True)
SPECS["pow"] += [((T(IV, "int64"), T(IW, "int64")), {}, "int_negative_exponent"),
                 ((T(FV, "float32"), 0.5), {}, "float_sqrt"),
                 ((2.0, T(FV, "float32")), {}, "scalar_base"),
                 ((2, T(IP, "int64")), {}, "int_scalar_base"),
                 ((0.0, T(FZ, "float64")), {}, "zero_scalar_base")]

UNARY = [op.name for op in POINTWISE_OPS if op.tensors[0] == "self" and not op.params
         and all(t.startswith("_") for t in op.tensors[1:])]
for _name in UNARY + ["positive"]:   # positive returns its input: no table op
    SPECS[_name] = unary_samples()
SPECS["round"] = unary_samples() + [((T(FV, "float32"),), {"decimals": 1}, "decimals"),
                                    ((T([[0.5, 1.5, 2.5], [-0.5, -1.5, 3.5]], "float64"),), {},
                                     "half_to_even")]
SPECS["clamp"] = clamp_samples()
SPECS["clamp_min"] = [((T(FV, "float32"),), {"min": 0.5}, "float"),
                      ((T(IV, "int64"),), {"min": 0}, "int"),
                      ((T(IV, "int64"),), {"min": 0.5}, "int_float_bound")]
SPECS["clamp_max"] = [((T(FV, "float32"),), {"max": 0.5}, "float"),
                      ((T(IV, "int64"),), {"max": 0}, "int"),
                      ((T(IV, "int64"),), {"max": 0.5}, "int_float_bound")]
SPECS["hardtanh"] = [((T(FV, "float32"),), {}, "default"),
                     ((T(FV, "float32"),), {"min_val": -0.5, "max_val": 2.0}, "bounds"),
                     ((T(IV, "int64"),), {"min_val": 0, "max_val": 1}, "int")]
for _name in ("lerp", "addcmul", "addcdiv", "masked_fill"):
    SPECS[_name] = ternary_samples(_name)
SPECS["where"] = where_samples()

# How each op is reached in both libraries, where the name alone is not enough.
TORCH_FN = {"hardtanh": F.hardtanh}
TORCH_INPLACE_FN = {"hardtanh": F.hardtanh_}
NO_METHOD = {"hardtanh", "where"}           # torch.Tensor has no such method
NO_INPLACE = {"where", "maximum", "minimum", "positive"}
TABLE_NAMES = {op.name for op in POINTWISE_OPS}
COVERED_BY = {"rsub": "sub"}     # `2 - t` is rsub: sampled through sub's reflected operator


def test_every_declared_op_has_samples():
    declared = {COVERED_BY.get(n, n) for n in TABLE_NAMES}
    assert declared <= set(SPECS), declared - set(SPECS)
    copying_ops = {op.inplace_name for op in copying.INPLACE_ONLY}
    assert copying_ops <= {case[0] for case in COPY_CASES}


CASES = [pytest.param(name, args, kwargs, id=f"{name}-{sid}")
         for name, samples in SPECS.items() for args, kwargs, sid in samples]


# ----------------------------------------------------------------------------- comparison

def run(fn):
    """('ok', result) or ('err', exception) for one call."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", fn()
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return "err", e


_TORCH_DTYPE = re.compile(r"torch\.(?=(\w+Tensor|u?int\d+|float\d+|bool|half|double|long)\b)")


def torch_message(e):
    """torch's message with dtype names spelled insitu.FloatTensor, insitu.float32, ..."""
    return _TORCH_DTYPE.sub("insitu.", str(e))


def assert_same_tensor(got, want, what):
    assert isinstance(got, insitu.Tensor), (what, got)
    assert got.dtype.name == str(want.dtype).replace("torch.", ""), (what, got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape), (what, got.shape, want.shape)
    g, w = np.asarray(got._data), want.numpy()
    if w.dtype.kind == "f":
        tol = {2: 2e-3, 4: 2e-6, 8: 1e-12}[w.dtype.itemsize]
        np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=tol,
                                   atol=tol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(g, w, err_msg=what)


def assert_same_outcome(got, want, what):
    gk, gv = got
    wk, wv = want
    if wk == "err":
        assert gk == "err", f"{what}: torch raised {wv!r}, insitu returned {gv!r}"
        assert isinstance(gv, type(wv)), f"{what}: {gv!r} is not a {type(wv).__name__}: {wv!r}"
        if not isinstance(wv, TypeError):    # argument-parser TypeErrors list torch overloads
            assert str(gv) == torch_message(wv), f"{what}: {gv!r} != {wv!r}"
        return
    assert gk == "ok", f"{what}: insitu raised {gv!r}, torch gave {wv!r}"
    assert_same_tensor(gv, wv, what)


def insitu_function(name):
    return getattr(insitu, name)


def torch_function(name):
    return TORCH_FN.get(name) or getattr(torch, name)


def snapshot(t):
    return (t._data.copy(), t.dtype, tuple(t.shape), t._version)


def check_inplace(name, call_insitu, call_torch, args_i, args_t, what):
    """One in-place variant on clones of self: outcome, identity, buffer, version, atomicity."""
    self_i = args_i[0].clone()
    self_t = args_t[0].clone()
    before = snapshot(self_i)
    ptr = self_i.data_ptr()
    got = run(lambda: call_insitu(self_i, *args_i[1:]))
    want = run(lambda: call_torch(self_t, *args_t[1:]))
    assert_same_outcome(got, want, what)
    if got[0] == "ok":
        assert got[1] is self_i, f"{what}: in-place result is not self"
        assert self_i.data_ptr() == ptr, f"{what}: in-place op moved the buffer"
        assert self_i._version == before[3] + 1, f"{what}: version {self_i._version}"
        assert_same_tensor(self_i, self_t, what + " (self after)")
    else:
        data, dtype, shape, version = before
        assert self_i.dtype is dtype and tuple(self_i.shape) == shape, what
        assert self_i._version == version, f"{what}: failing op bumped the version"
        # nothing written (PyTorch's integer division leaves what it wrote before a zero
        # divisor: docs/differences.md, failed-writes-write-nothing)
        np.testing.assert_array_equal(self_i._data, data, err_msg=what + ": failing op wrote")


OPERATORS = {}
for _op in POINTWISE_OPS:
    OPERATORS[_op.name] = tuple(tuple(d for d in _op.operators
                                      if _operator_kind(d, _op.name) == kind)
                                for kind in ("forward", "reflected", "inplace"))
OPERATORS["bitwise_not"] = (("__invert__",), (), ())   # `~` has its own TypeError for floats
# written by hand, as PyTorch's Tensor writes them (rsub, reciprocal * other, identity)
OPERATORS["sub"] = (("__sub__",), ("__rsub__",), ("__isub__",))
OPERATORS["div"] = (("__truediv__",), ("__rtruediv__",), ("__itruediv__",))
OPERATORS["positive"] = (("__pos__",), (), ())


def _operator(dunder):
    name = dunder.strip("_")
    return getattr(operator, name + "_" if name in ("and", "or") else name)


@pytest.mark.parametrize("name,args,kwargs", CASES)
def test_variants_agree_with_torch(name, args, kwargs):
    args_i = [build(a, insitu) for a in args]
    args_t = [build(a, torch) for a in args]
    kw_i = {k: build(v, insitu) for k, v in kwargs.items()}
    kw_t = {k: build(v, torch) for k, v in kwargs.items()}

    fn_i, fn_t = insitu_function(name), torch_function(name)
    want = run(lambda: fn_t(*args_t, **kw_t))
    for attempt in ("first", "again"):   # a repeated call may take the registry's fast path
        assert_same_outcome(run(lambda: fn_i(*args_i, **kw_i)), want, f"function ({attempt})")

    self_is_tensor = isinstance(args_i[0], insitu.Tensor)
    if name not in NO_METHOD and self_is_tensor:
        assert_same_outcome(run(lambda: getattr(args_i[0], name)(*args_i[1:], **kw_i)),
                            run(lambda: getattr(args_t[0], name)(*args_t[1:], **kw_t)), "method")

    ops, rops, iops = OPERATORS.get(name, ((), (), ()))
    if not kwargs:
        for dunder in ops:
            f = _operator(dunder)
            assert_same_outcome(run(lambda: f(*args_i)), run(lambda: f(*args_t)), dunder)
        if len(args) == 2 and not isinstance(args[1], T):
            for dunder in rops:
                f = _operator(dunder.replace("__r", "__"))
                assert_same_outcome(run(lambda: f(args_i[1], args_i[0])),
                                    run(lambda: f(args_t[1], args_t[0])), dunder)

    if name in NO_INPLACE or not self_is_tensor:
        return
    inplace_t = TORCH_INPLACE_FN.get(name)
    if inplace_t is None:
        def inplace_t(s, *rest):
            return getattr(s, name + "_")(*rest, **kw_t)
    else:
        inplace_t = (lambda f: lambda s, *rest: f(s, *rest, **kw_t))(inplace_t)
    for attempt in ("first", "again"):   # a repeated call may take the registry's fast path
        check_inplace(name, lambda s, *rest: getattr(s, name + "_")(*rest, **kw_i), inplace_t,
                      args_i, args_t, f"{name}_ ({attempt})")
    if not kwargs:
        for dunder in iops:
            f = _operator(dunder)
            check_inplace(name, f, f, args_i, args_t, dunder)


def test_broadcasting_self_and_float_into_int_give_torchs_messages():
    for lib in (insitu, torch):
        with pytest.raises(RuntimeError, match=r"^output with shape \[3\] doesn't match the "
                                               r"broadcast shape \[2, 3\]$"):
            lib.zeros(3).add_(lib.ones(2, 3))
        with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired "
                                               "output type Long$"):
            lib.zeros(3, dtype=lib.int64).mul_(1.5)


def test_dunder_lookup_matches_operator_module():
    assert _operator("__iadd__") is operator.iadd
    assert _operator("__truediv__") is operator.truediv
    assert _operator("__rshift__") is operator.rshift


# ----------------------------------------------------------------------------- copying ops

COPY_CASES = [
    ("fill_", T(FV, "float32"), (2,), "f-int"), ("fill_", T(FV, "float32"), (0.5,), "f-float"),
    ("fill_", T(IV, "int64"), (2.9,), "i-float_truncates"), ("fill_", T(BV, "bool"), (2.9,), "b"),
    ("fill_", T(IV, "int64"), (T(2.9, "float32"),), "i-0d_float"),
    ("fill_", T(FV, "float32"), (T(1.5, "float64"),), "f-0d"),
    ("fill_", T(FV, "float32"), (T([1.0], "float32"),), "1d_value"),
    ("fill_", T(0.5, "float32"), (3,), "0d_self"),
    ("zero_", T(FV, "float32"), (), "f"), ("zero_", T(IV, "int64"), (), "i"),
    ("zero_", T(BV, "bool"), (), "b"),
    ("zero_", T([list(r) for r in zip(*FV)], "float32", transposed=True), (), "noncontig"),
    ("copy_", T(FV, "float32"), (T(FW, "float64"),), "f-from_f64"),
    ("copy_", T(IV, "int64"), (T([[1.7, -2.7, 3.2], [0.5, -0.5, 9.9]], "float32"),),
     "int_from_float_truncates"),
    ("copy_", T(FV, "float32"), (T(IW, "int64"),), "f-from_int"),
    ("copy_", T(BV, "bool"), (T(FW, "float32"),), "b-from_float"),
    ("copy_", T(UV, "uint8"), (T(IW, "int64"),), "uint8_wraps"),
    ("copy_", T(FV, "float32"), (T(FW[0], "float32"),), "bcast_src"),
    ("copy_", T(FV[0], "float32"), (T(FW, "float32"),), "bcast_self"),
    ("copy_", T(FV, "float32"), (T(2.5, "float32"),), "0d_src"),
    ("copy_", T(FV, "float32"), (T([1.0, 2.0], "float32"),), "size_mismatch"),
    ("copy_", T([list(r) for r in zip(*FV)], "float32", transposed=True),
     (T(FW, "float32"),), "noncontig_self"),
    ("copy_", T(FV, "float32"), (T([list(r) for r in zip(*FW)], "float32", transposed=True),),
     "noncontig_src"),
]


@pytest.mark.parametrize("method,self_arg,rest", [pytest.param(m, s, r, id=f"{m}{i}")
                                                  for m, s, r, i in COPY_CASES])
def test_copying_ops_agree_with_torch(method, self_arg, rest):
    args_i = [build(self_arg, insitu)] + [build(a, insitu) for a in rest]
    args_t = [build(self_arg, torch)] + [build(a, torch) for a in rest]

    def call(s, *r):
        return getattr(s, method)(*r)
    check_inplace(method, call, call, args_i, args_t, method)


@pytest.mark.parametrize("arg", [T(FV, "float32"), T(IV, "int64"), T(0.5, "float64"),
                                 T([list(r) for r in zip(*FV)], "float32", transposed=True)],
                         ids=repr)
def test_clone_is_a_new_storage_at_version_zero(arg):
    x, xt = build(arg, insitu), build(arg, torch)
    x.add_(1)
    xt.add_(1)
    for c, ct in ((x.clone(), xt.clone()), (insitu.clone(x), torch.clone(xt))):
        assert_same_tensor(c, ct, "clone")
        assert c.stride() == ct.stride()          # preserve_format keeps a dense layout
        assert c._version == ct._version == 0
        assert not c._is_view() and c.data_ptr() != x.data_ptr()
        c.zero_()
        assert_same_tensor(x, xt, "source untouched by writes to the clone")


# ----------------------------------------------------------------------------- out=

OUT_CASES = [
    ("add", (T(FV, "float32"), T(FW, "float32")), {}, T(FZ, "float32"), "same"),
    ("add", (T(FV, "float32"), 1), {"alpha": 2}, T(FZ, "float64"), "wider_out"),
    ("add", (T(FV, "float32"), T(FW, "float32")), {}, T([[1, 2, 3], [4, 5, 6]], "int64"),
     "cast_error"),
    ("add", (T(FV, "float32"), T(FW[0], "float32")), {}, T([1.0] * 5, "float32"), "resize"),
    ("add", (T(FV, "float32"), T(FW, "float32")), {}, T([], "float32"), "resize_empty"),
    ("mul", (T(IV, "int64"), T(IW, "int64")), {}, T(IW, "int32"), "int_narrower"),
    ("div", (T(IV, "int64"), T(IW, "int64")), {}, T(IW, "int64"), "true_div_into_int"),
    ("div", (T(IV, "int64"), T(IW, "int64")), {"rounding_mode": "floor"}, T(IW, "int64"),
     "floor_into_int"),
    ("sin", (T(FV, "float32"),), {}, T(FZ, "float32"), "unary"),
    ("sqrt", (T(IV, "int64"),), {}, T(FZ, "float64"), "unary_int_input"),
    ("eq", (T(FV, "float32"), T(FW, "float32")), {}, T(BV, "bool"), "compare"),
    ("lt", (T(FV, "float32"), 0.5), {}, T(FZ, "float32"), "compare_into_float"),
    ("clamp", (T(FV, "float32"),), {"min": 0.0, "max": 1.0}, T(FZ, "float32"), "clamp"),
    ("pow", (T(FV, "float32"), 2), {}, T(FZ, "float32"), "pow"),
    ("bitwise_and", (T(IV, "int64"), T(IW, "int64")), {}, T(IW, "int64"), "bitwise"),
    ("maximum", (T(FV, "float32"), T(FW, "float32")), {}, T(FZ, "float32"), "maximum"),
    ("addcmul", (T(FV, "float32"), T(FW, "float32"), T(FZ, "float32")), {"value": 2},
     T(FZ, "float32"), "ternary"),
]


@pytest.mark.parametrize("name,args,kwargs,out", [pytest.param(*c[:4], id=f"{c[0]}-{c[4]}")
                                                  for c in OUT_CASES])
def test_out_form_agrees_with_torch(name, args, kwargs, out):
    args_i = [build(a, insitu) for a in args]
    args_t = [build(a, torch) for a in args]
    kw_i = {k: build(v, insitu) for k, v in kwargs.items()}
    kw_t = {k: build(v, torch) for k, v in kwargs.items()}
    out_i, out_t = build(out, insitu), build(out, torch)
    before = snapshot(out_i)
    got = run(lambda: getattr(insitu, name)(*args_i, **kw_i, out=out_i))
    want = run(lambda: torch_function(name)(*args_t, **kw_t, out=out_t))
    assert_same_outcome(got, want, "out=")
    if got[0] == "ok":
        assert got[1] is out_i
        assert_same_tensor(out_i, out_t, "out after")
        assert out_i._version == out_t._version == before[3] + 1
    else:
        assert out_i._version == before[3]
        np.testing.assert_array_equal(out_i._data, before[0])


def test_out_resize_of_a_nonempty_tensor_warns_like_torch():
    with pytest.warns(UserWarning) as want:
        torch.add(torch.ones(2, 3), 1, out=torch.empty(5))
    with pytest.warns(UserWarning) as got:
        insitu.add(insitu.ones(2, 3), 1, out=insitu.empty(5))
    expected = str(want[0].message).split(" (Triggered internally")[0]
    assert str(got[0].message) == expected


@pytest.mark.parametrize("which", ["input", "out"])
@pytest.mark.parametrize("name,args", [("add", (1,)), ("sin", ()), ("mul", (2.0,))])
def test_out_refuses_autograd(name, args, which):
    def call(lib):
        x = lib.ones(2, 3, requires_grad=which == "input")
        o = lib.empty(2, 3, requires_grad=which == "out")
        return getattr(lib, name)(x, *args, out=o)
    with pytest.raises(RuntimeError) as want:
        call(torch)
    with pytest.raises(RuntimeError) as got:
        call(insitu)
    assert str(got.value) == str(want.value)
    assert "functions with out=... arguments don't support automatic differentiation" in str(
        got.value)


def test_out_under_no_grad_is_allowed():
    x = insitu.ones(3, requires_grad=True)
    o = insitu.empty(3)
    with insitu.no_grad():
        r = insitu.mul(x, 2, out=o)
    assert r is o and o.tolist() == [2.0, 2.0, 2.0] and o._version == 1


# ----------------------------------------------------------------------------- properties

finite = st.floats(-1e3, 1e3, allow_nan=False, width=32)


@st.composite
def self_and_other(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    dt = draw(st.sampled_from([np.float32, np.float64]))
    a = draw(hnp.arrays(dt, shape, elements=finite))
    # a shape that broadcasts into self's: a suffix of it, some sides squeezed to 1
    tail = shape[len(shape) - draw(st.integers(0, len(shape))):]
    other_shape = tuple(1 if draw(st.booleans()) else n for n in tail)
    other_dt = draw(st.sampled_from([np.float32, np.float64, np.int64]))
    b = draw(hnp.arrays(other_dt, other_shape,
                        elements=st.integers(-100, 100) if other_dt is np.int64 else finite))
    transpose = draw(st.booleans()) and len(shape) >= 2
    return a, b, transpose


def _pair(a, b, transpose, lib):
    """self with a's values (non-contiguous when `transpose`), and other."""
    if transpose:
        x = lib.tensor(np.ascontiguousarray(np.swapaxes(a, 0, 1))).transpose(0, 1)
    else:
        x = lib.tensor(a)
    return x, lib.tensor(b)


@settings(max_examples=60, deadline=None)
@given(self_and_other(), st.sampled_from(["add_", "mul_", "sub_", "div_"]))
def test_property_binary_inplace_matches_torch(data, method):
    a, b, transpose = data
    x, y = _pair(a, b, transpose, insitu)
    xt, yt = _pair(a, b, transpose, torch)
    ptr, version = x.data_ptr(), x._version
    r = getattr(x, method)(y)
    getattr(xt, method)(yt)
    assert r is x and x.data_ptr() == ptr and x._version == version + 1
    # strides of size-1 dims carry no meaning (torch.tensor keeps NumPy's odd ones there)
    assert [s for s, n in zip(x.stride(), x.shape) if n > 1] == \
        [s for s, n in zip(xt.stride(), xt.shape) if n > 1]
    assert_same_tensor(x, xt, method)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=0, max_dims=3, max_side=5),
                  elements=finite),
       st.one_of(st.none(), finite), st.one_of(st.none(), finite))
def test_property_clamp_inplace_matches_torch(a, lo, hi):
    x, xt = insitu.tensor(a), torch.tensor(a)
    got = run(lambda: x.clamp_(lo, hi))
    want = run(lambda: xt.clamp_(lo, hi))
    assert_same_outcome(got, want, "clamp_")
    if got[0] == "ok":
        assert got[1] is x and x._version == 1


def test_masked_fill_inplace_casts_the_value_to_self_dtype():
    for value in (2.7, -1.5, True):
        got = insitu.tensor([1, 2, 3]).masked_fill_(insitu.tensor([True, False, True]), value)
        want = torch.tensor([1, 2, 3]).masked_fill_(torch.tensor([True, False, True]), value)
        assert got.tolist() == want.tolist() and got.dtype is insitu.int64


def test_positive_returns_its_input_itself():
    for lib in (insitu, torch):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        assert lib.positive(x) is x and x.positive() is x and +x is x
        with pytest.raises(RuntimeError, match="^The `\\+` operator, on a bool tensor is not "
                                               "supported.$"):
            lib.positive(lib.tensor([True]))


def test_scalar_over_tensor_is_reciprocal_times_scalar_bit_for_bit():
    values = [7.0, 10.0, 0.3, 49.0, 1e-3, 3.0]
    for dt in ("float32", "float64", "float16"):
        got = 5.0 / insitu.tensor(values, dtype=getattr(insitu, dt))
        want = 5.0 / torch.tensor(values, dtype=getattr(torch, dt))
        assert got.dtype.name == dt
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("shapes", [((3, 1), (2, 3)), ((3, 1), (1, 3)), ((2, 1), (1, 1))])
@pytest.mark.parametrize("name", ["addcdiv_", "addcmul_"])
def test_an_inplace_op_broadcasts_every_operand_before_comparing_with_self(name, shapes):
    # PyTorch's TensorIterator: two operands that do not broadcast are refused as such, then
    # the common shape is compared with self's
    torch = pytest.importorskip("torch")
    msgs = []
    for lib in (torch, insitu):
        x = lib.zeros(3)
        with pytest.raises(RuntimeError) as e:
            getattr(x, name)(lib.ones(shapes[0]), lib.ones(shapes[1]))
        msgs.append(str(e.value))
        assert x._version == 0
    assert msgs[1] == msgs[0]
