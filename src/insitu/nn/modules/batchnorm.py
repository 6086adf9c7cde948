"""BatchNorm1d/2d/3d and their base (shared with the instance norms): PyTorch's parameters,
buffers (running_mean, running_var, num_batches_tracked), state_dict keys and repr.

The running statistics are buffers updated in place: the tensors keep their identity and memory,
so optimizers, hooks and state_dict views see the new values. num_batches_tracked moves by one
`add_` per training call, as PyTorch's (and its version with it); the running mean and variance
are written by the kernel without a version bump, as PyTorch's are. The call is checked before
num_batches_tracked moves, so an input the layer refuses changes nothing.
"""
from ...autograd.grad_mode import no_grad
from ...creation import empty, ones, tensor, zeros
from ...core import dtypes
from .. import functional as F
from ..functional.batchnorm import check_batch_norm
from .. import init
from ..parameter import Parameter
from .linear import _factory
from .module import Module


class _NormBase(Module):
    _version = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        dt = _factory(device, dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(empty(num_features, dtype=dt))
            if bias:
                self.bias = Parameter(empty(num_features, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dt))
            self.register_buffer("running_var", ones(num_features, dtype=dt))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=dtypes.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """Resets the running statistics to their initial values.

        Zeros `running_mean` and `num_batches_tracked` and fills `running_var` with ones, in place
        (their versions move), when running statistics are kept.
        """
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """`reset_running_stats()`, then `weight` to ones and `bias` to zeros when `affine`."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            # before version 2 there was no num_batches_tracked: it starts from 0
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = (self.num_batches_tracked if self.num_batches_tracked
                                   is not None else tensor(0, dtype=dtypes.int64))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)


_COMMON_DOC = """    Arguments: `num_features` (C), `eps=1e-5`, `momentum=0.1` (None: a cumulative average over the
    batches seen), `affine=True` (learnable `weight` and `bias` of shape `(C,)`, ones and zeros),
    `track_running_stats=True`, `device`, `dtype`, and keyword `bias=True` (False registers `bias`
    as None). Buffers: `running_mean` (zeros), `running_var` (ones) and `num_batches_tracked`
    (int64), all None with `track_running_stats=False`.

    In training mode it normalises with the batch's mean and biased variance over every dim but the
    channels, and updates the running statistics in place (the unbiased variance), written by the
    kernel without a version bump, as PyTorch's; `num_batches_tracked` moves by one `add_`. In
    evaluation mode it uses the running statistics (the batch's when `track_running_stats=False`). A
    call the layer refuses changes no buffer.

    One fused node (NativeBatchNormBackward0): it keeps the input and the weight (version-checked)
    and the per-channel mean and inverse standard deviation (private arrays). Statistics are
    accumulated in float64, as PyTorch's CPU kernel does.

"""


class _BatchNorm(_NormBase):
    def forward(self, input):
        """Batch-normalises `input`, updating the running statistics in training.

        Normalises `input` with `F.batch_norm`: the batch's statistics in training (updating the
        running ones, `num_batches_tracked` moving by one `add_`; with `momentum=None` the factor is
        `1 / num_batches_tracked`), the running ones in evaluation mode when kept. A wrong rank
        raises ValueError.
        """
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        track = not self.training or self.track_running_stats
        running_mean = self.running_mean if track else None
        running_var = self.running_var if track else None
        if self.training:
            use_batch = True
        else:
            use_batch = self.running_mean is None and self.running_var is None
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            check_batch_norm(input, running_mean, running_var, self.weight, self.bias, use_batch,
                             self.eps)
            with no_grad():
                self.num_batches_tracked.add_(1)     # in place: the buffer keeps its identity
            if self.momentum is None:               # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        return F.batch_norm(input, running_mean, running_var, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    __doc__ = """Batch normalisation layer for vectors and 1-d signals.

    Batch normalisation over a batch of vectors or 1-d signals:
    `y = (x - mean) / sqrt(var + eps) * weight + bias`, per channel (`F.batch_norm`).

{common}    Shape: input `(N, C)` or `(N, C, L)`; output the same shape.
    """.format(common=_COMMON_DOC)

    def _check_input_dim(self, input):
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    __doc__ = """Batch normalisation layer for images.

    Batch normalisation over a batch of images: `y = (x - mean) / sqrt(var + eps) * weight + bias`,
    per channel (`F.batch_norm`).

{common}    Shape: input `(N, C, H, W)`; output the same shape.
    """.format(common=_COMMON_DOC)

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    __doc__ = """Batch normalisation layer for volumes.

    Batch normalisation over a batch of volumes: `y = (x - mean) / sqrt(var + eps) * weight + bias`,
    per channel (`F.batch_norm`).

{common}    Shape: input `(N, C, D, H, W)`; output the same shape.
    """.format(common=_COMMON_DOC)

    def _check_input_dim(self, input):
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")
