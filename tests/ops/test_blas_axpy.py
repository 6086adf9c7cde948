"""The BLAS saxpy behind large float32 multiply-adds (insitu.ops.blas_axpy): used only where it
rounds once, as the float64 form does."""
import numpy as np
import pytest

from insitu.ops import blas_axpy


def test_saxpy_is_used_only_where_it_rounds_once():
    axpy = blas_axpy.saxpy()
    if axpy is None:
        pytest.skip("NumPy's BLAS has no saxpy that rounds once here")
    rng = np.random.default_rng(2)
    x = rng.standard_normal(100_003).astype(np.float32)
    y = rng.standard_normal(100_003).astype(np.float32)
    a = float(np.float32(0.1))
    want = (x.astype(np.float64) * a + y.astype(np.float64)).astype(np.float32)
    axpy(a, x, y)
    assert np.array_equal(y, want)
