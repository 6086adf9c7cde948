"""RNN, LSTM, GRU, their cells and nn.utils.rnn against torch, with torch's weights copied over
through NumPy: outputs, final states, input, state and weight gradients, parameter names,
packed sequences, double backward, PyTorch's messages."""
import warnings

import numpy as np
import pytest

import insitu
import insitu.nn as nn
from insitu.autograd.gradcheck import gradcheck, gradgradcheck
from insitu.nn.utils import rnn as irnn

torch = pytest.importorskip("torch")
trnn = torch.nn.utils.rnn
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")

RNG = np.random.default_rng(11)
TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-10)}
GRAD_TOL = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-10)}


def randn(*shape, dtype="float64"):
    return RNG.standard_normal(shape).astype(dtype)


def pair(kind, *args, dtype="float64", **kwargs):
    """The same layer in both libraries, insitu's weights copied from torch's."""
    theirs = getattr(torch.nn, kind)(*args, dtype=getattr(torch, dtype), **kwargs)
    mine = getattr(nn, kind)(*args, dtype=getattr(insitu, dtype), **kwargs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    mine.load_state_dict({k: insitu.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})
    return mine, theirs


def leaves(arrays):
    return ([insitu.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    if isinstance(out, (irnn.PackedSequence, trnn.PackedSequence)):
        return [out.data]
    return [out]


def compare(mine, theirs, out_m, out_t, ins_m, ins_t, dtype):
    """Outputs equal; then, with one random gradient per output, every input's and
    parameter's gradient equal."""
    fm, ft = flat(out_m), flat(out_t)
    assert len(fm) == len(ft)
    for a, b in zip(fm, ft):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **TOL[dtype])
    grads = [randn(*b.shape, dtype=dtype) for b in ft]
    insitu.autograd.backward(fm, [insitu.tensor(g) for g in grads])
    torch.autograd.backward(ft, [torch.tensor(g) for g in grads])
    for a, b in zip(ins_m, ins_t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **GRAD_TOL[dtype])
    mp = dict(mine.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(mp[name].grad.numpy(), p.grad.numpy(), err_msg=name,
                                   **GRAD_TOL[dtype])


def states(kind, layers, dirs, batch, hidden, proj=0, dtype="float64", unbatched=False):
    lead = (layers * dirs,) if unbatched else (layers * dirs, batch)
    h = randn(*lead, proj or hidden, dtype=dtype)
    return [h, randn(*lead, hidden, dtype=dtype)] if kind == "LSTM" else [h]


def hidden_arg(kind, ts):
    return tuple(ts) if kind == "LSTM" else ts[0]


LAYERS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("GRU", {}), ("LSTM", {}),
          ("LSTM", {"proj_size": 3})]


@pytest.mark.parametrize("kind,extra", LAYERS)
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, False), (2, True)])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layers_match_torch(kind, extra, layers, bidirectional, batch_first, dtype):
    mine, theirs = pair(kind, 4, 5, layers, bidirectional=bidirectional,
                        batch_first=batch_first, dtype=dtype, **extra)
    x = randn(*((2, 3, 4) if batch_first else (3, 2, 4)), dtype=dtype)
    hs = states(kind, layers, 2 if bidirectional else 1, 2, 5, extra.get("proj_size", 0),
                dtype)
    ins_m, ins_t = leaves([x] + hs)
    out_m = mine(ins_m[0], hidden_arg(kind, ins_m[1:]))
    out_t = theirs(ins_t[0], hidden_arg(kind, ins_t[1:]))
    compare(mine, theirs, out_m, out_t, ins_m, ins_t, dtype)


@pytest.mark.parametrize("kind,extra", LAYERS)
def test_no_bias_no_initial_state_and_unbatched(kind, extra):
    mine, theirs = pair(kind, 3, 4, 2, bias=False, bidirectional=True, **extra)
    ins_m, ins_t = leaves([randn(5, 2, 3)])
    compare(mine, theirs, mine(ins_m[0]), theirs(ins_t[0]), ins_m, ins_t, "float64")
    mine, theirs = pair(kind, 3, 4, 2, batch_first=True, **extra)
    hs = states(kind, 2, 1, None, 4, extra.get("proj_size", 0), unbatched=True)
    ins_m, ins_t = leaves([randn(5, 3)] + hs)
    out_m = mine(ins_m[0], hidden_arg(kind, ins_m[1:]))
    out_t = theirs(ins_t[0], hidden_arg(kind, ins_t[1:]))
    assert out_m[0].grad_fn.name() == "SqueezeBackward1"
    compare(mine, theirs, out_m, out_t, ins_m, ins_t, "float64")


@pytest.mark.parametrize("kind,extra", LAYERS)
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences_match_torch(kind, extra, enforce_sorted):
    mine, theirs = pair(kind, 3, 4, 2, bidirectional=True, **extra)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    hs = states(kind, 2, 2, 4, 4, extra.get("proj_size", 0))
    ins_m, ins_t = leaves([randn(5, 4, 3)] + hs)
    pm = irnn.pack_padded_sequence(ins_m[0], lengths, enforce_sorted=enforce_sorted)
    pt = trnn.pack_padded_sequence(ins_t[0], lengths, enforce_sorted=enforce_sorted)
    out_m, state_m = mine(pm, hidden_arg(kind, ins_m[1:]))
    out_t, state_t = theirs(pt, hidden_arg(kind, ins_t[1:]))
    assert isinstance(out_m, irnn.PackedSequence)
    assert out_m.batch_sizes.tolist() == out_t.batch_sizes.tolist()
    assert out_m.data.grad_fn.name() == out_t.data.grad_fn.name() == "CatBackward0"
    pad_m, len_m = irnn.pad_packed_sequence(out_m, batch_first=True)
    pad_t, len_t = trnn.pad_packed_sequence(out_t, batch_first=True)
    assert len_m.tolist() == len_t.tolist()
    compare(mine, theirs, (pad_m, state_m), (pad_t, state_t), ins_m, ins_t, "float64")


@pytest.mark.parametrize("kind", ["RNNCell", "GRUCell", "LSTMCell"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_torch(kind, dtype, bias):
    mine, theirs = pair(kind, 4, 5, bias=bias, dtype=dtype)
    lstm = kind == "LSTMCell"
    for batched in (True, False):
        lead = (3,) if batched else ()
        arrays = [randn(*lead, 4, dtype=dtype), randn(*lead, 5, dtype=dtype)]
        if lstm:
            arrays.append(randn(*lead, 5, dtype=dtype))
        ins_m, ins_t = leaves(arrays)
        hm = tuple(ins_m[1:]) if lstm else ins_m[1]
        ht = tuple(ins_t[1:]) if lstm else ins_t[1]
        mine.zero_grad()
        theirs.zero_grad()
        compare(mine, theirs, mine(ins_m[0], hm), theirs(ins_t[0], ht), ins_m, ins_t, dtype)
    ins_m, ins_t = leaves([randn(3, 4, dtype=dtype)])       # no state given: zeros
    mine.zero_grad()
    theirs.zero_grad()
    compare(mine, theirs, mine(ins_m[0]), theirs(ins_t[0]), ins_m, ins_t, dtype)


def test_a_cell_loop_matches_torch():
    """time_sequence_prediction's shape: LSTMCells stepped by hand, states carried over."""
    c1m, c1t = pair("LSTMCell", 1, 6)
    c2m, c2t = pair("LSTMCell", 6, 6)
    lin_t = torch.nn.Linear(6, 1, dtype=torch.float64)
    lin_m = nn.Linear(6, 1, dtype=insitu.float64)
    lin_m.load_state_dict({k: insitu.tensor(v.detach().numpy()) for k, v in
                           lin_t.state_dict().items()})
    ins_m, ins_t = leaves([randn(3, 7)])

    def run(lib, c1, c2, lin, x):
        h = c = h2 = c2_ = lib.zeros(3, 6, dtype=lib.float64)
        outs = []
        for step in x.split(1, dim=1):
            h, c = c1(step, (h, c))
            h2, c2_ = c2(h, (h2, c2_))
            outs.append(lin(h2))
        return lib.cat(outs, dim=1)

    out_m, out_t = run(insitu, c1m, c2m, lin_m, ins_m[0]), run(torch, c1t, c2t, lin_t, ins_t[0])
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-10)
    out_m.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(ins_m[0].grad.numpy(), ins_t[0].grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(c1m.weight_hh.grad.numpy(), c1t.weight_hh.grad.numpy(),
                               rtol=1e-10)


def test_dropout_between_layers():
    mine, theirs = pair("LSTM", 3, 4, 3, dropout=1.0)   # p=1: every inner output is zeroed
    ins_m, ins_t = leaves([randn(4, 2, 3)])
    compare(mine, theirs, mine(ins_m[0]), theirs(ins_t[0]), ins_m, ins_t, "float64")
    mine, theirs = pair("GRU", 3, 4, 2, dropout=0.5)
    mine.eval()
    theirs.eval()
    ins_m, ins_t = leaves([randn(4, 2, 3)])
    compare(mine, theirs, mine(ins_m[0]), theirs(ins_t[0]), ins_m, ins_t, "float64")
    mine.train()
    insitu.manual_seed(0)
    a = mine(insitu.ones(4, 2, 3, dtype=insitu.float64))[0]
    b = mine(insitu.ones(4, 2, 3, dtype=insitu.float64))[0]
    assert not insitu.equal(a, b)            # a fresh mask each call in training


@pytest.mark.parametrize("kind,extra", LAYERS)
def test_gradcheck_and_double_backward_in_float64(kind, extra):
    m = getattr(nn, kind)(2, 4, 2, bidirectional=True, dtype=insitu.float64, **extra)
    x = insitu.tensor(randn(3, 2, 2), requires_grad=True)

    def f(x, *ps):
        out, h = m(x)
        return (out,) + (h if isinstance(h, tuple) else (h,))

    assert gradcheck(f, (x,) + tuple(m.parameters())[:3])
    small = getattr(nn, kind)(1, 4 if extra.get("proj_size") else 2, dtype=insitu.float64,
                              **extra)
    x = insitu.tensor(randn(2, 1, 1), requires_grad=True)
    assert gradgradcheck(lambda x: small(x)[0], (x,))
    x = insitu.tensor(randn(2, 2, 1), requires_grad=True)
    assert gradgradcheck(lambda x: small(irnn.pack_padded_sequence(x, [2, 1]))[0].data, (x,))


@pytest.mark.parametrize("kind", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cells_gradcheck_and_double_backward_in_float64(kind):
    cell = getattr(nn, kind)(2, 2, dtype=insitu.float64)
    ins = [insitu.tensor(randn(1, 2), requires_grad=True) for _ in range(3)]
    if kind == "LSTMCell":
        def f(x, h, c, *ps):
            return cell(x, (h, c))
    else:
        def f(x, h, c, *ps):
            return cell(x, h)
    assert gradcheck(f, tuple(ins) + tuple(cell.parameters()))
    assert gradgradcheck(f, tuple(ins[:2]) + (ins[2].detach(), cell.weight_hh))


def test_double_backward_matches_torch():
    mine, theirs = pair("LSTM", 2, 3, proj_size=2)
    ins_m, ins_t = leaves([randn(3, 2, 2)])
    (gm,) = insitu.autograd.grad(mine(ins_m[0])[0].pow(2).sum(), ins_m, create_graph=True)
    (gt,) = torch.autograd.grad(theirs(ins_t[0])[0].pow(2).sum(), ins_t, create_graph=True)
    np.testing.assert_allclose(gm.detach().numpy(), gt.detach().numpy(), rtol=1e-10)
    gm.sum().backward()
    gt.sum().backward()
    np.testing.assert_allclose(ins_m[0].grad.numpy(), ins_t[0].grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(mine.weight_hh_l0.grad.numpy(),
                               theirs.weight_hh_l0.grad.numpy(), rtol=1e-9)


def test_parameters_names_repr_and_init():
    for args, kwargs in [((10, 20, 2), {"bidirectional": True}), ((10, 20), {"proj_size": 5}),
                         ((10, 20, 3), {"bias": False, "batch_first": True, "dropout": 0.5})]:
        for kind in ("RNN", "GRU", "LSTM"):
            if kind != "LSTM" and "proj_size" in kwargs:
                continue
            mine = getattr(nn, kind)(*args, **kwargs)
            theirs = getattr(torch.nn, kind)(*args, **kwargs)
            assert repr(mine) == repr(theirs)
            sd_m, sd_t = mine.state_dict(), theirs.state_dict()
            assert list(sd_m) == list(sd_t)
            assert all(tuple(sd_m[k].shape) == tuple(sd_t[k].shape) for k in sd_t)
            assert mine._flat_weights_names == theirs._flat_weights_names
            assert [[tuple(w.shape) for w in ws] for ws in mine.all_weights] == \
                [[tuple(w.shape) for w in ws] for ws in theirs.all_weights]
            bound = 1 / np.sqrt(20)
            assert all(p.abs().max().item() <= bound for p in mine.parameters())
            assert mine.weight_hh_l0.std().item() > bound / 4
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == repr(torch.nn.RNN(3, 4,
                                                                         nonlinearity="relu"))
    for kind, kw in [("RNNCell", {"nonlinearity": "relu", "bias": False}), ("GRUCell", {}),
                     ("LSTMCell", {"bias": False})]:
        mine, theirs = getattr(nn, kind)(3, 4, **kw), getattr(torch.nn, kind)(3, 4, **kw)
        assert repr(mine) == repr(theirs)
        assert list(mine.state_dict()) == list(theirs.state_dict())


def test_state_dict_round_trip_to_torch():
    mine = nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2)
    theirs = torch.nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in mine.state_dict().items()})
    x = randn(5, 2, 3, dtype="float32")
    out_m, (h_m, c_m) = mine(insitu.tensor(x))
    out_t, (h_t, c_t) = theirs(torch.tensor(x))
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(c_m.detach().numpy(), c_t.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_output_node_names():
    x = insitu.randn(4, 2, 3, requires_grad=True)
    out, h = nn.GRU(3, 4)(x)
    assert out.grad_fn.name() == "StackBackward0" and h.grad_fn.name() == "StackBackward0"
    out, (h, c) = nn.LSTM(3, 4, bidirectional=True)(x)
    assert out.grad_fn.name() == "CatBackward0" and c.grad_fn.name() == "StackBackward0"
    # PyTorch's RNN and GRU transpose a batch-first output in place, LSTM out of place
    assert nn.RNN(3, 4, batch_first=True)(x)[0].grad_fn.name() == "TransposeBackward1"
    assert nn.LSTM(3, 4, batch_first=True)(x)[0].grad_fn.name() == "TransposeBackward0"
    assert nn.RNNCell(3, 4)(x[0]).grad_fn.name() == "TanhBackward0"
    assert nn.GRUCell(3, 4)(x[0]).grad_fn.name() == "AddBackward0"
    assert nn.LSTMCell(3, 4)(x[0])[0].grad_fn.name() == "MulBackward0"


def test_no_graph_kept_without_grad():
    m = nn.LSTM(3, 4)
    with insitu.no_grad():
        out, (h, c) = m(insitu.randn(4, 2, 3))
    assert out.grad_fn is None and not out.requires_grad
    out, _ = nn.LSTM(3, 4).requires_grad_(False)(insitu.randn(4, 2, 3))
    assert out.grad_fn is None


def test_weights_changed_in_place_before_backward_raise():
    m = nn.GRU(3, 4)
    out, _ = m(insitu.randn(4, 2, 3, requires_grad=True))
    with insitu.no_grad():
        m.weight_hh_l0.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def _untouched(fn, tensors, match, exc=RuntimeError):
    before = [(t._version, t.detach().numpy().copy()) for t in tensors]
    with pytest.raises(exc, match=match):
        fn()
    for t, (v, arr) in zip(tensors, before):
        assert t._version == v
        np.testing.assert_array_equal(t.detach().numpy(), arr)


def test_errors_are_torch_messages_and_leave_everything_untouched():
    m = nn.LSTM(10, 16, 2)
    params = list(m.parameters())
    x = insitu.randn(5, 3, 8)
    _untouched(lambda: m(x), [x] + params,
               r"^input.size\(-1\) must be equal to input_size. Expected 10, got 8$")
    x = insitu.randn(5, 3, 10)
    h, c = insitu.randn(1, 3, 16), insitu.randn(2, 3, 16)
    _untouched(lambda: m(x, (h, c)), [x, h, c] + params,
               r"^Expected hidden\[0\] size \(2, 3, 16\), got \[1, 3, 16\]$")
    _untouched(lambda: m(x, (c, insitu.randn(2, 3, 15))), [x, c] + params,
               r"^Expected hidden\[1\] size \(2, 3, 16\), got \[2, 3, 15\]$")
    _untouched(lambda: m(x, (insitu.randn(3, 16), c)), [x] + params,
               r"^For batched 3-D input, hx and cx should also be 3-D but got \(2-D, 3-D\) "
               r"tensors$")
    _untouched(lambda: m(insitu.randn(5, 3, 10, dtype=insitu.float64)), params,
               r"^RNN input dtype \(insitu.float64\) does not match weight dtype "
               r"\(insitu.float32\)", ValueError)
    _untouched(lambda: m(insitu.randn(5, 3, 2, 10)), params,
               r"^LSTM: Expected input to be 2D or 3D, got 4D instead$", ValueError)
    _untouched(lambda: m(insitu.randn(0, 3, 10)), params,
               r"^Expected sequence length to be larger than 0 in RNN$")
    g = nn.GRU(10, 16, 2)
    _untouched(lambda: g(x, insitu.randn(1, 3, 16)), [x] + list(g.parameters()),
               r"^Expected hidden size \(2, 3, 16\), got \[1, 3, 16\]$")
    _untouched(lambda: g(insitu.randn(5, 10), insitu.randn(2, 3, 16)), list(g.parameters()),
               r"^For unbatched 2-D input, hx should also be 2-D but got 3-D tensor$")
    cell = nn.LSTMCell(10, 16)
    cp = list(cell.parameters())
    _untouched(lambda: cell(insitu.randn(3, 8)), cp,
               r"^input has inconsistent input_size: got 8 expected 10$")
    hx = insitu.randn(3, 15)
    _untouched(lambda: cell(insitu.randn(3, 10), (hx, insitu.randn(3, 16))), [hx] + cp,
               r"^hidden0 has inconsistent hidden_size: got 15, expected 16$")
    _untouched(lambda: cell(insitu.randn(3, 10), (insitu.randn(4, 16), insitu.randn(4, 16))),
               cp, r"^Input batch size 3 doesn't match hidden0 batch size 4$")
    _untouched(lambda: cell(insitu.randn(3, 10, dtype=insitu.float64)), cp,
               r"^mat1 and mat2 must have the same dtype, but got Double and Float$")
    _untouched(lambda: cell(insitu.randn(2, 3, 10)), cp,
               r"^LSTMCell: Expected input to be 1D or 2D, got 3D instead$", ValueError)


def test_construction_errors_and_warning():
    with pytest.raises(ValueError, match=r"^Unknown nonlinearity 'sigmoid'. Select from "):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="^proj_size argument is only supported for LSTM"):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="^proj_size has to be smaller than hidden_size$"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="^dropout should be a number in range"):
        nn.LSTM(3, 4, dropout=2)
    with pytest.raises(ValueError, match="^hidden_size must be greater than zero$"):
        nn.LSTM(3, 0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        nn.LSTM(3, 4, dropout=0.2)
    assert "non-zero dropout expects num_layers greater than 1" in str(w[0].message)


# ------------------------------------------------------------------ nn.utils.rnn

def test_pack_and_pad_match_torch():
    x = randn(4, 3, 2)
    for lengths, sorted_ in (([4, 2, 1], True), ([2, 4, 1], False)):
        for batch_first in (False, True):
            a = x.transpose(1, 0, 2).copy() if batch_first else x
            ins_m, ins_t = leaves([a])
            pm = irnn.pack_padded_sequence(ins_m[0], insitu.tensor(lengths), batch_first,
                                           enforce_sorted=sorted_)
            pt = trnn.pack_padded_sequence(ins_t[0], torch.tensor(lengths), batch_first,
                                           enforce_sorted=sorted_)
            np.testing.assert_array_equal(pm.data.detach().numpy(), pt.data.detach().numpy())
            assert pm.batch_sizes.tolist() == pt.batch_sizes.tolist()
            assert pm.batch_sizes.dtype is insitu.int64
            for attr in ("sorted_indices", "unsorted_indices"):
                got, want = getattr(pm, attr), getattr(pt, attr)
                assert (got is None) == (want is None)
                if want is not None:
                    assert got.tolist() == want.tolist()
            assert pm.data.grad_fn.name() == "PackPaddedSequenceBackward0"
            if not sorted_:
                om, _ = irnn.pad_packed_sequence(pm)
                assert om.grad_fn.name() == "IndexSelectBackward0"
            else:
                assert irnn.pad_packed_sequence(pm)[0].grad_fn.name() == \
                    "insitu::autograd::CopySlices"
            for total, pad in ((None, 0.0), (6, -1.0)):
                om, lm = irnn.pad_packed_sequence(pm, batch_first, pad, total)
                ot, lt = trnn.pad_packed_sequence(pt, batch_first, pad, total)
                np.testing.assert_array_equal(om.detach().numpy(), ot.detach().numpy())
                assert lm.tolist() == lt.tolist() and lm.dtype is insitu.int64
            g = randn(*ot.shape)
            om.backward(insitu.tensor(g))
            ot.backward(torch.tensor(g))
            np.testing.assert_array_equal(ins_m[0].grad.numpy(), ins_t[0].grad.numpy())
    assert gradgradcheck(lambda t: irnn.pad_packed_sequence(
        irnn.pack_padded_sequence(t, [3, 1]), padding_value=2.0)[0],
        (insitu.tensor(randn(3, 2), requires_grad=True),))


def test_pad_pack_unpack_sequence_match_torch():
    seqs = [randn(3, 2), randn(5, 2), randn(1, 2)]
    ins_m, ins_t = leaves(seqs)
    for batch_first in (False, True):
        for side in ("right", "left"):
            pm = irnn.pad_sequence(ins_m, batch_first, 7.0, side)
            pt = trnn.pad_sequence(ins_t, batch_first, 7.0, side)
            np.testing.assert_array_equal(pm.detach().numpy(), pt.detach().numpy())
    assert pm.grad_fn.name() == "insitu::autograd::CopySlices"
    pm.sum().backward()
    pt.sum().backward()
    for a, b in zip(ins_m, ins_t):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    packed_m = irnn.pack_sequence(ins_m, enforce_sorted=False)
    packed_t = trnn.pack_sequence(ins_t, enforce_sorted=False)
    np.testing.assert_array_equal(packed_m.data.detach().numpy(),
                                  packed_t.data.detach().numpy())
    for a, b in zip(irnn.unpack_sequence(packed_m), trnn.unpack_sequence(packed_t)):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    perm = insitu.tensor([2, 0, 1])
    assert irnn.invert_permutation(perm).tolist() == \
        trnn.invert_permutation(torch.tensor([2, 0, 1])).tolist()
    assert repr(irnn.pack_sequence([insitu.ones(2), insitu.ones(1)])) == \
        "PackedSequence(data=tensor([1., 1., 1.]), batch_sizes=tensor([2, 1]), " \
        "sorted_indices=None, unsorted_indices=None)"


def test_pack_errors_are_torch_messages():
    x = insitu.randn(4, 3, 2)
    with pytest.raises(RuntimeError, match=r"^Expected `len\(lengths\)` to be equal to "
                                           r"batch_size, but got 4 \(batch_size=3\)$"):
        irnn.pack_padded_sequence(x, [4, 2, 1, 1])
    with pytest.raises(RuntimeError, match="^`lengths` array must be sorted in decreasing"):
        irnn.pack_padded_sequence(x, [2, 4, 1])
    with pytest.raises(RuntimeError, match="^Length of all samples has to be greater than 0"):
        irnn.pack_padded_sequence(x, [4, 2, 0])
    p = irnn.pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(ValueError, match="^Expected total_length to be at least the length of "
                                         "the longest sequence in input, but got "
                                         "total_length=2 and max sequence length being 4$"):
        irnn.pad_packed_sequence(p, total_length=2)
    with pytest.raises(RuntimeError, match="^received an empty list of sequences$"):
        irnn.pad_sequence([])


def test_nn_utils_package_keeps_its_names():
    from insitu.nn import utils
    for name in ("clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
                 "get_total_norm", "parameters_to_vector", "vector_to_parameters", "rnn"):
        assert hasattr(utils, name)
    assert nn.utils.rnn.PackedSequence is irnn.PackedSequence
