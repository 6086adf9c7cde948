"""The saved-tensor version error names where things happened.

When backward finds that a tensor it saved was modified in place, insitu raises PyTorch's message
(compared with torch's own, less its anomaly-mode hint) followed by the `file:line` of the forward
line that saved the tensor and of every in-place line that modified it since. Line numbers are
taken from this file as the test runs (`here()`), never written down.
"""
import inspect
import re

import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402
from insitu.autograd.function import Function  # noqa: E402

FILE = inspect.getsourcefile(inspect.currentframe())


def here():
    """The line number of the caller's current line."""
    return inspect.currentframe().f_back.f_lineno


def at(line):
    return f"{FILE}:{line}"


def torch_head(fn):
    with pytest.raises(RuntimeError) as e:
        fn()
    text = re.sub(r"\btorch\.(?=\w*Tensor\b)", "insitu.", str(e.value))
    return text.split(" Hint:")[0]


def insitu_error(fn):
    with pytest.raises(RuntimeError) as e:
        fn()
    return str(e.value)


def test_saved_output_modified_names_both_lines():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y, saved = x.sigmoid(), here()
        _, modified = y.mul_(2), here()
        return (lambda: y.sum().backward()), saved, modified
    backward, saved, modified = run(insitu)
    msg = insitu_error(backward)
    assert msg.split("\n")[0] == torch_head(run(torch)[0])
    assert f"saved for backward by sigmoid at {at(saved)} (version 0)" in msg
    assert f"modified in place by mul_ at {at(modified)} (now version 1)" in msg


def test_saved_input_modified_by_augmented_assignment():
    def run(lib):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = lib.tensor([4.0, 5.0, 6.0], requires_grad=True) * 1
        z, saved = a * b, here()
        b += 1
        modified = here() - 1
        return (lambda: z.sum().backward()), saved, modified
    backward, saved, modified = run(insitu)
    msg = insitu_error(backward)
    assert msg.split("\n")[0] == torch_head(run(torch)[0])
    assert "which is output 0 of Add," in msg
    assert f"saved for backward by mul at {at(saved)}" in msg
    assert f"modified in place by add_ at {at(modified)}" in msg


def test_every_modification_is_listed_in_order():
    def run(lib):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = lib.tensor([4.0, 5.0, 6.0])
        z, saved = a * b, here()
        _, first = b.add_(1), here()
        _, second = b.mul_(3), here()
        return (lambda: z.sum().backward()), saved, first, second
    backward, saved, first, second = run(insitu)
    msg = insitu_error(backward)
    assert msg.split("\n")[0] == torch_head(run(torch)[0])
    assert "is at version 2; expected version 0 instead." in msg
    lines = msg.split("\n")
    assert lines[1:] == [f"  saved for backward by mul at {at(saved)} (version 0)",
                         f"  modified in place by add_ at {at(first)} (now version 1)",
                         f"  modified in place by mul_ at {at(second)} (now version 2)"]


def test_parameter_modified_under_no_grad():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = lib.tensor([0.5, 0.5, 0.5], requires_grad=True)
        out, saved = (x * w).sum(), here()
        with lib.no_grad():
            _, modified = w.sub_(0.1), here()
        return (lambda: out.backward()), saved, modified
    backward, saved, modified = run(insitu)
    msg = insitu_error(backward)
    assert msg.split("\n")[0] == torch_head(run(torch)[0])
    assert f"saved for backward by mul at {at(saved)}" in msg
    assert f"modified in place by sub_ at {at(modified)}" in msg


def test_modified_through_a_view_and_setitem():
    x = insitu.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y, saved = x.exp(), here()
    _, through_view = y[1:].mul_(2), here()
    y[0] = 5.0
    through_setitem = here() - 1
    msg = insitu_error(lambda: y.sum().backward())
    assert f"saved for backward by exp at {at(saved)}" in msg
    assert f"modified in place by mul_ at {at(through_view)} (now version 1)" in msg
    assert re.search(rf"modified in place by \w+ at {re.escape(at(through_setitem))} "
                     r"\(now version 2\)", msg)


def _scale_in_place(t):
    t.mul_(10)
    return here() - 1


def test_the_innermost_user_line_is_named():
    x = insitu.tensor([1.0, 2.0], requires_grad=True)
    y, saved = x.sigmoid(), here()
    modified = _scale_in_place(y)
    msg = insitu_error(lambda: y.sum().backward())
    assert f"saved for backward by sigmoid at {at(saved)}" in msg
    assert f"modified in place by mul_ at {at(modified)}" in msg


def test_reported_by_autograd_grad_too():
    x = insitu.tensor([1.0, 2.0], requires_grad=True)
    y, saved = x.tanh(), here()
    _, modified = y.add_(1), here()
    msg = insitu_error(lambda: insitu.autograd.grad(y.sum(), x))
    assert f"saved for backward by tanh at {at(saved)}" in msg
    assert f"modified in place by add_ at {at(modified)}" in msg


def test_modified_through_detach():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y, saved = x.sigmoid(), here()
        _, modified = y.detach().mul_(2), here()
        return (lambda: y.sum().backward()), saved, modified
    backward, saved, modified = run(insitu)
    msg = insitu_error(backward)
    assert msg.split("\n")[0] == torch_head(run(torch)[0])
    assert f"saved for backward by sigmoid at {at(saved)}" in msg
    assert f"modified in place by mul_ at {at(modified)}" in msg


def test_modified_through_data_is_caught_too():
    # insitu's .data shares the version counter (PyTorch's does not, and silently returns a
    # wrong gradient), so the write is reported with its line
    x = insitu.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y, saved = x.sigmoid(), here()
    _, modified = y.data.mul_(2), here()
    msg = insitu_error(lambda: y.sum().backward())
    assert f"saved for backward by sigmoid at {at(saved)}" in msg
    assert f"modified in place by mul_ at {at(modified)}" in msg


class _Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 2 * g * x


class _Halve_(Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(0.5)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 0.5


def _line_in(fn, text):
    """Line number, in this file, of the line of fn's source that contains `text`."""
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


HALVE_LINE = _line_in(_Halve_.forward, "x.mul_(0.5)")


def test_custom_function_saved_at_the_apply_line():
    x = insitu.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y, saved = _Square.apply(h), here()
    _, modified = h.add_(1), here()
    msg = insitu_error(lambda: y.sum().backward())
    assert msg.split("\n")[0] == ("one of the variables needed for gradient computation has "
                                  "been modified by an inplace operation: [insitu.FloatTensor "
                                  "[2]], which is output 0 of Add, is at version 1; expected "
                                  "version 0 instead.")
    assert f"saved for backward by _Square at {at(saved)}" in msg
    assert f"modified in place by add_ at {at(modified)}" in msg


def test_modified_by_a_custom_inplace_function():
    x = insitu.tensor([1.0, 2.0], requires_grad=True)
    y, saved = x.exp(), here()
    _, applied = _Halve_.apply(y), here()
    msg = insitu_error(lambda: y.sum().backward())
    assert "is at version 2; expected version 0 instead." in msg
    assert f"saved for backward by exp at {at(saved)}" in msg
    # the write inside forward, then the version bump of mark_dirty at the apply line
    assert f"modified in place by mul_ at {at(HALVE_LINE)} (now version 1)" in msg
    assert re.search(rf"modified in place by .*_Halve_.* at {re.escape(at(applied))} "
                     r"\(now version 2\)", msg)
