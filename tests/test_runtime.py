"""The boilerplate of PyTorch scripts runs: backends flags, threads, determinism, matmul
precision, compile, Tensor.is_inference, cuda seeding; and names insitu lacks say so."""
import pytest

import insitu
from insitu import backends, runtime
from insitu.core import threads
from insitu.interop import missing


@pytest.fixture(autouse=True)
def _restore_state():
    saved = dict(runtime._state), dict(threads._threads), dict(backends.cudnn.__dict__)
    yield
    runtime._state.update(saved[0])
    threads._threads.update(saved[1])
    backends.cudnn.__dict__.update(saved[2])


def test_backends_flags_are_settable_and_nothing_is_available():
    cudnn = insitu.backends.cudnn
    assert (cudnn.benchmark, cudnn.deterministic, cudnn.enabled) == (False, False, True)
    cudnn.benchmark = True
    cudnn.deterministic = True
    assert insitu.backends.cudnn.benchmark and insitu.backends.cudnn.deterministic
    with cudnn.flags(enabled=False, benchmark=False):
        assert not cudnn.enabled and not cudnn.benchmark
    assert cudnn.enabled and cudnn.benchmark
    assert not cudnn.is_available() and cudnn.version() is None
    assert not insitu.backends.mps.is_available() and not insitu.backends.mps.is_built()
    assert not insitu.backends.cuda.is_built() and not insitu.backends.mkldnn.is_available()
    assert not insitu.backends.openmp.is_available()


def test_threads_are_stored_with_pytorchs_checks():
    assert insitu.get_num_threads() >= 1
    insitu.set_num_threads(3)
    assert insitu.get_num_threads() == 3 and threads.get_num_threads() == 3
    insitu.set_num_interop_threads(2)
    assert insitu.get_num_interop_threads() == 2
    for bad, msg in [(0, "expects a positive integer"), (-1, "expects a positive integer"),
                     ("2", "expects an int, but got str"), (2.0, "expects an int, but got float")]:
        with pytest.raises(RuntimeError, match=f"set_num_threads {msg}"):
            insitu.set_num_threads(bad)
    assert insitu.get_num_threads() == 3


def test_determinism_and_matmul_precision_are_stored():
    assert not insitu.are_deterministic_algorithms_enabled()
    insitu.use_deterministic_algorithms(True, warn_only=True)
    assert insitu.are_deterministic_algorithms_enabled()
    assert insitu.is_deterministic_algorithms_warn_only_enabled()
    assert insitu.get_deterministic_debug_mode() == 1
    insitu.set_deterministic_debug_mode("error")
    assert insitu.get_deterministic_debug_mode() == 2
    insitu.use_deterministic_algorithms(False)
    assert insitu.get_deterministic_debug_mode() == 0
    with pytest.raises(TypeError, match="must be bool, not str"):
        insitu.use_deterministic_algorithms("yes")
    assert insitu.get_float32_matmul_precision() == "highest"
    insitu.set_float32_matmul_precision("high")
    assert insitu.get_float32_matmul_precision() == "high"
    assert insitu.backends.cuda.matmul.allow_tf32
    insitu.backends.cuda.matmul.allow_tf32 = False
    assert insitu.get_float32_matmul_precision() == "highest"
    with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
        insitu.set_float32_matmul_precision("fast")
    assert insitu.get_float32_matmul_precision() == "highest"


def test_compile_returns_the_callable_unchanged():
    def f(x):
        return x * 2
    model = insitu.nn.Linear(2, 2)
    assert insitu.compile(f) is f and insitu.compile(model) is model
    assert insitu.compile(f, mode="max-autotune", fullgraph=True) is f

    @insitu.compile
    def g(x):
        return x + 1

    @insitu.compile(dynamic=True, backend="eager")
    def h(x):
        return x - 1
    assert g(1) == 2 and h(1) == 0 and h.__name__ == "h"
    with pytest.raises(RuntimeError, match="Either mode or options"):
        insitu.compile(f, mode="default", options={})


def test_is_inference_and_cuda_seeding():
    assert not insitu.ones(2).is_inference()
    with insitu.inference_mode():
        t = insitu.ones(2)
    assert t.is_inference() and t[:1].is_inference()
    with insitu.no_grad():
        assert not insitu.ones(1).is_inference()
    insitu.cuda.manual_seed(1)
    insitu.cuda.manual_seed_all(1)


def test_the_same_calls_work_in_pytorch():
    """Each call above exists in PyTorch 2.13 with the same meaning."""
    torch = pytest.importorskip("torch")
    for name in ["set_num_threads", "get_num_threads", "set_num_interop_threads",
                 "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
                 "is_deterministic_algorithms_warn_only_enabled", "set_deterministic_debug_mode",
                 "get_deterministic_debug_mode", "set_float32_matmul_precision",
                 "get_float32_matmul_precision", "compile", "from_dlpack"]:
        assert callable(getattr(torch, name)) and callable(getattr(insitu, name)), name
    assert torch.backends.cudnn.benchmark is insitu.backends.cudnn.benchmark is False
    assert torch.ones(1).is_inference() is insitu.ones(1).is_inference() is False
    with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
        torch.set_num_threads(0)


def test_missing_pytorch_names_say_so():
    with pytest.raises(AttributeError, match=r"^insitu does not implement torch\.fft yet$"):
        insitu.fft
    with pytest.raises(AttributeError, match=r"^insitu does not implement "
                                             r"torch\.fake_quantize_per_tensor_affine yet$"):
        insitu.fake_quantize_per_tensor_affine(insitu.ones(2), 0.1, 0, 0, 255)
    with pytest.raises(AttributeError, match=r"^module 'insitu' has no attribute 'nonsense'$"):
        insitu.nonsense
    t = insitu.ones(2)
    with pytest.raises(AttributeError,
                       match=r"^insitu does not implement torch\.Tensor\.stft yet$"):
        t.stft
    with pytest.raises(AttributeError, match=r"^'Tensor' object has no attribute 'nonsense'$"):
        t.nonsense
    p = insitu.nn.Parameter(insitu.ones(1))
    with pytest.raises(AttributeError, match=r"^'Parameter' object has no attribute '_x'$"):
        p._x
    assert not hasattr(t, "stft") and not hasattr(insitu, "fft")
    assert getattr(t, "_grad", None) is None            # unset private slots: as before
    assert "stft" in missing.torch_names()["Tensor"] and "fft" in missing.torch_names()["torch"]
    # names insitu has never reach __getattr__
    assert t.shape == (2,) and insitu.ones is insitu.ops.factories.FUNCTIONS["ones"]


def test_a_property_that_raises_attribute_error_keeps_its_message():
    from insitu.core.tensor import alias

    class T(insitu.Tensor):
        @property
        def broken(self):
            raise AttributeError("the real reason")
    t = alias(insitu.ones(1), cls=T)
    with pytest.raises(AttributeError, match="the real reason"):
        t.broken


def test_missing_name_lookups_cost_nothing_when_the_name_exists():
    """Tensor has no __getattr__ (it would slow every attribute read): the names insitu lacks
    are class attributes that raise, and dir() leaves them out."""
    from insitu.interop.missing import MissingAttribute
    assert all("__getattr__" not in k.__dict__ for k in insitu.Tensor.__mro__)
    assert isinstance(insitu.Tensor.__dict__["stft"], MissingAttribute)
    t = insitu.ones(3)
    assert "stft" not in dir(t) and "add_" in dir(t)
    # a placeholder never hides what insitu has: every one stands for a name PyTorch has
    names = insitu.interop.missing.torch_names()["Tensor"]
    placeholders = [n for n, v in insitu.Tensor.__dict__.items() if isinstance(v, MissingAttribute)]
    assert placeholders and set(placeholders) <= names
