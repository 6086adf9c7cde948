"""No silent holes: `.data`/`detach()` share the version counter (a mutation through them is
reported, not turned into a wrong gradient), writes into a dropped advanced-indexing copy warn,
and the aliasing rules of docs/aliasing.md hold."""
import re
import sys
import warnings

import numpy as np
import pytest

import insitu
import insitu.nn.functional as F
from insitu.autograd.graph import AdvancedIndexingCopyWarning

HERE = re.escape(__file__)


def _line():
    return sys._getframe(1).f_lineno


# ----------------------------------------------------------------------------- .data and detach()

@pytest.mark.parametrize("alias", ["data", "detach"])
def test_mutation_through_alias_raises_the_located_error(alias):
    x = insitu.rand(4, requires_grad=True)
    y = x.sigmoid(); save = _line()               # noqa: E702
    a = y.data if alias == "data" else y.detach()
    assert a._version == y._version
    a.mul_(2); mutate = _line()                   # noqa: E702
    assert y._version == 1
    with pytest.raises(RuntimeError) as err:
        y.sum().backward()
    msg = str(err.value)
    assert msg.startswith("one of the variables needed for gradient computation has been "
                          "modified by an inplace operation: [insitu.FloatTensor [4]], which is "
                          "output 0 of Sigmoid, is at version 1; expected version 0 instead.")
    assert re.search(rf"saved for backward by sigmoid at {HERE}:{save} \(version 0\)", msg)
    assert re.search(rf"modified in place by mul_ at {HERE}:{mutate} \(now version 1\)", msg)


def test_torch_returns_a_wrong_gradient_for_the_same_program():
    """The case insitu refuses: PyTorch's .data does not share the version counter."""
    torch = pytest.importorskip("torch")
    x = torch.tensor([0.5, -1.0], requires_grad=True)
    y = x.sigmoid()
    y.data.mul_(2)
    y.sum().backward()
    s = torch.sigmoid(x.detach())
    assert not torch.allclose(x.grad, s * (1 - s))


def test_parameter_updates_through_data_and_detach_keep_working():
    x = insitu.tensor([1.0, 2.0, 3.0])
    w = insitu.tensor([0.5, 0.5, 0.5], requires_grad=True)
    for step in range(3):
        loss = (w * x).sum()
        loss.backward()
        if step == 0:
            w.data.sub_(0.1 * w.grad)
        elif step == 1:
            with insitu.no_grad():
                w.detach().sub_(0.1 * w.grad)
        else:
            with insitu.no_grad():
                w.sub_(0.1 * w.grad)
        w.grad = None
    # each step subtracts 0.1 * x
    np.testing.assert_allclose(w.detach().numpy(), 0.5 - 0.3 * x.numpy(), rtol=1e-6)
    assert w.is_leaf and w.requires_grad


def test_data_assignment_replaces_the_values():
    w = insitu.zeros(3, requires_grad=True)
    w.data = insitu.ones(3)
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.detach().numpy(), np.ones(3))
    np.testing.assert_array_equal(w.grad.numpy(), np.full(3, 2.0))


# ----------------------------------------------------------------------------- advanced indexing

def _warnings(fn):
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        fn()
    return [w for w in got if issubclass(w.category, AdvancedIndexingCopyWarning)]


def _x():
    return insitu.arange(6.0)


def test_fill_on_an_index_list_copy_warns_that_x_is_unchanged():
    x = _x()

    def run():
        x[[0, 1]].fill_(1)

    got = _warnings(run)
    assert len(got) == 1
    w = got[0]
    assert w.filename == __file__ and w.lineno == run.__code__.co_firstlineno + 1
    assert f"fill_ at {__file__}:{w.lineno} writes into a copy" in str(w.message)
    assert "the indexed tensor is unchanged" in str(w.message)
    assert "x[idx] = value" in str(w.message)
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0))
    assert issubclass(AdvancedIndexingCopyWarning, UserWarning)


DROPPED_WRITES = {
    "clamp_mask": "x[mask].clamp_(0, 1)",
    "mul_index_tensor": "x[idx].mul_(2)",
    "inplace_function": "F.relu(x[mask], inplace=True)",
    "item_assignment": "x[[0, 1]][0] = 5.0",
    "view_of_copy": "x[[0, 1]][0].fill_(9)",
    "chained": "x[[0, 1]].fill_(1).add_(1)",
    "augmented_on_copy": "x[[0, 1]][0] += 5",
}


@pytest.mark.parametrize("case", sorted(DROPPED_WRITES))
def test_dropped_writes_warn(case):
    x = _x()
    env = {"x": x, "mask": x > 2, "idx": insitu.tensor([0, 2]), "F": F}
    code = compile(DROPPED_WRITES[case] + "\n", "<user>", "exec")
    got = _warnings(lambda: exec(code, env))
    assert len(got) == 1
    assert got[0].filename == "<user>" and got[0].lineno == 1
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0))


def test_kept_or_written_back_results_do_not_warn():
    x = _x()
    mask = x > 2

    def run():
        x[[0, 1]] += 1                     # written back by __setitem__
        x[mask] = 0
        y = x[[0, 1]]
        y.fill_(7)                         # the copy has a name: the user keeps it
        z = x[mask].clamp_(0)              # the result is kept
        s = x[[2, 3]].add_(1).sum()        # the result is used
        x[0:2].fill_(3)                    # basic indexing is a view: x changes
        holder = [x[[4]]]
        holder[0].mul_(2)                  # a later statement, not the indexing one
        return y, z, s

    assert _warnings(run) == []
    np.testing.assert_array_equal(x.numpy(), [3, 3, 2, 0, 0, 0])


def test_insitu_own_indexing_does_not_warn():
    x = insitu.arange(6.0, requires_grad=True)

    def run():
        y = (x * 1.0)[[0, 0, 1]]           # backward indexes internally and accumulates
        (y * 2).sum().backward()
        (x[[1, 2]] * 3).sum().backward()

    assert _warnings(run) == []
    np.testing.assert_array_equal(x.grad.numpy(), [4, 5, 3, 0, 0, 0])


def test_warning_works_at_module_level():
    x = _x()
    env = {"x": x}
    code = compile("x[[0, 1]].fill_(1)\ny = x[[0, 1]]\ny.fill_(1)\n", "<user>", "exec")
    got = _warnings(lambda: exec(code, env))
    assert len(got) == 1 and got[0].lineno == 1


# ----------------------------------------------------------------------------- aliasing rules

def test_what_aliases():
    x = insitu.zeros(2, 3)
    v = x[0]                                       # basic indexing: a view
    v.fill_(1)
    assert x[0, 0].item() == 1 and v._version == x._version
    x.view(-1)[1] = 2                              # view / reshape of contiguous memory
    x.reshape(6)[2] = 3
    assert x[0].tolist() == [1, 2, 3]
    d = x.detach()
    d[1, 0] = 4
    assert x[1, 0].item() == 4 and d._version == x._version
    x.data[1, 1] = 5
    assert x[1, 1].item() == 5
    arr = np.zeros(3, dtype=np.float32)
    t = insitu.from_numpy(arr)
    t.add_(1)
    assert arr.tolist() == [1, 1, 1]
    t.numpy()[0] = 9
    assert t[0].item() == 9
    assert insitu.as_tensor(arr).add_(1) is not None and arr[1] == 2
    assert x.to(insitu.float32) is x and x.contiguous() is x


def test_what_copies():
    x = insitu.zeros(2, 3)
    for copy in (x.clone(), x[[0, 1]], x[x == 0], x.double(), x.t().reshape(6),
                 x.t().contiguous(), insitu.tensor(x.numpy())):
        copy.add_(1)
    assert x.tolist() == [[0, 0, 0], [0, 0, 0]] and x._version == 0
    arr = np.zeros(3, dtype=np.float32)
    insitu.tensor(arr).add_(1)
    assert arr.tolist() == [0, 0, 0]


def test_warning_under_memory_profile():
    x = _x()
    env = {"x": x}
    code = compile("x[[0, 1]].fill_(1)\n", "<user>", "exec")
    with insitu.memory.profile() as prof:
        got = _warnings(lambda: exec(code, env))
    assert len(got) == 1 and got[0].filename == "<user>"
    assert [r["op"] for r in prof.rows] == ["getitem", "fill_"]
