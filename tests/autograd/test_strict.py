"""Strict in-place mode: an in-place write into a tensor a live graph saved raises at once,
naming the op, the mutating file:line and the saving file:line, and changes nothing."""
import re
import sys

import numpy as np
import pytest

import insitu
from insitu.autograd import strict_inplace

HERE = re.escape(__file__)


def _line():
    return sys._getframe(1).f_lineno


def _expect(op, mutate_line, saver, save_line):
    return (rf"strict_inplace: {re.escape(op)} at {HERE}:{mutate_line} would modify a tensor that "
            rf"a live graph saved for backward \(saved by {saver} at {HERE}:{save_line}\)")


def test_context_manager_names_op_and_both_lines():
    x = insitu.rand(5, requires_grad=True)
    with strict_inplace():
        y = x.exp(); save = _line()               # noqa: E702
        with pytest.raises(RuntimeError, match=_expect("add_", save + 2, "exp", save)):
            y.add_(1)
    y.add_(1)                                     # strict mode off again: allowed until backward
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_global_switch():
    x = insitu.rand(5, requires_grad=True)
    strict_inplace(True)
    try:
        y = x.sigmoid(); save = _line()           # noqa: E702
        with pytest.raises(RuntimeError, match=_expect("mul_", save + 2, "sigmoid", save)):
            y.mul_(2)
    finally:
        strict_inplace(False)
    y.mul_(2)


@pytest.mark.parametrize("how", ["fast", "view", "data", "detach", "operator", "no_grad", "out"])
def test_every_route_into_the_saved_storage_is_refused(how):
    x = insitu.rand(6, requires_grad=True)
    w = insitu.rand(6)
    y = x.exp()
    version, values = y._version, y.detach().numpy().copy()
    with strict_inplace():
        with pytest.raises(RuntimeError, match=r"strict_inplace: \w+ at .*\(saved by exp at "):
            if how == "fast":
                y.mul_(w)
            elif how == "view":
                y[1:3].zero_()
            elif how == "data":
                y.data.mul_(2)
            elif how == "detach":
                y.detach().add_(1)
            elif how == "operator":
                y += 1
            elif how == "no_grad":
                with insitu.no_grad():
                    y.sub_(1)
            else:
                with insitu.no_grad():
                    insitu.mul(w, 2, out=y)
    # nothing was written, the version did not move, and backward still works
    assert y._version == version
    np.testing.assert_array_equal(y.detach().numpy(), values)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), values, rtol=1e-6)


def test_unsaved_and_released_storages_are_not_refused():
    x = insitu.rand(4, requires_grad=True)
    with strict_inplace():
        h = x * 2                  # mul by a scalar saves nothing
        h.add_(1)
        y = x.exp()
        y.sum().backward()         # backward released the saved result
        y.add_(1)
        z = x.exp()
        del z                      # dropping the graph releases it too
        with insitu.no_grad():
            x.sub_(0.1)            # parameter update after backward
    assert not y.is_saved


def test_mutating_line_is_inside_a_helper_function():
    def helper(t):
        t.clamp_(0.5); return _line()             # noqa: E702

    x = insitu.rand(3, requires_grad=True)
    y = x.tanh(); save = _line()                  # noqa: E702
    with strict_inplace():
        with pytest.raises(RuntimeError) as err:
            helper(y)
    line = helper.__code__.co_firstlineno + 1
    assert f"clamp_ at {__file__}:{line} " in str(err.value)
    assert f"saved by tanh at {__file__}:{save})" in str(err.value)


def test_nested_contexts_and_global_switch_compose():
    x = insitu.rand(3, requires_grad=True)
    y = x.exp()
    with strict_inplace():
        with strict_inplace():
            pass
        with pytest.raises(RuntimeError):
            y.add_(1)              # still strict after the inner block
    strict_inplace(True)
    with strict_inplace():
        pass
    try:
        with pytest.raises(RuntimeError):
            y.add_(1)              # the global switch outlives the block
    finally:
        strict_inplace(False)
    y.add_(1)
