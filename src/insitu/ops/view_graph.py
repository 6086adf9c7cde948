"""How views take part in autograd: their nodes, and what an in-place write into one does.

* A view shares its base's storage and version counter. `make_view` records the root base, how
  the view was made (PyTorch's creation meta: normal, under no_grad, one of several outputs) and
  a node whose backward replays the same view on zeros of the input's shape and writes the
  gradient through it, so one formula serves every view op and is itself differentiable.
* `after_inplace`: after an in-place op, a tensor that is not a view gets the op's node as its
  grad_fn. For a view, the root base's grad_fn becomes `CopySlices`, which routes the part of the
  base's gradient that the view covers through the op's node and the rest straight to the base's
  old grad_fn; the view's own grad_fn becomes `AsStridedBackward0` of the base. Other views of
  the base regenerate theirs when next asked (`grad_fn`): their recorded version is stale
  (counted as PyTorch counts it: `core.tensor.graph_version`, where writes through `.data` are
  apart), once the base requires grad.
* A view made without a graph follows its base's requires_grad (`autograd.view_requires_grad`).
"""
from weakref import ref

from ..autograd import recorder
from ..autograd.grad_mode import mode
from ..autograd.guards import (DEFAULT, INFERENCE_MODE, MULTI_OUTPUT, NO_GRAD_MODE,
                               mode_view_message)
from ..autograd.node import HOOKS, Node
from ..autograd.recorder import edge
from ..autograd.saved import FREED_MESSAGE
from ..autograd.tensor_hooks import install_retain_hook
from ..autograd.version_tracking import BY_REGION
from ..autograd.view_requires_grad import (base_changed, new_list as new_view_list,
                                           prune as prune_views)
from ..backend import xp, has_internal_overlap, strided_view
from ..core.dtypes import int64
from ..core.storage import DATA_ALIAS, INFERENCE
from ..core.tensor import Tensor, assemble, graph_version, new_tensor
from ..creation import empty_with_layout, zeros
from .derivatives import Derivative, FormulaNode, prepare



class ViewMeta:
    """How a view was made. `leaf`: `requires_grad_()` was called on it, which a view made under
    no_grad or in inference mode needs to get a gradient accumulator of its own."""
    __slots__ = ("creation", "version", "output_nr", "fn_name", "leaf")

    def __init__(self, creation, version, output_nr=0, fn_name=""):
        self.creation = creation
        self.version = version
        self.output_nr = output_nr
        self.fn_name = fn_name
        self.leaf = False


# ------------------------------------------------------------------------- view nodes

def _replay_grad(grad, self_shape, self_dtype, replay, overlapping, in_order):
    """Backward of a view op: zeros of the input's shape, the same view of them, the gradient
    written through it (accumulated where several view elements are one input element). A view
    that reads its input's elements in their own order (`in_order`: view, reshape, flatten,
    (un)squeeze of a contiguous tensor) has the gradient itself, reshaped (PyTorch's
    ViewBackward0 does the same): no zeros and no copy."""
    if in_order:
        return grad.reshape(self_shape)
    gi = zeros(self_shape, dtype=self_dtype)
    if overlapping:
        idx = replay(new_tensor(xp.arange(gi._data.size).reshape(self_shape), int64))
        xp.add.at(gi._data.reshape(-1), idx._data.reshape(-1), grad._data.reshape(-1))
        return gi
    replay(gi).copy_(grad)
    return gi


def _replay_grads(grads, self_shape, self_dtype, pieces):
    """Backward of split/unbind/chunk: each output's gradient written into its piece."""
    gi = zeros(self_shape, dtype=self_dtype)
    for g, piece in zip(grads, pieces):
        if g is not None:
            piece(gi).copy_(g)
    return gi


_VIEWS = {}


def view_derivative(name, multi=False):
    """The derivative of a view op named `name` (`SliceBackward0`, `SplitBackward0`...)."""
    d = _VIEWS.get((name, multi))
    if d is None:
        formula = _replay_grads if multi else _replay_grad
        d = _VIEWS[(name, multi)] = Derivative(name, {"self": formula}, op_name=op_label(name),
                                               outputs=() if multi else ("result",))
    return d


EXPAND = Derivative("ExpandBackward0",
                    {"self": lambda grad, self_shape: grad.sum_to_size(self_shape)})
RESHAPE_COPY = Derivative("UnsafeViewBackward0",
                          {"self": lambda grad, self_shape: grad.reshape(self_shape)})


def make_view(src, arr, name, replay, overlapping=False, creation=None, output_nr=0,
              fn_name="", node=None, derivative=None, values=None):
    """Wrap `arr` (a NumPy view of src's data) as a view tensor of src with autograd wiring."""
    st = src._storage
    base = src._base
    root = src if base is None else base
    t = assemble(arr, src._dtype, st, root)
    if creation is None:
        # PyTorch's propagate_creation_meta: a view made under no_grad is a no_grad view even
        # of a multi-output view; otherwise a view of a view inherits how its source was made.
        # Errors then name this view's own op ("Output 0 of View"), not its source's. Made
        # under no_grad, it is a no_grad view even of a tensor that does not require grad:
        # writing a value that requires grad into it later is refused. Made under no_grad from
        # a view made in inference mode, it stays an inference-mode view.
        creation = DEFAULT
        if not mode.grad and not st.special & INFERENCE:
            creation = INFERENCE_MODE if mode.inference else NO_GRAD_MODE
            if base is not None and src._view.creation == INFERENCE_MODE:
                creation = INFERENCE_MODE
        elif base is not None:
            creation = src._view.creation
        if creation != DEFAULT:
            output_nr, fn_name = 0, op_label(name)
    sp = st.special
    t._view = ViewMeta(creation, graph_version(t) if sp & DATA_ALIAS else st.version, output_nr,
                       fn_name)
    # a view of an inference tensor carries no autograd key: it never requires grad
    if sp & INFERENCE:
        t._requires_grad = False
        return t
    rg = t._requires_grad = src._requires_grad
    if rg and mode.grad:
        if node is None:
            if values is None:
                a = src._data
                in_order = arr.size == a.size and arr.flags.c_contiguous and a.flags.c_contiguous
                values = {"replay": replay, "overlapping": overlapping, "in_order": in_order}
            node = prepare(derivative or view_derivative(name), (src,), values)
        recorder.attach(node, t, output_nr)
    if t._grad_fn is None:      # it follows its base's requires_grad from now on
        try:                    # (`view_requires_grad.register`, inline: every view made
            views = root._grad_views        # without a graph comes here)
        except AttributeError:
            views = new_view_list(root)
        views.append(ref(t))
        if len(views) > views.limit:
            prune_views(views)
    return t


def multi_view(src, arrays, fn_name, node_name, pieces):
    """The outputs of split/unbind/chunk: views sharing one node, marked so that writing into
    one in place is refused as in PyTorch."""
    node = multi_node(src, arrays, node_name, pieces)
    # made under no_grad they are no_grad views (PyTorch's creation meta says so first); of a
    # view made in inference mode, they are inference-mode views (propagate_creation_meta)
    creation = MULTI_OUTPUT
    if not mode.grad and not src._storage.special & INFERENCE:
        creation = INFERENCE_MODE if mode.inference else NO_GRAD_MODE
    if src._base is not None and src._view.creation == INFERENCE_MODE:
        creation = INFERENCE_MODE
    return tuple(make_view(src, a, node_name, None, creation=creation, output_nr=i,
                           fn_name=fn_name, node=node) for i, a in enumerate(arrays))


def multi_node(src, arrays, node_name, pieces):
    """The one node of a multi-output split (None when no graph is recorded)."""
    if not (src._requires_grad and mode.grad):
        return None
    node = prepare(view_derivative(node_name, multi=True), (src,), {"pieces": pieces})
    node.num_outputs = len(arrays)     # no out_meta: the pieces without a gradient stay None
    return node


def op_label(node_name):
    """How PyTorch names a view's op in in-place errors: 'ViewBackward0' -> 'View',
    'SqueezeBackward1' -> 'Squeeze1'."""
    stem, _, number = node_name.rpartition("Backward")
    return stem + ("" if number == "0" else number) if stem else node_name


# ------------------------------------------------------------------------- strided geometry

def view_geometry(t):
    """(shape, element strides, element offset) of a tensor inside its storage."""
    a = t._data
    item = a.itemsize
    return (a.shape, tuple(s // item for s in a.strides), t._storage.offset_of(a))


def storage_flat(root):
    """The root's storage as a flat 1-D array (all strides are non-negative by construction)."""
    a = root._storage.array
    span = 0            # an empty storage holds no element
    if a.size:
        span = sum((n - 1) * (s // a.itemsize) for n, s in zip(a.shape, a.strides)) + 1
    return strided_view(a, 0, (span,), (a.itemsize,))


def as_strided_scatter_grad(grad, base_geom, view_geom):
    """Gradient of a base from the gradient of an as_strided view of it (accumulating where
    view elements share memory)."""
    base = empty_with_layout(base_geom, grad._dtype)
    shape, strides, off = view_geom
    v = base.as_strided(shape, strides, off)
    if has_internal_overlap(v._data):
        root = base._base if base._base is not None else base
        xp.add.at(storage_flat(root), _flat_indices(shape, strides, off).reshape(-1),
                  grad._data.reshape(-1))
    else:
        v.copy_(grad)
    return base


def _flat_indices(shape, strides, off):
    idx = xp.full(shape, off, dtype=xp.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        dims = [1] * len(shape)
        dims[d] = n
        idx = idx + (xp.arange(n) * s).reshape(dims)
    return idx


AS_STRIDED = Derivative("AsStridedBackward0",
                        {"self": lambda grad, base_geom, view_geom:
                         as_strided_scatter_grad(grad, base_geom, view_geom)})


def as_strided_node(base, view):
    """grad_fn of a view seen in storage coordinates: scatter into a buffer laid out like
    `base` (an as_strided view; a view whose base was modified in place)."""
    return prepare(AS_STRIDED, (base,), {"base_geom": view_geometry(base),
                                         "view_geom": view_geometry(view)})


# ------------------------------------------------------------------------- in-place rewrites

class CopySlices(Node):
    """Gradient of `base` after `fn` (an in-place op's node) wrote into the region a view of it
    covers."""
    __slots__ = ("base_geom", "view_geom", "fn")

    def name(self):
        return "insitu::autograd::CopySlices"

    def apply(self, grads):
        if self.fn is None:     # released by an earlier backward, as PyTorch's
            raise RuntimeError(FREED_MESSAGE)
        grad = grads[0]
        result = empty_with_layout(self.base_geom, grad._dtype)
        result.copy_(grad)
        shape, strides, offset = self.view_geom
        grad_slice = result.as_strided(shape, strides, offset)
        res = self.fn.apply((grad_slice.clone(),))
        r0 = res[0]
        if r0 is None:
            grad_slice.zero_()
        else:
            grad_slice.copy_(r0)
        return (result,) + tuple(res[1:])

    def release(self):
        if self.fn is not None:
            self.fn.release()
            self.fn = None


def after_inplace(self, node):
    """Point `self` (and, for a view, its base) at the node of the in-place op just run."""
    base = self._base
    if base is None:
        _move_retain_hook(self, node)
        self._grad_fn = node
        self._output_nr = 0
        if not self._requires_grad:
            self._requires_grad = True
            base_changed(self)
        return
    copy = recorder.rewired(CopySlices, (edge(base),) + node.next_functions[1:])
    copy.base_geom = view_geometry(base)
    copy.view_geom = view_geometry(self)
    copy.fn = node
    # the view's gradient goes to the base (CopySlices' first edge): a formula node no longer
    # holds the view's old grad_fn, which lives on only while something else holds it (as in
    # PyTorch, where an output saved by the op names it while it lives). A custom Function's
    # node reads its edges to know which gradients are needed: it keeps them.
    if isinstance(node, FormulaNode):
        recorder.drop_first_edge(node)
    _move_retain_hook(base, copy)
    base._grad_fn = copy
    base._output_nr = 0
    if not base._requires_grad:
        base._requires_grad = True
        base_changed(base)
    regenerate_view_grad_fn(self)


def regenerate_view_grad_fn(view):
    """A stale view's grad_fn (PyTorch's, for a strided view): AsStridedBackward0 of its base."""
    view._grad_fn = as_strided_node(view._base, view)
    view._output_nr = 0
    view._requires_grad = True
    view._view.version = graph_version(view)


def _move_retain_hook(t, new_fn):
    """retain_grad() follows the tensor to its new grad_fn (as PyTorch does). Until a hook is
    registered anywhere (retain_grad registers one) no tensor retains its grad, and the lookup
    of the unset slot, which goes through Tensor.__getattr__, is skipped."""
    if HOOKS[0] and getattr(t, "_retains_grad", False):
        old = t._grad_fn
        if old is not None:
            hooks = old.__dict__.get("_thooks", {}).get(t._output_nr if old.num_outputs > 1 else 0)
            if hooks:
                for h in [h for h in hooks if getattr(h, "_is_retain", False)]:
                    hooks.remove(h)
        install_retain_hook(t, new_fn)


_STALE_MULTI_OUTPUT_VIEW = (
    "Output {nr} of {fn} is a view and its base or another view of its base has been modified "
    "inplace. This view is the output of a function that returns multiple views. Such functions "
    "do not allow the output views to be modified inplace. You should replace the inplace "
    "operation by an out-of-place one.")


_STALE_CUSTOM_FN_VIEW = (
    "Output {nr} of {fn} is a view and its base or another view of its base has been modified "
    "inplace. This view was created inside a custom Function (or because an input was returned "
    "as-is) and the autograd logic to handle view+inplace would override the custom backward "
    "associated with the custom Function, leading to incorrect gradients. This behavior is "
    "forbidden. You can fix this by cloning the output of the custom Function.")


def current_grad_fn(t):
    """grad_fn of a view, regenerated if its base (or a sibling view) was modified since (with
    region tracking on, a multi-view function's output is regenerated like any view). As in
    PyTorch, a view without history of a base that does not require grad is left as it is."""
    fn = t._grad_fn
    if fn is None and not t._base._requires_grad:
        return None
    if t._storage.special & INFERENCE:
        return fn       # a view of an inference tensor is no view for autograd: never rebased
    vm = t._view
    if vm.version != graph_version(t):
        # a view PyTorch will not rebase (made under no_grad, in inference mode, one of several
        # outputs, inside a custom Function): reading its grad_fn raises
        if vm.creation != DEFAULT and not (vm.creation == MULTI_OUTPUT and BY_REGION[0]):
            raise RuntimeError(stale_view_message(t, vm))
        regenerate_view_grad_fn(t)
    return t._grad_fn


def read_grad_fns(tensors):
    """PyTorch's autograd kernel reads the grad_fn of every tensor operand (the node's edges)
    before the op's own checks and its kernel run: a stale view it cannot rebase raises there
    first, one it can is regenerated."""
    for t in tensors:
        if isinstance(t, Tensor) and t._base is not None:
            current_grad_fn(t)


def stale_view_message(t, vm):
    """PyTorch's refusal to regenerate the grad_fn of a view it cannot rebase. One made under
    no_grad or in inference mode, or without a grad_fn (a multi-view function or a custom
    Function that ran without a graph), is named as a view made in that mode."""
    creation = vm.creation
    if creation == NO_GRAD_MODE or creation == INFERENCE_MODE:
        return mode_view_message(t, vm, True)
    if t._grad_fn is None:
        head = ("A view was created in no_grad mode and its base or another view of its base has "
                "been modified inplace with grad mode enabled.")
        template = _STALE_MULTI_OUTPUT_VIEW if creation == MULTI_OUTPUT else _STALE_CUSTOM_FN_VIEW
        return head + template[template.index(" This view"):]
    if creation == MULTI_OUTPUT:
        return _STALE_MULTI_OUTPUT_VIEW.format(nr=vm.output_nr, fn=vm.fn_name)
    return _STALE_CUSTOM_FN_VIEW.format(nr=vm.output_nr, fn=vm.fn_name)


# ------------------------------------------------------------------------- Tensor's view of it

def grad_fn(self):
    """Tensor.grad_fn: a view's is regenerated when its base was modified in place since."""
    if self._base is None:
        return self._grad_fn
    return current_grad_fn(self)


def requires_grad(self):
    """Tensor.requires_grad. A view without a grad_fn of its own (made from a tensor that did
    not require grad yet, or under no_grad) follows its base, as PyTorch's view meta does:
    `base.requires_grad_()` later makes it require grad, `base.requires_grad_(False)` not;
    `requires_grad_()` on the view itself, or a view of an inference tensor, keeps its own flag.
    As PyTorch's, it reads the grad_fn as it is: a stale view's is not regenerated."""
    base = self._base
    if base is None:
        return self._requires_grad
    if self._grad_fn is not None or self._view.leaf or self._storage.special & INFERENCE:
        return self._requires_grad
    return base._requires_grad


def is_leaf(self):
    """Tensor.is_leaf: whether the tensor has no grad_fn (made by the user, or outside any
    graph); only leaves get `.grad` filled by backward."""
    return grad_fn(self) is None


PROPERTIES = {"grad_fn": property(grad_fn), "is_leaf": property(is_leaf)}
