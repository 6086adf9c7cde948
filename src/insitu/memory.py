"""CPU memory accounting for tensor storage: exact bytes, always on.

Every Storage that insitu allocates adds its byte count here when created and removes it when
freed, so `allocated()` is the bytes of tensor storage alive right now and `peak()` the most since
the last `reset_peak()`. Memory that NumPy owns (from_numpy) is not counted.
"""
_state = {"now": 0, "peak": 0}


def _on_alloc(n):
    s = _state
    now = s["now"] + n
    s["now"] = now
    if now > s["peak"]:
        s["peak"] = now


def _on_free(n):
    _state["now"] -= n


def allocated():
    """Bytes of tensor storage alive now."""
    return _state["now"]


def peak():
    """Most bytes of tensor storage alive at once since the last reset_peak()."""
    return _state["peak"]


def reset_peak():
    _state["peak"] = _state["now"]
