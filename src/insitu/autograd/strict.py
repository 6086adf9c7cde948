"""Strict in-place mode: fail at the mutating line, not at backward.

Inside `strict_inplace()` (or after `strict_inplace(True)` as a global switch), an in-place write
into a storage that a live graph has saved raises at once, naming the op, the line that mutates
and the line that saved the tensor. Outside it, the same mistake is reported at backward time
with both lines.

`check(t, op)` is called before the kernel of every in-place write into a saved storage (the
SAVED bit already routes those writes here), so its common case is one list read.
`graph.allow_mutation_on_saved_tensors()` plugs its copy-on-write rescue in through `_rescuer`;
inside it the write is made safe instead of refused. With region tracking on, only a write that
touches elements a live graph saved is refused (or rescued).
"""
from ..core.storage import user_location
from .saved import describe_saver, describe_savers, saved_touching, write_region
from .version_tracking import BY_REGION

_state = {"depth": 0, "global": False}
_armed = [False]        # strict mode or a rescue is active: check() has work to do
_rescuer = [None]       # fn(t, op_name) while allow_mutation_on_saved_tensors() is active


def active():
    return _state["depth"] > 0 or _state["global"]


def _rearm():
    _armed[0] = active() or _rescuer[0] is not None


class strict_inplace:
    """Context manager; `strict_inplace(True)` / `strict_inplace(False)` also flips it globally.

        with insitu.autograd.strict_inplace():
            y = x.exp()
            y.add_(1)      # RuntimeError here, naming add_, this line and the line of exp
    """

    def __init__(self, enabled=None):
        if enabled is not None:
            _state["global"] = bool(enabled)
            _rearm()

    def __enter__(self):
        _state["depth"] += 1
        _rearm()
        return self

    def __exit__(self, *exc):
        _state["depth"] -= 1
        _rearm()
        return False


def check(t, op_name):
    """Before an in-place write into `t`, whose storage a live graph saved: rescue the saved values
    if `allow_mutation_on_saved_tensors()` is active, else raise if strict mode is on."""
    if _armed[0]:
        rescue = _rescuer[0]
        if rescue is not None and rescue(t, op_name):
            return
        if active():
            saver = describe_savers(t._storage)
            if BY_REGION[0]:
                hits = saved_touching(t._storage, write_region(t._data, op_name))
                if hits is not None:
                    if not hits:       # the write misses every saved element
                        return
                    saver = describe_saver(hits[0])
            raise RuntimeError(message(saver, op_name))


def message(saver, op_name):
    return (f"strict_inplace: {op_name} at {user_location(3)} would modify a tensor that a live "
            f"graph saved for backward ({saver}), so backward would fail. "
            "Clone it first, or use the out-of-place op.")
