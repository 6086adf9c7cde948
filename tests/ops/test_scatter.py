"""Differential tests of scatter, scatter_add, scatter_reduce, masked_scatter and put, in place
and out of place (insitu.ops.indexing.scatter), against PyTorch (see `differential`)."""
import warnings

import numpy as np
import pytest

import insitu
from differential import (A34, S34, _np, assert_same, check, check_error,
                          check_error_leaves_self_untouched,
                          check_inplace, idx, torch, typed)

M = np.array([[True, False, True, False]] * 3)

INPLACE_CASES = [
    ("scatter", lambda m, y, s: y.scatter_(0, idx(m, [[0, 1, 2, 0], [2, 0, 1, 1]]), s[:2]),
     S34),
    ("scatter_small_index", lambda m, y, s: y.scatter_(1, idx(m, [[3], [0]]), s[:2, :1]), S34),
    ("scatter_value", lambda m, y, s: y.scatter_(1, idx(m, [[0, 3], [1, 1]]), 7.0), S34),
    ("scatter_value_kw", lambda m, y, s: y.scatter_(0, index=idx(m, [[2, 2]]), value=1), S34),
    ("scatter_add", lambda m, y, s: y.scatter_add_(0, idx(m, [[0, 1, 2, 0], [0, 0, 0, 0]]),
                                                   s[:2]), S34),
    ("masked_scatter", lambda m, y, s: y.masked_scatter_(m.tensor(M), s), S34),
    ("masked_scatter_bcast", lambda m, y, s: y.masked_scatter_(m.tensor(M[0]), s), S34),
    ("put", lambda m, y, s: y.put_(idx(m, [0, 5, -1]), s[0, :3]), S34),
    ("put_acc", lambda m, y, s: y.put_(idx(m, [[0, 0], [3, 0]]), s[:2, :2], accumulate=True),
     S34),
    ("put_transposed", lambda m, y, s: y.t().put_(idx(m, [1, 4]), s[0, :2]), S34),
]


@pytest.mark.parametrize("name,op,src", INPLACE_CASES, ids=[c[0] for c in INPLACE_CASES])
def test_inplace_scatter_ops_values_and_grads(name, op, src):
    check_inplace(op, src)


OUT_OF_PLACE_CASES = [
    lambda m, a, s: a.scatter(1, idx(m, [[1], [0], [2]]), s[:, :1]),
    lambda m, a, s: m.scatter(a, 1, idx(m, [[1], [0], [2]]), 2.5),
    lambda m, a, s: m.scatter(a, 1, idx(m, [[1], [0], [2]]), src=s[:, 2:3]),
    lambda m, a, s: a.scatter_add(0, idx(m, [[2, 2, 2, 2]]), s[1:2]),
    lambda m, a, s: m.scatter_add(a, 0, idx(m, [[2, 2, 2, 2]]), s[:1]),
    lambda m, a, s: a.masked_scatter(a > 0, s),
    lambda m, a, s: m.masked_scatter(a[0], m.tensor(M), s),
    lambda m, a, s: a.put(idx(m, [0, 1]), s[0, :2]),
    lambda m, a, s: m.put(a, idx(m, [0, 0]), s[0, :2], accumulate=True),
]


@pytest.mark.parametrize("case", OUT_OF_PLACE_CASES)
def test_out_of_place_scatter_ops(case):
    check(case, A34, S34)


@pytest.mark.parametrize("case", [
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]], "float32"), s),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]]), typed(m, s, 'float32')),
    lambda m, a, s: a.scatter_(0, idx(m, [0, 1]), s),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]]), s[0, 0]),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]]), s[0]),
    lambda m, a, s: a.scatter_(0, idx(m, [[0]] * 4), s),
    lambda m, a, s: a.scatter_(0, idx(m, [[0] * 5]), 1.0),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]]), s, reduce="sum"),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]]), 2.0, reduce="mean"),
    lambda m, a, s: a.scatter_add_(0, idx(m, [[0, 1]]), typed(m, s, 'float32')),
    lambda m, a, s: a.masked_scatter_(idx(m, M, 'int32'), s),
    lambda m, a, s: a.masked_scatter_(m.tensor(M), typed(m, s, 'float32')),
    lambda m, a, s: a.put_(idx(m, [-13]), s[0, :1]),
    lambda m, a, s: a.put_(idx(m, [0, 1]), s[0, :3]),
    lambda m, a, s: a.put_(idx(m, [0, 1], "int32"), s[0, :2]),
    lambda m, a, s: a.put_(idx(m, [0, 1]), typed(m, s[0, :2], 'float32')),
    lambda m, a, s: m.zeros(0).put_(idx(m, [0]), s[0, :1]),
])
def test_scatter_op_errors_leave_self_untouched(case):
    check_error_leaves_self_untouched(case)


@pytest.mark.parametrize("case", [
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 3]]), s),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, -1]]), 1.0),
    lambda m, a, s: a.scatter_add_(0, idx(m, [[0, 3]]), s),
    lambda m, a, s: a.put_(idx(m, [0, 12]), s[0, :2]),
])
def test_scatter_op_bounds_errors_leave_self_untouched(case):
    # an index out of range: PyTorch's kernel has written the elements before it
    check_error_leaves_self_untouched(case)


def test_scatter_reduce_argument():
    for reduce in ("add", "multiply"):
        check(lambda m, a, s: (a * 1).scatter_(0, idx(m, [[0, 1, 2, 0], [0, 0, 0, 0]]), 2.0,
                                               reduce=reduce), A34, S34, grads=[False, False])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check(lambda m, a, s: a.scatter(0, idx(m, [[0, 1, 2, 0], [0, 0, 0, 0]]), s,
                                            reduce=reduce), A34, S34, grads=[False, False])
    with pytest.warns(UserWarning, match="The reduce argument of torch.scatter with Tensor src"):
        insitu.zeros(3).scatter_(0, insitu.tensor([0]), insitu.ones(1), reduce="add")
    for lib in (torch, insitu):
        x = lib.tensor(A34, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = (x * 1).scatter_(0, lib.tensor([[0]]), x, reduce="add")
        assert type(y.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError, match=r"derivative for aten::scatter_? is not impl"):
            y.sum().backward()


def test_scatter_ops_dtype_rules():
    cases = [
        lambda m: m.zeros(2, 3, dtype=m.long).scatter_(1, idx(m, [[2]]), 5.5),
        lambda m: m.zeros(4, dtype=m.int32).put_(idx(m, [1, 1]), m.tensor([2, 3], dtype=m.int32),
                                                 accumulate=True),
    ]
    for case in cases:
        assert_same(case(torch), case(insitu))


def test_scalar_self_scatter():
    check(lambda m, a: (a * 1).scatter_(0, idx(m, 0), 2.0), np.array(0.5))


def test_scatter_ops_refuse_overlap():
    overlaps = [
        lambda m, c: c.scatter_(0, idx(m, [[1, 2, 0, 1]]), c[:1]),
        lambda m, c: c.scatter_add_(0, idx(m, [[1, 2, 0, 1]]), c[:1]),
        lambda m, c: c.put_(idx(m, [1, 2]), c[0, :2]),
    ]
    for case in overlaps:
        check_error(case, A34.copy())


MASKED_SCATTER_WALKS = [
    # the source read while it is written: self, a shifted view of self, self's transpose
    lambda m: m.arange(12.).reshape(3, 4),
    lambda m: m.arange(5, dtype=m.int32),
    lambda m: m.arange(6.).reshape(2, 3).t(),
]


@pytest.mark.parametrize("make", MASKED_SCATTER_WALKS)
def test_masked_scatter_from_self_reads_as_it_writes(make):
    # PyTorch walks self in row-major order, reading a contiguous source that is self's own
    # memory as the walk leaves it; a non-contiguous one through a copy
    def run(m):
        c = make(m)
        base = c if c._base is None else c._base
        c.masked_scatter_(c > 0, base.reshape(-1) if base.is_contiguous() else base)
        d = make(m)
        d.masked_scatter_(d >= 3, d.reshape(-1)[1:] if d.is_contiguous() else d[:, :1])
        return base.tolist(), (d if d._base is None else d._base).tolist()
    assert run(insitu) == run(torch)
    c = insitu.arange(12.).reshape(3, 4)
    c.masked_scatter_(c > 3, c)
    assert c.tolist() == [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]


def test_masked_scatter_short_source_writes_nothing():
    # PyTorch writes the source's elements at the first Trues, then raises; insitu raises first
    # (docs/differences.md, failed-writes-write-nothing); neither bumps the version
    def run(m):
        x = m.tensor(A34) * 1
        with pytest.raises(RuntimeError, match="Number of elements of source < number of ones"):
            x.masked_scatter_(x > 0, m.tensor(S34)[0, :5])
        return x.tolist(), x._version
    assert run(insitu) == (insitu.tensor(A34).tolist(), 0) and run(torch)[1] == 0


def test_index_op_on_view_rewrites_base_graph():
    for lib in (torch, insitu):
        x = lib.tensor(A34, requires_grad=True)
        y = x * 1
        v = y[:, 1:]
        v.scatter_(1, lib.tensor([[0], [1], [2]]), x[:, :1] * 3)
        assert "CopySlices" in type(y.grad_fn).__name__
        assert type(v.grad_fn).__name__ == "AsStridedBackward0"
        y.sum().backward()
        np.testing.assert_allclose(_np(x.grad), [[4, 0, 1, 1], [4, 1, 0, 1], [4, 1, 1, 0]])


SR_SELF = np.array([[1., 0, 3], [4, 5, 6], [5, 2, 2]])
SR_SRC = np.array([[1., 5, 0], [40, 5, 60], [0, 2, 7]])


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce(reduce, include_self):
    index = [[0, 0, 1], [1, 1, 1], [2, 0, 1]]
    check(lambda m, a, s: a.scatter_reduce(0, idx(m, index), s, reduce,
                                           include_self=include_self), SR_SELF, SR_SRC)
    check(lambda m, a, s: (a * 1).scatter_reduce_(1, idx(m, [[0, 0], [2, 2], [1, 0]]), s[:, :2],
                                                  reduce, include_self=include_self),
          SR_SELF, SR_SRC)
    check(lambda m, a, s: m.scatter_reduce(typed(m, a, "int64"), 0, idx(m, index),
                                           typed(m, s, "int64"), reduce,
                                           include_self=include_self), SR_SELF, SR_SRC)


def test_scatter_reduce_errors():
    check_error(lambda m, a, s: a.scatter_reduce(0, idx(m, [[0]]), s, "add"), SR_SELF, SR_SRC)
    check_error(lambda m, a, s: a.scatter_reduce_(0, idx(m, [[3]]), s, "sum"), SR_SELF, SR_SRC)
    check_error(lambda m, a, s: a.scatter_reduce(0, idx(m, [[0]]), typed(m, s, "float32"),
                                                 "sum"), SR_SELF, SR_SRC)


@pytest.mark.parametrize("call", [
    lambda x, i: x.scatter_(0, i, None), lambda x, i: x.scatter(0, i, None),
    lambda x, i: x.scatter_(0, i, None, reduce="add"), lambda x, i: x.scatter_(0, i, value=None),
    lambda x, i: x.scatter_(0, i)])
def test_scatter_given_none_or_nothing_is_the_parsers_refusal(call):
    # None (a missing .grad, say) matches neither overload: PyTorch's parser lists them
    torch = pytest.importorskip("torch")
    msgs = []
    for lib in (torch, insitu):
        with pytest.raises(TypeError) as e:
            call(lib.ones(2, 2), lib.ones((2, 2), dtype=lib.int64))
        msgs.append(str(e.value))
    assert msgs[1] == msgs[0]
