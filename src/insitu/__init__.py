"""insitu: PyTorch's tensor API over NumPy, with in-place operations done right.

    import insitu as torch

Every operation has an out-of-place form and, where PyTorch has one, an in-place `_` form that
writes into the existing buffer, bumps the version counter once and returns self. Autograd follows
PyTorch's rules, and its errors say which line saved a tensor and which line modified it.
"""
import types as _types

import numpy as _np

from .core import dtypes as _dtypes
from .core.dtypes import result_type_of as _result_type_of, scalar_dtype as _scalar_dtype
from .core.dtypes import (dtype, bool_ as bool, uint8, int8, int16, int32, int64, float16,
                          float32, float64, get_default_dtype, set_default_dtype, promote_types,
                          can_cast as _can_cast)
from .core.device import device, cuda, set_default_device, get_default_device
from .core.tensor import Tensor, Size
from .core.printing import set_printoptions, get_printoptions
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                                 is_grad_enabled, is_inference_mode_enabled)
from .autograd.anomaly import (is_anomaly_enabled, is_anomaly_check_nan_enabled,
                               set_anomaly_enabled)
from . import methods as _methods
from .creation import (tensor, as_tensor, from_numpy, zeros, ones, empty, full, zeros_like,
                       ones_like, empty_like, full_like, arange, linspace, logspace, eye,
                       empty_strided, scalar_tensor, Generator, manual_seed, seed, initial_seed,
                       get_rng_state, set_rng_state, rand, randn, rand_like, randn_like, randint,
                       randint_like, randperm, normal, bernoulli, multinomial, default_generator)
from . import memory

# NumPy warns on 1/0 and overflow; PyTorch silently returns inf/nan/wrapped values.
_np.seterr(divide="ignore", invalid="ignore", over="ignore", under="ignore")

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
cfloat = None

_methods.attach(globals())

from . import autograd  # noqa: E402


def can_cast(from_, to):
    """insitu.can_cast(from_, to): whether PyTorch's casting rules allow `from_` to `to` in an op's
    output: not floating to integral, not non-bool to bool; everything else is allowed."""
    return _can_cast(_dtypes.to_dtype(from_), _dtypes.to_dtype(to))


def is_tensor(obj):
    """insitu.is_tensor(obj): whether `obj` is an insitu Tensor (or a subclass, as Parameter)."""
    return isinstance(obj, Tensor)


def is_floating_point(t):
    """insitu.is_floating_point(t): whether t's dtype is a floating-point one."""
    return t._dtype.is_floating_point


def numel(t):
    """insitu.numel(t): the number of elements of t."""
    return t.numel()


def result_type(a, b):
    """insitu.result_type(a, b): the dtype an op on tensors or numbers `a` and `b` produces, by
    PyTorch's promotion (dimensioned tensors, then 0-dim tensors, then Python numbers, each only
    raising the category)."""
    dims, zds, scalars = [], [], []
    for x in (a, b):
        if isinstance(x, Tensor):
            (dims if x._data.ndim else zds).append(x._dtype)
        else:
            scalars.append(_scalar_dtype(x))
    return _result_type_of(dims, zds, scalars)


__version__ = "0.1.0"

from .autograd.graph import can_mutate  # noqa: E402
from .autograd.strict import strict_inplace  # noqa: E402
from . import nn, optim, utils, backends, compat  # noqa: E402
from .serialization import save, load  # noqa: E402

# torch.<activation>_ and torch.<dropout>_: nn.functional's in-place forms
celu_, selu_, rrelu_, threshold_ = (nn.functional.celu_, nn.functional.selu_,
                                    nn.functional.rrelu_, nn.functional.threshold_)


def dropout_(input, p=0.5, train=True):
    """insitu.dropout_(input, p=0.5, train=True): PyTorch's torch.dropout_, an alias of
    `nn.functional.dropout(input, p, train, inplace=True)`: input is multiplied by the noise in
    place (its version moves once) and returned."""
    return nn.functional.dropout(input, p, train, inplace=True)


def alpha_dropout_(input, p=0.5, train=False):
    """insitu.alpha_dropout_(input, p=0.5, train=False): PyTorch's torch.alpha_dropout_, an
    alias of `nn.functional.alpha_dropout(input, p, train, inplace=True)`: written into input
    (its version moves) and returned. train is False by default, as in PyTorch: then input is
    returned untouched."""
    return nn.functional.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout_(input, p=0.5, train=False):
    """insitu.feature_alpha_dropout_(input, p=0.5, train=False): PyTorch's
    torch.feature_alpha_dropout_, an alias of `nn.functional.feature_alpha_dropout(input, p,
    train, inplace=True)`: whole channels are dropped in input itself (its version moves) and
    input is returned. train is False by default, as in PyTorch: then input is returned
    untouched."""
    return nn.functional.feature_alpha_dropout(input, p, train, inplace=True)
from .interop.missing import namespace_getattr as _namespace_getattr  # noqa: E402

# insitu.X that PyTorch has and insitu lacks: "insitu does not implement torch.X yet"
__getattr__ = _namespace_getattr("torch", "insitu")

# what `from insitu import *` binds and the API reference documents (pdoc lists the members and
# submodules __all__ names): every public function, class and value, and the public namespaces,
# not the modules the package is built from (core, ops, methods, ...)
_NAMESPACES = ("autograd", "backends", "compat", "interop", "linalg", "memory", "nn", "optim",
               "return_types", "serialization", "utils")
__all__ = sorted(name for name, value in globals().items() if not name.startswith("_")
                 and (not isinstance(value, _types.ModuleType) or name in _NAMESPACES))
