"""float32 <-> float16 on the bits (`ops/half_floats.py`): bit for bit PyTorch's conversion, over
every float16, every float32 exponent with dense mantissas (ties, the subnormal and overflow edges)
and NaN payloads; small and strided arrays keep NumPy's layout."""
import numpy as np
import pytest

import insitu
from insitu.ops.half_floats import to_float, to_half

torch = pytest.importorskip("torch")


def torch_half_bits(x):
    return torch.from_numpy(np.ascontiguousarray(x)).half().numpy().view(np.uint16)


def float32_patterns():
    """Every exponent and sign, with low and high mantissas, ties and their neighbours."""
    e = np.arange(512, dtype=np.uint32) << 23
    m = np.concatenate([np.arange(0, 1 << 15, dtype=np.uint32),
                        np.arange((1 << 23) - (1 << 15), 1 << 23, dtype=np.uint32),
                        np.arange(0, 1 << 23, 4093, dtype=np.uint32)])
    tie = (np.arange(0, 1 << 10, dtype=np.uint32) << 13) | 0x1000
    m = np.concatenate([m, tie, tie - 1, tie + 1])
    return (e[:, None] | m[None, :]).reshape(-1)


def test_to_half_matches_torch_bit_for_bit():
    u = float32_patterns()
    x = u.view(np.float32)
    got = to_half(x).view(np.uint16)
    ref = torch_half_bits(x)
    bad = np.flatnonzero(got != ref)
    assert bad.size == 0, [hex(v) for v in u[bad[:5]]]


def test_to_half_in_blocks_with_nan_only_in_some():
    x = np.random.default_rng(0).standard_normal(200_003).astype(np.float32) * 3e4
    x[70_000] = np.nan
    x[70_001] = np.array([0x7f800001], np.uint32).view(np.float32)[0]     # signalling
    x[199_999] = -np.inf
    with np.errstate(all="raise"):
        got = to_half(x)
    assert np.array_equal(got.view(np.uint16), torch_half_bits(x))


def test_to_float_matches_torch_for_every_half():
    h = np.tile(np.arange(1 << 16, dtype=np.uint16), 2).view(np.float16)
    got = to_float(h).view(np.uint32)
    ref = torch.from_numpy(h).float().numpy().view(np.uint32)
    assert np.array_equal(got, ref)


def test_layouts_and_small_arrays_keep_numpys_conversion():
    x = np.random.default_rng(1).standard_normal((300, 200)).astype(np.float32)
    for a in (x, x.T, x[:3, :5], x[::2]):
        h = to_half(a)
        assert h.strides == a.astype(np.float16).strides
        assert np.array_equal(h.view(np.uint16), torch_half_bits(a))
        f = to_float(h)
        assert f.strides == h.astype(np.float32).strides and np.array_equal(f, h.astype(np.float32))


def test_tensor_half_and_its_gradient():
    x = np.random.default_rng(2).standard_normal((256, 128)).astype(np.float32)
    t = insitu.tensor(x, requires_grad=True)
    h = t.half()
    assert np.array_equal(h.detach().numpy().view(np.uint16), torch_half_bits(x))
    g = np.random.default_rng(3).standard_normal((256, 128)).astype(np.float16)
    h.backward(insitu.tensor(g))
    assert t.grad.dtype is insitu.float32 and np.array_equal(t.grad.numpy(), g.astype(np.float32))
