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


# ------------------------------------------------------------------ every gain, every message

@pytest.mark.parametrize("nonlinearity", ["linear", "conv1d", "conv2d", "conv3d",
                                          "conv_transpose1d", "conv_transpose2d",
                                          "conv_transpose3d", "sigmoid", "tanh", "relu",
                                          "leaky_relu", "selu"])
@pytest.mark.parametrize("param_", [None, 0, 3, 0.2])
def test_calculate_gain_equals_torch_for_every_nonlinearity(nonlinearity, param_):
    assert init.calculate_gain(nonlinearity, param_) == \
        torch.nn.init.calculate_gain(nonlinearity, param_)


@pytest.mark.parametrize("call", [
    lambda m: m.calculate_gain("leaky_relu", True),
    lambda m: m.calculate_gain("leaky_relu", "0.1"),
    lambda m: m.calculate_gain("softplus"),
    lambda m, lib: m.kaiming_normal_(lib.empty(3, 4), mode="avg"),
    lambda m, lib: m.eye_(lib.empty(3)),
    lambda m, lib: m.dirac_(lib.empty(3, 3)),
    lambda m, lib: m.dirac_(lib.empty(3, 2, 3), groups=2),
    lambda m, lib: m.sparse_(lib.empty(3, 3, 3), 0.5),
    lambda m, lib: m.orthogonal_(lib.empty(3)),
    lambda m, lib: m.xavier_uniform_(lib.empty(3)),
])
def test_errors_match_torch(call):
    def run(m, lib):
        return call(m) if call.__code__.co_argcount == 1 else call(m, lib)
    with pytest.raises(ValueError) as theirs:
        run(torch.nn.init, torch)
    with pytest.raises(ValueError) as mine:
        run(init, insitu)
    assert str(mine.value) == str(theirs.value)


@pytest.mark.parametrize("shape,groups", [((4, 3, 5), 1), ((4, 2, 3, 3), 2), ((6, 3, 3, 1, 3), 3),
                                          ((2, 5, 4, 4), 1)])
def test_dirac_equals_torch(shape, groups):
    a = assert_in_place(init.dirac_, param(*shape), groups)
    np.testing.assert_array_equal(a, torch.nn.init.dirac_(torch.empty(shape), groups).numpy())


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.5, 1.0])
def test_sparse_zeroes_that_fraction_of_every_column(sparsity):
    insitu.manual_seed(4)
    a = assert_in_place(init.sparse_, param(40, 300), sparsity, std=0.5)
    zeros = math.ceil(sparsity * 40)
    assert ((a == 0).sum(axis=0) == zeros).all()
    if zeros < 40:
        assert abs(a[a != 0].std() / 0.5 - 1) < 0.05


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 1.0),
                                          (0.0, 1.0, 1.5, 4.0), (3.0, 0.5, -1.0, 3.0)])
def test_trunc_normal_has_the_truncated_distribution(mean, std, a, b):
    # both of PyTorch's methods: redrawing (mass inside > 0.3) and accepting uniform proposals
    insitu.manual_seed(5)
    x = assert_in_place(init.trunc_normal_, param(200, 100), mean=mean, std=std, a=a, b=b)
    assert x.min() >= a and x.max() <= b
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = (lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi))
    cdf = (lambda z: (1 + math.erf(z / math.sqrt(2))) / 2)
    mass = cdf(beta) - cdf(alpha)
    t_mean = mean + std * (pdf(alpha) - pdf(beta)) / mass
    t_var = std ** 2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / mass
                        - ((pdf(alpha) - pdf(beta)) / mass) ** 2)
    assert abs(x.mean() - t_mean) < 0.02 * std
    assert abs(x.std() / math.sqrt(t_var) - 1) < 0.02


def test_trunc_normal_warns_as_torch():
    with pytest.warns(UserWarning, match="mean is more than 2 std from \\[a, b\\] in "
                                         "nn.init.trunc_normal_"):
        init.trunc_normal_(insitu.empty(10), mean=10.0, std=1.0, a=-2.0, b=2.0)


def test_orthogonal_float64_and_its_two_writes():
    t = nn.Parameter(insitu.empty(5, 7, dtype=insitu.float64))
    v = t._version
    init.orthogonal_(t)
    m = t.detach().numpy()
    np.testing.assert_allclose(m @ m.T, np.eye(5), atol=1e-12)
    assert t._version == v + 2          # the copy, then the gain, as PyTorch


@pytest.mark.parametrize("old,new", [("uniform", "uniform_"), ("normal", "normal_"),
                                     ("constant", "constant_"), ("eye", "eye_"),
                                     ("dirac", "dirac_"), ("xavier_uniform", "xavier_uniform_"),
                                     ("xavier_normal", "xavier_normal_"),
                                     ("kaiming_uniform", "kaiming_uniform_"),
                                     ("kaiming_normal", "kaiming_normal_"),
                                     ("orthogonal", "orthogonal_"), ("sparse", "sparse_")])
def test_deprecated_aliases_warn_and_work(old, new):
    args = {"constant": (0.5,), "sparse": (0.5,)}.get(old, ())
    shape = (4, 3, 3) if old == "dirac" else (4, 3)
    with pytest.warns(FutureWarning, match=f"`nn.init.{old}` is now deprecated in favor of "
                                           f"`nn.init.{new}`."):
        out = getattr(init, old)(insitu.empty(*shape), *args)
    assert out.shape == shape
