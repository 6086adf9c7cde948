"""MultiheadAttention, with PyTorch's parameters: a packed in_proj_weight (3E, E) when keys and
values have the query's size, separate q/k/v_proj_weight otherwise, in_proj_bias, optional
bias_k/bias_v, and out_proj (a Linear); xavier_uniform_ projections and zero biases."""
from ...creation import empty
from .. import functional as F
from ..functional import attention as F_attention
from ..init import constant_, xavier_normal_, xavier_uniform_
from ..parameter import Parameter
from .linear import Linear, _factory
from .module import Module

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


class NonDynamicallyQuantizableLinear(Linear):
    """The Linear that MultiheadAttention's out_proj is (PyTorch's name for it)."""


class MultiheadAttention(Module):
    """Multi-head attention layer.

    Multi-head attention: `concat(head_1, ..., head_h) @ W_o.T + b_o`, each head
    `softmax(q k^T / sqrt(head_dim) + mask) v` over its slice of the projected query, key and value
    (`F.multi_head_attention_forward`).

    Arguments: `embed_dim` (E, divisible by `num_heads`), `num_heads`, `dropout=0.0` (on the
    attention weights, in training), `bias=True`, `add_bias_kv=False` (learnable `bias_k`, `bias_v`
    appended to the keys and values), `add_zero_attn=False` (a zero key and value appended),
    `kdim=None`, `vdim=None` (the key's and value's sizes; E by default), `batch_first=False`,
    `device`, `dtype`. Parameters as PyTorch's: a packed `in_proj_weight` `(3E, E)` when the key and
    value have size E, else `q_proj_weight`, `k_proj_weight`, `v_proj_weight`; `in_proj_bias`
    `(3E,)`; `out_proj` (a Linear). Projections start `xavier_uniform_`, biases at zero.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) returns `(output, weights)`: the weights averaged
    over the heads (or per head), or None with `need_weights=False`. A bool mask is True where
    attention is not allowed; a float mask is added to the scores. PyTorch's inference fast path
    computes the same function; this always takes the general one.

    Shape: query `(L, N, E)` (`(N, L, E)` with batch_first, `(L, E)` unbatched); key and value
    `(S, N, kdim)` and `(S, N, vdim)`; output like the query; weights `(N, L, S)`, or
    `(N, num_heads, L, S)`.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        dt = _factory(device, dtype)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), dtype=dt))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), dtype=dt))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), dtype=dt))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), dtype=dt))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, dtype=dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dt)
        if add_bias_kv:
            self.bias_k = Parameter(empty((1, 1, embed_dim), dtype=dt))
            self.bias_v = Parameter(empty((1, 1, embed_dim), dtype=dt))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            xavier_uniform_(self.in_proj_weight)
        else:
            xavier_uniform_(self.q_proj_weight)
            xavier_uniform_(self.k_proj_weight)
            xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            constant_(self.in_proj_bias, 0.0)
            constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            xavier_normal_(self.bias_v)

    def __setstate__(self, state):
        state.setdefault("_qkv_same_embed_dim", True)
        super().__setstate__(state)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """Attends `query` over `key` and `value`; returns the output and the weights.

        (output, attention weights or None). PyTorch's inference fast path computes the same
        function; this always takes the general one.
        """
        is_batched = query.dim() == 3
        key_padding_mask = F_attention._canonical_mask(
            key_padding_mask, "key_padding_mask", F_attention._none_or_dtype(attn_mask),
            "attn_mask", query.dtype)
        attn_mask = F_attention._canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                                check_other=False)
        if self.batch_first and is_batched:
            # transposed once each, keeping `is` between them (self-attention stays packed)
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = (x.transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        attn_output, attn_output_weights = F.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate,
            q_proj_weight=self.q_proj_weight if separate else None,
            k_proj_weight=self.k_proj_weight if separate else None,
            v_proj_weight=self.v_proj_weight if separate else None,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and is_batched:
            return attn_output.transpose(1, 0), attn_output_weights
        return attn_output, attn_output_weights

    def merge_masks(self, attn_mask, key_padding_mask, query):
        """Merges the attention mask and the key padding mask into one.

        One mask of (N, heads, L, S) from attn_mask and key_padding_mask, and its type (1: padding
        only, 2: with an attention mask).
        """
        mask_type = None
        merged_mask = None
        if key_padding_mask is not None:
            mask_type = 1
            merged_mask = key_padding_mask
        if attn_mask is not None:
            batch_size, seq_len, _ = query.shape
            mask_type = 2
            if attn_mask.dim() == 3:
                expanded = attn_mask.view(batch_size, -1, seq_len, seq_len)
            else:
                expanded = attn_mask.view(1, 1, seq_len, seq_len).expand(
                    batch_size, self.num_heads, -1, -1)
            merged_mask = expanded
            if key_padding_mask is not None:
                merged_mask = expanded + key_padding_mask.view(batch_size, 1, 1, seq_len) \
                    .expand(-1, self.num_heads, -1, -1)
        return merged_mask, mask_type
