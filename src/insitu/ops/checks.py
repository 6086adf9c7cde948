"""The guards every in-place write passes before its kernel runs, with PyTorch's messages.

All of them only read metadata, so a failing op leaves data, dtype and version untouched:
autograd guards (leaf, view of leaf, no_grad view, multi-output view, inference tensor), read-only
memory, the result-dtype cast check, the broadcast-into-self check and the overlap checks.
"""
from ..autograd.grad_mode import mode
from ..backend import xp, data_ptr

LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."
_NO_GRAD_TAIL = (
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be "
    "tracked).")
NO_GRAD_VIEW = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    + _NO_GRAD_TAIL)
MULTI_OUTPUT_VIEW = (
    "Output {nr} of {fn} is a view and is being modified inplace. This view is the output of a "
    "function that returns multiple views. Such functions do not allow the output views to be "
    "modified inplace. You should replace the inplace operation by an out-of-place one.")
NO_GRAD_VIEW_OF_VIEW = (
    "Output {nr} of {fn} is a view of a view which was created in no_grad mode and is being "
    "modified inplace with grad mode enabled. " + _NO_GRAD_TAIL)
NO_GRAD_MULTI_OUTPUT_VIEW = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "This view is the output of a function that returns multiple views. Such functions do not "
    "allow the output views to be modified inplace. You should replace the inplace operation by "
    "an out-of-place one.")
CUSTOM_FN_VIEW = (
    "Output {nr} of {fn} is a view and is being modified inplace. This view was created inside a "
    "custom Function (or because an input was returned as-is) and the autograd logic to handle "
    "view+inplace would override the custom backward associated with the custom Function, "
    "leading to incorrect gradients. This behavior is forbidden. You can fix this by cloning the "
    "output of the custom Function.")
INTERNAL_OVERLAP = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation.")
PARTIAL_OVERLAP = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to "
    "a single memory location. Please clone() the tensor before performing the operation.")
INFERENCE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone "
    "to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details.")

# creation meta of views (as PyTorch's CreationMeta)
DEFAULT, NO_GRAD_MODE, MULTI_OUTPUT, CUSTOM_FUNCTION, INFERENCE_MODE = range(5)


def check_autograd(self, any_input_requires_grad):
    """Leaf / view guards; only in grad mode, as in PyTorch."""
    base = self._base
    if base is None:
        if self._requires_grad and self._grad_fn is None:
            raise RuntimeError(LEAF)
        return
    vm = self._view
    base_req = base._requires_grad
    meta = vm.creation
    # PyTorch checks how the view was made before whether its base is a leaf
    if meta != DEFAULT and (base_req or any_input_requires_grad or self._requires_grad):
        if meta == NO_GRAD_MODE:
            if self._grad_fn is not None:   # made in grad mode, of a view made under no_grad
                raise RuntimeError(NO_GRAD_VIEW_OF_VIEW.format(nr=vm.output_nr, fn=vm.fn_name))
            raise RuntimeError(NO_GRAD_VIEW)
        if meta == MULTI_OUTPUT:
            if self._grad_fn is None:       # the multi-view function ran without a graph
                raise RuntimeError(NO_GRAD_MULTI_OUTPUT_VIEW)
            raise RuntimeError(MULTI_OUTPUT_VIEW.format(nr=vm.output_nr, fn=vm.fn_name))
        if meta == CUSTOM_FUNCTION:
            raise RuntimeError(CUSTOM_FN_VIEW.format(nr=vm.output_nr, fn=vm.fn_name))
    if base_req and base._grad_fn is None:
        raise RuntimeError(VIEW_OF_LEAF)


def check_writable(self, op_name):
    st = self._storage
    if st.special & 2 and not mode.inference:   # INFERENCE
        raise RuntimeError(INFERENCE)
    if st.special & 4 or not self._data.flags.writeable:   # READONLY
        raise RuntimeError(
            f"{op_name}: cannot write into this tensor: its memory is a read-only NumPy array "
            "(from_numpy of a non-writeable array). Copy it first: insitu.tensor(array) or .clone().")


def cast_error(result_dtype, out_dtype, cpp_names=False):
    if cpp_names:
        from ..core.dtypes import CPP_NAMES
        target = CPP_NAMES[out_dtype.name]
    else:
        target = out_dtype.legacy
    return RuntimeError(
        f"result type {result_dtype.legacy} can't be cast to the desired output type {target}")


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


def has_internal_overlap(a):
    """True when two elements of `a` share memory (stride 0 on a dim of size > 1, or strides
    that interleave). Contiguous arrays are answered without a loop."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return False
    dims = sorted((abs(s), n) for n, s in zip(a.shape, a.strides) if n > 1)
    span = 0
    for stride, n in dims:
        if stride == 0 or stride <= span:
            return True
        span += stride * (n - 1)
    return False


def check_internal_overlap(self):
    if has_internal_overlap(self._data):
        raise RuntimeError(INTERNAL_OVERLAP)


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
    """'full', 'partial', 'buffer' (overlap PyTorch does not detect; we copy) or None."""
    if out.size == 0 or inp.size == 0:
        return None
    ob, ib = data_ptr(out), data_ptr(inp)
    if ob == ib and out.shape == inp.shape and out.strides == inp.strides:
        return "full"
    if _dense(out) and _dense(inp):
        oe, ie = ob + out.size * out.itemsize, ib + inp.size * inp.itemsize
        if ob == ib and oe == ie:
            return "partial"       # same bytes, different strides (a.copy_(a.t()))
        if ob < ie and ib < oe:
            return "partial"
        return None
    from ..backend import shares_memory
    return "buffer" if shares_memory(out, inp) else None


def check_input_overlap(self, inp_data):
    """Raise where PyTorch raises; return True where the input must be copied first so that the
    result is as if computed out of place (PyTorch is silently wrong there, insitu is not)."""
    status = overlap_status(self._data, inp_data)
    if status == "partial":
        raise RuntimeError(PARTIAL_OVERLAP)
    return status == "buffer"
