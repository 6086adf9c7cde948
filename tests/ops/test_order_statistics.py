"""kthvalue, nanmedian, aminmax, quantile and nanquantile against PyTorch: values, result types,
node names, gradients, errors."""
import numpy as np
import pytest

import insitu

from torch_compare import same, torch

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 5)).astype(np.float32)      # no ties: kthvalue's index is defined
A_NAN = A.copy()
A_NAN[0, 1] = np.nan
ALL_NAN_COL = np.array([[np.nan, 1.0], [np.nan, 2.0]], np.float32)

CASES = {
    "kthvalue": (lambda l, x: l.kthvalue(x, 2, 1), A_NAN),
    "kthvalue keepdim": (lambda l, x: l.kthvalue(x, 3, 0, True), A),
    "kthvalue default dim": (lambda l, x: x.kthvalue(5), A_NAN),
    "kthvalue k out of range": (lambda l, x: l.kthvalue(x, 6), A),
    "kthvalue k zero": (lambda l, x: l.kthvalue(x, 0, 0), A),
    "nanmedian": (lambda l, x: l.nanmedian(x), A_NAN),
    "nanmedian dim": (lambda l, x: l.nanmedian(x, 1), A_NAN),
    "nanmedian keepdim": (lambda l, x: x.nanmedian(0, keepdim=True), A_NAN),
    "nanmedian all nan": (lambda l, x: l.nanmedian(x, 0), ALL_NAN_COL),
    "aminmax": (lambda l, x: l.aminmax(x), A),
    "aminmax dim": (lambda l, x: l.aminmax(x, dim=1), A),
    "aminmax dim keepdim": (lambda l, x: l.aminmax(x, dim=0, keepdim=True), A),
    "aminmax keepdim": (lambda l, x: x.aminmax(keepdim=True), A),
    "aminmax ties": (lambda l, x: l.aminmax(x.round()), A),
    "aminmax empty": (lambda l, x: l.aminmax(x[:0]), A),
    "quantile int": (lambda l, x: l.quantile(x.long(), 0.5), A),
    "quantile q range": (lambda l, x: l.quantile(x, 1.5), A),
    "quantile q 2-d": (lambda l, x: l.quantile(x, l.tensor([[0.5]])), A),
    "quantile interpolation": (lambda l, x: l.quantile(x, 0.5, interpolation="foo"), A),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_against_torch(case):
    fn, data = CASES[case]
    same(fn, data)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("form", ["scalar", "scalar dim", "vector dim", "keepdim", "nan",
                                  "nanquantile", "nanquantile all nan"])
def test_quantile(interpolation, form):
    data = A_NAN if "nan" in form and "all" not in form else \
        ALL_NAN_COL if "all nan" in form else A
    fns = {
        "scalar": lambda l, x: l.quantile(x, 0.3, interpolation=interpolation),
        "scalar dim": lambda l, x: l.quantile(x, 0.6, dim=1, interpolation=interpolation),
        "vector dim": lambda l, x: l.quantile(x, l.tensor([0.1, 0.5, 1.0]), dim=1,
                                              interpolation=interpolation),
        "keepdim": lambda l, x: x.quantile(l.tensor([0.25, 0.75]), dim=0, keepdim=True,
                                           interpolation=interpolation),
        "nan": lambda l, x: l.quantile(x, 0.6, dim=1, interpolation=interpolation),
        "nanquantile": lambda l, x: l.nanquantile(x, l.tensor([0.25, 0.75]), dim=1,
                                                  keepdim=True, interpolation=interpolation),
        "nanquantile all nan": lambda l, x: l.nanquantile(x, 0.5, dim=0,
                                                          interpolation=interpolation),
    }
    same(fns[form], data)


def test_gradcheck():
    x = insitu.tensor(A.astype(np.float64), requires_grad=True)
    assert insitu.autograd.gradcheck(lambda t: insitu.kthvalue(t, 2, 1).values, (x,))
    assert insitu.autograd.gradcheck(lambda t: insitu.nanmedian(t, 0).values, (x,))
    assert insitu.autograd.gradcheck(lambda t: insitu.aminmax(t, dim=1), (x,))
    assert insitu.autograd.gradcheck(lambda t: insitu.quantile(t, 0.3, dim=1), (x,))
    assert insitu.autograd.gradgradcheck(lambda t: insitu.quantile(t, 0.3, dim=1), (x,))
