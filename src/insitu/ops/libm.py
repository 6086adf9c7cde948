"""The C library's scalar functions, for the elements PyTorch's CPU kernels compute with them.

PyTorch's kernels for asinh and acosh call the C library (`std::asinh`, glibc's `asinhf`) for
every element. Those for cosh, sinh, atanh and exp2 run a vectorized loop over blocks of two
SIMD registers and call the C library for the elements after the last whole block, so a tensor
smaller than one block (fewer than 32 float32 or 16 float64 elements with AVX-512, 16 and 8
with AVX2) is computed by the C library alone. NumPy's loops are its own (SVML's on AVX-512
machines) and differ in the last bit for about one element in five; these kernels call the C
library's function, through ctypes, for small tensors, where PyTorch does (and where a call per
element costs little), and NumPy's loop otherwise.
"""
import ctypes
import ctypes.util

from ..backend import xp
from .kernels import unary_float

_ALWAYS_UP_TO = 1 << 12     # scalar-only kernels: the C library up to this many elements


def _load():
    try:
        return ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
    except OSError:
        return None


def _block_bytes():
    """Two SIMD registers: the block of PyTorch's vectorized loop."""
    try:
        features = xp._core._multiarray_umath.__cpu_features__
    except AttributeError:
        return 64
    avx512 = all(features.get(f) for f in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ"))
    return 128 if avx512 else 64


_LIBM = _load()
_BLOCK_BYTES = _block_bytes()
_FUNCS = {}


def _scalar_function(name, dtype):
    """The C function for `name` in `dtype` (float32: `coshf`), or None."""
    key = (name, dtype)
    f = _FUNCS.get(key, False)
    if f is False:
        f = None
        if _LIBM is not None:
            single = dtype == xp.float32
            ctype = ctypes.c_float if single else ctypes.c_double
            f = getattr(_LIBM, name + ("f" if single else ""), None)
            if f is not None:
                f.restype, f.argtypes = ctype, [ctype]
        _FUNCS[key] = f
    return f


def libm_kernel(ufunc, name, everywhere=False):
    """A unary float kernel: the C library's `name` where PyTorch calls it (every element when
    `everywhere`, else a tensor smaller than one vectorized block), NumPy's `ufunc` otherwise."""
    numpy_kernel = unary_float(ufunc)

    def kernel(out, dt, a):
        d = dt if dt is not None else a.dtype
        n = a.size
        if d.kind != "f" or d.itemsize not in (4, 8) or not n or \
                n > (_ALWAYS_UP_TO if everywhere else _BLOCK_BYTES // d.itemsize - 1):
            return numpy_kernel(out, dt, a)
        f = _scalar_function(name, d)
        if f is None:
            return numpy_kernel(out, dt, a)
        values = xp.array(list(map(f, a.ravel().tolist())), dtype=d).reshape(a.shape)
        if out is None:
            return values
        xp.copyto(out, values, casting="unsafe")
        return out
    kernel.__name__ = ufunc.__name__
    return kernel
