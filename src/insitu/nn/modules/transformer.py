"""Transformer, its encoder and decoder stacks and their layers, as PyTorch's: post-norm or
pre-norm (norm_first) residual blocks of MultiheadAttention and a two-Linear feed-forward.

PyTorch's inference fast paths (nested tensors, the fused encoder layer) compute the same
functions; these modules always run the general path, so enable_nested_tensor is accepted
and has no effect.
"""
import copy

from ...backend import xp
from ...core.tensor import wrap
from .. import functional as F
from ..functional import attention as F_attention
from ..init import xavier_uniform_
from .activation import GELU, ReLU
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear, _factory
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    """(sz, sz): 0 on and below the diagonal, -inf above it."""
    dt = _factory(device, dtype)
    arr = xp.triu(xp.full((sz, sz), -xp.inf, dt.np), 1)
    return wrap(arr, dt)


def _get_seq_len(src, batch_first):
    size = src.size()
    if len(size) == 2:
        return size[0]
    return size[1 if batch_first else 0]


def _detect_is_causal_mask(mask, is_causal=None, size=None):
    """is_causal as given, or (when None) whether mask is the square subsequent mask."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.size(-2)
        causal = _generate_square_subsequent_mask(sz, dtype=mask.dtype)
        if tuple(mask.size()) == tuple(causal.size()):
            make_causal = bool((mask == causal).all())
        else:
            make_causal = False
    return make_causal


def _get_clones(module, n):
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _get_activation_fn(activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class Transformer(Module):
    """Encoder-decoder transformer.

    The encoder-decoder transformer of "Attention Is All You Need", as PyTorch builds it: a
    `TransformerEncoder` of `num_encoder_layers` layers and a `TransformerDecoder` of
    `num_decoder_layers` layers, each stack ending in a LayerNorm.

    Arguments: `d_model=512`, `nhead=8`, `num_encoder_layers=6`, `num_decoder_layers=6`,
    `dim_feedforward=2048`, `dropout=0.1`, `activation=F.relu` (or "gelu", or a callable),
    `custom_encoder=None`, `custom_decoder=None`, `layer_norm_eps=1e-5`, `batch_first=False`,
    `norm_first=False` (pre-norm residual blocks), `bias=True`, `device`, `dtype`. Every parameter
    of more than one dim starts `xavier_uniform_`.

    forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
    memory_is_causal=False); `generate_square_subsequent_mask(sz)` gives the causal mask (0 on and
    below the diagonal, -inf above).

    Shape: src `(S, N, E)`, tgt `(T, N, E)` (batch first with batch_first); output `(T, N, E)`.
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, **kw)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, **kw)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """Encodes `src`, then decodes `tgt` against it.

        Encodes `src` (with `src_mask`, `src_key_padding_mask`, `src_is_causal`) and decodes `tgt`
        against that memory (with the `tgt_*` and `memory_*` masks); returns the decoder's output,
        `tgt`'s shape. Batch sizes that differ, or a feature size other than `d_model`, raise
        RuntimeError.
        """
        is_batched = src.dim() == 3
        if is_batched and src.size(0 if self.batch_first else 1) != \
                tgt.size(0 if self.batch_first else 1):
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.size(-1) != self.d_model or tgt.size(-1) != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal attention mask of size `(sz, sz)`.

        The causal mask of size `(sz, sz)`: 0 on and below the diagonal, -inf above it, in `dtype`
        (the default float dtype when None).
        """
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self):
        for p in self.parameters():
            if p.dim() > 1:
                xavier_uniform_(p)


class TransformerEncoder(Module):
    """A stack of `num_layers` deep copies of `encoder_layer`, then `norm` when given.

    Arguments: `encoder_layer`, `num_layers`, `norm=None`, `enable_nested_tensor=True` (accepted, no
    effect: there are no nested tensors, the padded path always runs), `mask_check=True`.
    `forward(src, mask=None, src_key_padding_mask=None, is_causal=None)`: with `is_causal=None` the
    mask is checked for being the causal one.

    Shape: src `(S, N, E)` (`(N, S, E)` with the layers' batch_first); output the same shape.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False        # no nested tensors here: always the padded path
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """Runs `src` through the encoder layers.

        Runs `src` through each layer with `mask` and `src_key_padding_mask` (converted to float
        masks), then `norm` when given. With `is_causal=None` the mask is checked for being the
        causal one.
        """
        src_key_padding_mask = F_attention._canonical_mask(
            src_key_padding_mask, "src_key_padding_mask", F_attention._none_or_dtype(mask),
            "mask", src.dtype)
        mask = F_attention._canonical_mask(mask, "mask", None, "", src.dtype,
                                           check_other=False)
        seq_len = _get_seq_len(src, self.layers[0].self_attn.batch_first)
        is_causal = _detect_is_causal_mask(mask, is_causal, seq_len)
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal,
                         src_key_padding_mask=src_key_padding_mask)
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerDecoder(Module):
    """A stack of `num_layers` deep copies of `decoder_layer`, then `norm` when given.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False).

    Shape: tgt `(T, N, E)`, memory `(S, N, E)` (batch first with the layers' batch_first); output
    like tgt.
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        """Runs `tgt` through the decoder layers against `memory`.

        Runs `tgt` through each layer against `memory` with the given masks, then `norm` when given.
        With `tgt_is_causal=None`, `tgt_mask` is checked for being the causal one.
        """
        seq_len = _get_seq_len(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        output = tgt
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerEncoderLayer(Module):
    """One encoder layer: self-attention and feed-forward.

    Self-attention and a feed-forward block (`linear2(dropout(activation(linear1(x))))`), each a
    residual with dropout and a LayerNorm: after the residual by default, before the block with
    `norm_first=True`.

    Arguments: `d_model`, `nhead`, `dim_feedforward=2048`, `dropout=0.1`, `activation=F.relu` (or
    "relu", "gelu", or a callable), `layer_norm_eps=1e-5`, `batch_first=False`, `norm_first=False`,
    `bias=True`, `device`, `dtype`. forward(src, src_mask=None, src_key_padding_mask=None,
    is_causal=False).

    Shape: src `(S, N, E)` (`(N, S, E)` with batch_first); output the same shape.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        if activation is F.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "activation"):
            self.activation = F.relu

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """Encodes `src` through self-attention and the feed-forward block.

        Self-attention of `src` (with `src_mask`, `src_key_padding_mask`, `is_causal`) and the
        feed-forward block, each added back to its input, with the norms before (`norm_first=True`)
        or after each block.
        """
        src_key_padding_mask = F_attention._canonical_mask(
            src_key_padding_mask, "src_key_padding_mask", F_attention._none_or_dtype(src_mask),
            "src_mask", src.dtype)
        src_mask = F_attention._canonical_mask(src_mask, "src_mask", None, "", src.dtype,
                                               check_other=False)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask,
                                   is_causal=is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask,
                                              is_causal=is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerDecoderLayer(Module):
    """One decoder layer: self-attention, cross-attention and feed-forward.

    Self-attention, attention over the encoder's output (memory) and a feed-forward block, each a
    residual with dropout and a LayerNorm (post-norm by default, pre-norm with `norm_first`).

    Arguments as `TransformerEncoderLayer`'s: `d_model`, `nhead`, `dim_feedforward=2048`,
    `dropout=0.1`, `activation=F.relu` (or "relu", "gelu", or a callable), `layer_norm_eps=1e-5`,
    `batch_first=False`, `norm_first=False`, `bias=True`, `device`, `dtype`. forward(tgt, memory,
    tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    tgt_is_causal=False, memory_is_causal=False).

    Shape: tgt `(T, N, E)`, memory `(S, N, E)` (batch first with batch_first); output like tgt.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                            batch_first=batch_first, bias=bias, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                                 batch_first=batch_first, bias=bias, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _get_activation_fn(activation) if isinstance(activation, str) \
            else activation

    def __setstate__(self, state):
        state.setdefault("activation", F.relu)
        super().__setstate__(state)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        """Decodes `tgt` against `memory` through the layer's three blocks.

        Self-attention of `tgt`, attention over `memory` and the feed-forward block, each added back
        to its input, with the norms before (`norm_first=True`) or after each block; the masks and
        causal flags go to their attention.
        """
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                   tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask,
                                              tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask,
                                               memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)

