"""Normalisation layers and functionals against torch with the weights copied over through
NumPy: outputs, input and parameter gradients, running statistics and their versions after
several steps, grad_fn names, state_dicts both ways, double backward, errors (and that a refused
call changes nothing) and reprs."""
import itertools

import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F
from insitu.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional
tnn = torch.nn

RNG = np.random.default_rng(99)
TOL = {np.float32: 1e-5, np.float64: 1e-10}
DT = {np.float32: (insitu.float32, torch.float32), np.float64: (insitu.float64, torch.float64)}


def data(*shape, dtype=np.float64):
    return (RNG.standard_normal(shape) * 2 + 1).astype(dtype)


def close(mine, theirs, dtype, what=""):
    mine = mine.detach().numpy() if hasattr(mine, "detach") else mine
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(mine, theirs, rtol=TOL[dtype], atol=TOL[dtype], err_msg=what)


def name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def to_insitu(sd):
    return {k: insitu.tensor(v.detach().numpy().copy()) for k, v in sd.items()}


def to_torch(sd):
    return {k: torch.tensor(v.detach().numpy().copy()) for k, v in sd.items()}


def pair(build, dtype):
    """The same layer in both libraries, torch's random parameters copied into insitu's."""
    mine, theirs = build(nn, DT[dtype][0]), build(tnn, DT[dtype][1])
    with torch.no_grad():
        for p in theirs.parameters():
            p.normal_()
    mine.load_state_dict(to_insitu(theirs.state_dict()))
    return mine, theirs


def step(mine, theirs, shape, dtype, what):
    """One forward and backward of both; everything compared."""
    a = data(*shape, dtype=dtype)
    g = RNG.standard_normal(shape).astype(dtype)
    xm, xt = insitu.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ym, yt = mine(xm), theirs(xt)
    close(ym, yt, dtype, what + " output")
    assert name(ym) == name(yt), what
    ym.backward(insitu.tensor(g))
    yt.backward(torch.tensor(g))
    close(xm.grad, xt.grad, dtype, what + " input grad")
    for (n, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters()):
        close(p.grad, q.grad, dtype, f"{what} {n} grad")


def compare_buffers(mine, theirs, start, dtype, what):
    theirs_buffers = dict(theirs.named_buffers())
    for n, b in mine.named_buffers():
        ref = theirs_buffers[n]
        if b.dtype == insitu.int64:
            assert b.tolist() == ref.tolist(), what
        else:
            close(b, ref, dtype, f"{what} {n}")
        # the running statistics move their version exactly as PyTorch's
        assert b._version - start[0][n] == ref._version - start[1][n], f"{what} {n} version"


def versions(m):
    return {n: b._version for n, b in m.named_buffers()}


BN = [(cls, shape, mom, affine, track)
      for cls, shape in (("BatchNorm1d", (8, 4)), ("BatchNorm1d", (5, 4, 3)),
                         ("BatchNorm2d", (3, 4, 5, 2)))
      for mom, affine, track in itertools.product((0.1, None), (True, False), (True, False))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls,shape,momentum,affine,track", BN)
def test_batch_norm_layers_train_then_eval(cls, shape, momentum, affine, track, dtype):
    mine, theirs = pair(lambda lib, dt: getattr(lib, cls)(
        4, momentum=momentum, affine=affine, track_running_stats=track, dtype=dt), dtype)
    identity = {n: (b, b.data_ptr()) for n, b in mine.named_buffers()}
    start = versions(mine), versions(theirs)
    for i in range(3):
        step(mine, theirs, shape, dtype, f"train step {i}")
        compare_buffers(mine, theirs, start, dtype, f"train step {i}")
    for n, b in mine.named_buffers():        # updated in place: same tensors, same memory
        assert b is identity[n][0] and b.data_ptr() == identity[n][1]
    mine.eval(), theirs.eval()
    step(mine, theirs, shape, dtype, "eval")
    compare_buffers(mine, theirs, start, dtype, "eval")


IN = [(cls, shape, mom, affine, track)
      for cls, shape in (("InstanceNorm1d", (3, 4, 5)), ("InstanceNorm1d", (4, 5)),
                         ("InstanceNorm2d", (2, 4, 3, 2)), ("InstanceNorm2d", (4, 3, 2)))
      for mom, affine, track in itertools.product((0.1, None), (True, False), (True, False))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls,shape,momentum,affine,track", IN)
def test_instance_norm_layers_train_then_eval(cls, shape, momentum, affine, track, dtype):
    mine, theirs = pair(lambda lib, dt: getattr(lib, cls)(
        4, momentum=momentum, affine=affine, track_running_stats=track, dtype=dt), dtype)
    start = versions(mine), versions(theirs)
    for i in range(2):
        step(mine, theirs, shape, dtype, f"train step {i}")
        compare_buffers(mine, theirs, start, dtype, f"train step {i}")
    mine.eval(), theirs.eval()
    step(mine, theirs, shape, dtype, "eval")
    compare_buffers(mine, theirs, start, dtype, "eval")


OTHERS = [
    ("GroupNorm(1)", lambda lib, dt: lib.GroupNorm(1, 4, dtype=dt), (3, 4, 5)),
    ("GroupNorm(2)", lambda lib, dt: lib.GroupNorm(2, 4, dtype=dt), (3, 4, 2, 3)),
    ("GroupNorm(4)", lambda lib, dt: lib.GroupNorm(4, 4, dtype=dt), (2, 4, 3)),
    ("GroupNorm no affine", lambda lib, dt: lib.GroupNorm(2, 4, affine=False, dtype=dt), (3, 4)),
    ("GroupNorm no bias", lambda lib, dt: lib.GroupNorm(2, 6, bias=False, dtype=dt), (2, 6, 4)),
    ("LayerNorm", lambda lib, dt: lib.LayerNorm((3, 5), dtype=dt), (2, 3, 5)),
    ("LayerNorm no affine", lambda lib, dt: lib.LayerNorm(5, elementwise_affine=False,
                                                          dtype=dt), (4, 5)),
    ("LayerNorm no bias", lambda lib, dt: lib.LayerNorm(5, bias=False, dtype=dt), (2, 3, 5)),
    ("RMSNorm", lambda lib, dt: lib.RMSNorm((3, 5), dtype=dt), (2, 3, 5)),
    ("RMSNorm eps", lambda lib, dt: lib.RMSNorm(5, eps=1e-3, dtype=dt), (4, 5)),
    ("RMSNorm no affine", lambda lib, dt: lib.RMSNorm(5, elementwise_affine=False, dtype=dt),
     (3, 5)),
    ("LocalResponseNorm 3d", lambda lib, dt: lib.LocalResponseNorm(3), (2, 6, 5)),
    ("LocalResponseNorm 4d", lambda lib, dt: lib.LocalResponseNorm(2, 0.1, 0.5, 2.0),
     (2, 6, 3, 2)),
    ("LocalResponseNorm 5d", lambda lib, dt: lib.LocalResponseNorm(5, alpha=0.3),
     (2, 4, 3, 2, 2)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what,build,shape", OTHERS, ids=[o[0] for o in OTHERS])
def test_other_norm_layers(what, build, shape, dtype):
    mine, theirs = pair(build, dtype)
    for i in range(2):
        step(mine, theirs, shape, dtype, what)


def test_momentum_none_is_the_cumulative_average():
    layer = nn.BatchNorm1d(2, momentum=None, affine=False, dtype=insitu.float64)
    batches = [data(6, 2) for _ in range(4)]
    for b in batches:
        layer(insitu.tensor(b))
    np.testing.assert_allclose(layer.running_mean.numpy(),
                               np.mean([b.mean(0) for b in batches], axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var.numpy(),
                               np.mean([b.var(0, ddof=1) for b in batches], axis=0), rtol=1e-12)
    assert layer.num_batches_tracked.item() == 4


def test_eval_without_running_stats_uses_the_batch():
    mine = nn.BatchNorm2d(3, track_running_stats=False, dtype=insitu.float64).eval()
    theirs = tnn.BatchNorm2d(3, track_running_stats=False, dtype=torch.float64).eval()
    a = data(2, 3, 2, 2)
    close(mine(insitu.tensor(a)), theirs(torch.tensor(a)), np.float64)
    assert mine.running_mean is None and mine.num_batches_tracked is None


# ------------------------------------------------------------------ functionals

FUNCTIONALS = [
    ("batch_norm train", lambda lib, L, x, w, b: L.batch_norm(
        x, lib.zeros(4, dtype=x.dtype), lib.ones(4, dtype=x.dtype), w, b, True, 0.3, 1e-3)),
    ("batch_norm eval", lambda lib, L, x, w, b: L.batch_norm(
        x, lib.linspace(-1, 1, 4, dtype=x.dtype), lib.linspace(0.5, 2, 4, dtype=x.dtype), w, b)),
    ("batch_norm no affine", lambda lib, L, x, w, b: L.batch_norm(x, None, None, training=True)),
    ("instance_norm", lambda lib, L, x, w, b: L.instance_norm(x, weight=w, bias=b)),
    ("instance_norm stats", lambda lib, L, x, w, b: L.instance_norm(
        x, lib.linspace(-1, 1, 4, dtype=x.dtype), lib.linspace(0.5, 2, 4, dtype=x.dtype),
        use_input_stats=False)),
    ("group_norm", lambda lib, L, x, w, b: L.group_norm(x, 2, w, b, 1e-3)),
    ("layer_norm", lambda lib, L, x, w, b: L.layer_norm(x, (5,), w[:1].expand(5) * 1)),
    ("layer_norm 2", lambda lib, L, x, w, b: L.layer_norm(x, (4, 5))),
    ("rms_norm", lambda lib, L, x, w, b: L.rms_norm(x, [5], w[:1].expand(5) * 1)),
    ("local_response_norm", lambda lib, L, x, w, b: L.local_response_norm(x, 3, 0.1)),
    ("normalize", lambda lib, L, x, w, b: L.normalize(x)),
    ("normalize p1", lambda lib, L, x, w, b: L.normalize(x, 1.0, -1, 1e-3)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("what,f", FUNCTIONALS, ids=[f[0] for f in FUNCTIONALS])
def test_functionals_match_torch(what, f, dtype):
    arrays = [data(3, 4, 5, dtype=dtype), data(4, dtype=dtype), data(4, dtype=dtype)]
    mine = [insitu.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    ym, yt = f(insitu, F, *mine), f(torch, TF, *theirs)
    close(ym, yt, dtype, what)
    assert name(ym) == name(yt)
    g = RNG.standard_normal(tuple(yt.shape)).astype(dtype)
    ym.backward(insitu.tensor(g))
    yt.backward(torch.tensor(g))
    for m, t in zip(mine, theirs):
        if t.grad is None:
            assert m.grad is None
        else:
            close(m.grad, t.grad, dtype, what)


def test_normalize_out_and_defaults():
    a = data(3, 4)
    out = insitu.empty(3, 4, dtype=insitu.float64)
    res = F.normalize(insitu.tensor(a), out=out)
    assert res is out
    close(out, TF.normalize(torch.tensor(a)), np.float64)
    close(F.normalize(insitu.zeros(2, 3)), TF.normalize(torch.zeros(2, 3)), np.float64)


def test_functional_running_stats_move_as_torch():
    """F.batch_norm writes the running statistics without a version bump; F.instance_norm
    copies into them (one bump per training call, none in evaluation)."""
    a = data(3, 4, 5)
    for train in (True, False):
        got = []
        for lib, L in ((insitu, F), (torch, TF)):
            rm, rv = lib.zeros(4, dtype=lib.float64), lib.ones(4, dtype=lib.float64)
            L.batch_norm(lib.tensor(a), rm, rv, training=train)
            got.append((rm._version, rv._version, rm.numpy().copy(), rv.numpy().copy()))
            L.instance_norm(lib.tensor(a), rm, rv, use_input_stats=train)
            got.append((rm._version, rv._version, rm.numpy().copy(), rv.numpy().copy()))
        for m, t in zip(got[:2], got[2:]):
            assert m[:2] == t[:2]
            close(m[2], t[2], np.float64)
            close(m[3], t[3], np.float64)


GRADCHECK = [
    ("batch_norm train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)),
    ("batch_norm eval", lambda x, w, b: F.batch_norm(
        x, insitu.zeros(4, dtype=insitu.float64), insitu.ones(4, dtype=insitu.float64) * 2, w,
        b)),
    ("instance_norm", lambda x, w, b: F.instance_norm(x, weight=w, bias=b)),
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b)),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (3,), w[:1].expand(3) * 1,
                                                 b[1:2].expand(3) * 1)),
    ("rms_norm", lambda x, w, b: F.rms_norm(x, (3,), w[:1].expand(3) * 1)),
    ("local_response_norm", lambda x, w, b: F.local_response_norm(x, 3) * w.sum()),
    ("normalize", lambda x, w, b: F.normalize(x) * b.sum()),
]


@pytest.mark.parametrize("what,f", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck_and_gradgradcheck(what, f):
    inputs = [insitu.tensor(data(*s), requires_grad=True) for s in ((2, 4, 3), (4,), (4,))]
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


@pytest.mark.parametrize("what,f", FUNCTIONALS[:7], ids=[f[0] for f in FUNCTIONALS[:7]])
def test_double_backward_matches_torch(what, f):
    arrays = [data(3, 4, 5), data(4), data(4)]
    grads = []
    for lib, L in ((insitu, F), (torch, TF)):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = f(lib, L, *ts)
        gs = lib.autograd.grad((y * y * y).sum(), ts, create_graph=True, allow_unused=True)
        sum((g * g).sum() for g in gs if g is not None).backward()
        grads.append([t.grad for t in ts])
    for m, t in zip(*grads):
        if t is not None:
            close(m, t, np.float64, what)


def test_fused_nodes_keep_input_weight_and_statistics_only():
    x = insitu.tensor(data(3, 4, 5), requires_grad=True)
    w = insitu.ones(4, dtype=insitu.float64, requires_grad=True)
    for y in (F.batch_norm(x, None, None, w, None, training=True), F.group_norm(x, 2, w)):
        assert set(y.grad_fn.saved) == {"input", "weight"}
        assert y.grad_fn._saved_input is x or y.grad_fn._saved_input.data_ptr() == x.data_ptr()
    assert F.batch_norm(x, None, None, w, None, training=True).grad_fn.name() == \
        "NativeBatchNormBackward0"


def test_batch_norm_of_empty_input_is_a_copy():
    for lib, L in ((insitu, F), (torch, TF)):
        x = lib.zeros(0, 3, requires_grad=True)
        w = lib.ones(3, requires_grad=True)
        rm, rv = lib.zeros(3), lib.ones(3)
        y = L.batch_norm(x, rm, rv, w, w, training=True)
        assert tuple(y.shape) == (0, 3) and name(y) == "AddBackward0"
        assert rm.tolist() == [0.0] * 3


# ------------------------------------------------------------------ state dicts and reprs

@pytest.mark.parametrize("build", [
    lambda lib: lib.BatchNorm1d(3), lambda lib: lib.BatchNorm2d(3, affine=False),
    lambda lib: lib.BatchNorm2d(3, track_running_stats=False),
    lambda lib: lib.BatchNorm1d(3, bias=False), lambda lib: lib.InstanceNorm1d(3),
    lambda lib: lib.InstanceNorm2d(3, affine=True, track_running_stats=True),
    lambda lib: lib.GroupNorm(3, 6), lambda lib: lib.GroupNorm(2, 6, affine=False),
    lambda lib: lib.RMSNorm([2, 3]), lambda lib: lib.RMSNorm(3, 1e-3, False),
    lambda lib: lib.LayerNorm(4, bias=False), lambda lib: lib.LocalResponseNorm(3, k=2),
    lambda lib: lib.BatchNorm3d(2, 1e-3, None),
])
def test_state_dict_round_trips_and_repr(build):
    mine, theirs = build(nn), build(tnn)
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for t in theirs.state_dict().values():
            if t.dtype.is_floating_point:
                t.uniform_()
            else:
                t.fill_(7)
    mine.load_state_dict(to_insitu(theirs.state_dict()))
    back = build(tnn)
    back.load_state_dict(to_torch(mine.state_dict()))
    for (k, a), (_, b) in zip(back.state_dict().items(), theirs.state_dict().items()):
        assert a.tolist() == b.tolist(), k
    for (k, a), (_, b) in zip(mine.state_dict().items(), theirs.state_dict().items()):
        assert a.dtype.name == str(b.dtype).replace("torch.", ""), k


def test_old_checkpoint_without_num_batches_tracked_loads():
    layer = nn.BatchNorm1d(2)
    sd = {k: v for k, v in layer.state_dict().items() if k != "num_batches_tracked"}
    layer.load_state_dict(sd)
    assert layer.num_batches_tracked.item() == 0


def test_default_initialisation_and_dtype():
    for layer in (nn.BatchNorm2d(3, dtype=insitu.float64), nn.GroupNorm(1, 3),
                  nn.InstanceNorm1d(3, affine=True), nn.RMSNorm(3)):
        assert layer.weight.tolist() == [1.0] * 3
    bn = nn.BatchNorm2d(3, dtype=insitu.float64)
    assert bn.bias.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    assert bn.running_mean.dtype == insitu.float64 and bn.num_batches_tracked.dtype == insitu.int64
    assert nn.InstanceNorm2d(3).weight is None and nn.InstanceNorm2d(3).running_mean is None


# ------------------------------------------------------------------ errors

ERRORS = [
    lambda lib, L: L.batch_norm(lib.zeros(4, 3), lib.zeros(4), lib.ones(3), training=True),
    lambda lib, L: L.batch_norm(lib.zeros(4, 3), lib.zeros(3), lib.ones(4), training=True),
    lambda lib, L: L.batch_norm(lib.randn(4, 3), lib.zeros(3), lib.ones(3), lib.ones(4),
                                training=True),
    lambda lib, L: L.batch_norm(lib.randn(4, 3), None, None, None, lib.ones(2), training=True),
    lambda lib, L: L.batch_norm(lib.zeros(1, 3), lib.zeros(3), lib.ones(3), training=True),
    lambda lib, L: L.batch_norm(lib.zeros(1, 3, 1), None, None, training=True),
    lambda lib, L: L.batch_norm(lib.zeros(4, 3), None, None),
    lambda lib, L: L.batch_norm(lib.zeros(4, 3), lib.zeros(3), None),
    lambda lib, L: L.batch_norm(lib.randn(4, 3), lib.zeros(3), None, training=True),
    lambda lib, L: L.batch_norm(lib.randn(4, 3), None, None, training=True, eps=0),
    lambda lib, L: L.batch_norm(lib.randn(4, 3), lib.zeros(3), lib.ones(3), eps=-1),
    lambda lib, L: L.batch_norm(lib.randn(4, 3), None, None, lib.ones(3, dtype=lib.float64),
                                training=True),
    lambda lib, L: L.batch_norm(lib.randn(4, 3, dtype=lib.float64), lib.zeros(3),
                                lib.ones(3), training=True),
    lambda lib, L: L.batch_norm(lib.ones(4, 3, dtype=lib.int64), None, None, training=True),
    lambda lib, L: L.batch_norm(lib.randn(4), None, None, training=True),
    lambda lib, L: lib.nn.BatchNorm2d(3)(lib.zeros(4, 3)),
    lambda lib, L: lib.nn.BatchNorm1d(3)(lib.zeros(4, 3, 2, 2)),
    lambda lib, L: lib.nn.BatchNorm3d(3)(lib.zeros(4, 3, 2, 2)),
    lambda lib, L: lib.nn.BatchNorm1d(3)(lib.randn(4, 5)),
    lambda lib, L: lib.nn.BatchNorm1d(3)(lib.randn(1, 3)),
    lambda lib, L: L.group_norm(lib.randn(2, 5, 3), 2),
    lambda lib, L: L.group_norm(lib.randn(2, 4, 3), 2, lib.ones(3)),
    lambda lib, L: L.group_norm(lib.randn(2, 4, 3), 2, lib.ones(4), lib.ones(3)),
    lambda lib, L: L.group_norm(lib.randn(2, 4, 3), 2, None, lib.ones(3)),
    lambda lib, L: L.group_norm(lib.randn(2, 4, 3), 2, lib.ones(2, 2)),
    lambda lib, L: L.group_norm(lib.randn(4), 2),
    lambda lib, L: L.group_norm(lib.randn(1, 2), 2),
    lambda lib, L: L.group_norm(lib.randn(2, 4, 3), 0),
    lambda lib, L: L.group_norm(lib.ones(2, 4, dtype=lib.int64), 2),
    lambda lib, L: L.group_norm(lib.ones(2, 4), 2, lib.ones(4, dtype=lib.float64)),
    lambda lib, L: lib.nn.GroupNorm(3, 4),
    lambda lib, L: lib.nn.GroupNorm(2, 4)(lib.randn(2, 6, 3)),
    lambda lib, L: L.instance_norm(lib.randn(2, 3, 1)),
    lambda lib, L: L.instance_norm(lib.randn(2, 3)),
    lambda lib, L: L.instance_norm(lib.randn(2, 3, 4), lib.zeros(4), lib.ones(4)),
    lambda lib, L: L.instance_norm(lib.randn(2, 3, 4), weight=lib.ones(4), bias=lib.ones(4)),
    lambda lib, L: L.instance_norm(lib.randn(2, 3, 4), use_input_stats=False),
    lambda lib, L: lib.nn.InstanceNorm1d(3, affine=True)(lib.randn(2, 4, 5)),
    lambda lib, L: lib.nn.InstanceNorm2d(3)(lib.randn(2, 4)),
    lambda lib, L: lib.nn.InstanceNorm1d(3)(lib.randn(2, 3, 4, 5)),
    lambda lib, L: L.layer_norm(lib.randn(2, 3), (3,), lib.ones(4)),
    lambda lib, L: L.layer_norm(lib.randn(2, 3), (3,), lib.ones(3), lib.ones(2)),
    lambda lib, L: L.layer_norm(lib.randn(4, 2), (3,)),
    lambda lib, L: L.layer_norm(lib.randn(2, 3), (2, 4)),
    lambda lib, L: L.layer_norm(lib.tensor(1.0), ()),
    lambda lib, L: L.layer_norm(lib.ones(2, 4, dtype=lib.int64), (4,)),
    lambda lib, L: L.layer_norm(lib.ones(2, 5, dtype=lib.int64), (5,), lib.ones(4)),
    lambda lib, L: L.layer_norm(lib.ones(4, 4), (4,), lib.ones(4, dtype=lib.float64)),
    lambda lib, L: L.rms_norm(lib.randn(2, 3), (4,)),
    lambda lib, L: L.rms_norm(lib.randn(2, 3), (2, 4)),
    lambda lib, L: L.rms_norm(lib.randn(2, 3), (5, 2, 4)),
    lambda lib, L: L.rms_norm(lib.randn(2, 3), (3,), lib.ones(4)),
    lambda lib, L: L.rms_norm(lib.randn(2, 3), ()),
    lambda lib, L: L.rms_norm(lib.ones(2, 4, dtype=lib.int64), (4,)),
    lambda lib, L: L.local_response_norm(lib.randn(2, 3), 2),
    lambda lib, L: L.normalize(lib.arange(4)),
]


@pytest.mark.parametrize("case", ERRORS)
def test_errors_match_torch(case):
    with pytest.raises(Exception) as theirs:
        case(torch, TF)
    with pytest.raises(Exception) as mine:
        case(insitu, F)
    assert type(mine.value) is type(theirs.value)
    assert str(mine.value) == str(theirs.value).replace("torch.", "insitu.")


def test_instance_norm_warns_when_channels_differ_without_affine():
    for lib in (insitu, torch):
        with pytest.warns(UserWarning, match="does not match num_features"):
            lib.nn.InstanceNorm1d(3)(lib.randn(2, 4, 5))


@pytest.mark.parametrize("bad", [
    lambda m: m(insitu.randn(4, 5)),                       # channels
    lambda m: m(insitu.randn(1, 3)),                       # one value per channel
    lambda m: m(insitu.randn(4, 3, dtype=insitu.float64)),  # mixed dtypes
    lambda m: m(insitu.randn(4, 3, 2, 2)),                  # rank
])
def test_refused_calls_change_nothing(bad):
    layer = nn.BatchNorm1d(3)
    layer(insitu.randn(5, 3) * 3)
    state = {k: (v.detach().numpy().copy(), v._version)
             for k, v in layer.state_dict(keep_vars=True).items()}
    with pytest.raises((RuntimeError, ValueError)):
        bad(layer)
    for k, v in layer.state_dict(keep_vars=True).items():
        assert np.array_equal(v.detach().numpy(), state[k][0]) and v._version == state[k][1], k


def test_refused_functional_calls_leave_input_and_stats_untouched():
    x = insitu.randn(4, 3)
    rm, rv = insitu.zeros(3), insitu.ones(3)
    snapshot = [(t.numpy().copy(), t._version) for t in (x, rm, rv)]
    for call in (lambda: F.batch_norm(x, rm, rv, insitu.ones(4), training=True),
                 lambda: F.batch_norm(x, rm, rv, training=True, eps=0.0),
                 lambda: F.instance_norm(x.reshape(4, 3, 1), rm, rv)):
        with pytest.raises((RuntimeError, ValueError)):
            call()
        for t, (arr, v) in zip((x, rm, rv), snapshot):
            assert np.array_equal(t.numpy(), arr) and t._version == v


def test_non_contiguous_inputs_and_gradients():
    a = data(3, 5, 4, 2)                                     # viewed as (3, 2, 5, 4) below
    g = RNG.standard_normal((3, 2, 5, 4))
    got = []
    for lib, L in ((insitu, F), (torch, TF)):
        x = lib.tensor(a, requires_grad=True)
        w = lib.tensor(np.array([0.5, -1.5]), requires_grad=True)
        v = x.permute(0, 3, 1, 2)
        outs = [L.batch_norm(v, None, None, w, w, training=True),
                L.group_norm(v, 2, w, w), L.instance_norm(v, weight=w),
                L.layer_norm(x.permute(0, 2, 1, 3), (2,), w, w)]
        gt = lib.tensor(g)
        total = sum((o * (gt if o.shape == gt.shape else gt.permute(0, 3, 2, 1))).sum()
                    for o in outs)
        total.backward()
        got.append([o.detach().numpy() for o in outs] + [x.grad.numpy(), w.grad.numpy()])
    for m, t in zip(*got):
        close(m, t, np.float64)
