"""Parameter: a leaf tensor that a Module registers as learnable when assigned as an attribute.

A Parameter shares the storage (and so the version counter) of the tensor it was made from, as
PyTorch's does, and is never a view itself: in-place updates of it rebase nothing.
"""
from ..core.tensor import Tensor, alias
from ..creation import empty

_INT_ONLY_GRAD = "Only Tensors of floating point and complex dtype can require gradients"


class Parameter(Tensor):
    """Parameter(data=None, requires_grad=True)."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        requires_grad = bool(requires_grad)
        if requires_grad and not data._dtype.is_floating_point:
            raise RuntimeError(_INT_ONLY_GRAD)
        return alias(data, cls=cls, requires_grad=requires_grad)

    def __init__(self, data=None, requires_grad=True):
        pass

    # Tensor.__deepcopy__ rebuilds subclasses through __new__(cls, data, requires_grad)
    _from_tensor = True

    def __deepcopy__(self, memo):
        # PyTorch's Parameter copies its data and requires_grad, not its .grad (a plain
        # tensor's copy keeps the gradient)
        new = Tensor.__deepcopy__(self, memo)
        new._grad = None
        return new

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


class Buffer(Tensor):
    """Buffer(data=None, *, persistent=True): marks a tensor to register as a module buffer."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = empty(0)
        t = alias(data, requires_grad=data._requires_grad)
        t.__dict__["_buffer_persistent"] = persistent
        t.__dict__["_is_buffer"] = True
        return t


def is_buffer_marker(value):
    return isinstance(value, Tensor) and value.__dict__.get("_is_buffer", False)
