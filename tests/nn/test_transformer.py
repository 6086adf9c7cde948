"""Transformer, its encoder and decoder (stacks and layers) against torch with torch's weights
copied over through NumPy: outputs and every gradient over norm_first, activations,
batch_first, bias, masks; parameter names, repr, the causal mask, PyTorch's messages."""
import warnings

import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(3)


def randn(*shape):
    return RNG.standard_normal(shape)


def pair(kind, *args, **kwargs):
    mine_kw, theirs_kw = dict(kwargs), dict(kwargs)
    act = kwargs.get("activation")
    if act is not None and not isinstance(act, str):
        mine_kw["activation"] = act[0]
        theirs_kw["activation"] = act[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # torch's enable_nested_tensor notice
        theirs = getattr(torch.nn, kind)(*args, dtype=torch.float64, **theirs_kw)
    mine = getattr(nn, kind)(*args, dtype=insitu.float64, **mine_kw)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    mine.load_state_dict({k: insitu.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})
    return mine, theirs


def check(mine, theirs, arrays, kw_m=None, kw_t=None):
    ins_m = [insitu.tensor(a, requires_grad=True) for a in arrays]
    ins_t = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_m = mine(*ins_m, **(kw_m or {}))
    out_t = theirs(*ins_t, **(kw_t or {}))
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-10,
                               atol=1e-10)
    g = randn(*out_t.shape)
    out_m.backward(insitu.tensor(g))
    out_t.backward(torch.tensor(g))
    for a, b in zip(ins_m, ins_t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-10)
    mp = dict(mine.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(mp[name].grad.numpy(), p.grad.numpy(), rtol=1e-9,
                                   atol=1e-10, err_msg=name)


OPTIONS = [{}, {"norm_first": True}, {"activation": "gelu"},
           {"activation": (F.gelu, TF.gelu), "batch_first": True},
           {"bias": False, "layer_norm_eps": 1e-3}, {"activation": (nn.ReLU(), torch.nn.ReLU())}]


def _ids(o):
    return "-".join(f"{k}" for k in o) or "default"


def masks(batch_first, L, S, N):
    causal_m = nn.Transformer.generate_square_subsequent_mask(L, dtype=insitu.float64)
    causal_t = torch.nn.Transformer.generate_square_subsequent_mask(L, dtype=torch.float64)
    kpm = np.zeros((N, S), bool)
    kpm[0, -2:] = True
    return causal_m, causal_t, kpm


@pytest.mark.parametrize("options", OPTIONS, ids=_ids)
def test_encoder_layer_and_encoder_match_torch(options):
    bf = options.get("batch_first", False)
    x = randn(*((2, 5, 8) if bf else (5, 2, 8)))
    causal_m, causal_t, kpm = masks(bf, 5, 5, 2)
    layer_m, layer_t = pair("TransformerEncoderLayer", 8, 2, 16, dropout=0.0, **options)
    check(layer_m, layer_t, [x], dict(src_key_padding_mask=insitu.tensor(kpm)),
          dict(src_key_padding_mask=torch.tensor(kpm)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enc_t = torch.nn.TransformerEncoder(layer_t, 2, torch.nn.LayerNorm(8,
                                                                           dtype=torch.float64))
    enc_m = nn.TransformerEncoder(layer_m, 2, nn.LayerNorm(8, dtype=insitu.float64))
    assert list(enc_m.state_dict()) == list(enc_t.state_dict())
    enc_m.load_state_dict({k: insitu.tensor(v.detach().numpy().copy())
                           for k, v in enc_t.state_dict().items()})
    check(enc_m, enc_t, [x], dict(mask=causal_m), dict(mask=causal_t))


@pytest.mark.parametrize("options", OPTIONS, ids=_ids)
def test_decoder_layer_and_decoder_match_torch(options):
    bf = options.get("batch_first", False)
    tgt = randn(*((2, 4, 8) if bf else (4, 2, 8)))
    memory = randn(*((2, 5, 8) if bf else (5, 2, 8)))
    causal_m, causal_t, kpm = masks(bf, 4, 5, 2)
    layer_m, layer_t = pair("TransformerDecoderLayer", 8, 2, 16, dropout=0.0, **options)
    check(layer_m, layer_t, [tgt, memory],
          dict(tgt_mask=causal_m, memory_key_padding_mask=insitu.tensor(kpm)),
          dict(tgt_mask=causal_t, memory_key_padding_mask=torch.tensor(kpm)))
    dec_m, dec_t = nn.TransformerDecoder(layer_m, 2), torch.nn.TransformerDecoder(layer_t, 2)
    dec_m.load_state_dict({k: insitu.tensor(v.detach().numpy().copy())
                           for k, v in dec_t.state_dict().items()})
    check(dec_m, dec_t, [tgt, memory], dict(tgt_mask=causal_m, tgt_is_causal=True),
          dict(tgt_mask=causal_t, tgt_is_causal=True))


@pytest.mark.parametrize("options", [{}, {"norm_first": True, "batch_first": True}], ids=_ids)
def test_transformer_matches_torch(options):
    bf = options.get("batch_first", False)
    mine, theirs = pair("Transformer", 8, 2, 2, 1, 16, dropout=0.0, **options)
    src = randn(*((2, 5, 8) if bf else (5, 2, 8)))
    tgt = randn(*((2, 4, 8) if bf else (4, 2, 8)))
    causal_m, causal_t, kpm = masks(bf, 4, 5, 2)
    check(mine, theirs, [src, tgt],
          dict(tgt_mask=causal_m, src_key_padding_mask=insitu.tensor(kpm)),
          dict(tgt_mask=causal_t, src_key_padding_mask=torch.tensor(kpm)))
    mine.eval()
    theirs.eval()
    with insitu.no_grad(), torch.no_grad():        # torch's inference fast path, same numbers
        a = mine(insitu.tensor(src), insitu.tensor(tgt)).numpy()
        b = theirs(torch.tensor(src), torch.tensor(tgt)).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def test_unbatched_and_training_mode():
    mine, theirs = pair("TransformerEncoderLayer", 8, 2, 16, dropout=0.0)
    check(mine, theirs, [randn(5, 8)])
    layer = nn.TransformerEncoderLayer(8, 2, 16)           # dropout 0.1, training
    x = insitu.randn(5, 2, 8, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert tuple(out.shape) == (5, 2, 8) and x.grad is not None
    layer.eval()
    with insitu.no_grad():
        assert insitu.equal(layer(x), layer(x))


def test_square_subsequent_mask_names_repr_and_init():
    for n in (1, 4):
        np.testing.assert_array_equal(
            nn.Transformer.generate_square_subsequent_mask(n).numpy(),
            torch.nn.Transformer.generate_square_subsequent_mask(n).numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3).dtype is insitu.float32
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.Transformer(8, 2, 2, 2, 16)
    mine = nn.Transformer(8, 2, 2, 2, 16)
    assert repr(mine) == repr(theirs)
    sd_m, sd_t = mine.state_dict(), theirs.state_dict()
    assert list(sd_m) == list(sd_t)
    assert all(tuple(sd_m[k].shape) == tuple(sd_t[k].shape) for k in sd_t)
    w = mine.encoder.layers[0].linear1.weight
    assert w.abs().max().item() <= np.sqrt(6 / (8 + 16))     # xavier_uniform_ over matrices
    assert mine.encoder.layers[0] is not mine.encoder.layers[1]
    layer = nn.TransformerEncoderLayer(8, 2, activation="gelu")
    assert layer.activation is F.gelu and layer.activation_relu_or_gelu == 2
    enc = nn.TransformerEncoder(layer, 1, enable_nested_tensor=True)
    assert enc.enable_nested_tensor is True and enc.use_nested_tensor is False


def test_errors_are_torch_messages():
    with pytest.raises(RuntimeError, match="^activation should be relu/gelu, not tanh$"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    t = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="^the batch number of src and tgt must be equal$"):
        t(insitu.randn(5, 2, 8), insitu.randn(4, 3, 8))
    with pytest.raises(RuntimeError, match="^the feature number of src and tgt must be equal "
                                           "to d_model$"):
        t(insitu.randn(5, 2, 8), insitu.randn(4, 2, 6))
