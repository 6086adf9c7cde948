"""CPU memory accounting for tensor storage: exact bytes, always on.

Every Storage that insitu allocates adds its byte count here when created and removes it when
freed, so `allocated()` is the bytes of tensor storage alive right now and `peak()` the most since
the last `reset_peak()`. Memory that NumPy owns (from_numpy) is not counted.
"""
# [bytes alive now, peak]; Storage updates it inline (a list is the cheapest shared counter)
_mem = [0, 0]


def allocated():
    """Bytes of tensor storage alive now."""
    return _mem[0]


def peak():
    """Most bytes of tensor storage alive at once since the last reset_peak()."""
    return _mem[1]


def reset_peak():
    _mem[1] = _mem[0]
