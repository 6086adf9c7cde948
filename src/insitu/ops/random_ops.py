"""In-place random fills: uniform_, normal_, bernoulli_, random_, exponential_, geometric_,
log_normal_ and cauchy_.

Each is an `Op` run through the shared in-place pipeline, so it writes into the tensor's own
buffer, bumps the version once, refuses a leaf that requires grad (in grad mode) and, on a
non-leaf, records a node named like PyTorch's (`UniformBackward0`, ...) whose gradient is zero.
Samples come from `insitu.creation`'s generators, so `insitu.manual_seed` replays them. The
Tensor methods parse PyTorch's argument forms (`random_(to)`, `random_(from, to)`, `from=` is a
Python keyword) and validate with PyTorch's messages before calling the pipeline.
"""
import math
import warnings

from ..backend import xp
from ..core import dtypes
from ..core.dtypes import CPP_NAMES
from ..core.tensor import Tensor
from ..creation import bernoulli as sample_bernoulli, multinomial as sample_multinomial, rng
from .pipelines import inplace, write_out
from .pointwise import zeros_like
from .table import ANY_DTYPE, ANY_SHAPE, Op

_NATIVE_FLOATS = (xp.dtype(xp.float32), xp.dtype(xp.float64))
_DIGITS = {"float16": 11, "float32": 24, "float64": 53}   # std::numeric_limits<T>::digits
_HALF_STEP = 2.0 ** -11


def _num(v):
    """A number as PyTorch's C++ messages print it (ostream's default: %g)."""
    if isinstance(v, bool) or isinstance(v, int):
        return str(int(v))
    return "%g" % v


def _not_implemented(kernel, dt):
    return NotImplementedError(f'"{kernel}" not implemented for \'{dt.legacy}\'')


def _direct(out):
    """NumPy's generators can write float32/float64 samples straight into a contiguous buffer."""
    return out.dtype in _NATIVE_FLOATS and out.flags.c_contiguous and out.flags.aligned


def _store(out, sample):
    xp.copyto(out, sample, casting="unsafe")
    return out


# ------------------------------------------------------------------------ kernels

def _k_uniform(out, dt, a, low, high, generator=None):
    g = rng(generator)
    if _direct(out):
        g.random(out=out, dtype=out.dtype)
        if high - low != 1:
            out *= high - low
        if low:
            out += low
        return out
    if out.dtype in _NATIVE_FLOATS:      # a strided view: sample, then write through it
        u = g.random(out.shape, dtype=out.dtype)
    else:   # float16: multiples of 2^-11, so that no sample rounds up to 1
        u = g.integers(0, 1 << 11, size=out.shape) * _HALF_STEP
    return _store(out, low + (high - low) * u)


def _k_normal(out, dt, a, mean, std, generator=None):
    g = rng(generator)
    if _direct(out):
        g.standard_normal(out=out, dtype=out.dtype)
        if std != 1:
            out *= std
        if mean:
            out += mean
        return out
    return _store(out, mean + std * g.standard_normal(out.shape))


def _k_bernoulli(out, dt, a, p, generator=None):
    return _store(out, rng(generator).random(out.shape) < p)


def _k_bernoulli_tensor(out, dt, a, p, generator=None):
    return _store(out, rng(generator).random(out.shape) < p)


def _k_random(out, dt, a, low, high, node, generator=None):
    # [low, high] inclusive: the range PyTorch computed from from/to and the dtype
    sample = rng(generator).integers(low, high, size=out.shape, dtype=xp.int64, endpoint=True)
    return _store(out, sample)


def _k_exponential(out, dt, a, lambd, generator=None):
    g = rng(generator)
    if _direct(out):
        g.standard_exponential(out=out, dtype=out.dtype)
        if lambd != 1:
            out /= lambd
        return out
    return _store(out, g.standard_exponential(out.shape) / lambd)


def _k_geometric(out, dt, a, p, generator=None):
    return _store(out, rng(generator).geometric(p, size=out.shape))


def _k_log_normal(out, dt, a, mean, std, generator=None):
    return _store(out, rng(generator).lognormal(mean, std, size=out.shape))


def _k_cauchy(out, dt, a, median, sigma, generator=None):
    return _store(out, median + sigma * rng(generator).standard_cauchy(out.shape))


# ------------------------------------------------------------------------ checks

def _float_bounds(dt):
    info = xp.finfo(dt.np)
    return float(info.min), float(info.max)


def _int_bounds(dt):
    if dt is dtypes.bool_:
        return 0, 1
    info = xp.iinfo(dt.np)
    return int(info.min), int(info.max)


def _check_uniform(args, params):
    self = args[0]
    dt = self._dtype
    if not self._data.size:
        return                      # PyTorch returns before looking at an empty tensor
    if not dt.is_floating_point:
        raise _not_implemented("check_uniform_bounds", dt)
    low, high = params["low"], params["high"]
    lo, hi = _float_bounds(dt)
    for value, name in ((low, "from"), (high, "to")):
        if not lo <= value <= hi:
            raise RuntimeError(f"{name} is out of bounds for {CPP_NAMES[dt.name]}")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_num(low)} > to={_num(high)}")
    if high - low > hi:
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{dt.legacy}>::max(), but found "
            f"to={_num(high)} and from={_num(low)} which result in to-from to exceed the limit")


def _check_normal(args, params):
    std = params["std"]
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    if not args[0]._dtype.is_floating_point:
        raise _not_implemented("normal_kernel_cpu", args[0]._dtype)


def _check_bernoulli(args, params):
    p = params["p"]
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(p)}")


def _check_bernoulli_tensor(args, params):
    self, p = args
    if not p._dtype.is_floating_point:
        raise _not_implemented("bernoulli_tensor_cpu_p_", p._dtype)
    if p._data.shape != self._data.shape:
        p.expand(self._data.shape)          # PyTorch's message when p cannot fill self
    pd = p._data
    if pd.size and not ((pd >= 0) & (pd <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")


def _continuous_only(dt, name, cpp):
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype "
                           f"must be a floating point but you specified "
                           f"{CPP_NAMES[dt.name] if cpp else dt.legacy}")


def _check_exponential(args, params):
    lambd = params["lambd"]
    if not (lambd > 0 and not math.isinf(lambd)):
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
    _continuous_only(args[0]._dtype, "Exponential", False)


def _check_geometric(args, params):
    p = params["p"]
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_num(p)}")
    if args[0]._dtype is dtypes.bool_:
        raise _not_implemented("geometric_cpu", args[0]._dtype)


def _check_log_normal(args, params):
    std = params["std"]
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_num(std)}")
    if not args[0]._dtype.is_floating_point:
        raise _not_implemented("log_normal_cpu", args[0]._dtype)


def _check_cauchy(args, params):
    sigma = params["sigma"]
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_num(sigma)}")
    _continuous_only(args[0]._dtype, "Cauchy", True)


# ------------------------------------------------------------------------ random_ ranges

def _check_in_range(dt, low, high_inc):
    """PyTorch's check_from_to_in_range: both ends must fit the dtype; floats warn beyond the
    range where every integer is representable."""
    cpp = CPP_NAMES[dt.name]
    if dt.is_floating_point:
        lo, hi = _float_bounds(dt)
    else:
        lo, hi = _int_bounds(dt)
    for value, name in ((low, "from"), (high_inc, "to - 1")):
        if not lo <= value <= hi:
            raise RuntimeError(f"{name} is out of bounds for {cpp}")
    if dt.is_floating_point:
        digits = _DIGITS[dt.name]
        for value, name in ((low, "from"), (high_inc, "to - 1")):
            if not -(1 << digits) <= value <= (1 << digits):
                warnings.warn(
                    f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision "
                    f"limitations {cpp} can support discrete uniform distribution only within "
                    "this range. This warning will become an error in version 1.7 release, "
                    "please fix the code in advance", UserWarning, stacklevel=4)


def _type_max(dt):
    if dt.is_floating_point:
        return 1 << _DIGITS[dt.name]
    return _int_bounds(dt)[1]


def _random_range(dt, low, high):
    """The inclusive [low, high] random_ samples from, for random_(from, to) (high None: up to
    the dtype's largest value)."""
    if high is not None:
        if not low < high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                               f">= to={high}")
        _check_in_range(dt, low, high - 1)
        return low, high - 1
    if low == -(1 << 63) and dt is dtypes.int64:
        return low, (1 << 63) - 1
    top = _type_max(dt)
    if dt.is_floating_point and not low < top:
        raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or equal to "
                           f"'to_inc' casted to dtype, but got from={low} > to_inc={top}")
    _check_in_range(dt, low, top)
    return low, top


# ------------------------------------------------------------------------ declarations

def _zero(grad):
    """Random fills do not depend on the values they overwrite: every gradient is zero."""
    return zeros_like(grad)


def _random_op(schema, kernel, check, node=None, formulas=None):
    # no generated entry points: the methods below parse PyTorch's argument forms first
    return Op(schema, kernel, promote="same", variants="", writes=(ANY_DTYPE, ANY_SHAPE),
              check=check, node=node, derivatives=formulas or {"self": _zero})


UNIFORM = _random_op("uniform(Tensor self, low, high, generator=None)", _k_uniform,
                     _check_uniform)
NORMAL = _random_op("normal(Tensor self, mean, std, generator=None)", _k_normal, _check_normal)
BERNOULLI = _random_op("bernoulli(Tensor self, p, generator=None)", _k_bernoulli,
                       _check_bernoulli, node="BernoulliBackward2")
BERNOULLI_TENSOR = _random_op("bernoulli(Tensor self, Tensor p, generator=None)",
                              _k_bernoulli_tensor, _check_bernoulli_tensor,
                              node="BernoulliBackward1", formulas={"self": _zero, "p": _zero})
RANDOM = _random_op("random(Tensor self, low, high, node, generator=None)", _k_random, None,
                    node=lambda args, params: params["node"])
EXPONENTIAL = _random_op("exponential(Tensor self, lambd, generator=None)", _k_exponential,
                         _check_exponential)
GEOMETRIC = _random_op("geometric(Tensor self, p, generator=None)", _k_geometric,
                       _check_geometric)
LOG_NORMAL = _random_op("log_normal(Tensor self, mean, std, generator=None)", _k_log_normal,
                        _check_log_normal)
CAUCHY = _random_op("cauchy(Tensor self, median, sigma, generator=None)", _k_cauchy,
                    _check_cauchy)


# ------------------------------------------------------------------------ Tensor methods

def _args(fn, args, kwargs, names, defaults):
    """Bind positional and keyword arguments to `names` (PyTorch's names, `from` included)."""
    if len(args) > len(names):
        raise TypeError(f"{fn}() takes at most {len(names)} positional arguments "
                        f"({len(args)} given)")
    values = dict(zip(names, defaults))
    values.update(zip(names, args))
    for k, v in kwargs.items():
        if k not in names:
            raise TypeError(f"{fn}() got an unexpected keyword argument '{k}'")
        values[k] = v
    return [values[n] for n in names]


def _float_arg(fn, name, v):
    if isinstance(v, Tensor):
        v = v.item()
    if not isinstance(v, (int, float)):
        raise TypeError(f"{fn}(): argument '{name}' must be float, not {type(v).__name__}")
    return float(v)


def uniform_(self, *args, generator=None, **kwargs):
    """Tensor.uniform_(from=0, to=1, *, generator=None): fills self with samples uniform on [from,
    to). In place, like every random fill here: writes self's buffer, bumps its version once,
    returns self; refused on a leaf that requires grad (in grad mode); on a non-leaf the node
    (UniformBackward0) gives a zero gradient."""
    low, high = _args("uniform_", args, kwargs, ("from", "to"), (0.0, 1.0))
    return inplace(UNIFORM, (self,), {"low": _float_arg("uniform_", "from", low),
                                      "high": _float_arg("uniform_", "to", high),
                                      "generator": generator})


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Tensor.normal_(mean=0, std=1, *, generator=None): fills self with normal samples. In place
    (version bumped, returns self). Backward: NormalBackward0 (zero gradient)."""
    return inplace(NORMAL, (self,), {"mean": _float_arg("normal_", "mean", mean),
                                     "std": _float_arg("normal_", "std", std),
                                     "generator": generator})


def bernoulli_(self, p=0.5, *, generator=None):
    """Tensor.bernoulli_(p=0.5, *, generator=None): fills self with 0/1 draws, 1 with probability
    `p` (a number, or a tensor of probabilities broadcast to self). In place (version bumped,
    returns self). Backward: BernoulliBackward2 (number p) or BernoulliBackward1 (tensor p), zero
    gradients."""
    if isinstance(p, Tensor):
        return inplace(BERNOULLI_TENSOR, (self, p), {"generator": generator})
    return inplace(BERNOULLI, (self,), {"p": _float_arg("bernoulli_", "p", p),
                                        "generator": generator})


def random_(self, *args, generator=None, **kwargs):
    """Tensor.random_(from=0, to=None, *, generator=None): fills self with integers uniform on
    [from, to), also written `random_(to)`; without bounds, on [0, the dtype's largest value]
    (`2 ** digits` of the mantissa for floating dtypes), as in PyTorch. In place (version
    bumped, returns self). Backward: RandomBackward0/1/2 by the form used (zero gradient)."""
    if len(args) > 2 or any(k not in ("from", "to") for k in kwargs):
        raise TypeError("random_() received an invalid combination of arguments")
    if not args and not kwargs:
        low, high, node = 0, _type_max(self._dtype), "RandomBackward2"
    elif len(args) == 1 and not kwargs or list(kwargs) == ["to"] and not args:
        to = args[0] if args else kwargs["to"]
        _int_args(to)
        low, high, node = *_random_range(self._dtype, 0, to), "RandomBackward1"
    else:
        low, to = _args("random_", args, kwargs, ("from", "to"), (0, None))
        _int_args(low, to)
        low, high, node = *_random_range(self._dtype, low, to), "RandomBackward0"
    return inplace(RANDOM, (self,), {"low": low, "high": high, "node": node,
                                     "generator": generator})


def _int_args(*values):
    for v in values:
        if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
            got = ", ".join(type(x).__name__ for x in values)
            raise TypeError(
                f"random_() received an invalid combination of arguments - got ({got}), but "
                "expected one of:\n * (*, insitu.Generator generator = None)\n * (int from, int "
                "to, *, insitu.Generator generator = None)\n * (int to, *, insitu.Generator "
                "generator = None)\n")


def exponential_(self, lambd=1.0, *, generator=None):
    """Tensor.exponential_(lambd=1, *, generator=None): fills self with exponential samples of rate
    `lambd`. In place (version bumped, returns self). Backward: ExponentialBackward0 (zero
    gradient)."""
    return inplace(EXPONENTIAL, (self,), {"lambd": _float_arg("exponential_", "lambd", lambd),
                                          "generator": generator})


def geometric_(self, p, *, generator=None):
    """Tensor.geometric_(p, *, generator=None): fills self with the number of Bernoulli(p) trials up
    to the first success (1, 2, ...). In place (version bumped, returns self). Backward:
    GeometricBackward0 (zero gradient)."""
    return inplace(GEOMETRIC, (self,), {"p": _float_arg("geometric_", "p", p),
                                        "generator": generator})


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Tensor.log_normal_(mean=1, std=2, *, generator=None): fills self with exp of normal(mean,
    std) samples. In place (version bumped, returns self). Backward: LogNormalBackward0 (zero
    gradient)."""
    return inplace(LOG_NORMAL, (self,), {"mean": _float_arg("log_normal_", "mean", mean),
                                         "std": _float_arg("log_normal_", "std", std),
                                         "generator": generator})


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Tensor.cauchy_(median=0, sigma=1, *, generator=None): fills self with Cauchy samples. In
    place (version bumped, returns self). Backward: CauchyBackward0 (zero gradient)."""
    return inplace(CAUCHY, (self,), {"median": _float_arg("cauchy_", "median", median),
                                     "sigma": _float_arg("cauchy_", "sigma", sigma),
                                     "generator": generator})


def bernoulli(self, p=None, *, generator=None):
    """Tensor.bernoulli: a new 0/1 tensor drawn with probabilities `self` (or `p`)."""
    return sample_bernoulli(self, p, generator=generator)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """insitu.multinomial(input, num_samples, replacement=False, *, generator=None, out=None): int64
    category indices drawn from each row of (unnormalised) probabilities, with PyTorch's checks;
    without replacement as PyTorch draws them (the largest p / q, q ~ Exp(1)). `out=` must be
    int64."""
    res = sample_multinomial(input, num_samples, replacement, generator=generator)
    if out is None:
        return res
    if out._dtype is not dtypes.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: {out._dtype.legacy}")
    return write_out("multinomial", out, res._data, (input,))


FUNCTIONS = {"multinomial": multinomial}

METHODS = {
    "uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_, "random_": random_,
    "exponential_": exponential_, "geometric_": geometric_, "log_normal_": log_normal_,
    "cauchy_": cauchy_, "bernoulli": bernoulli, "multinomial": multinomial,
}
