"""What a node keeps is derived from its formulas' parameter names (insitu.ops.derivatives)."""
import gc

import numpy as np
import pytest

import insitu
from insitu.ops.derivatives import Derivative, INPUT, OUTPUT, INPUT_META, VALUE, record


def _saved(t):
    node = t.grad_fn
    return set(node.saved), set(node.params)


def test_mul_by_a_constant_keeps_nothing_of_the_constant():
    x = insitu.ones(3, requires_grad=True)
    c = insitu.ones(3)
    saved, params = _saved(x * c)
    assert saved == {"other"} and params == set()      # only x's formula is needed: it reads c
    saved, params = _saved(x * 2.0)
    assert saved == set() and params == {"other"}      # a number is kept as is


def test_both_operands_kept_only_when_both_need_a_gradient():
    x = insitu.ones(3, requires_grad=True)
    y = insitu.ones(3, requires_grad=True)
    assert _saved(x * y)[0] == {"self", "other"}
    assert _saved(x * insitu.ones(3))[0] == {"other"}
    assert _saved(insitu.ones(3) * y)[0] == {"self"}


def test_result_formula_keeps_the_output_and_inplace_costs_no_copy():
    x = insitu.ones(3, requires_grad=True) * 1
    gc.collect()
    before = insitu.memory.allocated()
    y = x.exp_()                        # exp's formula reads result: exp_ keeps self itself
    assert insitu.memory.allocated() == before
    assert _saved(y)[0] == {"result"}


def test_inplace_formula_reading_self_keeps_a_copy():
    x = insitu.ones(3, requires_grad=True) * 1
    gc.collect()
    before = insitu.memory.allocated()
    x.sin_()                            # sin's formula reads self, which sin_ overwrites
    assert insitu.memory.allocated() - before == 3 * 4
    x.sum().backward()


def test_plan_classifies_what_each_name_reads():
    d = Derivative("TestBackward0", {"self": lambda grad, other, self_shape, dim: grad,
                                     "other": lambda grad, result: grad},
                   inputs=("self", "other"))
    before, after = d.plan((True, False))
    assert [(k, n) for k, n, _ in before] == [(INPUT, "other"), (INPUT_META, "self_shape"),
                                              (VALUE, "dim")]
    # an output a formula reads is kept whichever inputs need a gradient, as PyTorch saves it
    assert [(k, n) for k, n, _ in after] == [(OUTPUT, "result")]
    before, after = d.plan((False, True))
    assert before == () and [(k, n) for k, n, _ in after] == [(OUTPUT, "result")]


def test_record_saves_tensor_values_version_checked():
    d = Derivative("PickBackward0", {"self": lambda grad, self_shape, index:
                                     insitu.zeros(self_shape).index_add(0, index, grad)})
    x = insitu.arange(4.0, requires_grad=True)
    index = insitu.tensor([1, 3])
    out = record(d, (x,), x.detach()[index], {"index": index})
    index.add_(0)                       # the saved index is modified in place
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_record_does_nothing_without_a_gradient_to_compute():
    d = Derivative("NoBackward0", {"self": lambda grad: grad})
    x = insitu.ones(2)
    out = record(d, (x,), x * 2)
    assert out.grad_fn is None
    with insitu.no_grad():
        y = insitu.ones(2, requires_grad=True)
        assert record(d, (y,), y * 2).grad_fn is None


def test_node_edges_skip_masks_and_scalar_overloads_like_torch():
    x = insitu.ones(3, requires_grad=True) * 1
    mask = insitu.tensor([True, False, True])
    assert len((x * 2).grad_fn.next_functions) == 2          # a wrapped number: an edge
    assert len((x ** 2).grad_fn.next_functions) == 1         # the Scalar overload: none
    assert len(x.masked_fill(mask, 0.5).grad_fn.next_functions) == 1   # no edge for the mask
    assert len(x.clamp(min=insitu.zeros(3)).grad_fn.next_functions) == 3


def test_array_formulas_give_the_same_gradients():
    x = insitu.tensor(np.linspace(-1, 1, 5), requires_grad=True)
    (x * x * 3).sum().backward()        # no graph to build: mul's formulas run on arrays
    g = x.grad.clone()
    x.grad = None
    (gx,) = insitu.autograd.grad((x * x * 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), gx.detach().numpy())
