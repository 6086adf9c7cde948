"""scaled_dot_product_attention, multi_head_attention_forward and MultiheadAttention against
torch, with torch's weights copied over through NumPy: outputs, attention weights, every
gradient, masks, PyTorch's messages."""
import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F
from insitu.autograd.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(5)
TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-10)}
GRAD_TOL = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-10)}


def randn(*shape, dtype="float64"):
    return RNG.standard_normal(shape).astype(dtype)


def both(a, requires_grad=True):
    rg = requires_grad and a.dtype.kind == "f"
    return insitu.tensor(a, requires_grad=rg), torch.tensor(a, requires_grad=rg)


def check_outputs(outs_m, outs_t, leaves_m, leaves_t, dtype, params=()):
    outs = [(a, b) for a, b in zip(outs_m, outs_t) if b is not None]
    for a, b in outs:
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **TOL[dtype])
    grads = [randn(*b.shape, dtype=dtype) for _, b in outs]
    insitu.autograd.backward([a for a, _ in outs], [insitu.tensor(g) for g in grads])
    torch.autograd.backward([b for _, b in outs], [torch.tensor(g) for g in grads])
    for a, b in list(zip(leaves_m, leaves_t)) + list(params):
        if b.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **GRAD_TOL[dtype])


# ------------------------------------------------------------------ scaled dot product

MASKS = ["none", "causal", "bool2d", "bool4d", "float3d", "float_grad", "dead_rows"]


def _mask(kind, L, S, dtype):
    if kind == "bool2d":
        return RNG.random((L, S)) > 0.3
    if kind == "bool4d":
        m = RNG.random((2, 1, L, S)) > 0.3
        m[..., 0] = True
        return m
    if kind == "float3d":
        return randn(3, L, S, dtype=dtype)
    if kind == "float_grad":
        return randn(L, S, dtype=dtype)
    if kind == "dead_rows":
        m = RNG.random((L, S)) > 0.3
        m[1] = False                    # a query that sees no key gives zeros
        return m
    return None


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ev", [8, 6])
def test_sdpa_matches_torch(mask, dtype, ev):
    q, k, v = randn(2, 3, 4, 8, dtype=dtype), randn(2, 3, 5, 8, dtype=dtype), \
        randn(2, 3, 5, ev, dtype=dtype)
    (qm, qt), (km, kt), (vm, vt) = both(q), both(k), both(v)
    leaves_m, leaves_t = [qm, km, vm], [qt, kt, vt]
    kw_m, kw_t = {}, {}
    if mask == "causal":
        kw_m["is_causal"] = kw_t["is_causal"] = True
    elif mask != "none":
        mm, mt = both(_mask(mask, 4, 5, dtype), requires_grad=mask == "float_grad")
        kw_m["attn_mask"], kw_t["attn_mask"] = mm, mt
        if mask == "float_grad":
            leaves_m.append(mm)
            leaves_t.append(mt)
    out_m = F.scaled_dot_product_attention(qm, km, vm, **kw_m)
    out_t = TF.scaled_dot_product_attention(qt, kt, vt, **kw_t)
    assert out_m.grad_fn.name() == out_t.grad_fn.name()
    check_outputs([out_m], [out_t], leaves_m, leaves_t, dtype)


@pytest.mark.parametrize("case", ["scale", "gqa", "batch_broadcast", "3d", "2d", "only_v"])
def test_sdpa_options_match_torch(case):
    q, k, v = randn(2, 4, 3, 5), randn(2, 2, 6, 5), randn(2, 2, 6, 5)
    kw = {}
    if case == "scale":
        kw["scale"] = 0.37
    elif case == "gqa":
        kw["enable_gqa"] = True
    elif case == "batch_broadcast":
        q, k, v = randn(2, 3, 3, 5), randn(1, 3, 6, 5), randn(1, 3, 6, 5)
    elif case == "3d":
        q, k, v = q[0], k[0, :1], v[0, :1]
    elif case == "2d":
        q, k, v = q[0, 0], k[0, 0], v[0, 0]
    if case not in ("gqa", "3d", "2d", "batch_broadcast"):
        k, v = randn(2, 4, 6, 5), randn(2, 4, 6, 5)
    (qm, qt), (km, kt), (vm, vt) = both(q, case != "only_v"), both(k, case != "only_v"), both(v)
    out_m = F.scaled_dot_product_attention(qm, km, vm, **kw)
    out_t = TF.scaled_dot_product_attention(qt, kt, vt, **kw)
    assert out_m.grad_fn.name() == out_t.grad_fn.name()
    check_outputs([out_m], [out_t], [qm, km, vm], [qt, kt, vt], "float64")


def test_sdpa_dropout():
    q = insitu.randn(2, 2, 16, 8, requires_grad=True)
    out = F.scaled_dot_product_attention(q, q, q, dropout_p=1.0)
    assert out.abs().sum().item() == 0
    insitu.manual_seed(3)
    a = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    insitu.manual_seed(3)
    b = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert insitu.equal(a, b) and not insitu.equal(a, F.scaled_dot_product_attention(q, q, q))
    a.sum().backward()
    assert q.grad is not None and a.grad_fn.name() == "UnsafeViewBackward0"
    ones = insitu.ones(1, 1, 64, 2, dtype=insitu.float64)
    mean = F.scaled_dot_product_attention(ones, ones, insitu.ones(1, 1, 200, 2,
                                                                  dtype=insitu.float64)
                                          .expand(1, 1, 200, 2)[:, :, :64], dropout_p=0.25)
    assert abs(mean.mean().item() - 1.0) < 0.05      # kept entries scaled by 1 / (1 - p)


def test_sdpa_gradcheck_and_double_backward():
    q, k, v = (insitu.tensor(randn(1, 2, 3, 2), requires_grad=True) for _ in range(3))
    mask = insitu.tensor(randn(3, 3), requires_grad=True)
    assert gradcheck(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m),
                     (q, k, v, mask))
    assert gradgradcheck(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c,
                                                                             attn_mask=m),
                         (q, k, v, mask))
    dead = insitu.tensor(np.array([[True, False, True], [False] * 3, [True] * 3]))
    assert gradgradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c,
                                                                          attn_mask=dead),
                         (q, k, v))
    assert gradgradcheck(lambda a, b, c: F.scaled_dot_product_attention(
        a, b, c, is_causal=True, enable_gqa=True), (q.repeat(1, 2, 1, 1), k, v))


def test_sdpa_errors_are_torch_messages():
    q, k, v = insitu.randn(2, 3, 4, 8), insitu.randn(2, 3, 5, 8), insitu.randn(2, 3, 5, 8)
    cases = [
        (dict(attn_mask=insitu.ones(4, 5, dtype=insitu.bool), is_causal=True),
         "^_scaled_dot_product_attention: Explicit attn_mask should not be set when "
         "is_causal=True$"),
        (dict(attn_mask=insitu.ones(4, 5, dtype=insitu.int64)),
         "^Expected attn_mask dtype to be bool or float or to match query dtype, but got "
         "attn_mask.dtype: long int and  query.dtype: float instead.$"),
        (dict(attn_mask=insitu.ones(3, 5, dtype=insitu.bool)),
         r"^The size of tensor a \(4\) must match the size of tensor b \(3\) at "
         "non-singleton dimension 2$"),
        (dict(dropout_p=1.5), "^dropout probability has to be between 0 and 1, but got 1.5$"),
    ]
    for kw, match in cases:
        with pytest.raises(RuntimeError, match=match):
            F.scaled_dot_product_attention(q, k, v, **kw)
    with pytest.raises(RuntimeError, match="^Expected query, key, and value to have the same "
                                           "dtype, but got query.dtype: double key.dtype: "
                                           "float and value.dtype: float instead.$"):
        F.scaled_dot_product_attention(q.double(), k, v)
    with pytest.raises(RuntimeError, match=r"^Expected size for first two dimensions of batch2 "
                                           r"tensor to be: \[6, 8\] but got: \[6, 7\].$"):
        F.scaled_dot_product_attention(q, k[..., :7], v)
    with pytest.raises(RuntimeError, match="^Number of heads in key and value must divide"):
        F.scaled_dot_product_attention(q, k[:, :2], v[:, :2], enable_gqa=True)


# ------------------------------------------------------------------ multi-head attention

def mha_pair(dtype="float64", **kwargs):
    theirs = torch.nn.MultiheadAttention(8, 2, dtype=getattr(torch, dtype), **kwargs)
    mine = nn.MultiheadAttention(8, 2, dtype=getattr(insitu, dtype), **kwargs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    mine.load_state_dict({k: insitu.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})
    return mine, theirs


def mha_params(mine, theirs):
    mp = dict(mine.named_parameters())
    return [(mp[n], p) for n, p in theirs.named_parameters()]


CONFIGS = [{}, {"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True},
           {"kdim": 5, "vdim": 3}, {"batch_first": True}]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(c) or "default")
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("masks", ["none", "bool", "float"])
def test_mha_matches_torch(config, need_weights, average, masks):
    mine, theirs = mha_pair(**config)
    L, S, N = 4, 6, 3
    bf = config.get("batch_first")

    def shape(n, d):
        return (N, n, d) if bf else (n, N, d)

    arrays = [randn(*shape(L, 8)), randn(*shape(S, config.get("kdim", 8))),
              randn(*shape(S, config.get("vdim", 8)))]
    pairs = [both(a) for a in arrays]
    kw_m = dict(need_weights=need_weights, average_attn_weights=average)
    kw_t = dict(kw_m)
    if masks == "bool":
        kpm = RNG.random((N, S)) > 0.7
        kpm[:, 0] = False
        am = RNG.random((L, S)) > 0.8
        am[:, 1] = False
        for key, arr in (("key_padding_mask", kpm), ("attn_mask", am)):
            kw_m[key], kw_t[key] = both(arr, False)
    elif masks == "float":
        for key, arr in (("key_padding_mask", randn(N, S)), ("attn_mask", randn(N * 2, L, S))):
            kw_m[key], kw_t[key] = both(arr, False)
    out_m = mine(*[p[0] for p in pairs], **kw_m)
    out_t = theirs(*[p[1] for p in pairs], **kw_t)
    assert (out_m[1] is None) == (out_t[1] is None)
    check_outputs(out_m, out_t, [p[0] for p in pairs], [p[1] for p in pairs], "float64",
                  mha_params(mine, theirs))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mha_self_attention_causal_and_unbatched(dtype):
    mine, theirs = mha_pair(dtype, batch_first=True)
    xm, xt = both(randn(2, 5, 8, dtype=dtype))
    mask_m = nn.Transformer.generate_square_subsequent_mask(5, dtype=getattr(insitu, dtype))
    mask_t = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=getattr(torch, dtype))
    out_m = mine(xm, xm, xm, attn_mask=mask_m, is_causal=True, need_weights=False)
    out_t = theirs(xt, xt, xt, attn_mask=mask_t, is_causal=True, need_weights=False)
    check_outputs(out_m, out_t, [xm], [xt], dtype, mha_params(mine, theirs))
    mine, theirs = mha_pair(dtype)
    xm, xt = both(randn(5, 8, dtype=dtype))
    kpm = np.array([False, False, True, False, True])
    kw = dict(key_padding_mask=kpm, average_attn_weights=False)
    out_m = mine(xm, xm, xm, **{**kw, "key_padding_mask": insitu.tensor(kpm)})
    out_t = theirs(xt, xt, xt, **{**kw, "key_padding_mask": torch.tensor(kpm)})
    check_outputs(out_m, out_t, [xm], [xt], dtype, mha_params(mine, theirs))


def test_multi_head_attention_forward_functional():
    mine, theirs = mha_pair()
    (qm, qt), (km, kt) = both(randn(4, 2, 8)), both(randn(6, 2, 8))
    args_m = (qm, km, km, 8, 2, mine.in_proj_weight, mine.in_proj_bias, None, None, False, 0.0,
              mine.out_proj.weight, mine.out_proj.bias)
    args_t = (qt, kt, kt, 8, 2, theirs.in_proj_weight, theirs.in_proj_bias, None, None, False,
              0.0, theirs.out_proj.weight, theirs.out_proj.bias)
    out_m = F.multi_head_attention_forward(*args_m, training=False)
    out_t = TF.multi_head_attention_forward(*args_t, training=False)
    check_outputs(out_m, out_t, [qm, km], [qt, kt], "float64", mha_params(mine, theirs))


def test_mha_parameters_repr_and_init():
    for kw in ({}, {"kdim": 3, "vdim": 5, "bias": False}, {"add_bias_kv": True}):
        mine, theirs = nn.MultiheadAttention(8, 2, **kw), torch.nn.MultiheadAttention(8, 2, **kw)
        assert repr(mine) == repr(theirs)
        sd_m, sd_t = mine.state_dict(), theirs.state_dict()
        assert list(sd_m) == list(sd_t)
        assert all(tuple(sd_m[k].shape) == tuple(sd_t[k].shape) for k in sd_t)
    m = nn.MultiheadAttention(8, 2)
    bound = np.sqrt(6 / (8 + 24))                  # xavier_uniform_ of (24, 8)
    assert m.in_proj_weight.abs().max().item() <= bound
    assert m.in_proj_bias.abs().sum().item() == 0 and m.out_proj.bias.abs().sum().item() == 0
    assert type(m.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(m.out_proj, nn.Linear)
    with pytest.raises(AssertionError, match="^embed_dim must be divisible by num_heads$"):
        nn.MultiheadAttention(7, 2)
    with pytest.raises(ValueError, match="^embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 2)


def test_mha_mask_errors_are_torch_messages_and_leave_everything_untouched():
    m = nn.MultiheadAttention(8, 2)
    q, k = insitu.randn(4, 3, 8), insitu.randn(6, 3, 8)
    watched = [q, k] + list(m.parameters())
    before = [(t._version, t.detach().numpy().copy()) for t in watched]
    with pytest.raises(RuntimeError, match=r"^The shape of the 2D attn_mask is "
                                           r"insitu.Size\(\[4, 4\]\), but should be \(4, 6\).$"):
        m(q, k, k, attn_mask=insitu.zeros(4, 4, dtype=insitu.bool))
    with pytest.raises(RuntimeError, match=r"^The shape of the 3D attn_mask is "
                                           r"insitu.Size\(\[2, 4, 6\]\), but should be "
                                           r"\(6, 4, 6\).$"):
        m(q, k, k, attn_mask=insitu.zeros(2, 4, 6))
    with pytest.raises(AssertionError, match=r"^Expected key_padded_mask.shape\[1\] to be 6, "
                                             r"but got 5$"):
        m(q, k, k, key_padding_mask=insitu.zeros(3, 5, dtype=insitu.bool))
    with pytest.raises(AssertionError, match="^only bool and floating types of attn_mask are "
                                             "supported$"):
        m(q, k, k, attn_mask=insitu.zeros(4, 6, dtype=insitu.int64))
    with pytest.raises(RuntimeError, match="^Need attn_mask if specifying the is_causal hint"):
        m(q, k, k, is_causal=True)
    with pytest.raises(AssertionError, match="^was expecting embedding dimension of 8, but "
                                             "got 5$"):
        m(insitu.randn(4, 3, 5), k, k)
    for t, (v, arr) in zip(watched, before):
        assert t._version == v
        np.testing.assert_array_equal(t.detach().numpy(), arr)
