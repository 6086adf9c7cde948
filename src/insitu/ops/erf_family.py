"""erfc, erfinv, i0 and i1 on NumPy arrays.

erfc is computed in float64 whatever the dtype. Float32 takes one formula for all x (below,
at `_ERFCX_T`); float64 needs more accuracy and, without the cancellation of 1 - erf(x):

    |x| < 0.84375       1 - erf(x)
    0.84375 <= x < 6    exp(-x^2) erfcx(x), erfcx fitted on four intervals
    x >= 6              exp(-x^2) g(1 / x^2) / x, g(u) = x erfcx(x) fitted on (0, 1/36]
                        (`mpmath.chebyfit`, degree 14, 2e-21 relative)
    x < -0.84375        2 - erfc(-x)

exp(-x^2) is exp(-h^2) exp(-(x - h)(x + h)) with h = x rounded to float32, so that h^2 is exact
and the rounding of x^2 (relative 1e-16, absolute 1e-13 at x = 26) does not reach the result.

erfinv, i0 and i1 follow ATen's Math.h step for step in the input's dtype (erfinv: a rational
first guess and two Newton steps; i0 and i1: Cephes's Chebyshev series), so they round as
PyTorch's CPU kernels do.
"""
import math

from ..backend import clip, xp
from .erf import erf_array
from .kernels import blocked, scratch

_F64 = xp.dtype(xp.float64)
_F32 = xp.dtype(xp.float32)
_SMALL = 0.84375

# erfcx(x) = exp(x^2) erfc(x) on [lo, hi] as a polynomial in s = (x - c) / h, highest degree
# first (`mpmath.chebyfit`, within 5e-19 relative)
_ERFCX = (
    (0.84375, 1.5, 1.171875, 0.328125, (1.0361230965632387e-15, -1.115338380498095e-14,
     1.1274929620185194e-13, -1.151677926975485e-12, 1.1450175917777279e-11,
     -1.1046481461546897e-10, 1.0326058115442473e-09, -9.330818191149989e-09,
     8.127847355613932e-08, -6.802703925107418e-07, 5.449189067201341e-06, -4.157557625033067e-05,
     0.00030032010850812834, -0.0020379548111198556, 0.012857145479393102, -0.07431110768608735,
     0.38481374714100164)),
    (1.5, 2.5, 2.0, 0.5, (2.3499047873035464e-14, -1.9104751081971532e-13, 1.4220522208718966e-12,
     -1.105585983819779e-11, 8.419550792602017e-11, -6.247858207594854e-10, 4.519701266061009e-09,
     -3.182366011581627e-08, 2.176887318152635e-07, -1.443580996570628e-06, 9.257343676999363e-06,
     -5.7239508616337115e-05, 0.00034004615859202107, -0.0019325797205364107, 0.010450688150881637,
     -0.0533982309267448, 0.25539567631050575)),
    (2.5, 4.0, 3.25, 0.75, (1.50140381414803e-13, -9.924766123756205e-13, 5.823211570968011e-12,
     -3.718585146658852e-11, 2.3463366250483014e-10, -1.4483904328516424e-09,
     8.778203678928047e-09, -5.219939846136253e-08, 3.042263321720137e-07, -1.7359099524373456e-06,
     9.685663579535812e-06, -5.277242617299875e-05, 0.0002803373858604941, -0.0014493394550706613,
     0.007277226121697713, -0.03539955174087778, 0.16633534842682188)),
    (4.0, 6.0, 5.0, 1.0, (-2.982071337988898e-16, 1.948377326507574e-15, -1.1118364936772314e-14,
     7.107047616671595e-14, -4.528801602024238e-13, 2.8368468441865878e-12,
     -1.7577366749976173e-11, 1.0774076839884396e-10, -6.529591306226997e-10,
     3.911242694721211e-09, -2.3147487660861367e-08, 1.3529365088737948e-07,
     -7.806319491797785e-07, 4.4443343496390134e-06, -2.4953883570284012e-05,
     0.00013810242090031514, -0.0007528968134272888, 0.0040406889089370755, -0.02133278976482631,
     0.11070463773306863)),
)
# g(u) = x erfcx(x) at u = 1 / x^2, highest degree first
_G = (630290598.4383938, -185784548.05547622, 28753997.743064728, -3330421.940774355,
      350247.31069834967, -37793.91213606438, 4465.063855570553, -595.6184713662151,
      91.6365983354449, -16.661223048592134, 3.7024941402942777, -1.05785546914895,
      0.4231421876608143, -0.28209479177387814, 0.5641895835477563)


def _horner(coeffs, s, p):
    p[...] = coeffs[0]
    for c in coeffs[1:]:
        p *= s
        p += c
    return p


def _exp_neg_square(x):
    x = xp.minimum(x, 30.0)                   # erfc is 0 there already; h stays finite
    h = x.astype(_F32).astype(_F64)
    return xp.exp(-(h * h)) * xp.exp(-((x - h) * (x + h)))


def _erfc_positive(x):
    """erfc of x >= 0.84375 (float64; +inf gives 0)."""
    r = xp.empty(x.shape)
    for lo, hi, c, h, coeffs in _ERFCX:
        sel = (x >= lo) & (x < hi)
        if sel.any():
            s = (x[sel] - c) * (1.0 / h)
            r[sel] = _exp_neg_square(x[sel]) * _horner(coeffs, s, xp.empty(s.shape))
    far = x >= 6.0
    if far.any():
        s = x[far]
        fin = xp.isfinite(s)
        u = xp.where(fin, 1.0 / (s * s), 0.0)
        g = _horner(_G, u, xp.empty(u.shape))
        r[far] = xp.where(fin, _exp_neg_square(xp.where(fin, s, 0.0)) * g / s, 0.0)
    return r


# float32: erfc(x) = exp(-x^2) R(t) for x >= 0, R a fit of erfcx in t = (x - 3) / (x + 3)
# (which maps [0, inf) to [-1, 1)) on [0, 10.1], degree 14, within 1.2e-12 relative; past
# 10.1 erfc rounds to 0 in float32 (the argument is clipped there). The coefficients, highest
# degree first, are a least-squares fit of the relative error at 200 Chebyshev nodes in t
# against mpmath at 30 digits.
_ERFCX_T = (8.423153706671787e-07, 1.379176694626949e-06, -7.866043533722068e-06,
            -1.2273210409760982e-05, 6.412558501433519e-05, 4.503535279330417e-05,
            -0.0005971043945007483, 0.0007077904563536823, 0.004269144504538025,
            -0.024392504006348112, 0.0716658365784912, -0.15011593627009143,
            0.24560380172696036, -0.32623356004641885, 0.17900115118135093)
_ERFC32_CLIP = 10.1


def _erfc32_block(out, x, dtype):
    """erfc of a float32 block in float64 scratch: one formula for every element (no
    per-interval selection), 2 - erfc(|x|) for negative x (rounded twice in float64: within
    4e-16 of it)."""
    shape = x.shape
    ax = xp.absolute(x, out=scratch(0, _F64, shape))
    clip(ax, 0.0, _ERFC32_CLIP, out=ax)              # nan stays nan
    t = xp.add(ax, 3.0, out=scratch(1, _F64, shape))
    xp.divide(-6.0, t, out=t)
    t += 1.0                                         # (|x| - 3) / (|x| + 3)
    p = xp.multiply(t, _ERFCX_T[0], out=scratch(2, _F64, shape))
    p += _ERFCX_T[1]
    for c in _ERFCX_T[2:]:
        p *= t
        p += c
    e = xp.multiply(ax, ax, out=ax)                  # exact: x has 24 bits
    xp.negative(e, out=e)
    xp.exp(e, out=e)
    e *= p                                           # erfc(|x|)
    neg = xp.less(x, 0, out=scratch(3, xp.bool_, shape))
    if neg.any():                                    # + (2 - 2 erfc(|x|)) where x < 0
        w = xp.multiply(e, -2.0, out=t)
        w += 2.0
        xp.copyto(p, neg)                            # 1.0 where x < 0, else 0.0
        w *= p                                       # 0 * a finite number: +0
        e += w
    xp.copyto(out, e, casting="unsafe")


def erfc(a):
    """erfc of a floating array, in its dtype."""
    if a.dtype == _F32 and a.ndim:
        return blocked(xp.empty(a.shape, _F32), (a,), _erfc32_block, None)
    x = a.astype(_F64, copy=False)
    out = 1.0 - erf_array(x)                  # exact enough below 0.84375, nan stays nan
    pos = x >= _SMALL
    if pos.any():
        out[pos] = _erfc_positive(x[pos])
    neg = x <= -_SMALL
    if neg.any():
        out[neg] = 2.0 - _erfc_positive(-x[neg])
    return out.astype(a.dtype, copy=False)


# ------------------------------------------------------------------ ATen's erfinv

_ERFINV_A = (0.886226899, -1.645349621, 0.914624893, -0.140543331)
_ERFINV_B = (-2.118377725, 1.442710462, -0.329097515, 0.012229801)
_ERFINV_C = (-1.970840454, -1.624906493, 3.429567803, 1.641345311)
_ERFINV_D = (3.543889200, 1.637067800)


def erfinv(y):
    """calc_erfinv of ATen, elementwise in y's dtype."""
    t = y.dtype.type
    a, b, c, d = ([t(v) for v in cs] for cs in (_ERFINV_A, _ERFINV_B, _ERFINV_C, _ERFINV_D))
    ay = xp.abs(y)
    central = ay <= t(0.7)
    z = y * y
    num = ((a[3] * z + a[2]) * z + a[1]) * z + a[0]
    dem = (((b[3] * z + b[2]) * z + b[1]) * z + b[0]) * z + t(1)
    x = y * num / dem
    tail = ~central
    if tail.any():
        w = xp.where(tail, ay, t(0))
        zt = xp.sqrt(-xp.log((t(1) - w) / t(2)))
        num = ((c[3] * zt + c[2]) * zt + c[1]) * zt + c[0]
        dem = (d[1] * zt + d[0]) * zt + t(1)
        x = xp.where(tail, xp.copysign(num, y) / dem, x)
    k = t(2.0 / math.sqrt(math.pi))
    for _ in range(2):
        x = x - (erf_array(x) - y) / (k * xp.exp(-x * x))
    x[ay > 1] = xp.nan
    one = ay == 1
    if one.any():
        x[one] = xp.copysign(xp.inf, y[one])
    return x


# ------------------------------------------------------------------ ATen's i0 and i1

_I0_A = (-4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
         1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
         -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
         9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
         -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
         1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
         -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
         1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
         -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
         1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1)
_I0_B = (-7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
         3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
         1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
         -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
         7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
         -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
         3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
         2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
         8.04490411014108831608E-1)
_I1_A = (2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16,
         -1.10559694773538630805E-15, 7.60068429473540693410E-15, -5.04218550472791168711E-14,
         3.22379336594557470981E-13, -1.98397439776494371520E-12, 1.17361862988909016308E-11,
         -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,
         9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7,
         -8.56872026469545474066E-7, 3.47025130813767847674E-6, -1.32731636560394358279E-5,
         4.78156510755005422638E-5, -1.61760815825896745588E-4, 5.12285956168575772895E-4,
         -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,
         2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1,
         -1.76416518357834055153E-1, 2.52587186443633654823E-1)
_I1_B = (7.51729631084210481353E-18, 4.41434832307170791151E-18, -4.65030536848935832153E-17,
         -3.20952592199342395980E-17, 2.96262899764595013876E-16, 3.30820231092092828324E-16,
         -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,
         4.27244001671195135429E-14, -2.10154184277266431302E-14, -4.08355111109219731823E-13,
         -7.19855177624590851209E-13, 2.03562854414708950722E-12, 1.41258074366137813316E-11,
         3.25260358301548823856E-11, -1.89749581235054123450E-11, -5.58974346219658380687E-10,
         -3.83538038596423702205E-9, -2.63146884688951950684E-8, -2.51223623787020892529E-7,
         -3.88256480887769039346E-6, -1.10588938762623716291E-4, -9.76109749136146840777E-3,
         7.78576235018280120474E-1)


def _chbevl(x, coeffs):
    t = x.dtype.type
    b0 = xp.full(x.shape, t(coeffs[0]))
    b1 = xp.zeros(x.shape, x.dtype)
    b2 = b1
    for c in coeffs[1:]:
        b2 = b1
        b1 = b0
        b0 = x * b1 - b2 + t(c)
    return t(0.5) * (b0 - b2)


def _bessel(a, first, second, odd):
    t = a.dtype.type
    x = xp.abs(a)
    near = x <= t(8)
    far_x = xp.where(near, t(16), x)
    with_near = xp.exp(x) * _chbevl(x / t(2) - t(2), first)
    if odd:
        with_near = xp.exp(x) * x * _chbevl(x / t(2) - t(2), first)
    with_far = xp.exp(far_x) * _chbevl(t(32) / far_x - t(2), second) / xp.sqrt(far_x)
    out = xp.where(near, with_near, with_far)
    return xp.where(a < 0, -out, out) if odd else out


def i0(a):
    """calc_i0 of ATen, elementwise in a's dtype."""
    return _bessel(a, _I0_A, _I0_B, False)


def i1(a):
    """calc_i1 of ATen (its double coefficients), elementwise in a's dtype."""
    return _bessel(a, _I1_A, _I1_B, True)
