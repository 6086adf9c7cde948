"""The recorder: every graph node in insitu is made here.

An op that is recorded (a table op, a reduction, a view, a fused layer, a custom Function) asks
`new_node` for a node of its class over the tensors it read. The recorder decides, once per call,
which inputs need a gradient (`needs`), which edge each gradient flows along (the input's grad_fn
or its leaf's AccumulateGrad), and each input's shape and dtype, which backward uses to give
every gradient back its input's shape and dtype. `save` keeps a tensor for backward,
version-checked and located; `attach` makes a tensor an output of the node.

The recorder knows no operation: what a node saves and how it computes gradients is the op's
business (`insitu.ops.derivatives` derives both from the op's backward formulas).
"""
import weakref

from ..core.tensor import Tensor
from . import anomaly
from .grad_mode import mode
from .guards import INFERENCE_MODE, NO_GRAD_MODE
from .node import AccumulateGrad, RESIZED
from .saved import SavedTensor

_new = object.__new__
NO_EDGE = (None, 0)
_ALL = [tuple(range(n)) for n in range(8)]     # `kept` of a node with an edge per input
_NEEDED, _NOT_NEEDED = (True,), (False,)       # `needs` of a one-input node


def grad_accumulator(t):
    """The (cached) AccumulateGrad node of a leaf; the leaf holds it weakly, as PyTorch does."""
    try:
        acc = t._acc()
    except AttributeError:
        acc = None
    if acc is None:
        acc = AccumulateGrad(t)
        t._acc = weakref.ref(acc)
    return acc


def edge(t):
    """The edge a gradient for tensor `t` flows along: its grad_fn, or its leaf accumulator."""
    fn = t._grad_fn if t._base is None else t.grad_fn
    if fn is not None:
        return (fn, t._output_nr if fn.num_outputs != 1 else 0)
    if t._requires_grad:
        if t._base is not None and not t._view.leaf:
            # a view without history (made under no_grad, or before its base required grad)
            # requires grad through its base only: PyTorch gives it no accumulator, its
            # gradient goes nowhere
            return NO_EDGE
        return (grad_accumulator(t), 0)
    return NO_EDGE


def new_node(cls, inputs, edges=None):
    """A node of class `cls` for an op that read `inputs` (tensors; numbers and None are
    inputs that need no gradient): which inputs need a gradient (`needs`), their shapes and
    dtypes, and the edges their gradients flow along, one per input, or only for the input
    positions `edges` (PyTorch gives a node no edge for a mask, an index or a Scalar). One
    loop: it runs once per recorded op."""
    node = _new(cls)
    if len(inputs) == 1 and edges is None:
        # one input (unary ops, views, reductions): the loop below without its lists
        a = inputs[0]
        if isinstance(a, Tensor) and a._requires_grad:
            fn = a._grad_fn
            if fn is not None and a._base is None and fn.num_outputs == 1:
                node.next_functions = ((fn, 0),)
            else:
                node.next_functions = (edge(a),)
            node.needs = _NEEDED
            node.in_meta = [(a._data.shape, a._dtype)]
        else:
            node.next_functions = (NO_EDGE,)
            node.needs = _NOT_NEEDED
            node.in_meta = [None]
        node.kept = _ALL[1]
        if mode.anomaly:
            anomaly.record(node)
        return node
    needs = []
    meta = []
    edges_all = []
    for a in inputs:
        if isinstance(a, Tensor) and a._requires_grad:
            meta.append((a._data.shape, a._dtype))
            needs.append(True)
            fn = a._grad_fn
            if fn is not None and a._base is None and fn.num_outputs == 1:
                edges_all.append((fn, 0))       # `edge(a)` of the commonest input, inline
            else:
                edges_all.append(edge(a))
        else:
            meta.append(None)
            needs.append(False)
            edges_all.append(NO_EDGE)
    if edges is None:
        node.next_functions = tuple(edges_all)
        n = len(needs)
        node.kept = _ALL[n] if n < 8 else tuple(range(n))
    else:
        node.next_functions = tuple([edges_all[i] for i in edges])
        node.kept = edges
    node.needs = tuple(needs)
    node.in_meta = meta
    if mode.anomaly:
        anomaly.record(node)
    return node


def rewired(cls, next_functions):
    """A node whose edges are given rather than read off inputs: a graph rewrite's node
    (CopySlices takes the base's edge and the in-place op's other edges)."""
    node = _new(cls)
    node.next_functions = tuple(next_functions)
    if mode.anomaly:
        anomaly.record(node)
    return node


def drop_first_edge(node):
    """The node of an in-place op on a view, once CopySlices routes the view's gradient to the
    base: it no longer holds the view's old grad_fn."""
    node.next_functions = (NO_EDGE,) + node.next_functions[1:]


def needs_grad(inputs):
    """Whether an op over `inputs` is recorded at all (some input requires grad)."""
    for a in inputs:
        if isinstance(a, Tensor) and a._requires_grad:
            return True
    return False


def save(t, op_name, is_output=False, where=None):
    """`t` kept for backward: checked against later in-place writes, and located (the op's name
    and the user's line) for the error that names both lines."""
    return SavedTensor(t, op_name, is_output, 4, where)


def attach(node, out, output_nr=0):
    """Make `out` output `output_nr` of `node`. Only a floating-point tensor can have history,
    as in PyTorch (an integer tensor that requires grad, made so by an in-place write of a
    value that does, refuses every differentiable op whose result would be an integer)."""
    if not out._dtype.is_floating_point and not integral_output(node, out):
        return out
    out._grad_fn = node
    out._requires_grad = True
    if output_nr or node.num_outputs != 1:
        out._output_nr = output_nr
    return out


def integral_output(node, out):
    """An integer or bool result of a recorded op: PyTorch refuses to give it a grad_fn, except
    the NotImplemented node of an op without a derivative (floor_divide), which just leaves it
    out of the graph (returns False: do not attach)."""
    if type(node).__name__ == "NotImplemented":
        return False
    raise RuntimeError(f"Autograd not support dtype: {out._dtype.legacy}")


def note_resize(t):
    """`t` (a non-leaf) is about to take another shape (an `out=` resize): its node remembers the
    shape it had, which the gradients flowing into it must fit (PyTorch's engine checks a
    gradient against the shape a node's output had when it was made)."""
    if t._base is not None:
        return
    fn = t._grad_fn
    if fn is None:      # a leaf: its accumulator, while one lives, remembers the shape too
        acc = getattr(t, "_acc", None)
        fn = acc() if acc is not None else None
        if fn is None:
            return
    nr = t._output_nr if fn.num_outputs != 1 else 0
    fn.__dict__.setdefault("_out_shapes", {}).setdefault(nr, t._data.shape)
    RESIZED[0] = True
