"""Loss modules: thin holders of a reduction (and weights, margins, options) around the
functional forms, with PyTorch's constructor signatures and checks."""
import warnings

from .. import functional as F
from ..functional._reduction import legacy_get_string
from .distance import PairwiseDistance
from .module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = legacy_get_string(size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """The mean squared error: `(input - target)^2`, reduced (`F.mse_loss`).

    `reduction`: "mean" (the default), "sum" or "none" (the per-element loss); `size_average` and
    `reduce` are PyTorch's deprecated pair, which wins when given (with a warning). A target of
    another shape broadcasts, with PyTorch's warning.

    One fused node (MseLossBackward0) that keeps the input and the target; both get gradients.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """

    def forward(self, input, target):
        """Returns `F.mse_loss(input, target, reduction=self.reduction)`."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """The mean absolute error: `|input - target|`, reduced (`F.l1_loss`), composed of Tensor ops.

    `reduction`: "mean" (the default), "sum" or "none" (the per-element loss); `size_average` and
    `reduce` are PyTorch's deprecated pair, which wins when given (with a warning).

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """

    def forward(self, input, target):
        """Returns `F.l1_loss(input, target, reduction=self.reduction)`."""
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Smooth L1 loss: squared error near 0, absolute error beyond `beta`.

    `0.5 * d^2 / beta` where `|d| < beta`, `|d| - 0.5 * beta` elsewhere, `d = input - target`
    (`F.smooth_l1_loss`; `beta=1.0`, and 0 gives the L1 loss).

    `reduction`: "mean" (the default), "sum" or "none" (the per-element loss); `size_average` and
    `reduce` are PyTorch's deprecated pair, which wins when given (with a warning). One fused node
    (SmoothL1LossBackward0) keeping the input and the target.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        """Returns `F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)`."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss: squared error near 0, absolute error beyond `delta`.

    `0.5 * d^2` where `|d| < delta`, `delta * (|d| - 0.5 * delta)` elsewhere, `d = input - target`
    (`F.huber_loss`; `delta=1.0`, positive).

    `reduction`: "mean" (the default), "sum" or "none". One fused node (HuberLossBackward0) keeping
    the input and the target.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """

    def __init__(self, reduction="mean", delta=1.0):
        if not isinstance(delta, (float, int)):
            raise TypeError(f"delta must be a float or int, got: {type(delta)}")
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        """Returns `F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)`."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices under log-probabilities.

    The negative log-likelihood of class indices: `-weight[t] * input[n, t]` per sample, `t` its
    target class (`F.nll_loss`). The input holds log-probabilities.

    Arguments: `weight=None` (per class, shape `(C,)`, kept as a buffer), `ignore_index=-100`
    (samples with that target count for nothing, in the mean's divisor too). `reduction`: "mean"
    (the default), "sum" or "none" (the per-element loss); `size_average` and `reduce` are PyTorch's
    deprecated pair, which wins when given (with a warning). "mean" divides by the sum of the
    weights of the samples counted.

    One fused node (named as PyTorch's: NllLossBackward0 for 1-D and 2-D inputs): it keeps each
    sample's class and weight (private arrays), never the input.

    Shape: input `(N, C)`, `(C,)` or `(N, C, d1, ...)`; target `(N,)`, `()` or `(N, d1, ...)` of
    int64 class indices; output `()`, or the target's shape with "none".
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        """`F.nll_loss` of the inputs with the layer's arguments."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of logits against class indices or probabilities.

    `nll_loss(log_softmax(input, class dim), target)`, or with class probabilities as the target
    `-sum(target * log_softmax(input))` per sample (`F.cross_entropy`).

    Arguments: `weight=None` (per class `(C,)`, a buffer), `ignore_index=-100` (class-index targets
    only), `label_smoothing=0.0` (in `[0, 1]`: the target mixed with the uniform distribution).
    `reduction`: "mean" (the default), "sum" or "none" (the per-element loss); `size_average` and
    `reduce` are PyTorch's deprecated pair, which wins when given (with a warning).

    With class-index targets and no smoothing, one fused node keeps each sample's class and weight
    and the forward's log-probabilities (private arrays), never the input; the other forms are
    composed of Tensor ops as PyTorch composes them.

    Shape: input `(N, C)`, `(C,)` or `(N, C, d1, ...)`; target of int64 class indices `(N,)`, `()`
    or `(N, d1, ...)`, or of probabilities with the input's shape; output `()`, or per sample with
    "none".
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        """`F.cross_entropy` of the inputs with the layer's arguments."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities.

    The binary cross entropy of probabilities: `-(t * log(x) + (1 - t) * log(1 - x))`, each log
    clamped at -100 as PyTorch's (`F.binary_cross_entropy`).

    Arguments: `weight=None` (a buffer, broadcast to the input's shape). `reduction`: "mean" (the
    default), "sum" or "none" (the per-element loss); `size_average` and `reduce` are PyTorch's
    deprecated pair, which wins when given (with a warning). Inputs outside `[0, 1]` raise; a target
    of another shape raises ValueError.

    One fused node (BinaryCrossEntropyBackward0) keeping the input, target and weight; the input and
    the target both get gradients.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """

    def forward(self, input, target):
        """`F.binary_cross_entropy` of the inputs with the layer's arguments."""
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of logits, computed stably.

    `binary_cross_entropy(sigmoid(x), t)` computed from the logits without overflow
    (`F.binary_cross_entropy_with_logits`).

    Arguments: `weight=None` (per element, broadcasting), `pos_weight=None` (the positive term's
    weight, broadcasting over the last dim: one per class), both buffers. `reduction`: "mean" (the
    default), "sum" or "none" (the per-element loss); `size_average` and `reduce` are PyTorch's
    deprecated pair, which wins when given (with a warning).

    One fused node (BinaryCrossEntropyWithLogitsBackward0) keeping the input, target, weight and
    pos_weight.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        """`F.binary_cross_entropy_with_logits` of the inputs with the layer's arguments."""
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """Deprecated name of `NLLLoss`.

    PyTorch's deprecated name of `NLLLoss` (a FutureWarning when built); the same arguments and
    computation.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in "
                      "replacement and see https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss "
                      "for more details.", FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence loss.

    The Kullback-Leibler divergence of `target` from the input's distribution:
    `target * (log(target) - input)` (0 where the target is 0), the input holding log-probabilities
    (`F.kl_div`).

    Arguments: `log_target=False` (True: the target holds log-probabilities too, and the loss is
    `exp(target) * (target - input)`), and the reduction: "mean" (the default, over every element,
    with PyTorch's warning), "batchmean" (the sum over the batch size: the divergence's definition),
    "sum" or "none"; `size_average` and `reduce` are PyTorch's deprecated pair, which wins when
    given (with a warning). Composed of Tensor ops as PyTorch composes it.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        """`F.kl_div` of the inputs with the layer's arguments."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood loss.

    The negative log-likelihood of a Poisson target: `exp(input) - target * input` with
    `log_input=True` (the default), else `input - target * log(input + eps)` (`F.poisson_nll_loss`).

    Arguments: `log_input=True`, `full=False` (add Stirling's approximation of `log(target!)` where
    the target is above 1), `eps=1e-8`. `reduction`: "mean" (the default), "sum" or "none" (the
    per-element loss); `size_average` and `reduce` are PyTorch's deprecated pair, which wins when
    given (with a warning). `forward(log_input, target)`.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        """`F.poisson_nll_loss` of the inputs with the layer's arguments."""
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood loss with predicted variances.

    The negative log-likelihood of a Gaussian target: `0.5 * (log(var) + (input - target)^2 / var)`
    (plus `0.5 * log(2 * pi)` with `full`), var clamped below at `eps` (`F.gaussian_nll_loss`).

    Arguments (keyword only): `full=False`, `eps=1e-6`, `reduction="mean"`.
    `forward(input, target, var)`: `var` has the input's shape, or one dim fewer at the end, or a
    dim of size 1 (one variance shared), or is a float; negative entries raise. The clamp is made
    under no_grad, so the gradient flows as if unclamped, as in PyTorch.

    Shape: input `(N, *)`; target the same shape; output `()`, or `(N, *)` with "none".
    """

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):
        """`F.gaussian_nll_loss` of the inputs with the layer's arguments."""
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)


class _MarginLoss(_Loss):
    def __init__(self, margin, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class HingeEmbeddingLoss(_MarginLoss):
    """Hinge embedding loss for targets of 1 and -1.

    `input` where the target is 1, `max(0, margin - input)` where it is -1
    (`F.hinge_embedding_loss`; `margin=1.0`).

    `reduction`: "mean" (the default), "sum" or "none" (the per-element loss); `size_average` and
    `reduce` are PyTorch's deprecated pair, which wins when given (with a warning).

    Shape: input `(*)`; target the same shape, of 1 and -1; output `()`, or `(*)` with "none".
    """

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input, target):
        """`F.hinge_embedding_loss` of the inputs with the layer's arguments."""
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    """Cosine embedding loss for pairs marked similar (1) or not (-1).

    `1 - cos(x1, x2)` where the target is 1, `max(0, cos(x1, x2) - margin)` where it is -1
    (`F.cosine_embedding_loss`; `margin=0.0`). `forward(input1, input2, target)`.

    `reduction`: "mean" (the default), "sum" or "none" (the per-element loss); `size_average` and
    `reduce` are PyTorch's deprecated pair, which wins when given (with a warning).

    Shape: inputs `(N, D)` or `(D,)`; target `(N,)` or `()`; output `()`, or `(N,)` with "none".
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input1, input2, target):
        """`F.cosine_embedding_loss` of the inputs with the layer's arguments."""
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)


class MarginRankingLoss(_MarginLoss):
    """Margin ranking loss: which of two inputs should rank higher.

    `max(0, -target * (input1 - input2) + margin)`: the target (1 or -1) says which input should
    rank higher (`F.margin_ranking_loss`; `margin=0.0`). `forward(input1, input2, target)`.

    `reduction`: "mean" (the default), "sum" or "none" (the per-element loss); `size_average` and
    `reduce` are PyTorch's deprecated pair, which wins when given (with a warning).

    Shape: inputs and target `(N,)` or `()`; output `()`, or `(N,)` with "none".
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input1, input2, target):
        """`F.margin_ranking_loss` of the inputs with the layer's arguments."""
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                     reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss for targets of 1 and -1.

    The two-class logistic loss `log(1 + exp(-target * input))`, the target 1 or -1
    (`F.soft_margin_loss`).

    `reduction`: "mean" (the default), "sum" or "none" (the per-element loss); `size_average` and
    `reduce` are PyTorch's deprecated pair, which wins when given (with a warning). One fused node
    (SoftMarginLossBackward0) keeping the input and the target; the target may not require a
    gradient.

    Shape: input `(*)`; target the same shape; output `()`, or `(*)` with "none".
    """

    def forward(self, input, target):
        """Returns `F.soft_margin_loss(input, target, reduction=self.reduction)`."""
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label one-versus-all logistic loss.

    Multi-label one-versus-all loss: the mean over classes of
    `-(t * log(sigmoid(x)) + (1 - t) * log(sigmoid(-x)))`, each class weighted by `weight`
    (`F.multilabel_soft_margin_loss`, over `binary_cross_entropy_with_logits`).

    Arguments: `weight=None` (per class `(C,)`, a buffer). `reduction`: "mean" (the default), "sum"
    or "none" (the per-element loss); `size_average` and `reduce` are PyTorch's deprecated pair,
    which wins when given (with a warning).

    Shape: input `(N, C)`; target `(N, C)` of 0 and 1; output `()`, or `(N,)` with "none".
    """

    def forward(self, input, target):
        """`F.multilabel_soft_margin_loss` of the inputs with the layer's arguments."""
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-class multi-label hinge loss.

    Multi-class multi-label hinge loss: for each sample, the sum over its target classes `j` and its
    non-target classes `i` of `max(0, 1 - (x[j] - x[i]))`, divided by C
    (`F.multilabel_margin_loss`).

    `reduction`: "mean" (the default), "sum" or "none" (the per-element loss); `size_average` and
    `reduce` are PyTorch's deprecated pair, which wins when given (with a warning). The target lists
    class indices and ends at its first -1. One fused node (MultilabelMarginLossBackward0) keeping
    the input, the target and the is-target mask; as in PyTorch it has no double backward.

    Shape: input `(N, C)` or `(C,)`; target the same shape, int64; output `()`, or `(N,)` with
    "none".
    """

    def forward(self, input, target):
        """Returns `F.multilabel_margin_loss(input, target, reduction=self.reduction)`."""
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss.

    Multi-class hinge loss: for each sample with target class `y`, the sum over the other classes
    `i` of `max(0, margin - x[y] + x[i])^p`, times `weight[y]`, divided by C
    (`F.multi_margin_loss`).

    Arguments: `p=1` (1 or 2), `margin=1.0`, `weight=None` (per class, 1-D, a buffer that may not
    require a gradient). `reduction`: "mean" (the default), "sum" or "none" (the per-element loss);
    `size_average` and `reduce` are PyTorch's deprecated pair, which wins when given (with a
    warning). One fused node (MultiMarginLossBackward0); as in PyTorch it has no double backward.

    Shape: input `(N, C)` or `(C,)`; target `(N,)` or `()`, int64; output `()`, or `(N,)` with
    "none".
    """

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError("MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        """`F.multi_margin_loss` of the inputs with the layer's arguments."""
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet margin loss with the p-norm distance.

    `max(d(a, p) - d(a, n) + margin, 0)`, d the `p`-norm pairwise distance, for anchors, positive
    and negative examples (`F.triplet_margin_loss`).

    Arguments: `margin=1.0` (positive), `p=2.0`, `eps=1e-6` (added inside the distance),
    `swap=False` (use `min(d(a, n), d(p, n))` as the negative distance). `reduction`: "mean" (the
    default), "sum" or "none" (the per-element loss); `size_average` and `reduce` are PyTorch's
    deprecated pair, which wins when given (with a warning). `forward(anchor, positive, negative)`.

    Shape: `(N, D)` or `(D,)` each; output `()`, or `(N,)` with "none".
    """

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError("TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        """`F.triplet_margin_loss` of the inputs with the layer's arguments."""
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                     eps=self.eps, swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet margin loss with any distance function.

    `max(d(a, p) - d(a, n) + margin, 0)` with any distance function
    (`F.triplet_margin_with_distance_loss`).

    Arguments (keyword only): `distance_function=None` (a `PairwiseDistance()`), `margin=1.0`
    (positive), `swap=False`, `reduction="mean"`. `forward(anchor, positive, negative)`.

    Shape: as the distance function takes them; output `()`, or per sample with "none".
    """

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError("TripletMarginWithDistanceLoss: expected margin to be greater than "
                             f"0, got {margin} instead")
        self.distance_function = (distance_function if distance_function is not None
                                  else PairwiseDistance())
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        """`F.triplet_margin_with_distance_loss` of the inputs with the layer's arguments."""
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist Temporal Classification loss.

    The Connectionist Temporal Classification loss: the negative log-likelihood of each target
    sequence summed over its alignments with the input (`F.ctc_loss`).

    Arguments: `blank=0`, `reduction="mean"` (each sample's loss divided by its target length, at
    least 1, then the mean over the batch), `zero_infinity=False` (infinite losses, from impossible
    alignments, and their gradients become 0).
    `forward(log_probs, targets, input_lengths, target_lengths)`.

    One node (CtcLossBackward0) giving each sample's loss; only `log_probs` gets a gradient, and, as
    in PyTorch, there is no double backward.

    Shape: `log_probs` `(T, N, C)` or `(T, C)`; `targets` `(N, S)` padded, or 1-D with the targets
    concatenated; `input_lengths` and `target_lengths` `(N,)`; output `()`, or `(N,)` with "none".
    """

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        """`F.ctc_loss` of the inputs with the layer's arguments."""
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)
