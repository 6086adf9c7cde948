"""The three ways a table op runs, and the one `out=` writer.

* `outofplace`: checks, kernel into a new array, record the node.
* `inplace`: PyTorch's autograd guards, then the dtype/shape/overlap checks, the node and what it
  keeps of the inputs (a copy of self only if a needed formula reads it), then the write tail
  (`autograd.versions.write`: strict mode, kernel, the one version bump), the graph rewrite, and
  what the node keeps of the result. A failing op stops before the kernel: data, dtype and
  version are untouched.
* `into_out`: the `out=` form: no autograd, PyTorch's resize rule, then the write tail.

The generated entry points (`ops.codegen`) take a fast path for calls whose operand kinds were
validated here once; anything else comes here, where every check lives. Ops outside the table
(reductions, shape and linalg functions) write `out=` through `write_out`.
"""
import warnings

from ..autograd.grad_mode import mode
from ..autograd.guards import DEFAULT, check_autograd
from ..autograd.recorder import note_resize
from ..autograd.versions import INFERENCE_WRITE, inference_write_refused, write
from ..backend import has_internal_overlap, xp
from ..core import dtypes
from ..core.dtypes import CPP_NAMES, can_cast
from ..core.storage import INFERENCE, Storage, share_counter, user_stacklevel
from ..core.tensor import Tensor, new_tensor, reshaped_in_place
from . import checks, overlapping_writes, parallel
from .derivatives import (check_inference_saves, check_integer_self_saved, finish, inference_only,
                          keep_outputs, prepare)
from .parsing import refuse as refuse_arguments
from .table import dtype_info, fast_key
from .view_graph import after_inplace, read_grad_fns


def _arrays(args):
    return [a._data if isinstance(a, Tensor) else a for a in args]


def call_kernel(op, out, force, arrays, params):
    """The one call of a table op's kernel outside the fast paths; a large elementwise call is
    split over threads (`ops.parallel`)."""
    values = [params[p] for p in op.params] if params else ()   # in the schema's order
    try:
        if op.pointwise and parallel.large(out, arrays):
            return parallel.kernel_blocks(op.kernel, out, force, arrays, values, op.pointwise)
        return op.kernel(out, force, *arrays, *values)
    except OverflowError:
        # a Python int outside the dtype's range: wrap it, as PyTorch's integer math does
        dt = out.dtype if out is not None else (force or _first_array_dtype(arrays))
        arrays = [xp.array(a).astype(dt) if isinstance(a, int) and not isinstance(a, bool) else a
                  for a in arrays]
        return op.kernel(out, force, *arrays, *values)


def _first_array_dtype(arrays):
    for a in arrays:
        if isinstance(a, xp.ndarray):
            return a.dtype
    return None


def _cast_names(op, args):
    names = op.cpp_cast_names
    return names(args) if callable(names) else names


def _any_inference(args):
    for a in args:
        if isinstance(a, Tensor) and a._storage.special & INFERENCE:
            return True
    return False


def _needs(args):
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            return True
    return False


def _scalars(op):
    """The positions of an op's Scalar operands (a number there is not wrapped in a tensor)."""
    return tuple(i for i, a in enumerate(a for a in op.args if a.operand) if a.scalar)


def _inference_params(params):
    """Whether every tensor among the parameters (an index, a mask) is an inference tensor: a
    normal one carries the autograd key, so PyTorch's guards run for the call. index_put's
    indices arrive as arrays, read as the normal tensors they almost always were."""
    for v in params.values():
        if isinstance(v, Tensor):
            if not v._storage.special & INFERENCE:
                return False
        elif isinstance(v, (tuple, list)):
            if any(isinstance(i, xp.ndarray) for i in v) \
                    or not _inference_params(dict(enumerate(v))):
                return False
    return True


def _tracks(op, self):
    """copy_ into an integer or bool tensor records nothing (PyTorch's hand-written copy_
    skips non-differentiable dtypes; its generated in-place ops, fill_ included, do not)."""
    return self._dtype.is_floating_point or op.name != "copy"


def outofplace(op, args, params):
    refuse_arguments(op, args, op.name)
    if op.autograd_first and mode.grad and _needs(args):
        _autograd_kernel(op, args, params)
    if op.check_args is not None:
        refused = _run_check(op.check_args, args, params)
        if refused is not None:
            if op.check_shapes:     # PyTorch's TensorIterator checks the shapes first
                checks.operands_broadcast(args, params)
            raise refused
    result_dt, force, _ = dtype_info(op, args, params)
    try:
        res = call_kernel(op, None, force, _arrays(args), params)
    except ValueError as e:
        _reraise_shapes(args[::-1] if op.name == "rsub" else args, e)   # rsub: other - self
    if type(res) is not xp.ndarray:
        res = xp.asarray(res)
    if res.dtype != result_dt.np:
        res = res.astype(result_dt.np)
    out = new_tensor(res, result_dt)
    key = fast_key(op, args, params)
    if key is not None:   # this operand-kind combination is valid: let the fast path take it
        op._fast_out[key] = (force, result_dt, result_dt.np)
    if op.differentiable and mode.grad and _needs(args):
        record_outofplace(op, args, params, out)
    return out


def _autograd_kernel(op, args, params):
    """What PyTorch's autograd kernel does before the op's own checks (grad mode on, some
    operand requiring grad): it reads the operands' grad_fns (the node's edges), then saves
    what the formulas read. A call of inference tensors alone bypasses it, into the `out=`
    form's refusal where PyTorch's kernel runs one (`Op.composite_out`; ldexp's pow, of the
    operands its kernel computes into a temporary)."""
    d = op.derivative_for(args, params) if op.differentiable else None
    if inference_only(() if d is None else d.scalars, args):
        if op.composite_out is not None and \
                _needs(args[getattr(op.kernel, "temporary_from", 0):]):
            raise _out_grad_error(op.composite_out)
        return
    if op.reads_edges:
        read_grad_fns(args)
    if d is not None and _any_inference(args):
        check_inference_saves(d, args)


def _out_grad_error(name):
    return RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                        "differentiation, but one of the arguments requires grad.")


def none_out(op, args, params):
    """The function form given `out=None`: the call as without it, but PyTorch's argument
    parser lists the keyword in its refusal."""
    refuse_arguments(op, args, op.name, none_out=True)
    return outofplace(op, args, params)


def _reraise_shapes(args, err):
    shapes = [a._data.shape for a in args if isinstance(a, Tensor)]
    if len(shapes) > 1:
        checks.broadcast_shapes(*shapes)   # raises PyTorch's message if that was the problem
    raise err


def inplace(op, args, params):
    refuse_arguments(op, args, op.inplace_name)
    self = args[0]
    grad = mode.grad and op.tracks_inplace and _tracks(op, self) and _needs(args) \
        and not (self._storage.special & INFERENCE and inference_only(_scalars(op), args)
                 and _inference_params(params))
    if grad:   # PyTorch's autograd guards come before the kernel's own checks
        check_autograd(self, _needs(args[1:]))
        if op.inplace_differentiable:
            read_grad_fns(args[1:])
            if not self._dtype.is_floating_point and self._requires_grad:
                check_integer_self_saved(op.derivative_for(args, params), args)
            if _any_inference(args[1:]):
                check_inference_saves(op.derivative_for(args, params), args, True)
    refused = None if op.check_inplace is None else \
        _run_check(op.check_inplace, args, params, True)
    result_dt, force, _ = dtype_info(op, args, params)
    try:
        arrays, run = _checked_operands(op, self, args, result_dt, refused)
    except RuntimeError:
        if op.value_check is not None:   # PyTorch checks values before its TensorIterator
            op.value_check(args, params)
        raise
    if refused is not None:
        raise refused
    data = self._data
    node = None
    if grad and op.inplace_differentiable:
        node = prepare(op.derivative_for(args, params, True), args, params, op.inplace_name)
    if self._storage.special & INFERENCE and inference_write_refused(self):
        _refuse_inference_write(run, op, data, force, arrays, params)
    write(self, op.inplace_name, run, op, data, force, arrays, params)
    if node is not None:
        after_inplace(self, node)
        keep_outputs(node, (self,))
    key = fast_key(op, args, params)
    if key is not None:
        op._fast_in[key] = force
    return self


def _run_check(check, args, params, defer_early=False):
    """Run an op's check. A refusal that PyTorch's kernel makes, after its TensorIterator's
    overlap, shape and cast checks and the `out=` resize (NotImplementedError: a dtype without
    a kernel, or an error marked `late`: add's alpha), is returned, for the pipeline to raise
    after its own. One marked `early` (a refusal no cast check of PyTorch's can precede) is
    raised at once, or in place (`defer_early`) after the overlap and shape checks."""
    try:
        check(args, params)
    except NotImplementedError as e:
        if getattr(e, "early", False) and not defer_early:
            raise
        return e
    except RuntimeError as e:
        if getattr(e, "late", False):
            return e
        raise
    return None


def _checked_operands(op, self, args, result_dt, refused=None):
    """The arrays an in-place op reads and how its kernel runs, after PyTorch's TensorIterator
    checks in its order: self has no internal overlap, no operand partially overlaps it (one
    that overlaps in a way PyTorch cannot tell is copied), the operands broadcast into self's
    shape, then (after an `early` refusal of the op's check) the cast of the result into
    self."""
    data = self._data
    run = call_kernel
    if not data.flags.c_contiguous and has_internal_overlap(data):   # one test, most arrays
        run = _overlapping(op, data, args)
    arrays = [data]
    st = self._storage
    direct = _read_directly(op, args)
    for i in range(1, len(args)):
        a = args[i]
        if isinstance(a, Tensor):
            ad = a._data
            if direct[i] and a._storage is st and op.check_overlap and \
                    checks.check_input_overlap(self, ad):
                ad = ad.copy()
            arrays.append(ad)
        else:
            arrays.append(a)
    if op.check_shapes:
        # PyTorch's TensorIterator broadcasts every operand together first (two operands that
        # do not broadcast are refused as such), then compares the result with self
        shapes = [a._data.shape for a in args[1:] if isinstance(a, Tensor)]
        if any(s != data.shape for s in shapes):
            checks.check_broadcast_into(data.shape, shapes)
    if refused is not None and getattr(refused, "early", False):
        raise refused
    sd = self._dtype
    if result_dt is not sd and op.check_cast and not can_cast(result_dt, sd):
        raise checks.cast_error(result_dt, sd, _cast_names(op, args))
    return arrays, run


def _read_directly(op, args):
    """Which operands the kernel reads as they are, which PyTorch's overlap checks see; the
    others it first computes into a temporary, which may overlap the output in any way:
    ldexp's `self * 2 ** other` reads `2 ** other`, pow with a number exponent (square) reads
    its base converted to the result's dtype."""
    first = getattr(op.kernel, "temporary_from", None)
    if first is not None:
        return [i < first for i in range(len(args))]
    if op.name in _BASE_CONVERTED and not isinstance(args[1], Tensor) and \
            isinstance(args[0], Tensor) and dtype_info(op, args, {})[0] is not args[0]._dtype:
        return [False] + [True] * (len(args) - 1)
    return _ALL_DIRECT[len(args)] if len(args) < 8 else [True] * len(args)


_ALL_DIRECT = [[True] * n for n in range(8)]
_BASE_CONVERTED = ("pow", "square")   # PyTorch's pow(Tensor, Scalar) converts its base first


def _overlapping(op, data, args):
    """Self's elements share memory. A zero stride: PyTorch refuses it (most ops; copy_ from
    self's very data writes nothing), warns (masked_fill_, index_fill_, index_put_) or lets it
    be (fill_, zero_, tril_). Any other such layout it writes as it is: a pointwise kernel then
    runs line by line in PyTorch's order (`overlapping_writes`)."""
    ok = op.internal_overlap_ok
    if ok.__class__ is not bool and callable(ok):  # decided by self's dtype (nan_to_num_)
        ok = ok(data)
    if ok is True:
        return call_kernel
    if checks.internal_overlap(data):
        if ok is not False:                         # a name: PyTorch only warns
            checks.warn_expanded(data, ok)
        elif not (op.skip_same_data and isinstance(args[1], Tensor)
                  and checks.same_data(data, args[1]._data)):
            raise RuntimeError(checks.INTERNAL_OVERLAP)
        return call_kernel
    return overlapping_writes.call_in_order if op.pointwise and ok is False else call_kernel


def _kernel_for(op, out):
    """How an `out=` kernel runs: at once, or line by line in PyTorch's order where `out`'s
    elements share memory (`overlapping_writes`)."""
    if op.pointwise and op.internal_overlap_ok is False and overlapping_writes.interleaved(out):
        return overlapping_writes.call_in_order
    return call_kernel


def _refuse_inference_write(kernel=None, op=None, data=None, *rest):
    """An in-place write into an inference tensor outside inference mode, refused. PyTorch runs
    the kernel first (its own refusals come first, and it leaves the data written); insitu runs
    it on a copy, for those refusals alone, and writes nothing (docs/differences.md,
    failed-writes-write-nothing)."""
    if kernel is not None:
        kernel(op, data.copy(), *rest)
    raise RuntimeError(INFERENCE_WRITE)


def into_out(op, args, params, out):
    """The `out=` form: like an in-place op on `out`, plus PyTorch's resize and autograd rules."""
    refuse_arguments(op, args, op.name, out)
    if out._dtype is not dtypes.bool_ and getattr(op.kernel, "bool_out_only", False):
        raise RuntimeError(f"{op.name} does not support non-boolean outputs.")
    # inference tensors alone (out= included) bypass PyTorch's autograd kernel and its refusal
    fallback = mode.grad and not (out._storage.special & INFERENCE
                                  and inference_only(_scalars(op), args)) \
        and _out_grad(op, out, args)
    if op.check_out is not None:
        op.check_out(args, params, out)
    if op.cpp_cast_names.__class__ is str:
        # a composite op's own cast check (ldexp's), before the iterators of its parts
        composite_dt = dtype_info(op, args, params)[0]
        if not can_cast(composite_dt, out._dtype):
            raise checks.cast_error(composite_dt, out._dtype, op.cpp_cast_names)
    # the op's own checks (its meta function's) raise before its TensorIterator's; a kernel's
    # refusal is kept for later
    refused = None if op.check_args is None else _run_check(op.check_args, args, params)
    if op.internal_overlap_ok is False:     # PyTorch checks `out` as given, before resizing it
        checks.check_internal_overlap(out._data)
    # a partial overlap with any operand, then the shape of an `out` that is one, before the
    # dtype checks
    direct = _read_directly(op, args)
    for a, d in zip(args, direct):
        if d and isinstance(a, Tensor) and a._storage is out._storage:
            checks.check_input_overlap(out, a._data)
    if op.check_shapes and any(a is out and d for a, d in zip(args, direct)):
        _read_write_out_shape(out, args)
    result_dt, force, _ = dtype_info(op, args, params)
    try:
        if op.check_shapes:     # PyTorch's TensorIterator: shapes, then the cast
            shapes = [a._data.shape for a in args if isinstance(a, Tensor)]
            shape = tuple(checks.broadcast_shapes(*shapes)) if shapes else ()
        else:                     # index_add & co. write self's shape, whatever the operands'
            shape = args[0]._data.shape
        if op.exact_out and out._dtype is not result_dt and _exact_out(op, args):
            raise _exact_out_error(op, out, result_dt)
        if not can_cast(result_dt, out._dtype):
            raise checks.cast_error(result_dt, out._dtype, _cast_names(op, args))
    except RuntimeError:
        if op.value_check is not None:   # PyTorch checks values before its TensorIterator
            op.value_check(args, params)
        raise
    if refused is None and getattr(op.kernel, "refusal", None) is not None:
        refused = checks.kernel_refusal(op.kernel, force, _arrays(args))
    if refused is not None:
        # PyTorch resizes `out` before its kernel refuses; a failed op leaves `out` as it was
        # here (docs/differences.md, failed-writes-write-nothing)
        raise refused
    if out._storage.special & INFERENCE and inference_write_refused(out):
        _refuse_inference_write()
    # what PyTorch computes into a temporary it computes before `out` is resized
    arrays = [a._data.copy() if not d and isinstance(a, Tensor) and a._storage is out._storage
              else a for a, d in zip(args, direct)]
    if out._data.shape != shape:
        resize_out(out, shape)
    for i, a in enumerate(arrays):
        if isinstance(a, Tensor):
            ad = a._data
            # checked before the resize; now only whether to read a copy
            if a._storage is out._storage and checks.overlap_status(out._data, ad) in _COPIED:
                ad = ad.copy()
            arrays[i] = ad
    run = _kernel_for(op, out._data)
    if run is call_kernel and op.pointwise and out._dtype is not result_dt:
        run = _computed_then_cast
    if fallback:
        node = prepare(op.derivative_named("NotImplemented"), args, params)
        write(out, op.name, run, op, out._data, force, arrays, params)
        after_inplace(out, node)
        return out
    return write(out, op.name, run, op, out._data, force, arrays, params)


_COPIED = ("partial", "buffer")


def _computed_then_cast(op, out, force, arrays, params):
    """An `out=` of another dtype than the result's: PyTorch computes in the result's dtype
    (erf of int32 operands in float32) and casts as it stores; a kernel given `out` itself
    would compute in `out`'s dtype."""
    xp.copyto(out, call_kernel(op, None, force, arrays, params), casting="unsafe")


def _exact_out(op, args):
    """Whether this call's kernel wants `out` of its operands' dtype: clamp's only with number
    bounds (its Scalar overload), lerp's only with a tensor weight (its Tensor overload)."""
    if op.name == "lerp":
        return isinstance(args[2], Tensor)
    return op.name not in ("clamp", "clamp_min", "clamp_max") or \
        not any(isinstance(a, Tensor) for a in args[1:])


def _exact_out_error(op, out, expected):
    """PyTorch's same-dtype kernels (abs, neg, floor, sign...) take no `out` of another dtype,
    castable or not (its TensorIterator's refusal, where a cast error would be)."""
    if op.name == "heaviside":          # its own check covers `out` too
        return RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return RuntimeError(f"Found dtype {out._dtype.legacy} but expected {expected.legacy}")


# ops whose `out=` PyTorch runs as another op's, which its messages name
_COMPOSITE_OF = {"square": "pow"}


def _out_grad(op, out, args):
    """PyTorch's autograd rules for `out=` (grad mode on). An op whose result is never
    differentiable (comparisons, logical ops, isinf...) ignores autograd. An op with a
    derivative refuses any argument that requires grad. The others (bitwise ops, floor_divide:
    PyTorch's not-implemented fallback) refuse an `out` that is a leaf requiring grad or a view
    of one, and, when some argument or `out` requires grad, an `out` that is a view not made the
    plain way (under no_grad, an output of chunk or split, of a custom Function); otherwise,
    when some argument requires grad, `out` gets a NotImplemented node whose backward raises
    (returns True)."""
    if op.promote in ("compare", "bool"):
        return False
    d = op.derivative
    if d is not None and d.name != "NotImplemented":
        check_out_grad(_COMPOSITE_OF.get(op.name, op.name), out, args)
        return False
    base = out if out._base is None else out._base
    needed = out._requires_grad or _needs(args)
    if out._requires_grad and base._grad_fn is None and base._requires_grad or \
            needed and out._base is not None and out._view.creation != DEFAULT:
        raise RuntimeError(
            f"aten::{op.name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad.")
    return needed


def _read_write_out_shape(out, args):
    """An `out` that is also an operand is never resized: its shape must be the broadcast one
    (PyTorch's TensorIterator says so before any dtype check)."""
    shape = tuple(checks.broadcast_shapes(*[a._data.shape for a in args if isinstance(a, Tensor)]))
    if out._data.shape != shape:
        raise RuntimeError(f"output with shape {checks.size_list(out._data.shape)} doesn't match "
                           f"the broadcast shape {checks.size_list(shape)}")


def resize_out(out, shape, warn=True):
    """out= with the wrong shape: PyTorch resizes it, bumping nothing else; it warns when `out`
    had elements, except for the factories (`ops.factories`). It takes contiguous strides at its
    storage offset (as `resize_`), growing the storage when the new shape does not fit:
    `Storage.grow`, under the base, the views and the aliases of `out` alike (PyTorch's grown
    StorageImpl, which all of them share)."""
    if out._requires_grad:
        note_resize(out)        # gradients into its node must still fit the shape it had
    reshaped_in_place(out, shape)
    root = out._storage.array
    n = 1
    for s in shape:
        n *= s
    offset = out._storage.offset_of(out._data) if out._data.size else 0
    if warn and out._data.size:
        warnings.warn(
            f"An output with one or more elements was resized since it had shape "
            f"[{', '.join(map(str, out._data.shape))}], which does not match the required output "
            f"shape [{', '.join(map(str, shape))}]. This behavior is deprecated, and in a future "
            "PyTorch release outputs will not be resized unless they have zero elements. You can "
            "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
            "t.resize_(0).", UserWarning, stacklevel=user_stacklevel())
    if root.flags.c_contiguous:
        if offset + n > root.size:
            out._storage.grow(offset + n)
            root = out._storage.array
        out._data = root.reshape(-1)[offset:offset + n].reshape(shape)
        return
    # a root of another layout (from_numpy of a transposed array): a buffer of its own that
    # starts with what was there and keeps counting versions with the old one
    arr = xp.zeros(shape, dtype=out._dtype.np)
    if offset < root.size:
        kept = root.reshape(-1)[offset:offset + n]
        arr.reshape(-1)[:kept.size] = kept
    old = out._storage
    out._data = arr
    out._storage = Storage(arr)
    out._storage.special = old.special & INFERENCE      # still an inference tensor
    share_counter(old, out._storage)


def check_out_grad(name, out, inputs):
    if mode.grad and (out._requires_grad or _needs(inputs)):
        raise _out_grad_error(name)


def write_out(name, out, arr, inputs, exact=None):
    """PyTorch's out= for ops outside the table: no autograd, resize when the shape differs
    (with PyTorch's warning when `out` had elements), then the write tail. `exact` is the dtype
    `out` must have (PyTorch checks it for most ops); otherwise the value is cast into whatever
    dtype `out` has."""
    check_out_grad(name, out, inputs)
    if exact is not None and out._dtype is not exact:
        raise RuntimeError(f"Expected out tensor to have dtype {CPP_NAMES[exact.name]}, but got "
                           f"{CPP_NAMES[out._dtype.name]} instead")
    arr = xp.asarray(arr)
    if out._storage.special & INFERENCE and inference_write_refused(out):
        _refuse_inference_write()
    if out._data.shape != arr.shape:
        resize_out(out, arr.shape)
    return write(out, name, xp.copyto, out._data, arr, "unsafe")


# ------------------------------------------------------------------------- fast-path autograd
# The generated entry points call these when some operand requires grad.

def record_outofplace(op, args, params, out):
    """Record the node of a fresh result (fast path)."""
    if op.differentiable:
        d = op.derivative_for(args, params)
        if not inference_only(d.scalars, args):
            if _any_inference(args):    # the slow path's refusal, whichever call came first
                check_inference_saves(d, args)
            finish(prepare(d, args, params), out)
            return
    if op.autograd_first:
        _autograd_kernel(op, args, params)


def inplace_pre(op, args, params):
    """Autograd guards and the node of an in-place op, before its kernel runs (fast path)."""
    if not op.tracks_inplace or not _tracks(op, args[0]):
        return None
    check_autograd(args[0], _needs(args[1:]))
    if not op.inplace_differentiable:
        return None
    if _any_inference(args[1:]):        # as the slow path (`inplace`)
        check_inference_saves(op.derivative_for(args, params), args, True)
    return prepare(op.derivative_for(args, params, True), args, params, op.inplace_name)


def inplace_post(op, self, node):
    after_inplace(self, node)
    keep_outputs(node, (self,))
