"""The gamma family on NumPy arrays (NumPy has none): lgamma, digamma, trigamma, the Hurwitz
zeta function and polygamma.

lgamma is computed in float64 whatever the dtype (rounded once to float32, it is within an
ulp of C's lgammaf, which PyTorch calls; float32 results take fewer terms, `_L2_F32`, and
sin(pi r) as a polynomial, `_SIN_PI`):

    x in [1.5, 2.5)   lgamma(2 + z) as its Taylor series in z = x - 2 (exact), coefficients
                      (-1)^k (zeta(k) - 1) / k (`_L2`, 31 terms: 4^-k / k below 1e-19)
    x in [0.5, 1.5)   lgamma(2 + z) - log1p(z), z = x - 1
    x in (0, 0.5)     lgamma(2 + x) - log1p(x) - log(x): no rounding of the argument
    x in [2.5, 13)    shifted down into [1.5, 2.5): lgamma(x - k) + log((x - 1)...(x - k))
                      (x - k is exact)
    x >= 13           Stirling's series, seven terms
    x < 0             the reflection log(pi / |sin(pi x)|) - log(-x) - lgamma(-x), with
                      sin(pi x) from the reduced argument x - round(x) (exact); above -2^-70,
                      -log(-x), as C's lgamma
    0, -1, -2, ...    +inf, as are +-inf; nan stays nan

digamma, trigamma, zeta and polygamma follow PyTorch's own CPU code (ATen's Math.h, derived
from Cephes) step for step, in the input's dtype, so they round as PyTorch's do.
"""
import math

from ..backend import xp
from .bitselect import select

_F64 = xp.dtype(xp.float64)
_PI = math.pi
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)

# lgamma(2 + z) = sum_k _L2[k] z^(k+1)
_L2 = (0.42278433509846713, 0.3224670334241132, -0.0673523010531981, 0.020580808427784546,
       -0.007385551028673986, 0.0028905103307415234, -0.001192753911703261,
       0.0005096695247430425, -0.00022315475845357939, 9.945751278180853e-05,
       -4.492623673813314e-05, 2.050721277567069e-05, -9.439488275268397e-06,
       4.374866789907488e-06, -2.039215753801366e-06, 9.55141213040742e-07,
       -4.492469198764566e-07, 2.1207184805554665e-07, -1.0043224823968099e-07,
       4.7698101693639804e-08, -2.2711094608943164e-08, 1.0838659214896955e-08,
       -5.183475041970047e-09, 2.4836745438024785e-09, -1.1921401405860912e-09,
       5.731367241678862e-10, -2.7595228851242334e-10, 1.330476437424449e-10,
       -6.4229645638381e-11, 3.1044247747322276e-11, -1.5021384080754142e-11)
# Stirling: B_2k / (2k (2k - 1)), k = 1..7, as a series in 1 / x^2 (highest first)
_STIRLING = (1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360360,
             1.0 / 156)[::-1]


# float32 results: 20 terms of the series (the rest below 2e-14 of lgamma(2 + z)), and
# sin(pi r) for |r| <= 0.5 as its Taylor polynomial r * S(r^2), eleven terms (1e-18; NumPy's
# float64 sin has no SIMD loop and costs as much as sixty multiplications)
_L2_F32 = _L2[:20]
_SIN_PI = (5.392664662608125e-10, -2.2948428997269856e-08, 7.952054001475508e-07,
           -2.1915353447830204e-05, 0.00046630280576761234, -0.007370430945714348,
           0.08214588661112819, -0.5992645293207919, 2.550164039877345, -5.167712780049969,
           3.141592653589793)
_BLOCK = 1 << 16
_F32 = xp.dtype(xp.float32)


def _series_at_2(z, coeffs=_L2):
    """lgamma(2 + z) for |z| <= 0.5."""
    p = xp.full(z.shape, coeffs[-1])
    for c in coeffs[-2::-1]:
        p *= z
        p += c
    return p * z


def _sin_pi(r):
    """sin(pi r) for |r| <= 0.5 (float64)."""
    t = r * r
    p = xp.full(r.shape, _SIN_PI[0])
    for c in _SIN_PI[1:]:
        p *= t
        p += c
    return p * r


def _where(mask):
    """The indices where `mask` holds, or None: a gather and a scatter by index are several
    times quicker than NumPy's boolean indexing (the same elements, in the same order)."""
    return xp.flatnonzero(mask) if mask.any() else None


def _lgamma_positive(x, coeffs=_L2):
    """lgamma of finite x > 0 (float64)."""
    r = xp.empty(x.shape)
    i = _where(x < 0.5)
    if i is not None:
        s = x.take(i)
        r[i] = _series_at_2(s, coeffs) - xp.log1p(s) - xp.log(s)
    i = _where((x >= 0.5) & (x < 1.5))
    if i is not None:
        z = x.take(i) - 1.0
        r[i] = _series_at_2(z, coeffs) - xp.log1p(z)
    i = _where((x >= 1.5) & (x < 13.0))
    if i is not None:
        s = x.take(i)
        k = xp.floor(s - 1.5)                 # steps down to [1.5, 2.5)
        base = s - k
        prod = xp.ones(s.shape)
        for j in range(1, 12):
            use = k >= j
            if not use.any():
                break
            xp.multiply(prod, select(use, s - j, 1.0), out=prod)     # bit selection
        r[i] = _series_at_2(base - 2.0, coeffs) + xp.log(prod)
    i = _where(x >= 13.0)
    if i is not None:
        s = x.take(i)
        inv = 1.0 / s
        t = inv * inv
        p = xp.full(s.shape, _STIRLING[0])
        for c in _STIRLING[1:]:
            p *= t
            p += c
        p *= inv
        p[s > 1e17] = 0.0
        r[i] = (s - 0.5) * (xp.log(s) - 1.0) + (_HALF_LOG_2PI - 0.5) + p
    return r


def lgamma(a):
    """lgamma of a floating array, in its dtype (float32 a block at a time: the temporaries
    stay in cache)."""
    if a.dtype != _F32 or a.ndim != 1:
        return _lgamma64(a, _L2, None).astype(a.dtype, copy=False)
    out = xp.empty(a.shape, _F32)
    for s in range(0, a.size, _BLOCK):
        xp.copyto(out[s:s + _BLOCK], _lgamma64(a[s:s + _BLOCK], _L2_F32, _sin_pi),
                  casting="unsafe")
    return out


def _lgamma64(a, coeffs, sin_pi):
    """lgamma in float64, with `coeffs` of the series at 2 and sin(pi r) from `sin_pi`
    (NumPy's sin(pi * r) when None)."""
    x = a.astype(_F64, copy=False)
    out = xp.full(x.shape, xp.inf)
    flat = out.reshape(-1)              # indices are flat ones (take reads x flattened)
    finite = xp.isfinite(x)
    i = _where(xp.isnan(x))
    if i is not None:
        flat[i] = xp.nan
    i = _where(finite & (x > 0))
    if i is not None:
        flat[i] = _lgamma_positive(x.take(i), coeffs)
    neg = _where(finite & (x < 0) & (x != xp.floor(x)))
    if neg is not None:
        s = x.take(neg)
        r = s - xp.round(s)
        sin = xp.abs(xp.sin(_PI * r) if sin_pi is None else sin_pi(r))
        with xp.errstate(over="ignore", divide="ignore"):
            res = xp.log(_PI / sin) - xp.log(-s) - _lgamma_positive(-s, coeffs)
        tiny = s > -2.0 ** -70      # C's lgamma there: -log|x| (pi / sin(pi x) would overflow)
        if tiny.any():
            res[tiny] = -xp.log(-s[tiny])
        flat[neg] = res
    return out


# ------------------------------------------------------------------ PyTorch's digamma

_PSI_10 = 2.25175258906672110764
_DIGAMMA_A = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
              -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
              8.33333333333333333333E-2)


def digamma(a):
    """calc_digamma of ATen, elementwise in a's dtype."""
    t = a.dtype.type
    x = a.copy()
    neg = x < 0
    neg_int = neg & (x == xp.trunc(x))
    reflect = None
    if neg.any():
        r = xp.where(neg & ~neg_int, x - xp.trunc(x), 0.5).astype(_F64)
        reflect = (_PI / xp.tan(_PI * r)).astype(a.dtype)   # in double, as ATen
        x = xp.where(neg, t(1) - x, x)
    result = xp.zeros(x.shape, a.dtype)
    for _ in range(10):
        low = x < 10
        if not low.any():
            break
        xp.subtract(result, t(1) / xp.where(low, x, t(1)), out=result, where=low)
        xp.add(x, t(1), out=x, where=low)
    z = t(1) / (x * x)
    p = xp.full(x.shape, t(_DIGAMMA_A[0]))
    for c in _DIGAMMA_A[1:]:
        p = p * z + t(c)
    y = xp.where(x < t(1e17), z * p, t(0))
    out = result + xp.log(x) - t(0.5) / x - y
    ten = x == 10
    if ten.any():
        out[ten] = (result + t(_PSI_10))[ten]
    if reflect is not None:
        out = xp.where(neg, out - reflect, out)
        out[neg_int] = xp.nan
    zero = a == 0
    if zero.any():
        out[zero] = xp.copysign(xp.inf, -a[zero])
    return out


def trigamma(a):
    """ATen's trigamma, elementwise in a's dtype."""
    t = a.dtype.type
    x = a.copy()
    low = x < t(0.5)
    sign = xp.where(low, t(-1), t(1))
    s = xp.sin(t(_PI) * x)
    result = xp.where(low, -(t(_PI) * t(_PI)) / (s * s), t(0))
    x = xp.where(low, t(1) - x, x)
    for _ in range(6):
        result += t(1) / (x * x)
        x += t(1)
    ixx = t(1) / (x * x)
    tail = ixx * (t(1 / 6) - ixx * (t(1 / 30) - ixx * t(1 / 42)))
    result += (t(1) + t(1) / (t(2) * x) + tail) / x
    return sign * result


_MACHEP = 1.11022302462515654042E-16
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)


def zeta(x, q):
    """ATen's Hurwitz zeta(x, q) for a number x > 1 and an array q, in float64 (the CPU
    kernel accumulates in double)."""
    q = q.astype(_F64)
    res = xp.empty(q.shape)
    if x == 1:
        res[...] = xp.inf
        return res
    pole = (q <= 0) & (q == xp.floor(q))          # ATen returns inf before any sum
    res[pole] = xp.inf
    s = xp.power(q, -x)
    a = q.copy()
    b = xp.zeros(q.shape)
    done = pole.copy()
    i = 0
    while True:
        active = ~done & ((i < 9) | (a <= 9.0))
        if not active.any():
            break
        i += 1
        xp.add(a, 1.0, out=a, where=active)
        xp.copyto(b, xp.power(a, -x), where=active)
        xp.add(s, b, out=s, where=active)
        small = active & (-_MACHEP * s < b) & (b < _MACHEP * s)
        xp.copyto(res, s, where=small)
        done |= small
    rest = ~done
    if rest.any():
        w = a
        s = s + b * w / (x - 1.0) - 0.5 * b
        aa = xp.ones(q.shape)
        k = 0.0
        for c in _ZETA_A:
            aa = aa * (x + k)
            b = b / w
            t = aa * b / c
            s = s + t
            conv = rest & (xp.abs(t / s) < _MACHEP)
            xp.copyto(res, s, where=conv)
            rest &= ~conv
            k += 1.0
            aa = aa * (x + k)
            b = b / w
            k += 1.0
        xp.copyto(res, s, where=rest)
    return res


def polygamma(n, a):
    """polygamma(n, a) as ATen: digamma, trigamma, or
    (-1)^(n+1) exp(lgamma(n + 1)) zeta(n + 1, a)."""
    if n == 0:
        return digamma(a)
    if n == 1:
        return trigamma(a)
    t = a.dtype.type
    factorial = xp.exp(t(math.lgamma(n + 1.0)))
    z = zeta(float(n + 1), a).astype(a.dtype)
    return (t(1) if n % 2 else t(-1)) * factorial * z
