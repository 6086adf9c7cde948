"""Helpers for checking layers against torch: the same call on both libraries, from the same
NumPy arrays, compared output by output and gradient by gradient."""
import re

import numpy as np
import pytest

import insitu

torch = pytest.importorskip("torch")

# float32: PyTorch's CPU kernels and ours sum in different orders
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}
# gradients summed over many positions (a weight's) are larger: scale atol by their size
GRAD_TOL = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}


def rng(seed=0):
    return np.random.default_rng(seed)


def both(array, requires_grad=True):
    """The same array as an insitu and a torch tensor (requiring grad when floating)."""
    rg = requires_grad and array.dtype.kind == "f"
    return (insitu.tensor(array.copy(), requires_grad=rg),
            torch.tensor(array.copy(), requires_grad=rg))


def compare(mine, theirs, dtype=np.float64, tol=None):
    a = mine.detach().numpy() if hasattr(mine, "detach") else np.asarray(mine)
    b = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, **(tol or TOL[dtype]))


def check_function(fn_mine, fn_theirs, arrays, dtype=np.float64, seed=1, node=True, tol=None):
    """Forward, node name and every input's gradient of fn(*tensors) on both libraries.
    Returns the two outputs."""
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    pairs = [both(a) for a in arrays]
    out_m = fn_mine(*[p[0] for p in pairs])
    out_t = fn_theirs(*[p[1] for p in pairs])
    if isinstance(out_t, tuple):
        for m, t in zip(out_m[1:], out_t[1:]):
            np.testing.assert_array_equal(m.numpy(), t.numpy())
        out_m, out_t = out_m[0], out_t[0]
    compare(out_m, out_t, dtype, tol)
    if node:
        assert out_m.grad_fn.name() == type(out_t.grad_fn).__name__
    g = rng(seed).standard_normal(tuple(out_t.shape)).astype(dtype)
    out_m.backward(insitu.tensor(g))
    out_t.backward(torch.tensor(g))
    for (m, t), a in zip(pairs, arrays):
        if t.grad is not None:
            compare(m.grad, t.grad, dtype, tol or GRAD_TOL[dtype])
    return out_m, out_t


def copy_module(mine, theirs):
    """Give `mine` the parameters and buffers of `theirs`, through NumPy."""
    mine.load_state_dict({k: insitu.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})


def check_module(mine, theirs, x, dtype=np.float32, seed=1):
    """A module pair with the same weights: output, input gradient, parameter gradients."""
    copy_module(mine, theirs)
    xm, xt = both(x.astype(dtype))
    out_m, out_t = mine(xm), theirs(xt)
    compare(out_m, out_t, dtype)
    g = rng(seed).standard_normal(tuple(out_t.shape)).astype(dtype)
    out_m.backward(insitu.tensor(g))
    out_t.backward(torch.tensor(g))
    compare(xm.grad, xt.grad, dtype, GRAD_TOL[dtype])
    named_t = dict(theirs.named_parameters())
    for name, p in mine.named_parameters():
        compare(p.grad, named_t[name].grad, dtype, GRAD_TOL[dtype])
    return out_m, out_t


def same_error(call_mine, call_theirs):
    """Both calls raise the same exception type with the same message (torch's type names
    spelled as insitu's)."""
    with pytest.raises(Exception) as theirs:
        call_theirs()
    with pytest.raises(type(theirs.value)) as mine:
        call_mine()
    expected = _sets_sorted(str(theirs.value).replace("torch.", "insitu."))
    assert _sets_sorted(str(mine.value)) == expected, (str(mine.value), expected)
    return mine.value


def _sets_sorted(message):
    """A message with each printed set of strings in sorted order (a set's order depends on
    the process's string hashing)."""
    return re.sub(r"\{('[^{}]*')\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", ")))
                  + "}", message)


def state_dict_round_trip(mine, theirs):
    """insitu -> torch and torch -> insitu through NumPy: the same keys and shapes, and the
    values survive both ways."""
    assert list(mine.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v.numpy().copy())
                            for k, v in mine.state_dict().items()})
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), mine.state_dict()[k].numpy())
    with torch.no_grad():
        for p in theirs.parameters():
            p.mul_(-2.0)
    copy_module(mine, theirs)
    for k, v in mine.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), theirs.state_dict()[k].numpy())
