"""Scratch space for optimizer steps, so a step allocates nothing the size of a parameter.

NumPy's `a += alpha * b` builds `alpha * b` in a fresh array. An optimizer instead writes such
intermediate values into a few flat buffers it owns, sized once to its largest parameter and
reused by every parameter on every step; the parameter itself is then updated with one in-place
op (`param.add_(update)`), which does the version bump and the safety checks. Optimizer state
(momentum, moments) is written straight into its own arrays with `out=`.
"""
from ..autograd.versions import write
from ..backend import xp
from ..creation import empty


class Workspace:
    def __init__(self):
        self._flat = {}     # (dtype, slot) -> flat tensor
        self._views = {}    # (dtype, slot, shape) -> (tensor, ndarray) of that shape

    def slot(self, like, i):
        """(tensor, ndarray) of scratch slot `i` with the shape and dtype of tensor `like`."""
        key = (like._dtype, i, like._data.shape)
        v = self._views.get(key)
        if v is None:
            v = self._views[key] = self._make(like, i)
        return v

    def _make(self, like, i):
        n = like._data.size
        fkey = (like._dtype, i)
        flat = self._flat.get(fkey)
        if flat is None or flat._data.size < n:
            flat = self._flat[fkey] = empty(n, dtype=like._dtype)
            # views of a replaced buffer would keep it alive: forget them
            self._views = {k: v for k, v in self._views.items() if k[:2] != fkey}
        t = flat[:n].view(like._data.shape)
        return t, t._data

    def reserve(self, params, slots):
        """Size the buffers for the largest of `params` up front, so they are made once."""
        biggest = {}
        for p in params:
            if p._data.size > biggest.get(p._dtype, (0, None))[0]:
                biggest[p._dtype] = (p._data.size, p)
        for _, p in biggest.values():
            for i in range(slots):
                self.slot(p, i)


def decayed_grad(p, maximize, weight_decay, ws, s0):
    """The gradient an update step uses, as an array: negated when maximizing, plus
    weight_decay * param (PyTorch's grad.add(param, alpha=weight_decay)). It is written into the
    scratch array `s0` whenever it differs from p.grad, which is never modified."""
    g = p._grad._data
    if maximize:
        g = xp.negative(g, out=s0)
    if weight_decay != 0:
        s1 = ws.slot(p, 1)[1]
        xp.multiply(p._data, weight_decay, out=s1)
        g = xp.add(g, s1, out=s0)
    return g


def touch(t):
    """Count a NumPy-level write into an optimizer state tensor as one in-place op."""
    write(t, "optimizer.step")
