"""insitu.backends: the `torch.backends` flags scripts set before training.

There is no cuDNN, MPS, CUDA or oneDNN behind insitu, so every `is_available()` is False; the
flags (`cudnn.benchmark`, `cudnn.deterministic`, `cuda.matmul.allow_tf32`, ...) are plain
settable attributes that keep what they are given. `cuda.matmul.allow_tf32` is tied to
`insitu.set_float32_matmul_precision` as in PyTorch.

A package (of this one file), so that `import torch.backends.cudnn` finds `cudnn` below it when
`torch` is bound to insitu (`insitu.compat`).
"""
import contextlib

from .. import runtime

__all__ = ["cudnn", "cuda", "mps", "mkldnn", "openmp", "mkl"]


def _false():
    return False


class _Cudnn:
    """torch.backends.cudnn: settable flags; not available."""

    def __init__(self):
        self.enabled = True
        self.benchmark = False
        self.benchmark_limit = 10
        self.deterministic = False
        self.allow_tf32 = True

    is_available = staticmethod(_false)

    @staticmethod
    def version():
        return None

    @contextlib.contextmanager
    def flags(self, enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
              allow_tf32=True):
        """Sets the flags for the block and restores them after."""
        names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
        old = {n: getattr(self, n) for n in names}
        self.__dict__.update(zip(names, (enabled, benchmark, benchmark_limit, deterministic,
                                         allow_tf32)))
        try:
            yield
        finally:
            self.__dict__.update(old)


class _Matmul:
    """torch.backends.cuda.matmul: allow_tf32 follows the float32 matmul precision."""

    def __init__(self):
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True

    @property
    def allow_tf32(self):
        return runtime.get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value):
        runtime.set_float32_matmul_precision("high" if value else "highest")


class _Cuda:
    """torch.backends.cuda: not built."""

    def __init__(self):
        self.matmul = _Matmul()

    is_built = staticmethod(_false)


class _Unavailable:
    """A backend insitu does not have (mps, mkldnn, openmp, ...)."""

    def __init__(self, name):
        self.__name__ = f"insitu.backends.{name}"
        self.enabled = False

    is_available = staticmethod(_false)
    is_built = staticmethod(_false)


cudnn = _Cudnn()
cuda = _Cuda()
mps = _Unavailable("mps")
mkldnn = _Unavailable("mkldnn")
openmp = _Unavailable("openmp")
mkl = _Unavailable("mkl")
