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
    """Sets the number of threads used for intraop parallelism on CPU."""
    _threads["intra"] = _check("set_num_threads", n)


def get_num_threads():
    """Returns the number of threads used for parallelizing CPU operations."""
    return _threads["intra"]


def set_num_interop_threads(n):
    """Sets the number of threads used for interop parallelism (inter-op) on CPU."""
    _threads["inter"] = _check("set_num_interop_threads", n)


def get_num_interop_threads():
    """Returns the number of threads used for inter-op parallelism on CPU."""
    return _threads["inter"]
