"""LBFGS against torch.optim.LBFGS: parameters after each step of the closure-driven
iterations, with and without the strong-Wolfe line search, in float64 and float32."""
import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.optim as optim

torch = pytest.importorskip("torch")


def _objective(lib, x, y):
    """Strongly convex and non-quadratic, with the two parameters coupled (so the curvature
    pairs matter and the line search has work to do), and well conditioned: rounding
    differences are not amplified from one iteration to the next."""
    return ((0.75 * (x - 0.7) ** 2 + (2 * x).cosh().log() / 2).sum()
            + (0.5 * (y + 0.3) ** 2 + 0.4 * x * y + 0.1 * y ** 4).sum())


def _run(lib, lib_nn, lib_optim, dtype, steps, **kw):
    rng = np.random.default_rng(0)
    x0, y0 = (rng.uniform(-1.5, 1.5, (2, 3)).astype(dtype) for _ in range(2))
    x, y = lib_nn.Parameter(lib.tensor(x0)), lib_nn.Parameter(lib.tensor(y0))
    opt = lib_optim.LBFGS([x, y], **kw)
    calls = []

    def closure():
        opt.zero_grad()
        loss = _objective(lib, x, y)
        loss.backward()
        calls.append(float(loss.detach()))
        return loss

    trace = []
    for _ in range(steps):
        loss = opt.step(closure)
        trace.append((float(loss.detach()), x.detach().numpy().copy(), y.detach().numpy().copy()))
    return trace, calls, opt


KW = [dict(), dict(line_search_fn="strong_wolfe"), dict(lr=0.5, max_iter=5, history_size=3),
      dict(history_size=4, line_search_fn="strong_wolfe", tolerance_change=1e-6)]
IDS = ["fixed", "wolfe", "short-history", "wolfe-short"]


def _compare(kw, dtype, steps, tol):
    mine, calls_m, opt = _run(insitu, nn, optim, dtype, steps, **kw)
    theirs, calls_t, topt = _run(torch, torch.nn, torch.optim, dtype, steps, **kw)
    assert len(calls_m) == len(calls_t)
    np.testing.assert_allclose(calls_m, calls_t, rtol=tol)
    for (lm, xm, ym), (lt, xt, yt) in zip(mine, theirs):
        np.testing.assert_allclose(lm, lt, rtol=tol)
        np.testing.assert_allclose(xm, xt, rtol=tol, atol=tol)
        np.testing.assert_allclose(ym, yt, rtol=tol, atol=tol)
    sm, st = opt.state_dict(), topt.state_dict()
    assert sm["param_groups"] == st["param_groups"]
    assert set(sm["state"][0]) == set(st["state"][0])
    for key in ("func_evals", "n_iter"):
        assert sm["state"][0][key] == st["state"][0][key]


@pytest.mark.parametrize("kw", KW, ids=IDS)
def test_steps_match_torch_in_float64(kw):
    _compare(kw, np.float64, 4, 1e-9)


@pytest.mark.parametrize("kw", KW, ids=IDS)
def test_steps_match_torch_in_float32(kw):
    """float32 transcendental functions differ from PyTorch's by an ulp, so the comparison
    stops short of convergence, where the stopping tests see only rounding noise."""
    _compare(dict(kw, max_iter=4), np.float32, 2, 1e-5)


def test_a_model_fit_with_lbfgs_matches_torch():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    tm = tm.double()
    im = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    im.load_state_dict({k: insitu.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((20, 3)), rng.standard_normal((20, 1))
    for lib, model, lib_optim in ((torch, tm, torch.optim), (insitu, im, optim)):
        opt = lib_optim.LBFGS(model.parameters(), lr=0.8, line_search_fn="strong_wolfe")
        xs, ts = lib.tensor(x), lib.tensor(t)

        def closure():
            opt.zero_grad()
            loss = ((model(xs) - ts) ** 2).mean()
            loss.backward()
            return loss
        for _ in range(3):
            opt.step(closure)
    for p, q in zip(im.parameters(), tm.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-7, atol=1e-9)


def test_unknown_line_search_and_converged_start():
    p = nn.Parameter(insitu.ones(2))
    opt = optim.LBFGS([p], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = ((p - 3) ** 2).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
    q = nn.Parameter(insitu.ones(2) * 3)
    opt = optim.LBFGS([q])

    def flat():
        opt.zero_grad()
        loss = ((q - 3) ** 2).sum()
        loss.backward()
        return loss
    assert opt.step(flat).item() == 0.0 and q.tolist() == [3.0, 3.0]
    assert opt.state[q]["func_evals"] == 1 and "d" not in opt.state[q]
