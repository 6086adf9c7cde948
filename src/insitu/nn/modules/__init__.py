from .module import Module
from .container import Sequential, ModuleList, ModuleDict
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
                   BCEWithLogitsLoss)
from ...utils.hooks import RemovableHandle

__all__ = [
    "Module", "Sequential", "ModuleList", "ModuleDict", "Identity", "Linear", "Bilinear",
    "ReLU", "ReLU6", "LeakyReLU", "Hardtanh", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh",
    "Softmax", "LogSoftmax", "Flatten", "Unflatten", "Dropout", "Embedding", "LayerNorm",
    "BatchNorm1d", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "NLLLoss",
    "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss",
    "Softplus", "SELU", "CELU", "PReLU", "RReLU", "Hardswish", "Hardsigmoid", "Hardshrink",
    "Softshrink", "Tanhshrink", "Mish", "LogSigmoid", "Softsign", "Softmin", "Softmax2d", "GLU",
    "Threshold", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
    "GroupNorm", "RMSNorm", "LocalResponseNorm", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d",
    "InstanceNorm2d", "InstanceNorm3d",
]
