"""Activation kernels' blocks and backward formulas on NumPy arrays (what `activation` runs when
no graph is built): each keeps its tensor form's operations in their order, so the values are
the same, in as few buffers as it can, with bit selection (`bitselect`) in place of `where=`
masks (which branch per element).
"""
import math

from ..backend import clip, xp
from .bitselect import BITS, ones_where, select
from .kernels import _BLOCK, scratch
from .special import erf_array

SQRT_HALF = math.sqrt(0.5)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
GELU_C = 0.044715
F32_64 = (xp.dtype(xp.float32), xp.dtype(xp.float64))


_ZEROS = {}     # dtype -> a block of zeros, never written (shared by every thread)


def zeros_block(dtype, shape):
    """A read-only array of zeros of `dtype` and `shape` (a new one past the block size)."""
    n = 1
    for k in shape:
        n *= k
    if n > _BLOCK:
        return xp.zeros(shape, dtype)
    z = _ZEROS.get(dtype)
    if z is None:
        z = _ZEROS[dtype] = xp.zeros(_BLOCK, dtype)
        z.flags.writeable = False
    return z[:n].reshape(shape)


_SIGNED = {xp.dtype(t): xp.dtype(i) for t, i in (("float16", "int16"), ("float32", "int32"),
                                                 ("float64", "int64"))}


def hardshrink_block(r, a, lam):
    """a where |a| > lam (or nan), +0 elsewhere: a's bits and-ed with a mask that is all ones
    where |a| > lam; r (of a's dtype) may be a. For lam > 0 the mask is the sign of
    bits(lam) - bits(|a|) spread by an arithmetic shift (the bits of non-negative floats order
    as they do, nan's above every number); otherwise it is made from the comparison's bytes
    (0 - 1 is all ones, sign-extended)."""
    if lam > 0:
        i = _SIGNED[a.dtype]
        ab = a.view(i)
        m = xp.bitwise_and(ab, i.type(xp.iinfo(i).max), out=scratch(0, i, a.shape))   # |a|
        xp.subtract(lam.view(i), m, out=m)
        xp.right_shift(m, i.type(8 * i.itemsize - 1), out=m)
        xp.bitwise_and(ab, m, out=r.view(i))
        return
    u = BITS[a.dtype]
    inside = xp.less_equal(xp.absolute(a, out=scratch(0, a.dtype, a.shape)), lam,
                           out=scratch(1, xp.bool_, a.shape)).view(xp.int8)
    inside -= 1
    keep = scratch(2, u, a.shape)
    xp.copyto(keep, inside, casting="unsafe")
    xp.bitwise_and(a.view(u), keep, out=r.view(u))


def softshrink_block(r, a, lam):
    """a - clamp(a, -lam, lam) with a's sign bit or-ed in: x -+ lam outside (already of a's
    sign) and PyTorch's x * 0, a zero of a's sign, between (copysign has no SIMD loop); r (of
    a's dtype) may be a."""
    u = BITS[a.dtype]
    sign = xp.bitwise_and(a.view(u), u.type(1 << (8 * u.itemsize - 1)),
                          out=scratch(2, u, a.shape))
    c = clip(a, -lam, lam, out=scratch(0, a.dtype, a.shape))
    xp.subtract(a, c, out=r)
    rb = r.view(u)
    rb |= sign


def leaky_block_max(r, a, slope, u):
    """a > 0 ? a : a * slope for a slope in (0, 1]: the larger of a and a * slope (the same
    value, signed zeros, infinities and NaNs included); r may be a."""
    t = xp.multiply(a, slope, out=scratch(0, a.dtype, a.shape))
    xp.maximum(a, t, out=r)


def leaky_block(r, a, slope, u):
    """a > 0 ? a : a * slope (PyTorch's kernel), bit-selected in scratch; r may be a."""
    t = scratch(0, a.dtype, a.shape)
    xp.multiply(a, slope, out=t)
    m = scratch(1, u, a.shape)
    ones_where(xp.greater(a, 0, out=scratch(2, xp.bool_, a.shape)), u, out=m)
    x = scratch(3, u, a.shape)
    tb = t.view(u)
    xp.bitwise_xor(a.view(u), tb, out=x)
    xp.bitwise_and(x, m, out=x)
    xp.bitwise_xor(x, tb, out=r.view(u))


def elu_block(r, a, k, scale, input_scale, u):
    """Both branches over the whole block (the unselected one's overflow is harmless), then
    bit-selected by a <= 0 in scratch; r may be a."""
    e = scratch(0, a.dtype, a.shape)
    if input_scale != 1:
        xp.multiply(a, input_scale, out=e)
        xp.expm1(e, out=e)
    else:
        xp.expm1(a, out=e)
    e *= k
    p = a
    if scale != 1:
        p = xp.multiply(a, scale, out=scratch(1, a.dtype, a.shape))
    m = ones_where(xp.less_equal(a, 0, out=scratch(2, xp.bool_, a.shape)), u,
                   out=scratch(3, u, a.shape))
    pb = p.view(u)
    x = xp.bitwise_xor(e.view(u), pb, out=e.view(u))
    xp.bitwise_and(x, m, out=x)
    xp.bitwise_xor(x, pb, out=r.view(u))


def elu_backward_array(grad, self, alpha, scale, input_scale):
    """The tensor formula's operations on arrays, bit-selected (xp.where off bit dtypes)."""
    t = grad.dtype.type
    e = xp.exp(self) if input_scale == 1 else xp.exp(xp.multiply(self, t(input_scale)))
    xp.multiply(grad, e, out=e)
    e *= t(alpha * scale * input_scale)
    return select(self <= 0, e, grad if scale == 1 else grad * t(scale))


def elu_backward_result_array(grad, result, alpha, scale, input_scale):
    """The in-place form's formula on arrays, bit-selected."""
    t = grad.dtype.type
    neg = xp.add(result, t(alpha * scale))
    xp.multiply(grad, neg, out=neg)
    if input_scale != 1:
        neg *= t(input_scale)
    return select(result <= 0, neg, grad if scale == 1 else grad * t(scale))


def _by_blocks(body, grad, x):
    """body(out_block, grad_block, x_block) over blocks of the result (its one full-size buffer;
    the formulas' temporaries are scratch slots 10 and up, apart from erf's)."""
    out = xp.empty(xp.broadcast_shapes(grad.shape, x.shape), xp.result_type(grad, x))
    if grad.shape == x.shape == out.shape and grad.flags.c_contiguous and x.flags.c_contiguous:
        o, g, a = out.reshape(-1), grad.reshape(-1), x.reshape(-1)
        for s in range(0, o.size, _BLOCK):
            body(o[s:s + _BLOCK], g[s:s + _BLOCK], a[s:s + _BLOCK])
    else:
        body(out, grad, x)
    return out


def gelu_grad_array(grad, x):
    """grad * (cdf + x * pdf) on arrays: the tensor formula's operations in its order, a block at
    a time."""
    return _by_blocks(_gelu_grad_block, grad, x)


def _gelu_grad_block(out, grad, x):
    t = x.dtype.type
    cdf = xp.multiply(x, t(SQRT_HALF), out=scratch(10, x.dtype, x.shape))
    erf_array(cdf, cdf)
    cdf += t(1)
    cdf *= t(0.5)
    pdf = xp.multiply(x, x, out=scratch(11, x.dtype, x.shape))
    pdf *= t(-0.5)
    xp.exp(pdf, out=pdf)
    pdf *= t(INV_SQRT_2PI)
    pdf *= x
    cdf += pdf
    xp.multiply(grad, cdf, out=out)


def gelu_tanh_grad_array(grad, x):
    """The tanh form's formula on arrays, its operations in its order, a block at a time."""
    return _by_blocks(_gelu_tanh_grad_block, grad, x)


def _gelu_tanh_grad_block(out, grad, x):
    t = x.dtype.type
    inner = xp.multiply(x, x, out=scratch(10, x.dtype, x.shape))
    inner *= x
    inner *= t(GELU_C)
    inner += x
    inner *= t(SQRT_2_OVER_PI)
    th = xp.tanh(inner, out=inner)
    d = xp.multiply(x, x, out=scratch(11, x.dtype, x.shape))
    d *= t(3 * GELU_C)
    d += t(1)
    d *= t(SQRT_2_OVER_PI)
    b = xp.multiply(x, t(0.5), out=scratch(12, x.dtype, x.shape))
    sq = xp.multiply(th, th, out=scratch(13, x.dtype, x.shape))
    xp.subtract(t(1), sq, out=sq)
    b *= sq
    b *= d
    th += t(1)
    th *= t(0.5)
    th += b
    xp.multiply(grad, th, out=out)


def silu_grad_array(grad, x):
    """The tensor formula's operations on arrays, in its order, a block at a time (sigmoid as
    its kernel computes it)."""
    return _by_blocks(_silu_grad_block, grad, x)


def _silu_grad_block(out, grad, x):
    one = x.dtype.type(1)
    s = xp.negative(x, out=scratch(10, x.dtype, x.shape))
    xp.exp(s, out=s)
    s += one
    xp.reciprocal(s, out=s)
    xp.multiply(grad, s, out=out)
    xp.subtract(one, s, out=s)
    s *= x
    s += one
    out *= s


def hardswish_grad_array(grad, x):
    """where(x <= 3, grad * (x / 3 + 0.5), grad), zeroed below -3, on arrays: the tensor
    formula's arithmetic in its order, the two selections on the bits, a block at a time."""
    return _by_blocks(_hardswish_grad_block, grad, x)


def _keep_mask(b, u, shape):
    """All ones where the boolean block `b` is False, zero where True: its bytes less one,
    sign-extended into `u` (written over b)."""
    m = b.view(xp.int8)
    m -= 1
    keep = scratch(12, u, shape)
    xp.copyto(keep, m, casting="unsafe")
    return keep


def _hardswish_grad_block(out, grad, x):
    t = x.dtype.type
    u = BITS[x.dtype]
    f = xp.divide(x, t(3), out=scratch(10, x.dtype, x.shape))
    f += t(0.5)
    f *= grad
    fb, gb, ob = f.view(u), grad.view(u), out.view(u)
    b = scratch(11, xp.bool_, x.shape)
    take_grad = _keep_mask(xp.less_equal(x, t(3), out=b), u, x.shape)   # x > 3 or nan
    xp.bitwise_xor(gb, fb, out=ob)
    ob &= take_grad
    ob ^= fb
    ob &= _keep_mask(xp.less(x, t(-3), out=b), u, x.shape)


def any_dim(kernel):
    """NumPy's arithmetic on a 0-dim array gives a scalar, which a kernel's in-place steps
    cannot write into: a 0-dim input runs as a 1-element view instead."""
    def k(out, dt, a, *params):
        if a.ndim:
            return kernel(out, dt, a, *params)
        r = kernel(None if out is None else out.reshape(1), dt, a.reshape(1), *params)
        return r.reshape(()) if out is None else out
    k.__name__ = kernel.__name__
    return k


def in_dtype(dt, a):
    """The input in the compute dtype."""
    return a.astype(dt) if dt is not None and a.dtype != dt else a
