"""instance_norm, as PyTorch computes it: batch norm of the input viewed as one sample of N * C
channels, with the weight, bias and running statistics repeated N times; the running statistics
then take the mean over the batch of the repeated ones (one `copy_` each, so their version moves
once per training call, as PyTorch's).
"""
from ...autograd.grad_mode import no_grad
from .batchnorm import batch_norm


def _verify_spatial_size(shape):
    size = 1
    for s in shape[2:]:
        size *= s
    if size == 1:
        raise ValueError("Expected more than 1 spatial element when training, got input size "
                         f"{shape}")


def _repeat(t, n):
    return None if t is None else t.repeat(n)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Instance normalisation: each channel of each sample on its own.

    Normalises each channel of each sample over its spatial positions (`nn.InstanceNorm1d` and its
    kin): `y = (x - mean) / sqrt(var + eps) * weight + bias`.

    Arguments: `running_mean=None`, `running_var=None`, `weight=None`, `bias=None` (each `(C,)`),
    `use_input_stats=True` (False: normalise with the running statistics, which must be given),
    `momentum=0.1`, `eps=1e-5`. As PyTorch, it is batch norm of the input viewed as one sample of
    `N * C` channels (NativeBatchNormBackward0); the running statistics then take the batch mean of
    the per-sample ones, one `copy_` each (their version moves once per call).

    Shape: input `(N, C, *)`; output the same shape.
    """
    if use_input_stats:
        _verify_spatial_size(input.shape)
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    shape = list(input.shape)
    b, c = shape[0], shape[1]
    with no_grad():
        stats = [_repeat(running_mean, b), _repeat(running_var, b)]
    out = batch_norm(input.contiguous().view([1, b * c] + shape[2:]), stats[0], stats[1],
                     _repeat(weight, b), _repeat(bias, b), use_input_stats, momentum, eps)
    if use_input_stats:
        with no_grad():
            for buf, repeated in zip((running_mean, running_var), stats):
                if buf is not None:
                    buf.copy_(repeated.view(b, c).mean(0))
    return out.view(shape)
