"""nn.init: every initialiser writes in place, under no_grad, with the right distribution."""
import math

import numpy as np
import pytest

import insitu
import insitu.nn as nn
from insitu.nn import init

torch = pytest.importorskip("torch")


def param(*shape):
    return nn.Parameter(insitu.empty(*shape))


def assert_in_place(fn, t, *args, **kwargs):
    ptr, version = t.data_ptr(), t._version
    out = fn(t, *args, **kwargs)
    assert out is t and t.data_ptr() == ptr and t._version > version
    assert t.grad_fn is None and t.requires_grad      # a leaf parameter stays a leaf
    return t.detach().numpy()


@pytest.mark.parametrize("nonlinearity,param_", [("linear", None), ("relu", None),
                                                 ("tanh", None), ("leaky_relu", 0.2),
                                                 ("leaky_relu", None), ("selu", None),
                                                 ("sigmoid", None)])
def test_calculate_gain_matches_torch(nonlinearity, param_):
    assert init.calculate_gain(nonlinearity, param_) == \
        pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param_))


def test_fan_in_fan_out_and_errors():
    assert init._calculate_fan_in_and_fan_out(insitu.empty(4, 3, 5)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(4, 3, 5))
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        init.xavier_uniform_(insitu.empty(3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("nope")


def test_uniform_normal_constant():
    insitu.manual_seed(0)
    a = assert_in_place(init.uniform_, param(200, 100), -0.5, 2.0)
    assert a.min() >= -0.5 and a.max() < 2.0 and abs(a.mean() - 0.75) < 0.02
    a = assert_in_place(init.normal_, param(200, 100), 3.0, 0.5)
    assert abs(a.mean() - 3.0) < 0.01 and abs(a.std() - 0.5) < 0.01
    assert (assert_in_place(init.constant_, param(3, 3), 0.25) == 0.25).all()
    assert (assert_in_place(init.ones_, param(2)) == 1).all()
    assert (assert_in_place(init.zeros_, param(2)) == 0).all()


def test_eye_and_its_error():
    np.testing.assert_array_equal(assert_in_place(init.eye_, param(3, 4)), np.eye(3, 4))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(insitu.empty(2, 2, 2))


@pytest.mark.parametrize("fn,expected_std", [
    (lambda t: init.xavier_uniform_(t, gain=2.0), 2.0 * math.sqrt(2.0 / (300 + 200))),
    (lambda t: init.xavier_normal_(t), math.sqrt(2.0 / (300 + 200))),
    (lambda t: init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(2.0 / 200)),
    (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
     math.sqrt(2.0 / 300)),
])
def test_scaled_initialisers_have_the_documented_std(fn, expected_std):
    insitu.manual_seed(1)
    t = param(300, 200)
    a = assert_in_place(fn, t)
    assert abs(a.std() / expected_std - 1) < 0.03
    assert abs(a.mean()) < expected_std * 0.05


def test_kaiming_uniform_bound_and_mode_error():
    t = param(50, 40)
    a = assert_in_place(init.kaiming_uniform_, t, a=math.sqrt(5))
    bound = math.sqrt(3.0) * init.calculate_gain("leaky_relu", math.sqrt(5)) / math.sqrt(40)
    assert np.abs(a).max() <= bound
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(t, mode="fan_avg")


def test_trunc_normal_stays_inside_bounds():
    insitu.manual_seed(2)
    a = assert_in_place(init.trunc_normal_, param(400, 100), mean=0.5, std=1.0, a=-0.5, b=1.0)
    assert a.min() >= -0.5 and a.max() <= 1.0
    assert len(np.unique(a)) > 1000                   # really drawn, not clipped to the edges


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 2, 2)])
def test_orthogonal(shape):
    insitu.manual_seed(3)
    a = assert_in_place(init.orthogonal_, param(*shape), gain=2.0).reshape(shape[0], -1)
    rows, cols = a.shape
    gram = a @ a.T if rows <= cols else a.T @ a
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        init.orthogonal_(insitu.empty(3))


def test_initialisers_work_on_leaves_requiring_grad_and_keep_optimizer_state():
    import insitu.optim as optim
    lin = nn.Linear(3, 3)
    opt = optim.SGD(lin.parameters(), lr=0.1)
    init.constant_(lin.weight, 0.5)
    assert opt.param_groups[0]["params"][0] is lin.weight
    assert (lin.weight.detach().numpy() == 0.5).all()


def test_seeded_initialisation_is_reproducible():
    def draw():
        insitu.manual_seed(42)
        return init.xavier_uniform_(insitu.empty(5, 5)).numpy().copy()
    np.testing.assert_array_equal(draw(), draw())
