"""The Tensor: a NumPy array view, the Storage it shares, and its autograd fields.

A tensor is `_data` (an ndarray, possibly a view into the storage's root array), `_dtype`,
`_storage` (shared by all views, carries the version counter), `_base` (the root tensor when this
is a view), and the autograd fields `_requires_grad`/`_grad_fn`. Rarely used fields (grad, hooks,
view metadata) are left unset until needed, so making a tensor costs a handful of slot writes.
Operations are attached to the class by `insitu.ops` from their declarations.
"""
from ..backend import data_ptr, has_internal_overlap
from . import dtypes, printing
from .device import CPU, check_device
from .state import mode
from .storage import DATA_ALIAS, INFERENCE, NOT_RESIZABLE, OVERLAPPING, Storage, _mem


class Size(tuple):
    """insitu.Size: a tuple of dimensions that prints like torch.Size."""

    def __repr__(self):
        return f"insitu.Size([{', '.join(str(d) for d in self)}])"

    __str__ = __repr__

    def numel(self):
        """The product of the dimensions (the number of elements of that shape)."""
        n = 1
        for d in self:
            n *= d
        return n


_new = object.__new__


class Tensor:
    """A multi-dimensional array with PyTorch's Tensor API over a NumPy array.

    A tensor is a view of a `Storage` (one buffer and its version counter, shared by every view
    of it), a dtype, and autograd fields (`requires_grad`, `grad`, `grad_fn`). In-place methods
    (names ending in `_`) write into that buffer and bump the version once; backward checks it,
    and its errors name the line that saved a tensor and the lines that modified it since.
    `Tensor(2, 3)` and `Tensor(data)` are PyTorch's legacy constructors (`empty(2, 3)`, a copy of
    data in the default dtype). CPU only."""
    __slots__ = ("_data", "_dtype", "_storage", "_base", "_requires_grad", "_grad_fn",
                 "_output_nr", "_grad", "_view", "_hooks", "_acc", "_retains_grad", "_inference",
                 "_grad_views",
                 "__weakref__", "__dict__")

    # ---------------------------------------------------------------- construction
    # Tensor(2, 3) and Tensor(data), PyTorch's legacy constructors, are `creation.legacy_new`

    def __init__(self, *args, **kwargs):
        pass

    # ---------------------------------------------------------------- metadata
    @property
    def shape(self):
        """The dimensions, as an `insitu.Size` (a tuple)."""
        return Size(self._data.shape)

    def size(self, dim=None):
        """Tensor.size(dim=None): the dimensions as an `insitu.Size`, or the size of dim `dim`."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, False)]

    def dim(self):
        """Tensor.dim(), also `ndimension()`: the number of dimensions."""
        return self._data.ndim

    @property
    def ndim(self):
        """The number of dimensions."""
        return self._data.ndim

    ndimension = dim

    def numel(self):
        """Tensor.numel(), also `nelement()`: the number of elements."""
        return self._data.size

    nelement = numel

    @property
    def dtype(self):
        """The element type, an `insitu.dtype` (insitu.float32, ...)."""
        return self._dtype

    @property
    def device(self):
        """Always `device(type='cpu')`: insitu runs on the CPU only."""
        return CPU

    is_cuda = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    layout = "strided"

    def get_device(self):
        """-1, PyTorch's answer for a CPU tensor."""
        return -1

    def stride(self, dim=None):
        """Tensor.stride(dim=None): the strides in elements (not bytes, unlike NumPy's), or that of
        dim `dim`."""
        a = self._data
        st = tuple(s // a.itemsize for s in a.strides)
        return st if dim is None else st[_wrap_dim(dim, a.ndim, False)]

    def storage_offset(self):
        """The offset of the first element in the storage, in elements."""
        return self._storage.offset_of(self._data)

    def is_contiguous(self, memory_format=None):
        """Whether the elements lie in row-major order without gaps (strides of size-1 dims are
        ignored, as in PyTorch); `memory_format` is accepted and ignored."""
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
        """The address of the first element (of the underlying NumPy array)."""
        return data_ptr(self._data)

    def element_size(self):
        """The size of one element in bytes."""
        return self._data.itemsize

    @property
    def itemsize(self):
        """The size of one element in bytes."""
        return self._data.itemsize

    @property
    def nbytes(self):
        """The bytes of this tensor's elements (numel * itemsize), not its storage's."""
        return self._data.nbytes

    def is_floating_point(self):
        """Whether the dtype is a floating-point one."""
        return self._dtype.is_floating_point

    def is_complex(self):
        """Always False: insitu has no complex dtypes."""
        return False

    def is_signed(self):
        """Whether the dtype is signed (all but bool and uint8)."""
        return self._dtype.is_signed

    @property
    def _version(self):
        st = self._storage
        if st.special & INFERENCE:
            # detach() of an inference tensor, outside inference mode, counts from 0 on its own
            start = self.__dict__.get("_version_from")
            if start is None:
                raise RuntimeError("Inference tensors do not track version counter.")
            return st.version - start
        return st.version

    def is_inference(self):
        return bool(self._storage.special & INFERENCE)

    def _is_view(self):
        return self._base is not None

    def untyped_storage(self):
        """The `Storage` under this tensor, shared with its views; it carries the version
        counter."""
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
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(-1)[0].item()

    def tolist(self):
        """The elements as nested Python lists of numbers (a number for 0-dim)."""
        return self._data.tolist()

    def numpy(self, *, force=False):
        """Tensor.numpy(*, force=False): the NumPy array under this tensor, sharing its memory (no
        copy). Refused for a tensor that requires grad in grad mode unless `force=True`. Writes
        through the array bypass the version counter, so autograd cannot see them."""
        if self._requires_grad and mode.grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        NOT_RESIZABLE.add(self._storage)    # NumPy holds the buffer: it can no longer grow
        return self._data

    # ---------------------------------------------------------------- printing
    def __repr__(self, *, tensor_contents=None):
        suffixes = []
        fn = self.grad_fn_name_for_repr()
        if fn is not None:
            suffixes.append(f"grad_fn=<{fn}>")
        elif self.requires_grad:    # the property: a view may follow its base
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
        """The grad_fn class name `repr` shows ("Invalid" when reading grad_fn raises)."""
        try:
            fn = self.grad_fn
        except RuntimeError:
            return "Invalid"
        return None if fn is None else type(fn).__name__

    def cpu(self):
        """Self: every tensor is already on the CPU."""
        return self

    def cuda(self, *args, **kwargs):
        """Raises: insitu has no CUDA device (`insitu.cuda.is_available()` is False)."""
        check_device("cuda")

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


def wrap(arr, dt, requires_grad=False):
    """A new tensor that owns `arr` (a leaf, requiring grad if asked)."""
    t = new_tensor(arr, dt)
    if requires_grad:
        t._requires_grad = True
    return t


def assemble(arr, dt, storage, base=None, cls=Tensor):
    """A tensor object showing `arr` over `storage` (a view of `base` when one is given),
    outside the graph. Every tensor is put together here or, on the hot path of every op's
    result, by `new_tensor` above."""
    t = _new(cls)
    t._data = arr
    t._dtype = dt
    t._storage = storage
    t._base = base
    t._requires_grad = False
    t._grad_fn = None
    return t


def alias(src, arr=None, cls=Tensor, requires_grad=False):
    """A new non-view tensor object over `src`'s storage, so it shares the version counter and
    counts no new bytes: detach(), .data, a Parameter made from a tensor, _unsafe_view's result.
    It shows `arr` (a view of that storage's memory; `src`'s own array by default) and starts
    outside the graph."""
    if arr is None:
        arr = src._data
        shown = src._base is not None   # only a view's (or an alias's, flagged) memory overlaps
    else:
        shown = True
    st = src._storage
    t = assemble(arr, src._dtype, st, None, cls)
    if shown and has_internal_overlap(arr):
        st.special |= OVERLAPPING
    if requires_grad:
        t._requires_grad = True
    if st.special & DATA_ALIAS:     # an alias of a `.data` alias counts with it
        g = _counter_of(src)
        if g is not None:
            t._counter = g
    return t


def data_alias(src):
    """`src.data`: an alias (`alias`) that in PyTorch has a version counter of its own. insitu's
    `_version` and saved-tensor checks still count its writes with `src`'s (see
    docs/differences.md, data-shares-version); the graph counts them apart (`graph_version`), so
    that writing through `.data` leaves the views of `src` as PyTorch leaves them."""
    t = alias(src)
    st = src._storage
    if not st.special & DATA_ALIAS:
        st.special |= DATA_ALIAS
        st.aliased = 0
    t._counter = [0]
    return t


def _counter_of(t):
    """The private write counter of a `.data` alias, of a view or alias of one (None: the
    storage's own)."""
    root = t._base
    return (t if root is None else root).__dict__.get("_counter")


def count_write(t):
    """After a write into `t` over a storage some `.data` alias shares: count it where PyTorch
    would (the alias's own counter, or the storage's)."""
    g = _counter_of(t)
    if g is not None:
        g[0] += 1
        t._storage.aliased += 1


def graph_version(t):
    """`t`'s version as PyTorch's version counter counts it, which decides whether a view is
    stale (its base or another view was written since its grad_fn was made): writes through a
    `.data` alias count only for that alias and its views."""
    st = t._storage
    if not st.special & DATA_ALIAS:
        return st.version
    g = _counter_of(t)
    return st.version - st.aliased if g is None else g[0]


def reshaped_in_place(t, shape):
    """Before an in-place change of `t`'s shape (resize_, an out= resize, squeeze_, ...): a
    tensor made 0-dim this way keeps its former first size, which PyTorch's integer indexing
    still reads as the size of dim 0 (`first_size`)."""
    if not shape and t._data.ndim:
        t.__dict__["_size0"] = t._data.shape[0]


def first_size(t):
    """The size PyTorch's integer indexing reads for dim 0 of a 0-dim tensor `t`: 0, or the
    first size it had before an in-place change made it 0-dim."""
    return t.__dict__.get("_size0", 0)


def typename(obj):
    """PyTorch's typename, as its error messages print a value: insitu.FloatTensor for a tensor
    (Parameter included), module.QualName for other objects (just the name for builtins)."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in (None, "builtins") else f"{module}.{name}"
