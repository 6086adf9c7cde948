"""The rarer in-place guard messages, each against PyTorch."""
import pytest

import insitu

torch = pytest.importorskip("torch")


def _message(lib, fn):
    with pytest.raises(RuntimeError) as e:
        fn(lib)
    return str(e.value).replace("torch.", "insitu.")


def _grad_mode_view_of_no_grad_view(lib):
    a = lib.arange(10.).requires_grad_().clone()
    with lib.no_grad():
        nv = a[0:3]
    nv.view(3).mul_(2)


def _multi_output_view_made_without_graph(lib):
    w = lib.ones(1, requires_grad=True)
    b = lib.arange(4.).clone().unbind()
    b[1].mul_(w)


def _leaf_guard_before_broadcast_check(lib):
    lib.ones(3, requires_grad=True).add_(lib.ones(2, 3))


def _stale_multi_output_view(lib):
    a = lib.ones(4, requires_grad=True).clone()
    s = a.split(2)
    a.mul_(2)
    s[0].grad_fn


@pytest.mark.parametrize("case", [_grad_mode_view_of_no_grad_view,
                                  _multi_output_view_made_without_graph,
                                  _leaf_guard_before_broadcast_check,
                                  _stale_multi_output_view])
def test_message_matches_torch(case):
    assert _message(insitu, case) == _message(torch, case)


def test_failed_guard_leaves_data_and_version():
    x = insitu.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        x.add_(insitu.ones(2, 3))
    assert x._version == 0 and x.tolist() == [1.0, 1.0, 1.0]
