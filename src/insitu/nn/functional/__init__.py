"""insitu.nn.functional: the functional forms of layers, activations and losses.

One module per family, named as `insitu.nn.modules` names the layers built on them
(activation, dropout, linear, loss, normalization, sparse). Fused layers (linear, the common
losses, the norms, embedding) record one node each through `insitu.ops.derivatives`: their
formulas run on arrays, and a backward that builds a graph differentiates their composite form.

`inplace=True` activations write into their input and keep nothing extra for backward where the
gradient can be read off the output (relu, relu6/hardtanh, leaky_relu with a positive slope,
elu): the saved tensor *is* the output buffer.
"""
from .attention import scaled_dot_product_attention, multi_head_attention_forward
from .activation import (relu, relu_, leaky_relu, leaky_relu_, relu6, hardtanh, hardtanh_, elu,
                         elu_, gelu, silu, sigmoid, tanh, softmax, log_softmax)
from .dropout import dropout
from .linear import linear, bilinear
from .loss import (mse_loss, l1_loss, smooth_l1_loss, huber_loss, cross_entropy, nll_loss,
                   binary_cross_entropy, binary_cross_entropy_with_logits)
from .normalization import layer_norm, batch_norm
from .sparse import embedding, one_hot

__all__ = [
    "linear", "bilinear", "embedding", "dropout", "layer_norm", "batch_norm", "relu", "relu_",
    "leaky_relu", "leaky_relu_", "relu6", "hardtanh", "hardtanh_", "elu", "elu_", "gelu",
    "silu", "sigmoid", "tanh", "softmax", "log_softmax", "mse_loss", "l1_loss",
    "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "one_hot",
    "scaled_dot_product_attention", "multi_head_attention_forward",
]
