"""Differential tests of searchsorted and bucketize (insitu.ops.searching) against PyTorch (see
`differential`)."""
import numpy as np
import pytest

import insitu
from differential import check, check_error, idx, torch, typed

NAN = float("nan")
S = np.array([1., 3, 5, 7, 9])
V = np.array([[3., 6, 9, 0], [3, 6, 10, NAN]])
S2 = np.array([[1., 3, 5, 5], [2, 4, 6, NAN]])


@pytest.mark.parametrize("case", [
    lambda m, s, v: m.searchsorted(s, v),
    lambda m, s, v: m.searchsorted(s, v, right=True),
    lambda m, s, v: m.searchsorted(s, v, side="right"),
    lambda m, s, v: m.searchsorted(s, v, side="left"),
    lambda m, s, v: m.searchsorted(s, v, out_int32=True),
    lambda m, s, v: m.searchsorted(s, v.t()),
    lambda m, s, v: m.searchsorted(s, 5),
    lambda m, s, v: m.searchsorted(s, 5, right=True),
    lambda m, s, v: m.searchsorted(s, v[0, 1]),
    lambda m, s, v: m.searchsorted(s, v[:, :0]),
    lambda m, s, v: m.searchsorted(s[:0], v),
    lambda m, s, v: m.searchsorted(s, typed(m, v[0], "int64")),
    lambda m, s, v: m.searchsorted(typed(m, s, "int64"), v[0]),
    lambda m, s, v: m.searchsorted(typed(m, s, "int32"), 4.5),
    lambda m, s, v: m.searchsorted(m.tensor(S2), v),
    lambda m, s, v: m.searchsorted(m.tensor(S2), v, right=True),
    lambda m, s, v: m.searchsorted(m.tensor([5., 1, 3, 9]), v, sorter=idx(m, [1, 2, 0, 3])),
    lambda m, s, v: m.searchsorted(m.tensor([[5., 1, 3], [1, 2, 3]]), v[:, :2],
                                   sorter=idx(m, [[1, 2, 0], [0, 1, 2]]), side="right"),
    lambda m, s, v: m.searchsorted(m.tensor([1., NAN]), m.tensor([NAN, 4])),
    lambda m, s, v: m.bucketize(v, s),
    lambda m, s, v: m.bucketize(v, s, right=True, out_int32=True),
    lambda m, s, v: m.bucketize(5, s),
    lambda m, s, v: m.bucketize(v[1, 1], s),
    # unsorted boundaries: PyTorch's search path decides (NumPy's search is used on sorted ones)
    lambda m, s, v: m.searchsorted(m.tensor([5., 1, 3, 9, 2, 2, 8]), m.tensor(np.arange(-1., 11))),
    lambda m, s, v: m.bucketize(m.tensor(np.arange(-1., 11)), m.tensor([5., 1, 3, 9, 2, 8]),
                                right=True),
    # rows of many values, one search per row; one of them unsorted
    lambda m, s, v: m.searchsorted(m.tensor(np.sort(np.arange(24.) % 7).reshape(2, 12)),
                                   m.tensor(np.linspace(-1, 8, 600).reshape(2, 300))),
    lambda m, s, v: m.searchsorted(m.tensor([[1., 2, 3, 4], [4, 3, 2, 1]]),
                                   m.tensor(np.linspace(0, 5, 600).reshape(2, 300)), right=True),
])
def test_searchsorted_bucketize(case):
    check(case, S, V, grads=[False, False])


@pytest.mark.parametrize("case", [
    lambda m, s, v: m.searchsorted(s, v, side="left", right=True),
    lambda m, s, v: m.searchsorted(s, v, side="foo"),
    lambda m, s, v: m.searchsorted(m.tensor(S2), v.t()),
    lambda m, s, v: m.searchsorted(m.tensor(S2), v[0]),
    lambda m, s, v: m.searchsorted(m.tensor(S2), v[0, 0]),
    lambda m, s, v: m.searchsorted(s[0], v),
    lambda m, s, v: m.searchsorted(s, v, sorter=idx(m, [1, 2])),
    lambda m, s, v: m.searchsorted(s, v, sorter=typed(m, s, "float32")),
    lambda m, s, v: m.searchsorted(s, v, sorter=idx(m, [0, 1, 2, 3, 5])),
    lambda m, s, v: m.searchsorted(s, v, sorter=idx(m, [0, 1, -2, 3, 4])),
    lambda m, s, v: m.searchsorted(s > 2, v > 2),
    lambda m, s, v: m.searchsorted(s, v, out=m.empty(0, dtype=m.int32)),
    lambda m, s, v: m.searchsorted(s, v, out=m.empty(0), out_int32=True),
    lambda m, s, v: m.bucketize(v, s.reshape(1, 5)),
])
def test_searchsorted_errors(case):
    check_error(case, S, V)


def test_out_forms():
    for out_int32, dt in ((False, "int64"), (True, "int32")):
        want = torch.searchsorted(torch.tensor(S), torch.tensor(V), out_int32=out_int32)
        out = insitu.empty(0, dtype=getattr(insitu, dt))
        r = insitu.searchsorted(insitu.tensor(S), insitu.tensor(V), out_int32=out_int32, out=out)
        assert r is out and out.tolist() == want.tolist()
        out = insitu.empty(0, dtype=getattr(insitu, dt))
        insitu.bucketize(insitu.tensor(V), insitu.tensor(S), out_int32=out_int32, out=out)
        assert out.tolist() == want.tolist()


def test_matches_a_long_random_search():
    rng = np.random.default_rng(0)
    s = np.sort(rng.integers(0, 50, 200)).astype(np.float32)
    v = rng.integers(-5, 55, (7, 30)).astype(np.float32)
    for right in (False, True):
        a = insitu.searchsorted(insitu.tensor(s), insitu.tensor(v), right=right)
        b = torch.searchsorted(torch.tensor(s), torch.tensor(v), right=right)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
