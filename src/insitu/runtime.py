"""The process-wide switches PyTorch scripts set in their first lines, and the one Tensor query
of that kind (`Tensor.is_inference`).

insitu runs every kernel on the CPU through NumPy, the same way each time, so most switches have
nothing to change: determinism is always on, float32 matmuls always run at full precision, and
`compile` returns the callable it is given. The values are stored and read back as PyTorch
would, so scripts that set them and check them run unchanged. Thread counts are kept in
`core.threads`, the one place the kernels read them from.
"""
from .core.storage import INFERENCE, warn_at_user
from .core.threads import (set_num_threads, get_num_threads, set_num_interop_threads,
                           get_num_interop_threads)

_state = {"deterministic": False, "warn_only": False, "matmul_precision": "highest"}
_PRECISIONS = ("highest", "high", "medium")
_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Sets whether operations must use deterministic algorithms (insitu's always are)."""
    if not isinstance(mode, bool):
        raise TypeError("use_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {type(mode).__name__}")
    if not isinstance(warn_only, bool):
        raise TypeError("use_deterministic_algorithms(): argument 'warn_only' must be bool, "
                        f"not {type(warn_only).__name__}")
    _state["deterministic"] = mode
    _state["warn_only"] = warn_only if mode else False


def are_deterministic_algorithms_enabled():
    """Whether `use_deterministic_algorithms(True)` is in effect."""
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    """Whether `use_deterministic_algorithms(True, warn_only=True)` is in effect."""
    return _state["warn_only"]


def set_deterministic_debug_mode(debug_mode):
    """0 / "default", 1 / "warn", 2 / "error": `use_deterministic_algorithms` by another name."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, "
                               f"`error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    if isinstance(debug_mode, bool) or not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError("invalid value of debug_mode, expected 0, 1, or 2, but got "
                           f"{debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    """0, 1 or 2, as set by `set_deterministic_debug_mode`."""
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


def set_float32_matmul_precision(precision):
    """"highest", "high" or "medium". insitu's float32 matmuls always run at full precision;
    the setting is stored so that `get_float32_matmul_precision` reads it back."""
    if precision not in _PRECISIONS:
        warn_at_user(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                     "setFloat32MatmulPrecision call has no effect.", UserWarning)
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision():
    """The value last given to `set_float32_matmul_precision` ("highest" at start)."""
    return _state["matmul_precision"]


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,
            options=None, disable=False, **kwargs):
    """Returns `model` unchanged: insitu has no compiler, and its ops run eagerly. Works as
    `compile(fn)`, `@compile` and `@compile(mode=...)`."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if model is None:
        return _identity
    if not callable(model):
        raise RuntimeError("Model must be callable")
    return model


def _identity(model):
    return model


def is_inference(self):
    """Whether this tensor was made in inference mode (so it cannot be saved for backward or
    updated in place outside it)."""
    return bool(self._storage.special & INFERENCE)


FUNCTIONS = {f.__name__: f for f in (
    set_num_threads, get_num_threads, set_num_interop_threads, get_num_interop_threads,
    use_deterministic_algorithms, are_deterministic_algorithms_enabled,
    is_deterministic_algorithms_warn_only_enabled, set_deterministic_debug_mode,
    get_deterministic_debug_mode, set_float32_matmul_precision, get_float32_matmul_precision,
    compile)}
METHODS = {"is_inference": is_inference}
