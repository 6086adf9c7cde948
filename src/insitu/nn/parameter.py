"""Parameter: a leaf tensor that a Module registers as learnable when assigned as an attribute.

A Parameter shares the storage (and so the version counter) of the tensor it was made from, as
PyTorch's does, and is never a view itself: in-place updates of it rebase nothing.
"""
from ..core.tensor import Tensor, alias
from ..creation import empty

__all__ = ["Parameter", "Buffer", "is_buffer_marker"]

_INT_ONLY_GRAD = "Only Tensors of floating point and complex dtype can require gradients"


class Parameter(Tensor):
    """A tensor that a Module registers as learnable.

    A tensor that a Module registers as learnable when it is assigned as an attribute:
    `Parameter(data=None, requires_grad=True)`.

    It shares the storage, and so the version counter, of `data` (an empty tensor when None), as
    PyTorch's does, and is a leaf outside any graph; it is never a view itself, so in-place updates
    of it rebase nothing. `requires_grad=True` needs a floating dtype. A deep copy copies the data
    and `requires_grad`, not `.grad`; the repr starts "Parameter containing:".
    """

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
    """Marks a tensor as a buffer for Module attribute assignment.

    Marks a tensor to be registered as a buffer when assigned to a Module attribute:
    `Buffer(data=None, *, persistent=True)` (`persistent=False` keeps it out of the state_dict).

    The result is a plain Tensor sharing `data`'s storage and version counter, outside the graph,
    with its `requires_grad`, and carrying the buffer mark (see `is_buffer_marker`). Unlike
    PyTorch's, `isinstance(t, Buffer)` is False for it: test the mark instead.
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = empty(0)
        t = alias(data, requires_grad=data._requires_grad)
        t.__dict__["_buffer_persistent"] = persistent
        t.__dict__["_is_buffer"] = True
        return t


def is_buffer_marker(value):
    """Whether a tensor carries the `Buffer` mark.

    True for a tensor made by `Buffer(...)`: the mark `Module.__setattr__` reads to register it as a
    buffer (persistent or not, as the Buffer said).
    """
    return isinstance(value, Tensor) and value.__dict__.get("_is_buffer", False)
