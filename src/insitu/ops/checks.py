"""Checks with PyTorch's messages, run before anything is written.

The in-place guards that are not autograd's: the result-dtype cast check, the broadcast-into-self
check and the overlap checks (the autograd guards are `autograd.guards`, the write refusals
`autograd.versions`). Then the argument checks op declarations share (dtype refusals,
tensor-only arguments). They only read metadata, so a failing op leaves data, dtype and version
untouched.
"""
from ..backend import xp, data_ptr, shares_memory
from ..core import dtypes
from ..core.storage import warn_at_user
from ..core.tensor import Tensor
from .parsing import invalid_combination

INTERNAL_OVERLAP = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation.")
PARTIAL_OVERLAP = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to "
    "a single memory location. Please clone() the tensor before performing the operation.")

def cast_error(result_dtype, out_dtype, cpp_names=False):
    if cpp_names.__class__ is str:      # a composite op's own check names the op (ldexp)
        return RuntimeError(f"{cpp_names} can't be cast to the desired output type "
                            f"{out_dtype.legacy}")
    if cpp_names:
        target = dtypes.CPP_NAMES[out_dtype.name]
    else:
        target = out_dtype.legacy
    return RuntimeError(
        f"result type {result_dtype.legacy} can't be cast to the desired output type {target}")


def size_list(shape):
    """A shape as PyTorch prints it in messages: [2, 3]."""
    return "[" + ", ".join(str(s) for s in shape) + "]"


def broadcast_shapes(*shapes):
    """Broadcast shapes with PyTorch's error message."""
    try:
        return xp.broadcast_shapes(*shapes)
    except ValueError:
        pass
    out = list(shapes[0])
    for s in shapes[1:]:
        out = _broadcast_two(out, list(s))
    return tuple(out)


def _broadcast_two(a, b):
    n = max(len(a), len(b))
    a = [1] * (n - len(a)) + a
    b = [1] * (n - len(b)) + b
    out = []
    for i in range(n - 1, -1, -1):      # PyTorch reports the last mismatching dimension
        x, y = a[i], b[i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return out[::-1]


def check_broadcast_into(self_shape, other_shapes):
    """In-place ops cannot grow self: the broadcast shape must equal self's shape."""
    shape = broadcast_shapes(self_shape, *other_shapes)
    if tuple(shape) != tuple(self_shape):
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, self_shape))}] doesn't match the broadcast "
            f"shape [{', '.join(map(str, shape))}]")


def fill_value(value, np_dtype):
    """A fill value (a number, or a 0-dim array: a tensor's item) as PyTorch's fill kernels
    convert it for a `np_dtype` result (`Scalar::to<T>`): one outside an integer or float
    type's range raises PyTorch's overflow error, even where nothing is filled; in range, an
    integer type takes it as C converts (-1 is 255 in uint8, 2.5 is 2)."""
    if isinstance(value, xp.ndarray):
        value = value.item()
    if value.__class__ is not int and value.__class__ is not float:
        return value
    k = np_dtype.kind
    if k == "f":
        if abs(value) > 65504.0:        # beyond float16's range: ask the type (nan never is)
            dtypes.checked_scalar(value, dtypes.from_numpy_dtype(np_dtype))
        return value
    if k in "iu":
        dtypes.checked_scalar(value, dtypes.from_numpy_dtype(np_dtype))
        return xp.asarray(value).astype(np_dtype)[()]
    return value


def internal_overlap(a):
    """PyTorch's `has_internal_overlap(t) == MemOverlap::Yes`: a dim of size > 1 with stride 0
    (an expanded tensor). Other layouts whose elements share memory (unfold's windows) are
    "too hard" to PyTorch, which writes into them as they are. Most arrays have no 0 stride:
    one tuple scan answers them."""
    strides = a.strides
    if 0 not in strides or not a.size:
        return False
    for n, s in zip(a.shape, strides):
        if s == 0 and n > 1:
            return True
    return False


def check_internal_overlap(a):
    """PyTorch's `assert_no_internal_overlap` on the written array `a`."""
    if 0 in a.strides and internal_overlap(a):
        raise RuntimeError(INTERNAL_OVERLAP)


def warn_expanded(a, name):
    """The ops that PyTorch lets write an expanded tensor, with a deprecation warning
    (masked_fill_, index_fill_, index_put_)."""
    if 0 in a.strides and internal_overlap(a):
        example = "tensor[indices] = tensor" if name == "index_put_" else "tensor[mask] = scalar"
        warn_at_user(f"Use of {name} on expanded tensors is deprecated. Please clone() the tensor "
                     "before performing this operation. This also applies to advanced indexing "
                     f"e.g. {example}", UserWarning)


def same_data(a, b):
    """Two arrays showing the same elements of the same memory the same way (PyTorch's copy_
    returns at once for such a source, before any overlap check)."""
    return data_ptr(a) == data_ptr(b) and a.shape == b.shape and a.strides == b.strides \
        and a.dtype == b.dtype


def _dense(a):
    """Non-overlapping and dense, as PyTorch defines it (some permutation is contiguous)."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return True
    dims = sorted((s, n) for n, s in zip(a.shape, a.strides) if n != 1)
    expected = a.itemsize
    for s, n in dims:
        if s != expected:
            return False
        expected *= n
    return True


def overlap_status(out, inp):
    """PyTorch's `get_overlap_status` of two arrays of one storage: 'full' (the same elements the
    same way), 'partial', 'same', 'buffer' or None. PyTorch decides only between two
    non-overlapping and dense arrays (same first and last byte: full if the strides are equal,
    else partial); for any other pair it cannot tell ('too hard') and goes on, computing
    whatever its loop order gives: 'same' where both show the same elements the same way (no
    copy needed), else 'buffer' where they do share memory, and the caller copies the input
    first, so that the result is as if computed out of place. Same bytes and strides but
    another shape (a (2, 1) tensor and its transpose) is 'buffer' too."""
    if out.size == 0 or inp.size == 0:
        return None
    ob, ib = data_ptr(out), data_ptr(inp)
    if _dense(out) and _dense(inp):
        oe, ie = ob + out.size * out.itemsize, ib + inp.size * inp.itemsize
        if ob == ib and oe == ie:
            if out.strides != inp.strides:
                return "partial"       # same bytes, different strides (a.copy_(a.t()))
            return "full" if out.shape == inp.shape else "buffer"
        if ob < ie and ib < oe:
            return "partial"
        return None
    if ob == ib and out.shape == inp.shape and out.strides == inp.strides:
        return "same"           # no copy needed, and nothing PyTorch refuses
    return "buffer" if shares_memory(out, inp) else None


def check_input_overlap(self, inp_data):
    """PyTorch's `assert_no_partial_overlap` (TensorIterator's check of each input against the
    output): raise where PyTorch raises; return True where the input must be copied first so
    that the result is as if computed out of place (PyTorch is silently wrong there, insitu is
    not)."""
    status = overlap_status(self._data, inp_data)
    if status == "partial":
        raise RuntimeError(PARTIAL_OVERLAP)
    return status == "buffer"


def check_no_overlap(out, inp):
    """PyTorch's `assert_no_overlap` (index and scatter ops: the source may not even be the
    output itself): raise on a full or partial overlap (two dense arrays over the same bytes
    count as full whatever their shapes); True where the input must be copied first (an
    overlap PyTorch cannot tell, see `overlap_status`)."""
    if inp is out:
        raise RuntimeError(PARTIAL_OVERLAP)
    status = overlap_status(out, inp)
    if status == "full" or status == "partial" or (
            status == "buffer" and _dense(out) and _dense(inp)):
        raise RuntimeError(PARTIAL_OVERLAP)
    return status == "buffer"


# ------------------------------------------------------------------- argument checks
# Shared by op declarations (`Op(check=...)`). They run before anything is written. Apart from
# shape checks (which the fast path redoes its own way) they depend only on the operands' dtypes
# and kinds, so a call that passed once with the same kinds may skip them on the fast path.

def common_dtype(args):
    """The dtype PyTorch computes these operands in (three-tier promotion)."""
    dims, zero_dims, scalars = [], [], []
    for a in args:
        if isinstance(a, Tensor):
            (dims if a._data.ndim else zero_dims).append(a._dtype)
        elif a is not None:
            scalars.append(dtypes.scalar_dtype(a))
    return dtypes.result_type_of(dims, zero_dims, scalars)


def not_implemented(kernel, dt):
    return NotImplementedError(f'"{kernel}" not implemented for \'{dt.legacy}\'')


def refuse(kernel, refused):
    """PyTorch has no kernel `kernel` for a common dtype whose NumPy kind is in `refused`."""
    def check(args, params):
        dt = common_dtype(args)
        if dt.np.kind in refused:
            raise not_implemented(kernel, dt)
    return check


def refusing(kernel_fn, kernel, refused):
    """The same refusal inside a kernel, for binary ops: PyTorch refuses the dtype only after
    the in-place cast and broadcast checks, which the pipelines run before the kernel. The
    compute dtype is the forced one, or NumPy's natural one when that already is PyTorch's."""
    def k(out, dt, *arrays):
        d = dt if dt is not None else xp.result_type(*arrays)
        if d.kind in refused:
            shapes = [a.shape for a in arrays if isinstance(a, xp.ndarray)]
            if len(shapes) > 1:     # out of place, the shapes were not checked yet
                broadcast_shapes(*shapes)
            raise not_implemented(kernel, dtypes.from_numpy_dtype(d))
        return kernel_fn(out, dt, *arrays)
    k.__name__ = kernel
    k.refusal = (kernel, refused)
    return k


def kernel_refusal(kernel, dt, arrays):
    """What a `refusing` kernel would raise for these arrays (None: it runs), asked before
    `out=` is resized, so that a refused call leaves `out` as it was."""
    refusal = getattr(kernel, "refusal", None)
    if refusal is None:
        return None
    d = dt if dt is not None else xp.result_type(*arrays)
    return not_implemented(refusal[0], dtypes.from_numpy_dtype(d)) if d.kind in refusal[1] \
        else None


def operands_broadcast(args, params):
    """Operands must broadcast together (PyTorch says so before refusing a dtype)."""
    shapes = [a._data.shape for a in args if isinstance(a, Tensor)]
    if len(shapes) > 1:
        broadcast_shapes(*shapes)


def all_of(*fns):
    def check(args, params):
        for fn in fns:
            fn(args, params)
    return check


def refuse_bool(message):
    def check(args, params):
        if args[0]._dtype is dtypes.bool_:
            raise RuntimeError(message)
    return check


def one_kind_of_bounds(fn, function=False):
    """`fn` (an entry point of clamp) taking bounds that are both tensors or both numbers:
    PyTorch has one overload of each, and its argument parser refuses a mix
    (`x.clamp(min=t, max=1.0)`) with a TypeError that shows how the call was written, so the
    check sits in front of the entry point."""
    name = fn.__name__
    first = "Tensor input, " if function else ""
    rest = ", *, Tensor out = None" if function else ""
    signatures = "".join(f" * ({first}{k} min = None, {k} max = None{rest})\n"
                         for k in ("Tensor", "Number"))

    def clamp(*args, **kwargs):
        kinds = 0           # 1: a number bound, 2: a tensor bound (no objects made: a hot path)
        for a in args[1:]:
            if a is not None:
                kinds |= 2 if isinstance(a, Tensor) else 1
        if kwargs:
            for k, v in kwargs.items():
                if v is not None and k != "out":
                    kinds |= 2 if isinstance(v, Tensor) else 1
        if kinds == 3:
            numbers = _scalar_bounds(args, kwargs)
            if numbers is None:
                raise TypeError(invalid_combination(name, args if function else args[1:],
                                                    kwargs) + signatures)
            args, kwargs = numbers
        return fn(*args, **kwargs)
    clamp.__name__ = clamp.__qualname__ = name
    clamp.__doc__ = fn.__doc__
    return clamp


def _scalar_bounds(args, kwargs):
    """A mix of bounds PyTorch's Scalar overload takes: its parser reads a 0-dim tensor that
    does not require grad as a number (`x.clamp(min=t.sum(), max=0.0)`). The bounds with the
    tensors as numbers, or None where one cannot be."""
    def number(v):
        return v.item() if isinstance(v, Tensor) else v
    for v in list(args[1:]) + [v for k, v in kwargs.items() if k != "out"]:
        if isinstance(v, Tensor) and (v._data.ndim or v._requires_grad):
            return None
    return ((args[0],) + tuple(number(a) for a in args[1:]),
            {k: v if k == "out" else number(v) for k, v in kwargs.items()})


# ------------------------------------------------------------------- add, sub, pow

def pow_values(args, params):
    """An integral tensor to a negative Python-int power: PyTorch's pow refuses it before its
    dtype checks (`bool_tensor.pow_(-2)`); the kernel refuses it otherwise."""
    self, exponent = args
    if isinstance(self, Tensor) and self._dtype.np.kind in "iub" and \
            exponent.__class__ is int and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def alpha_args(args, params):
    """alpha must suit the dtype the operands are computed in (PyTorch's alpha_check on its
    TensorIterator's common dtype: its kernel's refusal, after the shape and cast checks)."""
    alpha = params.get("alpha", 1)
    if alpha.__class__ is float or alpha.__class__ is bool:
        common = common_dtype(args)
        if alpha.__class__ is float and not common.is_floating_point:
            e = RuntimeError("For integral input tensors, argument alpha must not be a "
                             "floating point number.")
        elif alpha.__class__ is bool and common is not dtypes.bool_:
            e = RuntimeError("Boolean alpha only supported for Boolean results.")
        else:
            return
        operands_broadcast(args, params)     # PyTorch says so first
        e.late = True
        raise e


def sub_args(args, params):
    """sub and rsub refuse bool operands (PyTorch's sub_check, before anything else), then
    check alpha."""
    kinds = [getattr(a, "_dtype", None) is dtypes.bool_ or isinstance(a, bool) for a in args]
    if all(kinds):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if any(kinds):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    alpha_args(args, params)


# ------------------------------------------------------------------- clamp

def clamp_args(args, params):
    self, lo, hi = args
    if lo is None and hi is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    # bool results: PyTorch has no kernel for number bounds, nor for two tensor bounds
    if common_dtype(args) is dtypes.bool_:
        if not isinstance(lo, Tensor) and not isinstance(hi, Tensor):
            kernel = "clamp_min" if hi is None else "clamp_max" if lo is None else "clamp"
            raise not_implemented(kernel + "_scalar_cpu", dtypes.bool_)
        if lo is not None and hi is not None:
            raise not_implemented("clamp_cpu", dtypes.bool_)


def clamp_bound(kernel):
    def check(args, params):
        if not isinstance(args[1], Tensor) and common_dtype(args) is dtypes.bool_:
            raise not_implemented(kernel, dtypes.bool_)
    return _clamp_inplace(check)


def _clamp_inplace(check):
    """The in-place form's check: PyTorch's clamp_ with number bounds on an integer or bool self
    refuses a result dtype other than self's in its meta function, before its TensorIterator's
    checks (an expanded self is refused after)."""
    def inplace(args, params):
        check(args, params)
        self = args[0]
        if self._dtype.is_floating_point or any(isinstance(b, Tensor) for b in args[1:]):
            return
        dt = common_dtype(args)
        if dt is not self._dtype:
            raise cast_error(dt, self._dtype, True)
    check.inplace = inplace
    return check


clamp_args = _clamp_inplace(clamp_args)
