"""What the differential tests of the shape, sorting and index ops share: the data, and the
comparison of insitu against PyTorch.

Each case is a function of the library (`lib` is torch or insitu) that builds its inputs from the
same data and runs the op; both libraries must give the same values, dtype and grad_fn name, or
raise the same exception with the same message ('torch.' read as 'insitu.'). Differentiable cases
also compare the gradients of every input, and in-place cases the returned object, the buffer and
the version counter.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402

RNG = np.random.default_rng(0)
A34 = RNG.standard_normal((3, 4)).round(3)
A234 = RNG.standard_normal((2, 3, 4)).round(3)
B24 = RNG.standard_normal((2, 4)).round(3)
S34 = RNG.standard_normal((3, 4)).round(3)


def _np(t):
    return t.detach().numpy()


def _name(t):
    fn = t.grad_fn
    return None if fn is None else type(fn).__name__


def _dtype(t):
    return str(t.dtype).split(".")[-1]


def assert_same(rt, ri):
    if isinstance(rt, torch.Tensor):
        assert isinstance(ri, insitu.Tensor)
        assert tuple(rt.shape) == tuple(ri.shape)
        assert _dtype(rt) == _dtype(ri)
        np.testing.assert_allclose(_np(ri), _np(rt), rtol=1e-6, atol=1e-6)
        assert _name(ri) == _name(rt)
    else:
        assert isinstance(rt, (tuple, list)) and isinstance(ri, (tuple, list))
        assert len(rt) == len(ri)
        for a, b in zip(rt, ri):
            assert_same(a, b)


def run(lib, fn, data, grads):
    ts = [lib.tensor(d, requires_grad=g) if isinstance(d, np.ndarray) else d
          for d, g in zip(data, grads)]
    return ts, fn(lib, *ts)


def check(fn, *data, grads=None, weight_seed=1):
    """Compare values, dtypes, grad_fn names and input gradients of fn on torch and insitu."""
    grads = grads if grads is not None else [isinstance(d, np.ndarray) and d.dtype.kind == "f"
                                             for d in data]
    tt, rt = run(torch, fn, data, grads)
    it, ri = run(insitu, fn, data, grads)
    assert_same(rt, ri)
    out_t = rt if isinstance(rt, torch.Tensor) else rt[0]
    out_i = ri if isinstance(ri, insitu.Tensor) else ri[0]
    if out_t.requires_grad:
        w = np.random.default_rng(weight_seed).standard_normal(tuple(out_t.shape))
        (out_t * torch.tensor(w, dtype=out_t.dtype)).sum().backward()
        (out_i * insitu.tensor(w, dtype=out_i.dtype)).sum().backward()
        for a, b in zip(tt, it):
            if isinstance(a, torch.Tensor) and a.requires_grad:
                assert (b.grad is None) == (a.grad is None)
                if a.grad is not None:
                    np.testing.assert_allclose(_np(b.grad), _np(a.grad), rtol=1e-5, atol=1e-6)
    return rt, ri


def _msg(e):
    return str(e).replace("torch.", "insitu.")


def check_error(fn, *data):
    """Both libraries raise the same exception type with the same message."""
    with pytest.raises(Exception) as et:
        run(torch, fn, data, [False] * len(data))
    with pytest.raises(Exception) as ei:
        run(insitu, fn, data, [False] * len(data))
    assert type(ei.value).__name__ == type(et.value).__name__, (ei.value, et.value)
    assert _msg(ei.value).split("\n")[0] == _msg(et.value).split("\n")[0]


def idx(lib, values, dtype="int64"):
    return lib.tensor(values, dtype=getattr(lib, dtype))


def typed(lib, t, dtype):
    """`t`'s values as a new tensor of `dtype` (built from data, no conversion op)."""
    return lib.tensor(t.detach().numpy(), dtype=getattr(lib, dtype))


def check_inplace(op, src):
    """An in-place index op on a copy of A34: same values and grads as PyTorch, the same buffer
    written with one version bump, and the same edges."""
    def fn(m, a, s):
        y = a * 1
        ptr, v = y.data_ptr(), y._version
        r = op(m, y, s)
        assert y.data_ptr() == ptr and y._version == v + 1
        assert r is y or r._base is y      # the op ran on y or on a view of it
        return y
    rt, ri = check(fn, A34, src)
    names_t = [type(n).__name__ if n is not None else None for n, _ in rt.grad_fn.next_functions]
    names_i = [type(n).__name__ if n is not None else None for n, _ in ri.grad_fn.next_functions]
    names_i = [n.replace("insitu::", "torch::") if n else n for n in names_i]
    assert names_i == names_t


def check_error_leaves_self_untouched(case):
    """PyTorch's error, and self's data and version unchanged."""
    check_error(case, A34, S34)
    x = insitu.tensor(A34)
    v = x._version
    with pytest.raises(Exception):
        case(insitu, x, insitu.tensor(S34))
    assert x._version == v
    np.testing.assert_array_equal(x.numpy(), A34)


def outcome(call):
    """What `call()` does, as compared between the libraries: ("ok", "") or the exception's
    type name and first line."""
    try:
        call()
    except Exception as e:  # noqa: BLE001 (the outcome is compared, whatever it is)
        return type(e).__name__, str(e).split("\n")[0]
    return "ok", ""
