"""erf's accuracy (`ops/erf.py`): within 1 ulp of the exact value in float32 and 1e-15 relative
in float64, over dense grids and the special values, against math.erf and against torch."""
import math

import numpy as np
import pytest

import insitu
from insitu.ops.erf import erf_array

torch = pytest.importorskip("torch")

SPECIAL = [0.0, -0.0, float("inf"), -float("inf"), float("nan"), 0.84375, -0.84375, 2.5, 4.0,
           6.0, 1e-300, -1e-300, 5e-324, 1e-45, 1e308, -1e308, 3.4e38, 1e-20, 27.0]


def exact(x):
    return np.array([math.erf(float(v)) for v in np.asarray(x).reshape(-1)]).reshape(np.shape(x))


def grid(dtype):
    pieces = [np.linspace(-7, 7, 280_001), np.geomspace(1e-40, 7, 20_000),
              -np.geomspace(1e-40, 7, 20_000), np.array(SPECIAL)]
    for edge in (0.84375, 2.5, 4.0, 6.0):     # both sides of every interval's edge
        pieces.append(np.linspace(edge - 1e-3, edge + 1e-3, 2001))
    return np.concatenate(pieces).astype(dtype)


def ulps(got, ref, dtype):
    """|got - ref| in units of the last place of ref rounded to dtype."""
    finite = np.isfinite(ref)
    spacing = np.spacing(np.abs(ref[finite]).astype(dtype)).astype(np.float64)
    return np.abs(got[finite].astype(np.float64) - ref[finite]) / spacing


def test_float32_within_one_ulp():
    x = grid(np.float32)
    got = erf_array(x)
    assert got.dtype == np.float32
    assert ulps(got, exact(x), np.float32).max() <= 1.0


def test_float64_within_1e_15_relative():
    x = grid(np.float64)
    got, ref = erf_array(x), exact(x)
    normal = np.isfinite(ref) & (np.abs(ref) >= np.finfo(np.float64).tiny)
    rel = np.abs(got[normal] - ref[normal]) / np.abs(ref[normal])
    assert rel.max() <= 1e-15
    assert ulps(got, ref, np.float64).max() <= 2.0     # subnormal results too


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_values(dtype):
    x = np.array(SPECIAL, dtype)
    got = erf_array(x)
    ref = exact(x)
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    keep = ~np.isnan(ref)
    assert np.array_equal(np.signbit(got[keep]), np.signbit(ref[keep]))   # -0 stays -0
    assert got[np.isinf(x)].tolist() == np.sign(x[np.isinf(x)]).tolist()
    assert ulps(got, ref, dtype).max() <= (2.0 if dtype == np.float64 else 1.0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch(dtype):
    x = grid(getattr(np, dtype))
    got = insitu.from_numpy(x.copy()).erf().numpy()
    want = torch.erf(torch.from_numpy(x.copy())).numpy()
    # float32: each within ~0.6 ulp of the exact value, so at most one ulp apart; float64:
    # each within 2 ulp (1e-15 relative is 4.5 ulp)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert ulps(got, want.astype(np.float64), getattr(np, dtype)).max() <= (
        1.0 if dtype == "float32" else 2.0)


def test_float16_and_integers_promote_like_torch():
    data = [-3.0, -1.0, -0.5, 0.0, 0.25, 1.0, 3.0]
    h = insitu.tensor(data, dtype=insitu.float16).erf()
    th = torch.tensor(data, dtype=torch.float16).erf()
    assert h.dtype == insitu.float16
    np.testing.assert_array_equal(h.numpy(), th.numpy())
    i = insitu.tensor([-2, 0, 1, 3]).erf()
    ti = torch.tensor([-2, 0, 1, 3]).erf()
    assert i.dtype == insitu.float32
    np.testing.assert_allclose(i.numpy(), ti.numpy(), rtol=1.2e-7, atol=0)


def test_strided_in_place_and_out():
    base = np.random.default_rng(0).standard_normal((300, 400)).astype(np.float32) * 3
    want = erf_array(base)
    x = insitu.from_numpy(base.copy())
    view = x[:, ::2]
    view.erf_()                                        # in place on a strided view
    np.testing.assert_array_equal(x.numpy()[:, ::2], want[:, ::2])
    np.testing.assert_array_equal(x.numpy()[:, 1::2], base[:, 1::2])
    out = insitu.empty(400, 300).t()                   # a non-contiguous out=
    insitu.erf(insitu.from_numpy(base), out=out)
    np.testing.assert_array_equal(out.numpy(), want)
    big = np.linspace(-5, 5, 3 * (1 << 16) + 7, dtype=np.float32)   # several blocks and a rest
    np.testing.assert_array_equal(erf_array(big), np.concatenate(
        [erf_array(big[:1 << 16]), erf_array(big[1 << 16:])]))


def test_gradient_matches_torch():
    data = np.linspace(-4, 4, 1001).astype(np.float32)
    i = insitu.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    i.erf().sum().backward()
    t.erf().sum().backward()
    np.testing.assert_allclose(i.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-7)
