"""Optimizer updates round as PyTorch's: the state bit for bit in float32, step after step.

Each update is a sequence of table ops; the fused ones (lerp_, addcmul_, add with alpha) round
once, as PyTorch's kernels. The gradients
here are random and the same for both libraries, so the state is compared on its own: exp_avg
and exp_avg_sq do not depend on the parameter. The parameters go through sqrt, and PyTorch's
float32 sqrt (MKL's) is not always correctly rounded (up to 0.75 ulp off on some CPUs); with
PyTorch's sqrt values put in its place, every optimizer follows PyTorch bit for bit.
"""
import tracemalloc

import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.optim as optim
from insitu.optim import adagrad, adam, rmsprop

torch = pytest.importorskip("torch")

SHAPES = [(64, 33), (33,)]


def _run(name, kw, steps, check):
    rng = np.random.default_rng(0)
    x0s = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    ps = [nn.Parameter(insitu.tensor(x)) for x in x0s]
    qs = [torch.nn.Parameter(torch.tensor(x)) for x in x0s]
    mine, theirs = getattr(optim, name)(ps, **kw), getattr(torch.optim, name)(qs, **kw)
    for step in range(steps):
        for p, q in zip(ps, qs):
            g = rng.standard_normal(p.shape).astype(np.float32)
            p.grad, q.grad = insitu.tensor(g), torch.tensor(g)
        mine.step()
        theirs.step()
        for p, q in zip(ps, qs):
            check(step, p, q, mine.state[p], theirs.state[q])


def _same(step, what, a, b):
    a, b = a.detach().numpy(), b.detach().numpy()
    assert np.array_equal(a, b), \
        f"step {step}, {what}: {np.count_nonzero(a != b)} of {a.size} elements differ"


ADAM = [("Adam", dict(lr=0.01)),
        ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, maximize=True)),
        ("Adam", dict(lr=0.01, amsgrad=True)),
        ("AdamW", dict(lr=0.01)),
        ("AdamW", dict(lr=0.01, weight_decay=0.2, amsgrad=True))]


@pytest.mark.parametrize("name,kw", ADAM, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ADAM)])
def test_adam_moments_are_bit_exact_after_every_step(name, kw):
    def check(step, p, q, mine, theirs):
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"):
            if key in theirs:
                _same(step, key, mine[key], theirs[key])
        a, b = p.detach().numpy(), q.detach().numpy()
        assert np.abs(a - b).max() / np.abs(b).max() < 1e-6

    _run(name, kw, 20, check)


EVERY = ADAM + [
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.95, weight_decay=0.01, momentum=0.8)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.3, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
]


def _torch_sqrt(input, out):
    """sqrt with PyTorch's values, written into `out` by a table op."""
    return out.copy_(insitu.from_numpy(torch.from_numpy(input.numpy().copy()).sqrt().numpy()))


@pytest.mark.parametrize("name,kw", EVERY, ids=[f"{n}-{i}" for i, (n, _) in enumerate(EVERY)])
def test_with_torchs_sqrt_every_update_is_bit_exact(name, kw, monkeypatch):
    for module in (adam, rmsprop, adagrad):
        monkeypatch.setattr(module, "sqrt", _torch_sqrt)

    def check(step, p, q, mine, theirs):
        _same(step, "param", p, q)
        assert mine.keys() == theirs.keys()
        for key, value in theirs.items():
            _same(step, key, mine[key], value)
        assert p._version == q._version

    _run(name, kw, 20, check)


# ----------------------------------------------------------------------------- no temporaries

FUSED = {
    "lerp_": lambda x, a, b: x.lerp_(a, 0.1),
    "lerp_ (w >= 0.5)": lambda x, a, b: x.lerp_(a, 0.9),
    "lerp_ (tensor weight)": lambda x, a, b: x.lerp_(a, b),
    "addcmul_": lambda x, a, b: x.addcmul_(a, b, value=0.001),
    "addcmul_ value=1": lambda x, a, b: x.addcmul_(a, a),
    "addcdiv_": lambda x, a, b: x.addcdiv_(a, b, value=0.5),
    "add_ alpha": lambda x, a, b: x.add_(a, alpha=-0.01),
}


@pytest.mark.parametrize("dtype", [insitu.float32, insitu.float64, insitu.float16])
@pytest.mark.parametrize("name", sorted(FUSED))
def test_fused_inplace_ops_allocate_nothing_parameter_sized(name, dtype):
    op = FUSED[name]
    rng = np.random.default_rng(3)
    x, a, b = (insitu.tensor(rng.standard_normal((300, 300)), dtype=dtype) for _ in range(3))
    b.abs_().add_(0.5)
    op(x, a, b)                     # the first call may make the kernels' lasting scratch
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        op(x, a, b)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak - base < 300 * 300 * dtype.itemsize // 16
