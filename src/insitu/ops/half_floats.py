"""float32 <-> float16 conversion on the bits, as PyTorch's vectorised CPU conversion rounds.

NumPy converts to and from float16 one element at a time (a branchy scalar routine), some forty
times slower than PyTorch's vector instructions. These are whole-array ufunc passes instead:

- float32 -> float16 (`to_half`), round to nearest even: the normal range rounds its bits with
  `(bits + 0xfff + odd) >> 13`; the subnormal range by one float addition (`|x| + 0.5` has ulp
  2**-24, float16's subnormal step, so the FPU rounds it); the two are combined without a
  select (`|x|` is clipped for each into its own range, the other contributes a constant that
  is folded away). Overflow rounds to inf (`|x|` clipped at 65536); NaN keeps its sign and the
  payload's top ten bits, quieted (0x7e00), as the hardware conversion does.
- float16 -> float32 (`to_float`): exact, one gather from a table of the 65536 values (NaN
  quieted, as the hardware conversion does).

Exhaustively bit-exact with PyTorch for all 2**32 float32 inputs and 2**16 float16 inputs. Small
arrays, other layouts than C-contiguous (kept by `astype`) and big-endian machines take NumPy's
conversion.
"""
import sys

from ..backend import clip, xp
from .kernels import scratch

_U32, _F32, _U16 = xp.dtype(xp.uint32), xp.dtype(xp.float32), xp.dtype(xp.uint16)
_ABS = xp.uint32(0x7fffffff)
_MIN_NORMAL, _OVERFLOW = xp.float32(2.0 ** -14), xp.float32(65536.0)
_ZERO, _HALF = xp.float32(0.0), xp.float32(0.5)
_13, _3, _1 = xp.uint32(13), xp.uint32(3), xp.uint32(1)
# (bits + 0xfff + odd) >> 13 rebiased (exponent 127 -> 15: -(112 << 23)), less what a clipped-up
# subnormal contributes (the smallest normal, 0x400 << 13), which the subnormal part adds back
_ROUND = xp.uint32((0xfff - (112 << 23) - (0x400 << 13)) & 0xffffffff)
_BLOCK = 1 << 16
_MIN_HALF = 1 << 14     # elements: below, NumPy's scalar loop costs less than the passes' calls
_MIN_FLOAT = 1 << 10
_LITTLE = sys.byteorder == "little"
_table = []     # [float32 of each float16 bit pattern], made at first use


def _to_half_block(out, u):
    """float16 bits of the float32 bits `u` into `out` (uint16, same length)."""
    n = u.shape
    t = scratch(0, _U32, n)
    m = scratch(1, _U32, n)
    o = scratch(2, _U32, n)
    tf, mf = t.view(_F32), m.view(_F32)
    xp.bitwise_and(u, _ABS, out=t)                          # |x|
    clip(tf, _MIN_NORMAL, _OVERFLOW, out=mf)             # the normal part's input (NaN kept)
    nan = xp.maximum.reduce(mf)
    nan = nan != nan
    if nan:     # no arithmetic on NaN (a signalling one would warn); they are written last
        xp.copyto(tf, _ZERO, where=xp.isnan(tf))
        xp.copyto(mf, _MIN_NORMAL, where=xp.isnan(mf))
    xp.right_shift(u, _13, out=o)                           # the kept mantissa's lowest bit
    xp.bitwise_and(o, _1, out=o)
    xp.add(o, m, out=o)
    xp.add(o, _ROUND, out=o)
    xp.bitwise_xor(u, t, out=m)                             # the sign, to land on bit 15
    xp.right_shift(m, _3, out=m)
    xp.bitwise_or(o, m, out=o)
    xp.right_shift(o, _13, out=o)
    clip(tf, _ZERO, _MIN_NORMAL, out=tf)                 # the subnormal part: its steps
    xp.add(tf, _HALF, out=tf)                               # counted in the low bits of 0.5
    xp.add(o, t, out=o)
    xp.copyto(out, o, casting="unsafe")                     # the low 16 bits
    if nan:
        w = u[xp.isnan(u.view(_F32))]
        out[xp.isnan(u.view(_F32))] = (((w >> 16) & 0x8000) | 0x7e00 | ((w >> 13) & 0x3ff))


def to_half(a):
    """`a` (float32) converted to float16, rounding to nearest even."""
    if a.size < _MIN_HALF or not (_LITTLE and a.flags.c_contiguous):
        return a.astype(xp.float16)
    res = xp.empty(a.shape, xp.float16)
    u = a.reshape(-1).view(_U32)
    o = res.reshape(-1).view(_U16)
    for s in range(0, u.size, _BLOCK):
        _to_half_block(o[s:s + _BLOCK], u[s:s + _BLOCK])
    return res


def to_float(a):
    """`a` (float16) converted to float32 (exact)."""
    if a.size < _MIN_FLOAT or not (_LITTLE and a.flags.c_contiguous):
        return a.astype(xp.float32)
    if not _table:
        t = xp.arange(1 << 16, dtype=xp.uint16).view(xp.float16).astype(xp.float32)
        bits = t.view(_U32)
        bits[xp.isnan(t)] |= 0x400000          # quieted, as the hardware conversion does
        _table.append(t)
    return xp.take(_table[0], a.view(_U16))
