"""Fused layer nodes: one graph node per layer call, with a NumPy backward.

A layer such as `linear` or `cross_entropy` runs its forward on arrays and records one node whose
backward also runs on arrays, which keeps a training step to a handful of nodes. For a backward
that must itself be differentiable (`create_graph=True`), the node instead re-runs the layer's
`composite` form (written with insitu ops) from the saved inputs and differentiates that, so
double backward is exact without a second hand-written formula.

Inputs the backward needs are saved as version-checked SavedTensors: modifying one in place
before backward raises the usual error naming both lines.
"""
from ..autograd.grad_mode import mode, enable_grad
from ..autograd.node import Node
from ..autograd.recorder import edge
from ..autograd.saved import SavedTensor, _FREED
from ..core.tensor import wrap

_new = object.__new__


class FusedNode(Node):
    __slots__ = ("saved", "refs", "ctx", "needs", "aux")
    composite = None    # composite(*inputs, **ctx) -> output, written with insitu ops

    def name(self):
        return type(self).__name__

    def tensors(self):
        """The saved inputs, version-checked."""
        saved = self.saved
        if saved is None:
            raise RuntimeError(_FREED)
        return [s.unpack(self) if s is not None else None for s in saved]

    def release(self):
        if self.saved:
            for s in self.saved:
                if s is not None:
                    s.release()
        self.saved = None
        self.aux = None

    def apply(self, grads):
        g = grads[0]
        if mode.grad:
            return self._graph_backward(g)
        return self.backward(g)

    def backward(self, g):
        """Gradients (tensors or None) for each input, computed on arrays."""
        raise NotImplementedError

    def _graph_backward(self, g):
        from ..autograd.engine import grad as autograd_grad
        saved = self.tensors()
        inputs = [s if s is not None else r for s, r in zip(saved, self.refs)]
        with enable_grad():
            out = type(self).composite(*inputs, **self.ctx)
        wanted = [t for t, n in zip(inputs, self.needs) if n]
        got = iter(autograd_grad(out, wanted, g, create_graph=True, allow_unused=True))
        return [next(got) if n else None for n in self.needs]


def record(out, cls, inputs, saved, ctx=None, aux=None):
    """Attach a `cls` node to `out` when grad mode is on and some input requires grad.

    `inputs` are the differentiable inputs (None for an absent bias); `saved` says, per input,
    whether backward reads its value (saved and version-checked) or only needs it for the
    double-backward recompute (kept as a plain reference). `aux` holds private arrays the
    backward reuses from the forward (never visible to the user, so never modified)."""
    if not mode.grad:
        return out
    needs = tuple(t is not None and t._requires_grad for t in inputs)
    if True not in needs:
        return out
    node = _new(cls)
    node.next_functions = tuple(edge(t) if n else (None, 0) for t, n in zip(inputs, needs))
    node.needs = needs
    node.ctx = ctx or {}
    node.saved = tuple(SavedTensor(t, cls.__name__, False, 3) if s and t is not None else None
                       for t, s in zip(inputs, saved))
    node.refs = tuple(None if s else t for t, s in zip(inputs, saved))
    node.aux = aux
    out._grad_fn = node
    out._requires_grad = True
    return out


def node_type(name, backward, composite):
    """A FusedNode subclass named like PyTorch's node (`AddmmBackward0`)."""
    return type(name, (FusedNode,), {"__slots__": (), "backward": backward,
                                     "composite": staticmethod(composite)})


def as_tensor(arr, like):
    """Wrap a NumPy result as a tensor with `like`'s dtype."""
    if arr.dtype != like._dtype.np:
        arr = arr.astype(like._dtype.np)
    return wrap(arr, like._dtype)
