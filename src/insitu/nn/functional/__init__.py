"""insitu.nn.functional: the functional forms of layers, activations and losses.

One module per family, named as `insitu.nn.modules` names the layers built on them
(activation, batchnorm, conv, distance, dropout, fold, instancenorm, linear, loss and its
siblings, normalization, padding, pixelshuffle, pooling, sparse, upsampling). Fused layers
(linear, the common losses, batch, layer and group norm, embedding, glu) record one node each
through `insitu.ops.derivatives`: their formulas run on arrays, and a backward that builds a
graph differentiates their composite form.

`inplace=True` activations write into their input and keep nothing extra for backward where
PyTorch's rule reads the output (relu, leaky_relu with a positive slope, elu, selu, celu, rrelu):
the saved tensor *is* the output buffer; the others keep a copy of the input, as PyTorch's.
"""
from .attention import scaled_dot_product_attention, multi_head_attention_forward
from .activation import (relu, relu_, leaky_relu, leaky_relu_, relu6, hardtanh, hardtanh_, elu,
                         elu_, gelu, silu, sigmoid, tanh, softmax, log_softmax, selu, selu_, celu,
                         celu_, rrelu, rrelu_, threshold, threshold_, prelu, mish, hardswish,
                         hardsigmoid, softplus, logsigmoid, tanhshrink, softsign, hardshrink,
                         softshrink, glu, softmin)
from .batchnorm import batch_norm
from .instancenorm import instance_norm
from .dropout import (dropout, dropout1d, dropout2d, dropout3d, alpha_dropout,
                      feature_alpha_dropout)
from .linear import linear, bilinear
from .loss import (mse_loss, l1_loss, smooth_l1_loss, huber_loss, cross_entropy, nll_loss,
                   binary_cross_entropy, binary_cross_entropy_with_logits)
from .distribution_loss import kl_div, poisson_nll_loss, gaussian_nll_loss
from .margin_loss import (cosine_embedding_loss, margin_ranking_loss, hinge_embedding_loss,
                          triplet_margin_loss, triplet_margin_with_distance_loss,
                          multilabel_soft_margin_loss, soft_margin_loss, multi_margin_loss,
                          multilabel_margin_loss)
from .ctc import ctc_loss
from .distance import pairwise_distance, cosine_similarity
from .normalization import (layer_norm, group_norm, rms_norm, local_response_norm,
                            normalize)
from .sparse import embedding, one_hot
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .fold import fold, unfold
from .pooling import (max_pool1d, max_pool2d, max_pool1d_with_indices, max_pool2d_with_indices,
                      avg_pool1d, avg_pool2d, lp_pool1d, lp_pool2d)
from ._adaptive import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
                        adaptive_max_pool2d, adaptive_max_pool1d_with_indices,
                        adaptive_max_pool2d_with_indices, max_unpool1d, max_unpool2d)
from .padding import pad
from .upsampling import interpolate, upsample, upsample_nearest, upsample_bilinear
from .pixelshuffle import pixel_shuffle, pixel_unshuffle, channel_shuffle, native_channel_shuffle

__all__ = [
    "linear", "bilinear", "embedding", "dropout", "layer_norm", "batch_norm", "relu", "relu_",
    "leaky_relu", "leaky_relu_", "relu6", "hardtanh", "hardtanh_", "elu", "elu_", "gelu",
    "silu", "sigmoid", "tanh", "softmax", "log_softmax", "mse_loss", "l1_loss",
    "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "one_hot", "kl_div", "poisson_nll_loss",
    "gaussian_nll_loss", "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
    "triplet_margin_loss", "triplet_margin_with_distance_loss", "multilabel_soft_margin_loss",
    "soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss", "ctc_loss",
    "pairwise_distance", "cosine_similarity",
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "fold", "unfold", "max_pool1d",
    "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices", "avg_pool1d",
    "avg_pool2d", "lp_pool1d", "lp_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "max_unpool1d", "max_unpool2d", "pad", "interpolate",
    "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle",
    "channel_shuffle", "native_channel_shuffle",
    "selu", "selu_", "celu", "celu_", "rrelu", "rrelu_", "threshold", "threshold_", "prelu",
    "mish", "hardswish", "hardsigmoid", "softplus", "logsigmoid", "tanhshrink", "softsign",
    "hardshrink", "softshrink", "glu", "softmin", "dropout1d", "dropout2d", "dropout3d",
    "alpha_dropout", "feature_alpha_dropout", "instance_norm", "group_norm", "rms_norm",
    "local_response_norm", "normalize",
    "scaled_dot_product_attention", "multi_head_attention_forward",
]
