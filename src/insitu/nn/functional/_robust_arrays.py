"""The smooth L1 and Huber losses per element, and their gradients, on arrays.

Both losses pick between a square and a line at |d| = beta (delta). NumPy's where branches per
element and runs 20-40x slower than a plain ufunc pass on such a mask, so the pick is made on
the bits (`ops.bitselect`), a block at a time in the thread's scratch buffers, so that the
dozen passes stay in cache. Every value is the ufunc of the plain expression it replaces
(`0.5 * d * d`, `delta * (|d| - 0.5 * delta)`, ...), in the same order and dtype: the results
are those of the formulas in the docstrings, bit for bit.
"""
from ...backend import xp
from ...ops.bitselect import BITS, ones_where
from ...ops.kernels import _BLOCK, scratch


def _blocks(d):
    """The flat blocks of the C-contiguous array `d`, or None where the plain expression is
    used (a 0-d result, another layout or a dtype with no bit pattern)."""
    if not isinstance(d, xp.ndarray) or not d.ndim or not d.flags.c_contiguous \
            or d.dtype not in BITS:
        return None
    flat = d.reshape(-1)
    return [flat[s:s + _BLOCK] for s in range(0, flat.size, _BLOCK)]


def _pick_into(out, m, q, lin):
    """out = where(near, q, lin) on the bits (all three of one float dtype and size), m all
    ones where near."""
    u = BITS[out.dtype]
    m = m.view(u)
    qb, lb = q.view(u), lin.view(u)
    xp.bitwise_xor(qb, lb, out=qb)
    xp.bitwise_and(qb, m, out=qb)
    xp.bitwise_xor(qb, lb, out=out.view(u))


def smooth_l1_into(d, beta):
    """where(|d| < beta, 0.5 * d * d / beta, |d| - 0.5 * beta), written over `d` (returned)."""
    blocks = _blocks(d)
    if blocks is None:
        ad = xp.abs(d)
        return xp.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta)
    half = 0.5 * beta
    for b in blocks:
        ad, near, lin = _parts(b, beta, half)
        q = xp.multiply(0.5, b, out=ad)
        q *= b
        if beta != 1:               # x / 1 is x
            q /= beta
        _pick_into(b, near, q, lin)
    return d


_SIGNED = {xp.dtype(t): xp.dtype(i) for t, i in (("float16", "int16"), ("float32", "int32"),
                                                 ("float64", "int64"))}


def _parts(b, bound, half):
    """|b|, a mask all ones where |b| < bound, and |b| - half, for a block, in scratch. For a
    bound > 0 the mask is the sign of bits(|b|) - bits(bound) spread by an arithmetic shift
    (the bits of non-negative floats order as they do, nan's above every number)."""
    n, dt = b.size, b.dtype
    ad = xp.absolute(b, out=scratch(0, dt, (n,)))
    bound = dt.type(bound)          # as the comparison sees it
    if bound > 0:
        i = _SIGNED[dt]
        m = xp.subtract(ad.view(i), bound.view(i), out=scratch(3, i, (n,)))
        xp.right_shift(m, i.type(8 * i.itemsize - 1), out=m)
    else:
        u = BITS[dt]
        m = ones_where(xp.less(ad, bound, out=scratch(2, xp.bool_, (n,))), u,
                       out=scratch(3, u, (n,)))
    lin = xp.subtract(ad, half, out=scratch(1, dt, (n,)))
    return ad, m, lin


def huber_into(d, delta):
    """where(|d| < delta, 0.5 * d * d, delta * (|d| - 0.5 * delta)), written over `d`."""
    blocks = _blocks(d)
    if blocks is None:
        ad = xp.abs(d)
        return xp.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
    half = 0.5 * delta
    for b in blocks:
        ad, near, lin = _parts(b, delta, half)
        if delta != 1:              # 1 * x is x
            xp.multiply(delta, lin, out=lin)
        q = xp.multiply(0.5, b, out=ad)
        q *= b
        _pick_into(b, near, q, lin)
    return d
