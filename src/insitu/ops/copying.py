"""Writes that are not arithmetic: fill_, zero_, copy_, and the copies clone() and .to(dtype)."""
from ..autograd.grad_mode import mode, no_grad
from ..autograd.versions import write
from ..backend import xp
from ..core import dtypes
from ..core.device import check_device
from ..core.storage import INFERENCE
from ..core.tensor import Tensor, new_tensor
from .codegen import entry_points
from .derivatives import Derivative, record
from .half_floats import to_float, to_half
from .kernels import UNSAFE
from .pointwise import zeros_like
from .checks import check_internal_overlap, fill_value
from .table import ANY_DTYPE, EXPANDED_SELF, OWN_OVERLAP, SAME_DATA_NOOP, Op, formulas_on_arrays


def _k_fill(out, dt, a, value):
    if value.__class__ is not xp.ndarray:    # from a tensor PyTorch copies, wrapping any value
        value = fill_value(value, out.dtype)
    out.fill(value)
    return out


def _check_fill(args, params):
    v = args[1]
    if hasattr(v, "_data"):
        if v._data.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {v._data.ndim} dimensions.")
        # PyTorch fills from a tensor by copy_, which refuses an expanded self
        check_internal_overlap(args[0]._data)


def _k_zero(out, dt, a):
    out.fill(0)
    return out


def _k_copy(out, dt, a, src, non_blocking=False):
    xp.copyto(out, src, casting=UNSAFE)
    return out


def _k_clone(out, dt, a, memory_format=None):
    # preserve_format (the default) keeps a dense layout's strides; contiguous_format is C order
    order = "C" if str(memory_format).endswith("contiguous_format") else "K"
    return a.copy(order=order) if out is None else _k_copy(out, dt, out, a)


def _zero(grad):
    """What was overwritten gets no gradient: exact zeros (not grad * 0, nan where grad is inf)."""
    return zeros_like(grad)


def _fill_node(args, params):
    return "FillBackward3" if hasattr(args[1], "_data") else "FillBackward2"


INPLACE_ONLY = formulas_on_arrays([
    # the value is read as a number before anything is written: it may share self's memory
    Op("fill(Tensor self, Scalar value)", _k_fill, variants="inplace", check=_check_fill,
       writes=(ANY_DTYPE, EXPANDED_SELF, OWN_OVERLAP), node=_fill_node,
       derivatives={"self": _zero, "value": lambda grad: grad.sum()}),
    Op("zero(Tensor self)", _k_zero, variants="inplace", writes=(ANY_DTYPE, EXPANDED_SELF),
       derivatives={"self": _zero}),
    Op("copy(Tensor self, Tensor src, non_blocking=False)", _k_copy, variants="inplace",
       writes=(ANY_DTYPE, SAME_DATA_NOOP), node="CopyBackwards",
       derivatives={"self": _zero, "src": lambda grad: grad}),
])

CLONE = formulas_on_arrays([
    Op("clone(Tensor self, *, memory_format=None)", _k_clone, promote="same",
       variants="function method", derivatives={"self": lambda grad: grad}),
])[0]

# the gradient of a conversion flows back converted to the source dtype (by the fitting every
# gradient gets)
TO_COPY = Derivative("ToCopyBackward0", {"self": lambda grad: grad})

ALL = INPLACE_ONLY + [CLONE]


def contiguous_copy(self):
    """clone(memory_format=contiguous_format): a C-ordered copy (CloneBackward0)."""
    return self.clone(memory_format="contiguous_format")


_F32, _F16 = xp.dtype(xp.float32), xp.dtype(xp.float16)


def to_dtype(self, dt):
    """A converted copy of `self` (ToCopyBackward0; an integer result has no gradient)."""
    a = self._data
    src = a.dtype
    if src == _F32 and dt is dtypes.float16:
        arr = to_half(a)
    elif src == _F16 and dt is dtypes.float32:
        arr = to_float(a)
    else:
        arr = a.astype(dt.np)
    out = new_tensor(arr, dt)
    if self._storage.special & INFERENCE and not mode.inference:
        return _written_by_copy(out, self)
    if dt.is_floating_point and self._requires_grad and mode.grad:
        record(TO_COPY, (self,), out)
    return out


def _written_by_copy(out, src):
    """A copy of an inference tensor made outside inference mode: PyTorch's kernel fills a new
    normal tensor with copy_, so the result is at version 1 and, from a source that requires
    grad, has a CopyBackwards grad_fn (the values are written again to the same effect)."""
    if out._dtype.is_floating_point:
        out.copy_(src)
    else:       # the same values again: the version moves all the same
        write(out, "copy_")
    return out


def clone(input, *, memory_format=None):
    """insitu.clone(input, *, memory_format=None), also Tensor.clone: a copy (CloneBackward0),
    dense layouts keeping their strides unless `memory_format=contiguous_format`. Of an
    inference tensor outside inference mode, PyTorch's copy_ decomposition (`_written_by_copy`)."""
    out = _CLONE(input, memory_format=memory_format)
    if input._storage.special & INFERENCE and not mode.inference:
        return _written_by_copy(out, input)
    return out


def to(self, *args, **kwargs):
    """Tensor.to(dtype), to(device), to(tensor) (its dtype), or with `dtype=`/`device=`
    keywords: self when the dtype does not change (a clone with `copy=True`), else a converted
    copy (ToCopyBackward0; an integer result has no gradient). The device can only be the CPU;
    `non_blocking` and `memory_format` are accepted and ignored."""
    dt = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    dev = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if hasattr(a, "_dtype") and hasattr(a, "_data"):
            dt = a._dtype
        elif isinstance(a, dtypes.dtype) or a in (float, int, bool):
            dt = a
        else:
            dev = a
    check_device(dev)
    if dt is None or dtypes.to_dtype(dt) is self._dtype:
        return self.clone() if copy else self
    return to_dtype(self, dtypes.to_dtype(dt))


def _converter(dt):
    def convert(self):
        return to(self, dt)
    convert.__doc__ = (f"`self.to(insitu.{dt.name})`: self when it is already {dt.name}, else a "
                       "converted copy (ToCopyBackward0 for a floating result).")
    return convert


def type_(self, dtype=None):
    """Tensor.type(dtype=None): without an argument, the legacy type name (for example
    "insitu.FloatTensor"); with a dtype or such a name, `self.to(that dtype)`."""
    if dtype is None:
        return f"insitu.{self._dtype.legacy}Tensor"
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        legacy = dtype.rsplit(".", 1)[-1][:-len("Tensor")]
        dtype = next(d for d in dtypes.ALL if d.legacy == legacy)
    return to(self, dtypes.to_dtype(dtype))


def type_as(self, other):
    """Tensor.type_as(other): `self.to(other.dtype)`."""
    return to(self, other._dtype)


def __deepcopy__(self, memo):
    if not self.is_leaf:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                           "the deepcopy protocol at the moment.  If you were attempting to "
                           "deepcopy a module, this may be because of a torch.nn.utils."
                           "weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001")
    with no_grad():
        new = self.clone()
    if type(self) is not Tensor:
        new = type(self).__new__(type(self), new, self._requires_grad) \
            if hasattr(type(self), "_from_tensor") else new
    new._requires_grad = self._requires_grad
    g = self.grad
    if g is not None:
        new._grad = g.clone()
    memo[id(self)] = new
    return new


_CLONE = entry_points(CLONE)["function"]
_ZERO = entry_points(INPLACE_ONLY[1])["inplace"]


# The generated zero_, less what a tensor into whose memory nothing is checked before a write
# (no `special` storage bit, no view, no autograd) does not need: its kernel is a fill that takes
# any dtype, so no operand kinds are looked up; the write tail then only bumps the version.
def zero_(self):
    st = self._storage
    if st.special or self._base is not None or self._requires_grad and mode.grad:
        return _ZERO(self)
    self._data.fill(0)
    return write(self, "zero_")


zero_.__name__ = zero_.__qualname__ = "zero_"
zero_.__module__, zero_.__doc__ = _ZERO.__module__, _ZERO.__doc__

FUNCTIONS = {"clone": clone}
METHODS = {"zero_": zero_, "to": to, "__deepcopy__": __deepcopy__, "type": type_, "type_as": type_as,
           "to_dtype": to_dtype, "clone": clone,
           **{name: _converter(dt) for name, dt in [
               ("float", dtypes.float32), ("double", dtypes.float64), ("half", dtypes.float16),
               ("long", dtypes.int64), ("int", dtypes.int32), ("short", dtypes.int16),
               ("char", dtypes.int8), ("byte", dtypes.uint8), ("bool", dtypes.bool_)]}}
