"""out= of the factory functions (insitu.ops.factories) against PyTorch: the values in out's
dtype, the resize, the one version bump, PyTorch's refusals and warnings."""
import warnings

import pytest

import insitu

torch = pytest.importorskip("torch")

CASES = [
    lambda m, t: m.zeros(3, out=t),
    lambda m, t: m.ones(2, 2, out=t),
    lambda m, t: m.full((3,), 2, out=t),
    lambda m, t: m.arange(5, out=t),
    lambda m, t: m.arange(1, 2, 0.25, out=t),
    lambda m, t: m.linspace(0, 1, 5, out=t),
    lambda m, t: m.eye(2, 3, out=t),
    lambda m, t: m.empty(4, out=t).shape,
]
OUTS = [lambda m: m.empty(3), lambda m: m.empty(0, dtype=m.int32), lambda m: m.empty(2, 2),
        lambda m: m.empty(0, dtype=m.float64)]


def _run(m, case, make_out):
    t = make_out(m)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = case(m, t)
    values = t.tolist() if r is t else list(r)
    return (r is t or isinstance(r, tuple), values if "empty" not in str(case) else None,
            list(t.shape), str(t.dtype).split(".")[1], t._version, [str(x.message).split(" (Triggered internally")[0] for x in w])


@pytest.mark.parametrize("make_out", OUTS)
@pytest.mark.parametrize("case", CASES)
def test_factories_write_into_out(case, make_out):
    assert _run(insitu, case, make_out) == _run(torch, case, make_out)


def test_random_factories_draw_the_same_numbers_with_out():
    for name, args in (("rand", (4,)), ("randn", (4,)), ("randint", (0, 9, (4,)))):
        insitu.manual_seed(3)
        t = insitu.empty(0, dtype=insitu.int64 if name == "randint" else insitu.float32)
        assert getattr(insitu, name)(*args, out=t) is t and t._version == 1
        insitu.manual_seed(3)
        assert t.tolist() == getattr(insitu, name)(*args).tolist()


def test_refusals_leave_out_untouched():
    for m in (torch, insitu):
        t = m.zeros(3)
        with pytest.raises(RuntimeError, match=r"dtype Double does not match dtype of out "
                                               r"parameter \(Float\)"):
            m.zeros(3, dtype=m.float64, out=t)
        x = m.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"aten::zeros\(\): functions with out=\.\.\. "
                                               "arguments don't support automatic"):
            m.zeros(3, out=x)
        assert t.tolist() == [0.0] * 3 and t._version == 0 and x._version == 0
