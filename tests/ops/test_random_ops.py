"""Tests of the in-place random fills (insitu.ops.random_ops).

Random streams differ from PyTorch's, so values are checked by their distribution (moments and
ranges from first principles, with bounds several standard errors wide) and by reproducibility
under `manual_seed`. Everything else is compared with PyTorch: which dtypes each op accepts, the
error messages, the grad_fn names, the zero gradients, the leaf guard, the returned object, the
buffer and the version counter.
"""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402

N = 40_000      # samples for the moment checks: standard errors of about 0.5%

OPS = {
    "uniform_": lambda t: t.uniform_(),
    "uniform_ab": lambda t: t.uniform_(-2, 3),
    "normal_": lambda t: t.normal_(),
    "normal_ms": lambda t: t.normal_(1.5, 0.5),
    "bernoulli_": lambda t: t.bernoulli_(),
    "bernoulli_p": lambda t: t.bernoulli_(0.25),
    "random_": lambda t: t.random_(),
    "random_to": lambda t: t.random_(2),
    "random_from_to": lambda t: t.random_(0, 2),
    "random_from": lambda t: t.random_(1, None),
    "exponential_": lambda t: t.exponential_(),
    "geometric_": lambda t: t.geometric_(0.5),
    "log_normal_": lambda t: t.log_normal_(),
    "cauchy_": lambda t: t.cauchy_(),
}
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _outcome(lib, op, dtype):
    t = lib.zeros(6, dtype=getattr(lib, dtype))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = OPS[op](t)
    except Exception as e:       # noqa: BLE001 - the exception is what is compared
        return type(e).__name__, str(e).replace("torch.", "insitu.")
    assert r is t
    return "ok", str(r.dtype).split(".")[-1]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", list(OPS))
def test_dtype_support_and_errors_match_torch(op, dtype):
    assert _outcome(insitu, op, dtype) == _outcome(torch, op, dtype)


@pytest.mark.parametrize("op", list(OPS))
def test_in_place_identity_buffer_and_one_version_bump(op):
    x = insitu.zeros(4, 5)
    ptr, v = x.data_ptr(), x._version
    assert OPS[op](x) is x
    assert x.data_ptr() == ptr and x._version == v + 1 and x.dtype == insitu.float32


@pytest.mark.parametrize("op", list(OPS))
def test_manual_seed_replays_and_generators_are_independent(op):
    insitu.manual_seed(123)
    a = OPS[op](insitu.zeros(50, dtype=insitu.float64)).numpy().copy()
    insitu.manual_seed(123)
    b = OPS[op](insitu.zeros(50, dtype=insitu.float64)).numpy().copy()
    np.testing.assert_array_equal(a, b)
    insitu.manual_seed(124)
    c = OPS[op](insitu.zeros(50, dtype=insitu.float64)).numpy().copy()
    assert not np.array_equal(a, c)
    g = insitu.Generator().manual_seed(7)
    d = insitu.zeros(50, dtype=insitu.float64).uniform_(generator=g).numpy().copy()
    insitu.manual_seed(123)
    OPS[op](insitu.zeros(50))          # the global stream does not move a seeded generator
    g.manual_seed(7)
    e = insitu.zeros(50, dtype=insitu.float64).uniform_(generator=g).numpy().copy()
    np.testing.assert_array_equal(d, e)


def _sample(fn, dtype=insitu.float64):
    insitu.manual_seed(2024)
    return fn(insitu.empty(N, dtype=dtype)).numpy().astype(np.float64)


def _close(value, expected, sd):
    """Within 6 standard errors of N samples of standard deviation `sd`."""
    assert abs(value - expected) <= 6 * sd / math.sqrt(N), (value, expected)


@pytest.mark.parametrize("dtype", [insitu.float32, insitu.float64, insitu.float16])
def test_uniform_moments_and_range(dtype):
    s = _sample(lambda t: t.uniform_(-2, 3), dtype)
    assert s.min() >= -2 and s.max() <= 3
    _close(s.mean(), 0.5, 5 / math.sqrt(12))
    assert abs(s.var() - 25 / 12) < 0.05 * 25 / 12
    s = _sample(lambda t: t.uniform_(), dtype)
    assert s.min() >= 0 and s.max() < 1


@pytest.mark.parametrize("dtype", [insitu.float32, insitu.float64])
def test_normal_and_log_normal_moments(dtype):
    s = _sample(lambda t: t.normal_(1.5, 0.5), dtype)
    _close(s.mean(), 1.5, 0.5)
    assert abs(s.std() - 0.5) < 0.02
    s = _sample(lambda t: t.log_normal_(0.5, 0.25), dtype)
    assert s.min() > 0
    _close(np.log(s).mean(), 0.5, 0.25)
    assert abs(np.log(s).std() - 0.25) < 0.01
    s = _sample(lambda t: t.normal_(2.0, 0.0), dtype)
    assert (s == 2.0).all()


def test_bernoulli_moments_and_int_dtypes():
    for dtype in (insitu.float32, insitu.int64, insitu.uint8, insitu.bool):
        s = _sample(lambda t: t.bernoulli_(0.25), dtype)
        assert set(np.unique(s)) <= {0.0, 1.0}
        _close(s.mean(), 0.25, math.sqrt(0.25 * 0.75))
    assert (_sample(lambda t: t.bernoulli_(0.0)) == 0).all()
    assert (_sample(lambda t: t.bernoulli_(1)) == 1).all()


def test_bernoulli_with_tensor_probabilities():
    p = insitu.tensor([0.0, 1.0, 0.0, 1.0])
    for dtype in (insitu.float32, insitu.int32, insitu.bool):
        x = insitu.zeros(3, 4, dtype=dtype).bernoulli_(p)
        assert x.tolist() == [[0, 1, 0, 1]] * 3
    s = _sample(lambda t: t.bernoulli_(insitu.full((N,), 0.7, dtype=insitu.float64)))
    _close(s.mean(), 0.7, math.sqrt(0.7 * 0.3))


@pytest.mark.parametrize("dtype,low,high", [
    (insitu.float32, 0, 1 << 24), (insitu.float64, 0, 1 << 53), (insitu.float16, 0, 1 << 11),
    (insitu.int64, 0, (1 << 63) - 1), (insitu.int32, 0, (1 << 31) - 1), (insitu.int8, 0, 127),
    (insitu.uint8, 0, 255), (insitu.bool, 0, 1),
])
def test_random_without_bounds_covers_the_dtype(dtype, low, high):
    insitu.manual_seed(5)
    x = insitu.empty(N, dtype=dtype).random_()
    s = x.numpy().astype(np.float64)
    assert s.min() >= low and s.max() <= high and (s == np.round(s)).all()
    _close(s.mean() / high, 0.5, 1 / math.sqrt(12))


def test_random_ranges():
    s = _sample(lambda t: t.random_(3))
    assert set(np.unique(s)) == {0, 1, 2}
    s = _sample(lambda t: t.random_(-3, 2), insitu.int8)
    assert set(np.unique(s)) == {-3, -2, -1, 0, 1}
    _close(s.mean(), -1, math.sqrt(2))
    s = _sample(lambda t: t.random_(**{"from": 250, "to": None}), insitu.uint8)
    assert set(np.unique(s)) == set(range(250, 256))
    s = _sample(lambda t: t.random_(to=4, **{"from": 2}))
    assert set(np.unique(s)) == {2, 3}
    s = _sample(lambda t: t.random_(-(1 << 63), None), insitu.int64)
    assert s.min() < -1e18 and s.max() > 1e18


def test_exponential_geometric_cauchy():
    s = _sample(lambda t: t.exponential_(2.0))
    assert s.min() >= 0
    _close(s.mean(), 0.5, 0.5)
    s = _sample(lambda t: t.geometric_(0.25), insitu.int64)
    assert s.min() >= 1 and (s == np.round(s)).all()
    _close(s.mean(), 4.0, math.sqrt(0.75) / 0.25)
    s = _sample(lambda t: t.cauchy_(1.0, 2.0))
    q1, med, q3 = np.percentile(s, [25, 50, 75])
    assert abs(med - 1.0) < 0.1 and abs((q3 - q1) - 4.0) < 0.25


@pytest.mark.parametrize("call", [
    lambda t: t.uniform_(2, 1),
    lambda t: t.uniform_(0, float("inf")),
    lambda t: t.uniform_(float("nan"), 1),
    lambda t: t.new_zeros(3, dtype=_lib(t).half).uniform_(-1e5, 1e5),
    lambda t: t.new_zeros(3, dtype=_lib(t).half).uniform_(-6e4, 6e4),
    lambda t: t.normal_(0, -1),
    lambda t: t.normal_(0, -0.5),
    lambda t: t.bernoulli_(1.5),
    lambda t: t.bernoulli_(-0.1),
    lambda t: t.bernoulli_(t.new_tensor([0.5, 1.5, 0.2])),
    lambda t: t.bernoulli_(t.new_tensor([0.5, 0.5])),
    lambda t: t.bernoulli_(t.new_tensor([1, 0, 1], dtype=_lib(t).int64)),
    lambda t: t.random_(5, 3),
    lambda t: t.random_(0),
    lambda t: t.random_(1 << 25, None),
    lambda t: t.new_zeros(3, dtype=_lib(t).uint8).random_(300),
    lambda t: t.new_zeros(3, dtype=_lib(t).uint8).random_(-1, 3),
    lambda t: t.new_zeros(3, dtype=_lib(t).int8).random_(0, 200),
    lambda t: t.new_zeros(3, dtype=_lib(t).bool).random_(3),
    lambda t: t.new_zeros(3, dtype=_lib(t).bool).random_(2, None),
    lambda t: t.random_(1.5, 3),
    lambda t: t.exponential_(-1),
    lambda t: t.exponential_(0),
    lambda t: t.geometric_(0),
    lambda t: t.geometric_(1.5),
    lambda t: t.log_normal_(0, -1),
    lambda t: t.log_normal_(0, 0),
    lambda t: t.cauchy_(0, -1),
    lambda t: t.cauchy_(0, 0),
    lambda t: t.expand(2, 3).uniform_(),
    lambda t: t.expand(2, 3).bernoulli_(),
])
def test_argument_errors_match_torch(call):
    results = []
    for lib in (torch, insitu):
        t = lib.zeros(3)
        with pytest.raises(Exception) as e:
            call(t)
        if lib is insitu:        # a failed call leaves self untouched (torch's bernoulli_ may not)
            assert t._version == 0 and (t.numpy() == 0).all()
        results.append((type(e.value).__name__, str(e.value).replace("torch.", "insitu.")
                        .split("\n")[0].split(" - got")[0]))
    assert results[0] == results[1]


def _lib(t):
    return torch if isinstance(t, torch.Tensor) else insitu


def test_random_float_range_warnings():
    for lib in (torch, insitu):
        with pytest.warns(UserWarning, match=r"to - 1 is out of bounds \[-\(2\^24\), 2\^24\]. "
                                             "Due to precision limitations float can support"):
            lib.zeros(3).random_(0, 1 << 25)
        with pytest.warns(UserWarning, match=r"from is out of bounds \[-\(2\^11\), 2\^11\]"):
            lib.zeros(3, dtype=lib.half).random_(-(1 << 12), 0)


@pytest.mark.parametrize("op", list(OPS) + ["bernoulli_tensor"])
def test_grad_fn_names_and_zero_gradients_match_torch(op):
    names, grads, p_grads = [], [], []
    for lib in (torch, insitu):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        p = lib.full((3,), 0.5, requires_grad=True)
        y = x * 2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = y.bernoulli_(p) if op == "bernoulli_tensor" else OPS[op](y)
        assert r is y and y._version == 1
        fn = y.grad_fn
        names.append((type(fn).__name__, [type(n).__name__.split("::")[-1] if n else None
                                          for n, _ in fn.next_functions]))
        (y * 3).sum().backward()
        grads.append(x.grad.tolist())
        p_grads.append(None if p.grad is None else p.grad.tolist())
    assert names[0] == names[1]
    assert grads[0] == grads[1] == [0.0, 0.0, 0.0]
    assert p_grads[0] == p_grads[1]


def test_leaf_guard_no_grad_and_views():
    for lib in (torch, insitu):
        x = lib.zeros(4, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used"):
            x.normal_()
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            x[:2].uniform_()
        assert x._version == 0
        with lib.no_grad():
            x.uniform_(5, 6)               # how parameters are initialised
        assert x._version == 1 and x.requires_grad and x.grad_fn is None
        assert ((x >= 5) & (x <= 6)).all()
        y = x * 1
        y[1:3].bernoulli_(1.0)
        assert "CopySlices" in type(y.grad_fn).__name__
        y.sum().backward()
        assert x.grad.tolist() == [1.0, 0.0, 0.0, 1.0]


def test_non_contiguous_targets_write_only_their_elements():
    x = insitu.zeros(4, 6)
    x[:, ::2].uniform_(1, 2)
    a = x.numpy()
    assert (a[:, 1::2] == 0).all() and ((a[:, ::2] >= 1) & (a[:, ::2] < 2)).all()
    y = insitu.zeros(3, 5).t()
    y.normal_(10, 1)
    assert (y.numpy() > 0).all()
    z = insitu.zeros(5, dtype=insitu.float16)[1:4]
    z.exponential_()
    assert (z.numpy() > 0).all()


def test_dropout_style_mask():
    insitu.manual_seed(0)
    x = insitu.ones(N, requires_grad=True)
    mask = x.new_empty(x.shape).bernoulli_(0.8)
    y = x * mask / 0.8
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), mask.numpy() / 0.8, rtol=1e-6)
    _close(float(mask.numpy().mean()), 0.8, 0.4)
    assert x.bernoulli().dtype == insitu.float32


# ----------------------------------------------------------------------------- multinomial

@pytest.mark.parametrize("replacement", [False, True])
def test_multinomial_frequencies(replacement):
    insitu.manual_seed(0)
    p = insitu.tensor([[0.2, 0.3, 0.5]] * 4000)
    draws = p.multinomial(1, replacement).numpy().ravel()
    freq = np.bincount(draws, minlength=3) / draws.size
    assert np.abs(freq - [0.2, 0.3, 0.5]).max() < 0.03
    many = insitu.multinomial(insitu.tensor([1., 1, 2, 4]), 4000 if replacement else 4,
                              replacement)
    assert many.dtype is insitu.int64
    if replacement:
        assert np.abs(np.bincount(many.numpy(), minlength=4) / 4000
                      - [0.125, 0.125, 0.25, 0.5]).max() < 0.03
    else:
        assert sorted(many.tolist()) == [0, 1, 2, 3]


def test_multinomial_without_replacement_takes_zero_probabilities_last():
    for lib in (torch, insitu):
        assert lib.multinomial(lib.tensor([1., 0, 0]), 2)[0].item() == 0
        assert lib.multinomial(lib.tensor([1., 0, 0]), 3, True).tolist() == [0, 0, 0]
    out = insitu.empty(0, dtype=insitu.int64)
    assert insitu.multinomial(insitu.tensor([[0.5, 0.5]] * 3), 2, out=out) is out
    assert out.shape == (3, 2)


@pytest.mark.parametrize("case", [
    lambda m: m.multinomial(m.tensor([0.2, 0.8]), 0),
    lambda m: m.multinomial(m.tensor([0.2, 0.8]), 3),
    lambda m: m.multinomial(m.ones(1, 2, 3), 2),
    lambda m: m.multinomial(m.tensor(1.), 1),
    lambda m: m.multinomial(m.tensor([0., 0]), 1),
    lambda m: m.multinomial(m.tensor([-1., 2]), 1),
    lambda m: m.multinomial(m.tensor([float("nan"), 2]), 1),
    lambda m: m.multinomial(m.tensor([1, 2]), 1),
    lambda m: m.multinomial(m.tensor([-1., 2]), 2, True),
    lambda m: m.multinomial(m.tensor([float("inf"), 2]), 2, True),
    lambda m: m.multinomial(m.tensor([0., 0]), 2, True),
    lambda m: m.multinomial(m.tensor([1., 2]), 2, True, out=m.empty(0, dtype=m.int32)),
])
def test_multinomial_errors(case):
    with pytest.raises(RuntimeError) as et:
        case(torch)
    with pytest.raises(RuntimeError) as ei:
        case(insitu)
    assert str(ei.value) == str(et.value)
