"""The backward engine and grad modes, against PyTorch: long graphs, retain_graph, implicit and
explicit gradients, `inputs=`, `autograd.grad`, higher-order gradients, hooks, in-place gradient
accumulation, and no_grad / enable_grad / set_grad_enabled / inference_mode."""
import re
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402
from insitu.autograd.function import Function  # noqa: E402

LIBS = [insitu, torch]


def norm_message(text):
    text = re.sub(r"\btorch\.(?=\w*Tensor\b|float|int|bool|uint|Size)", "insitu.", text)
    return text.split("\n")[0].split(" Hint:")[0]


def err(fn):
    try:
        fn()
    except (RuntimeError, ValueError, TypeError) as e:
        return type(e).__name__, norm_message(str(e))
    return None


def val(t):
    if t is None:
        return None
    return str(t.dtype).replace("torch.", "insitu."), np.round(t.detach().numpy(), 5).tolist()


def leaf(lib, values, requires_grad=True, dtype="float32"):
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=requires_grad)


def same(run):
    """run(lib) observes the same things on insitu and on torch; returns insitu's observation."""
    got = run(insitu)
    assert got == run(torch)
    return got


# --------------------------------------------------------------------- long graphs

def test_hundred_thousand_node_chain():
    x = insitu.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    assert sys.getrecursionlimit() < 100_000    # a recursive engine could not do this
    (y * insitu.tensor([3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(y.detach().numpy(), [100_001.0, 100_002.0])
    del y     # freeing the chain must not recurse either


def test_diamond_graph_sums_every_path():
    def run(lib):
        x = leaf(lib, [0.5, -1.5])
        a = x * 2
        b = a.exp() + a.sin() * a
        c = (b * a + x).sum()
        c.backward()
        return val(x.grad)
    same(run)


# --------------------------------------------------------------------- retain_graph

def test_second_backward_without_retain_graph_raises():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        y = (x.exp() * x).sum()
        y.backward()
        return err(y.backward), val(x.grad)
    got = same(run)
    assert got[0][1].startswith("Trying to backward through the graph a second time")


def test_retain_graph_allows_a_second_backward_and_accumulates():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        first = val(x.grad)
        y.backward()
        return first, val(x.grad), err(y.backward)
    same(run)


def test_graph_without_saved_tensors_can_run_twice():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        y = (x + 1).sum()
        y.backward()
        y.backward()    # add saves nothing: nothing was freed
        return val(x.grad)
    same(run)


# --------------------------------------------------------------------- gradients given or not

def test_non_scalar_backward_needs_a_gradient():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        y = x * 2
        first = err(y.backward)
        y.backward(lib.tensor([1.0, 10.0]))
        bad = err(lambda: (x * 3).backward(lib.ones(3)))
        return first, val(x.grad), bad
    got = same(run)
    assert got[0][1] == "grad can be implicitly created only for scalar outputs"


def test_backward_of_a_tensor_that_does_not_require_grad():
    got = same(lambda lib: err(lambda: lib.ones(3).sum().backward()))
    assert got[1] == "element 0 of tensors does not require grad and does not have a grad_fn"


def test_backward_of_several_roots():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        y1, y2 = x * 2, x.exp()
        lib.autograd.backward([y1, y2], [lib.tensor([1.0, 1.0]), lib.tensor([0.5, 2.0])])
        return val(x.grad)
    same(run)


# --------------------------------------------------------------------- inputs=

def test_backward_inputs_accumulates_only_there():
    def run(lib):
        x, w = leaf(lib, [1.0, 2.0]), leaf(lib, [3.0, 4.0])
        h = x * w
        y = (h * h).sum()
        y.backward(inputs=[w], retain_graph=True)
        only_w = val(x.grad), val(w.grad)
        y.backward(inputs=[h], retain_graph=True)   # a non-leaf input gets its .grad too
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h_grad = val(h.grad)
        return only_w, h_grad, val(x.grad)
    same(run)


def test_backward_inputs_empty():
    def run(lib):
        y = (leaf(lib, [1.0]) * 2).sum()
        return err(lambda: y.backward(inputs=[]))
    same(run)


def test_backward_inputs_on_a_tensor_that_retains_grad():
    def run(lib):
        x, w = leaf(lib, [1.0, 2.0]), leaf(lib, [3.0, 4.0])
        h = x * w
        h.retain_grad()
        (h * h).sum().backward(inputs=[h])
        return val(h.grad), x.grad
    same(run)


def test_backward_inputs_must_require_grad():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        c = lib.ones(2)
        return err(lambda: (x * c).sum().backward(inputs=[c]))
    same(run)


# --------------------------------------------------------------------- autograd.grad

def test_autograd_grad_returns_without_accumulating():
    def run(lib):
        x, w = leaf(lib, [1.0, 2.0]), leaf(lib, [3.0, 4.0])
        gx, gw = lib.autograd.grad((x * w).sum(), (x, w))
        return val(gx), val(gw), x.grad, w.grad
    same(run)


def test_autograd_grad_allow_unused():
    def run(lib):
        x, unused = leaf(lib, [1.0, 2.0]), leaf(lib, [3.0])
        first = err(lambda: lib.autograd.grad((x * 2).sum(), (x, unused)))
        gx, gu = lib.autograd.grad((x * 2).sum(), (x, unused), allow_unused=True)
        _, gz = lib.autograd.grad((x * 2).sum(), (x, unused), materialize_grads=True)
        return first is not None, val(gx), gu, val(gz)
    assert same(run)[0]


def test_autograd_grad_unused_input_message():
    def run(lib):
        x, unused = leaf(lib, [1.0, 2.0]), leaf(lib, [3.0])
        return err(lambda: lib.autograd.grad((x * 2).sum(), (x, unused)))
    same(run)


def test_autograd_grad_input_must_require_grad():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        c = lib.ones(2)
        return err(lambda: lib.autograd.grad((x * c).sum(), c))
    same(run)


def test_autograd_grad_with_grad_outputs_and_retain_graph():
    def run(lib):
        x = leaf(lib, [1.0, 2.0, 3.0])
        y = x.sin()
        go = lib.tensor([1.0, -1.0, 2.0])
        g1, = lib.autograd.grad(y, x, go, retain_graph=True)
        g2, = lib.autograd.grad(y, x, go)
        return val(g1), val(g2), err(lambda: lib.autograd.grad(y, x, go))
    same(run)


def test_create_graph_higher_order_derivatives():
    def run(lib):
        x = leaf(lib, [0.5, -1.0, 2.0], dtype="float64")
        y = (x.sin() * x ** 3).sum()
        out = []
        g = y
        for _ in range(4):      # first to fourth derivative
            g, = lib.autograd.grad(g.sum(), x, create_graph=True)
            out.append((val(g), g.requires_grad))
        return out
    same(run)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")   # torch's
def test_create_graph_backward_makes_grad_differentiable():
    def run(lib):
        x = leaf(lib, [1.0, 2.0], dtype="float64")
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        flags = (g.requires_grad, g.grad_fn is not None)
        gg, = lib.autograd.grad(g.sum(), x)
        return flags, val(g), val(gg)
    same(run)


# --------------------------------------------------------------------- .grad accumulation

def test_grad_is_accumulated_in_place():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        (x * 2).sum().backward()
        g, ptr = x.grad, x.grad.data_ptr()
        (x * 3).sum().backward()
        return x.grad is g, x.grad.data_ptr() == ptr, val(g)
    assert same(run)[:2] == (True, True)


def test_accumulate_grad_out_of_place_under_create_graph():
    # PyTorch's test_accumulate_grad
    def compute(lib, create_graph):
        x = leaf(lib, [[0.5, 1.0], [2.0, -1.0]])
        y = x + 2
        y.backward(lib.ones(2, 2), retain_graph=True)
        x_grad = x.grad
        clone = x.grad.clone()
        y.backward(lib.ones(2, 2), create_graph=create_graph)
        return val(x_grad), val(clone), x.grad is x_grad
    same(lambda lib: (compute(lib, False), compute(lib, True)))


def test_accumulate_grad_tensor_reference():
    # PyTorch's test_accumulate_grad_tensor_reference (dense gradients)
    def run(lib):
        out = []
        for create_graph in (False, True):
            params = lib.tensor([1.5, 1.5]).requires_grad_()
            params.grad = lib.tensor([1.5, 1.5])
            saved = params.grad
            params.backward(lib.tensor([1.5, 1.5]), create_graph=create_graph)
            out.append((params.grad is saved, val(params.grad)))
        return out
    assert same(run) == [(True, ("insitu.float32", [3.0, 3.0])),
                         (False, ("insitu.float32", [3.0, 3.0]))]


def test_first_grad_owns_its_buffer():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        g = lib.tensor([5.0, 6.0])
        x.backward(g)
        own = x.grad.data_ptr() != g.data_ptr()
        g.add_(1)       # the caller's tensor changes; x.grad must not
        e = leaf(lib, [1.0])
        e.expand(3).sum().backward()    # gradient arrives as an expanded (stride 0) tensor
        e.grad.add_(1)
        return own, val(x.grad), val(e.grad)
    same(run)



def test_a_fresh_first_gradient_becomes_grad_without_a_copy():
    # PyTorch's AccumulateGrad steals a gradient nothing else holds; so does insitu: the
    # backward of sigmoid allocates its one result, which is then x.grad (no second buffer)
    x = insitu.randn(64, 32).requires_grad_()
    y = insitu.sigmoid(x)
    g = insitu.ones(64, 32)
    insitu.memory.reset_peak()
    before = insitu.memory.allocated()
    y.backward(g)
    assert insitu.memory.peak() - before == x.numel() * 4
    assert x.grad._storage is not g._storage and x.grad._storage is not y._storage


def test_a_gradient_someone_else_holds_is_copied():
    def run(lib):
        a, b = leaf(lib, [1.0, 2.0]), leaf(lib, [3.0, 4.0])
        (a + b).sum().backward()          # one gradient tensor reaches both leaves
        a.grad.add_(10)
        kept = []
        c = leaf(lib, [1.0, 2.0])
        c.register_hook(kept.append)     # a hook keeps the gradient on its way into .grad
        (c * 3).sum().backward()
        kept[0].add_(100)
        d = leaf(lib, [1.0, 2.0])
        e = d.clone()
        g = lib.tensor([5.0, 6.0])
        e.backward(g, retain_graph=True)  # clone's backward passes the caller's tensor on
        g.add_(1)
        return val(a.grad), val(b.grad), val(c.grad), val(d.grad)
    same(run)

def test_grad_of_leaf_can_be_modified_and_set():
    def run(lib):
        w = leaf(lib, [1.0, 2.0])
        (w * w).sum().backward()
        w.grad.mul_(0.5)
        first = val(w.grad)
        w.grad = None
        (w * 3).sum().backward()
        return first, val(w.grad), err(lambda: setattr(w, "grad", lib.ones(3))) is not None
    same(run)


def test_grad_of_wrong_size_is_refused():
    same(lambda lib: err(lambda: setattr(leaf(lib, [1.0, 2.0]), "grad", lib.ones(3))))


# --------------------------------------------------------------------- hooks

def test_tensor_hooks_modify_and_observe():
    def run(lib):
        log = []
        x = leaf(lib, [1.0, 2.0])
        y = x * 3
        h1 = y.register_hook(lambda g: log.append(("first", val(g))) or g * 2)
        y.register_hook(lambda g: log.append(("second", val(g))))
        x.register_hook(lambda g: log.append(("leaf", val(g))))
        y.sum().backward(retain_graph=True)
        h1.remove()
        y.sum().backward()
        return log, val(x.grad)
    same(run)


def test_node_pre_and_post_hooks():
    def run(lib):
        log = []
        x = leaf(lib, [1.0, 2.0])
        y = x.exp()
        fn = y.grad_fn
        fn.register_prehook(lambda go: log.append(("pre", val(go[0]))))
        fn.register_hook(lambda gi, go: log.append(("post", val(gi[0]), val(go[0]))))
        y.register_hook(lambda g: log.append(("tensor", val(g))) or g * 10)
        y.sum().backward()
        return log, val(x.grad)
    same(run)


def test_post_hook_can_replace_grad_inputs():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        y = x * 2
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0 + 7, *gi[1:]))
        y.sum().backward()
        return val(x.grad)
    same(run)


def test_post_accumulate_grad_hook_and_retain_grad():
    def run(lib):
        log = []
        x = leaf(lib, [1.0, 2.0])
        x.register_post_accumulate_grad_hook(lambda t: log.append(val(t.grad)))
        y = x * 2
        y.retain_grad()
        z = (y * y).sum()
        z.backward()
        return log, val(y.grad), y.retains_grad, err(lambda: lib.ones(2).retain_grad())
    same(run)


def test_hook_on_tensor_that_does_not_require_grad():
    same(lambda lib: err(lambda: lib.ones(2).register_hook(lambda g: g)))


# --------------------------------------------------------------------- nodes the engine skips

def test_node_reached_without_gradient_still_runs():
    def run(lib):
        base = Function if lib is insitu else torch.autograd.Function
        calls = []

        class Stop(base):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return None

        class Count(base):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                calls.append(val(g))
                return g * 2
        x = leaf(lib, [1.0, 2.0])
        Stop.apply(Count.apply(x)).sum().backward()
        return calls, val(x.grad)
    same(run)


# --------------------------------------------------------------------- grad modes

def _flags(t):
    return t.requires_grad, t.grad_fn is None, t.is_leaf


def test_no_grad_context_and_decorator():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        with lib.no_grad():
            inside = lib.is_grad_enabled()
            y = x * 2
            with lib.enable_grad():
                z = x * 2

        @lib.no_grad()
        def doubled(t):
            """docstring kept"""
            return t * 2
        w = doubled(x)
        return inside, lib.is_grad_enabled(), _flags(y), _flags(z), _flags(w), doubled.__doc__
    same(run)


def test_enable_grad_decorator_inside_no_grad():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])

        @lib.enable_grad()
        def tracked(t):
            return t * 2
        with lib.no_grad():
            y = tracked(x)
            still_off = lib.is_grad_enabled()
        return _flags(y), still_off
    same(run)


def test_set_grad_enabled_function_and_context():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        with lib.set_grad_enabled(False):
            a = x * 2
        b = x * 2
        lib.set_grad_enabled(False)     # takes effect at once, as a plain call
        c = x * 2
        off = lib.is_grad_enabled()
        lib.set_grad_enabled(True)
        return _flags(a), _flags(b), _flags(c), off, lib.is_grad_enabled()
    same(run)


def test_set_grad_enabled_decorator():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        try:
            @lib.set_grad_enabled(False)
            def untracked(t):
                return t * 2
            after_decorating = lib.is_grad_enabled()
            d = untracked(x)
            return after_decorating, _flags(d), lib.is_grad_enabled()
        finally:
            lib.set_grad_enabled(True)
    same(run)


def test_no_grad_is_restored_after_an_exception():
    def run(lib):
        try:
            with lib.no_grad():
                raise KeyError("boom")
        except KeyError:
            pass
        return lib.is_grad_enabled()
    assert same(run) is True


def test_inference_mode_context_and_decorator():
    def run(lib):
        x = leaf(lib, [1.0, 2.0])
        with lib.inference_mode():
            flags = (lib.is_grad_enabled(), lib.is_inference_mode_enabled())
            y = x * 2
        with lib.inference_mode(False):
            z = x * 2

        @lib.inference_mode()
        def infer(t):
            return t * 2
        w = infer(x)
        after = (lib.is_grad_enabled(), lib.is_inference_mode_enabled())
        return flags, _flags(y), _flags(z), _flags(w), after, err(lambda: y.add_(1))
    got = same(run)
    assert got[-1][1].startswith("Inplace update to inference tensor outside InferenceMode")


def test_a_refused_write_into_an_inference_tensor_writes_nothing():
    # PyTorch's kernel writes, then the version refusal raises; insitu raises PyTorch's error
    # (its kernel's own refusals first) and leaves the tensor as it was, shape included
    with insitu.inference_mode():
        small, large, empty = insitu.zeros(3), insitu.zeros(200_000), insitu.zeros(2)
    for x in (small, large, empty):
        for write in (lambda: x.add_(1), lambda: x.clamp_(1, 2), lambda: x.fill_(3),
                      lambda: x.copy_(insitu.ones(x.shape)), lambda: x.__setitem__(0, 5.0),
                      lambda: insitu.add(insitu.ones(4), 1, out=x)):
            with pytest.raises(RuntimeError, match="Inplace update to inference tensor"):
                write()
        assert x.abs().sum().item() == 0 and x.shape[0] in (3, 200_000, 2)
    with pytest.raises(NotImplementedError, match="bitwise_or_cpu"):
        small.bitwise_or_(False)           # the kernel's refusal comes first, as in PyTorch


def test_inplace_updates_under_no_grad_bump_versions():
    def run(lib):
        w = leaf(lib, [1.0, 2.0, 3.0])
        (w * w).sum().backward()
        with lib.no_grad():
            w.sub_(0.1 * w.grad)
            w.neg_()
            w.clamp_(-10, 10)
            w.mul_(-1)
            w += 1
            w.copy_(w * 1)
            inside = _flags(w)
        w.grad = None
        (w * w).sum().backward()
        return inside, w._version, val(w), val(w.grad)
    same(run)


def test_grad_modes_are_not_leaking_between_threads_of_control():
    # nesting restores each enclosing mode in order
    def run(lib):
        seen = []
        with lib.no_grad():
            seen.append(lib.is_grad_enabled())
            with lib.enable_grad():
                seen.append(lib.is_grad_enabled())
                with lib.set_grad_enabled(False):
                    seen.append(lib.is_grad_enabled())
                seen.append(lib.is_grad_enabled())
            seen.append(lib.is_grad_enabled())
        seen.append(lib.is_grad_enabled())
        return seen
    assert same(run) == [False, True, False, True, False, True]


def test_warning_for_grad_of_non_leaf():
    def run(lib):
        y = leaf(lib, [1.0]) * 2
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            g = y.grad
        return g, [norm_message(str(w.message)).split(" (Triggered")[0] for w in caught]
    same(run)
