"""The dropout family: statistics of the masks (rate, scaling, channel-wise masks, alpha dropout's
mean and variance), identity for p = 0 and in evaluation, gradients equal to the mask, in-place
forms, grad_fn names and version moves as torch's, warnings, errors and reprs."""
import math
import warnings

import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
tnn = torch.nn

ALPHA = 1.7580993408473766

# name, input shape, the dimensions a mask element covers (broadcast), training default
FAMILY = [
    ("dropout", (40, 50), (), True),
    ("dropout1d", (20, 30, 8), (2,), True),
    ("dropout1d", (30, 8), (1,), True),
    ("dropout2d", (10, 20, 4, 3), (2, 3), True),
    ("dropout3d", (6, 20, 2, 3, 2), (2, 3, 4), True),
    ("dropout3d", (20, 2, 3, 2), (1, 2, 3), True),
    ("alpha_dropout", (40, 50), (), False),
    ("feature_alpha_dropout", (10, 20, 4, 3), (2, 3), False),
]
IDS = [f"{n}-{len(s)}d" for n, s, _, _ in FAMILY]


def _constants(fname, p):
    """(scale of kept elements, value of dropped ones) for a unit input."""
    if "alpha" in fname:
        a = 1.0 / math.sqrt((ALPHA * ALPHA * p + 1) * (1 - p))
        return a + ALPHA * a * p - 0.0, -ALPHA * a + ALPHA * a * p
    return 1 / (1 - p), 0.0


@pytest.mark.parametrize("fname,shape,covers,default", FAMILY, ids=IDS)
def test_mask_rate_scaling_and_channel_masks(fname, shape, covers, default):
    insitu.manual_seed(0)
    p = 0.3
    x = insitu.ones(*shape, dtype=insitu.float64, requires_grad=True)
    y = getattr(F, fname)(x, p, training=True)
    kept_value, dropped_value = _constants(fname, p)
    out = y.detach().numpy()
    kept = np.isclose(out, kept_value)
    assert np.all(kept | np.isclose(out, dropped_value))
    if covers:                                   # one draw per (sample, channel)
        assert np.all(kept == kept.take([0], axis=covers[0]))
        kept = kept.reshape(kept.shape[:covers[0]] + (-1,))[..., 0]
    rate = 1 - kept.mean()
    assert abs(rate - p) < 4 * math.sqrt(p * (1 - p) / kept.size)
    y.sum().backward()                           # the gradient is the noise
    noise = np.where(kept, 1 / (1 - p), 0.0) if "alpha" not in fname else None
    if noise is not None:
        g = x.grad.numpy()
        np.testing.assert_allclose(g.reshape(g.shape[:covers[0]] + (-1,))[..., 0]
                                   if covers else g, noise)
    # the training default is PyTorch's
    assert (getattr(F, fname)(x, p) is x) == (not default)


def test_alpha_dropout_keeps_a_standard_normal_input_standard():
    insitu.manual_seed(1)
    x = insitu.randn(400, 500, dtype=insitu.float64)
    for fn in (F.alpha_dropout, lambda t, p, training: F.feature_alpha_dropout(
            t.reshape(400, 500, 1), p, training)):
        y = fn(x, 0.2, training=True).numpy()
        assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02


@pytest.mark.parametrize("fname,shape,covers,default", FAMILY, ids=IDS)
def test_identity_when_not_training_or_p_zero_and_zeros_for_p_one(fname, shape, covers,
                                                                  default):
    fn, tfn = getattr(F, fname), getattr(TF, fname)
    x = insitu.randn(*shape)
    xt = torch.tensor(x.numpy())
    for p, training in ((0.5, False), (0.0, True)):
        y = fn(x, p, training=training)
        # batched: the input itself; unbatched channel dropout: a view of it, as PyTorch's
        assert (y is x) == (tfn(xt, p, training=training) is xt)
        assert np.array_equal(y.numpy(), x.numpy())
    assert fn(x[:0], 0.5, training=True) is not None
    zero = fn(x, 1.0, training=True)
    assert zero.abs().sum().item() == 0 and zero.shape == x.shape


@pytest.mark.parametrize("fname,shape,covers,default", FAMILY, ids=IDS)
def test_grad_fn_names_and_inplace_match_torch(fname, shape, covers, default):
    results = []
    for lib, L in ((insitu, F), (torch, TF)):
        rows = []
        for inplace, training in ((False, True), (True, True), (True, False)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                x = lib.ones(*shape, requires_grad=True)
                h = x * 1
                v = h._version
                y = getattr(L, fname)(h, 0.4, training, inplace)
            rows.append((type(y.grad_fn).__name__, y is h, h._version - v, tuple(y.shape)))
        results.append(rows)
    mine, theirs = results
    for m, t in zip(mine, theirs):
        assert m[1:] == t[1:]
        # unbatched in-place channel dropout: PyTorch's result is a squeeze of its unsqueeze_
        assert m[0] == t[0] or (m[0], t[0]) == ("MulBackward0", "SqueezeBackward4")


def test_inplace_dropout_keeps_only_the_noise():
    h = insitu.ones(10, 10, requires_grad=True) * 1
    y = F.dropout(h, 0.5, inplace=True)
    assert y is h and set(y.grad_fn.saved) == {"other"}


def test_seeded_masks_repeat():
    insitu.manual_seed(5)
    a = F.dropout2d(insitu.ones(4, 6, 3, 3)).numpy()
    insitu.manual_seed(5)
    assert np.array_equal(a, F.dropout2d(insitu.ones(4, 6, 3, 3)).numpy())


WARNINGS = [
    lambda lib, L: L.dropout2d(lib.ones(2, 3)),
    lambda lib, L: L.dropout2d(lib.ones(2, 3, 4)),
    lambda lib, L: L.dropout3d(lib.ones(2, 3, 4)),
]


@pytest.mark.parametrize("case", WARNINGS)
def test_rank_warnings_match_torch(case):
    texts = []
    for lib, L in ((insitu, F), (torch, TF)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            case(lib, L)
        texts.append([str(x.message) for x in w])
    assert texts[0] == texts[1] and texts[0]


ERRORS = [
    lambda lib, L: L.dropout1d(lib.ones(2, 3, 4, 5)),
    lambda lib, L: L.dropout1d(lib.ones(2, 3), 1.5),
    lambda lib, L: L.dropout(lib.ones(2, 3), -0.1),
    lambda lib, L: L.alpha_dropout(lib.ones(2, 3), -0.5),
    lambda lib, L: L.feature_alpha_dropout(lib.ones(4), training=True),
    lambda lib, L: L.feature_alpha_dropout(lib.ones(4), 2.0),
    lambda lib, L: lib.nn.Dropout2d(1.5),
    lambda lib, L: lib.nn.AlphaDropout(-1),
]


@pytest.mark.parametrize("case", ERRORS)
def test_errors_match_torch(case):
    with pytest.raises(Exception) as theirs:
        case(torch, TF)
    with pytest.raises(Exception) as mine:
        case(insitu, F)
    assert type(mine.value) is type(theirs.value)
    assert str(mine.value) == str(theirs.value)


@pytest.mark.parametrize("cls", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
                                 "AlphaDropout", "FeatureAlphaDropout"])
def test_modules_repr_train_and_eval(cls):
    for args in ((), (0.2,), (0.3, True)):
        assert repr(getattr(nn, cls)(*args)) == repr(getattr(tnn, cls)(*args))
    layer = getattr(nn, cls)(0.5)
    x = {"Dropout3d": insitu.ones(4, 6, 3, 2, 2), "Dropout2d": insitu.ones(4, 6, 3, 2)}.get(
        cls, insitu.ones(4, 6, 3))
    assert layer(x) is not x
    layer.eval()
    assert layer(x) is x
    assert layer.state_dict() == {} or not layer.state_dict()
