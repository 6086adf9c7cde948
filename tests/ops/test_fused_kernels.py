"""lerp and addcmul round as PyTorch's CPU kernels: one fused multiply-add, bit for bit in float32.

PyTorch computes `lerp` as `self + w * (end - self)` for |w| < 0.5 and `end - (end - self) *
(1 - w)` otherwise, and `addcmul` as `self + (value * tensor1) * tensor2`, each last
multiply-add rounded once. Two roundings instead differ by an ulp in a fair share of elements, so
100,000 random values find any such difference.
"""
import numpy as np
import pytest

import insitu

torch = pytest.importorskip("torch")

N = 100_000
WEIGHTS = [0.0, 0.1, 0.3, 0.5, 0.9, 0.999, 1.0, -0.3]


def _values(seed, n=N):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(n).astype(np.float32) for _ in range(3)]


def _same(mine, theirs):
    a, b = mine.numpy(), theirs.numpy()
    assert a.dtype == b.dtype
    assert np.array_equal(a, b), f"{np.count_nonzero(a != b)} of {a.size} elements differ"


@pytest.mark.parametrize("weight", WEIGHTS)
def test_lerp_with_a_number_weight_is_bit_exact(weight):
    a, b, _ = _values(0)
    x, y = insitu.tensor(a), torch.tensor(a)
    x.lerp_(insitu.tensor(b), weight)
    y.lerp_(torch.tensor(b), weight)
    _same(x, y)
    _same(insitu.lerp(insitu.tensor(a), insitu.tensor(b), weight),
          torch.lerp(torch.tensor(a), torch.tensor(b), weight))


def test_lerp_with_a_tensor_weight_is_bit_exact():
    a, b, w = _values(1)
    w[:len(WEIGHTS) * 1000] = np.repeat(np.float32(WEIGHTS), 1000)   # the branch edges too
    x, y = insitu.tensor(a), torch.tensor(a)
    x.lerp_(insitu.tensor(b), insitu.tensor(w))
    y.lerp_(torch.tensor(b), torch.tensor(w))
    _same(x, y)


@pytest.mark.parametrize("value", [0.001, 0.1])
def test_addcmul_is_bit_exact(value):
    a, b, c = _values(2)
    x, y = insitu.tensor(a), torch.tensor(a)
    x.addcmul_(insitu.tensor(b), insitu.tensor(c), value=value)
    y.addcmul_(torch.tensor(b), torch.tensor(c), value=value)
    _same(x, y)
    x.addcmul_(insitu.tensor(b), insitu.tensor(b), value=value)     # the square, as Adam uses it
    y.addcmul_(torch.tensor(b), torch.tensor(b), value=value)
    _same(x, y)
