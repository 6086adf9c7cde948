"""Grad modes: whether operations record a graph. Context managers that are also decorators,
with or without parentheses (`@no_grad`, `@no_grad()`, `@inference_mode`), as in PyTorch.

`mode.grad` says whether ops record; `mode.enabled` is grad mode as the user set it (what
`is_grad_enabled()` says): they differ only inside inference_mode, where enable_grad() turns
grad mode on but nothing is recorded and results are still inference tensors.
"""
import functools


from ..core.state import mode  # the one mode object (lives in core: tensors read it too)

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


def is_grad_enabled():
    """insitu.is_grad_enabled(): whether grad mode is on, as the user set it (inside
    inference_mode, enable_grad() turns it on although nothing is recorded)."""
    return mode.enabled if mode.inference else mode.grad


def is_inference_mode_enabled():
    """insitu.is_inference_mode_enabled(): whether an `inference_mode` block is active."""
    return mode.inference


def _set_grad(enabled):
    mode.enabled = enabled
    mode.grad = enabled and not mode.inference


class _GradModeContext:
    """Base: a context manager that sets the mode on entry and restores it on exit."""
    _value = None

    def __enter__(self):
        self._prev = (mode.grad, mode.enabled)
        _set_grad(self._value)
        return self

    def __exit__(self, *exc):
        mode.grad, mode.enabled = self._prev
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
        """A new context manager of the same kind and setting (for re-entry elsewhere)."""
        return self._fresh()


class _NoParamDecorator(_GradModeContext):
    """`@no_grad` without parentheses: called with the function, decorate it."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecorator):
    """Context manager and decorator (`@no_grad` or `@no_grad()`): no graph is recorded inside
    (results do not require grad), as torch.no_grad. Views made inside refuse later in-place use
    under grad mode, as in PyTorch."""
    _value = False


class enable_grad(_NoParamDecorator):
    """Context manager and decorator: turns grad mode back on inside (for example within a
    no_grad block), as torch.enable_grad."""
    _value = True


class set_grad_enabled(_GradModeContext):
    """set_grad_enabled(enabled): turns grad mode on or off at once (like PyTorch's); as a
    context manager or decorator it restores the previous mode on exit."""

    def __init__(self, enabled):
        self._value = bool(enabled)
        self._prev = (mode.grad, mode.enabled)
        _set_grad(self._value)

    def __enter__(self):
        return self

    def __call__(self, fn):
        mode.grad, mode.enabled = self._prev   # a decorator: applying it changes nothing yet
        return super().__call__(fn)

    def _fresh(self):
        return set_grad_enabled(self._value)


class inference_mode(_GradModeContext):
    """inference_mode(mode=True): context manager and decorator, as torch.inference_mode.

    inference_mode(True) turns grad mode off, and tensors made inside are inference tensors,
    which may not be modified in place outside it; inference_mode(False) turns grad mode on
    (whatever it was), as PyTorch's guard does; `@inference_mode` decorates without
    parentheses."""

    def __new__(cls, mode_on=True):
        if isinstance(mode_on, bool):
            return super().__new__(cls)
        return cls()(mode_on)

    def __init__(self, mode_on=True):
        self._on = bool(mode_on)

    def __enter__(self):
        self._prev = (mode.grad, mode.enabled, mode.inference)
        on = self._on
        mode.inference = on
        mode.enabled = mode.grad = not on
        return self

    def __exit__(self, *exc):
        mode.grad, mode.enabled, mode.inference = self._prev
        return False

    def _fresh(self):
        return inference_mode(self._on)
