"""erf on NumPy arrays (NumPy has none): polynomial fits evaluated in float64, block by block.

    |x| < 0.84375:   erf(x) = x * P(x^2)
    |x| >= 0.84375:  erf(x) = sign(x) * T(s),  s = (|x| - c) / h  mapping [lo, hi] to [-1, 1]

Past the last interval erf rounds to +-1 (the argument is clipped there). The coefficients are
Chebyshev fits at 50 digits (`mpmath.chebyfit(f, interval, degree + 1)`), written out in
monomial form, highest degree first. Two sets:

- float64: P of degree 10 in x^2; T = 1 - exp(-x^2) R(s), R a fit of erfcx = exp(x^2) erfc of
  degree 18 on [0.84375, 2.5] and 16 on [2.5, 6]: within 2 ulp (2.5e-16 relative) of the
  correctly rounded erf.
- float32 (and narrower): P of degree 5; T a fit of erf itself of degree 15 on [0.84375, 4].
  The float64 result is within 7e-9 relative of erf, so rounded to float32 it is within 1 ulp
  (almost always the correctly rounded value).

Each block of `_BLOCK` elements is converted to float64 in scratch buffers (`kernels.scratch`);
the small-argument polynomial runs over the whole block (most arguments in practice), the tail
formula only over the elements past 0.84375 (gathered into scratch by their indices, then put
back), and the block is cast into the output. An in-place call allocates nothing but the
indices of one block's large arguments (the gathers take `mode="clip"`: with "raise" NumPy
buffers the output, another block-sized allocation).
"""
from ..backend import xp
from .kernels import scratch

_BLOCK = 1 << 16
_F64 = xp.dtype(xp.float64)
_SMALL = 0.84375
_SMALL_SQ = _SMALL * _SMALL
_INF = float("inf")

# erf(x) / x as a polynomial in x^2 on [0, 0.84375]
_P32 = (-0.0006353060560274759, 0.005057443327366071, -0.026806251301416638,
        0.11282805217978197, -0.3761257909818635, 1.128379161189615)
_P64 = (1.0726571432176348e-08, -1.571446067260244e-07, 1.640162967934702e-06,
        -1.4922121574443055e-05, 0.00012055199941321885, -0.000854832379116413,
        0.005223977576377844, -0.02686617064077985, 0.11283791670935311, -0.376126389031834,
        1.1283791670955126)

# float32: erf itself on [0.84375, 4] as a polynomial in s = (x - c) / h (no exp: NumPy's
# float64 exp costs as much as twenty multiplications)
_T32 = ((_SMALL, _INF, 2.421875, 1.578125, False, (
    -0.00029117914142108586, 0.0007252904227079236, 0.0007460084504283569,
    -0.004310532416659355, 0.0037364887263520233, 0.00631693012270972, -0.01902371971010593,
    0.01772556395985813, 0.007876472626839444, -0.046992599729343866, 0.07330980173854411,
    -0.06993748147867744, 0.044983753000602034, -0.019299657449754926, 0.005049533007775633,
    0.9993853119912948)),)
# float64: erfcx = exp(x^2) erfc(x) on [lo, hi] in s = (x - c) / h
_T64 = ((_SMALL, 2.5, 1.671875, 0.828125, True, (
    1.5024892932497794e-11, -7.31331556188396e-11, 2.7773320840177633e-10,
    -1.2854619338860303e-09, 5.960680251226782e-09, -2.6412205890769412e-08,
    1.140364634086947e-07, -4.802591588241249e-07, 1.9673644332190775e-06,
    -7.823663047697399e-06, 3.0138675044232835e-05, -0.0001121829951954563,
    0.0004022719239116415, -0.0013846705327451956, 0.004555209679722917,
    -0.014244079867080095, 0.042041457679813994, -0.11603158889485458,
    0.29555605243119865)),
        (2.5, _INF, 4.25, 1.75, True, (
            6.672401239787541e-09, -2.2011655755558453e-08, 4.340785233372781e-08,
            -1.376136771444552e-07, 4.799778685654124e-07, -1.490554096698809e-06,
            4.5184699008630915e-06, -1.3624659296851946e-05, 4.048691790079699e-05,
            -0.00011835634003887862, 0.0003403115108888953, -0.0009617326341446026,
            0.002669003724448917, -0.007266954342301149, 0.019391340463581565,
            -0.05065257997505813, 0.12934527478598792)))


def erf_array(x, out=None):
    """erf of a floating array, written into `out` (a new array of x's dtype if None)."""
    if out is None:
        out = xp.empty(x.shape, x.dtype)
    if x.size == 0:
        return out
    fits = (_P64, _T64) if x.dtype == _F64 else (_P32, _T32)
    src = x.reshape(-1) if x.flags.c_contiguous else x.ravel()   # a copy only if strided
    dst = out.reshape(-1) if out.flags.c_contiguous else xp.empty(out.size, out.dtype)
    for s in range(0, src.size, _BLOCK):
        _erf_block(src[s:s + _BLOCK], dst[s:s + _BLOCK], *fits)
    if not out.flags.c_contiguous:
        out[...] = dst.reshape(out.shape)
    return out


def _erf_block(x, out, p_coeffs, tails):
    n = x.size
    if x.dtype == _F64:
        w = x
    else:
        w = scratch(0, _F64, (n,))
        xp.copyto(w, x)
    t = xp.multiply(w, w, out=scratch(1, _F64, (n,)))
    r = _horner(p_coeffs, t, scratch(2, _F64, (n,)))
    r *= w                                     # x * P(x^2): keeps the sign, -0 and nan
    far = xp.greater_equal(t, _SMALL_SQ, out=scratch(3, xp.bool_, (n,)))
    if far.any():
        idx = xp.flatnonzero(far)              # the only allocation: at most _BLOCK indices
        for piece in tails:
            _tail(w, r, t, idx, *piece)
    xp.copyto(out, r, casting="unsafe")


def _horner(coeffs, t, p):
    xp.multiply(t, coeffs[0], out=p)
    for c in coeffs[1:-1]:
        p += c
        p *= t
    p += coeffs[-1]
    return p


def _tail(w, r, t, idx, lo, hi, c, h, erfcx, coeffs):
    """r = sign(x) * erf(|x|) where lo <= |x| < hi, among the indices `idx` (t holds x^2):
    the polynomial itself, or 1 - exp(-x^2) * erfcx(|x|) with `erfcx` true."""
    if lo != _SMALL or hi != _INF:             # one piece of several: the indices in it
        tt = t[idx]
        idx = idx[tt >= lo * lo] if hi == _INF else idx[(tt >= lo * lo) & (tt < hi * hi)]
    k = idx.size
    if not k:
        return
    x = xp.take(w, idx, out=scratch(6, _F64, (k,)), mode="clip")
    a = xp.absolute(x, out=scratch(7, _F64, (k,)))
    xp.minimum(a, c + h, out=a)                # past the fit erf rounds to 1: clip there
    s = xp.subtract(a, c, out=scratch(8, _F64, (k,)))
    s *= 1.0 / h
    if erfcx:
        rr = _horner(coeffs, s, scratch(9, _F64, (k,)))
        xp.multiply(a, a, out=a)
        xp.negative(a, out=a)
        xp.exp(a, out=a)                       # exp(-x^2)
        a *= rr
        xp.subtract(1.0, a, out=a)
    else:
        a = _horner(coeffs, s, a)
    xp.copysign(a, x, out=a)
    r[idx] = a
