"""The smooth activations (`ops/smooth_activation.py`) on 0-dim tensors, whose kernels compute
step by step in their result: every step must land in an array, not a NumPy scalar."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402


@pytest.mark.parametrize("value", [1.0, -2.0, 0.5, float("inf"), float("-inf")])
@pytest.mark.parametrize("name, kwargs", [("gelu", {}), ("gelu", {"approximate": "tanh"}),
                                          ("silu", {}), ("mish", {}), ("softplus", {}),
                                          ("logsigmoid", {}), ("hardswish", {})])
def test_a_0_dim_input_gives_pytorchs_value(name, kwargs, value):
    expected = getattr(torch.nn.functional, name)(torch.tensor(value), **kwargs)
    got = getattr(insitu.nn.functional, name)(insitu.tensor(value), **kwargs)
    assert got.shape == ()
    # tanh-gelu's 1 + tanh(...) cancels for negative x: an ulp of tanh is several of the result
    rtol = 1e-5 if kwargs else 2e-7
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=rtol)
