"""The Tensor: a NumPy array view, the Storage it shares, and its autograd fields.

A tensor is `_data` (an ndarray, possibly a view into the storage's root array), `_dtype`,
`_storage` (shared by all views, carries the version counter), `_base` (the root tensor when this
is a view), and the autograd fields `_requires_grad`/`_grad_fn`. Rarely used fields (grad, hooks,
view metadata) are left unset until needed, so making a tensor costs a handful of slot writes.
Operations are attached to the class by `insitu.ops` from their declarations.
"""
from ..backend import data_ptr
from . import dtypes
from .device import CPU, check_device
from .state import mode
from .storage import Storage, _mem


class Size(tuple):
    """insitu.Size: a tuple of dimensions that prints like torch.Size."""

    def __repr__(self):
        return f"insitu.Size([{', '.join(str(d) for d in self)}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n


_new = object.__new__


class Tensor:
    __slots__ = ("_data", "_dtype", "_storage", "_base", "_requires_grad", "_grad_fn",
                 "_output_nr", "_grad", "_view", "_hooks", "_acc", "_retains_grad", "_inference",
                 "__weakref__", "__dict__")

    # ---------------------------------------------------------------- construction
    def __new__(cls, *args, **kwargs):
        if cls is Tensor and args and not kwargs and all(isinstance(a, int) for a in args):
            from ..creation import empty  # legacy Tensor(2, 3) constructor
            return empty(*args)
        if cls is Tensor and len(args) == 1 and not kwargs:
            from ..creation import tensor
            return tensor(args[0], dtype=dtypes.get_default_dtype())
        return _new(cls)

    def __init__(self, *args, **kwargs):
        pass

    # ---------------------------------------------------------------- metadata
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, False)]

    def dim(self):
        return self._data.ndim

    @property
    def ndim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return CPU

    is_cuda = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    layout = "strided"

    def get_device(self):
        return -1

    def stride(self, dim=None):
        a = self._data
        st = tuple(s // a.itemsize for s in a.strides)
        return st if dim is None else st[_wrap_dim(dim, a.ndim, False)]

    def storage_offset(self):
        return self._storage.offset_of(self._data)

    def is_contiguous(self, memory_format=None):
        a = self._data
        if a.flags.c_contiguous:
            return True
        # torch ignores strides of size-1 dims; NumPy mostly does too, check explicitly
        expected = 1
        for n, s in zip(reversed(a.shape), reversed(a.strides)):
            if n != 1 and s != expected * a.itemsize:
                return False
            expected *= n
        return True

    def data_ptr(self):
        return data_ptr(self._data)

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return False

    def is_signed(self):
        return self._dtype.is_signed

    @property
    def _version(self):
        return self._storage.version

    def _is_view(self):
        return self._base is not None

    def untyped_storage(self):
        return self._storage

    # ---------------------------------------------------------------- Python protocol
    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous"
                               if self._data.size == 0 else
                               "Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __index__(self):
        if self._dtype.category == 2 or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __array__(self, dtype=None, copy=None):
        a = self._data
        return a if dtype is None else a.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(-1)[0].item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    # ---------------------------------------------------------------- printing
    def __repr__(self, *, tensor_contents=None):
        from . import printing
        suffixes = []
        fn = self.grad_fn_name_for_repr()
        if fn is not None:
            suffixes.append(f"grad_fn=<{fn}>")
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        return printing.tensor_repr(self._data, dtype_name=self._dtype.name,
                                    default_dtype_name=dtypes.get_default_dtype().name,
                                    suffixes=suffixes)

    def __str__(self):
        return self.__repr__()

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def grad_fn_name_for_repr(self):
        from ..autograd.grad_mode import mode
        if not mode.grad:
            return None  # PyTorch hides grad_fn under no_grad
        try:
            fn = self.grad_fn
        except RuntimeError:
            return "Invalid"
        return None if fn is None else type(fn).__name__

    # ---------------------------------------------------------------- conversions
    def to(self, *args, **kwargs):
        dt = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        dev = kwargs.pop("device", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, Tensor):
                dt = a._dtype
            elif isinstance(a, dtypes.dtype) or a in (float, int, bool):
                dt = a
            else:
                dev = a
        check_device(dev)
        if dt is None or dtypes.to_dtype(dt) is self._dtype:
            return self.clone() if copy else self
        from ..ops.copying import to_dtype
        return to_dtype(self, dtypes.to_dtype(dt))

    def type(self, dtype=None):
        if dtype is None:
            return f"insitu.{self._dtype.legacy}Tensor"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            legacy = dtype.rsplit(".", 1)[-1][:-len("Tensor")]
            dtype = next(d for d in dtypes.ALL if d.legacy == legacy)
        return self.to(dtypes.to_dtype(dtype))

    def type_as(self, other):
        return self.to(other._dtype)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def short(self):
        return self.to(dtypes.int16)

    def char(self):
        return self.to(dtypes.int8)

    def byte(self):
        return self.to(dtypes.uint8)

    def bool(self):
        return self.to(dtypes.bool_)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        check_device("cuda")

    # ---------------------------------------------------------------- new_* factories
    def new_tensor(self, data, dtype=None, requires_grad=False):
        from ..creation import tensor
        return tensor(data, dtype=dtype or self._dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False, **kw):
        from ..creation import zeros
        return zeros(*size, dtype=dtype or self._dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False, **kw):
        from ..creation import ones
        return ones(*size, dtype=dtype or self._dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False, **kw):
        from ..creation import full
        return full(size, fill_value, dtype=dtype or self._dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False, **kw):
        from ..creation import empty
        return empty(*size, dtype=dtype or self._dtype, requires_grad=requires_grad)

    # ---------------------------------------------------------------- copy protocol
    def __deepcopy__(self, memo):
        from ..autograd.grad_mode import no_grad
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.  If you were attempting to "
                               "deepcopy a module, this may be because of a torch.nn.utils."
                               "weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001")
        with no_grad():
            new = self.clone()
        if type(self) is not Tensor:
            new = type(self).__new__(type(self), new, self._requires_grad) \
                if hasattr(type(self), "_from_tensor") else new
        new._requires_grad = self._requires_grad
        g = self.grad
        if g is not None:
            new._grad = g.clone()
        memo[id(self)] = new
        return new


def _wrap_dim(dim, ndim, scalar_ok=True):
    if ndim == 0 and not scalar_ok:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def new_tensor(arr, dt):
    """A new tensor owning `arr`, built slot by slot (the hot path of every op's result)."""
    s = _new(Storage)
    s.array = arr
    s.version = 0
    s.saved = 0
    s.special = 2 if mode.inference else 0   # INFERENCE bit
    n = arr.nbytes
    s.nbytes = n
    m = _mem
    m[0] += n
    if m[0] > m[1]:
        m[1] = m[0]
    t = _new(Tensor)
    t._data = arr
    t._dtype = dt
    t._storage = s
    t._base = None
    t._requires_grad = False
    t._grad_fn = None
    return t


def alias(src, arr=None, cls=Tensor, requires_grad=False):
    """A new non-view tensor object over `src`'s storage, so it shares the version counter and
    counts no new bytes: detach(), .data, a Parameter made from a tensor, _unsafe_view's result.
    It shows `arr` (a view of that storage's memory; `src`'s own array by default) and starts
    outside the graph."""
    t = _new(cls)
    t._data = src._data if arr is None else arr
    t._dtype = src._dtype
    t._storage = src._storage
    t._base = None
    t._requires_grad = requires_grad
    t._grad_fn = None
    return t


def typename(obj):
    """PyTorch's typename, as its error messages print a value: insitu.FloatTensor for a tensor
    (Parameter included), module.QualName for other objects (just the name for builtins)."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in (None, "builtins") else f"{module}.{name}"
