"""Grad modes: whether operations record a graph. Context managers that are also decorators."""
import functools


from ..core.state import mode  # the one mode object (lives in core: tensors read it too)


def is_grad_enabled():
    """insitu.is_grad_enabled(): whether operations record a graph now."""
    return mode.grad


def is_inference_mode_enabled():
    """insitu.is_inference_mode_enabled(): whether an `inference_mode` block is active."""
    return mode.inference


class _GradModeContext:
    """Base: a context manager that sets the mode on entry and restores it on exit."""
    _value = None

    def __enter__(self):
        self._prev = mode.grad
        mode.grad = self._value
        return self

    def __exit__(self, *exc):
        mode.grad = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__._fresh(self):
                return fn(*args, **kwargs)
        return wrapper

    def _fresh(self):
        return self.__class__()

    def clone(self):
        return self._fresh()


class no_grad(_GradModeContext):
    """Context manager and decorator: no graph is recorded inside (results do not require grad), as
    torch.no_grad. Views made inside refuse later in-place use under grad mode, as in PyTorch."""
    _value = False


class enable_grad(_GradModeContext):
    """Context manager and decorator: turns graph recording back on inside (for example within a
    no_grad block), as torch.enable_grad."""
    _value = True


class set_grad_enabled(_GradModeContext):
    """Takes effect at once (like PyTorch's), and also works as a context manager."""

    def __init__(self, enabled):
        self._value = bool(enabled)
        self._prev = mode.grad
        mode.grad = self._value

    def __enter__(self):
        return self

    def __call__(self, fn):
        mode.grad = self._prev   # used as a decorator: applying it changes nothing yet
        return super().__call__(fn)

    def _fresh(self):
        return set_grad_enabled(self._value)


class inference_mode(_GradModeContext):
    """inference_mode(mode=True): context manager and decorator, as torch.inference_mode: no graph
    is recorded, and tensors made inside are inference tensors, which may not be modified in
    place outside it. `inference_mode(False)` changes nothing."""
    def __init__(self, mode_on=True):
        self._on = bool(mode_on)

    def __enter__(self):
        self._prev = (mode.grad, mode.inference)
        if self._on:
            mode.grad, mode.inference = False, True
        return self

    def __exit__(self, *exc):
        mode.grad, mode.inference = self._prev
        return False

    def _fresh(self):
        return inference_mode(self._on)
