"""torch.<name>_ functions (methods.INPLACE_FUNCTIONS and the activation/dropout forms): each
writes into its input, bumps its version once, returns it, and computes as PyTorch's."""
import numpy as np
import pytest

import insitu
from insitu.methods import INPLACE_FUNCTIONS

torch = pytest.importorskip("torch")

DATA = [0.25, 0.5, 0.75, 1.5]
ARGS = {"clamp_": (0.3, 0.6), "clamp_min_": (0.4,), "clamp_max_": (0.4,), "clip_": (0.3, 0.6),
        "fill_": (2.0,), "gcd_": "int", "lcm_": "int", "ldexp_": "tensor", "xlogy_": (2.0,),
        "celu_": (1.0,), "threshold_": (0.6, 2.0), "rrelu_": (0.1, 0.3, False),
        "dropout_": (0.5, False), "alpha_dropout_": (0.5, False),
        "feature_alpha_dropout_": (0.5, False)}
SKIP = {"addmv_", "index_put_", "as_strided_", "detach_"}   # other signatures: tested elsewhere


@pytest.mark.parametrize("name", sorted(set(INPLACE_FUNCTIONS) - SKIP) + [
    "celu_", "selu_", "rrelu_", "threshold_", "dropout_", "alpha_dropout_",
    "feature_alpha_dropout_"])
def test_inplace_function(name):
    results = []
    for lib in (insitu, torch):
        args = ARGS.get(name, ())
        if args == "int":
            x, args = lib.tensor([4, 6, 9]), (lib.tensor([6, 4, 3]),)
        else:
            x = lib.tensor(DATA)
            if args == "tensor":
                args = (lib.tensor([1.0, 2.0, -1.0, 0.0]),)
        v = x._version
        r = getattr(lib, name)(x, *args)
        assert r is x
        results.append((x._version - v, x.numpy()))
    (vi, xi), (vt, xt) = results
    assert vi == vt
    np.testing.assert_allclose(xi, xt, rtol=1e-6)
