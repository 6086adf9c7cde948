"""Flattening parameters to one vector and back."""
from ...ops.shape import cat
from ...core.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """Concatenates the parameters into one 1-D tensor.

    The parameters flattened and concatenated into one new 1-D tensor (a copy, in the graph:
    gradients flow back to each parameter).
    """
    return cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Makes the parameters views of consecutive slices of one vector.

    Gives each parameter in turn the next `numel()` elements of the 1-D `vec`, viewed in its shape,
    by assigning `param.data`: the parameters then show `vec`'s memory (no copy, no gradient). A
    `vec` that is not a tensor raises TypeError.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n
