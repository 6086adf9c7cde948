"""How an in-place op rewrites the graph (PyTorch's rules).

* Not a view: the op's node becomes the tensor's grad_fn; its first edge is the tensor's old
  grad_fn, so the gradient flows through the value the tensor had before.
* A view: the root base's grad_fn becomes `CopySlices`, which routes the part of the base's
  gradient that the view covers through the op's node and the rest straight to the base's old
  grad_fn. The view's own grad_fn becomes `AsStridedBackward0` of the base (regenerated lazily
  for other views of the same base when they are next used).
"""
from .guards import DEFAULT, NO_GRAD_MODE, MULTI_OUTPUT
from .node import Node
from .recorder import edge


def view_geometry(t):
    """(shape, element strides, element offset) of a tensor inside its storage."""
    a = t._data
    item = a.itemsize
    return (a.shape, tuple(s // item for s in a.strides), t._storage.offset_of(a))


class CopySlices(Node):
    """Gradient of `base` after `op` wrote into the region a view of it covers."""
    __slots__ = ("base_geom", "view_geom", "fn")

    def name(self):
        return "insitu::autograd::CopySlices"

    def __init__(self, base, view, fn):
        self.base_geom = view_geometry(base)
        self.view_geom = view_geometry(view)
        self.fn = fn
        self.next_functions = (edge(base),) + fn.next_functions[1:]

    def apply(self, grads):
        from ..ops.views import empty_with_layout
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
        self.fn.release()


class AsStridedBackward0(Node):
    """grad_fn of a view whose base was modified in place: scatter into the base's layout."""
    __slots__ = ("base_geom", "view_geom", "base_dtype")

    def __init__(self, base, view):
        self.base_geom = view_geometry(base)
        self.view_geom = view_geometry(view)
        self.next_functions = (edge(base),)

    def apply(self, grads):
        from ..ops.views import as_strided_scatter_grad
        return (as_strided_scatter_grad(grads[0], self.base_geom, self.view_geom),)


def after_inplace(self, node):
    """Point `self` (and, for a view, its base) at the node of the in-place op just run."""
    base = self._base
    if base is None:
        _move_retain_hook(self, node)
        self._grad_fn = node
        self._output_nr = 0
        self._requires_grad = True
        return
    copy = CopySlices(base, self, node)
    _move_retain_hook(base, copy)
    base._grad_fn = copy
    base._output_nr = 0
    base._requires_grad = True
    regenerate_view_grad_fn(self)


def regenerate_view_grad_fn(view):
    base = view._base
    if base._requires_grad:
        view._grad_fn = AsStridedBackward0(base, view)
        view._output_nr = 0
        view._requires_grad = True
    view._view.version = view._storage.version


def _move_retain_hook(t, new_fn):
    """retain_grad() follows the tensor to its new grad_fn (as PyTorch does)."""
    if getattr(t, "_retains_grad", False):
        old = t._grad_fn
        if old is not None:
            hooks = old.__dict__.get("_thooks", {}).get(t._output_nr if old.num_outputs > 1 else 0)
            if hooks:
                for h in [h for h in hooks if getattr(h, "_is_retain", False)]:
                    hooks.remove(h)
        from .tensor_hooks import install_retain_hook
        install_retain_hook(t, new_fn)


def current_grad_fn(t):
    """grad_fn of a view, regenerated if its base (or a sibling view) was modified since."""
    vm = t._view
    if vm.version != t._storage.version:
        if vm.creation != DEFAULT and t._base._requires_grad and t._base._grad_fn is not None:
            if vm.creation == NO_GRAD_MODE:
                raise RuntimeError(
                    "A view was created in no_grad mode and its base or another view of its base "
                    "has been modified inplace with grad mode enabled. Given that this use case "
                    "is ambiguous and error-prone, it is forbidden. You can clarify your code by "
                    "moving both the view and the inplace either both inside the no_grad block "
                    "(if you don't want the inplace to be tracked) or both outside (if you want "
                    "the inplace to be tracked).")
            if vm.creation == MULTI_OUTPUT:
                raise RuntimeError(
                    f"Output {vm.output_nr} of {vm.fn_name} is a view and its base or another "
                    "view of its base has been modified inplace. This view is the output of a "
                    "function that returns multiple views. Such functions do not allow the "
                    "output views to be modified inplace. You should replace the inplace "
                    "operation by an out-of-place one.")
            return t._grad_fn
        regenerate_view_grad_fn(t)
    return t._grad_fn
