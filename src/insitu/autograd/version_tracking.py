"""How in-place writes invalidate saved tensors: by storage (PyTorch's rule, the default) or by
region.

PyTorch keeps one version counter per storage, so a write anywhere in a storage invalidates every
tensor saved from any part of it. With region tracking on (`region_versions()`, or
`set_version_tracking("region")`), a write invalidates a saved tensor only when the elements it
writes intersect the elements saved. Each write is judged by the rule in force when it was made,
so a graph recorded and mutated inside `region_versions()` can run backward outside it. While
region tracking is on, the outputs of split/chunk/unbind may be modified in place too (their
siblings' grad_fns are regenerated as any view's are). See docs/region-versions.md.

    with insitu.autograd.region_versions():
        h = insitu.zeros(T, n)
        h[0] = h0
        for t in range(1, T):
            h[t] = insitu.tanh(h[t - 1] @ W)    # writes h[t]; matmul saved only h[t - 1]
    h.sum().backward()
"""
from . import saved

BY_REGION = [False]     # read by the write tail, the guards and the graph queries
_state = {"depth": 0, "global": False}
KINDS = ("storage", "region")


def set_version_tracking(kind):
    """'region': writes invalidate only the saved tensors whose elements they touch, from now
    on; 'storage' (the default): any write into a storage invalidates everything saved from it,
    as in PyTorch. Inside `region_versions()` tracking is by region either way."""
    if kind not in KINDS:
        raise ValueError(f"version tracking must be 'storage' or 'region', got {kind!r}")
    _state["global"] = kind == "region"
    _refresh()


def get_version_tracking():
    """'region' or 'storage': the rule in-place writes are tracked by now."""
    return "region" if BY_REGION[0] else "storage"


class region_versions:
    """Context manager: inside it, versions are tracked by region.

        with insitu.autograd.region_versions():
            a, b = x.mul(1).chunk(2)
            y = b.sigmoid()
            a.mul_(2)                 # touches none of b's elements
        y.sum().backward()            # fine: y's graph saved nothing that a.mul_ wrote
    """

    def __enter__(self):
        _state["depth"] += 1
        _refresh()
        return self

    def __exit__(self, *exc):
        _state["depth"] -= 1
        _refresh()
        return False


def _refresh():
    on = _state["depth"] > 0 or _state["global"]
    BY_REGION[0] = on
    saved.register_saves(on)
