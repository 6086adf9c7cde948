"""insitu.optim.lr_scheduler: learning-rate schedules, as torch.optim.lr_scheduler's.

`base` (LRScheduler), `decay` (a factor per epoch: LambdaLR, MultiplicativeLR, StepLR,
MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR), `annealing` (cosine and
cyclic: CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR), `plateau`
(ReduceLROnPlateau) and `composite` (SequentialLR, ChainedScheduler).
"""
from .base import EPOCH_DEPRECATION_WARNING, LRScheduler, _LRScheduler
from .decay import (ConstantLR, ExponentialLR, LambdaLR, LinearLR, MultiplicativeLR,
                    MultiStepLR, PolynomialLR, StepLR)
from .annealing import CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from .plateau import ReduceLROnPlateau
from .composite import ChainedScheduler, SequentialLR

__all__ = ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "ExponentialLR", "SequentialLR", "CosineAnnealingLR", "ChainedScheduler",
           "ReduceLROnPlateau", "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR",
           "PolynomialLR", "LRScheduler"]
