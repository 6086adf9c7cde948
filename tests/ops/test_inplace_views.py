"""In-place view ops (ops/inplace_views.py) against PyTorch: shapes, strides, contiguity,
versions, grad_fn names, gradients; the guards; a view's base keeps its graph."""
import numpy as np
import pytest

import insitu

torch = pytest.importorskip("torch")

A = np.arange(6, dtype=np.float32).reshape(2, 1, 3) / 7
W = np.random.default_rng(0).standard_normal(64).astype(np.float32)


def _name(fn):
    if fn is None:
        return None
    name = fn.name() if hasattr(fn, "name") else type(fn).__name__
    return name.split("::")[-1]


def _run(lib, f, view):
    leaf = lib.tensor(A, requires_grad=True)
    b = leaf * 1
    x = b[1:] if view else b
    v = x._version
    try:
        y = f(x)
    except RuntimeError as e:
        return ("raise", str(e))
    w = lib.tensor(W[:y.numel()].reshape(tuple(y.shape)))
    (y * w).sum().backward()
    return (y is x, tuple(y.shape), tuple(y.stride()), y.is_contiguous(), y._version - v,
            _name(y.grad_fn), _name(b.grad_fn), leaf.grad.numpy().round(6).tolist(),
            y.detach().numpy().tolist())


CASES = {
    "transpose_": lambda x: x.transpose_(0, 2),
    "swapdims_": lambda x: x.swapdims_(0, 1),
    "swapaxes_": lambda x: x.swapaxes_(-1, 1),
    "squeeze_": lambda x: x.squeeze_(),
    "squeeze_ dim": lambda x: x.squeeze_(1),
    "squeeze_ dim of size 2": lambda x: x.squeeze_(0),
    "squeeze_ dims": lambda x: x.squeeze_((1, 0)),
    "unsqueeze_": lambda x: x.unsqueeze_(1),
    "unsqueeze_ last": lambda x: x.unsqueeze_(-1),
    "t_": lambda x: x.squeeze_(1).t_(),
    "t_ of 3-d": lambda x: x.t_(),
    "as_strided_": lambda x: x.as_strided_((2,), (2,), 1),
    "as_strided_ 2-d": lambda x: x.as_strided_((1, 2), (1, 2)),
    "then a write": lambda x: x.transpose_(0, 2).mul_(2),
    "chain": lambda x: x.unsqueeze_(0).transpose_(0, 3).squeeze_(),
}


@pytest.mark.parametrize("view", [False, True])
@pytest.mark.parametrize("case", sorted(CASES))
def test_against_torch(case, view):
    assert _run(insitu, CASES[case], view) == _run(torch, CASES[case], view)


@pytest.mark.parametrize("case", sorted(CASES))
def test_guards(case):
    for lib in (insitu, torch):
        leaf = lib.tensor(A, requires_grad=True)
        for target, message in ((leaf, "a leaf Variable that requires grad is being used in an "
                                       "in-place operation."),
                                (leaf[0:], "a view of a leaf Variable that requires grad is "
                                           "being used in an in-place operation.")):
            with pytest.raises(RuntimeError, match=message):
                CASES[case](target)
            assert leaf._version == 0 and tuple(leaf.shape) == A.shape


def test_without_grad_and_integers():
    for lib in (insitu, torch):
        with lib.no_grad():
            x = lib.tensor(A, requires_grad=True)
            assert x.squeeze_() is x and tuple(x.shape) == (2, 3) and x._version == 1
            assert x.grad_fn is None
        y = lib.arange(6).reshape(2, 3)
        y.t_()
        assert tuple(y.stride()) == (1, 3) and y._version == 1


def test_namespace_as_strided_():
    x = insitu.arange(6.0)
    assert insitu.as_strided_(x, (2, 2), (1, 2)) is x
    assert x.tolist() == [[0.0, 2.0], [1.0, 3.0]]


def test_gradcheck():
    x = insitu.tensor(A.astype(np.float64), requires_grad=True)
    for case, f in CASES.items():
        if case == "t_ of 3-d":
            continue
        assert insitu.autograd.gradcheck(lambda t: f(t * 1), (x,))
        if not case.startswith("as_strided_"):    # as_strided's backward is first order only
            assert insitu.autograd.gradgradcheck(lambda t: f(t * 1), (x,))


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_batch_first_output_node(kind):
    names = []
    for lib in (insitu, torch):
        lib.manual_seed(0)
        m = getattr(lib.nn, kind)(3, 4, batch_first=True)
        y = m(lib.ones(2, 5, 3))[0]
        names.append((_name(y.grad_fn), tuple(y.stride()), y._version))
    assert names[0] == names[1]
