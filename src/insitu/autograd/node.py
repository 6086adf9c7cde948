"""Graph nodes: the backward half of every differentiable operation.

A node's `next_functions` are `(node, input_nr)` edges to the nodes that produced its inputs
(`(None, 0)` where an input needs no gradient); a leaf that requires grad is reached through its
`AccumulateGrad` node. The engine calls `apply(grads)`. Nodes are made by `autograd.recorder`;
an op's node class comes from its backward formulas (`ops.derivatives`).
"""
import sys

from .grad_mode import mode


# Set once any hook is registered anywhere: until then the engine skips all hook lookups.
HOOKS = [False]
# Set once a tensor with a grad_fn has been resized (`recorder.note_resize`): until then the
# engine skips checking gradients against the shapes nodes' outputs had.
RESIZED = [False]


class Node:
    """A node of the backward graph, as torch.autograd.graph.Node: a tensor's `grad_fn`. Its class
    name is PyTorch's (MulBackward0, ...); `next_functions` are (node, input_nr) edges to the
    nodes of its inputs ((None, 0) where an input needs no gradient; a leaf is reached through
    its AccumulateGrad). Calling a node applies its backward to output gradients. Hooks
    registered here run when the engine runs the node."""
    __slots__ = ("next_functions", "_pre_hooks", "_hooks", "_retain", "__weakref__",
                 "__dict__")
    num_outputs = 1
    runs_without_grad = False   # custom Functions run even when no gradient reaches them

    def name(self):
        """The node's name: its class name, as PyTorch's (e.g. "MulBackward0")."""
        return type(self).__name__

    @property
    def metadata(self):
        """A dict for the user's notes about this node (anomaly mode keeps the forward stack
        here, under "traceback_")."""
        return self.__dict__.setdefault("_metadata", {})

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def register_hook(self, hook):
        """hook(grad_inputs, grad_outputs) -> optional new grad_inputs, after this node runs."""
        HOOKS[0] = True
        hooks = self.__dict__.setdefault("_post", [])
        hooks.append(hook)
        return Handle(hooks, hook)

    def register_prehook(self, hook):
        """hook(grad_outputs) -> optional new grad_outputs, before this node runs."""
        HOOKS[0] = True
        hooks = self.__dict__.setdefault("_pre", [])
        hooks.append(hook)
        return Handle(hooks, hook)

    def _tensor_hooks(self):
        return self.__dict__.get("_thooks")

    def add_tensor_hook(self, output_nr, hook):
        """Register `hook(grad) -> optional new grad` on the gradient of output `output_nr`, before
        the node runs (Tensor.register_hook on a non-leaf lands here); returns a removable
        handle."""
        HOOKS[0] = True
        hooks = self.__dict__.setdefault("_thooks", {}).setdefault(output_nr, [])
        hooks.append(hook)
        return Handle(hooks, hook)

    def release(self):
        """Free what backward needed (called after backward unless retain_graph)."""

    def apply(self, grads):
        """The backward: a tuple of input gradients (or None) for the output gradients."""
        raise NotImplementedError

    def __call__(self, *grads):
        return self.apply(grads)


class Handle:
    """A registered hook's handle, as torch.utils.hooks.RemovableHandle: `remove()` it."""
    __slots__ = ("_list", "_item")

    def __init__(self, lst, item):
        self._list, self._item = lst, item

    def remove(self):
        """Unregister the hook (a second call does nothing)."""
        try:
            self._list.remove(self._item)
        except ValueError:
            pass


class AccumulateGrad(Node):
    """The sink for a leaf: adds the incoming gradient into `variable.grad`, in place."""
    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    def name(self):
        return "insitu::autograd::AccumulateGrad"

    def apply(self, grads):
        accumulate_into_leaf(self.variable, grads[0])
        return ()


def unshared(g):
    """Whether nothing but the caller's one local name holds the gradient `g`, its storage or its
    arrays: no other tensor, view, saved tensor or NumPy array could see a change to it. `g` may
    be a view of a base that only it holds (a reshaped gradient). Counts references, as
    PyTorch's AccumulateGrad counts uses of the incoming gradient."""
    st = g._storage
    if st.saved or st.special or not st.nbytes:
        return False
    base = g._base
    holders = 1
    if base is not None:
        # getrefcount counts its argument: g's _base, this local and the argument
        if base._base is not None or sys.getrefcount(base) != 3:
            return False
        holders = 2
    # `g`: the caller's name, this parameter, the argument; `st`: each holder, `st`, the argument
    if sys.getrefcount(g) != 3 or sys.getrefcount(st) != 2 + holders:
        return False
    root = st.array
    if not _only_over(g._data, root) or (base is not None and not _only_over(base._data, root)):
        return False
    return sys.getrefcount(root) == 3 + holders   # the storage, `root`, the argument, each holder


# `unshared`'s verdict for a view that only the caller holds over memory others share (a
# reshaped or sliced gradient the caller passed to backward)
LONE_VIEW = "lone view"


def lone_view(g):
    """Whether `g` is a view nothing but the caller's one local name holds, over a plain storage
    (no special bit) whose memory other tensors may share: PyTorch's AccumulateGrad counts the
    uses of the gradient tensor, not of its storage, and steals such a view as the first
    `.grad` (which then aliases the memory it views). LONE_VIEW or False."""
    if g._base is not None and not g._storage.special and sys.getrefcount(g) == 3:
        return LONE_VIEW
    return False


def _only_over(arr, root):
    """`arr` is the root array, or a view of it that only its tensor holds."""
    return arr is root or (arr.base is root and sys.getrefcount(arr) == 3)


def _dense_like(g, var):
    """`g` can be `var`'s gradient as it is: dense and row-major, as a fresh clone would be."""
    arr = g._data
    return arr.flags.c_contiguous and arr.nbytes == g._storage.nbytes and \
        var._data.flags.c_contiguous


def leaf_hooks(var, g):
    hooks = var.__dict__.get("_leaf_hooks")
    if hooks and g is not None:
        for h in list(hooks):
            r = h(g)
            if r is not None:
                g = r
    return g


def accumulate_into_leaf(var, g, create_graph=None, unshared=False, hooked=False):
    """Add a gradient into `var.grad`: the first one is stored, later ones added in place.
    `unshared`: the caller knows nothing else holds `g` or its memory, so the first gradient
    can become `.grad` as it is, without a copy (PyTorch's AccumulateGrad steals it too);
    LONE_VIEW: nothing else holds the view `g`, which becomes `.grad` over the memory it views,
    as PyTorch's does when it has the leaf's layout. The
    leaf's tensor hooks run first (unless `hooked`: they already ran on `g`); a leaf that no
    longer requires grad (requires_grad_(False) after the graph was built) gets nothing."""
    if g is None:
        return
    if hooked:
        unshared = False
    else:
        hooked = var.__dict__.get("_leaf_hooks")
        if hooked:
            g = leaf_hooks(var, g)
            unshared = False
    if not var._requires_grad:
        return
    if create_graph is None:
        create_graph = mode.grad
    if g._dtype is not var._dtype:
        g = g.to(var._dtype)
        unshared = not hooked
    try:
        old = var._grad
    except AttributeError:
        old = None
    if old is None:
        if create_graph:
            # PyTorch copies it into a fresh tensor (a CopyBackwards node when it has a graph)
            var._grad = g.new_empty(g.shape)
            var._grad.copy_(g)
        elif unshared is LONE_VIEW:
            # PyTorch steals it when it has the leaf's layout (`obeys_layout_contract`)
            arr = g._data
            if arr.flags.c_contiguous and var._data.flags.c_contiguous:
                var._grad = g.detach()
            else:
                var._grad = g.detach().clone()
        elif unshared and _dense_like(g, var):
            plain = g._base is None and g._grad_fn is None and not g._requires_grad
            var._grad = g if plain else g.detach()
        else:
            # own the buffer: the incoming gradient may alias another tensor (or be an expand)
            var._grad = g.detach().clone()
    elif create_graph:
        var._grad = old + g
    else:
        prev = mode.grad
        mode.grad = False
        try:
            old.add_(g)
        finally:
            mode.grad = prev
    post = var.__dict__.get("_post_acc_hooks")
    if post:
        for h in list(post):
            h(var)
