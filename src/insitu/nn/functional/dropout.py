"""dropout: PyTorch's `input * noise`, so the mask is what backward keeps."""
from ...creation import bernoulli, zeros


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (PyTorch's
    `input * noise`, so the mask is what backward keeps; in place, nothing else is kept)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        noise = zeros((), dtype=input.dtype)
    else:
        noise = bernoulli(input.detach(), 1 - p)
        noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise
