"""Strict in-place mode: fail at the mutating line, not at backward.

Inside `strict_inplace()` (or after `strict_inplace(True)` as a global switch), an in-place write
into a storage that a live graph has saved raises at once, naming the op and the line that saved
the tensor. Outside it, the same mistake is reported at backward time with both lines.
"""
_state = {"depth": 0, "global": False}


def active():
    return _state["depth"] > 0 or _state["global"]


class strict_inplace:
    """Context manager; `strict_inplace(True)` / `strict_inplace(False)` also flips it globally."""

    def __init__(self, enabled=None):
        if enabled is not None:
            _state["global"] = bool(enabled)
        self._entered = False

    def __enter__(self):
        _state["depth"] += 1
        self._entered = True
        return self

    def __exit__(self, *exc):
        _state["depth"] -= 1
        return False


def check(storage, op_name):
    """Before an in-place write into a storage a live graph saved: raise if strict mode is on."""
    if not active():
        return
    from .saved import describe_savers
    from ..core.storage import user_location
    raise RuntimeError(
        f"strict_inplace: {op_name} at {user_location(3)} would modify a tensor that a live graph "
        f"saved for backward ({describe_savers(storage)}), so backward would fail. Clone it "
        "first, or use the out-of-place op.")
