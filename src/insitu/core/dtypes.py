"""PyTorch's dtypes over NumPy's, and PyTorch's type-promotion rules.

Promotion differs from NumPy's in two ways that matter: mixing categories (bool < integer <
floating) takes the higher category's dtype instead of widening (int64 + float16 is float16), and
Python scalars and 0-dim tensors only decide the result when they are of a higher category than
every dimensioned operand.
"""
from ..backend import xp


class dtype:
    """An element type: insitu.bool, uint8, int8, int16, int32, int64, float16, float32, float64
    (and PyTorch's other names for them: float, double, half, long, int, short), each over the
    NumPy dtype `.np`. There are no complex dtypes. `is_floating_point`, `is_signed` and
    `itemsize` read as in PyTorch."""
    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "category", "legacy")

    def __init__(self, name, np_dtype, category, legacy):
        self.name = name
        self.np = xp.dtype(np_dtype)
        self.category = category          # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = name not in ("bool", "uint8")
        self.itemsize = self.np.itemsize
        self.legacy = legacy              # 'Float' as in FloatTensor

    def __repr__(self):
        return "insitu." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    @property
    def is_complex(self):
        """Always False: insitu has no complex dtypes."""
        return False

    def to_real(self):
        """The dtype itself (a real dtype's real counterpart)."""
        return self


bool_ = dtype("bool", "bool", 0, "Bool")
uint8 = dtype("uint8", "uint8", 1, "Byte")
int8 = dtype("int8", "int8", 1, "Char")
int16 = dtype("int16", "int16", 1, "Short")
int32 = dtype("int32", "int32", 1, "Int")
int64 = dtype("int64", "int64", 1, "Long")
float16 = dtype("float16", "float16", 2, "Half")
float32 = dtype("float32", "float32", 2, "Float")
float64 = dtype("float64", "float64", 2, "Double")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_FROM_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"float": float32, "double": float64, "half": float16, "long": int64,
                 "int": int32, "short": int16})
# torch.int64 prints as 'long int' in clamp's cast error; keep C++ names for that one message
CPP_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
             "int32": "int", "int64": "long int", "float16": "c10::Half", "float32": "float",
             "float64": "double"}

_default_float = [float32]


def _by_name(name):
    return _BY_NAME[name]


def get_default_dtype():
    """insitu.get_default_dtype(): the dtype Python floats and the float factories produce
    (insitu.float32 unless changed)."""
    return _default_float[0]


def set_default_dtype(d):
    """insitu.set_default_dtype(d): makes `d`, a floating dtype, the default; promotion decisions
    cached under the previous default are dropped."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    if d is not _default_float[0]:
        _default_float[0] = d
        for forget in _on_default_change:
            forget()


# Callbacks that drop dtype decisions cached under the previous default (the op tables cache
# result dtypes per operand-kind key, and `int / int` or `int * 1.5` depend on the default).
_on_default_change = []


def on_default_dtype_change(forget):
    _on_default_change.append(forget)


def from_numpy_dtype(np_dtype):
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        d = xp.dtype(np_dtype)
        if d in _FROM_NP:
            return _FROM_NP[d]
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{d.name}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.") from None


def to_dtype(d):
    """Accept an insitu dtype, a Python type (float/int/bool), a name, or a NumPy dtype."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str):
        name = d.split(".")[-1]
        if name in _BY_NAME:
            return _BY_NAME[name]
    return from_numpy_dtype(d)


def _promote_same_rank(a, b):
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return _FROM_NP[xp.promote_types(a.np, b.np)]


def scalar_dtype(value):
    """The dtype a Python scalar stands for (as a wrapped number)."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    return _default_float[0]


def promote_types(a, b):
    """insitu.promote_types(type1, type2): the dtype both promote to, with PyTorch's rules (a higher
    category wins outright: int64 with float16 is float16)."""
    return _promote_same_rank(to_dtype(a), to_dtype(b))


def result_type_of(dim_dtypes, zero_dim_dtypes, scalar_dtypes):
    """PyTorch's three-tier promotion: dimensioned tensors, then 0-dim tensors, then scalars."""
    out = None
    for d in dim_dtypes:
        out = d if out is None else _promote_same_rank(out, d)
    zd = None
    for d in zero_dim_dtypes:
        zd = d if zd is None else _promote_same_rank(zd, d)
    if zd is not None and (out is None or zd.category > out.category):
        out = zd
    cat = max((d.category for d in scalar_dtypes), default=-1)
    if out is None or cat > out.category:
        if cat == 2:
            out = _default_float[0] if out is None or out.category < 2 else out
        elif cat == 1:
            out = int64
        elif cat == 0:
            out = bool_
    return out


def can_cast(from_, to):
    """torch.can_cast: no float->integral, no non-bool->bool; every other direction is allowed."""
    if from_.category == 2 and to.category < 2:
        return False
    if from_.category > 0 and to.category == 0:
        return False
    return True


# the C++ type PyTorch names when a Python number does not fit a dtype
_C_TYPES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
            "int64": "int64_t", "float16": "c10::Half", "float32": "float", "float64": "double"}


def checked_scalar(value, dt):
    """A Python number as PyTorch converts it into a tensor of dtype `dt` (a fill, a setitem
    value): integers wrap, but a value out of the type's range raises PyTorch's error (an
    unsigned type takes negative integers down to -max, as two's complement; floats may be inf
    but not finite beyond the type's range; nan fits no integer type)."""
    if dt is bool_ or isinstance(value, bool):
        return value
    if dt.category == 2:
        if isinstance(value, float) and value != value or abs(value) == float("inf"):
            return value
        if abs(value) <= float(xp.finfo(dt.np).max):
            return value
    else:
        info = xp.iinfo(dt.np)
        if isinstance(value, int):
            low = -info.max if info.min == 0 else info.min
            if low <= value <= info.max:
                return value
        elif value == value and float(info.min) <= value <= float(info.max):
            return value
    raise RuntimeError(f"value cannot be converted to type {_C_TYPES[dt.name]} without overflow")
