"""Differential tests of sort, argsort, msort and topk (insitu.ops.sorting) against PyTorch
(see `differential`)."""
import numpy as np
import pytest

import insitu
from differential import check, check_error

TIES = np.array([[3., 1, 2, 1, np.nan], [0, 5, -1, 5, 2]])


@pytest.mark.parametrize("case", [
    lambda m, a: a.sort(),
    lambda m, a: a.sort(descending=True),
    lambda m, a: a.sort(0, True),
    lambda m, a: a.sort(stable=True),
    lambda m, a: m.sort(a, dim=1, descending=True, stable=True),
    lambda m, a: a[0, 0].sort(),
    lambda m, a: (a > 1).sort(),
    lambda m, a: a.topk(2),
    lambda m, a: a.topk(2, largest=False),
    lambda m, a: m.topk(a, 1, dim=0),
    lambda m, a: a.topk(0),
    lambda m, a: a[0, 0].topk(1),
    lambda m, a: a.argsort(),
    lambda m, a: a.argsort(1, True),
    lambda m, a: m.argsort(a, dim=0, descending=True, stable=True),
    lambda m, a: a.msort(),
    lambda m, a: a.t().sort(0, descending=True),
    lambda m, a: a.t().topk(1, 0, largest=False),
])
def test_sort_topk(case):
    check(case, TIES)


def test_sort_returns_named_tuple():
    r = insitu.tensor(TIES).sort()
    assert r.values is r[0] and r.indices is r[1]
    assert type(r).__name__ == "sort" and repr(r).startswith("insitu.return_types.sort(")
    assert type(insitu.tensor(TIES).topk(1)).__name__ == "topk"


@pytest.mark.parametrize("case", [
    lambda m, a: a.topk(6),
    lambda m, a: a.topk(-1),
    lambda m, a: a.sort(2),
])
def test_sort_topk_errors(case):
    check_error(case, TIES)


def test_msort_out():
    out = insitu.empty(0, dtype=insitu.float64)
    assert insitu.msort(insitu.tensor(TIES), out=out) is out
    np.testing.assert_array_equal(out.numpy(), np.sort(TIES, axis=0))
