"""The statement templates, weighted (`TEMPLATES`): what a random program is made of."""
from . import autograd, elementwise, indexing
from .elementwise import COVERED, EXCLUDED, create

TEMPLATES = [
    (create, 5), (elementwise.derive, 10), (elementwise.unary, 12), (elementwise.binary, 16),
    (elementwise.with_params, 10), (elementwise.writes, 8), (elementwise.reduce, 4),
    (indexing.view, 14), (indexing.getitem_advanced, 3), (indexing.setitem, 12),
    (autograd.decorated, 2), (autograd.mode_switch, 1), (autograd.backward, 6),
    (autograd.grads, 3), (autograd.function, 2), (autograd.reads, 4),
]
_FNS = [f for f, _ in TEMPLATES]
_WEIGHTS = [w for _, w in TEMPLATES]


def statement(g, nested=False):
    for _ in range(10):
        fn = g.pick(_FNS, _WEIGHTS)
        if nested and fn is autograd.mode_switch:
            continue
        s = fn(g)
        if s is not None:
            return s
    return None


def block(g):
    return autograd.block(g, statement)


def backward(g):
    return autograd.backward(g)


__all__ = ["COVERED", "EXCLUDED", "TEMPLATES", "backward", "block", "create", "statement"]
