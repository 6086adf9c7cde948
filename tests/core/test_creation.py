"""Creation functions against torch (values, dtype, shape, strides, errors), NumPy memory
sharing, and the random generators' reproducibility."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402


def same(got, want, close=False):
    assert isinstance(got, insitu.Tensor)
    assert got.dtype.name == str(want.dtype).replace("torch.", "")
    assert tuple(got.shape) == tuple(want.shape)
    assert got.stride() == want.stride()
    assert got.requires_grad == want.requires_grad
    if close:   # PyTorch's vectorised range kernels round differently lane by lane
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-5)
    else:
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())


CASES = {
    "tensor_nested_ints": lambda L: L.tensor([[1, 2], [3, 4]]),
    "tensor_floats": lambda L: L.tensor([1.5, -2.0]),
    "tensor_mixed_int_float": lambda L: L.tensor([1, 2.5]),
    "tensor_bools": lambda L: L.tensor([True, False]),
    "tensor_mixed_bool_int": lambda L: L.tensor([True, 2]),
    "tensor_scalar_int": lambda L: L.tensor(3),
    "tensor_scalar_float": lambda L: L.tensor(2.5),
    "tensor_empty": lambda L: L.tensor([]),
    "tensor_empty_nested": lambda L: L.tensor([[], []]),
    "tensor_dtype": lambda L: L.tensor([1.7, -1.7], dtype=L.int32),
    "tensor_dtype_bool": lambda L: L.tensor([0.0, 2.0], dtype=L.bool),
    "tensor_requires_grad": lambda L: L.tensor([1.0], requires_grad=True),
    "tensor_int_requires_grad": lambda L: L.tensor([1], requires_grad=True),
    "tensor_ragged": lambda L: L.tensor([[1, 2], [3]]),
    "tensor_ragged_deep": lambda L: L.tensor([[[1, 2]], [[3]]]),
    "tensor_ragged_scalar": lambda L: L.tensor([[1, 2], 3]),
    "tensor_ragged_list_late": lambda L: L.tensor([1, [2]]),
    "tensor_from_numpy_int32": lambda L: L.tensor(np.array([1, 2], dtype=np.int32)),
    "tensor_from_numpy_float64": lambda L: L.tensor(np.array([1.5])),
    "tensor_from_numpy_scalar": lambda L: L.tensor(np.float32(2.5)),
    "tensor_of_0d_tensors": lambda L: L.tensor([L.tensor(1.0), L.tensor(2.0)]),
    "tensor_from_tensor": lambda L: L.tensor(L.ones(2, dtype=L.float64)),
    "zeros_varargs": lambda L: L.zeros(2, 3),
    "zeros_tuple": lambda L: L.zeros((2, 3)),
    "zeros_list": lambda L: L.zeros([2, 3]),
    "zeros_size": lambda L: L.zeros(L.Size([2, 3])),
    "zeros_scalar_shape": lambda L: L.zeros(()),
    "zeros_empty_dim": lambda L: L.zeros(0, 3),
    "ones_dtype": lambda L: L.ones(2, dtype=L.int16),
    "ones_requires_grad": lambda L: L.ones(2, requires_grad=True),
    "ones_int_requires_grad": lambda L: L.ones(2, dtype=L.int64, requires_grad=True),
    "zeros_negative": lambda L: L.zeros(2, -1),
    "ones_negative": lambda L: L.ones(2, -1),
    "empty_negative": lambda L: L.empty(-3),
    "full_negative": lambda L: L.full((2, -1), 1.0),
    "randn_negative": lambda L: L.randn(-1),
    "zeros_no_size": lambda L: L.zeros(),
    "zeros_float_size": lambda L: L.zeros(2.5),
    "full_int": lambda L: L.full((2,), 3),
    "full_float": lambda L: L.full((2, 2), 1.5),
    "full_bool": lambda L: L.full((2,), True),
    "full_dtype": lambda L: L.full((2,), 7, dtype=L.float64),
    "full_int_size": lambda L: L.full([3], -1),
    "zeros_like": lambda L: L.zeros_like(L.ones(2, 3, dtype=L.int32)),
    "ones_like_dtype": lambda L: L.ones_like(L.ones(2), dtype=L.float64),
    "full_like": lambda L: L.full_like(L.ones(2, dtype=L.int64), 2.7),
    "zeros_like_transposed": lambda L: L.zeros_like(L.ones(2, 3).t()),
    "arange_int": lambda L: L.arange(5),
    "arange_start_end": lambda L: L.arange(2, 7),
    "arange_step": lambda L: L.arange(0, 10, 3),
    "arange_negative_step": lambda L: L.arange(5, 0, -2),
    "arange_float": lambda L: L.arange(0.0, 1.0, 0.25),
    "arange_float_step": lambda L: L.arange(0, 2, 0.5),
    "arange_dtype": lambda L: L.arange(4, dtype=L.float64),
    "arange_zero_step": lambda L: L.arange(0, 5, 0),
    "arange_empty": lambda L: L.arange(3, 3),
    "arange_wrong_sign": lambda L: L.arange(0, 5, -1),
    "arange_bool": lambda L: L.arange(5, dtype=L.bool),
    "linspace": lambda L: L.linspace(0, 1, 5),
    "linspace_one": lambda L: L.linspace(2, 3, 1),
    "linspace_zero": lambda L: L.linspace(2, 3, 0),
    "linspace_negative": lambda L: L.linspace(2, 3, -1),
    "linspace_int": lambda L: L.linspace(0, 10, 5, dtype=L.int64),
    "logspace": lambda L: L.logspace(0, 2, 3),
    "logspace_base": lambda L: L.logspace(0, 3, 4, base=2),
    "eye": lambda L: L.eye(3),
    "eye_rect": lambda L: L.eye(2, 4),
    "eye_dtype": lambda L: L.eye(2, dtype=L.int64),
    "eye_empty": lambda L: L.eye(3, 0),
    "eye_negative": lambda L: L.eye(-1),
    "scalar_tensor": lambda L: L.scalar_tensor(3),
    "scalar_tensor_dtype": lambda L: L.scalar_tensor(1.5, dtype=L.float64),
    "empty_strided_shape": lambda L: L.empty_strided((2, 3), (1, 2)).zero_(),
}


@pytest.mark.filterwarnings("ignore:To copy construct from a tensor")
@pytest.mark.parametrize("case", list(CASES))
def test_creation_matches_torch(case):
    try:
        want = CASES[case](torch)
    except Exception as e:  # noqa: BLE001 - the error itself is the expectation
        with pytest.raises(type(e)) as got:
            CASES[case](insitu)
        if not isinstance(e, TypeError):   # argument-parser TypeErrors list torch overloads
            assert str(got.value) == str(e).replace("torch.", "insitu.")
        return
    same(CASES[case](insitu), want)


CLOSE = {
    "arange_float32_tenths": lambda L: L.arange(-1.0, 1.0, 0.1),
    "linspace_float64": lambda L: L.linspace(-1, 1, 4, dtype=L.float64),
    "linspace_long": lambda L: L.linspace(-91.9, 93.1, 31),
    "linspace_backwards": lambda L: L.linspace(5.5, -2.25, 17, dtype=L.float64),
    "logspace_fractional": lambda L: L.logspace(-1.5, 2.25, 9),
}


@pytest.mark.parametrize("case", list(CLOSE))
def test_ranges_match_torch_to_rounding(case):
    same(CLOSE[case](insitu), CLOSE[case](torch), close=True)


@pytest.mark.parametrize("fn", ["empty", "rand", "randn"])
def test_uninitialised_and_random_fillers_have_torch_metadata(fn):
    for args, kw in [((2, 3), {}), (((4,),), {"dtype": "float64"}), (((),), {}), ((0, 2), {})]:
        kw_i = {k: getattr(insitu, v) for k, v in kw.items()}
        kw_t = {k: getattr(torch, v) for k, v in kw.items()}
        got, want = getattr(insitu, fn)(*args, **kw_i), getattr(torch, fn)(*args, **kw_t)
        assert got.dtype.name == str(want.dtype)[6:] and tuple(got.shape) == tuple(want.shape)
        assert got.stride() == want.stride() and got.is_contiguous()


def test_empty_like_and_new_factories():
    x = insitu.ones(2, 3, dtype=insitu.int32)
    assert insitu.empty_like(x).shape == x.shape and insitu.empty_like(x).dtype is insitu.int32
    assert x.new_zeros(4).dtype is insitu.int32 and x.new_zeros(4).tolist() == [0, 0, 0, 0]
    assert x.new_ones((2,)).tolist() == [1, 1]
    assert x.new_full((2,), 5).tolist() == [5, 5]
    assert x.new_tensor([1.5]).dtype is insitu.int32
    xt = torch.ones(2, 3, dtype=torch.int32)
    assert xt.new_tensor([1.5]).dtype == torch.int32 and xt.new_zeros(4).dtype == torch.int32


# ----------------------------------------------------------------------------- NumPy sharing

def test_from_numpy_shares_memory_both_ways():
    arr = np.arange(6.0).reshape(2, 3)
    t = insitu.from_numpy(arr)
    assert t.dtype is insitu.float64 and t.data_ptr() == arr.ctypes.data
    t[0, 0] = 10.0
    assert arr[0, 0] == 10.0
    arr[1, 2] = -1.0
    assert t[1, 2].item() == -1.0
    assert t.numpy() is arr or np.shares_memory(t.numpy(), arr)


def test_from_numpy_keeps_strides_and_refuses_negative_strides():
    arr = np.arange(12.0).reshape(3, 4)[:, ::2]
    t, tt = insitu.from_numpy(arr), torch.from_numpy(arr)
    assert t.stride() == tt.stride() and t.tolist() == tt.tolist()
    with pytest.raises(ValueError) as want:
        torch.from_numpy(arr[::-1])
    with pytest.raises(ValueError) as got:
        insitu.from_numpy(arr[::-1])
    assert str(got.value) == str(want.value)


def test_from_numpy_refuses_non_arrays_and_odd_dtypes():
    with pytest.raises(TypeError) as want:
        torch.from_numpy([1, 2])
    with pytest.raises(TypeError) as got:
        insitu.from_numpy([1, 2])
    assert str(got.value) == str(want.value)
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.complex128"):
        insitu.from_numpy(np.zeros(2, dtype=np.complex128))


def test_as_tensor_shares_when_it_can_and_copies_when_it_must():
    arr = np.arange(3.0)
    same_dtype = insitu.as_tensor(arr)
    same_dtype[0] = 7.0
    assert arr[0] == 7.0
    converted = insitu.as_tensor(arr, dtype=insitu.float32)
    converted[1] = 9.0
    assert arr[1] == 1.0 and converted.dtype is insitu.float32
    t = insitu.ones(2)
    assert insitu.as_tensor(t) is t
    assert insitu.as_tensor([1, 2]).dtype is insitu.int64


def test_tensor_always_copies():
    arr = np.zeros(3)
    t = insitu.tensor(arr)
    t[0] = 1.0
    assert arr[0] == 0.0
    src = insitu.ones(2)
    c = insitu.tensor(src)
    c.zero_()
    assert src.tolist() == [1.0, 1.0] and c._version == 1 and src._version == 0


# ----------------------------------------------------------------------------- random

RANDOM = {
    "rand": lambda: insitu.rand(3, 4),
    "randn": lambda: insitu.randn(2, 5, dtype=insitu.float64),
    "randint": lambda: insitu.randint(0, 10, (6,)),
    "randint_high_only": lambda: insitu.randint(5, (2, 2)),
    "randperm": lambda: insitu.randperm(8),
    "normal": lambda: insitu.normal(0.0, 2.0, (4,)),
    "rand_like": lambda: insitu.rand_like(insitu.ones(3)),
    "randn_like": lambda: insitu.randn_like(insitu.ones(3)),
    "randint_like": lambda: insitu.randint_like(insitu.ones(3), 4),
    "bernoulli": lambda: insitu.bernoulli(insitu.full((6,), 0.5)),
    "multinomial": lambda: insitu.multinomial(insitu.tensor([0.2, 0.3, 0.5]), 2),
    "uniform_": lambda: insitu.empty(5).uniform_(-1, 1) if hasattr(insitu.Tensor, "uniform_")
    else insitu.rand(5),
}


@pytest.mark.parametrize("draw", list(RANDOM))
def test_manual_seed_makes_draws_reproducible(draw):
    insitu.manual_seed(1234)
    first = RANDOM[draw]().tolist()
    insitu.manual_seed(1234)
    assert RANDOM[draw]().tolist() == first
    insitu.manual_seed(4321)
    again = [RANDOM[draw]().tolist() for _ in range(3)]
    assert any(a != first for a in again)


def test_random_values_lie_in_their_ranges_with_torch_dtypes():
    insitu.manual_seed(0)
    r = insitu.rand(1000)
    assert r.dtype is insitu.float32 and 0.0 <= r.min().item() and r.max().item() < 1.0
    n = insitu.randn(4000, dtype=insitu.float64)
    assert abs(n.mean().item()) < 0.1 and 0.9 < n.std().item() < 1.1
    i = insitu.randint(-3, 3, (1000,))
    assert i.dtype is insitu.int64 and set(i.tolist()) == set(range(-3, 3))
    assert sorted(insitu.randperm(10).tolist()) == list(range(10))
    assert insitu.randperm(4).dtype is torch_like(torch.randperm(4).dtype)
    assert insitu.randint(0, 2, (3,)).dtype is torch_like(torch.randint(0, 2, (3,)).dtype)


def torch_like(dt):
    return getattr(insitu, str(dt).replace("torch.", ""))


def test_generator_objects_are_independent_and_seedable():
    g1, g2 = insitu.Generator(), insitu.Generator()
    g1.manual_seed(7)
    g2.manual_seed(7)
    a = insitu.rand(4, generator=g1).tolist()
    insitu.manual_seed(99)   # the default generator does not disturb g2
    insitu.rand(10)
    assert insitu.rand(4, generator=g2).tolist() == a
    assert g1.initial_seed() == 7
    assert insitu.manual_seed(5) is insitu.default_generator
    assert insitu.initial_seed() == 5


def test_rng_state_round_trip():
    insitu.manual_seed(3)
    state = insitu.get_rng_state()
    assert state.dtype is insitu.uint8
    a = insitu.randn(5).tolist()
    insitu.set_rng_state(state)
    assert insitu.randn(5).tolist() == a


# ----------------------------------------------------------------------------- devices

def test_cpu_is_the_only_device():
    assert insitu.cuda.is_available() is torch.cuda.is_available() is False
    assert insitu.cuda.device_count() == 0
    x = insitu.ones(2, device="cpu")
    assert str(x.device) == str(torch.ones(2).device) == "cpu"
    assert x.device == insitu.device("cpu") and x.is_cuda is False
    assert x.cpu() is x and x.to("cpu") is x and x.to(insitu.device("cpu")) is x
    assert repr(insitu.device("cpu")) == repr(torch.device("cpu"))
    assert x.get_device() == torch.ones(2).get_device()
    insitu.cuda.manual_seed(0)
    insitu.cuda.manual_seed_all(0)


@pytest.mark.parametrize("make", [lambda: insitu.ones(2, device="cuda"),
                                  lambda: insitu.ones(2).to("cuda"),
                                  lambda: insitu.ones(2).cuda(),
                                  lambda: insitu.tensor([1.0], device="cuda:0"),
                                  lambda: insitu.device("cuda")])
def test_cuda_requests_fail_with_a_clear_message(make):
    with pytest.raises(RuntimeError, match="CPU only"):
        make()
