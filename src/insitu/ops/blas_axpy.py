"""y += a * x in float32 with one rounding, through the BLAS that NumPy ships (`saxpy`).

PyTorch's CPU kernels for lerp and add/sub with alpha are fused multiply-adds: x * a + y is
rounded once to float32. NumPy has no fused multiply-add, so `kernels.fma_into` forms the product
in float64 (exact for two float32 numbers) and rounds the sum once, five passes over the memory. The BLAS
bundled with NumPy's wheels (OpenBLAS) computes saxpy with the processor's fused multiply-add
instruction on processors that have one, in one pass. Whether it does is not documented, so it
is checked once, on first use, against the float64 form on lengths and offsets that reach the
vectorised loop and its scalar tail; `saxpy` is None (and `fma_into` keeps the float64 form) when
the library is not found, has no such symbol, or rounds otherwise.

OpenBLAS runs an axpy of more than 10,000 elements on several threads; each call here is made
with the calling thread's BLAS thread count set to one (`openblas_set_num_threads_local`, and
back after), so that it runs where the update runs, whatever the number of threads insitu is told
to use: handing a block of a few hundred kilobytes to other threads costs more than it saves.
Without that function the BLAS is not used.
"""
import ctypes
import glob
import os

from ..backend import xp

_F32, _F64 = xp.dtype(xp.float32), xp.dtype(xp.float64)
# (symbol, integer type): NumPy's ILP64 OpenBLAS (scipy-openblas64), its LP64 build, a plain one
_SYMBOLS = (("scipy_cblas_saxpy64_", ctypes.c_int64), ("scipy_cblas_saxpy", ctypes.c_int),
            ("cblas_saxpy64_", ctypes.c_int64), ("cblas_saxpy", ctypes.c_int))


def _libraries():
    """The BLAS libraries shipped inside NumPy's wheel (Linux, macOS and Windows layouts)."""
    root = os.path.dirname(os.path.abspath(xp.__file__))
    found = []
    for folder in (os.path.join(root, os.pardir, "numpy.libs"), os.path.join(root, ".dylibs")):
        for pattern in ("*openblas*.so*", "*openblas*.dylib", "*openblas*.dll"):
            found.extend(glob.glob(os.path.join(folder, pattern)))
    return found


def _load():
    """The library's cblas_saxpy and openblas_set_num_threads_local as ctypes functions, or
    None."""
    for path in _libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        local = getattr(lib, "openblas_set_num_threads_local", None)
        if local is None:
            continue
        local.argtypes, local.restype = [ctypes.c_int], ctypes.c_int
        for name, int_t in _SYMBOLS:
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.argtypes = [int_t, ctypes.c_float, ctypes.c_void_p, int_t, ctypes.c_void_p,
                               int_t]
                fn.restype = None
                return fn, local
    return None


def _rounds_once(axpy):
    """Whether fn's y += a * x equals x * a + y formed in float64 and rounded once, on random
    data where the two-rounding result differs, at every length up to 80, at long lengths, and
    at unaligned offsets."""
    rng = xp.random.default_rng(12345)
    for n in list(range(1, 81)) + [1000, 4099, 20000]:
        for offset in (0, 1, 3):
            x = rng.standard_normal(n + offset).astype(_F32)[offset:]
            y = rng.standard_normal(n + offset).astype(_F32)[offset:]
            a = _F32.type(rng.standard_normal())
            want = (x.astype(_F64) * float(a) + y.astype(_F64)).astype(_F32)
            axpy(float(a), x, y)
            if not xp.array_equal(y, want):
                return False
    return True


def _checked():
    global _raw, _local
    try:
        found = _load()
        if found is None:
            return False
        _raw, _local = found
        return _rounds_once(_axpy)
    except Exception:       # a library that misbehaves is a library not to use
        return False


_raw = _local = None
_usable = None


def saxpy():
    """A function axpy(a, x, y): y += a * x in place, rounded once (x and y contiguous 1-D
    float32 arrays of one length, a a float32 number as a float), or None where the BLAS does
    not round so. The check runs on the first call."""
    global _usable
    if _usable is None:
        _usable = _checked()
    return _axpy if _usable else None


def _axpy(a, x, y):
    local = _local
    threads = local(1)
    _raw(x.size, a, x.ctypes.data, 1, y.ctypes.data, 1)
    local(threads)
