"""How many threads insitu's kernels may use: `set_num_threads` / `get_num_threads` (and the
inter-op pair), with PyTorch's argument checks.

The value is only stored here, in one place, for the kernels that run in parallel to read
(`get_num_threads()`); it starts at the number of CPUs this process may run on, as PyTorch's
does.
"""
import os


def _cpus():
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):     # not on Linux
        return os.cpu_count() or 1


_threads = {"intra": _cpus(), "inter": _cpus()}


def _check(name, n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return n


def set_num_threads(n):
    """insitu.set_num_threads(n): how many threads a kernel that runs in parallel may use (a
    positive int, else RuntimeError)."""
    _threads["intra"] = _check("set_num_threads", n)


def get_num_threads():
    """insitu.get_num_threads(): the thread count kernels may use (at start, the CPUs this
    process may run on)."""
    return _threads["intra"]


def set_num_interop_threads(n):
    """insitu.set_num_interop_threads(n): stores the inter-op thread count (a positive int, else
    RuntimeError); insitu runs ops one after another, so only get_num_interop_threads reads
    it."""
    _threads["inter"] = _check("set_num_interop_threads", n)


def get_num_interop_threads():
    """insitu.get_num_interop_threads(): the value last given to set_num_interop_threads (at
    start, the CPUs this process may run on)."""
    return _threads["inter"]
