"""Anomaly mode: each node keeps the forward line that made it; a failing or nan-producing
backward warns with it (and with the lines of the nodes that made it during an earlier
backward), with PyTorch's wording, checked against torch itself."""
import warnings

import pytest

import insitu


def _run(lib, program):
    """Run `program(lib)`; the error (type, message) and the warnings (message, line) it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            program(lib)
            err = None
        except Exception as e:   # noqa: BLE001 (we compare whatever the program raised)
            err = (type(e).__name__, str(e))
    return err, [(str(w.message).split(" (Triggered internally")[0], w.lineno)
                 for w in caught]


def _nan_in_backward(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    with lib.autograd.set_detect_anomaly(True):
        (x.sqrt() / x).sum().backward()


def _nan_in_double_backward(lib):
    with lib.autograd.set_detect_anomaly(True):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        g, = lib.autograd.grad(x.sqrt().sum(), x, create_graph=True)
        (g * 0).sum().backward()


def _failing_function(lib):
    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("boom")

    with lib.autograd.set_detect_anomaly(True):
        Bad.apply(lib.ones(2, requires_grad=True)).sum().backward()


def _recorded_before_the_mode(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    y = (x.sqrt() / x).sum()
    with lib.autograd.set_detect_anomaly(True):
        y.backward()


def _nan_check_off(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    with lib.autograd.set_detect_anomaly(True, check_nan=False):
        (x.sqrt() / x).sum().backward()


@pytest.mark.parametrize("program", [_nan_in_backward, _nan_in_double_backward,
                                     _failing_function, _recorded_before_the_mode,
                                     _nan_check_off])
def test_errors_and_warnings_as_torch(program):
    torch = pytest.importorskip("torch")
    want_err, want_warns = _run(torch, program)
    got_err, got_warns = _run(insitu, program)
    assert got_err == want_err
    # the same warnings, headed alike (ours are attributed to the user's line, torch's to its
    # own engine)
    assert [w.split(":\n")[0] for w, _ in got_warns] == [w.split(":\n")[0] for w, _ in want_warns]
    for (got, _), (want, _) in zip(got_warns, want_warns):
        # our traceback is the user's frames only (torch's adds its own among them): compare
        # the frames below the call into the program, which both libraries ran the same way
        ours = _program_frames(got)
        assert ours == [line for line in _program_frames(want) if line in ours]
        assert len(ours) >= 2 or ":\n" not in want


def _program_frames(text):
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip() == "program(lib)"), None)
    return [] if start is None else [line for line in lines[start + 1:] if line]

def test_node_metadata_holds_the_forward_stack():
    x = insitu.ones(2, requires_grad=True)
    assert x.exp().grad_fn.metadata == {}
    with insitu.autograd.set_detect_anomaly(True):
        y = x.exp()
    stack = y.grad_fn.metadata["traceback_"]
    assert __file__ in stack[-1] and "y = x.exp()" in stack[-1]
    assert not any("/insitu/" in frame.split(",")[0] for frame in stack)


def test_located_version_error_still_names_both_lines():
    a = insitu.ones(2, requires_grad=True)
    with insitu.autograd.set_detect_anomaly(True):
        b = a * 1
        c = b.sin()
        b.add_(1)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(RuntimeError, match="(?s)saved for backward by sin at .*modified "
                                                   "in place by add_ at"):
                c.sum().backward()
    assert "Error detected in SinBackward0" in str(caught[0].message)


def test_modes_nest_and_restore():
    assert not insitu.is_anomaly_enabled() and insitu.is_anomaly_check_nan_enabled()
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        ctx = insitu.autograd.detect_anomaly(check_nan=False)
    with ctx:
        assert insitu.is_anomaly_enabled() and not insitu.is_anomaly_check_nan_enabled()
        with insitu.autograd.set_detect_anomaly(False):
            assert not insitu.is_anomaly_enabled()
        assert insitu.is_anomaly_enabled()
    assert not insitu.is_anomaly_enabled() and insitu.is_anomaly_check_nan_enabled()
    insitu.autograd.set_detect_anomaly(True)       # takes effect at once, as PyTorch's
    try:
        assert insitu.is_anomaly_enabled()
    finally:
        insitu.set_anomaly_enabled(False)
    assert not insitu.is_anomaly_enabled()


def test_off_costs_nothing_in_the_graph():
    x = insitu.ones(2, requires_grad=True)
    y = (x * 2).sum()
    assert "_metadata" not in y.grad_fn.__dict__
