"""`out=` of the factory functions (zeros, arange, rand, ...), as PyTorch's.

The factories themselves live in `creation`, below autograd, so they cannot write into an
existing tensor through the write tail. These wrappers, attached to the `insitu` namespace in
their place, do: without `out` they call the factory; with it, they compute the values in
`out`'s dtype (a `dtype` that disagrees is refused), resize `out` when its shape differs, and
write through `pipelines.write_out` (one version bump; refused if `out` requires grad in grad
mode). A random factory draws the same numbers with or without `out`.
"""
import functools
import re
import warnings

from .. import creation
from ..core import dtypes
from .pipelines import resize_out, write_out


def _refuse_dtype(dtype, out):
    if dtype is not None and dtypes.to_dtype(dtype) is not out._dtype:
        raise RuntimeError(f"dtype {dtypes.to_dtype(dtype).legacy} does not match dtype of out "
                           f"parameter ({out._dtype.legacy})")


_OUT_DOC = ("`out=`: the values are computed in out's dtype and written into it (resized when its "
            "shape differs), with one version bump.")


def _resize_silently(out, values):
    """PyTorch's factories resize `out` to the result's shape without a warning."""
    if out._data.shape != values.shape:
        resize_out(out, values.shape, warn=False)
    return values


def _with_out(factory, takes_dtype=True, before_write=_resize_silently):
    name = factory.__name__

    @functools.wraps(factory)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return factory(*args, **kwargs)
        if takes_dtype:
            _refuse_dtype(kwargs.pop("dtype", None), out)
            kwargs["dtype"] = out._dtype
        values = factory(*args, **kwargs)._data
        values = before_write(out, values)
        return write_out(f"aten::{name}", out, values, ())
    wrapper.__doc__ = re.sub(r"`out=` writes into it \(see\s+`ops\.factories`\)\.", _OUT_DOC,
                             factory.__doc__ or "")
    return wrapper


def _arange_resize(out, values):
    """arange: PyTorch keeps `out`'s shape when it has the right number of elements, and
    otherwise warns in its own words and resizes it."""
    n = values.size
    if out._data.size == n:
        return values.reshape(out._data.shape)
    if out._data.size:
        shape = ", ".join(map(str, out._data.shape))
        warnings.warn(
            f"The number of elements in the out tensor of shape [{shape}] is {out._data.size} "
            f"which does not match the computed number of elements {n}. Note that this may "
            "occur as a result of rounding error. The out tensor will be resized to a tensor "
            f"of shape ({n},).", UserWarning, stacklevel=3)
    return _resize_silently(out, values)


FUNCTIONS = {name: _with_out(getattr(creation, name))
             for name in ("zeros", "ones", "empty", "full", "linspace", "eye", "rand", "randn",
                          "randint", "normal")}
FUNCTIONS["arange"] = _with_out(creation.arange, before_write=_arange_resize)
FUNCTIONS["bernoulli"] = _with_out(creation.bernoulli, takes_dtype=False)
