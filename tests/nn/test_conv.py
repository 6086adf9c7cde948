"""Convolutions and unfold/fold against torch: forward, node, every gradient over a grid of
options, double backward, what the node keeps, modules (repr, init, state_dict, padding modes)
and PyTorch's messages for bad input."""
import math

import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F
from insitu.autograd import graph
from insitu.autograd.gradcheck import gradcheck, gradgradcheck
from torch_oracle import (both, check_function, check_module, compare, rng, same_error,
                          state_dict_round_trip, torch)

TF = torch.nn.functional
DTYPES = [np.float32, np.float64]

# (input shape, weight shape, options): groups, depthwise, strides, paddings, dilations
CONV2D = [
    ((2, 4, 7, 6), (6, 4, 3, 3), {}),
    ((2, 4, 7, 6), (6, 4, 3, 2), dict(stride=2, padding=1)),
    ((2, 4, 7, 6), (6, 2, 3, 3), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ((2, 4, 7, 6), (8, 1, 3, 3), dict(padding=1, groups=4)),               # depthwise x2
    ((2, 4, 7, 6), (4, 1, 3, 3), dict(padding="same", groups=4, dilation=2)),
    ((2, 3, 7, 6), (5, 3, 2, 2), dict(padding="same")),                    # asymmetric 'same'
    ((2, 3, 7, 6), (5, 3, 3, 3), dict(padding="valid", stride=3)),
    ((3, 7, 6), (5, 3, 3, 3), dict(padding=1)),                            # unbatched
    ((1, 2, 5, 5), (3, 2, 5, 5), {}),                                      # kernel = input
    ((2, 2, 6, 6), (2, 2, 1, 1), dict(stride=2)),
]
CONV1D = [
    ((2, 4, 9), (6, 4, 3), {}),
    ((2, 4, 9), (6, 2, 3), dict(stride=2, padding=1, dilation=2, groups=2)),
    ((2, 4, 9), (4, 1, 4), dict(padding="same", groups=4)),
    ((4, 9), (3, 4, 2), dict(padding=(1,))),
]
CONV_T2D = [
    ((2, 4, 5, 4), (4, 3, 3, 3), {}),
    ((2, 4, 5, 4), (4, 3, 3, 2), dict(stride=2, padding=1, output_padding=1)),
    ((2, 4, 5, 4), (4, 2, 3, 3), dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0),
                                      dilation=(1, 2), groups=2)),
    ((2, 4, 5, 4), (4, 1, 3, 3), dict(stride=1, output_padding=1, dilation=2, groups=4)),
    ((4, 5, 4), (4, 3, 2, 2), dict(stride=3, padding=1, output_padding=2)),
]
CONV_T1D = [
    ((2, 3, 5), (3, 2, 3), dict(stride=3, padding=1, output_padding=2)),
    ((2, 4, 5), (4, 1, 3), dict(stride=2, dilation=2, groups=2)),
    ((3, 5), (3, 4, 2), {}),
]


def _conv_case(fn, tfn, x_shape, w_shape, opts, dtype, bias_size):
    r = rng(0)
    arrays = [r.standard_normal(x_shape), r.standard_normal(w_shape) / math.sqrt(
        math.prod(w_shape[1:])), r.standard_normal(bias_size)]
    check_function(lambda x, w, b: fn(x, w, b, **opts), lambda x, w, b: tfn(x, w, b, **opts),
                   arrays, dtype)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV2D + CONV1D, ids=lambda c: str(c))
def test_conv_against_torch(case, dtype):
    x_shape, w_shape, opts = case
    fns = (F.conv2d, TF.conv2d) if len(w_shape) == 4 else (F.conv1d, TF.conv1d)
    _conv_case(*fns, x_shape, w_shape, opts, dtype, w_shape[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_T2D + CONV_T1D, ids=lambda c: str(c))
def test_conv_transpose_against_torch(case, dtype):
    x_shape, w_shape, opts = case
    fns = ((F.conv_transpose2d, TF.conv_transpose2d) if len(w_shape) == 4 else
           (F.conv_transpose1d, TF.conv_transpose1d))
    _conv_case(*fns, x_shape, w_shape, opts, dtype, w_shape[1] * opts.get("groups", 1))


# shapes large enough that the kernels run over several blocks of samples (the last one
# partial): deep columns with the sample fastest, the input gradient by rows and by phase
BLOCKED = [
    (F.conv2d, TF.conv2d, (37, 6, 8, 8), (10, 6, 3, 3), dict(padding=1)),
    (F.conv2d, TF.conv2d, (5, 16, 30, 30), (8, 16, 3, 3), dict(padding=1)),
    (F.conv2d, TF.conv2d, (5, 64, 18, 18), (8, 64, 3, 3), dict(padding=1)),
    (F.conv2d, TF.conv2d, (3, 8, 70, 70), (32, 8, 3, 3), dict(stride=2, padding=1)),
    (F.conv_transpose2d, TF.conv_transpose2d, (3, 32, 48, 48), (32, 4, 3, 3),
     dict(stride=2, padding=1, output_padding=1)),
]


@pytest.mark.parametrize("case", BLOCKED, ids=lambda c: str(c[2:]))
def test_conv_over_blocks_of_samples(case):
    fn, tfn, x_shape, w_shape, opts = case
    bias = w_shape[1] if fn is F.conv_transpose2d else w_shape[0]
    _conv_case(fn, tfn, x_shape, w_shape, opts, np.float64, bias)


@pytest.mark.parametrize("needs", [(True, True, True), (True, False, False),
                                   (False, True, False), (False, False, True)])
def test_conv_without_bias_and_partial_gradients(needs):
    r = rng(2)
    arrays = [r.standard_normal((2, 3, 6, 5)), r.standard_normal((4, 3, 3, 3)),
              r.standard_normal(4)]
    mine = [insitu.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    theirs = [torch.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    F.conv2d(*mine, padding=1).sum().backward()
    TF.conv2d(*theirs, padding=1).sum().backward()
    for m, t in zip(mine, theirs):
        assert (m.grad is None) == (t.grad is None)
        if t.grad is not None:
            compare(m.grad, t.grad)
    compare(F.conv2d(mine[0], mine[1]), TF.conv2d(theirs[0], theirs[1]))


def test_conv_empty_batch():
    w = insitu.randn(4, 3, 3, 3, requires_grad=True)
    for fn, weight in ((F.conv2d, w), (F.conv_transpose2d, w.transpose(0, 1))):
        x = insitu.zeros(0, 3, 5, 5, requires_grad=True)
        y = fn(x, weight, stride=2)
        ref = (TF.conv2d if fn is F.conv2d else TF.conv_transpose2d)(
            torch.zeros(0, 3, 5, 5), torch.zeros(tuple(weight.shape)), stride=2)
        assert y.shape == tuple(ref.shape)
        y.sum().backward()
        assert x.grad.shape == (0, 3, 5, 5) and not w.grad.any()


# ------------------------------------------------------------------ double backward

GRADCHECK = [
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2),
                                        groups=2), (1, 2, 5, 4), (2, 1, 2, 2), 2),
    ("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), (2, 2, 5), (3, 2, 2), 3),
    ("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(
        x, w, b, stride=2, padding=1, output_padding=1, groups=2), (1, 2, 3, 2), (2, 1, 2, 2), 2),
    ("conv_transpose1d", lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, dilation=2),
     (2, 2, 3), (2, 2, 2), 2),
]


@pytest.mark.parametrize("name,fn,xs,ws,bs", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_conv_gradcheck_and_gradgradcheck(name, fn, xs, ws, bs):
    r = rng(3)
    inputs = [insitu.tensor(r.standard_normal(s), requires_grad=True) for s in (xs, ws, (bs,))]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_conv_double_backward_against_torch():
    r = rng(4)
    arrays = [r.standard_normal((2, 2, 5, 4)), r.standard_normal((3, 2, 2, 3)),
              r.standard_normal(3)]
    (xm, xt), (wm, wt), (bm, bt) = (both(a) for a in arrays)
    opts = dict(stride=(1, 2), padding=(1, 0))
    ym, yt = F.conv2d(xm, wm, bm, **opts), TF.conv2d(xt, wt, bt, **opts)
    gm = insitu.autograd.grad((ym * ym).sum(), [xm, wm], create_graph=True)
    gt = torch.autograd.grad((yt * yt).sum(), [xt, wt], create_graph=True)
    (gm[0].sum() + (gm[1] * gm[1]).sum()).backward()
    (gt[0].sum() + (gt[1] * gt[1]).sum()).backward()
    for m, t in ((xm, xt), (wm, wt), (bm, bt)):
        compare(m.grad, t.grad, tol=dict(rtol=1e-9, atol=1e-9))


# ------------------------------------------------------------------ what the node keeps

@pytest.mark.parametrize("needs", [(True, True), (True, False), (False, True)])
def test_conv_node_keeps_input_and_weight_only(needs):
    """No column buffer stays in the graph: the node keeps the input (for the weight's
    gradient) and the weight (for the input's), as PyTorch's node does, and nothing else."""
    x = insitu.randn(4, 8, 16, 16, requires_grad=needs[0])
    w = insitu.randn(16, 8, 3, 3, requires_grad=needs[1])
    b = insitu.randn(16, requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    expected = (x.nbytes if needs[1] else 0) + (w.nbytes if needs[0] else 0)
    assert graph.saved_bytes(y) == expected
    yt = TF.conv2d(torch.randn(4, 8, 16, 16, requires_grad=True),
                   torch.randn(16, 8, 3, 3, requires_grad=True), padding=1)
    torch_bytes = sum(t.numel() * t.element_size()
                      for t in (yt.grad_fn._saved_input, yt.grad_fn._saved_weight))
    assert graph.saved_bytes(y) <= torch_bytes
    y.sum().backward()
    assert graph.saved_bytes(y) == 0


def test_conv_input_modified_in_place_is_caught():
    x = insitu.randn(1, 2, 5, 5, requires_grad=True)
    h = x * 1
    w = insitu.randn(3, 2, 3, 3, requires_grad=True)
    y = F.conv2d(h, w)
    h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ------------------------------------------------------------------ modules

MODULES = [
    ("Conv2d", (3, 6, 3), dict(padding=1, bias=False), (2, 3, 6, 5)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=2, dilation=(2, 1), groups=2), (2, 4, 9, 8)),
    ("Conv2d", (4, 4, 3), dict(groups=4, padding="same"), (2, 4, 6, 5)),
    ("Conv2d", (3, 5, 3), dict(padding="valid"), (3, 6, 5)),
    ("Conv1d", (3, 5, 3), dict(stride=2, padding=2), (2, 3, 9)),
    ("Conv1d", (4, 4, 4), dict(padding="same", dilation=2, groups=2), (2, 4, 9)),
    ("ConvTranspose2d", (4, 3, 3), dict(stride=2, padding=1, output_padding=1), (2, 4, 4, 5)),
    ("ConvTranspose2d", (4, 6, 2), dict(groups=2, dilation=2, bias=False), (4, 4, 5)),
    ("ConvTranspose1d", (3, 2, 3), dict(stride=3, output_padding=1), (2, 3, 5)),
] + [("Conv2d", (3, 4, 3), dict(padding=p, padding_mode=m), (2, 3, 6, 5))
     for m in ("reflect", "replicate", "circular") for p in (1, (2, 1), "same")] + [
    ("Conv1d", (2, 3, 4), dict(padding="same", padding_mode=m), (2, 2, 7))
    for m in ("reflect", "replicate", "circular")]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name,args,kwargs,x_shape", MODULES,
                         ids=[f"{m[0]}{m[1]}{m[2]}" for m in MODULES])
def test_conv_modules(name, args, kwargs, x_shape):
    mine, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(mine) == repr(theirs)
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert mine._reversed_padding_repeated_twice == list(
        theirs._reversed_padding_repeated_twice) or tuple(
        mine._reversed_padding_repeated_twice) == tuple(theirs._reversed_padding_repeated_twice)
    x = rng(5).standard_normal(x_shape)
    check_module(mine, theirs, x, np.float32)
    state_dict_round_trip(mine, theirs)


def test_conv_transpose_output_size():
    mine, theirs = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), \
        torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    x = rng(6).standard_normal((1, 3, 4, 4)).astype(np.float32)
    from torch_oracle import copy_module
    copy_module(mine, theirs)
    for size in ([8, 8], [1, 2, 7, 8]):
        compare(mine(insitu.tensor(x), output_size=size), theirs(torch.tensor(x),
                                                                 output_size=size),
                np.float32)
    same_error(lambda: mine(insitu.tensor(x), output_size=[10, 10]),
               lambda: theirs(torch.tensor(x), output_size=[10, 10]))


@pytest.mark.parametrize("cls,args", [("Conv2d", (4, 8, 3)), ("Conv1d", (6, 4, 5)),
                                      ("ConvTranspose2d", (4, 6, 3)),
                                      ("Conv2d", (4, 8, 3, 1, 0, 1, 2))])
def test_conv_default_init(cls, args):
    """kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias has the
    same bound; dtype is honoured."""
    m = getattr(nn, cls)(*args)
    fan_in = m.weight.shape[1] * math.prod(m.weight.shape[2:])
    bound = 1 / math.sqrt(fan_in)
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and w.std() > bound / 3
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    t = getattr(torch.nn, cls)(*args)
    assert tuple(m.weight.shape) == tuple(t.weight.shape)
    assert getattr(nn, cls)(*args, dtype=insitu.float64).weight.dtype is insitu.float64


def test_conv_modules_work_with_isinstance_and_apply():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(2, 2, 1))

    def init(m):
        if isinstance(m, nn.Conv2d):
            nn.init.zeros_(m.bias)
    net.apply(init)
    assert all(not m.bias.any() for m in net if isinstance(m, nn.Conv2d))
    assert net(insitu.randn(1, 1, 6, 6)).shape == (1, 2, 2, 2)


# ------------------------------------------------------------------ unfold / fold

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opts", [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(2, 1),
                                                             padding=1, stride=(1, 2))])
def test_unfold_fold_against_torch(opts, dtype):
    x = rng(7).standard_normal((2, 3, 6, 7))
    cols, _ = check_function(lambda t: F.unfold(t, **opts), lambda t: TF.unfold(t, **opts),
                             [x], dtype)
    check_function(lambda t: F.unfold(t, **opts), lambda t: TF.unfold(t, **opts), [x[0]], dtype)
    c = rng(8).standard_normal(tuple(cols.shape))
    check_function(lambda t: F.fold(t, (6, 7), **opts), lambda t: TF.fold(t, (6, 7), **opts),
                   [c], dtype)
    check_function(lambda t: F.fold(t, (6, 7), **opts), lambda t: TF.fold(t, (6, 7), **opts),
                   [c[0]], dtype)
    u, tu = nn.Unfold(**opts), torch.nn.Unfold(**opts)
    assert repr(u) == repr(tu)
    assert repr(nn.Fold((6, 7), **opts)) == repr(torch.nn.Fold((6, 7), **opts))


def test_unfold_fold_gradcheck():
    r = rng(9)
    x = insitu.tensor(r.standard_normal((1, 2, 4, 3)), requires_grad=True)
    c = insitu.tensor(r.standard_normal((1, 8, 5)), requires_grad=True)
    for fn, t in ((lambda t: F.unfold(t, 2, padding=1, stride=(2, 1)), x),
                  (lambda t: F.fold(t, (4, 3), 2, padding=(1, 0), stride=1, dilation=(1, 2)),
                   c)):
        assert gradcheck(fn, [t]) and gradgradcheck(fn, [t])


# ------------------------------------------------------------------ messages

def _bad(fn_name, x_shape, w_shape, b_shape=None, x_dtype=np.float32, w_dtype=np.float32,
         b_dtype=np.float32, **opts):
    def make(lib):
        F_ = F if lib is insitu else TF
        x = lib.tensor(np.ones(x_shape, x_dtype))
        w = lib.tensor(np.ones(w_shape, w_dtype))
        b = None if b_shape is None else lib.tensor(np.ones(b_shape, b_dtype))
        return lambda: getattr(F_, fn_name)(x, w, b, **opts)
    return make


ERRORS = [
    _bad("conv2d", (2, 3), (4, 3, 3, 3)),
    _bad("conv2d", (2, 3, 4, 4, 4), (4, 3, 3, 3)),
    _bad("conv2d", (2, 1, 8, 8), (4, 3, 3, 3)),
    _bad("conv2d", (1, 8, 8), (4, 3, 3, 3)),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 9, 9)),
    _bad("conv2d", (2, 3, 8, 8), (4, 1, 3, 3), groups=2),
    _bad("conv2d", (2, 3, 8, 8), (4, 1, 3, 3), (3,), groups=3),
    _bad("conv2d", (2, 3, 8, 8), (1, 3, 3, 3), groups=2),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3)),
    _bad("conv2d", (2, 3, 8, 8), (4, 3)),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), stride=0),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), padding=-1),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), dilation=0),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), groups=0),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), stride=(1, 1, 1)),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), padding=(1, 2, 3)),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), stride=2, padding="same"),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), padding="foo"),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), w_dtype=np.float64),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), (4,), b_dtype=np.float64),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), (3,)),
    _bad("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), (4, 1)),
    _bad("conv1d", (2, 3), (4, 3, 3)),
    _bad("conv1d", (2, 2, 5), (4, 3, 3)),
    _bad("conv1d", (2, 3, 8), (4, 3, 3), stride=2, padding="same"),
    _bad("conv_transpose2d", (2, 3), (3, 3, 3, 3)),
    _bad("conv_transpose2d", (2, 3, 8, 8), (4, 3, 3, 3)),
    _bad("conv_transpose2d", (2, 3, 8, 8), (3, 3, 3, 3), output_padding=1),
    _bad("conv_transpose2d", (2, 3, 8, 8), (3, 3, 3, 3), output_padding=2, stride=2),
    _bad("conv_transpose2d", (2, 3, 8, 8), (3, 3, 3, 3), output_padding=-1),
    _bad("conv_transpose2d", (2, 3, 8, 8), (3, 3, 3, 3), groups=2),
    _bad("conv_transpose2d", (2, 3, 8, 8), (3, 3, 3, 3), (2,)),
    _bad("conv_transpose2d", (2, 3, 8, 8), (3, 3, 3, 3), padding="same"),
    _bad("conv_transpose1d", (2, 3, 8), (3, 3, 3), output_padding=1),
]


@pytest.mark.parametrize("make", ERRORS)
def test_conv_messages(make):
    same_error(make(insitu), make(torch))


UNFOLD_ERRORS = [
    lambda lib, F_: F_.unfold(lib.ones(3, 4), 2),
    lambda lib, F_: F_.unfold(lib.ones(2, 3, 4, 4), 2, stride=0),
    lambda lib, F_: F_.unfold(lib.ones(2, 3, 4, 4), 0),
    lambda lib, F_: F_.unfold(lib.ones(2, 3, 4, 4), 2, dilation=0),
    lambda lib, F_: F_.unfold(lib.ones(2, 3, 4, 4), 2, padding=-1),
    lambda lib, F_: F_.unfold(lib.ones(2, 3, 4, 4), (2, 2, 2)),
    lambda lib, F_: F_.unfold(lib.ones(2, 3, 5, 4), 6),
    lambda lib, F_: F_.fold(lib.ones(3, 4, 5, 6), 4, 2),
    lambda lib, F_: F_.fold(lib.ones(2, 13, 49), (8, 8), 2),
    lambda lib, F_: F_.fold(lib.ones(2, 12, 48), (8, 8), 2),
    lambda lib, F_: F_.fold(lib.ones(2, 12, 9), 4, 2, stride=0),
]


@pytest.mark.parametrize("call", UNFOLD_ERRORS)
def test_unfold_fold_messages(call):
    same_error(lambda: call(insitu, F), lambda: call(torch, TF))


def test_module_messages_and_failed_calls_leave_everything_untouched():
    for kwargs in (dict(groups=2), dict(groups=0), dict(padding_mode="foo"), dict(padding="foo"),
                   dict(padding="same", stride=2)):
        args = (3, 4, 3) if "groups" not in kwargs or kwargs["groups"] == 0 else (3, 4, 3)
        same_error(lambda: nn.Conv2d(*args, **kwargs), lambda: torch.nn.Conv2d(*args, **kwargs))
    same_error(lambda: nn.Conv2d(4, 3, 3, groups=2), lambda: torch.nn.Conv2d(4, 3, 3, groups=2))
    same_error(lambda: nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"),
               lambda: torch.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"))
    mine, theirs = nn.Conv2d(3, 4, 3, padding=5, padding_mode="reflect"), \
        torch.nn.Conv2d(3, 4, 3, padding=5, padding_mode="reflect")
    x = insitu.randn(1, 3, 4, 4, requires_grad=True)
    before = [(p.detach().numpy().copy(), p._version) for p in mine.parameters()]
    x_before, x_version = x.detach().numpy().copy(), x._version
    same_error(lambda: mine(x), lambda: theirs(torch.randn(1, 3, 4, 4)))
    for module in (nn.Conv2d(3, 4, 3), nn.ConvTranspose2d(3, 4, 3)):
        with pytest.raises(RuntimeError):
            module(insitu.randn(1, 2, 4, 4))
    for (arr, version), p in zip(before, mine.parameters()):
        np.testing.assert_array_equal(arr, p.detach().numpy())
        assert p._version == version and p.grad is None
    np.testing.assert_array_equal(x_before, x.detach().numpy())
    assert x._version == x_version and x.grad is None
