"""Making tensors: from data, filled, ranges, and random (a Generator over NumPy's PCG64)."""
import json
import numbers

from .backend import xp, strided_view, has_internal_overlap
from .core import dtypes
from .core.device import CPU, check_device
from .core.storage import Storage
from .core.tensor import Tensor, assemble, wrap

_INT_ONLY_GRAD = "Only Tensors of floating point and complex dtype can require gradients"


def _finish(arr, dt, requires_grad=False, device=None):
    check_device(device)
    if requires_grad and not dt.is_floating_point:
        raise RuntimeError(_INT_ONLY_GRAD)
    if arr.size == 0 and arr.ndim:
        arr = _contiguous_strides(arr)
    return wrap(arr, dt, requires_grad)


def _contiguous_strides(arr):
    """NumPy gives empty arrays zero strides; PyTorch gives them contiguous ones."""
    strides, step = [], arr.itemsize
    for n in reversed(arr.shape):
        strides.insert(0, step)
        step *= max(n, 1)
    return strided_view(arr, 0, arr.shape, strides)


def _infer_dtype(arr, data):
    if isinstance(data, xp.ndarray) or isinstance(data, xp.generic):
        return dtypes.from_numpy_dtype(arr.dtype)
    kind = arr.dtype.kind
    if kind == "f":
        return dtypes.get_default_dtype()
    if kind in "iu":
        return dtypes.int64
    if kind == "b":
        return dtypes.bool_
    if arr.size == 0:
        return dtypes.get_default_dtype()
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _to_array(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)) and data and any(isinstance(d, Tensor) for d in _flat(data)):
        data = _tensors_to_lists(data)
    try:
        return xp.array(data)
    except ValueError:
        _check_nested(data)
        raise


def _check_nested(data):
    """PyTorch's errors for ragged nested sequences: the shape is read off the first element at
    every depth, and each sequence must have that length."""
    sizes, first = [], data
    while isinstance(first, (list, tuple)):
        sizes.append(len(first))
        first = first[0] if len(first) else None

    def walk(seq, dim):
        if dim == len(sizes):
            if isinstance(seq, (list, tuple)):
                raise TypeError("'list' object cannot be interpreted as an integer")
            return
        if not isinstance(seq, (list, tuple)):
            raise TypeError("not a sequence")
        if len(seq) != sizes[dim]:
            raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} "
                             f"(got {len(seq)})")
        for item in seq:
            walk(item, dim + 1)
    walk(data, 0)


def _flat(data):
    for d in data:
        if isinstance(d, (list, tuple)):
            yield from _flat(d)
        else:
            yield d


def _tensors_to_lists(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(d) for d in data]
    return data


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """insitu.tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False): a new
    tensor owning a copy of `data` (sequences, numbers, arrays, tensors). Without `dtype`, floats
    give the default float dtype, ints int64, bools bool, arrays keep theirs; floats given an
    integer dtype are truncated."""
    arr = _to_array(data)
    if isinstance(data, Tensor):
        dt = dtypes.to_dtype(dtype) if dtype is not None else data._dtype
    else:
        dt = dtypes.to_dtype(dtype) if dtype is not None else _infer_dtype(arr, data)
    if dt.category < 2 and arr.dtype.kind == "f" and dtype is not None:
        arr = xp.trunc(arr)
    arr = xp.array(arr, dtype=dt.np, copy=True, order="C")
    return _finish(arr, dt, requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """insitu.as_tensor(data, dtype=None, device=None): `data` itself for a tensor of that dtype
    (else converted), a tensor sharing memory with a NumPy array of that dtype (`from_numpy`),
    otherwise a copy as `tensor` makes it."""
    if isinstance(data, Tensor):
        return data if dtype is None or dtypes.to_dtype(dtype) is data._dtype else data.to(dtype)
    if isinstance(data, xp.ndarray) and (dtype is None or dtypes.to_dtype(dtype).np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr):
    """A tensor sharing memory with a NumPy array (a read-only array stays read-only)."""
    if not isinstance(arr, xp.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    dt = dtypes.from_numpy_dtype(arr.dtype)
    if any(s < 0 for s in arr.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with negative "
            "strides are not currently supported. (You can probably work around this by making a "
            "copy of your array  with array.copy().) ")
    if not arr.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    return assemble(arr, dt, Storage(arr, owns=False))


def _size(size, name="empty"):
    if not size:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    if len(size) == 1 and isinstance(size[0], Tensor):
        size = tuple(size[0].tolist())
    for s in size:
        if not isinstance(s, numbers.Integral):
            raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type(s).__name__}")
    for s in size:
        if s < 0:
            if name == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"[{', '.join(map(str, size))}]")
    return tuple(int(s) for s in size)


def _dt(dtype, default=None):
    if dtype is None:
        return default or dtypes.get_default_dtype()
    return dtypes.to_dtype(dtype)


def _filler(fill, name):
    def make(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
             pin_memory=False):
        dt = _dt(dtype)
        shape = _size(size, name)
        arr = xp.empty(shape, dt.np) if fill is None else xp.full(shape, fill, dt.np)
        return _finish(arr, dt, requires_grad, device)
    return make


zeros = _filler(0, "zeros")
ones = _filler(1, "ones")
empty = _filler(None, "empty")
zeros.__name__, ones.__name__, empty.__name__ = "zeros", "ones", "empty"
zeros.__doc__ = """insitu.zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    a tensor of zeros (size as separate ints or one sequence), in the default float dtype unless
    `dtype` is given. `out=` writes into it (see `ops.factories`)."""
ones.__doc__ = """insitu.ones(*size, dtype=None, device=None, requires_grad=False, out=None): a
    tensor of ones, as `zeros`. `out=` writes into it (see `ops.factories`)."""
empty.__doc__ = """insitu.empty(*size, dtype=None, device=None, requires_grad=False, out=None):
    an uninitialised tensor, as `zeros`. `out=` writes into it (see `ops.factories`)."""


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False):
    """insitu.full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None): a
    tensor of `size` filled with `fill_value`; without dtype, a float value gives the default
    float dtype, an int int64, a bool bool. `out=` writes into it (see `ops.factories`)."""
    if dtype is None:
        dt = dtypes.scalar_dtype(fill_value) if not isinstance(fill_value, float) \
            else dtypes.get_default_dtype()
    else:
        dt = dtypes.to_dtype(dtype)
    arr = xp.full(_size((size,) if isinstance(size, int) else (tuple(size),), "full"), fill_value,
                  dt.np)
    return _finish(arr, dt, requires_grad, device)


def _like(fill):
    def make(input, *, dtype=None, device=None, requires_grad=False, memory_format=None,
             layout=None):
        dt = _dt(dtype, input._dtype)
        arr = _empty_like(input, dt)
        if fill is not None:
            arr.fill(fill)
        return _finish(arr, dt, requires_grad, device)
    return make


def _empty_like(input, dt):
    """preserve_format: a dense input's layout (a transposed input gives a transposed result);
    anything else is C-contiguous."""
    a = input._data
    return xp.empty_like(a, dtype=dt.np, order="C" if has_internal_overlap(a) else "K")


zeros_like = _like(0)
ones_like = _like(1)
empty_like = _like(None)
zeros_like.__name__, ones_like.__name__, empty_like.__name__ = "zeros_like", "ones_like", "empty_like"
zeros_like.__doc__ = """insitu.zeros_like(input, *, dtype=None, device=None,
    requires_grad=False, memory_format=None): zeros of input's shape and dtype (unless `dtype`),
    laid out like a dense input (PyTorch's preserve_format); outside any graph."""
ones_like.__doc__ = """insitu.ones_like(input, *, dtype=None, device=None, requires_grad=False,
    memory_format=None): ones of input's shape, dtype and layout, as `zeros_like`."""
empty_like.__doc__ = """insitu.empty_like(input, *, dtype=None, device=None,
    requires_grad=False, memory_format=None): uninitialised, as `zeros_like`."""


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=None):
    """insitu.full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
    memory_format=None): `fill_value` in input's shape, dtype and layout, as `zeros_like`."""
    dt = _dt(dtype, input._dtype)
    arr = _empty_like(input, dt)
    xp.copyto(arr, fill_value, casting="unsafe")
    return _finish(arr, dt, requires_grad, device)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    """insitu.arange(start=0, end, step=1, *, dtype=None, device=None, requires_grad=False,
    out=None): start, start + step, ... below `end` (`arange(end)` starts at 0): int64 when all
    bounds are ints, else the default float dtype (computed in float64). `out=` writes into it (see
    `ops.factories`)."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dt = dtypes.int64 if all(isinstance(v, int) for v in vals) else dtypes.get_default_dtype()
    else:
        dt = dtypes.to_dtype(dtype)
    if dt is dtypes.bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    arr = xp.arange(*vals, dtype=xp.float64 if dt.is_floating_point else None).astype(dt.np)
    return _finish(arr, dt, requires_grad, device)


def _linspace(start, end, steps, dt):
    """PyTorch's kernel: the first half counts up from start, the second half down from end,
    in the output's float type (float64 for integer outputs)."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if not dt.is_floating_point:   # integer outputs truncate the bounds first
        start, end = int(start), int(end)
    ct = dt.np if dt.is_floating_point else xp.dtype(xp.float64)
    start, end = ct.type(start), ct.type(end)
    if steps <= 1:
        return xp.full(steps, start, dtype=ct)
    step = (end - start) / ct.type(steps - 1)
    i = xp.arange(steps, dtype=ct)
    return xp.where(i < steps // 2, start + step * i, end - step * (ct.type(steps - 1) - i))


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    """insitu.linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False,
    out=None): `steps` evenly spaced values from start to end, rounded as PyTorch's kernel rounds
    them (half up from start, half down from end). `out=` writes into it (see `ops.factories`)."""
    dt = _dt(dtype)
    arr = _linspace(start, end, steps, dt).astype(dt.np)
    return _finish(arr, dt, requires_grad, device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """insitu.logspace(start, end, steps, base=10.0, *, dtype=None, device=None,
    requires_grad=False): `base ** linspace(start, end, steps)`, computed in float64."""
    dt = _dt(dtype)
    exponents = _linspace(start, end, steps, dtypes.float64)
    arr = xp.power(xp.float64(base), exponents).astype(dt.np)
    return _finish(arr, dt, requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    """insitu.eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None): the n x m
    (n x n by default) identity matrix. `out=` writes into it (see `ops.factories`)."""
    dt = _dt(dtype)
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _finish(xp.eye(n, m, dtype=dt.np), dt, requires_grad, device)


def empty_with_layout(geom, dtype):
    """A zero tensor whose storage has `geom`'s layout, viewed with that geometry."""
    shape, strides, off = geom
    span = off + (sum((n - 1) * s for n, s in zip(shape, strides)) + 1 if all(shape) else 0)
    buf = zeros(max(span, 1), dtype=dtype)
    if tuple(shape) == (span,) and strides in ((1,), ()) and off == 0:
        return buf
    return buf.as_strided(shape, strides, off)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    """insitu.empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False): a tensor
    of the given size and strides (in elements) over a storage just large enough; its elements
    are zeros."""
    t = empty_with_layout((tuple(size), tuple(stride), 0), _dt(dtype))
    t._requires_grad = requires_grad
    return t


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """insitu.scalar_tensor(s, *, dtype=None, device=None, requires_grad=False): a 0-dim tensor
    holding the number `s`, in the default float dtype unless `dtype`."""
    dt = _dt(dtype)
    return _finish(xp.array(s, dtype=dt.np), dt, requires_grad, device)


# ------------------------------------------------------------------------- random

class Generator:
    """A random generator over NumPy's PCG64; seeded generators replay the same numbers."""

    def __init__(self, device="cpu"):
        check_device(device)
        self._seed = 67280421310721
        self._rng = xp.random.Generator(xp.random.PCG64(self._seed))

    def manual_seed(self, seed):
        """Reseed this generator; returns it."""
        self._seed = int(seed)
        self._rng = xp.random.Generator(xp.random.PCG64(self._seed))
        return self

    def seed(self):
        """Reseed from fresh entropy; returns the new seed."""
        s = int(xp.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The generator's state, as a uint8 tensor (for `set_state`)."""
        state = json.dumps(self._rng.bit_generator.state).encode()
        return tensor(list(state), dtype=dtypes.uint8)

    def set_state(self, state):
        """Restore a state from `get_state`; returns the generator."""
        self._rng.bit_generator.state = json.loads(bytes(state.tolist()).decode())
        return self

    @property
    def device(self):
        """Always the CPU."""
        return CPU


default_generator = Generator()


def manual_seed(seed):
    """insitu.manual_seed(seed): reseeds the default generator, so the random functions replay the
    same numbers; returns the generator. The streams are NumPy's PCG64, not PyTorch's Mersenne
    Twister: the same seed gives other numbers than PyTorch."""
    return default_generator.manual_seed(seed)


def seed():
    """insitu.seed(): reseeds the default generator from fresh entropy; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """insitu.initial_seed(): the seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state():
    """insitu.get_rng_state(): the default generator's state, as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(state):
    """insitu.set_rng_state(state): restores the default generator's `get_rng_state()`."""
    default_generator.set_state(state)


def rng(generator=None):
    return (generator or default_generator)._rng


def _random(sample):
    def make(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None,
             layout=None, pin_memory=False):
        dt = _dt(dtype)
        arr = sample(rng(generator), _size(size), dt)
        return _finish(arr, dt, requires_grad, device)
    return make


def _uniform_sample(g, shape, dt):
    if dt.np in (xp.float32, xp.float64):
        return g.random(shape, dtype=dt.np)
    return g.random(shape).astype(dt.np)


def _normal_sample(g, shape, dt):
    if dt.np in (xp.float32, xp.float64):
        return g.standard_normal(shape, dtype=dt.np)
    return g.standard_normal(shape).astype(dt.np)


rand = _random(_uniform_sample)
randn = _random(_normal_sample)
rand.__name__, randn.__name__ = "rand", "randn"
rand.__doc__ = """insitu.rand(*size, generator=None, dtype=None, device=None,
    requires_grad=False, out=None): samples uniform on [0, 1), in the default float dtype unless
    `dtype`. `out=` writes into it (see `ops.factories`)."""
randn.__doc__ = """insitu.randn(*size, generator=None, dtype=None, device=None,
    requires_grad=False, out=None): standard normal samples, as `rand`."""


def rand_like(input, *, dtype=None, generator=None, requires_grad=False, device=None,
              memory_format=None):
    """insitu.rand_like(input, *, dtype=None, generator=None, requires_grad=False, device=None,
    memory_format=None): `rand` of input's shape and dtype (unless `dtype`)."""
    dt = _dt(dtype, input._dtype)
    return _finish(_uniform_sample(rng(generator), input._data.shape, dt), dt, requires_grad)


def randn_like(input, *, dtype=None, generator=None, requires_grad=False, device=None,
               memory_format=None):
    """insitu.randn_like(input, *, dtype=None, generator=None, requires_grad=False, device=None,
    memory_format=None): `randn` of input's shape and dtype (unless `dtype`)."""
    dt = _dt(dtype, input._dtype)
    return _finish(_normal_sample(rng(generator), input._data.shape, dt), dt, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False, out=None):
    """insitu.randint(low=0, high, size, *, generator=None, dtype=None, device=None,
    requires_grad=False, out=None): integers uniform on [low, high) (`randint(high, size)` starts
    at 0), int64 unless `dtype`. `out=` writes into it (see `ops.factories`)."""
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    dt = _dt(dtype, dtypes.int64)
    arr = rng(generator).integers(low, high, size=_size((tuple(size),)), dtype=xp.int64)
    return _finish(arr.astype(dt.np), dt, requires_grad, device)


def randint_like(input, low, high=None, *, dtype=None, generator=None, device=None):
    """insitu.randint_like(input, low=0, high, *, dtype=None, generator=None, device=None):
    `randint` of input's shape and dtype (unless `dtype`)."""
    if high is None:
        low, high = 0, low
    dt = _dt(dtype, input._dtype)
    arr = rng(generator).integers(low, high, size=input._data.shape, dtype=xp.int64)
    return _finish(arr.astype(dt.np), dt)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """insitu.randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False): a random
    permutation of 0..n-1, int64 unless `dtype`."""
    dt = _dt(dtype, dtypes.int64)
    return _finish(rng(generator).permutation(n).astype(dt.np), dt, requires_grad, device)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, out=None):
    """insitu.normal(mean, std=1.0, size=None, *, generator=None, dtype=None, out=None): normal
    samples: one per element of a tensor `mean` and/or `std` (broadcast, in its dtype), or `size`
    of them. Not differentiable; `out=` writes into it (see `ops.factories`)."""
    g = rng(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        ref = mean if isinstance(mean, Tensor) else std
        arr = g.normal(m, s).astype(ref._dtype.np)
        return wrap(xp.asarray(arr), ref._dtype)
    dt = _dt(dtype)
    return wrap(g.normal(mean, std, size=_size((tuple(size),))).astype(dt.np), dt)


def bernoulli(input, p=None, *, generator=None, out=None):
    """insitu.bernoulli(input, p=None, *, generator=None, out=None): 0/1 draws, 1 with the
    probability in each element of input (or `p` for all), in input's dtype. Not differentiable;
    `out=` writes into it (see `ops.factories`)."""
    probs = input._data if p is None else xp.full(input._data.shape, p)
    arr = (rng(generator).random(input._data.shape) < probs).astype(input._dtype.np)
    return wrap(arr, input._dtype)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Category indices drawn from each row's (unnormalised) probabilities, with PyTorch's
    checks. Without replacement (or for one sample) as PyTorch draws them: the largest
    p / q with q ~ Exp(1) (the exponential form of the Gumbel-max trick)."""
    p = input._data
    if not 0 < p.ndim <= 2:
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input._dtype.is_floating_point:
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{input._dtype.legacy}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > p.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    g = rng(generator)
    rows = p.reshape(-1, p.shape[-1]).astype(xp.float64)
    if not replacement or num_samples == 1:
        if not (rows.size and rows.max() < xp.inf and rows.min() >= 0):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (rows.sum(1) == 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        keys = rows / g.exponential(1.0, rows.shape)
        arr = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    else:
        if (rows < 0).any():
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry < 0)")
        if not xp.isfinite(rows).all():
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry = infinity or NaN)")
        if (rows.sum(1) <= 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        cdf = xp.cumsum(rows / rows.sum(1, keepdims=True), axis=1)
        u = g.random((rows.shape[0], num_samples))
        arr = xp.stack([xp.minimum(xp.searchsorted(c, x, side="right"), len(c) - 1)
                        for c, x in zip(cdf, u)])
    arr = xp.ascontiguousarray(arr, dtype=xp.int64).reshape(p.shape[:-1] + (num_samples,))
    return wrap(arr, dtypes.int64)


# ------------------------------------------------------------------------- Tensor's factories

def legacy_new(cls, *args, **kwargs):
    """PyTorch's legacy constructors: Tensor(2, 3) is empty(2, 3), Tensor(data) is tensor(data)
    in the default dtype; subclasses (Parameter) construct themselves."""
    if cls is Tensor and args and not kwargs and all(isinstance(a, int) for a in args):
        return empty(*args)
    if cls is Tensor and len(args) == 1 and not kwargs:
        return tensor(args[0], dtype=dtypes.get_default_dtype())
    return object.__new__(cls)


def _new_tensor(self, data, dtype=None, requires_grad=False):
    """Tensor.new_tensor(data, dtype=None, requires_grad=False): `insitu.tensor(data)` in self's
    dtype unless `dtype` (a copy; other keywords of PyTorch are not taken)."""
    return tensor(data, dtype=dtype or self._dtype, requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, requires_grad=False, **kw):
    """Tensor.new_zeros(*size, dtype=None, requires_grad=False): `insitu.zeros` in self's dtype
    unless `dtype` (device and other keywords are accepted and ignored)."""
    return zeros(*size, dtype=dtype or self._dtype, requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, requires_grad=False, **kw):
    """Tensor.new_ones(*size, dtype=None, requires_grad=False): as new_zeros, with ones."""
    return ones(*size, dtype=dtype or self._dtype, requires_grad=requires_grad)


def new_full(self, size, fill_value, dtype=None, requires_grad=False, **kw):
    """Tensor.new_full(size, fill_value, dtype=None, requires_grad=False): `insitu.full` in self's
    dtype unless `dtype`."""
    return full(size, fill_value, dtype=dtype or self._dtype, requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, requires_grad=False, **kw):
    """Tensor.new_empty(*size, dtype=None, requires_grad=False): as new_zeros, uninitialised."""
    return empty(*size, dtype=dtype or self._dtype, requires_grad=requires_grad)


METHODS = {"__new__": staticmethod(legacy_new), "new_tensor": _new_tensor, "new_zeros": new_zeros,
           "new_ones": new_ones, "new_full": new_full, "new_empty": new_empty}
