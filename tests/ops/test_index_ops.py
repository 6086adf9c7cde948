"""Differential tests of index_add, index_copy and index_fill, in place and out of place
(insitu.ops.indexing.index_ops), against PyTorch (see `differential`)."""
import numpy as np
import pytest

import insitu
from differential import (A34, S34, assert_same, check, check_error,
                          check_error_leaves_self_untouched,
                          check_inplace, idx, torch, typed)

INPLACE_CASES = [
    ("index_add", lambda m, y, s: y.index_add_(0, idx(m, [0, 2]), s[:2]), S34),
    ("index_add_dup_alpha", lambda m, y, s: y.index_add_(0, idx(m, [1, 1]), s[:2], alpha=2.5),
     S34),
    ("index_add_int32_dim1", lambda m, y, s: y.index_add_(1, idx(m, [3, 0, 3], "int32"),
                                                          s[:, :3]), S34),
    ("index_add_0d_index", lambda m, y, s: y.index_add_(0, idx(m, 1), s[:1]), S34),
    ("index_copy", lambda m, y, s: y.index_copy_(0, idx(m, [2, 0]), s[:2]), S34),
    ("index_copy_dim1", lambda m, y, s: y.index_copy_(-1, idx(m, [1]), s[:, :1]), S34),
    ("index_fill", lambda m, y, s: y.index_fill_(1, idx(m, [0, 2]), -3.5), S34),
    ("index_fill_neg", lambda m, y, s: y.index_fill_(1, idx(m, [-1, 0]), 2), S34),
    ("index_fill_tensor", lambda m, y, s: y.index_fill_(1, idx(m, [0, 2, 2]), s[0, 0]), S34),
    ("index_fill_view", lambda m, y, s: y[:, 1:].index_fill_(1, idx(m, [0]), 0.5), S34),
    ("index_add_view", lambda m, y, s: y[1:].index_add_(1, idx(m, [0, 0]), s[:2, :2]), S34),
]


@pytest.mark.parametrize("name,op,src", INPLACE_CASES, ids=[c[0] for c in INPLACE_CASES])
def test_inplace_index_ops_values_and_grads(name, op, src):
    check_inplace(op, src)


OUT_OF_PLACE_CASES = [
    lambda m, a, s: a.index_add(0, idx(m, [0, 2]), s[:2], alpha=-1),
    lambda m, a, s: m.index_add(a, 1, idx(m, [0]), s[:, :1]),
    lambda m, a, s: a.index_copy(0, idx(m, [1]), s[:1]),
    lambda m, a, s: m.index_copy(a, 0, idx(m, [1]), s[:1]),
    lambda m, a, s: a.index_fill(0, idx(m, [1]), 3),
    lambda m, a, s: m.index_fill(a, 1, idx(m, [1, 2]), s[1, 1]),
]


@pytest.mark.parametrize("case", OUT_OF_PLACE_CASES)
def test_out_of_place_index_ops(case):
    check(case, A34, S34)


@pytest.mark.parametrize("case", [
    lambda m, a, s: a.index_add_(0, idx(m, [0, 1, 2]), s[:2]),
    lambda m, a, s: a.index_add_(0, idx(m, [0, 1]), s[:2, :3]),
    lambda m, a, s: a.index_add_(0, idx(m, [0, 1]), typed(m, s[:2], 'float32')),
    lambda m, a, s: a.index_add_(0, idx(m, [0, 1], "float32"), s[:2]),
    lambda m, a, s: a.index_add_(0, idx(m, [[0, 1]]), s[:2]),
    lambda m, a, s: a.index_add_(1, idx(m, [0, 0]), s[0, :2]),
    lambda m, a, s: a.index_add_(2, idx(m, [0]), s[:1]),
    lambda m, a, s: a.index_fill_(1, idx(m, [-5]), 1.0),
    lambda m, a, s: a.index_fill_(1, idx(m, [0], "int32"), 1.0),
    lambda m, a, s: a.index_fill_(1, idx(m, [[0]]), 1.0),
    lambda m, a, s: a.index_fill_(1, idx(m, [0]), s[0]),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, 1], "int32"), s[:2]),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, 1, 2]), s[:2]),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, 1]), s[:2, :3]),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, 1]), typed(m, s[:2], 'float32')),
    lambda m, a, s: a.index_copy_(0, idx(m, [[0, 1]]), s[:2]),
    lambda m, a, s: a.index_copy_(0, idx(m, 1), s[0]),
    lambda m, a, s: a.index_copy_(1, idx(m, [0, 1]), s[0, 0]),
])
def test_index_op_errors_leave_self_untouched(case):
    check_error_leaves_self_untouched(case)


@pytest.mark.parametrize("case", [
    lambda m, a, s: a.index_add_(0, idx(m, [0, 3]), s[:2]),
    lambda m, a, s: a.index_add_(0, idx(m, [0, -1]), s[:2]),
    lambda m, a, s: a.index_fill_(1, idx(m, [0, 4]), 1.0),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, 3]), s[:2]),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, -1]), s[:2]),
    lambda m, a, s: a.index_add_(1, idx(m, [0, 7, 1]), s[:, :3], alpha=2),
])
def test_index_op_bounds_errors_leave_self_untouched(case):
    # an index out of range: PyTorch's kernel has written the elements before it
    check_error_leaves_self_untouched(case)


def test_index_ops_dtype_rules():
    cases = [
        lambda m: m.zeros(3, 4, dtype=m.long).index_add_(0, idx(m, [0, 1]),
                                                         m.ones(2, 4, dtype=m.long), alpha=2),
        lambda m: m.zeros(2, 3, dtype=m.long).index_fill_(1, idx(m, [1]), 2.7),
        lambda m: m.zeros(2, 3, dtype=m.long).index_fill_(1, idx(m, [1]), m.tensor(1.5)),
        lambda m: m.zeros(2, 3).index_fill_(1, idx(m, [1]), m.tensor(4)),
        lambda m: m.zeros(2, 3, dtype=m.bool).index_fill_(1, idx(m, [1]), 2),
        lambda m: m.zeros(2, 3, dtype=m.bool).index_add_(1, idx(m, [1]),
                                                         m.ones(2, 1, dtype=m.bool)),
        lambda m: m.zeros(2, 3, dtype=m.long).index_fill(1, idx(m, [1]), m.tensor(1.5)),
    ]
    for case in cases:
        assert_same(case(torch), case(insitu))


def test_scalar_self_index_ops():
    cases = [
        lambda m, a: (a * 1).index_add_(0, idx(m, 0), m.tensor(2.0, dtype=a.dtype)),
        lambda m, a: (a * 1).index_fill_(-1, idx(m, 0), 2.0),
        lambda m, a: (a * 1).index_copy_(0, idx(m, 0), m.tensor(1.0, dtype=a.dtype)),
    ]
    for case in cases:
        check(case, np.array(0.5))
    check_error(lambda m, a: (a * 1).index_fill_(0, idx(m, [1]), 2.0), np.array(0.5))
    check_error(lambda m, a: a.index_add_(0, idx(m, [0]), m.tensor([2.0], dtype=a.dtype)),
                np.array(0.5))


def test_index_ops_refuse_leaf_and_overlap():
    for lib in (torch, insitu):
        x = lib.tensor(A34, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            x.index_fill_(0, lib.tensor([0]), 1.0)
        with lib.no_grad():
            x.index_fill_(0, lib.tensor([0]), 1.0)
        assert x._version == 1
    overlaps = [
        lambda m, c: c.index_add_(0, idx(m, [2, 1, 0]), c),
        lambda m, c: c.index_copy_(0, idx(m, [1, 2]), c[:2]),
    ]
    for case in overlaps:
        check_error(case, A34.copy())
    for lib in (torch, insitu):
        c = lib.arange(6)
        with pytest.raises(RuntimeError, match="some elements of the input tensor"):
            c.index_fill_(0, c[:2], 9)


def test_saved_index_modified_in_place_is_detected():
    for lib in (torch, insitu):
        x = lib.tensor(A34, requires_grad=True)
        i = lib.tensor([0, 2])
        y = (x * 1).index_add_(0, i, x[:2] * 2)
        i.add_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        z = x.gather(1, i.view(2, 1).clone())
        z.sum().backward()


EMPTY_FILLS = [
    lambda m: m.zeros(3)[3:].index_fill_(0, idx(m, [0]), 1.0),           # past the storage
    lambda m: m.zeros(3)[0:0].index_fill_(0, idx(m, [0]), 1.0),          # within it: bounds
    lambda m: m.zeros(0).index_fill_(0, idx(m, [-1]), 1.0),
    lambda m: m.zeros(0, 3).index_fill_(0, idx(m, [0, 1, 2]), 1.0),
    lambda m: m.zeros(0, 3).index_fill_(1, idx(m, [5]), 1.0),            # nothing to fill
    lambda m: m.zeros(2, 0).index_fill_(0, idx(m, [7]), 1.0),
    lambda m: m.zeros(0).index_fill(0, idx(m, [0]), m.tensor(1.0)),
]


@pytest.mark.parametrize("case", EMPTY_FILLS)
def test_index_fill_of_an_empty_self(case):
    # PyTorch restrides self to the index's length along dim (as_strided checks the storage)
    def run(m):
        try:
            return tuple(case(m).shape)
        except (RuntimeError, IndexError) as e:
            return type(e).__name__, str(e)
    assert run(insitu) == run(torch)
