"""One comparison of a case against PyTorch: `same(fn, *data)` runs fn(lib, *tensors) on torch
and insitu (float inputs require grad) and compares the results' values, shapes, types and
grad_fn names, the gradients of a weighted sum of the float results, or the exceptions."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402


def _name(t):
    fn = t.grad_fn
    if fn is None:
        return None
    return fn.name() if hasattr(fn, "name") and not isinstance(t, torch.Tensor) else \
        type(fn).__name__


def _run(lib, fn, data, names):
    xs = [lib.tensor(d, requires_grad=d.dtype.kind == "f") for d in data]
    try:
        r = fn(lib, *xs)
    except Exception as e:   # noqa: BLE001 (the same exception must come from both)
        return ("raise", type(e).__name__, str(e).replace("torch.", "insitu."))
    rs = list(r) if isinstance(r, (tuple, list)) else [r]
    tensors = [u for u in rs if isinstance(u, lib.Tensor)]
    fl = [u for u in tensors if u.dtype.is_floating_point and u.requires_grad]
    grads = None
    if fl:
        s = sum((u * (i + 1)).sum() for i, u in enumerate(fl))
        grads = lib.autograd.grad(s, [x for x in xs if x.requires_grad], allow_unused=True)
        grads = [None if g is None else g.numpy() for g in grads]
    return ([u.detach().numpy() if isinstance(u, lib.Tensor) else u for u in rs],
            [_name(u) for u in tensors] if names else None, grads, type(r).__name__,
            [tuple(u.shape) for u in tensors])


def same(fn, *data, names=True, rtol=1e-6, atol=1e-6):
    got, want = _run(insitu, fn, data, names), _run(torch, fn, data, names)
    if want[0] == "raise" or got[0] == "raise":
        assert got == want
        return
    (vi, ni, gi, ti, si), (vt, nt, gt, tt, st) = got, want
    assert (ni, ti, si) == (nt, tt, st)
    for a, b in zip(vi, vt):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    assert (gi is None) == (gt is None)
    for a, b in zip(gi or (), gt or ()):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=10 * rtol, atol=10 * atol, equal_nan=True)
