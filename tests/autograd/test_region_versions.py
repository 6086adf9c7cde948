"""Region version tracking: with `region_versions()` a write invalidates only the saved tensors
whose elements it touches. Programs that PyTorch refuses (a preallocated RNN buffer, writes into
disjoint parts of a tensor, into chunk outputs) give the gradients of the equivalent clone-based
program, checked against torch and by gradcheck in float64; overlapping writes still raise with
both lines; every reader of versions (backward, strict mode, can_mutate, is_saved, the rescue,
custom Functions) follows the rule; the default stays PyTorch's."""
import re
import sys

import numpy as np
import pytest

import insitu
from insitu import memory
from insitu.autograd import (region_versions, set_version_tracking, get_version_tracking,
                             strict_inplace, can_mutate, allow_mutation_on_saved_tensors,
                             gradcheck)
from insitu.autograd.saved import SavedTensor, saved_on

torch = pytest.importorskip("torch")
HERE = re.escape(__file__)
MODIFIED = "modified by an inplace operation"


def _line():
    return sys._getframe(1).f_lineno


@pytest.fixture(autouse=True)
def _storage_rule_after_each_test():
    yield
    set_version_tracking("storage")
    assert get_version_tracking() == "storage"


# ------------------------------------------------------------------------- the programs
# Each runs with `lib` insitu or torch; `cloned` gives the equivalent program that clones what it
# saves (or avoids the multi-view output), which both libraries accept under the storage rule.

def chunk_write(lib, x, cloned):
    a, b = x.mul(1).chunk(2)
    if cloned:
        a = a.clone()
    y = b.sigmoid()
    a.mul_(2)
    return y, a


def write_beside_a_saved_row(lib, x, cloned):
    a = x.mul(1)
    row = a[1].clone() if cloned else a[1]
    a[0] = row.sin()
    return a


def rnn_buffer(lib, h0, w, steps=100):
    h = lib.zeros(steps, h0.shape[0], dtype=h0.dtype)
    h[0] = h0
    for t in range(1, steps):
        h[t] = lib.tanh(h[t - 1] @ w)
    return h


def rnn_clone(lib, h0, w, steps=100):
    h = lib.zeros(steps, h0.shape[0], dtype=h0.dtype)
    h[0] = h0
    for t in range(1, steps):
        h[t] = lib.tanh(h[t - 1].clone() @ w)
    return h


def sliding_window(lib, x0, w, cloned, steps=12):
    """An autoregressive filter over a buffer: y[t] from the window y[t-k:t], then windows of k
    written from the window before them."""
    k = x0.shape[0]
    y = lib.zeros(steps + 2 * k, dtype=x0.dtype)
    y[:k] = x0
    for t in range(k, steps):
        win = y[t - k:t].clone() if cloned else y[t - k:t]
        y[t] = (win * w).sum()
    for t in range(steps, steps + 2 * k, k):
        win = y[t - k:t].clone() if cloned else y[t - k:t]
        y[t:t + k] = win.sin()
    return y


def interleaved_halves(lib, x, cloned):
    a = x.mul(1)
    keep = (lambda t: t.clone()) if cloned else (lambda t: t)
    e = keep(a[::2]).sin()              # saves the even elements
    a[1::2] += e                        # writes the odd ones
    a[1::2].mul_(keep(a[::2]).cos())    # again, reading the even ones
    m = x.mul(1).view(4, -1)
    s = keep(m[:, ::2]).exp() * keep(m[:, ::2])
    m[:, 1::2] = s                      # odd columns from even ones
    return a, e, m


def transposed_writes(lib, x, cloned):
    a = x.mul(1)
    s = (a[0, :2].clone() if cloned else a[0, :2]).sin()     # saves a[0, :2]
    at = a.t()
    at[2:, 1:].mul_(3)                  # a[1:, 2:]
    at[0, 1:] = s.sum()                 # a[1:, 0]
    return a, s


def diagonal_and_narrow(lib, x, cloned):
    m = x.mul(1)
    keep = (lambda t: t.clone()) if cloned else (lambda t: t)
    s = keep(m[0, 1:]).sin()            # the first row, right of the diagonal
    n = keep(m.narrow(1, 0, 2)[2:]).cos()
    m.diagonal().mul_(2)                # touches neither: (0, 0) is left of m[0, 1:]
    m[2:, 3:].mul_(m.select(1, 2)[2:, None].tanh() if not cloned else
                   m.select(1, 2)[2:, None].clone().tanh())
    return m, s, n


def multi_output_writes(lib, x, cloned):
    m = x.mul(1)
    if cloned:
        rows = [m[i] for i in range(m.shape[0])]
        parts = [m[:, :2], m[:, 2:3], m[:, 3:]]
    else:
        rows = m.unbind(0)
        parts = m.split([2, 1, 1], dim=1)
    y = (rows[1][:2].clone() if cloned else rows[1][:2]).sin()      # saves m[1, :2]
    rows[0].mul_(2)
    rows[2][:2].add_(y)
    z = parts[1].exp()
    parts[2].mul_(3)                    # column 3 only
    return m, y, z, rows[1] * 1, parts[0] * 1


PROGRAMS = {
    "chunk": (chunk_write, [(4,)]),
    "beside a saved row": (write_beside_a_saved_row, [(3, 2)]),
    "sliding window": (sliding_window, [(3,), (3,)]),
    "interleaved halves": (interleaved_halves, [(8,)]),
    "transposed view": (transposed_writes, [(4, 3)]),
    "diagonal and narrow": (diagonal_and_narrow, [(4, 4)]),
    "unbind and split": (multi_output_writes, [(3, 4)]),
}


def _values(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.9, 0.9, s) for s in shapes]


def _run(lib, fn, values, cloned, loss_seed=1):
    xs = [lib.tensor(v, requires_grad=True) for v in values]
    outs = fn(lib, *xs, cloned)
    outs = outs if isinstance(outs, tuple) else (outs,)
    rng = np.random.default_rng(loss_seed)
    loss = sum((o * lib.tensor(rng.uniform(-1, 1, tuple(o.shape)))).sum() for o in outs)
    loss.backward()
    return [o.detach().numpy().copy() for o in outs], [x.grad.numpy().copy() for x in xs]


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_gradients_equal_the_clone_based_programs(name):
    fn, shapes = PROGRAMS[name]
    values = _values(shapes)
    with region_versions():
        outs, grads = _run(insitu, fn, values, cloned=False)
    t_outs, t_grads = _run(torch, fn, values, cloned=True)
    i_outs, i_grads = _run(insitu, fn, values, cloned=True)
    for got, want, mine in zip(outs + grads, t_outs + t_grads, i_outs + i_grads):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(got, mine, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_storage_rule_refuses_them_as_torch_does(name):
    fn, shapes = PROGRAMS[name]
    values = _values(shapes)
    with pytest.raises(RuntimeError) as theirs:
        _run(torch, fn, values, cloned=False)
    with pytest.raises(RuntimeError) as ours:
        _run(insitu, fn, values, cloned=False)
    assert str(ours.value).split(":")[0] == str(theirs.value).split(":")[0]


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_gradcheck_in_float64(name):
    fn, shapes = PROGRAMS[name]

    def f(*xs):
        with region_versions():
            return fn(insitu, *xs, False)

    inputs = tuple(insitu.tensor(v, requires_grad=True) for v in _values(shapes, 3))
    assert gradcheck(f, inputs, eps=1e-6, atol=1e-7, rtol=1e-6)


def test_rnn_of_100_steps_into_a_preallocated_buffer():
    h0, w = _values([(3,), (3, 3)], seed=5)
    c = np.random.default_rng(6).uniform(-1, 1, (100, 3))

    def grads(lib, program, region):
        h0t = lib.tensor(h0, requires_grad=True)
        wt = lib.tensor(w, requires_grad=True)
        if region:
            with region_versions():
                h = program(lib, h0t, wt)
        else:
            h = program(lib, h0t, wt)
        (h * lib.tensor(c)).sum().backward()
        return h.detach().numpy(), h0t.grad.numpy(), wt.grad.numpy()

    got = grads(insitu, rnn_buffer, True)
    for want in (grads(torch, rnn_clone, False), grads(insitu, rnn_clone, False)):
        for g, t in zip(got, want):
            np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-15)
    with pytest.raises(RuntimeError, match=MODIFIED):      # PyTorch's rule
        grads(insitu, rnn_buffer, False)
    with pytest.raises(RuntimeError, match=MODIFIED):
        grads(torch, rnn_buffer, False)


def test_gradcheck_rnn_of_100_steps():
    def f(h0, w):
        with region_versions():
            h = rnn_buffer(insitu, h0, w)
        return h.sum(0), h[-1]

    h0, w = _values([(2,), (2, 2)], seed=8)
    assert gradcheck(f, (insitu.tensor(h0, requires_grad=True),
                         insitu.tensor(w, requires_grad=True)), eps=1e-6, atol=1e-7, rtol=1e-6)


# ------------------------------------------------------------------------- what still raises

def test_overlapping_write_still_raises_naming_both_lines():
    x = insitu.rand(6, requires_grad=True, dtype=insitu.float64)
    with region_versions():
        a = x.mul(1)
        s = a[2:4].sin(); save = _line()         # noqa: E702
        a[0] = 1; miss = _line()                 # noqa: E702
        a[3:].mul_(2); hit = _line()             # noqa: E702
        a[5] = 0                                 # misses too
    with pytest.raises(RuntimeError, match=MODIFIED) as err:
        s.sum().backward()
    msg = str(err.value)
    assert re.search(rf"saved for backward by sin at {HERE}:{save} \(version 0\)", msg)
    assert re.search(rf"modified in place by mul_ at {HERE}:{hit} \(now version 2\)", msg)
    assert f":{miss} " not in msg and "fill_" not in msg    # only the write that touched it
    assert "insitu.autograd.region_versions()" not in msg


def test_a_write_made_under_the_storage_rule_invalidates_as_in_torch():
    x = insitu.rand(4, 2, requires_grad=True)
    with region_versions():
        a = x.mul(1)
        s = a[1].sin()
        a[0].mul_(2)                 # by region: misses a[1]
    a[2].mul_(2)                     # by storage: invalidates everything saved from a
    with pytest.raises(RuntimeError, match=MODIFIED) as err:
        s.sum().backward()
    assert "region_versions()" in str(err.value)   # neither touched the saved row
    assert "mul_" in str(err.value)


def test_backward_outside_the_context_follows_the_rule_of_each_write():
    x = insitu.rand(4, 2, requires_grad=True)
    a = x.mul(1)
    s = a[1].sin()                   # saved under the storage rule
    with region_versions():
        a[0].mul_(2)                 # a write by region: misses a[1]
    s.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[1], np.cos(x.detach().numpy()[1]), rtol=1e-6)


def test_default_mode_error_says_when_no_write_touched_the_saved_elements():
    x = insitu.rand(3, 2, requires_grad=True)
    a = x.mul(1)
    s = a[1].sin()
    a[0] = 5
    a[2].add_(1)
    with pytest.raises(RuntimeError, match=MODIFIED) as err:
        s.sum().backward()
    lines = str(err.value).splitlines()
    assert len(lines) == 5 and "fill_" in lines[2] and "add_" in lines[3]
    assert lines[4] == ("  none of these writes touched the elements saved here: under "
                        "insitu.autograd.region_versions() (versions tracked by region) they "
                        "would not invalidate it")
    b = x.mul(1)
    s = b[1].sin()
    b[1:].add_(1)
    with pytest.raises(RuntimeError, match=MODIFIED) as err:
        s.sum().backward()
    assert "insitu.autograd.region_versions()" not in str(err.value)


def test_resize_counts_as_a_write_of_everything():
    a = insitu.arange(6.0)
    with region_versions():
        w = insitu.rand(2, requires_grad=True)
        y = a[4:] * w                # saves a[4:] for w's gradient
        with insitu.no_grad():
            a.resize_(2)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


def test_multi_output_views_stay_refused_under_the_storage_rule():
    x = insitu.rand(4, requires_grad=True)
    a, b = x.mul(1).chunk(2)
    with pytest.raises(RuntimeError, match="Output 0 of Split is a view"):
        a.mul_(2)
    with region_versions():
        a.mul_(2)
    with pytest.raises(RuntimeError, match="Output 1 of Split is a view and its base"):
        b.grad_fn                    # a sibling, read under the storage rule
    with region_versions():
        assert b.grad_fn.name() == "AsStridedBackward0"


def test_unbind_of_a_buffer_rows_written_from_each_other():
    h0, w = _values([(3,), (3, 3)], seed=2)

    def run(lib):
        h0t, wt = lib.tensor(h0, requires_grad=True), lib.tensor(w, requires_grad=True)
        buf = lib.zeros(6, 3, dtype=h0t.dtype)
        if lib is insitu:            # the rows made once, up front
            rows = buf.unbind(0)
            rows[0].copy_(h0t)
            for t in range(1, 6):
                rows[t].copy_(lib.tanh(rows[t - 1] @ wt))
        else:                        # torch: fresh row views, and clones of what matmul saves
            buf[0].copy_(h0t)
            for t in range(1, 6):
                buf[t].copy_(lib.tanh(buf[t - 1].clone() @ wt))
        (buf * lib.tensor(np.arange(18.0).reshape(6, 3))).sum().backward()
        return h0t.grad.numpy(), wt.grad.numpy()

    with region_versions():
        got = run(insitu)
    want = run(torch)
    for g, t in zip(got, want):
        np.testing.assert_allclose(g, t, rtol=1e-12)


# ------------------------------------------------------------------------- the other readers

def test_strict_mode_refuses_only_writes_that_touch_saved_elements():
    x = insitu.rand(4, 2, requires_grad=True)
    with region_versions(), strict_inplace():
        a = x.mul(1)
        s = a[1].sin(); save = _line()           # noqa: E702
        a[0].mul_(2)                             # misses: allowed
        a[2:] = 0
        with pytest.raises(RuntimeError, match=rf"strict_inplace: mul_ at {HERE}:\d+ would modify "
                           rf"a tensor that a live graph saved for backward \(saved by sin at "
                           rf"{HERE}:{save}\)"):
            a[1:3].mul_(2)
    s.sum().backward()


def test_strict_mode_is_conservative_for_tensors_saved_under_the_storage_rule():
    x = insitu.rand(4, 2, requires_grad=True)
    a = x.mul(1)
    s = a[1].sin()                               # not registered: its region is not listed
    with region_versions(), strict_inplace():
        with pytest.raises(RuntimeError, match="strict_inplace: mul_"):
            a[0].mul_(2)
    s.sum().backward()


def test_can_mutate_and_is_saved_ask_about_the_tensors_own_elements():
    x = insitu.rand(4, 2, requires_grad=True)
    with region_versions():
        a = x.mul(1)
        s = a[1].sin()
        assert a.is_saved and a[1].is_saved and a[1, 1:].is_saved
        assert not a[0].is_saved and not a[2:].is_saved
        assert not can_mutate(a[1]) and not can_mutate(a)
        assert can_mutate(a[0]) and can_mutate(a[2:])
    assert a[0].is_saved and not can_mutate(a[0])        # storage rule again
    del s
    with region_versions():
        assert not a.is_saved and can_mutate(a)


def test_rescue_copies_only_the_saved_tensors_a_write_touches():
    x = insitu.rand(8, 4, requires_grad=True, dtype=insitu.float64)
    with region_versions(), allow_mutation_on_saved_tensors(), memory.profile() as prof:
        a = x.mul(1)
        s1 = a[1].sin()
        s2 = a[5].sin()
        assert can_mutate(a[0]) and can_mutate(a[1])
        a[0].mul_(2)                 # touches neither: nothing copied
        a[5:7].mul_(3)               # touches s2's row: its 4 elements copied
    rows = {r["op"]: r for r in prof.rows}
    assert rows.get("mul_", {}).get("copied", 0) == 4 * 8
    (s1.sum() + s2.sum() + a.sum()).backward()
    xv = x.detach().numpy()
    want = np.ones((8, 4))
    want[0], want[5:7] = 2, 3
    want[1] += np.cos(xv[1])
    want[5] += np.cos(xv[5])
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12)


def test_custom_functions_saved_tensors_follow_the_rule():
    class Scale(insitu.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            return x * w

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g * w, (g * x).sum()

    x = insitu.rand(4, 3, requires_grad=True, dtype=insitu.float64)
    w = insitu.tensor(1.5, requires_grad=True, dtype=insitu.float64)
    with region_versions():
        a = x.mul(1)
        y = Scale.apply(a[1], w)
        a[2:].mul_(2)
    y.sum().backward()
    np.testing.assert_allclose(w.grad.item(), x[1].sum().item(), rtol=1e-12)
    with region_versions():
        y = Scale.apply(a[1], w)
        a[:2].mul_(2)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


# ------------------------------------------------------------------------- the switch

def test_switch_and_context_manager():
    assert get_version_tracking() == "storage"
    with region_versions():
        assert get_version_tracking() == "region"
        with region_versions():
            pass
        assert get_version_tracking() == "region"
    assert get_version_tracking() == "storage"
    set_version_tracking("region")
    assert get_version_tracking() == "region"
    set_version_tracking("storage")
    with pytest.raises(ValueError, match="'storage' or 'region'"):
        set_version_tracking("tree")


def test_saving_costs_nothing_extra_with_the_mode_off():
    plain = SavedTensor.__init__
    with region_versions():
        assert SavedTensor.__init__ is not plain
        with allow_mutation_on_saved_tensors():
            pass
        assert SavedTensor.__init__ is not plain
    assert SavedTensor.__init__ is plain


def test_a_storages_list_of_saved_tensors_does_not_keep_them():
    with region_versions():
        x = insitu.rand(3, requires_grad=True)
        a = x.mul(1)
        y = a.sin()
        st = a._storage
        assert len(saved_on(st)) == 1
        del y
        assert st.saved == 0 and not a.is_saved
        z = a.exp() * a             # mul saves a and exp's result; exp saves its own result
        assert a.is_saved and len(saved_on(st)) == 1
    del z
    assert a._storage.saved == 0


@pytest.mark.parametrize("writes", [10, 200])      # below and above saved.SCAN_FROM
@pytest.mark.parametrize("last", ["none", "touching", "storage rule", "empty"])
def test_long_logs_of_writes_are_judged_like_short_ones(writes, last):
    x = insitu.rand(writes + 2, 2, requires_grad=True, dtype=insitu.float64)
    with region_versions():
        a = x.mul(1)
        s = a[0].sin()                      # saves row 0
        for i in range(writes):
            a[i + 1].mul_(1.5)              # each misses row 0
            if i == writes // 2 and last == "touching":
                a[:, 1].mul_(2)             # a column: touches row 0
        if last == "empty":
            a[1:1].mul_(2)
    if last == "storage rule":
        a[-1].mul_(2)
    if last in ("touching", "storage rule"):
        with pytest.raises(RuntimeError, match=MODIFIED) as err:
            s.sum().backward()
        assert (last == "touching") == ("insitu.autograd.region_versions()" not in str(err.value))
    else:
        s.sum().backward()
        np.testing.assert_allclose(x.grad.numpy()[0], np.cos(x.detach().numpy()[0]), rtol=1e-12)
