"""The autograd side of Tensor: requires_grad_, grad, data, detach, hooks, retain_grad and
backward (`insitu.methods` attaches them; a view's grad_fn is `ops.view_graph`'s business)."""
import warnings
import weakref

from ..core.dtypes import CPP_NAMES
from ..core.state import mode
from ..core.storage import INFERENCE
from ..core.tensor import alias, data_alias
from .engine import backward as run_backward
from .node import HOOKS, Handle
from .view_requires_grad import base_changed

_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information.")


def _set_requires_grad(self, value):
    self.requires_grad_(value)


def requires_grad_(self, requires_grad=True):
    """Tensor.requires_grad_(requires_grad=True): sets whether autograd records operations on this
    leaf (floating dtypes only); returns self. On a non-leaf only True is accepted (a no-op), as
    in PyTorch."""
    requires_grad = bool(requires_grad)
    # PyTorch's leaf test here reads the grad_fn as it is: a stale view is not regenerated
    # (which could raise) first
    if self._grad_fn is not None:
        if not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
    # a non-leaf too: an integer tensor given a grad_fn by a write (t[0] = x) is refused
    if requires_grad and not self._dtype.is_floating_point:
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    if self._grad_fn is not None:
        return self
    if requires_grad and self._storage.special & INFERENCE and not mode.inference:
        raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode "
                           "is not allowed.")
    changed = self._requires_grad != requires_grad
    self._requires_grad = requires_grad
    if self._base is not None:
        if requires_grad:
            self._view.leaf = True     # a leaf of its own, even if made under no_grad
    elif changed:
        base_changed(self)
    return self


def _get_grad(self):
    """Tensor.grad: the gradient accumulated by backward (None until then). Reading it on a non-leaf
    that does not retain its gradient warns, as PyTorch does. Assigning checks shape and dtype."""
    try:
        g = self._grad
    except AttributeError:
        g = None
    if g is None and self._grad_fn is not None and not getattr(self, "_retains_grad", False):
        warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
    return g


def _set_grad(self, value):
    if value is not None:
        if tuple(value._data.shape) != tuple(self._data.shape):
            raise RuntimeError(
                f"attempting to assign a gradient of size '[{', '.join(map(str, value.shape))}]' "
                f"to a tensor of size '[{', '.join(map(str, self.shape))}]'. Please ensure that "
                "the gradient and the tensor are the same size")
        if value._dtype is not self._dtype:
            raise RuntimeError(
                f"attempting to assign a gradient with dtype '{CPP_NAMES[value._dtype.name]}' to "
                f"a tensor with grad_dtype '{self._dtype.legacy}'. The gradient must match the "
                "tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
                "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
                "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may "
                "break downstream systems that assume they match.")
    self._grad = value


def _del_grad(self):
    self._grad = None


def detach(self):
    """Tensor.detach(): a new tensor outside the graph over the same storage, sharing the version
    counter: in-place writes to either are seen by autograd checks."""
    return _inference_alias(self, alias(self))


def _inference_alias(src, t):
    """detach() and .data of an inference tensor, outside inference mode: PyTorch gives it a
    version counter of its own, from 0."""
    if src._storage.special & INFERENCE and not mode.inference:
        t._version_from = src._storage.version
    return t


def zero_grads(params, set_to_none=True):
    """Module.zero_grad and Optimizer.zero_grad: drop each gradient (the default), or zero it in
    place once it is out of any graph, as PyTorch does."""
    for p in params:
        g = getattr(p, "_grad", None)
        if g is None:
            continue
        if set_to_none:
            p._grad = None
        else:
            if g._grad_fn is not None:
                g.detach_()
            else:
                g.requires_grad_(False)
            g.zero_()


def detach_(self):
    """Tensor.detach_(): takes this tensor out of the graph in place (no grad_fn, no requires_grad);
    returns self. Refused for views, as in PyTorch. In inference mode it does nothing (PyTorch
    skips its autograd kernel there: the tensor keeps its grad_fn and requires_grad)."""
    if mode.inference:
        return self
    if self._base is not None:
        raise RuntimeError(
            "Can't detach views in-place. Use detach() instead. If you are using "
            "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as "
            "True, gradients are views of DDP buckets, and hence detach_() cannot be called on "
            "these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
            "function in torch/optim/optimizer.py as the solution.")
    self._grad_fn = None
    if self._requires_grad:
        self._requires_grad = False
        base_changed(self)
    return self


def _get_data(self):
    """Tensor.data: a tensor over the same storage, outside the graph. Unlike PyTorch's, it shares
    the version counter, so modifying `.data` where a graph saved the tensor is reported at
    backward instead of silently giving a wrong gradient. Assigning `.data` swaps the array and
    storage."""
    # insitu's .data shares storage AND the version counter: mutating it where a graph saved the
    # tensor is reported at backward instead of silently producing a wrong gradient; the views'
    # graph counts its writes apart, as PyTorch's does (`graph_version`)
    return _inference_alias(self, data_alias(self))


def _set_data(self, value):
    self._data = value._data
    self._dtype = value._dtype
    self._storage = value._storage


def register_hook(self, hook):
    """Tensor.register_hook(hook): `hook(grad) -> optional new grad` runs on this tensor's gradient
    during backward (for a leaf, before it is accumulated); returns a handle with `remove()`."""
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    HOOKS[0] = True
    fn = self.grad_fn
    if fn is None:   # leaf: hooks run before accumulation, stored on the tensor itself
        hooks = self.__dict__.setdefault("_leaf_hooks", [])
        hooks.append(hook)
        return Handle(hooks, hook)
    return fn.add_tensor_hook(self._output_nr if fn.num_outputs > 1 else 0, hook)


def register_post_accumulate_grad_hook(self, hook):
    """Tensor.register_post_accumulate_grad_hook(hook): `hook(tensor)` runs after a leaf's `.grad`
    has been accumulated; returns a handle with `remove()`. Leaves that require grad only."""
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    HOOKS[0] = True
    hooks = self.__dict__.setdefault("_post_acc_hooks", [])
    hooks.append(hook)
    return Handle(hooks, hook)


def install_retain_hook(t, fn):
    HOOKS[0] = True
    ref = weakref.ref(t)

    def retain(grad):
        tt = ref()
        if tt is not None:
            old = getattr(tt, "_grad", None)
            g = grad.detach().clone()
            tt._grad = g if old is None else old + g
        return None
    retain._is_retain = True
    fn.add_tensor_hook(t._output_nr if fn.num_outputs > 1 else 0, retain)


def retain_grad(self):
    """Tensor.retain_grad(): makes backward store this non-leaf's gradient in its `.grad` (a no-op
    on a leaf)."""
    if not self._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if self._grad_fn is None:
        # a leaf as PyTorch's C++ is_leaf sees it (no grad_fn of its own yet): a view made
        # without a graph whose base requires grad now is not regenerated, and not refused
        return
    fn = self.grad_fn
    if fn is None or getattr(self, "_retains_grad", False):
        return
    self._retains_grad = True
    install_retain_hook(self, fn)


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Tensor.backward(gradient=None, retain_graph=None, create_graph=False, inputs=None):
    `insitu.autograd.backward((self,), (gradient,), ...)`: accumulates gradients of self into the
    leaves' `.grad` (`gradient` may be omitted for a one-element tensor)."""
    run_backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph,
                 inputs)


METHODS = {"requires_grad_": requires_grad_, "detach": detach, "detach_": detach_,
           "register_hook": register_hook,
           "register_post_accumulate_grad_hook": register_post_accumulate_grad_hook,
           "retain_grad": retain_grad, "backward": backward}
PROPERTIES = {
    "grad": property(_get_grad, _set_grad, _del_grad),
    "data": property(_get_data, _set_data),
    "retains_grad": property(lambda self: getattr(self, "_retains_grad", False),
                             doc="Whether `retain_grad()` was called on this non-leaf."),
    "output_nr": property(lambda self: getattr(self, "_output_nr", 0),
                          doc="Which output of its grad_fn this tensor is (0 for most)."),
}
SET_REQUIRES_GRAD = _set_requires_grad
