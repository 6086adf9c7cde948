"""Graph nodes: the backward half of every differentiable operation.

A node's `next_functions` are `(node, input_nr)` edges to the nodes that produced its inputs
(`(None, 0)` where an input needs no gradient); a leaf that requires grad is reached through its
`AccumulateGrad` node. Table ops get a generated subclass per op (`AddBackward0`, ...) whose
`formula` comes from the op's declaration; the engine calls `apply(grads)`.
"""
import weakref

from ..backend import xp
from .grad_mode import mode
from .saved import SavedTensor

_nd = xp.ndarray
_asarray = xp.asarray


from ..core.tensor import new_tensor as _new_tensor


# Set once any hook is registered anywhere: until then the engine skips all hook lookups.
HOOKS = [False]


class Node:
    __slots__ = ("next_functions", "_pre_hooks", "_hooks", "_retain", "metadata", "__weakref__",
                 "__dict__")
    num_outputs = 1
    runs_without_grad = False   # custom Functions run even when no gradient reaches them

    def name(self):
        return type(self).__name__

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
        HOOKS[0] = True
        hooks = self.__dict__.setdefault("_thooks", {}).setdefault(output_nr, [])
        hooks.append(hook)
        return Handle(hooks, hook)

    def release(self):
        """Free what backward needed (called after backward unless retain_graph)."""

    def apply(self, grads):
        raise NotImplementedError

    def __call__(self, *grads):
        return self.apply(grads)


class Handle:
    __slots__ = ("_list", "_item")

    def __init__(self, lst, item):
        self._list, self._item = lst, item

    def remove(self):
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


def leaf_hooks(var, g):
    hooks = var.__dict__.get("_leaf_hooks")
    if hooks and g is not None:
        for h in list(hooks):
            r = h(g)
            if r is not None:
                g = r
    return g


def accumulate_into_leaf(var, g, create_graph=None):
    """Add a gradient into `var.grad`: the first one is stored, later ones added in place."""
    if g is None:
        return
    g = leaf_hooks(var, g)
    if create_graph is None:
        create_graph = mode.grad
    if g._dtype is not var._dtype:
        g = g.to(var._dtype)
    try:
        old = var._grad
    except AttributeError:
        old = None
    if old is None:
        if create_graph:
            var._grad = g
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


class OpNode(Node):
    """Base of the generated per-op nodes: saved tensors, scalar params, input shapes/dtypes."""
    __slots__ = ("saved", "params", "in_meta", "needs")
    formula = None      # formula(node, grad) -> tuple of grads, one per differentiable input
    op_name = ""

    def save(self, name, t, is_output=False, where=None):
        self.saved[name] = SavedTensor(t, self.op_name, is_output, 3, where)

    def __getattr__(self, name):
        # formulas read saved tensors as attributes: node.self, node.other, node.result;
        # PyTorch's spelling node._saved_self works too
        if name.startswith("_saved_"):
            name = name[7:]
        try:
            saved = object.__getattribute__(self, "saved")[name]
        except (KeyError, AttributeError):
            try:
                return object.__getattribute__(self, "params")[name]
            except (KeyError, AttributeError):
                raise AttributeError(name) from None
        return saved.unpack(self)

    def release(self):
        saved = self.saved
        if saved:
            for s in saved.values():
                s.release()
        self.saved = _FREED

    # Opt-in (Op(np_formula=True)): the formula uses only operators and methods that NumPy
    # arrays share with the same meaning, so without a graph to build it may run on arrays.
    # A formula that still needs an insitu-only method fails with AttributeError/TypeError and
    # its node class falls back to the Tensor path for good.
    np_ok = False

    def apply(self, grads):
        g = grads[0]
        if not mode.grad and self.np_ok:
            # no graph to build: evaluate the same formula directly on NumPy arrays
            try:
                res = self.formula(_ArrayView(self), g._data)
            except (AttributeError, TypeError):
                type(self).np_ok = False
            else:
                return self._finish(res, _fit_array)
        return self._finish(self.formula(self, g), _fit_tensor)

    def _finish(self, res, fit):
        """One gradient per input: None where not needed, else fitted to the input's shape
        (undoing broadcasting) and dtype."""
        out = []
        needs = self.needs
        for i, meta in enumerate(self.in_meta):
            r = res[i]
            out.append(None if r is None or not needs[i] else fit(r, *meta))
        return out



class _Freed(dict):
    """Stands in for the saved dict after release, so a second backward gets PyTorch's error."""

    def __getitem__(self, key):
        from .saved import _FREED
        raise RuntimeError(_FREED)

    def __bool__(self):
        return False


_FREED = _Freed()


class _ArrayView:
    """A node seen through NumPy: saved tensors come back as arrays, params and needs as is."""
    __slots__ = ("_node",)

    def __init__(self, node):
        self._node = node

    @property
    def needs(self):
        return self._node.needs

    @property
    def params(self):
        return self._node.params

    def __getattr__(self, name):
        node = self._node
        saved = node.saved
        if saved is _FREED:
            saved[name]        # raises the freed-graph error, as the Tensor path does
        s = saved.get(name)
        if s is None:
            try:
                return node.params[name]
            except KeyError:
                raise AttributeError(name) from None
        return s.unpack_data(node)


def _fit_tensor(r, shape, dt):
    if r._data.shape != shape:
        r = _sum_to_size(r, shape)
    return r if r._dtype is dt else r.to(dt)


def _fit_array(r, shape, dt):
    if r.__class__ is not _nd:
        r = _asarray(r)
    if r.shape != shape:
        r = _sum_to_shape_array(r, shape)
    if r.dtype != dt.np:
        r = r.astype(dt.np)
    elif r.base is not None:
        r = r.copy()   # a gradient must own its memory (it may be accumulated into)
    return _new_tensor(r, dt)


def _sum_to_shape_array(r, shape):
    lead = r.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape)
                                      if n == 1 and r.shape[i + lead] != 1)
    if axes:
        r = r.sum(axis=axes, keepdims=True)
    return r.reshape(shape)


def _sum_to_size(r, shape):
    from ..ops.reductions import sum_to_size
    return sum_to_size(r, shape)


_node_classes = {}


def node_class(name, formula, op_name, base=OpNode, num_outputs=1):
    """One Node subclass per backward formula, named like PyTorch's (`AddBackward0`)."""
    key = (name, formula)
    cls = _node_classes.get(key)
    if cls is None:
        cls = type(name, (base,), {"__slots__": (), "formula": staticmethod(formula),
                                   "op_name": op_name, "num_outputs": num_outputs})
        _node_classes[key] = cls
    return cls
