"""insitu.nn.modules: the layer classes, one file per family (activation, batchnorm,
container, conv, distance, dropout, flatten, fold, instancenorm, linear, loss, normalization,
padding, pixelshuffle, pooling, rnn, sparse, attention, transformer, upsampling), as
torch.nn.modules has them; `insitu.nn` re-exports every name in `__all__`.

Each layer holds its arguments, parameters and buffers and calls its functional form in
`insitu.nn.functional`, which says what the autograd node keeps.
"""
from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .linear import Identity, Linear, Bilinear
from .activation import (ReLU, ReLU6, LeakyReLU, Hardtanh, ELU, GELU, SiLU, Sigmoid, Tanh,
                         Softmax, LogSoftmax, Softplus, SELU, CELU, PReLU, RReLU, Hardswish,
                         Hardsigmoid, Hardshrink, Softshrink, Tanhshrink, Mish, LogSigmoid,
                         Softsign, Softmin, Softmax2d, GLU, Threshold)
from .flatten import Flatten, Unflatten
from .dropout import (Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout,
                      FeatureAlphaDropout)
from .sparse import Embedding
from .normalization import LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .loss import (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, NLLLoss, CrossEntropyLoss, BCELoss,
                   BCEWithLogitsLoss, NLLLoss2d, KLDivLoss, PoissonNLLLoss, GaussianNLLLoss,
                   HingeEmbeddingLoss, CosineEmbeddingLoss, MarginRankingLoss, SoftMarginLoss,
                   MultiLabelSoftMarginLoss, MultiLabelMarginLoss, MultiMarginLoss,
                   TripletMarginLoss, TripletMarginWithDistanceLoss, CTCLoss)
from .distance import PairwiseDistance, CosineSimilarity
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .pooling import (MaxPool1d, MaxPool2d, MaxUnpool1d, MaxUnpool2d, AvgPool1d, AvgPool2d,
                      LPPool1d, LPPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                      AdaptiveAvgPool1d, AdaptiveAvgPool2d)
from .padding import (ZeroPad1d, ZeroPad2d, ZeroPad3d, ConstantPad1d, ConstantPad2d,
                      ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, CircularPad1d,
                      CircularPad2d, CircularPad3d)
from .upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d
from .pixelshuffle import PixelShuffle, PixelUnshuffle, ChannelShuffle
from .fold import Fold, Unfold
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell
from .attention import MultiheadAttention
from .transformer import (Transformer, TransformerEncoder, TransformerDecoder,
                          TransformerEncoderLayer, TransformerDecoderLayer)
from ...utils.hooks import RemovableHandle

__all__ = [
    "Module", "Sequential", "ModuleList", "ModuleDict", "Identity", "Linear", "Bilinear",
    "ReLU", "ReLU6", "LeakyReLU", "Hardtanh", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh",
    "Softmax", "LogSoftmax", "Flatten", "Unflatten", "Dropout", "Embedding", "LayerNorm",
    "BatchNorm1d", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "NLLLoss",
    "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "NLLLoss2d", "KLDivLoss",
    "PoissonNLLLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss",
    "MarginRankingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MultiLabelMarginLoss",
    "MultiMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss", "CTCLoss",
    "PairwiseDistance", "CosineSimilarity", "ParameterList", "ParameterDict",
    "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d",
    "MaxUnpool1d", "MaxUnpool2d", "AvgPool1d", "AvgPool2d", "LPPool1d", "LPPool2d",
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle",
    "PixelUnshuffle", "ChannelShuffle", "Fold", "Unfold",
    "Softplus", "SELU", "CELU", "PReLU", "RReLU", "Hardswish", "Hardsigmoid", "Hardshrink",
    "Softshrink", "Tanhshrink", "Mish", "LogSigmoid", "Softsign", "Softmin", "Softmax2d", "GLU",
    "Threshold", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
    "GroupNorm", "RMSNorm", "LocalResponseNorm", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d",
    "InstanceNorm2d", "InstanceNorm3d",
    "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
    "MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder",
    "TransformerEncoderLayer", "TransformerDecoderLayer",
]
