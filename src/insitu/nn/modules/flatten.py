"""Flatten and Unflatten: views of the input with merged or split dimensions."""
from .module import Module


class Flatten(Module):
    """Flattens a range of dims into one.

    Merges dims `start_dim` through `end_dim` (defaults 1 and -1) into one: `input.flatten(...)`, a
    view where the strides allow it.

    Shape: input `(N, *dims)`; output `(N, prod(dims))` with the defaults.
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        """Returns `input.flatten(self.start_dim, self.end_dim)`."""
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits one dim into several.

    Splits dim `dim` into `unflattened_size` (a tuple or list of ints, one of them may be -1):
    `input.unflatten(dim, unflattened_size)`, a view where the strides allow it.

    `dim` must be an int (there are no named tensors).

    Shape: input `(*, S, *)` at `dim`; output `(*, *unflattened_size, *)`.
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if isinstance(dim, int):
            if not isinstance(unflattened_size, (tuple, list)):
                raise TypeError("unflattened_size must be tuple of ints, but found type "
                                f"{type(unflattened_size).__name__}")
        else:
            raise TypeError("invalid argument type for dim parameter")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        """Returns `input.unflatten(self.dim, self.unflattened_size)`."""
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
