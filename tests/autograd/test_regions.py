"""The strided-region overlap test behind region version tracking: exact for the views people
write (slices, select, narrow, chunk/split/unbind, transpose, interleaved steps, diagonals),
never wrong in the unsafe direction (checked against NumPy's exact solver), and conservative only
when its search budget runs out."""
import random

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

import insitu
from insitu.autograd import regions
from insitu.autograd.regions import region, overlaps, EVERYTHING


def _pairs():
    x = insitu.zeros(6, 8)
    c3 = insitu.zeros(4, 5, 6)
    a, b = x.chunk(2)
    s = x.split([1, 2, 3])
    u = x.unbind(0)
    yield "rows", x[1], x[2], False
    yield "row and itself", x[1], x[1, 2:5], True
    yield "column halves", x[:, :4], x[:, 4:], False
    yield "narrow", x.narrow(1, 0, 3), x.narrow(1, 3, 5), False
    yield "narrow overlapping", x.narrow(1, 0, 4), x.narrow(1, 3, 5), True
    yield "chunk", a, b, False
    yield "split", s[0], s[2], False
    yield "split neighbours", s[1], s[2], False
    yield "unbind", u[0], u[5], False
    yield "transposed columns", x.t()[0], x.t()[1], False
    yield "transposed column and row", x.t()[2], x[0], True
    yield "transposed column and other rows' tail", x.t()[0], x[:, 1:], False
    yield "::2 vs 1::2", x.view(-1)[::2], x.view(-1)[1::2], False
    yield "::2 vs 1::2 in columns", x[:, ::2], x[:, 1::2], False
    yield "::2 vs 2::2", x.view(-1)[::2], x.view(-1)[2::4], True
    yield "::3 vs 1::2", x.view(-1)[::3], x.view(-1)[1::2], True
    yield "diagonal vs upper row", x[:6, :6].diagonal(), x[0, 1:], False
    yield "diagonal vs first row", x[:6, :6].diagonal(), x[0], True
    yield "diagonal vs off-diagonal", x[:6, :6].diagonal(), x[:6, :6].diagonal(1), False
    yield "diagonal vs column", x[:6, :6].diagonal(), x[:, 3], True
    yield "select in the middle", c3[:, 1], c3[:, 2], False
    yield "select last dim", c3[..., 0], c3[..., 1], False
    yield "select last dim vs slice", c3[..., 0], c3[1:3, :, 1:], False
    yield "middle slices", c3[:, 0:2], c3[:, 2:4], False
    yield "expanded", x[0:1].expand(4, 8), x[1], False
    yield "empty", x[2:2], x, False


@pytest.mark.parametrize("name, a, b, expected", list(_pairs()), ids=[p[0] for p in _pairs()])
def test_exact_for_the_common_views(name, a, b, expected):
    ra, rb = region(a._data), region(b._data)
    assert overlaps(ra, rb) is expected and overlaps(rb, ra) is expected
    assert np.shares_memory(a._data, b._data, max_work=None) == expected


def test_regions_normalise_layout():
    x = np.zeros((3, 4), np.float32)
    p = x.__array_interface__["data"][0]
    assert region(x) == (p, p + 47, ((1, 48),))                         # one run of bytes
    assert region(x[:, 1]) == (p + 4, p + 39, ((1, 4), (16, 3)))
    assert region(x[1:1]) is None
    assert region(x[::-1]) == region(x)                                  # same bytes
    assert overlaps(None, region(x)) is False and overlaps(EVERYTHING, region(x)) is True


def test_different_dtypes_over_one_buffer_compare_bytes():
    x = np.zeros(8, np.float32)
    b = x.view(np.uint8)
    assert overlaps(region(x[1:2]), region(b[4:5]))
    assert not overlaps(region(x[1:2]), region(b[8:12]))
    assert overlaps(region(x[1:2]), region(b[7:9]))


def _random_view(rng, base):
    v = base
    for _ in range(rng.randint(0, 3)):
        k = rng.random()
        if k < 0.5:
            idx = []
            for n in v.shape:
                a = rng.randint(0, n - 1) if n else 0
                b = rng.randint(a, n)
                step = rng.choice([1, 1, 2, 3])
                idx.append(slice(a, b, step) if rng.random() < 0.8 else
                           slice(b - 1 if b > a else None, a - 1 if a > 0 else None, -1))
            v = v[tuple(idx)]
        elif k < 0.65 and v.ndim >= 2:
            v = v.swapaxes(0, v.ndim - 1)
        elif k < 0.8 and v.ndim >= 2 and min(v.shape[:2]) > 1:
            v = np.diagonal(v, offset=rng.randint(-1, 1))
        elif v.ndim and v.shape[0]:
            v = v[rng.randint(0, v.shape[0] - 1), ...]
    return v


def test_agrees_with_numpys_exact_solver_on_random_views():
    rng = random.Random(13)
    for _ in range(4000):
        shape = tuple(rng.randint(1, 6) for _ in range(rng.randint(1, 4)))
        base = np.zeros(shape, dtype=rng.choice([np.float32, np.float64, np.int8]))
        a, b = _random_view(rng, base), _random_view(rng, base)
        if type(a) is not np.ndarray or type(b) is not np.ndarray:
            continue               # v[()] of a 0-d array is a NumPy scalar: a copy
        assert overlaps(region(a), region(b)) == np.shares_memory(a, b, max_work=None), \
            (a.shape, a.strides, b.shape, b.strides)


def test_never_misses_an_overlap_on_arbitrary_strides():
    rng = random.Random(7)
    buf = np.zeros(3000, np.float32)
    exact = 0
    for _ in range(3000):
        arrays = []
        for _ in range(2):
            nd = rng.randint(1, 4)
            shape = [rng.randint(1, 10) for _ in range(nd)]
            strides = [rng.randint(0, 30) * 4 for _ in range(nd)]
            reach = sum((n - 1) * s for n, s in zip(shape, strides)) // 4
            arrays.append(as_strided(buf[rng.randint(0, 2999 - reach):], shape, strides))
        truth = np.shares_memory(*arrays, max_work=None)
        got = overlaps(*map(region, arrays))
        assert got or not truth
        exact += got == truth
    assert exact > 0.99 * 3000


def test_gives_up_as_overlapping_when_the_search_is_too_long(monkeypatch):
    buf = np.zeros(100000, np.uint8)
    a = as_strided(buf, (7, 11, 13), (331, 97, 61))
    b = as_strided(buf[5:], (7, 11, 13), (337, 89, 59))
    exact = np.shares_memory(a, b, max_work=None)
    monkeypatch.setattr(regions, "BUDGET", 0)
    assert overlaps(region(a), region(b)) is True
    monkeypatch.setattr(regions, "BUDGET", 10 ** 6)
    assert overlaps(region(a), region(b)) is exact
