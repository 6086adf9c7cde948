"""Custom autograd Functions against PyTorch.

Every Function is defined once (`_define`) and instantiated for both libraries, so the same user
code runs on insitu and on torch; values, gradients, grad_fn names, versions, what backward
receives and error messages must agree ('torch.' read as 'insitu.').
"""
import re
import types
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402
from insitu.autograd.function import Function, FunctionCtx, once_differentiable  # noqa: E402
from insitu.autograd import guards  # noqa: E402


def _define(lib, Function, once_differentiable):
    """The same custom Functions, written against `lib`."""
    ns = types.SimpleNamespace(received=[])

    class MyExp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    class Cube(Function):   # backward differentiable: saves the input
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 3 * g * x * x

    class Scale(Function):  # non-tensor and non-requiring arguments, keyword argument
        @staticmethod
        def forward(ctx, x, k, c, shift=0.0):
            ns.received.append(("needs", ctx.needs_input_grad))
            ctx.k = k
            return x * k + c + shift

        @staticmethod
        def backward(ctx, g):
            return (g * ctx.k, None, None) + ((None,) if len(ctx.needs_input_grad) > 3 else ())

    class Two(Function):    # several outputs: tensors, a Python number, a bool tensor
        @staticmethod
        def forward(ctx, x, y):
            return x * 2, y * 3, 7, x > 0

        @staticmethod
        def backward(ctx, ga, gb, gc, gd):
            ns.received.append(tuple(None if g is None else g.detach().numpy().copy()
                                     for g in (ga, gb, gc, gd)))
            return ga * 2, gb * 3

    class NoMaterialize(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            ns.received.append((g1 is None, g2 is None))
            return g1 if g2 is None else g2 * 2

    class SortLike(Function):   # second output marked non-differentiable
        @staticmethod
        def forward(ctx, x):
            idx = x * 0 + 1
            ctx.mark_non_differentiable(idx)
            return x * 1, idx

        @staticmethod
        def backward(ctx, gv, gi):
            ns.received.append(gi.detach().numpy().copy())
            return gv

    class Id(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class Tail(Function):   # returns a view of its input
        @staticmethod
        def forward(ctx, x):
            return x[1:]

        @staticmethod
        def backward(ctx, g):
            r = g.new_zeros(g.shape[0] + 1)
            r[1:] = g
            return r

    class Double_(Function):    # in place, marked dirty
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class DoubleTwo_(Function):  # in place, and a second output
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x, x * 3

        @staticmethod
        def backward(ctx, g, h):
            return g * 2 + h * 6

    class DirtySaved(Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            ctx.save_for_backward(x)
            return x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2

    class SaveInput(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, None)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            x, nothing = ctx.saved_tensors
            assert nothing is None
            return g * x

    class CubeOnce(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 3 * g * x * x

    class GradMode(Function):
        @staticmethod
        def forward(ctx, x):
            ns.received.append(("forward", lib.is_grad_enabled()))
            return x * 2

        @staticmethod
        def backward(ctx, g):
            ns.received.append(("backward", lib.is_grad_enabled()))
            return g * 2

    class WideGrad(Function):   # backward returns a gradient of broadcast shape
        @staticmethod
        def forward(ctx, x):
            return x.expand(3) * 1

        @staticmethod
        def backward(ctx, g):
            return g

    class Float64Grad(Function):    # backward returns float64 for a float32 input
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * lib.ones(g.shape, dtype=lib.float64)

    class SetupStyle(Function):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    class VjpStyle(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 5

        @staticmethod
        def vjp(ctx, g):
            return g * 5

    for cls in (MyExp, Cube, Scale, Two, NoMaterialize, SortLike, Id, Tail, Double_, DoubleTwo_,
                DirtySaved, SaveInput, CubeOnce, GradMode, WideGrad, Float64Grad, SetupStyle,
                VjpStyle):
        setattr(ns, cls.__name__, cls)
    return ns


@pytest.fixture
def T():
    from torch.autograd.function import once_differentiable as once
    ns = _define(torch, torch.autograd.Function, once)
    ns.lib = torch
    return ns


@pytest.fixture
def I():  # noqa: E743
    ns = _define(insitu, Function, once_differentiable)
    ns.lib = insitu
    return ns


def _leaf(ns, values, requires_grad=True, dtype="float32"):
    return ns.lib.tensor(values, dtype=getattr(ns.lib, dtype), requires_grad=requires_grad)


def _np(t):
    return t.detach().numpy()


def _same(a, b):
    """insitu tensor `a` equals torch tensor `b`: values and dtype."""
    assert a.dtype.name == str(b.dtype).replace("torch.", "")
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-6, atol=1e-7)


def torch_message(text):
    """PyTorch's message as insitu words it: insitu dtype names, no anomaly-mode hint, no C++
    source location."""
    text = re.sub(r"\btorch\.(?=\w*Tensor\b|float|int|bool|uint|Size)", "insitu.", text)
    return text.split(" Hint:")[0].split(" (Triggered internally at")[0]


def _raises_same(fn_insitu, fn_torch, exc=RuntimeError):
    """Both raise `exc`; insitu's first line is PyTorch's message (insitu may add located lines)."""
    with pytest.raises(exc) as want:
        fn_torch()
    with pytest.raises(exc) as got:
        fn_insitu()
    assert str(got.value).split("\n")[0] == torch_message(str(want.value))
    return got.value


def _both(I, T, fn):
    """Run fn(ns) for each library; return (insitu result, torch result)."""
    return fn(I), fn(T)


# --------------------------------------------------------------------- forward, backward, ctx

def test_forward_and_backward_match_torch(I, T):
    def run(ns):
        x = _leaf(ns, [0.5, -1.0, 2.0])
        y = ns.MyExp.apply(x)
        (y * ns.lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return x, y
    (xi, yi), (xt, yt) = _both(I, T, run)
    _same(yi, yt)
    _same(xi.grad, xt.grad)
    assert type(yi.grad_fn).__name__ == type(yt.grad_fn).__name__ == "MyExpBackward"
    assert yi.grad_fn.name() == yt.grad_fn.name()
    assert (yi.is_leaf, yi.requires_grad) == (yt.is_leaf, yt.requires_grad) == (False, True)


def test_ctx_is_the_backward_node(I):
    x = _leaf(I, [1.0, 2.0])
    y = I.MyExp.apply(x)
    node = y.grad_fn
    assert isinstance(node, FunctionCtx) and isinstance(node, insitu.autograd.Node)
    np.testing.assert_allclose(_np(node.saved_tensors[0]), np.exp([1.0, 2.0]), rtol=1e-6)
    assert node.needs_input_grad == (True,)
    assert node.next_functions[0][0] is x.grad_fn or \
        type(node.next_functions[0][0]).__name__ == "AccumulateGrad"


def test_next_functions_one_edge_per_tensor_argument(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        c = _leaf(ns, [1.0, 1.0], requires_grad=False)
        return ns.Scale.apply(x * 1, 3.0, c).grad_fn.next_functions
    got, want = _both(I, T, run)
    assert [(type(n).__name__ if n is not None else None, nr) for n, nr in got] == \
        [(type(n).__name__ if n is not None else None, nr) for n, nr in want]


def test_needs_input_grad_with_non_tensor_and_keyword_arguments(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        c = _leaf(ns, [1.0, 1.0], requires_grad=False)
        y = ns.Scale.apply(x, 3.0, c)
        y2 = ns.Scale.apply(x, 3.0, c, shift=1.0)
        with ns.lib.no_grad():
            ns.Scale.apply(x, 3.0, c)
        (y + y2).sum().backward()
        return ns.received, x.grad, y2
    (ri, gi, yi), (rt, gt, yt) = _both(I, T, run)
    # needs_input_grad says which inputs require grad, whatever the grad mode
    assert ri == rt == [("needs", (True, False, False)), ("needs", (True, False, False, False)),
                        ("needs", (True, False, False))]
    _same(gi, gt)
    _same(yi, yt)


def test_multiple_outputs_share_one_node(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, -2.0])
        y = _leaf(ns, [3.0])
        a, b, c, d = ns.Two.apply(x, y)
        a.sum().backward()
        return a, b, c, d, x.grad, y.grad, ns.received
    (ai, bi, ci, di, gxi, gyi, ri), (at, bt, ct, dt, gxt, gyt, rt) = _both(I, T, run)
    for u, v in ((ai, at), (bi, bt), (di, dt), (gxi, gxt), (gyi, gyt)):
        _same(u, v)
    assert ci == ct == 7
    assert ai.grad_fn is bi.grad_fn and at.grad_fn is bt.grad_fn
    assert (ai.output_nr, bi.output_nr) == (at.output_nr, bt.output_nr) == (0, 1)
    assert (di.requires_grad, di.grad_fn) == (dt.requires_grad, dt.grad_fn) == (False, None)
    # backward got ones for a, zeros for b (materialized), None for the int, zeros for the bool
    assert len(ri) == len(rt) == 1
    for u, v in zip(ri[0], rt[0]):
        assert (u is None) == (v is None)
        if u is not None:
            np.testing.assert_array_equal(u, v)


def test_set_materialize_grads_false_passes_none(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        a, b = ns.NoMaterialize.apply(x)
        b.sum().backward()
        return ns.received, x.grad
    (ri, gi), (rt, gt) = _both(I, T, run)
    assert ri == rt == [(True, False)]
    _same(gi, gt)


def test_mark_non_differentiable(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        v, idx = ns.SortLike.apply(x)
        v.sum().backward()
        return idx, ns.received
    (ii, ri), (it, rt) = _both(I, T, run)
    assert (ii.requires_grad, ii.grad_fn) == (it.requires_grad, it.grad_fn) == (False, None)
    np.testing.assert_array_equal(ri[0], rt[0])     # zeros for the non-differentiable output
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        ii.sum().backward()


def test_backward_runs_with_grad_mode_of_create_graph(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        ns.GradMode.apply(x).sum().backward()
        ns.lib.autograd.grad(ns.GradMode.apply(x).sum(), x, create_graph=True)
        return ns.received
    got, want = _both(I, T, run)
    assert got == want == [("forward", False), ("backward", False),
                           ("forward", False), ("backward", True)]


def test_no_input_requires_grad_records_nothing(I, T):
    def run(ns):
        y = ns.MyExp.apply(ns.lib.ones(2))
        return y.requires_grad, y.grad_fn
    assert _both(I, T, run) == ((False, None), (False, None))


def test_create_graph_through_custom_function(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, -2.0, 0.5])
        g, = ns.lib.autograd.grad(ns.Cube.apply(x).sum(), x, create_graph=True)
        g2, = ns.lib.autograd.grad(g.sum(), x)
        return g, g2
    (gi, g2i), (gt, g2t) = _both(I, T, run)
    _same(gi, gt)
    _same(g2i, g2t)


def test_setup_context_and_vjp_styles(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        (ns.SetupStyle.apply(x, 3.0) + ns.VjpStyle.apply(x)).sum().backward()
        return x.grad
    gi, gt = _both(I, T, run)
    _same(gi, gt)


# --------------------------------------------------------------------- backward's results

def test_broadcast_gradient_is_summed_and_dtype_cast(I, T):
    def run(ns):
        x = _leaf(ns, [2.0])
        ns.WideGrad.apply(x).sum().backward()
        w = _leaf(ns, [1.0, 2.0])
        ns.Float64Grad.apply(w).sum().backward()
        return x.grad, w.grad
    (xi, wi), (xt, wt) = _both(I, T, run)
    _same(xi, xt)
    _same(wi, wt)   # float32, like the input


def _bad_backward(ns, grads, nargs=1):
    class Bad(ns.lib.autograd.Function if ns.lib is torch else Function):
        @staticmethod
        def forward(ctx, x, *rest):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return grads(g)
    x = _leaf(ns, [1.0, 2.0])
    return lambda: Bad.apply(x, *([2] * (nargs - 1))).sum().backward()


@pytest.mark.parametrize("grads,nargs", [
    (lambda g: (g, g), 1),            # too many
    (lambda g: g, 2),                 # too few
    (lambda g: (g, g), 2),            # a gradient for a non-tensor argument
    (lambda g: g[:1], 1),             # wrong shape
    (lambda g: g.sum(), 1),           # wrong shape, 0-dim
    (lambda g: 3, 1),                 # not a tensor
], ids=["too-many", "too-few", "non-tensor-arg", "shape", "scalar-shape", "not-a-tensor"])
def test_invalid_gradients_raise_like_torch(I, T, grads, nargs):
    _raises_same(_bad_backward(I, grads, nargs), _bad_backward(T, grads, nargs))


def test_trailing_none_gradients_are_accepted(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        _bad_backward(ns, lambda g: (g, None, None))()
        return True
    assert _both(I, T, run) == (True, True)


def test_missing_backward_and_forward(I, T):
    def no_backward(ns):
        class NoBackward(ns.lib.autograd.Function if ns.lib is torch else Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
        return lambda: NoBackward.apply(_leaf(ns, [1.0])).sum().backward()
    _raises_same(no_backward(I), no_backward(T), NotImplementedError)
    _raises_same(lambda: Function.apply(_leaf(I, [1.0])),
                 lambda: torch.autograd.Function.apply(_leaf(T, [1.0])), NotImplementedError)


def test_both_backward_and_vjp_is_an_error(I, T):
    def run(ns):
        class Both(ns.lib.autograd.Function if ns.lib is torch else Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

            @staticmethod
            def vjp(ctx, g):
                return g
        return lambda: Both.apply(_leaf(ns, [1.0])).sum().backward()
    _raises_same(run(I), run(T))


def test_legacy_instance_call_is_an_error(I, T):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        _raises_same(lambda: I.MyExp()(_leaf(I, [1.0])), lambda: T.MyExp()(_leaf(T, [1.0])))


# --------------------------------------------------------------------- saved tensors

def test_saved_output_modified_in_place_raises(I, T):
    def run(ns):
        y = ns.MyExp.apply(_leaf(ns, [1.0, 2.0]))
        y.mul_(2)
        return lambda: y.sum().backward()
    err = _raises_same(run(I), run(T))
    assert "which is output 0 of MyExp," in str(err)


def test_saved_input_modified_in_place_raises(I, T):
    def run(ns):
        z = _leaf(ns, [1.0, 2.0]) * 1
        y = ns.MyExp.apply(z)
        w = _leaf(ns, [3.0, 4.0])
        y2 = ns.SaveInput.apply(w)
        z.add_(1)   # MyExp saved its output only: no error from z
        with ns.lib.no_grad():
            w.add_(1)
        return lambda: (y.sum() + y2.sum()).backward()
    err = _raises_same(run(I), run(T))
    assert "[insitu.FloatTensor [2]] is at version 1; expected version 0 instead." in str(err)


def test_saved_dirty_input_is_checked_at_its_new_version(I, T):
    def run(ns):
        b = _leaf(ns, [1.0, 2.0]) * 1
        o = ns.DirtySaved.apply(b)
        fn = o.grad_fn
        o.sum().backward(retain_graph=True)
        b.add_(1)
        return b._version, lambda: fn.saved_tensors
    vi, fi = run(I)
    vt, ft = run(T)
    assert vi == vt == 3
    err = _raises_same(fi, ft)
    assert "which is output 0 of DirtySaved, is at version 3; expected version 2" in str(err)


def test_saved_tensors_are_freed_after_backward(I, T):
    def run(ns):
        y = ns.MyExp.apply(_leaf(ns, [1.0]))
        fn = y.grad_fn
        y.sum().backward()
        return lambda: fn.saved_tensors
    _raises_same(run(I), run(T))


def test_saved_tensors_survive_retain_graph(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        y = ns.SaveInput.apply(x)
        y.sum().backward(retain_graph=True)
        saved_is_input = y.grad_fn.saved_tensors[0] is x    # an input is saved as itself
        y.sum().backward()
        return saved_is_input, x.grad
    (si, gi), (st, gt) = _both(I, T, run)
    assert si is st is True
    _same(gi, gt)


def test_save_for_backward_only_takes_tensors(I, T):
    def run(ns):
        class Sv(ns.lib.autograd.Function if ns.lib is torch else Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x

            @staticmethod
            def backward(ctx, g):
                return g
        return lambda: Sv.apply(_leaf(ns, [1.0]))
    _raises_same(run(I), run(T), TypeError)


# --------------------------------------------------------------------- outputs that are views

def test_returned_input_becomes_a_view(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        h = x * 1
        y = ns.Id.apply(h)
        (y * 3).sum().backward()
        return (y is h, y._is_view(), y._base is h, type(y.grad_fn).__name__, h._version), x.grad
    (fi, gi), (ft, gt) = _both(I, T, run)
    assert fi == ft == (False, True, True, "IdBackward", 0)
    _same(gi, gt)


@pytest.mark.parametrize("fn", ["Id", "Tail"])
def test_view_output_modified_in_place_raises(I, T, fn):
    def run(ns):
        y = getattr(ns, fn).apply(_leaf(ns, [1.0, 2.0, 3.0]) * 1)
        return lambda: y.add_(1)
    err = _raises_same(run(I), run(T))
    assert str(err) == guards.CUSTOM_FN_VIEW.format(nr=0, fn=fn)


def test_returned_leaf_modified_in_place_raises_custom_function_message(I, T):
    def run(ns):
        y = ns.Id.apply(_leaf(ns, [1.0, 2.0]))
        return lambda: y.add_(1)
    _raises_same(run(I), run(T))


def test_returned_input_under_no_grad_is_a_detached_alias(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        with ns.lib.no_grad():
            y = ns.Id.apply(x)
        return y is x, y.requires_grad, y._is_view(), y.grad_fn
    assert _both(I, T, run) == ((False, False, False, None),) * 2


# --------------------------------------------------------------------- mark_dirty

def test_mark_dirty_on_non_leaf(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        h = x * 1
        o = ns.Double_.apply(h)
        (o * ns.lib.tensor([1.0, 3.0])).sum().backward()
        return (o is h, h._version, type(h.grad_fn).__name__, o.output_nr), o, x.grad
    (fi, oi, gi), (ft, ot, gt) = _both(I, T, run)
    assert fi == ft == (True, 2, "Double_Backward", 0)
    _same(oi, ot)
    _same(gi, gt)


def test_mark_dirty_with_two_outputs(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        h = x * 1
        a, b = ns.DoubleTwo_.apply(h)
        (a + b * 2).sum().backward()
        return (a is h, a.grad_fn is b.grad_fn, a.output_nr, b.output_nr, h._version), x.grad
    (fi, gi), (ft, gt) = _both(I, T, run)
    assert fi == ft
    _same(gi, gt)


def test_mark_dirty_on_leaf_raises(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        return lambda: ns.Double_.apply(x), x
    fi, xi = run(I)
    ft, xt = run(T)
    err = _raises_same(fi, ft)
    assert str(err) == "a leaf Variable that requires grad has been used in an in-place operation."
    assert xi._version == xt._version == 2


def test_mark_dirty_under_no_grad_and_without_grad(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        with ns.lib.no_grad():
            o = ns.Double_.apply(x)
        p = ns.lib.zeros(2)
        q = ns.Double_.apply(p)
        return (o is x, o.requires_grad, x._version, q is p, q.requires_grad, p._version), o
    (fi, oi), (ft, ot) = _both(I, T, run)
    assert fi == ft == (False, False, 2, True, False, 2)
    _same(oi, ot)


def test_mark_dirty_on_view_rewrites_the_base(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0, 3.0])
        b = x * 1
        v = b[:2]
        o = ns.Double_.apply(v)
        (b * ns.lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        names = (type(b.grad_fn).__name__, type(v.grad_fn).__name__)
        return (o is v, names, b._version), b, x.grad
    (fi, bi, gi), (ft, bt, gt) = _both(I, T, run)
    assert fi == ft == (True, ("CopySlices", "AsStridedBackward0"), 2)
    _same(bi, bt)
    _same(gi, gt)


def test_mark_dirty_on_view_of_leaf_raises(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        return lambda: ns.Double_.apply(x[:1])
    err = _raises_same(run(I), run(T))
    assert str(err) == guards.VIEW_OF_LEAF


def test_mark_dirty_on_view_with_two_outputs_raises(I, T):
    def run(ns):
        b = _leaf(ns, [1.0, 2.0]) * 1
        return lambda: ns.DoubleTwo_.apply(b[:1])
    _raises_same(run(I), run(T))


def test_mark_dirty_on_view_that_is_not_the_first_argument():
    # PyTorch routes this case wrongly (CopySlices assumes the view is input 0); insitu must
    # agree with the same write done by a built-in in-place op
    class MulInto(Function):
        @staticmethod
        def forward(ctx, w, v):
            ctx.save_for_backward(w, v.clone())
            v.mul_(w)
            ctx.mark_dirty(v)
            return v

        @staticmethod
        def backward(ctx, g):
            w, v0 = ctx.saved_tensors
            return g * v0, g * w

    weights = insitu.tensor([1.0, 2.0, 3.0, 4.0])

    def run(custom):
        x = insitu.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        w = insitu.tensor([5.0, 6.0], requires_grad=True)
        base = x * 1
        if custom:
            MulInto.apply(w, base[1:3])
        else:
            base[1:3].mul_(w)
        (base * weights).sum().backward()
        return base, x.grad, w.grad
    for got, want in zip(run(True), run(False)):
        np.testing.assert_array_equal(_np(got), _np(want))


def test_mark_dirty_misuse(I, T):
    def not_returned(ns):
        class D(ns.lib.autograd.Function if ns.lib is torch else Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return g
        return lambda: D.apply(_leaf(ns, [1.0]) * 1)
    _raises_same(not_returned(I), not_returned(T))

    def not_input(ns):
        class D(ns.lib.autograd.Function if ns.lib is torch else Function):
            @staticmethod
            def forward(ctx, x):
                y = x * 2
                ctx.mark_dirty(y)
                return y

            @staticmethod
            def backward(ctx, g):
                return g
        return D.apply(_leaf(ns, [1.0]) * 1)
    with pytest.warns(UserWarning) as want:
        not_input(T)
    with pytest.warns(UserWarning) as got:
        y = not_input(I)
    assert str(got[0].message) == torch_message(str(want[0].message))
    assert type(y.grad_fn).__name__ == "DBackward"

    def not_tensor(ns):
        class D(ns.lib.autograd.Function if ns.lib is torch else Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_dirty(3)
                return x
        return lambda: D.apply(_leaf(ns, [1.0]) * 1)
    with pytest.raises(RuntimeError, match="mark_dirty can only accept variables, but argument "):
        not_tensor(T)()
    with pytest.raises(RuntimeError, match="^mark_dirty can only accept variables, but argument "
                                           "0 is of type int$"):
        not_tensor(I)()


# --------------------------------------------------------------------- once_differentiable

def test_once_differentiable(I, T):
    def run(ns):
        x = _leaf(ns, [1.0, 2.0])
        g1, = ns.lib.autograd.grad(ns.CubeOnce.apply(x).sum(), x, create_graph=True)
        go = ns.lib.ones(2, requires_grad=True)
        g2, = ns.lib.autograd.grad(ns.CubeOnce.apply(x), x, go, create_graph=True)
        names = [type(n).__name__ for n, _ in g2.grad_fn.next_functions]
        return (g1.requires_grad, type(g2.grad_fn).__name__, names, g2.is_leaf), g1, g2
    (fi, ai, bi), (ft, at, bt) = _both(I, T, run)
    assert fi == ft == (False, "Error", ["AccumulateGrad"], False)
    _same(ai, at)
    _same(bi, bt)
    _raises_same(lambda: bi.sum().backward(), lambda: bt.sum().backward())


# --------------------------------------------------------------------- hooks

def test_hooks_on_custom_nodes_and_outputs(I, T):
    def run(ns):
        log = []
        x = _leaf(ns, [1.0, 2.0])
        y = ns.MyExp.apply(x)
        y.grad_fn.register_prehook(lambda go: log.append(("pre", _np(go[0]).tolist())))
        y.grad_fn.register_hook(lambda gi, go: log.append(("post", _np(gi[0]).round(4).tolist())))
        y.register_hook(lambda g: log.append(("tensor", _np(g).tolist())) or g * 2)
        y.sum().backward()
        return log, x.grad
    (li, gi), (lt, gt) = _both(I, T, run)
    assert li == lt
    _same(gi, gt)
