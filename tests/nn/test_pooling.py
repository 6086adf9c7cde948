"""Pooling against torch: max (indices, ties, NaN, -inf), average, adaptive, unpooling and
power-average pooling, 1-d and 2-d, functional and modules; gradcheck and gradgradcheck;
what max pooling keeps; PyTorch's messages."""
import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F
from insitu.autograd import graph
from insitu.autograd.gradcheck import gradcheck, gradgradcheck
from torch_oracle import check_function, check_module, rng, same_error, torch

TF = torch.nn.functional
DTYPES = [np.float32, np.float64]
X2 = (2, 3, 7, 6)
X1 = (2, 3, 9)

MAX2D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 1),
              ceil_mode=True),
         dict(kernel_size=2, ceil_mode=True), dict(kernel_size=(2, 3), stride=1, dilation=2)]
AVG2D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
         dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True),
         dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True,
              count_include_pad=False),
         dict(kernel_size=2, ceil_mode=True, divisor_override=3)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("indices", [False, True])
@pytest.mark.parametrize("opts", MAX2D, ids=str)
def test_max_pool2d(opts, indices, dtype):
    x = rng(0).standard_normal(X2)
    for arr in (x, x[0]):
        check_function(lambda t: F.max_pool2d(t, return_indices=indices, **opts),
                       lambda t: TF.max_pool2d(t, return_indices=indices, **opts), [arr], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opts", AVG2D, ids=str)
def test_avg_pool2d(opts, dtype):
    x = rng(1).standard_normal(X2)
    for arr in (x, x[0]):
        check_function(lambda t: F.avg_pool2d(t, **opts), lambda t: TF.avg_pool2d(t, **opts),
                       [arr], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opts", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1,
                                                             ceil_mode=True),
                                  dict(kernel_size=3, dilation=2, padding=1)], ids=str)
def test_pool1d(opts, dtype):
    x = rng(2).standard_normal(X1)
    for arr in (x, x[0]):
        for indices in (False, True):
            check_function(lambda t: F.max_pool1d(t, return_indices=indices, **opts),
                           lambda t: TF.max_pool1d(t, return_indices=indices, **opts), [arr],
                           dtype)
        if "dilation" not in opts:
            for cip in (True, False):
                check_function(lambda t: F.avg_pool1d(t, count_include_pad=cip, **opts),
                               lambda t: TF.avg_pool1d(t, count_include_pad=cip, **opts), [arr],
                               dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [(3, 2), 4, (1, 1), (7, 6), (None, 4), (5, 5), 1])
def test_adaptive_pool2d(size, dtype):
    x = rng(3).standard_normal(X2)
    for arr in (x, x[0]):
        check_function(lambda t: F.adaptive_avg_pool2d(t, size),
                       lambda t: TF.adaptive_avg_pool2d(t, size), [arr], dtype)
        for indices in (False, True):
            check_function(lambda t: F.adaptive_max_pool2d(t, size, indices),
                           lambda t: TF.adaptive_max_pool2d(t, size, indices), [arr], dtype)


@pytest.mark.parametrize("size", [1, 4, 9, 5])
def test_adaptive_pool1d(size):
    x = rng(4).standard_normal(X1)
    check_function(lambda t: F.adaptive_avg_pool1d(t, size),
                   lambda t: TF.adaptive_avg_pool1d(t, size), [x])
    for indices in (False, True):
        check_function(lambda t: F.adaptive_max_pool1d(t, size, indices),
                       lambda t: TF.adaptive_max_pool1d(t, size, indices), [x])


@pytest.mark.parametrize("p", [2, 3, 1.5])
def test_lp_pool(p):
    x = np.abs(rng(5).standard_normal(X2)) + 0.1
    check_function(lambda t: F.lp_pool2d(t, p, 2, stride=1), lambda t: TF.lp_pool2d(t, p, 2, 1),
                   [x])
    check_function(lambda t: F.lp_pool2d(t, p, (3, 2), ceil_mode=True),
                   lambda t: TF.lp_pool2d(t, p, (3, 2), ceil_mode=True), [x])
    x1 = np.abs(rng(6).standard_normal(X1)) + 0.1
    check_function(lambda t: F.lp_pool1d(t, p, 3, stride=2), lambda t: TF.lp_pool1d(t, p, 3, 2),
                   [x1])


def test_lp_pool_infinite_norm():
    x = rng(7).standard_normal(X2)
    for p in (float("inf"), -float("inf")):
        check_function(lambda t: F.lp_pool2d(t, p, 2), lambda t: TF.lp_pool2d(t, p, 2), [x])


@pytest.mark.parametrize("opts", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)])
def test_max_unpool(opts):
    x = rng(8).standard_normal(X2)
    out, idx = TF.max_pool2d(torch.tensor(x), return_indices=True, **opts)
    sizes = [X2[-2:], X2] + ([None] if "padding" not in opts else [])
    for size in sizes:
        check_function(lambda t: F.max_unpool2d(t, insitu.tensor(idx.numpy()), output_size=size,
                                                **opts),
                       lambda t: TF.max_unpool2d(t, idx, output_size=size, **opts),
                       [out.numpy()])
    x1 = rng(9).standard_normal(X1)
    out1, idx1 = TF.max_pool1d(torch.tensor(x1), 2, return_indices=True)
    check_function(lambda t: F.max_unpool1d(t, insitu.tensor(idx1.numpy()), 2),
                   lambda t: TF.max_unpool1d(t, idx1, 2), [out1.numpy()])


def test_max_pool_nan_inf_and_ties_pick_torch_indices():
    x = rng(10).standard_normal(X2)
    x[0, 0, 1, 1] = x[0, 0, 1, 2] = np.nan
    x[1, 1, :3, :3] = -np.inf
    x[1, 2, 2:5, 2:5] = 0.5                     # ties: the first in row-major order wins
    for opts in (dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=2, ceil_mode=True),
                 dict(kernel_size=2, dilation=2, padding=1)):
        a, ai = F.max_pool2d(insitu.tensor(x), return_indices=True, **opts)
        b, bi = TF.max_pool2d(torch.tensor(x), return_indices=True, **opts)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        np.testing.assert_array_equal(ai.numpy(), bi.numpy())
    for size in (3, (2, 4)):
        a, ai = F.adaptive_max_pool2d(insitu.tensor(x), size, return_indices=True)
        b, bi = TF.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        np.testing.assert_array_equal(ai.numpy(), bi.numpy())


def test_max_pool_keeps_one_byte_per_output():
    x = insitu.randn(4, 8, 16, 16, requires_grad=True)
    y = F.max_pool2d(x, 2)
    assert graph.saved_bytes(y) == y.numel()          # the winning offsets, uint8
    yt = TF.max_pool2d(torch.randn(4, 8, 16, 16, requires_grad=True), 2)
    torch_bytes = sum(t.numel() * t.element_size()
                      for t in (yt.grad_fn._saved_self, yt.grad_fn._saved_result1))
    assert graph.saved_bytes(y) * 24 == torch_bytes   # torch: the input and int64 indices
    y.sum().backward()
    assert graph.saved_bytes(y) == 0
    with insitu.no_grad():
        assert F.max_pool2d(x, 2).grad_fn is None


GRADCHECK = [
    ("max_pool2d", lambda t: F.max_pool2d(t, 2, 1, ceil_mode=True)),
    ("max_pool2d dilated", lambda t: F.max_pool2d(t, (2, 2), (2, 1), padding=1, dilation=2)),
    ("max_pool1d", lambda t: F.max_pool1d(t[0], 2)),
    ("avg_pool2d", lambda t: F.avg_pool2d(t, 3, 2, 1, count_include_pad=False)),
    ("avg_pool2d ceil", lambda t: F.avg_pool2d(t, 2, ceil_mode=True, divisor_override=3)),
    ("avg_pool1d", lambda t: F.avg_pool1d(t[0], 2, 1, 1)),
    ("adaptive_avg_pool2d", lambda t: F.adaptive_avg_pool2d(t, (2, 3))),
    ("adaptive_avg_pool1d", lambda t: F.adaptive_avg_pool1d(t[0], 3)),
    ("adaptive_max_pool2d", lambda t: F.adaptive_max_pool2d(t, (2, 3))),
    ("adaptive_max_pool1d", lambda t: F.adaptive_max_pool1d(t[0], 2)),
    ("lp_pool2d", lambda t: F.lp_pool2d(t.abs() + 0.5, 2, 2, 1)),
    ("lp_pool1d", lambda t: F.lp_pool1d(t[0].abs() + 0.5, 3, 2)),
]


@pytest.mark.parametrize("name,fn", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_pooling_gradcheck_and_gradgradcheck(name, fn):
    x = insitu.tensor(rng(11).standard_normal((1, 2, 4, 5)), requires_grad=True)
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])


def test_max_unpool_gradcheck():
    x = rng(12).standard_normal((1, 2, 4, 4))
    _, idx = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    v = insitu.tensor(rng(13).standard_normal((1, 2, 2, 2)), requires_grad=True)

    def fn(t):
        return F.max_unpool2d(t, insitu.tensor(idx.numpy()), 2)
    assert gradcheck(fn, [v]) and gradgradcheck(fn, [v])
    _, idx1 = TF.max_pool1d(torch.tensor(x[0, 0]), 2, return_indices=True)

    def fn1(t):
        return F.max_unpool1d(t, insitu.tensor(idx1.numpy()), 2)
    v1 = insitu.tensor(rng(14).standard_normal((4, 2)), requires_grad=True)
    assert gradcheck(fn1, [v1]) and gradgradcheck(fn1, [v1])


# ------------------------------------------------------------------ modules

MODULES = [
    ("MaxPool2d", (3,), dict(stride=2, padding=1), X2),
    ("MaxPool2d", ((2, 3),), dict(dilation=(1, 2), ceil_mode=True), X2),
    ("MaxPool1d", (3,), dict(stride=2), X1),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False), X2),
    ("AvgPool2d", (2,), dict(ceil_mode=True, divisor_override=2), X2),
    ("AvgPool1d", (3,), dict(stride=2, padding=1), X1),
    ("AdaptiveAvgPool2d", ((3, None),), {}, X2),
    ("AdaptiveAvgPool2d", (1,), {}, X2),
    ("AdaptiveAvgPool1d", (4,), {}, X1),
    ("AdaptiveMaxPool2d", ((2, 3),), {}, X2),
    ("AdaptiveMaxPool1d", (4,), {}, X1),
    ("LPPool2d", (2, 2), dict(stride=1), X2),
    ("LPPool1d", (3, 3), {}, X1),
]


@pytest.mark.parametrize("name,args,kwargs,shape", MODULES,
                         ids=[f"{m[0]}{m[1]}{m[2]}" for m in MODULES])
def test_pooling_modules(name, args, kwargs, shape):
    mine, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(mine) == repr(theirs)
    assert not list(mine.state_dict()) and not list(theirs.state_dict())
    x = rng(14).standard_normal(shape)
    if name.startswith("LP"):
        x = np.abs(x) + 0.1
    check_module(mine, theirs, x, np.float32)


def test_with_indices_forms_always_return_indices():
    x = rng(16).standard_normal(X2)
    for mine, theirs, arg in ((F.max_pool2d_with_indices, TF.max_pool2d_with_indices, 2),
                              (F.adaptive_max_pool2d_with_indices,
                               TF.adaptive_max_pool2d_with_indices, 3),
                              (F.max_pool1d_with_indices, TF.max_pool1d_with_indices, 2),
                              (F.adaptive_max_pool1d_with_indices,
                               TF.adaptive_max_pool1d_with_indices, 3)):
        arr = x if "1d" not in mine.__name__ else x[0]
        (a, ai), (b, bi) = mine(insitu.tensor(arr), arg), theirs(torch.tensor(arr), arg)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        np.testing.assert_array_equal(ai.numpy(), bi.numpy())


def test_pooling_modules_with_indices_and_unpool():
    x = rng(15).standard_normal(X2).astype(np.float32)
    pool, tpool = nn.MaxPool2d(2, return_indices=True), torch.nn.MaxPool2d(2, return_indices=True)
    unpool, tunpool = nn.MaxUnpool2d(2), torch.nn.MaxUnpool2d(2)
    assert repr(unpool) == repr(tunpool) and repr(nn.MaxUnpool1d(3)) == repr(
        torch.nn.MaxUnpool1d(3))
    (y, i), (ty, ti) = pool(insitu.tensor(x)), tpool(torch.tensor(x))
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    np.testing.assert_array_equal(unpool(y, i, output_size=x.shape).numpy(),
                                  tunpool(ty, ti, output_size=x.shape).numpy())
    (y, i), (ty, ti) = (nn.AdaptiveMaxPool2d(3, return_indices=True)(insitu.tensor(x)),
                        torch.nn.AdaptiveMaxPool2d(3, return_indices=True)(torch.tensor(x)))
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


# ------------------------------------------------------------------ messages

def _x(lib, *shape, dtype=None):
    return lib.ones(*shape) if dtype is None else lib.zeros(*shape, dtype=dtype)


ERRORS = [
    lambda lib, F_: F_.max_pool2d(_x(lib, 3, 8), 2),
    lambda lib, F_: F_.max_pool2d(_x(lib, 1, 2, 3, 8, 8), 2),
    lambda lib, F_: F_.max_pool2d(_x(lib, 2, 3, 8, 8), 9),
    lambda lib, F_: F_.max_pool2d(_x(lib, 2, 3, 8, 8), 3, padding=2),
    lambda lib, F_: F_.max_pool2d(_x(lib, 2, 3, 8, 8), 0),
    lambda lib, F_: F_.max_pool2d(_x(lib, 2, 3, 8, 8), 2, stride=0),
    lambda lib, F_: F_.max_pool2d(_x(lib, 2, 3, 8, 8), 2, dilation=0),
    lambda lib, F_: F_.max_pool2d(_x(lib, 2, 3, 8, 8), 2, padding=-1),
    lambda lib, F_: F_.max_pool2d(_x(lib, 2, 3, 8, 8), (2, 2, 2)),
    lambda lib, F_: F_.max_pool2d(_x(lib, 2, 3, 2, 2), 3, dilation=2, padding=1),
    lambda lib, F_: F_.max_pool2d(_x(lib, 2, 3, 0, 4), 2),
    lambda lib, F_: F_.max_pool1d(_x(lib, 3), 2),
    lambda lib, F_: F_.max_pool1d(_x(lib, 2, 3, 8, 8), 2),
    lambda lib, F_: F_.max_pool1d(_x(lib, 2, 3, 8), 9),
    lambda lib, F_: F_.max_pool1d(_x(lib, 2, 3, 8), 3, padding=2),
    lambda lib, F_: F_.max_pool1d(_x(lib, 2, 3, 8), 0),
    lambda lib, F_: F_.avg_pool2d(_x(lib, 3, 8), 2),
    lambda lib, F_: F_.avg_pool2d(_x(lib, 2, 3, 8, 8), 9),
    lambda lib, F_: F_.avg_pool2d(_x(lib, 2, 3, 8, 8), 3, padding=2),
    lambda lib, F_: F_.avg_pool2d(_x(lib, 2, 3, 8, 8), 2, divisor_override=0),
    lambda lib, F_: F_.avg_pool2d(_x(lib, 2, 3, 8, 8), (2, 2, 2)),
    lambda lib, F_: F_.avg_pool1d(_x(lib, 2, 3, 8, 8), 2),
    lambda lib, F_: F_.avg_pool1d(_x(lib, 2, 3, 8), 9),
    lambda lib, F_: F_.avg_pool1d(_x(lib, 2, 3, 8), (2, 2)),
    lambda lib, F_: F_.adaptive_avg_pool2d(_x(lib, 3, 8), 2),
    lambda lib, F_: F_.adaptive_avg_pool2d(_x(lib, 2, 3, 8, 8), (2, 2, 2)),
    lambda lib, F_: F_.adaptive_avg_pool2d(_x(lib, 2, 3, 8, 8), -1),
    lambda lib, F_: F_.adaptive_avg_pool2d(_x(lib, 2, 3, 0, 4), 2),
    lambda lib, F_: F_.adaptive_avg_pool1d(_x(lib, 2, 3, 8, 8), 2),
    lambda lib, F_: F_.adaptive_avg_pool1d(_x(lib, 2, 3, 8), (2, 2)),
    lambda lib, F_: F_.adaptive_max_pool2d(_x(lib, 3, 8), 2),
    lambda lib, F_: F_.adaptive_max_pool2d(_x(lib, 2, 3, 8, 8), (2, 2, 2)),
    lambda lib, F_: F_.adaptive_max_pool1d(_x(lib, 2, 3, 8, 8), 2),
    lambda lib, F_: F_.max_unpool2d(_x(lib, 2, 3, 4, 4), _x(lib, 2, 3, 4, 4, dtype=lib.int64)
                                    + 100, 2),
    lambda lib, F_: F_.max_unpool2d(_x(lib, 2, 3, 4, 4), _x(lib, 2, 3, 4, 3, dtype=lib.int64),
                                    2),
    lambda lib, F_: F_.max_unpool2d(_x(lib, 2, 3, 4, 4), _x(lib, 2, 3, 4, 4), 2),
    lambda lib, F_: F_.max_unpool2d(_x(lib, 3, 4), _x(lib, 3, 4, dtype=lib.int64), 2),
    lambda lib, F_: F_.max_unpool2d(_x(lib, 2, 3, 4, 4), _x(lib, 2, 3, 4, 4, dtype=lib.int64),
                                    2, output_size=(20, 20)),
    lambda lib, F_: F_.max_unpool2d(_x(lib, 2, 3, 4, 4), _x(lib, 2, 3, 4, 4, dtype=lib.int64),
                                    2, output_size=(1, 2, 3)),
    lambda lib, F_: F_.lp_pool2d(_x(lib, 2, 3, 8, 8), 2, 9),
]


@pytest.mark.parametrize("call", ERRORS)
def test_pooling_messages(call):
    same_error(lambda: call(insitu, F), lambda: call(torch, TF))


def test_failed_pooling_leaves_input_untouched():
    x = insitu.randn(2, 3, 4, 4, requires_grad=True)
    h = x * 1
    before, version = h.detach().numpy().copy(), h._version
    for call in (lambda: F.max_pool2d(h, 5), lambda: F.avg_pool2d(h, 2, padding=3),
                 lambda: nn.MaxPool1d(9)(h[0]), lambda: F.adaptive_max_pool2d(h, (1, 2, 3))):
        with pytest.raises(RuntimeError):
            call()
    np.testing.assert_array_equal(before, h.detach().numpy())
    assert h._version == version and x.grad is None
