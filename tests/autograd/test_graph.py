"""Graph introspection (saved_bytes, is_saved, can_mutate), the in-place copy warning, and the
copy-on-write rescue allow_mutation_on_saved_tensors() against an out-of-place reference and
against PyTorch's own context manager."""
import contextlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

import insitu
from insitu import memory
from insitu.autograd import graph
from insitu.autograd.graph import (InplaceCopyWarning, allow_mutation_on_saved_tensors,
                                   can_mutate, saved_bytes, warn_inplace_copies)

N = 100


# ----------------------------------------------------------------------------- saved_bytes

def test_saved_bytes_counts_unique_saved_storages():
    x = insitu.rand(N, requires_grad=True)
    w = insitu.rand(N, requires_grad=True)
    y = (x * w).exp()          # mul saves x and w, exp saves its result
    assert saved_bytes(y) == 3 * N * 4
    z = y * y                  # y saved twice more: the same storage
    assert saved_bytes(z) == 3 * N * 4
    z.sum().backward()         # backward frees what the graph held
    assert saved_bytes(z) == 0 and saved_bytes(y) == 0


def test_saved_bytes_sees_a_saved_view_whole_storage_and_the_node_behind_copyslices():
    x = insitu.rand(N, requires_grad=True)
    h = x * 1.0
    v = h[:10]
    p = v.pow(2)               # saves the view: its whole storage stays alive
    assert saved_bytes(p) == N * 4
    h[10:20].exp_()            # CopySlices wraps ExpBackward0, which saves the result view
    assert saved_bytes(h) == N * 4
    assert saved_bytes(x) == 0 and saved_bytes(insitu.ones(3)) == 0


def test_saved_bytes_of_clamp_is_its_mask():
    x = insitu.rand(N, requires_grad=True)
    assert saved_bytes((x * 2).clamp_(0.1, 0.5)) == N


# ----------------------------------------------------------------------------- is_saved / can_mutate

def test_is_saved_follows_the_graph():
    x = insitu.rand(N, requires_grad=True)
    e = x.exp()
    assert e.is_saved and e[:3].is_saved and e.detach().is_saved
    s = 10 * x
    assert not s.is_saved
    assert not x.is_saved
    y = x * insitu.rand(N, requires_grad=True)
    assert x.is_saved
    (e.sum() + y.sum()).backward()
    assert not e.is_saved and not x.is_saved
    e2 = x.exp()
    del e2                     # dropping the graph releases it too
    assert not x.is_saved


def test_can_mutate():
    x = insitu.rand(N, requires_grad=True)
    assert not can_mutate(x.exp())           # exp saves its result
    assert can_mutate(10 * x)                # nothing saved, not a leaf
    assert not can_mutate(x)                 # a leaf that requires grad
    with insitu.no_grad():
        assert can_mutate(x)                 # ... is fine under no_grad (optimizer step)
    assert not can_mutate(insitu.ones(1, 3).expand(2, 3))    # overlapping memory
    ro = np.zeros(3)
    ro.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not can_mutate(insitu.from_numpy(ro))
    with insitu.inference_mode():
        inf = insitu.ones(3)
    assert not can_mutate(inf)
    assert can_mutate(insitu.ones(3))


def test_can_mutate_agrees_with_what_happens():
    x = insitu.rand(N, requires_grad=True)
    for make in (lambda: x.exp(), lambda: 10 * x, lambda: x.sigmoid(), lambda: x + 1):
        y = make()
        ok = can_mutate(y)
        y.mul_(2)
        failed = False
        try:
            y.sum().backward()
        except RuntimeError:
            failed = True
        assert ok == (not failed)


# ----------------------------------------------------------------------------- copies for backward

def test_inplace_copy_warning_is_opt_in_and_names_op_and_bytes():
    x = insitu.rand(N, requires_grad=True)
    w = insitu.rand(N, requires_grad=True)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        (x * 1.0).mul_(w)
    assert not [w_ for w_ in got if issubclass(w_.category, InplaceCopyWarning)]
    warn_inplace_copies(True)
    try:
        with pytest.warns(InplaceCopyWarning, match=rf"mul_ kept a copy .*\({N * 4} bytes\)") as rec:
            (x * 1.0).mul_(w)
        assert rec[0].filename == __file__                  # attributed to the user's line
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            (x * 1.0).exp_()                               # saves its result: no copy
            (x * 1.0).mul_(2.0)                            # scalar: nothing to keep
        assert not got
    finally:
        warn_inplace_copies(False)
    assert issubclass(InplaceCopyWarning, UserWarning)


def test_inplace_copy_warning_env_var():
    code = ("import warnings, insitu\n"
            "warnings.simplefilter('error')\n"
            "x = insitu.rand(3, requires_grad=True)\n"
            "try:\n    (x * 1.0).mul_(x)\nexcept UserWarning as e:\n"
            "    print(type(e).__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**__import__("os").environ, "INSITU_WARN_INPLACE_COPIES": "1"})
    assert out.stdout.strip() == "InplaceCopyWarning", out.stderr


# ----------------------------------------------------------------------------- rescue

def _programs(lib, rescue):
    """(name, fn(x) -> loss) pairs. With rescue=True, an in-place op overwrites a saved tensor;
    with rescue=False the same program is written out of place (the reference)."""
    def saved_result(x):
        y = x.exp()
        a = (y * 3).sum()
        y = y.mul_(2) if rescue else y * 2
        return a + (y * x).sum()

    def saved_view(x):
        h = x * 1.0
        z = h[:4].pow(2)
        h = h.sin_() if rescue else h.sin()
        return z.sum() + h.sum()

    def saved_twice(x):
        h = x * 1.0
        z = h * h
        h = h.add_(1) if rescue else h + 1
        return z.sum() + (h * 2).sum()

    def through_view(x):
        h = x * 1.0
        z = h.tanh()               # saves its result
        t = z[2:6]
        if rescue:
            t.mul_(3)              # writes into the saved result through a view
        else:
            z = lib.cat([z[:2], t * 3, z[6:]])
        return z.sum() + (z * z).sum()

    return [("saved_result", saved_result), ("saved_view", saved_view),
            ("saved_twice", saved_twice), ("through_view", through_view)]


def _grad(lib, ctx, fn, values):
    x = lib.tensor(values, requires_grad=True)
    with ctx():
        fn(x).backward()
    return x.grad.numpy()


@pytest.mark.parametrize("name", ["saved_result", "saved_view", "saved_twice", "through_view"])
def test_rescue_matches_out_of_place_and_torch(name):
    values = np.linspace(-1.0, 1.0, 10)
    got = _grad(insitu, allow_mutation_on_saved_tensors, dict(_programs(insitu, True))[name], values)
    want = _grad(insitu, contextlib.nullcontext, dict(_programs(insitu, False))[name], values)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    torch = pytest.importorskip("torch")
    t_want = _grad(torch, contextlib.nullcontext, dict(_programs(torch, False))[name], values)
    np.testing.assert_allclose(got, t_want, rtol=1e-12)
    if name != "through_view":
        # PyTorch's own rescue agrees, except when the saved tensor is written through a view:
        # there (torch 2.13) it returns a gradient that differs from its out-of-place program
        t_got = _grad(torch, torch.autograd.graph.allow_mutation_on_saved_tensors,
                      dict(_programs(torch, True))[name], values)
        np.testing.assert_allclose(got, t_got, rtol=1e-12)


def test_without_rescue_the_same_program_fails_at_backward():
    x = insitu.rand(N, requires_grad=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        dict(_programs(insitu, True))["saved_result"](x).backward()


def test_rescue_copies_only_what_the_graph_saved():
    x = insitu.rand(N, requires_grad=True)
    with allow_mutation_on_saved_tensors(), memory.profile() as prof:
        h = x * 1.0
        z = h[:4].pow(2)          # saves a 4-element view of h
        h.mul_(2)                 # copies those 4 elements, not h's storage
        k = x * 1.0
        y = k * k                 # saves k twice: one copy
        k.add_(1)
    rows = {r["op"]: r for r in prof.rows}
    assert rows["mul_"]["copied"] == 4 * 4
    assert rows["add_"]["copied"] == N * 4
    (z.sum() + y.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy()[:4], (2 * x[:4] + 2 * x[:4]).detach().numpy(),
                               rtol=1e-6)


def test_rescue_of_a_parameter_updated_under_no_grad_gan_style():
    torch = pytest.importorskip("torch")
    w0, x0 = np.linspace(0.5, 1.5, 6), np.linspace(-1, 1, 6)

    def run(lib, ctx):
        w = lib.tensor(w0, requires_grad=True)
        x = lib.tensor(x0, requires_grad=True)
        with ctx():
            loss = (w * x).sum()         # saves w (for x's gradient) and x
            with lib.no_grad():
                w.sub_(0.25)             # an optimizer step before backward
            loss.backward()
        return x.grad.numpy(), w.grad.numpy()

    gx, gw = run(insitu, allow_mutation_on_saved_tensors)
    np.testing.assert_allclose(gx, w0)   # the value w had when the product was taken
    np.testing.assert_allclose(gw, x0)
    tgx, tgw = run(torch, torch.autograd.graph.allow_mutation_on_saved_tensors)
    np.testing.assert_allclose(gx, tgx)
    np.testing.assert_allclose(gw, tgw)


def test_rescued_graph_supports_double_backward():
    values = np.linspace(-1.0, 1.0, 5)

    def second(rescue):
        x = insitu.tensor(values, requires_grad=True)
        with allow_mutation_on_saved_tensors():
            h = x.sin()
            y = h * h                    # saves h twice
            if rescue:
                h.mul_(5)
            g, = insitu.autograd.grad(y.sum(), x, create_graph=True)
            g.sum().backward()
        return g.detach().numpy(), x.grad.numpy()

    (g1, gg1), (g0, gg0) = second(True), second(False)
    np.testing.assert_allclose(g1, g0, rtol=1e-12)
    np.testing.assert_allclose(gg1, gg0, rtol=1e-12)


def test_rescue_keeps_graph_valid_after_exit_and_ignores_earlier_saves():
    x = insitu.rand(N, requires_grad=True)
    before = x.exp()                     # saved outside the context: not tracked
    with allow_mutation_on_saved_tensors():
        y = x.exp()
        assert can_mutate(y) and not can_mutate(before)
        y.add_(1)
        before.add_(1)
    y.sum().backward()                   # after the context: still correct
    np.testing.assert_allclose(x.grad.numpy(), x.exp().detach().numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        before.sum().backward()
    assert not can_mutate(x.exp())       # outside the context again


def test_rescue_wins_over_strict_mode():
    x = insitu.rand(N, requires_grad=True)
    with insitu.autograd.strict_inplace(), allow_mutation_on_saved_tensors():
        y = x.exp()
        y.mul_(2)                        # rescued, so strict mode has nothing to refuse
        y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.exp().detach().numpy(), rtol=1e-6)


def test_observers_are_removed_after_contexts():
    from insitu.autograd.saved import SavedTensor
    plain = SavedTensor.__init__
    with allow_mutation_on_saved_tensors(), memory.profile():
        with allow_mutation_on_saved_tensors():
            assert SavedTensor.__init__ is not plain
    assert SavedTensor.__init__ is plain and not graph._observers


def test_rescue_covers_out_writes():
    x = insitu.rand(N, requires_grad=True)
    with allow_mutation_on_saved_tensors(), memory.profile() as prof:
        y = x.exp()
        with insitu.no_grad():
            insitu.mul(insitu.ones(N), 2, out=y)     # overwrites the saved result
        y.sum().backward()
    assert {r["op"]: r["copied"] for r in prof.rows}["mul"] == N * 4
    np.testing.assert_allclose(x.grad.numpy(), x.exp().detach().numpy(), rtol=1e-6)
