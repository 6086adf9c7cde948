"""Attention: scaled_dot_product_attention (one fused node) and multi_head_attention_forward
(PyTorch's composition of projections, the attention and the output projection).

scaled_dot_product_attention computes softmax(q k^T * scale + bias) v with the scores of all
heads at once (batched BLAS products over the leading dims). The node keeps q, k, v
(version-checked) and the attention probabilities and dropout mask (private arrays); its
backward is four batched products and one softmax backward. A row whose every key is masked
gives zeros, as PyTorch's kernels do. Double backward differentiates the composite form.
"""
import math
import warnings

from ...backend import xp
from ...core import dtypes
from ...core.tensor import Tensor, wrap
from ...creation import bernoulli, zeros
from ...ops.derivatives import Derivative, record
from ...ops.linalg.add_products import baddbmm
from ...ops.shape import cat
from .activation import softmax
from .dropout import dropout
from .linear import linear

# PyTorch's C++ names of scalar types, as its attention messages print them
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}


def _c_name(dt):
    return _C_NAMES.get(dt.name, dt.name)


# ------------------------------------------------------------------ scaled dot product

def _check_sdpa(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa):
    q, k, v = query._data, key._data, value._data
    if not (query._dtype is key._dtype is value._dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_c_name(query._dtype)} key.dtype: {_c_name(key._dtype)} and value.dtype: "
            f"{_c_name(value._dtype)} instead.")
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {q.ndim} key.dim: {k.ndim} and value.dim: {v.ndim} instead.")
    if not query._dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Float but found {query._dtype.legacy}")
    if attn_mask is not None:
        mdt = attn_mask._dtype
        if not (mdt is dtypes.bool_ or mdt.is_floating_point or mdt is query._dtype):
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {_c_name(mdt)} and  query.dtype: {_c_name(query._dtype)} "
                "instead.")
        if attn_mask._data.ndim < 2:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-max(attn_mask._data.ndim, 1)}, "
                             f"{max(attn_mask._data.ndim, 1) - 1}], but got -2)")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not "
                               "be set when is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got "
                           f"{dropout_p}")
    if enable_gqa and q.ndim >= 3 and k.ndim >= 3 and v.ndim >= 3:
        hq, hk, hv = q.shape[-3], k.shape[-3], v.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError("Number of heads in key and value must divide the number of "
                               "heads in ")
    lead = math.prod(q.shape[:-2])
    if k.shape[-1] != q.shape[-1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{lead}, {q.shape[-1]}] but got: [{lead}, {k.shape[-1]}].")
    if v.shape[-2] != k.shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{lead}, {k.shape[-2]}] but got: [{lead}, {v.shape[-2]}].")


def _broadcast_error(a, b):
    """PyTorch's message for shapes a (the scores) and b (the mask) that do not broadcast."""
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor "
                                f"b ({pb[i]}) at non-singleton dimension {i}")
    shape = tuple(max(x, y) for x, y in zip(pa, pb))
    return RuntimeError(f"output with shape {list(a)} doesn't match the broadcast shape "
                        f"{list(shape)}")


def _repeat_heads(a, rep):
    return a if rep == 1 else xp.repeat(a, rep, axis=-3)


def _sum_heads(g, rep):
    """The gradient of heads repeated `rep` times, summed back per original head."""
    if rep == 1:
        return g
    s = g.shape
    return g.reshape(s[:-3] + (s[-3] // rep, rep) + s[-2:]).sum(-3)


def _scores_bias(shape, dtype, attn_mask, is_causal):
    """The additive bias of bool masks and the causal mask (0 or -inf; None without any) and
    the float mask's array (None without one)."""
    L, S = shape[-2], shape[-1]
    bias = None
    if is_causal:
        bias = xp.where(xp.tri(L, S, dtype=bool), dtype.type(0), dtype.type(-xp.inf))
    float_mask = None
    if attn_mask is not None:
        m = attn_mask._data
        if m.dtype == xp.bool_:
            bias = xp.where(m, dtype.type(0), dtype.type(-xp.inf))
        else:
            float_mask = m.astype(dtype, copy=False)
    return bias, float_mask


def _sdpa_forward(q, k, bias, float_mask, scale):
    """The probabilities transposed, (..., S, L): softmax over the keys runs down the columns,
    where NumPy's reductions are vectorised across the queries. Also the queries whose every
    key is masked ((..., 1, L), None when none is)."""
    st = xp.matmul(k, xp.swapaxes(q, -1, -2))
    st *= st.dtype.type(scale)
    shape = st.shape[:-2] + (st.shape[-1], st.shape[-2])
    for extra in (bias, float_mask):
        if extra is not None:
            try:
                full = xp.broadcast_shapes(shape, extra.shape)
            except ValueError:
                raise _broadcast_error(shape, extra.shape) from None
            if full != shape:
                raise _broadcast_error(shape, extra.shape)
            st += xp.swapaxes(extra, -1, -2)
    m = st.max(-2, keepdims=True)
    dead = m == -xp.inf
    any_dead = dead.any()
    if any_dead:
        m[dead] = 0
    st -= m
    xp.exp(st, out=st)
    den = st.sum(-2, keepdims=True)
    if any_dead:
        den[dead] = 1
    st *= xp.reciprocal(den, out=den)
    return st, (dead if any_dead else None)


def _sdpa_backward(grad, needs, query, key, value, probs_t, keep_t, scale, rep):
    k, v = _repeat_heads(key, rep), _repeat_heads(value, rep)
    pd = probs_t if keep_t is None else probs_t * keep_t
    res = [None] * 4
    if needs[2]:
        res[2] = _sum_heads(xp.matmul(pd, grad), rep)
    if needs[0] or needs[1] or needs[3]:
        dst = xp.matmul(v, xp.swapaxes(grad, -1, -2))        # (..., S, L)
        if keep_t is not None:
            dst *= keep_t
        dst -= (dst * probs_t).sum(-2, keepdims=True)
        dst *= probs_t
        if needs[3]:
            res[3] = xp.swapaxes(dst.copy() if needs[0] or needs[1] else dst, -1, -2)
        dst *= dst.dtype.type(scale)
        if needs[0]:
            res[0] = xp.matmul(xp.swapaxes(dst, -1, -2), k)
        if needs[1]:
            res[1] = _sum_heads(xp.matmul(dst, query), rep)
    return res


def _sdpa_composite(query, key, value, attn_mask, bias, keep_t, dead, scale, rep):
    dt = query._dtype
    k, v = key, value
    if rep > 1:
        k, v = k.repeat_interleave(rep, -3), v.repeat_interleave(rep, -3)
    s = query.matmul(k.transpose(-2, -1)) * scale
    if bias is not None:
        s = s + wrap(bias, dt)
    if attn_mask is not None:
        s = s + attn_mask
    if dead is not None:
        rows = wrap(xp.swapaxes(dead, -1, -2), dtypes.bool_)
        s = s.masked_fill(rows, 0.0)
    p = s.softmax(-1)
    if dead is not None:
        p = p.masked_fill(rows, 0.0)
    if keep_t is not None:
        p = p * wrap(xp.swapaxes(keep_t, -1, -2), dt)
    return p.matmul(v)


_SDPA_INPUTS = ("query", "key", "value", "attn_mask")


def _sdpa_derivative(name):
    return Derivative(name, {_SDPA_INPUTS: _sdpa_backward}, inputs=_SDPA_INPUTS,
                      composite=_sdpa_composite)


# PyTorch's CPU kernel for 4-D inputs of one head size and no dropout (the math path's last
# view, or its product for 2-D inputs, otherwise)
_SDPA = {name: _sdpa_derivative(name) for name in
         ("ScaledDotProductFlashAttentionForCpuBackward0", "UnsafeViewBackward0", "MmBackward0")}


def _sdpa_node_name(q, k, v, attn_mask, dropout_p, batch_broadcast):
    if q.ndim == 2:
        return "MmBackward0"
    if (q.ndim == 4 and q.shape[-1] == k.shape[-1] == v.shape[-1] and dropout_p == 0
            and not batch_broadcast and (attn_mask is None or (
                attn_mask._data.ndim in (2, 4) and not attn_mask.requires_grad))):
        return "ScaledDotProductFlashAttentionForCpuBackward0"
    return "UnsafeViewBackward0"


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """Scaled dot-product attention of queries over keys and values.

    `softmax(query @ key^T * scale + mask) @ value` over the last two dims, the scores of all heads
    at once.

    Arguments: `attn_mask=None` (a bool mask keeps where True; a float mask is added; it broadcasts
    to the scores `(..., L, S)`), `dropout_p=0.0` (dropout on the attention probabilities),
    `is_causal=False` (mask keys after each query's position; not with a mask), `scale=None`
    (`1 / sqrt(E)`), `enable_gqa=False` (repeat the heads, dim -3, of key and value to the query's).
    A query whose every key is masked gives zeros, as PyTorch's kernels.

    One fused node, named as PyTorch's CPU kernel names it
    (ScaledDotProductFlashAttentionForCpuBackward0 for 4-D inputs of one head size without dropout,
    else UnsafeViewBackward0): it keeps query, key and value (version-checked) and the attention
    probabilities and dropout mask (private arrays); a float mask gets a gradient too. Double
    backward differentiates the composite form.

    Shape: query `(..., L, E)`, key `(..., S, E)`, value `(..., S, Ev)`, the leading dims
    broadcasting; output `(..., L, Ev)`.
    """
    _check_sdpa(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    q, k, v = query._data, key._data, value._data
    rep = q.shape[-3] // k.shape[-3] if enable_gqa and q.ndim >= 3 and k.shape[-3] else 1
    vrep = q.shape[-3] // v.shape[-3] if enable_gqa and q.ndim >= 3 and v.shape[-3] else 1
    if rep != vrep:                 # heads repeated differently: repeat them as ops
        key, value = key.repeat_interleave(rep, -3), value.repeat_interleave(vrep, -3)
        k, v, rep = key._data, value._data, 1
    else:
        k, v = _repeat_heads(k, rep), _repeat_heads(v, rep)
    sc = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    dt = q.dtype
    bias, float_mask = _scores_bias(q.shape[:-1] + (k.shape[-2],), dt, attn_mask, is_causal)
    probs_t, dead = _sdpa_forward(q, k, bias, float_mask, sc)
    keep_t = None
    if dropout_p > 0:
        if dropout_p == 1:
            keep_t = xp.zeros_like(probs_t)
        else:
            keep_t = bernoulli(wrap(probs_t, query._dtype), 1 - dropout_p)._data
            keep_t /= dt.type(1 - dropout_p)
        out = xp.matmul(xp.swapaxes(probs_t * keep_t, -1, -2), v)
    else:
        out = xp.matmul(xp.swapaxes(probs_t, -1, -2), v)
    mask_input = attn_mask if float_mask is not None else None
    batch_broadcast = q.shape[:-2] != k.shape[:-2] and rep == 1
    name = _sdpa_node_name(q, k, v, attn_mask, dropout_p, batch_broadcast)
    return record(_SDPA[name], (query, key, value, mask_input), wrap(out, query._dtype),
                  {"probs_t": probs_t, "keep_t": keep_t, "scale": sc, "rep": rep,
                   "bias": bias, "dead": dead})


# ------------------------------------------------------------------ multi-head attention

def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask as a float one (0 where kept, -inf where masked); float masks as given."""
    if mask is not None:
        mdt = mask.dtype
        is_float = mdt.is_floating_point
        if mdt is not dtypes.bool_ and not is_float:
            raise AssertionError(f"only bool and floating types of {mask_name} are supported")
        if check_other and other_type is not None and mdt is not other_type:
            warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                          "Use same type for both instead.", stacklevel=3)
        if not is_float:
            arr = xp.where(mask._data, target_type.np.type(-xp.inf), target_type.np.type(0))
            mask = wrap(arr, target_type)
    return mask


def _in_projection_packed(q, k, v, w, b=None):
    E = q.size(-1)
    if k is v:
        if q is k:
            proj = linear(q, w, b)
            proj = proj.unflatten(-1, (3, E)).unsqueeze(0).transpose(0, -2).squeeze(-2) \
                .contiguous()
            return proj[0], proj[1], proj[2]
        w_q, w_kv = w.split([E, E * 2])
        b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
        q_proj = linear(q, w_q, b_q)
        kv_proj = linear(k, w_kv, b_kv)
        kv_proj = kv_proj.unflatten(-1, (2, E)).unsqueeze(0).transpose(0, -2).squeeze(-2) \
            .contiguous()
        return q_proj, kv_proj[0], kv_proj[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    Eq, Ek, Ev = q.size(-1), k.size(-1), v.size(-1)
    for name, w, shape in (("query", w_q, (Eq, Eq)), ("key", w_k, (Eq, Ek)),
                           ("value", w_v, (Eq, Ev))):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {name} weights shape of {shape}, but got "
                                 f"{w.shape}")
    for name, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (Eq,):
            raise AssertionError(f"expecting {name} bias shape of {(Eq,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be "
                                 f"3-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 f"2-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     "instead")
            if attn_mask.dim() == 3:
                expected_shape = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected_shape:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected_shape} "
                                         f"but got {attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _pad_last(mask):
    """The mask with one more key column of zeros (PyTorch's pad(mask, (0, 1)))."""
    return cat([mask, zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask.dtype)], -1)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """The multi-head attention computation of `nn.MultiheadAttention`.

    PyTorch's multi-head attention on time-first inputs (`nn.MultiheadAttention` calls it): the
    query, key and value projected (packed `in_proj_weight` and `in_proj_bias`, or separate
    `q/k/v_proj_weight` with `use_separate_proj_weight=True`, the bias split in three),
    `bias_k`/`bias_v` and `add_zero_attn` appended, masks merged (`key_padding_mask` `(N, S)`,
    `attn_mask` `(L, S)` or `(N * num_heads, L, S)`, bool or float), each of the `num_heads` heads'
    attention, then the output projection by `out_proj_weight` and `out_proj_bias`. `static_k` and
    `static_v`, when given, replace the projected keys and values,
    `(N * num_heads, S, E / num_heads)` each. A query whose feature size is not
    `embed_dim_to_check`, or not divisible by `num_heads`, raises AssertionError.

    With `need_weights=True` (the default) the attention is composed of bmm, softmax and dropout so
    that the weights can be returned: averaged over the heads with `average_attn_weights=True`, else
    per head `(N, num_heads, L, S)`. With `need_weights=False` it runs
    `scaled_dot_product_attention` and returns None for the weights. `dropout_p` applies only with
    `training=True`; `is_causal` needs an `attn_mask`, as PyTorch.

    Shape: query `(L, N, E)` or `(L, E)`, key and value `(S, N, E)` or `(S, E)`; returns
    `(output (L, N, E), weights (N, L, S) or None)`, unbatched without N.
    """
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None            # the hint alone tells scaled_dot_product_attention
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     "is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, b_q, b_k, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            correct_2d_size = (tgt_len, src_len)
            if tuple(attn_mask.shape) != correct_2d_size:
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {correct_2d_size}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            correct_3d_size = (bsz * num_heads, tgt_len, src_len)
            if tuple(attn_mask.shape) != correct_3d_size:
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {correct_3d_size}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    else:
        if bias_k is not None:
            raise AssertionError("bias_k is set but bias_v is None")
        if bias_v is not None:
            raise AssertionError("bias_v is set but bias_k is None")

    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, bsz, num_heads, head_dim, "k")
    v = _heads(v, static_v, bsz, num_heads, head_dim, "v")

    if add_zero_attn:
        zero_attn_shape = (bsz * num_heads, 1, head_dim)
        k = cat([k, zeros(zero_attn_shape, dtype=k.dtype)], 1)
        v = cat([v, zeros(zero_attn_shape, dtype=v.dtype)], 1)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.size(1)

    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len) \
            .expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask

    if not training:
        dropout_p = 0.0

    if need_weights:
        E = q.shape[-1]
        q_scaled = q * math.sqrt(1.0 / float(E))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            weights = baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = q_scaled.bmm(k.transpose(-2, -1))
        weights = softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        attn_output = weights.bmm(v)
        attn_output = attn_output.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        attn_output = linear(attn_output, out_proj_weight, out_proj_bias)
        attn_output = attn_output.view(tgt_len, bsz, attn_output.size(1))
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            attn_output = attn_output.squeeze(1)
            weights = weights.squeeze(0)
        return attn_output, weights

    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    attn_output = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    attn_output = attn_output.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    attn_output = linear(attn_output, out_proj_weight, out_proj_bias)
    attn_output = attn_output.view(tgt_len, bsz, attn_output.size(1))
    if not is_batched:
        attn_output = attn_output.squeeze(1)
    return attn_output, None


def _heads(t, static, bsz, num_heads, head_dim, name):
    """Keys or values as (N * heads, S, head_dim), or the static ones given."""
    if static is None:
        return t.view(t.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if static.size(0) != bsz * num_heads:
        raise AssertionError(f"expecting static_{name}.size(0) of {bsz * num_heads}, but got "
                             f"{static.size(0)}")
    if static.size(2) != head_dim:
        raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got "
                             f"{static.size(2)}")
    return static
