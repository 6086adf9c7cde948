"""The sweep's NumPy floors: the fastest plain NumPy expression of each op's computation
(`FLOORS`, by op name, for ops the sweep calls generically), gradient floors (`GRADS`:
`grad(a, g, r)` from the incoming gradient `g` and the forward floor's result `r`) and the
floors of composite ops, used by the cases of `sweep_cases.py`."""
import math

import numpy as np

try:                      # NumPy has no erf: SciPy's vectorised one is the floor where present
    from scipy.special import erf as _erf, erfc as _erfc, gammaln as _gammaln
except ImportError:
    _erf = _erfc = _gammaln = None

F32 = np.float32


# ------------------------------------------------------------------ floors of generic ops

def _sigmoid(x):
    r = np.negative(x)
    np.exp(r, out=r)
    r += 1
    return np.reciprocal(r, out=r)


def _gelu(x):
    r = _erf(x * F32(math.sqrt(0.5)))
    r += 1
    r *= x
    r *= F32(0.5)
    return r


def _grad_gelu(a, g, r):
    x = a.x
    cdf = _erf(x * F32(math.sqrt(0.5)))
    cdf += 1
    cdf *= F32(0.5)
    pdf = x * x
    pdf *= F32(-0.5)
    np.exp(pdf, out=pdf)
    pdf *= x
    pdf *= F32(1 / math.sqrt(2 * math.pi))
    cdf += pdf
    cdf *= g
    return cdf


def _leaky(x):
    r = x * F32(0.01)
    return np.maximum(x, r, out=r)


def _elu(x):
    r = np.minimum(x, 0)
    np.expm1(r, out=r)
    r += np.maximum(x, 0)
    return r


def _silu(x):
    r = np.negative(x)
    np.exp(r, out=r)
    r += 1
    return np.divide(x, r, out=r)


def _hardshrink(x):
    return np.where(np.abs(x) <= F32(0.5), F32(0), x)       # nan is kept


def _softshrink(x):
    """x - clip(x, -l, l): x - l above l, x + l below -l, between PyTorch's x * 0 (a zero of
    x's sign; nan stays nan)."""
    r = np.clip(x, F32(-0.5), F32(0.5))
    np.subtract(x, r, out=r)
    return np.copysign(r, x, out=r)


def _glu(x):
    a, b = np.split(x, 2, -1)
    return a * _sigmoid(b)


def _median(x):
    k = (x.size - 1) // 2
    return np.partition(x.reshape(-1), k)[k]


FLOORS = {
    "add": lambda a: a.x + a.y, "sub": lambda a: a.x - a.y, "rsub": lambda a: a.y - a.x,
    "div": lambda a: a.x / a.y, "floor_divide": lambda a: np.floor_divide(a.x, a.y),
    "remainder": lambda a: np.remainder(a.x, a.y), "fmod": lambda a: np.fmod(a.x, a.y),
    "pow": lambda a: np.power(a.p, a.y), "hypot": lambda a: np.hypot(a.x, a.y),
    "isposinf": lambda a: np.isposinf(a.x), "isneginf": lambda a: np.isneginf(a.x),
    "nan_to_num": lambda a: np.nan_to_num(a.x),
    "erf": (lambda a: _erf(a.x)) if _erf else None,
    "erfc": (lambda a: _erfc(a.x)) if _erfc else None,
    "lgamma": (lambda a: _gammaln(a.x)) if _gammaln else None,
    "nextafter": lambda a: np.nextafter(a.x, a.y),
    "gelu": (lambda a: _gelu(a.x)) if _erf else None,
    "relu": lambda a: np.maximum(a.x, F32(0)), "hardtanh": lambda a: np.clip(a.x, -1, 1),
    "leaky_relu": lambda a: _leaky(a.x), "elu": lambda a: _elu(a.x),
    "silu": lambda a: _silu(a.x), "sigmoid": lambda a: _sigmoid(a.x),
    "rsqrt": lambda a: np.reciprocal(np.sqrt(a.p)), "abs": lambda a: np.abs(a.x),
    "sign": lambda a: np.sign(a.x), "sgn": lambda a: np.sign(a.x),
    "round": lambda a: np.rint(a.x), "frac": lambda a: a.x - np.trunc(a.x),
    "square": lambda a: np.square(a.x), "clone": lambda a: a.x.copy(),
    "logical_not": lambda a: np.logical_not(a.x),
    "bitwise_and": lambda a: a.ia & a.ib, "bitwise_or": lambda a: a.ia | a.ib,
    "bitwise_xor": lambda a: a.ia ^ a.ib, "bitwise_not": lambda a: ~a.ia,
    "bitwise_left_shift": lambda a: a.ia << a.sh, "bitwise_right_shift": lambda a: a.ia >> a.sh,
    "tril": lambda a: np.tril(a.x), "triu": lambda a: np.triu(a.x),
    "positive": lambda a: a.x.view(),
    "sum": lambda a: a.x.sum(), "mean": lambda a: a.x.mean(), "prod": lambda a: a.x.prod(),
    "var": lambda a: a.x.var(ddof=1), "std": lambda a: a.x.std(ddof=1),
    "var_mean": lambda a: (a.x.var(ddof=1), a.x.mean()),
    "std_mean": lambda a: (a.x.std(ddof=1), a.x.mean()),
    "nansum": lambda a: np.nansum(a.x), "nanmean": lambda a: np.nanmean(a.x),
    "all": lambda a: a.x.all(), "any": lambda a: a.x.any(),
    "count_nonzero": lambda a: np.count_nonzero(a.x),
    "amax": lambda a: a.x.max(), "amin": lambda a: a.x.min(), "max": lambda a: a.x.max(),
    "min": lambda a: a.x.min(), "argmax": lambda a: a.x.argmax(),
    "argmin": lambda a: a.x.argmin(), "median": lambda a: _median(a.x),
    "msort": lambda a: np.sort(a.x, 0), "histc": lambda a: np.histogram(a.x, 100)[0],
    "unique": lambda a: np.unique(a.x), "fliplr": lambda a: a.x[:, ::-1].copy(),
    "flipud": lambda a: a.x[::-1].copy(), "rot90": lambda a: np.rot90(a.x).copy(),
    "trapezoid": lambda a: np.trapezoid(a.x), "trapz": lambda a: np.trapezoid(a.x),
    "contiguous": lambda a: a.x, "float": lambda a: a.x, "double": lambda a: a.x.astype(float),
    "half": lambda a: a.x.astype(np.float16), "int": lambda a: a.x.astype(np.int32),
    "long": lambda a: a.x.astype(np.int64), "bool": lambda a: a.x.astype(bool),
    "short": lambda a: a.x.astype(np.int16), "char": lambda a: a.x.astype(np.int8),
    "byte": lambda a: a.x.astype(np.uint8), "squeeze": lambda a: a.x.squeeze(),
    "flatten": lambda a: a.x.reshape(-1), "t": lambda a: a.x.T, "diagonal": lambda a: a.x.diagonal(),
    "hardshrink": lambda a: _hardshrink(a.x), "softshrink": lambda a: _softshrink(a.x),
    "logaddexp2": lambda a: np.logaddexp2(a.x, a.y), "glu": lambda a: _glu(a.x),
    "hardswish": lambda a: a.x * np.clip(a.x + F32(3), F32(0), F32(6)) / F32(6),
    "hardsigmoid": lambda a: np.clip(a.x + F32(3), F32(0), F32(6)) / F32(6),
}


# ------------------------------------------------------------------ gradient floors

def _times_g(fn):
    """grad = g * fn(a, r): one temporary, multiplied in place."""
    def grad(a, g, r):
        t = fn(a, r)
        t *= g
        return t
    return grad


def _unused_grad(a, g, r):
    return g


def _sigmoid_grad(a, g, r):
    t = np.subtract(1, r)
    t *= r
    t *= g
    return t


def _tanh_grad(a, g, r):
    t = r * r
    np.subtract(1, t, out=t)
    t *= g
    return t


def _glu_grad(a, g, r):
    x1, x2 = np.split(a.x, 2, -1)
    s = _sigmoid(x2)
    ga = g * s
    gb = np.subtract(1, s)
    gb *= s
    gb *= x1
    gb *= g
    return np.concatenate((ga, gb), -1)


def _hardswish_grad(a, g, r):
    x = a.x
    t = x / F32(3)
    t += F32(0.5)
    t[x < -3] = 0
    t[x > 3] = 1
    t *= g
    return t


def _hardsigmoid_grad(a, g, r):
    return np.where((a.x > -3) & (a.x < 3), g / F32(6), F32(0))


def _remainder_grad(a, g, r):
    return g, -g * np.floor_divide(a.x, a.y)


def _shrink_grad(a, g, r):
    return np.where(np.abs(a.x) <= F32(0.5), F32(0), g)


GRADS = {
    "exp": lambda a, g, r: g * r, "log": lambda a, g, r: g / a.p,
    "sqrt": lambda a, g, r: g / (2 * r), "sin": _times_g(lambda a, r: np.cos(a.x)),
    "cos": _times_g(lambda a, r: -np.sin(a.x)), "tanh": _tanh_grad,
    "sigmoid": _sigmoid_grad, "neg": lambda a, g, r: -g,
    "abs": _times_g(lambda a, r: np.sign(a.x)), "relu": lambda a, g, r: np.where(a.x > 0, g, 0),
    "square": _times_g(lambda a, r: a.x * F32(2)), "reciprocal": _times_g(lambda a, r: -r * r),
    "mul": lambda a, g, r: (g * a.y, g * a.x), "add": lambda a, g, r: (g, g),
    "sub": lambda a, g, r: (g, -g), "div": lambda a, g, r: (g / a.y, -g * a.x / (a.y * a.y)),
    "erf": _times_g(lambda a, r: np.exp(-a.x * a.x) * F32(2 / math.sqrt(math.pi))),
    "gelu": _grad_gelu if _erf else None,
    "silu": _times_g(lambda a, r: _sigmoid(a.x) * (1 + a.x * (1 - _sigmoid(a.x)))),
    "clone": _unused_grad, "sum": lambda a, g, r: np.full(a.x.shape, g),
    "mean": lambda a, g, r: np.full(a.x.shape, g / a.x.size),
    "glu": _glu_grad, "hardswish": _hardswish_grad, "hardsigmoid": _hardsigmoid_grad,
    "remainder": _remainder_grad, "hardshrink": _shrink_grad, "softshrink": _shrink_grad,
}


# ------------------------------------------------------------------ composite floors

def _softmax(x):
    e = x - x.max(1, keepdims=True)
    np.exp(e, out=e)
    e /= e.sum(1, keepdims=True)
    return e


def _softmax_grad(a, g, r):
    t = g * r
    s = t.sum(1, keepdims=True)
    np.subtract(g, s, out=t)
    t *= r
    return t


def _log_softmax(x):
    s = x - x.max(1, keepdims=True)
    s -= np.log(np.exp(s).sum(1, keepdims=True))
    return s


def _log_softmax_grad(a, g, r):
    e = np.exp(r)
    e *= g.sum(1, keepdims=True)
    return np.subtract(g, e, out=e)


def _layer_norm(a):
    x = a.x
    d = x - x.mean(1, keepdims=True)
    rstd = 1 / np.sqrt(np.einsum("ij,ij->i", d, d)[:, None] / F32(x.shape[1]) + F32(1e-5))
    d *= rstd
    d *= a.wc
    d += a.bc
    return d


def _layer_norm_grad(a, g, r):
    x = a.x
    d = x - x.mean(1, keepdims=True)
    rstd = 1 / np.sqrt(np.einsum("ij,ij->i", d, d)[:, None] / F32(x.shape[1]) + F32(1e-5))
    d *= rstd                                           # xhat
    dw = np.einsum("ij,ij->j", g, d)
    db = g.sum(0)
    dx = g * a.wc
    m1 = dx.mean(1, keepdims=True)
    m2 = np.einsum("ij,ij->i", dx, d)[:, None] / F32(x.shape[1])
    d *= m2
    dx -= m1
    dx -= d
    dx *= rstd
    return dx, dw, db


def _cross_entropy(a):
    x = a.x
    s = x - x.max(1, keepdims=True)
    lse = np.log(np.exp(s).sum(1))
    return np.mean(lse - s[np.arange(x.shape[0]), a.labels])


def _cross_entropy_grad(a, g, r):
    e = _softmax(a.x)
    e[np.arange(a.x.shape[0]), a.labels] -= 1
    e *= g / F32(a.x.shape[0])
    return e


def _rows_added(a, g, r):
    """embedding's / index_select's backward: rows of g added at their indices."""
    out = np.zeros(a.x.shape if r.shape == a.x.shape else r.shape, F32)
    np.add.at(out, a.idx, g)
    return out


def _norm(a):
    f = a.x.reshape(-1)
    return np.sqrt(np.dot(f, f))


def _cumsum_grad(a, g, r):
    w = g[:, ::-1].astype(np.float64)          # carried in float64, as the forward
    np.cumsum(w, 1, out=w)
    return w[:, ::-1].astype(F32)


def _mse(a):
    d = a.x - a.y
    return np.dot(d.reshape(-1), d.reshape(-1)) / F32(d.size)


def _mse_grad(a, g, r):
    d = a.x - a.y
    d *= 2 * g / F32(d.size)
    return d, -d


def _linear_grad(a, g, r):
    return g @ a.wl, g.T @ a.x, g.sum(0)


def _var_dim(a):
    return a.x.var(1, ddof=1)


def _pow2_grad(a, g, r):
    t = g * a.x
    t *= F32(2)
    return t


def _smooth_l1(a):
    """mean(where(|d| < 1, 0.5 d^2, |d| - 0.5)), d = x - y (beta 1; Huber's loss with delta 1
    is the same)."""
    d = a.x - a.y
    ad = np.abs(d)
    near = ad < 1
    d *= d
    d *= F32(0.5)
    ad -= F32(0.5)
    return np.where(near, d, ad).mean()


def _cosine_similarity(a):
    """x.y / (max(|x|, eps) max(|y|, eps)) along dim 1."""
    x, y = a.x, a.y
    n1 = np.sqrt(np.einsum("ij,ij->i", x, x))
    n2 = np.sqrt(np.einsum("ij,ij->i", y, y))
    return np.einsum("ij,ij->i", x, y) / (np.maximum(n1, F32(1e-8)) * np.maximum(n2, F32(1e-8)))


def _index_add(a):
    r = a.x.copy()
    np.add.at(r, a.idx, a.y)
    return r


def _carried(fn, x, **kw):
    """A float32 scan carried in float64 and rounded once per prefix, as PyTorch's CPU scans
    are (NumPy's float32 scan rounds every step: another result)."""
    w = x.astype(np.float64)
    fn(w, 1, out=w)
    return w.astype(F32)


def _carried_into(fn, buf):
    w = buf.astype(np.float64)
    fn(w, 1, out=w)
    np.copyto(buf, w, casting="unsafe")
    return buf


def _running_extreme(x, ufunc):
    """(running extreme, index of the last element holding it) along dim 1, NaNs propagating."""
    values = ufunc.accumulate(x, 1)
    hits = x == values
    hits |= np.isnan(x)
    positions = np.where(hits, np.arange(x.shape[1]), 0)
    return values, np.maximum.accumulate(positions, 1)


def _batch_norm(a):
    x = a.x
    m = x.mean(0)
    d = x - m
    v = np.einsum("ij,ij->j", d, d) / F32(x.shape[0])
    d *= a.wc / np.sqrt(v + F32(1e-5))
    d += a.bc
    return d
