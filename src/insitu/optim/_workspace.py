"""Scratch tensors for optimizer steps, so a step allocates nothing the size of a parameter.

An update's intermediate values (the decayed gradient, the denominator, a product) are written
with `out=` and in-place table ops into a few flat buffers the optimizer owns, sized once to its
largest parameter and reused by every parameter on every step. Parameters and optimizer state are
then updated by in-place table ops, which bump their versions and make the safety checks.

"""
from ..core import dtypes
from ..creation import empty
from ..ops import pointwise, unary  # noqa: F401  (declare the ops looked up below)
from ..ops.codegen import function

add, neg = function("add"), function("neg")


class Workspace:
    def __init__(self):
        self._flat = {}     # (dtype, slot) -> flat tensor
        self._views = {}    # (dtype, slot, shape) -> tensor of that shape (a view of the flat one)

    def slot(self, like, i):
        """Scratch slot `i`: a tensor with the shape and dtype of tensor `like`."""
        return self._get(like, like._dtype, i)

    def mask(self, like, i):
        """Boolean scratch slot `i` with the shape of tensor `like` (comparison results)."""
        return self._get(like, dtypes.bool_, i)

    def _get(self, like, dt, i):
        key = (dt, i, like._data.shape)
        v = self._views.get(key)
        if v is None:
            v = self._views[key] = self._make(like, dt, i)
        return v

    def _make(self, like, dt, i):
        n = like._data.size
        fkey = (dt, i)
        flat = self._flat.get(fkey)
        if flat is None or flat._data.size < n:
            flat = self._flat[fkey] = empty(n, dtype=dt)
            # views of a replaced buffer would keep it alive: forget them
            self._views = {k: v for k, v in self._views.items() if k[:2] != fkey}
        return flat[:n].view(like._data.shape)

    def reserve(self, params, slots):
        """Size the buffers for the largest of `params` up front, so they are made once."""
        biggest = {}
        for p in params:
            if p._data.size > biggest.get(p._dtype, (0, None))[0]:
                biggest[p._dtype] = (p._data.size, p)
        for _, p in biggest.values():
            for i in range(slots):
                self.slot(p, i)


def decayed_grad(p, maximize, weight_decay, ws):
    """The gradient an update step uses, as a tensor: p.grad (never modified), or, negated when
    maximizing and plus weight_decay * param (PyTorch's `grad.add(param, alpha=weight_decay)`),
    written into scratch slot 0."""
    g = p._grad
    if maximize:
        g = neg(g, out=ws.slot(p, 0))
    if weight_decay != 0:
        g = add(g, p, alpha=weight_decay, out=ws.slot(p, 0))
    return g
