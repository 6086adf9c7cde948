"""The one place where the array library is chosen.

Every kernel in `insitu.ops` reaches NumPy through `xp` (and the few helpers below), never by
importing numpy itself, so another array module with NumPy's API (CuPy on a GPU) could be slotted
in here without touching an op definition.
"""
import numpy as xp

ndarray = xp.ndarray


def shares_memory(a, b):
    """True when two arrays may touch the same bytes (exact check, bounded work)."""
    if not xp.may_share_memory(a, b):
        return False
    try:
        return xp.shares_memory(a, b, max_work=10_000)
    except xp.exceptions.TooHardError:  # too costly to decide: assume the worst
        return True


def as_strided(base_flat, shape, strides_elems, offset_elems):
    """A view of a 1-D storage array with element strides (NumPy wants byte strides)."""
    itemsize = base_flat.itemsize
    return strided_view(base_flat, offset_elems * itemsize, shape,
                        [s * itemsize for s in strides_elems])


def data_ptr(a):
    return a.__array_interface__["data"][0]


class _Interface:
    __slots__ = ("__array_interface__", "base")

    def __init__(self, iface, base):
        self.__array_interface__ = iface
        self.base = base


def strided_view(a, byte_offset, shape, strides):
    """A view of a's memory with any geometry; writeable exactly when `a` is (unlike the
    read-only views NumPy hands out for broadcast_to and diagonal)."""
    if a.flags.c_contiguous:
        # the ndarray constructor over a's buffer: about fifty times quicker than an array
        # interface, for a view inside a's own bytes (any other goes the long way)
        try:
            return xp.ndarray(shape, a.dtype, a, byte_offset, strides)
        except (ValueError, TypeError, BufferError):
            pass
    iface = dict(a.__array_interface__)
    iface["data"] = (iface["data"][0] + byte_offset, not a.flags.writeable)
    iface["shape"] = tuple(shape)
    iface["strides"] = tuple(strides)
    iface.pop("mask", None)
    out = xp.asarray(_Interface(iface, a))
    return out


def has_internal_overlap(a):
    """True when two elements of `a` share memory (stride 0 on a dim of size > 1, or strides
    that interleave). Contiguous arrays are answered without a loop."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return False
    dims = sorted((abs(s), n) for n, s in zip(a.shape, a.strides) if n > 1)
    span = 0
    for stride, n in dims:
        if stride == 0 or stride <= span:
            return True
        span += stride * (n - 1)
    return False


# clip as a ufunc (no Python wrapper): min(max(x, lo), hi), NaN-propagating, like torch.clamp
try:
    clip = xp._core.umath.clip
except AttributeError:  # older NumPy
    def clip(a, lo, hi, out=None, dtype=None):
        r = xp.maximum(a, lo, out=out)
        return xp.minimum(r, hi, out=r)
