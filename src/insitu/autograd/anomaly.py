"""Anomaly detection: every node remembers the forward line that made it.

While the mode is on, the recorder stores the user's part of the call stack in each new node's
`metadata["traceback_"]` (and, for a node made during backward, the node being run as
`metadata["parent_"]`). When a node's backward raises, or (with `check_nan`) returns nan, the
engine warns "Error detected in <Node>" with that traceback, and walks the parents, as PyTorch
does. Off, it costs the recorder one flag test per node.
"""
import os
import sys
import traceback
import warnings

import numpy as np

from .grad_mode import mode

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "set_anomaly_enabled"]

RUNNING = [None]     # the node whose backward is running (parent of nodes made meanwhile)


def is_anomaly_enabled():
    """insitu.is_anomaly_enabled(): whether anomaly detection is on."""
    return mode.anomaly


def is_anomaly_check_nan_enabled():
    """insitu.is_anomaly_check_nan_enabled(): whether anomaly detection also raises when a backward
    formula returns NaN."""
    return mode.anomaly_nan


def set_anomaly_enabled(enabled, check_nan=True):
    """insitu.set_anomaly_enabled(enabled, check_nan=True): turns anomaly detection on or off
    (without `detect_anomaly`'s warning): nodes made while it is on remember the forward stack,
    reported when their backward fails."""
    mode.anomaly = bool(enabled)
    mode.anomaly_nan = bool(check_nan)


class detect_anomaly:
    """Context manager that turns anomaly detection on, and warns that it is on:
    it slows every op down, so it is for debugging."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self.prev = mode.anomaly
        self.prev_check_nan = mode.anomaly_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.")

    def __enter__(self):
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)
        return False


class set_detect_anomaly:
    """Turns anomaly detection on or off at once; as a context manager, restores it on exit."""

    def __init__(self, mode, check_nan=True):   # noqa: A002 (PyTorch's parameter name)
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)
        return False


def record(node):
    """Called by the recorder for each new node while the mode is on."""
    frames = [f for f in traceback.extract_stack()[:-2] if not f.filename.startswith(_PACKAGE)]
    meta = node.metadata
    meta["traceback_"] = traceback.format_list(frames)
    if RUNNING[0] is not None:
        meta["parent_"] = RUNNING[0]


def report(node):
    """The warning PyTorch gives when `node`'s backward fails: where it was made, then where
    each node that made it during an earlier backward was made."""
    name = node.name()
    meta = node.__dict__.get("_metadata") or {}
    stack = meta.get("traceback_")
    if stack is None:
        _warn(f"Error detected in {name}. No forward pass information available. "
                      "Enable detect anomaly during forward pass for more information.")
        return
    _warn(f"Error detected in {name}. Traceback of forward call that caused the "
                  f"error:\n{''.join(stack)}")
    parent = meta.get("parent_")
    while parent is not None:
        pmeta = parent.__dict__.get("_metadata") or {}
        pstack = pmeta.get("traceback_")
        if pstack is None:
            _warn(f"\n\nPrevious calculation was induced by {parent.name()}. "
                          "No forward pass information available. Enable detect anomaly "
                          "during forward pass for more information.")
            break
        _warn(f"\n\nPrevious calculation was induced by {parent.name()}. Traceback "
                      f"of forward call that induced the previous calculation:\n"
                      f"{''.join(pstack)}")
        parent = pmeta.get("parent_")


def _warn(message):
    """Warn at the user's line (the first frame outside insitu), as an op's own warning would."""
    level, f = 2, sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE):
        level, f = level + 1, f.f_back
    warnings.warn(message, stacklevel=level)


def apply_checked(fn, grads):
    """Run `fn`'s backward under the mode: report where it was made if it raises, and raise if
    it returns nan (when check_nan is on)."""
    RUNNING[0], outer = fn, RUNNING[0]
    try:
        out = fn.apply(grads)
        if mode.anomaly_nan:
            for i, g in enumerate(out):
                if g is not None and g._dtype.is_floating_point and np.isnan(g._data).any():
                    raise RuntimeError(
                        f"Function '{fn.name()}' returned nan values in its {i}th output.")
        return out
    except Exception:
        report(fn)
        raise
    finally:
        RUNNING[0] = outer

