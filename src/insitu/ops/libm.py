"""The C library's scalar functions, for the elements PyTorch's CPU kernels compute with them.

PyTorch's kernels for asinh and acosh call the C library (`std::asinh`, glibc's `asinhf`) for
every element. Those for cosh, sinh, atanh and exp2 run a vectorized loop over blocks of two
SIMD registers and call the C library for the elements after the last whole block, so a tensor
smaller than one block (fewer than 32 float32 or 16 float64 elements with AVX-512, 16 and 8
with AVX2) is computed by the C library alone. NumPy's loops are its own (SVML's on AVX-512
machines) and differ in the last bit for about one element in five; these kernels call the C
library's function, through ctypes, for tensors smaller than one such block, where PyTorch does
(and where a call per element costs little), and NumPy's loop otherwise (for asinh and acosh
too, so that a result never depends on how a large call is split over threads).
"""
import ctypes
import ctypes.util

from ..backend import xp
from .kernels import unary_float

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


def _scalar_function(name, dtype, arity=1):
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
                f.restype, f.argtypes = ctype, [ctype] * arity
        _FUNCS[key] = f
    return f


def small(n, itemsize):
    """Fewer elements than one block of PyTorch's vectorized loop."""
    return n * itemsize < _BLOCK_BYTES


def call(name, a):
    """Replaces each element of the float array `a` (one of the caller's own, without shared
    elements) by the C library's `name` of it, and returns `a` (None: no such function here)."""
    f = _scalar_function(name, a.dtype)
    if f is None:
        return None
    if a.__class__ is not xp.ndarray:       # a NumPy scalar, from a 0-dim operand
        a = xp.array(a)
    a[...] = xp.array(list(map(f, a.ravel().tolist())), dtype=a.dtype).reshape(a.shape)
    return a


def rounded_kernel(ufunc):
    """A unary float kernel: a small float32 tensor computed in float64 and rounded once
    (PyTorch's MKL results), anything else by NumPy's `ufunc` in its own dtype. The tests are
    the fewest that tell the cases apart: this runs on the generated fast path of every call."""
    f32, f64, limit = _F32, _F64, _BLOCK_BYTES // 4

    def kernel(out, dt, a):
        if a.dtype is f32 and (dt is None or dt is f32) and a.size < limit:
            if a.flags.c_contiguous:
                # the float64 loop on a float64 copy, rounded once: the values (and, for a
                # row-major operand, the layout) of `ufunc(a, dtype=f64)`, without the ufunc's
                # casting machinery, which costs more than the three small passes
                x = ufunc(a.astype(f64))
                if out is None:
                    return x.astype(f32)
                out[...] = x
                return out
            if out is None:
                return ufunc(a, dtype=f64).astype(f32)   # the ufunc's own output layout
            return ufunc(a, out=out, dtype=f64)         # one loop in float64, rounded into out
        if dt is not None and a.dtype != dt:
            a = a.astype(dt)
        return ufunc(a, out=out)
    kernel.__name__ = ufunc.__name__
    return kernel


_F32, _F64 = xp.dtype(xp.float32), xp.dtype(xp.float64)


def libm_kernel(ufunc, name):
    """A unary float kernel: the C library's `name` for a tensor smaller than one vectorized
    block, NumPy's `ufunc` otherwise."""
    numpy_kernel = unary_float(ufunc)

    def kernel(out, dt, a):
        d = dt if dt is not None else a.dtype
        n = a.size
        if d.kind != "f" or d.itemsize not in (4, 8) or not n or n * d.itemsize >= _BLOCK_BYTES:
            return numpy_kernel(out, dt, a)
        # a copy in d, laid out as NumPy's ufunc lays out its result
        r = call(name, xp.positive(a, dtype=d))
        if r is None:
            return numpy_kernel(out, dt, a)
        if out is None:
            return r
        xp.copyto(out, r, casting="unsafe")
        return out
    kernel.__name__ = ufunc.__name__
    return kernel


def libm_binary_kernel(ufunc, name):
    """A binary float kernel (atan2): the C library's `name` for a result smaller than one
    vectorized block, as PyTorch's scalar loop computes it; NumPy's `ufunc` otherwise."""
    def kernel(out, dt, a, b):
        d = dt if dt is not None else xp.result_type(a, b)
        shape = xp.broadcast_shapes(xp.shape(a), xp.shape(b))
        n = 1
        for k in shape:
            n *= k
        f = None
        if d.kind == "f" and d.itemsize in (4, 8) and n and n * d.itemsize < _BLOCK_BYTES:
            f = _scalar_function(name, d, 2)
        if f is None:
            return ufunc(a, b, out=out, dtype=dt, casting="unsafe")
        # the values first: `out` may be an operand (atan2_)
        x, y = xp.broadcast_arrays(xp.asarray(a, dtype=d), xp.asarray(b, dtype=d))
        values = xp.array(list(map(f, x.ravel().tolist(), y.ravel().tolist())), dtype=d)
        r = ufunc(a, b, out=out, dtype=dt, casting="unsafe")     # NumPy's result layout
        if r.__class__ is not xp.ndarray:
            r = xp.array(r)
        r[...] = values.reshape(shape)
        return r
    kernel.__name__ = ufunc.__name__
    return kernel
