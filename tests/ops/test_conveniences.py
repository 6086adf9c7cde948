"""The small torch-level names (ops/conveniences.py) against PyTorch."""
import math

import numpy as np
import pytest

import insitu

from torch_compare import same, torch

RNG = np.random.default_rng(1)
A = RNG.standard_normal((3, 4)).astype(np.float32)
V = RNG.standard_normal(4).astype(np.float32)

CASES = {
    "ravel": (lambda l, x: l.ravel(x.t()), A),
    "ravel method": (lambda l, x: x.ravel(), A),
    "atleast_1d 0-dim": (lambda l, x: l.atleast_1d(x.sum()), A),
    "atleast_2d 1-dim": (lambda l, x: l.atleast_2d(x[0]), A),
    "atleast_2d 0-dim": (lambda l, x: l.atleast_2d(x.sum()), A),
    "atleast_3d 2-dim": (lambda l, x: l.atleast_3d(x), A),
    "atleast_3d several": (lambda l, x: l.atleast_3d(x[0], x.sum()), A),
    "atleast_2d list": (lambda l, x: l.atleast_2d([x[0], x]), A),
    "atleast_1d same": (lambda l, x: l.atleast_1d(x), A),
    "hsplit": (lambda l, x: l.hsplit(x, 2), A),
    "hsplit indices": (lambda l, x: x.hsplit([1, 3]), A),
    "hsplit 1-dim": (lambda l, x: l.hsplit(x, 2), V),
    "hsplit not divisible": (lambda l, x: l.hsplit(x, 3), A),
    "hsplit 0-dim": (lambda l, x: l.hsplit(x.sum(), 1), A),
    "vsplit": (lambda l, x: l.vsplit(x, [1]), A),
    "vsplit 1-dim": (lambda l, x: l.vsplit(x, 2), V),
    "dsplit": (lambda l, x: l.dsplit(x.reshape(1, 3, 4), 2), A),
    "dsplit 2-dim": (lambda l, x: l.dsplit(x, 2), A),
    "diag_embed": (lambda l, x: l.diag_embed(x), A),
    "diag_embed offset dims": (lambda l, x: l.diag_embed(x, 1, 0, 2), A),
    "diag_embed negative": (lambda l, x: x.diag_embed(-2, -1, 0), A),
    "diagflat": (lambda l, x: l.diagflat(x), V),
    "diagflat 2-dim": (lambda l, x: l.diagflat(x, -1), A),
    "inner": (lambda l, x: l.inner(x, l.tensor(V)), A),
    "inner vectors": (lambda l, x: l.inner(x, x), V),
    "inner matrices": (lambda l, x: l.inner(x, x), A),
    "inner number": (lambda l, x: l.inner(x, l.tensor(2.0)), A),
    "inner mismatch": (lambda l, x: l.inner(x, l.ones(5)), A),
    "frexp": (lambda l, x: l.frexp(x * 100), A),
    "frexp integers": (lambda l, x: l.frexp(x), np.arange(3)),
    "isin": (lambda l, x: l.isin(x, l.tensor([1, 3])), np.arange(5)),
    "isin invert": (lambda l, x: l.isin(x, l.tensor([1, 3]), invert=True), np.arange(5)),
    "isin number": (lambda l, x: l.isin(x, 2), np.arange(5)),
    "combinations": (lambda l, x: l.combinations(x), V),
    "combinations 3": (lambda l, x: l.combinations(x, 3), V),
    "combinations replacement": (lambda l, x: l.combinations(x, 2, with_replacement=True), V),
    "combinations 0": (lambda l, x: l.combinations(x, 0), V),
    "combinations too many": (lambda l, x: l.combinations(x, 5), V),
    "combinations 2-dim": (lambda l, x: l.combinations(x), A),
    "cov": (lambda l, x: l.cov(x), A),
    "cov correction 0": (lambda l, x: l.cov(x, correction=0), A),
    "cov 1-dim": (lambda l, x: l.cov(x), V),
    "cov weights": (lambda l, x: l.cov(x, fweights=l.tensor([1, 2, 1, 3]),
                                       aweights=l.tensor([0.5, 1.0, 2.0, 1.0])), A),
    "corrcoef": (lambda l, x: l.corrcoef(x), A),
    "corrcoef method": (lambda l, x: x.corrcoef(), A),
}
for _p in [2, 1, 3, 0.5, 1.5, float("inf")]:
    CASES[f"dist p={_p}"] = (lambda l, x, p=_p: l.dist(x, l.tensor(V), p), A)


@pytest.mark.parametrize("case", sorted(CASES))
def test_against_torch(case):
    fn, data = CASES[case]
    same(fn, data)


def test_dist_p0_forward():
    same(lambda l, x: l.dist(x, l.tensor(V), 0).detach(), A)


def test_constants_and_predicates():
    for lib in (insitu, torch):
        assert (lib.pi, lib.e, lib.inf) == (math.pi, math.e, math.inf)
        assert math.isnan(lib.nan) and lib.newaxis is None
        assert not lib.is_complex(lib.ones(1))
        assert not lib.is_signed(lib.ones(1, dtype=lib.uint8)) and lib.ones(1).is_signed()
        assert lib.is_nonzero(lib.tensor([2])) and not lib.tensor(0.0).is_nonzero()
        assert lib.is_same_size(lib.ones(2), lib.ones(2))
        assert not lib.ones(2).is_same_size(lib.ones(3))
        assert tuple(lib.broadcast_shapes((2, 1), (3,), 1)) == (2, 3)
        assert tuple(lib.broadcast_shapes()) == ()


def test_predicate_errors():
    for f in [lambda l: l.is_nonzero(l.ones(2)), lambda l: l.is_nonzero(l.ones(0)),
              lambda l: l.broadcast_shapes((2, 3), (3, 2))]:
        with pytest.raises(RuntimeError) as ei:
            f(insitu)
        with pytest.raises(RuntimeError) as et:
            f(torch)
        assert str(ei.value) == str(et.value)


def test_gradcheck():
    x = insitu.tensor(A.astype(np.float64), requires_grad=True)
    v = insitu.tensor(V.astype(np.float64), requires_grad=True)
    for fn, args in [(lambda t: insitu.diag_embed(t, 1), (x,)), (insitu.dist, (x, v)),
                     (lambda a, b: insitu.dist(a, b, 3), (x, v)), (insitu.inner, (x, v)),
                     (insitu.cov, (x,)), (insitu.corrcoef, (x,)),
                     (lambda t: insitu.frexp(t).mantissa, (x,))]:
        assert insitu.autograd.gradcheck(fn, args)
        assert insitu.autograd.gradgradcheck(fn, args)
