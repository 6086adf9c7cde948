"""Writes that are not arithmetic: fill_, zero_, copy_, and the copies clone() and .to(dtype)."""
from ..autograd.grad_mode import mode
from ..autograd.node import node_class
from ..autograd.recorder import edge
from ..backend import xp
from .registry import numpy_formulas, Op, wrap


def _k_fill(out, dt, a, value):
    out.fill(value)
    return out


def _check_fill(args, params):
    v = args[1]
    if hasattr(v, "_data") and v._data.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{v._data.ndim} dimensions.")


def _k_zero(out, dt, a):
    out.fill(0)
    return out


def _k_copy(out, dt, a, src, non_blocking=False):
    xp.copyto(out, src, casting="unsafe")
    return out


def _k_clone(out, dt, a, memory_format=None):
    # preserve_format (the default) keeps a dense layout's strides; contiguous_format is C order
    order = "C" if str(memory_format).endswith("contiguous_format") else "K"
    return a.copy(order=order) if out is None else _k_copy(out, dt, out, a)


INPLACE_ONLY = [
    Op("fill", "self, value", ("self", "value"), _k_fill, function=False, method=False,
       check_args=_check_fill, check_cast=False, internal_overlap_ok=True,
       node_for=lambda args, p: "FillBackward3" if hasattr(args[1], "_data") else "FillBackward2",
       backward=lambda n, g: (g * 0, g.sum() if n.needs[1] else None)),
    Op("zero", "self", ("self",), _k_zero, function=False, method=False, check_cast=False,
       internal_overlap_ok=True, backward=lambda n, g: (g * 0,)),
    Op("copy", "self, src, non_blocking=False", ("self", "src"), _k_copy, function=False,
       method=False, check_cast=False, node="CopyBackwards",
       backward=lambda n, g: (g * 0, g)),
]

CLONE = Op("clone", "self, *, memory_format=None", ("self",), _k_clone, promote="same",
           inplace=False, backward=lambda n, g: (g,))

def contiguous_copy(self):
    """clone(memory_format=contiguous_format): a C-ordered copy (CloneBackward0)."""
    from .registry import outofplace
    return outofplace(CLONE, (self,), {"memory_format": "contiguous_format"})


_ToCopy = node_class("ToCopyBackward0", lambda n, g: (g,), "to")


def to_dtype(self, dt):
    """A converted copy; the gradient flows back converted to the source dtype."""
    out = wrap(self._data.astype(dt.np), dt)
    if mode.grad and self._requires_grad and dt.is_floating_point:
        node = object.__new__(_ToCopy)
        node.next_functions = (edge(self),)
        node.needs = (True,)
        node.params = {}
        node.in_meta = ((self._data.shape, self._dtype),)
        node.saved = {}
        out._grad_fn = node
        out._requires_grad = True
    return out


numpy_formulas(INPLACE_ONLY + [CLONE])   # g * 0, g.sum(), g: the same on arrays
