"""In-place operations under autograd, against PyTorch.

Each scenario is one function of the library (`lib` is insitu or torch) that returns what it
observed: values, gradients, grad_fn names, versions, flags, or the error an operation raised.
The two libraries must observe the same things. The scenarios are the cases of the reference's
sections 1.1-1.6 and 1.13-1.15 (leaf guards, in-place on non-leaves, CopySlices, views of views,
creation-meta errors, retain_grad) and PyTorch's own TestAutograd / TestAutogradDeviceType
view+in-place tests; the gradcheck-based ones also run insitu's gradcheck and gradgradcheck.
"""
import re
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402
from insitu.autograd.function import Function  # noqa: E402
from insitu.autograd.gradcheck import gradcheck, gradgradcheck  # noqa: E402

_RNG = np.random.default_rng(7)
A44 = _RNG.standard_normal((4, 4))
B22 = _RNG.standard_normal((2, 2))
B42 = _RNG.standard_normal((4, 2))
GO44 = _RNG.standard_normal((4, 4))
A33 = _RNG.standard_normal((3, 3))


# --------------------------------------------------------------------- observation helpers

def norm_message(text):
    text = re.sub(r"\btorch\.(?=\w*Tensor\b|float|int|bool|uint|Size)", "insitu.", text)
    return text.split("\n")[0].split(" Hint:")[0]


def err(fn):
    """The error fn raises, as a comparable value (None if it does not raise)."""
    try:
        fn()
    except (RuntimeError, IndexError, ValueError) as e:
        return ("raises", type(e).__name__, norm_message(str(e)))
    return None


def val(t):
    """A tensor as a comparable value: dtype and rounded values."""
    if t is None:
        return None
    return (str(t.dtype).replace("torch.", "insitu."), np.round(t.detach().numpy(), 5).tolist())


def fn_name(t):
    fn = t.grad_fn
    return None if fn is None else type(fn).__name__


def leaf(lib, values, requires_grad=True, dtype="float32"):
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=requires_grad)


SCENARIOS = {}



def scenario(fn=None, *, xfail=None):
    def register(f):
        SCENARIOS[f.__name__] = (f, xfail)
        return f
    return register(fn) if fn is not None else register


# --------------------------------------------------------------------- 1.1, 1.2 leaf guards

LEAF_OPS = {
    "add_": lambda x, lib: x.add_(1), "iadd": lambda x, lib: x.__iadd__(1),
    "fill_": lambda x, lib: x.fill_(0), "zero_": lambda x, lib: x.zero_(),
    "mul_": lambda x, lib: x.mul_(2), "clamp_": lambda x, lib: x.clamp_(0, 1),
    "abs_": lambda x, lib: x.abs_(), "neg_": lambda x, lib: x.neg_(),
    "copy_": lambda x, lib: x.copy_(lib.ones(3)), "div_": lambda x, lib: x.div_(2),
    "sub_": lambda x, lib: x.sub_(1),
}


@pytest.mark.parametrize("op", sorted(LEAF_OPS))
def test_leaf_guard(op):
    def run(lib):
        x = leaf(lib, [1.0, 2.0, 3.0])
        return err(lambda: LEAF_OPS[op](x, lib)), x._version, val(x)
    assert run(insitu) == run(torch)
    assert run(insitu)[0][2] == ("a leaf Variable that requires grad is being used in an "
                                 "in-place operation.")


VIEW_OF_LEAF = {
    "slice-add_": lambda x: x[:2].add_(1),
    "view-mul_": lambda x: x.view(6).mul_(2),
    "t-zero_": lambda x: x.t().zero_(),
    "setitem": lambda x: x.__setitem__(0, 5.0),
}


@pytest.mark.parametrize("case", sorted(VIEW_OF_LEAF))
def test_view_of_leaf_guard(case):
    def run(lib):
        x = leaf(lib, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        v = x[:1]
        return err(lambda: VIEW_OF_LEAF[case](x)), x._version, (v._is_view(), v._base is x)
    assert run(insitu) == run(torch)


@scenario
def leaf_without_grad_mutated_by_grad_value(lib):
    a = lib.zeros(3)
    b = leaf(lib, [1.0, 2.0, 3.0])
    a.add_(b)
    (a * 2).sum().backward()
    return a.requires_grad, a.is_leaf, fn_name(a), val(b.grad)


# --------------------------------------------------------------------- 1.3 non-leaf in place

@scenario
def nonleaf_add_(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    y = x * 2
    v0 = y._version
    y.add_(1)
    y.sum().backward()
    return v0, y._version, fn_name(y), val(y), val(x.grad)


@scenario
def nonleaf_chain_mul_exp_(lib):
    x = leaf(lib, [0.5, -0.3, 0.8])
    y = x * 1
    y.mul_(x)
    y.exp_()
    y.sum().backward()
    return y._version, fn_name(y), val(x.grad)


@scenario
def double_backward_through_pow_(lib):
    x = leaf(lib, [1.0, 2.0])
    y = x * 1
    y.pow_(3)
    g, = lib.autograd.grad(y.sum(), x, create_graph=True)
    g2, = lib.autograd.grad(g.sum(), x)
    return fn_name(y), val(g), val(g2)


GRAD_FN_TABLE = {
    "add_(1)": lambda y, lib: y.add_(1), "add_(t)": lambda y, lib: y.add_(lib.ones(2)),
    "+=": lambda y, lib: y.__iadd__(1), "sub_": lambda y, lib: y.sub_(1),
    "-=": lambda y, lib: y.__isub__(1), "mul_(2)": lambda y, lib: y.mul_(2),
    "mul_(t)": lambda y, lib: y.mul_(lib.ones(2)), "*=": lambda y, lib: y.__imul__(2),
    "div_": lambda y, lib: y.div_(2), "/=": lambda y, lib: y.__itruediv__(2),
    "fill_(0.5)": lambda y, lib: y.fill_(0.5),
    "fill_(tensor)": lambda y, lib: y.fill_(lib.tensor(0.5)),
    "zero_": lambda y, lib: y.zero_(), "clamp_(0,1)": lambda y, lib: y.clamp_(0, 1),
    "clamp_(min=0)": lambda y, lib: y.clamp_(min=0),
    "clamp_(tensors)": lambda y, lib: y.clamp_(lib.zeros(2), lib.ones(2)),
    "abs_": lambda y, lib: y.abs_(), "neg_": lambda y, lib: y.neg_(),
    "copy_": lambda y, lib: y.copy_(lib.ones(2)), "pow_(2)": lambda y, lib: y.pow_(2),
    "exp_": lambda y, lib: y.exp_(), "sqrt_": lambda y, lib: y.sqrt_(),
    "relu_": lambda y, lib: y.relu_(), "y[0]=1.": lambda y, lib: y.__setitem__(0, 1.0),
    "y[:1].add_(1)": lambda y, lib: y[:1].add_(1),
}


@pytest.mark.parametrize("op", list(GRAD_FN_TABLE))
def test_grad_fn_after_inplace_on_nonleaf(op):
    def run(lib):
        x = leaf(lib, [0.5, 2.0])
        y = x * 1
        out = GRAD_FN_TABLE[op](y, lib)
        (y * lib.tensor([1.0, 3.0])).sum().backward()
        return out is y or out is None, fn_name(y), y._version, val(y), val(x.grad)
    assert run(insitu) == run(torch)


@scenario
def gradients_of_abs_neg_zero_clamp(lib):
    out = []
    for values, ops in (([-2.0, 3.0], ("abs_", "neg_")), ([1.0, 2.0], ("zero_",))):
        x = leaf(lib, values)
        y = x * 1
        for op in ops:
            getattr(y, op)()
        y.sum().backward()
        out.append(val(x.grad))
    x = leaf(lib, [0.0, 0.5, 1.0, 2.0])
    y = x * 1
    y.clamp_(0, 1)              # the bounds themselves pass the gradient
    y.sum().backward()
    x2 = leaf(lib, [-1.0, 2.0])
    y2 = x2 * 1
    same = y2.relu_() is y2
    return out, val(x.grad), same


@scenario
def copy_float32_into_float64(lib):
    x = leaf(lib, [1.0, 2.0])
    y = lib.zeros(2, dtype=lib.float64)
    y.copy_(x)
    (y * 3).sum().backward()
    return fn_name(y), y.requires_grad, val(x.grad)


@scenario
def fill_with_grad_requiring_scalar(lib):
    v = leaf(lib, 2.0)
    y = lib.zeros(3)
    y.fill_(v)
    y.sum().backward()
    return fn_name(y), val(v.grad)


@scenario
def iadd_on_nonleaf_keeps_identity(lib):
    x = leaf(lib, [1.0, 1.0, 1.0])
    y = x * 3
    before, ptr = id(y), y.data_ptr()
    y += x
    y.sum().backward()
    return id(y) == before, y.data_ptr() == ptr, fn_name(y), y._version, val(x.grad)


# --------------------------------------------------------------------- 1.15 clone, retain_grad

@scenario
def clone_then_inplace(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    c = x.clone()
    c.mul_(3)
    c.sum().backward()
    g1 = val(x.grad)
    x.grad = None
    c = x.clone()
    c[0] = 0
    c.sum().backward()
    return fn_name(x.clone()), g1, val(x), val(x.grad)


@scenario
def retain_grad_then_inplace(lib):
    x = leaf(lib, [1.0, 1.0, 1.0])
    y = x * 2
    y.retain_grad()
    y.add_(1)
    (y * y).sum().backward()
    return val(y.grad), val(x.grad), y.retains_grad


# --------------------------------------------------------------------- 1.4 saved tensors

@scenario
def saved_output_modified(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    y = x.sigmoid()
    y.mul_(2)
    return err(lambda: y.sum().backward())


@scenario
def saved_input_modified_names_current_grad_fn(lib):
    a = leaf(lib, [1.0, 2.0, 3.0])
    b = leaf(lib, [4.0, 5.0, 6.0]) * 1
    z = a * b
    b.add_(1)
    return err(lambda: z.sum().backward())


@scenario
def saved_plain_tensor_modified_twice(lib):
    a = leaf(lib, [1.0, 2.0, 3.0])
    b = lib.tensor([4.0, 5.0, 6.0])
    z = a * b
    b.add_(1)
    b.mul_(3)
    return err(lambda: z.sum().backward())


@scenario
def leaf_parameter_modified_under_no_grad(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    w = leaf(lib, [0.5, 0.5, 0.5])
    out = (x * w).sum()
    with lib.no_grad():
        w.sub_(0.1)
    first = err(lambda: out.backward())
    x2 = leaf(lib, [1.0, 2.0, 3.0], requires_grad=False)   # then mul does not save w
    out2 = (x2 * w).sum()
    with lib.no_grad():
        w.sub_(0.1)
    out2.backward()
    return first, val(w.grad)


@scenario
def only_saved_tensors_are_checked(lib):
    a = leaf(lib, [1.0, 2.0])
    b = leaf(lib, [3.0, 4.0]) * 1
    z = a + b
    b.add_(1)
    z.sum().backward()
    return val(a.grad)


@scenario
def op_that_saves_its_own_input(lib):
    x = leaf(lib, [1.0, 2.0])
    y = x * 1
    y.mul_(y)
    first = err(lambda: y.sum().backward())
    w = leaf(lib, [3.0, 4.0])
    y = x * 1
    y.mul_(w)
    y.sum().backward()
    return first, val(x.grad), val(w.grad)


@scenario
def divisor_modified(lib):
    x = leaf(lib, [1.0, 2.0])
    dd = leaf(lib, [2.0, 4.0]) * 1
    q = x / dd
    dd.mul_(3)
    return err(lambda: q.sum().backward())


@scenario
def detach_shares_the_version_counter(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    y = x.sigmoid()
    d = y.detach()
    d.mul_(2)
    return y._version, d._version, err(lambda: y.sum().backward())


@scenario
def no_grad_modifies_version(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    y = leaf(lib, [4.0, 5.0, 6.0])
    z = (x * y).sum()
    with lib.no_grad():
        x *= 2
    return x._version, err(lambda: z.backward())


@scenario
def saved_variable_version_counter(lib):
    a = leaf(lib, [0.3, 0.6])
    b = lib.exp(a)
    b_unpacked = b.grad_fn._saved_result
    first = (val(b_unpacked), b._version == b_unpacked._version)
    with lib.no_grad():
        b += 1
    return first, val(b_unpacked), b._version == b_unpacked._version


@scenario
def no_unnecessary_unwrapping(lib):
    a = leaf(lib, [0.3, 0.6])
    b = a * a
    c = a * b
    d = lib.exp(a)
    return (b.grad_fn._saved_self is a, b.grad_fn._saved_other is a,
            c.grad_fn._saved_self is a, c.grad_fn._saved_other is b,
            val(d.grad_fn._saved_result), d.grad_fn._saved_result is d)


@scenario
def saved_input_detached_in_place(lib):
    a = leaf(lib, 1.0).clone()
    b = a.sin()
    a.detach_()
    first = err(lambda: b.backward())
    a = leaf(lib, 1.0).clone()
    b = a.exp()      # saves its output: detaching the input is fine
    a.detach_()
    b.backward()
    return first


# --------------------------------------------------------------------- 1.5 CopySlices

@scenario
def inplace_on_view_of_nonleaf(lib):
    x = leaf(lib, [1.0, 2.0, 3.0, 4.0])
    base = x * 1
    v = base[1:3]
    before = (fn_name(v), fn_name(base))
    v.mul_(10)
    after = (fn_name(v), fn_name(base), base._version, v._version)
    base.sum().backward()
    return before, after, val(base), val(v), val(x.grad)


@scenario
def backward_from_the_modified_view(lib):
    x = leaf(lib, [1.0, 2.0, 3.0, 4.0])
    v = (x * 1)[1:3]
    v.mul_(x[1:3])
    v.sum().backward()
    return val(x.grad)


@scenario
def base_modified_after_the_view_was_taken(lib):
    x = leaf(lib, [1.0, 2.0, 3.0, 4.0])
    base = x * 1
    v = base[1:3]
    base.mul_(2)
    v.sum().backward()
    return fn_name(v), val(v), val(x.grad)


@scenario
def view_of_view_of_view(lib):
    x = leaf(lib, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    b = x * 1
    b.view(2, 3)[1].narrow(0, 1, 2).mul_(2)
    b.sum().backward()
    return fn_name(b), val(b), val(x.grad)


@scenario
def setitem_on_nonleaf(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    y = x * 2
    y[0] = 100.0
    y.sum().backward()
    return fn_name(y), val(y), val(x.grad)


@scenario
def view_of_no_grad_base_written_with_grad_value(lib):
    x = leaf(lib, [2.0, 3.0])
    base = lib.zeros(4)
    base[1:3].mul_(0).add_(x)
    flags = (base.is_leaf, base.requires_grad, fn_name(base))
    (base * base).sum().backward()
    return flags, val(x.grad)


@scenario
def leaf_assignment(lib):
    x = lib.tensor(A44.astype(np.float32))
    y = leaf(lib, [1.0, 2.0, 3.0, 4.0])
    z = leaf(lib, [5.0, 6.0, 7.0, 8.0])
    x[0] = y
    x[1] = 2 * z
    flags = (x.requires_grad, x.grad_fn is not None)
    x.sum().backward()
    return flags, val(y.grad), val(z.grad)


@scenario
def no_grad_assignment(lib):
    x = leaf(lib, A44.astype(np.float32))
    y = lib.ones(4)
    with lib.no_grad():
        x[0] = y
    return x.requires_grad, x.grad_fn, x._version, val(x[0])


def _random_mix(lib, x):
    b = x.clone()
    b[:, 1].mul_(b[:, 2].clone())
    b.diagonal().exp_()
    return (b ** 2).sum()


@scenario
def randomized_views_match_out_of_place(lib):
    x = leaf(lib, A33, dtype="float64")
    _random_mix(lib, x).backward()
    # the same computation written out of place
    x2 = leaf(lib, A33, dtype="float64")
    c0, c1, c2 = x2[:, 0], x2[:, 1] * x2[:, 2], x2[:, 2]
    b = lib.stack([c0, c1, c2], 1) if hasattr(lib, "stack") else None
    ref = None
    if b is not None:
        eye = lib.eye(3, dtype=lib.float64)
        b = b * (1 - eye) + b.exp() * eye
        (b ** 2).sum().backward()
        ref = val(x2.grad)
    if lib is insitu:
        assert gradcheck(lambda t: _random_mix(lib, t), (leaf(lib, A33, dtype="float64"),))
    return val(x.grad), ref


@scenario
def as_strided_backward(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    y = (x * 1).as_strided((2,), (1,), 1)
    (y * lib.tensor([2.0, 3.0])).sum().backward()
    return val(x.grad)


@scenario
def select_of_vector_aliases_its_base(lib):
    x = lib.zeros(5)
    v = x.select(0, 1)
    u = x.unbind(0)[2]
    with lib.no_grad():
        v.fill_(3.0)
        x.add_(1)
    return val(x), val(v), val(u), v._version


# --------------------------------------------------------------------- 1.6 creation meta

@scenario
def no_grad_view_of_nonleaf_modified_with_grad(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    base = x * 2
    with lib.no_grad():
        v = base[:2]
    return err(lambda: v.mul_(2)), base._version


@scenario
def no_grad_view_of_leaf_modified_with_grad(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    with lib.no_grad():
        v = x[:2]
    return v.requires_grad, err(lambda: v.mul_(2))


@scenario
def view_made_and_modified_under_no_grad(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    b = x * 1
    with lib.no_grad():
        vv = b[:2]
        vv.mul_(2)
    b.sum().backward()
    return val(x.grad), err(lambda: vv.grad_fn), repr(vv).replace("torch", "insitu")


@pytest.mark.parametrize("split", ["unbind", "split", "chunk", "split_with_sizes"])
def test_multi_output_views_refuse_inplace(split):
    def run(lib):
        x = leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
        parts = {"unbind": lambda t: t.unbind(0), "split": lambda t: t.split(1),
                 "chunk": lambda t: t.chunk(2), "split_with_sizes": lambda t: t.split([1, 1])}
        a, b = parts[split](x * 2)
        return err(lambda: a.mul_(2)), err(lambda: b.add_(1)), a._version
    got, want = run(insitu), run(torch)
    assert got == want
    assert "This view is the output of a function that returns multiple views." in got[0][2]


@scenario
def inplace_on_view_multiple_outputs(lib):
    root = lib.arange(9.0, dtype=lib.float64).reshape(3, 3).requires_grad_()
    x = root.clone()
    v1 = x.unbind()
    return err(lambda: v1[0].mul_(2))


@scenario
def inplace_on_view_of_multiple_output_view(lib):
    a = leaf(lib, list(range(10)), dtype="float64").clone()
    b = a.unbind(0)
    c = b[0].view_as(b[0])
    return err(lambda: c.mul_(2))


@scenario
def inplace_multiple_output_view_of_view(lib):
    a = leaf(lib, list(range(10)), dtype="float64").clone()
    b = a.view_as(a)
    c = b.unbind(0)
    return err(lambda: c[0].mul_(2))


@scenario
def inplace_on_view_multi_output_unsafe(lib):
    a = leaf(lib, [1.0, 2.0, 3.0, 4.0], dtype="float64")
    b = a.clone()
    s1, s2 = lib.unsafe_split(b, 2)
    s1.mul_(s2)
    s1.sum().backward()
    return val(a.grad)


@scenario
def leaf_modified_under_no_grad_after_grad_mode_view(lib):
    w = leaf(lib, [1.0, 2.0, 3.0])
    v = w[:2]
    with lib.no_grad():
        w.mul_(2)
        w[0] = 7.0
        w[1:].mul_(5)
    (v * 2).sum().backward()
    return fn_name(v), val(v), val(w), val(w.grad), w._version


# --------------------------------------------------------------------- TestAutogradDeviceType

@scenario
def inplace_on_view_backprop_base(lib):
    root = leaf(lib, B22)
    x = root.clone()
    x.narrow(0, 0, 1).mul_(2)
    x.sum().backward()
    return val(root.grad)


@scenario
def inplace_on_view_backprop_view_of_view(lib):
    root = leaf(lib, B22)
    x = root.clone()
    v1 = x.narrow(0, 0, 1)
    v2 = x.narrow(0, 0, 1)
    v1.mul_(2)
    v2.sum().backward()
    return val(root.grad), fn_name(v2)


@scenario
def inplace_on_view_of_view(lib):
    root = leaf(lib, B22)
    x = root.clone()
    v1 = x.narrow(0, 0, 1)
    v2 = v1.narrow(1, 1, 1)
    v2.mul_(2)
    x.sum().backward()
    return val(root.grad)


@scenario
def inplace_on_view_then_no_grad(lib):
    a = leaf(lib, [[1.0], [1.0], [1.0]], dtype="float64")
    b = a * 2
    c = b.view_as(b)
    c[0][0] = 3
    with lib.no_grad():     # forces the view's grad_fn to be regenerated under no_grad
        c.grad_fn
    c.sum().backward()
    return val(a.grad), fn_name(c)


def _narrow_mul_twice(root, b):
    x = root.clone()
    x.narrow(1, 2, 2).narrow(0, 1, 2).mul_(b)
    x.narrow(1, 0, 2).narrow(0, 1, 2).mul_(b)
    return x


@scenario
def inplace_on_view_gradcheck(lib):
    a, b = leaf(lib, A44, dtype="float64"), leaf(lib, B22, dtype="float64")
    if lib is insitu:
        assert gradcheck(_narrow_mul_twice, (a, b))
        assert gradgradcheck(_narrow_mul_twice, (a, b), (leaf(lib, GO44, dtype="float64"),))
    (_narrow_mul_twice(a, b) * lib.tensor(GO44)).sum().backward()
    return val(a.grad), val(b.grad)


def _makes_base_require_grad(root, b):
    x = root.clone()
    flags = [x.requires_grad]
    x.narrow(1, 2, 2).mul_(b)
    flags.append(x.requires_grad)
    return x, flags


@scenario
def inplace_on_view_makes_base_require_grad(lib):
    a = leaf(lib, A44, requires_grad=False, dtype="float64")
    b = leaf(lib, B42, dtype="float64")
    if lib is insitu:
        fn = lambda r, t: _makes_base_require_grad(r, t)[0]  # noqa: E731
        assert gradcheck(fn, (a, b))
        assert gradgradcheck(fn, (a, b), (leaf(lib, GO44, dtype="float64"),))
    x, flags = _makes_base_require_grad(a, b)
    (x * lib.tensor(GO44)).sum().backward()
    return flags, val(b.grad)


@scenario
def inplace_on_view_backprop_view(lib):
    a = leaf(lib, [2.0, 5.0], requires_grad=False)
    b = leaf(lib, [3.0])
    res = a.narrow(0, 1, 1).mul_(b)
    res.sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        a_grad = a.grad         # a is no longer a leaf: None, with PyTorch's warning
    return val(b.grad), a_grad, len(caught), fn_name(a), fn_name(res)


def _modify_base(lib, r):
    x = lib.ones(5, dtype=lib.float64)
    v = x.select(0, 1)
    before = (v.requires_grad, v.grad_fn)
    x.add_(r)       # v now depends on r through the in-place op on its base
    return v, before, v.requires_grad


@scenario
def inplace_on_view_modify_base(lib):
    r = leaf(lib, [1.0], dtype="float64")
    if lib is insitu:
        assert gradcheck(lambda t: _modify_base(lib, t)[0], (r,))
        assert gradgradcheck(lambda t: _modify_base(lib, t)[0], (r,))
    v, before, after = _modify_base(lib, r)
    (v * 3).backward()
    return before, after, fn_name(v), val(r.grad)


def _py_add(lib):
    base = Function if lib is insitu else torch.autograd.Function

    class PyAdd(base):
        @staticmethod
        def forward(ctx, x, y):
            ctx.mark_dirty(x)
            x.add_(y)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad, grad
    return PyAdd


@scenario
def inplace_on_view_python(lib):
    PyAdd = _py_add(lib)

    def func(root, b):
        x = root.clone()
        PyAdd.apply(x.narrow(1, 2, 2).narrow(0, 1, 2), b)
        PyAdd.apply(x.narrow(1, 0, 2).narrow(0, 1, 2), b)
        return x
    a, b = leaf(lib, A44, dtype="float64"), leaf(lib, B22, dtype="float64")
    if lib is insitu:
        assert gradcheck(func, (a, b))
        assert gradgradcheck(func, (a, b), (leaf(lib, GO44, dtype="float64"),))
    x = func(a, b)
    (x * lib.tensor(GO44)).sum().backward()
    return fn_name(x), val(x), val(a.grad), val(b.grad)


@scenario
def inplace_on_view_non_contig(lib):
    root = lib.ones(2, 3, 2).select(2, 1).t().requires_grad_(True)
    x = root.clone()
    v1 = x.narrow(0, 0, 1)
    v2 = v1.narrow(1, 1, 1)
    v2.mul_(2)
    x.sum().backward()
    return val(root.grad), root.stride()


@scenario
def copy_into_every_float_dtype_requires_grad(lib):
    x = leaf(lib, [1.0, 2.0, 3.0])
    out = []
    for dt in ("float16", "float32", "float64"):
        y = lib.empty(3, dtype=getattr(lib, dt))
        y.copy_(x)
        out.append((y.requires_grad, fn_name(y)))
        (y.sum() * 2).backward()
    return out, val(x.grad)


@scenario
def grad_stride_0_input_built_inside(lib):
    a = leaf(lib, A33[:, :2].copy(), dtype="float64")
    v = leaf(lib, [0.5], dtype="float64")

    def fn(m, s):
        return (m * s.expand(3, 2)).sum(1)
    if lib is insitu:
        assert gradcheck(fn, (a, v))
    fn(a, v).sum().backward()
    return val(a.grad), val(v.grad)


# --------------------------------------------------------------------- the scenario runner

def _param(name):
    f, xfail = SCENARIOS[name]
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", [_param(n) for n in SCENARIOS])
def test_scenario_matches_torch(name):
    f, _ = SCENARIOS[name]
    assert f(insitu) == f(torch)
