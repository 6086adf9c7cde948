"""Differential tests of the ops that rearrange whole tensors (insitu.ops.shape) against
PyTorch: cat/stack and their forms, flip/roll/repeat/tile, tril/triu (see `differential`)."""
import warnings

import numpy as np
import pytest

import insitu
from differential import A34, A234, B24, _np, check, check_error, torch, typed


# ----------------------------------------------------------------------------- cat / stack

@pytest.mark.parametrize("case", [
    lambda m, a, b: m.cat([a, b]),
    lambda m, a, b: m.cat([a.t(), b.t()], 1),
    lambda m, a, b: m.cat([a, b], -2),
    lambda m, a, b: m.cat((a, m.zeros(0), b)),
    lambda m, a, b: m.cat([a, typed(m, b, 'float32')]),
    lambda m, a, b: m.cat([typed(m, a, 'int64'), typed(m, b, 'int32')]),
    lambda m, a, b: m.concat([a, a], dim=1),
    lambda m, a, b: m.concatenate([a, b], axis=0),
    lambda m, a, b: m.cat([a, a[:, :0]], 1),
    lambda m, a, b: m.stack([a, a * 2]),
    lambda m, a, b: m.stack([a, a], -1),
    lambda m, a, b: m.stack([a[0], typed(m, b[0], 'float32')], 1),
    lambda m, a, b: m.hstack([a, a]),
    lambda m, a, b: m.hstack([a[0], b[1]]),
    lambda m, a, b: m.vstack([a, b[0]]),
    lambda m, a, b: m.vstack([a[0, 0], b[0, 0]]),
    lambda m, a, b: m.dstack([a, a]),
    lambda m, a, b: m.dstack([a[0], a[1]]),
    lambda m, a, b: m.column_stack([a[0], b[1]]),
    lambda m, a, b: m.cat([a, a, a], 0),
])
def test_cat_stack_values_and_grads(case):
    check(case, A34, B24)


@pytest.mark.parametrize("case", [
    lambda m, a, b: m.cat([]),
    lambda m, a, b: m.cat([a, b], 1),
    lambda m, a, b: m.cat([a, b[0]]),
    lambda m, a, b: m.cat([a[0, 0], b[0, 0]]),
    lambda m, a, b: m.cat([a, b[0, 0]]),
    lambda m, a, b: m.cat([a, a], 2),
    lambda m, a, b: m.cat([a, m.zeros(2, 0)]),
    lambda m, a, b: m.cat(a),
    lambda m, a, b: m.stack([]),
    lambda m, a, b: m.stack([a, b]),
    lambda m, a, b: m.stack([a, a], 3),
])
def test_cat_stack_errors(case):
    check_error(case, A34, B24)


def test_cat_out_resizes_and_bumps_version():
    for lib in (torch, insitu):
        out = lib.empty(0)
        v = out._version
        r = lib.cat([lib.ones(2, 3), lib.zeros(2, 3)], 1, out=out)
        assert r is out and tuple(out.shape) == (2, 6) and out._version == v + 1
    check_error(lambda m, a: m.cat([a, a], out=m.empty(0, dtype=m.long)), A34)
    check_error(lambda m, a: m.cat([a.requires_grad_(), a], out=m.empty(0)), A34)


def test_cat_of_same_tensor_accumulates_grad():
    check(lambda m, a: m.cat([a, a * 3, a]), A34)


def test_resized_out_warns_once_at_the_callers_line():
    def warnings_of(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.cat([lib.ones(2), lib.ones(2)], out=lib.zeros(5))
        # PyTorch appends where in its C++ sources the warning was raised
        return [(str(w.message).split(" (Triggered internally")[0], w.filename) for w in caught]
    got, expected = warnings_of(insitu), warnings_of(torch)
    assert len(got) == len(expected) == 1
    assert got[0][0] == expected[0][0]
    assert got[0][1] == __file__


# ----------------------------------------------------------------------------- flip / roll / repeat

@pytest.mark.parametrize("case", [
    lambda m, a: a.flip(0),
    lambda m, a: a.flip([0, 2]),
    lambda m, a: a.flip(-1, 1),
    lambda m, a: m.flip(a, (1,)),
    lambda m, a: a[0].fliplr(),
    lambda m, a: a.flipud(),
    lambda m, a: a.roll(1),
    lambda m, a: a.roll(-2, 2),
    lambda m, a: m.roll(a, (1, 5), (0, -1)),
    lambda m, a: a.repeat(2, 1, 1),
    lambda m, a: a.repeat(2, 1, 2, 3),
    lambda m, a: a.repeat((1, 0, 1)),
    lambda m, a: a[0].tile((2,)),
    lambda m, a: m.tile(a, (2, 1, 1, 2)),
    lambda m, a: a.tile(2, 2),
    lambda m, a: a.transpose(0, 2).flip(1),
    lambda m, a: a.transpose(0, 2).roll(1, 0),
    lambda m, a: a.transpose(0, 2).repeat(1, 2, 1),
])
def test_flip_roll_repeat(case):
    check(case, A234)


@pytest.mark.parametrize("case", [
    lambda m, a: a.flip([0, 0]),
    lambda m, a: a.flip(3),
    lambda m, a: a[0, 0].fliplr(),
    lambda m, a: a.roll((1, 2), (0,)),
    lambda m, a: a.roll((1, 2)),
    lambda m, a: a.repeat(2, 1),
    lambda m, a: a.repeat(-1, 1, 1),
])
def test_flip_roll_repeat_errors(case):
    check_error(case, A234)


# ----------------------------------------------------------------------------- tril / triu

@pytest.mark.parametrize("case", [
    lambda m, a: a.tril(),
    lambda m, a: a.triu(1),
    lambda m, a: m.tril(a, -1),
    lambda m, a: m.triu(a, diagonal=-2),
    lambda m, a: (a * 1).tril_(),
    lambda m, a: (a * 1).triu_(2),
    lambda m, a: (a * 1).transpose(1, 2).tril_(),
])
def test_tril_triu(case):
    check(case, A234)


def test_tril_in_place_keeps_buffer_and_bumps_once():
    for lib in (torch, insitu):
        x = lib.tensor(A34)
        ptr, v = x.data_ptr(), x._version
        assert x.tril_(1) is x and x.data_ptr() == ptr and x._version == v + 1
        np.testing.assert_array_equal(_np(x), np.tril(A34, 1))
    check_error(lambda m, a: a[0].tril(), A34)
    check_error(lambda m, a: a[0].triu_(), A34)
    x = insitu.tensor(A34)
    x.tril()
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dim"):
        insitu.tensor(A34[0]).tril_()


# ----------------------------------------------------------------------------- rot90 / diff

@pytest.mark.parametrize("case", [
    lambda m, a, b: m.rot90(a),
    lambda m, a, b: m.rot90(a, 2),
    lambda m, a, b: m.rot90(a, 3),
    lambda m, a, b: m.rot90(a, -1, [1, 0]),
    lambda m, a, b: m.rot90(a, 4),
    lambda m, a, b: a.rot90(5, [-1, -2]),
    lambda m, a, b: m.rot90(a.reshape(2, 3, 2), 1, [0, 2]),
    lambda m, a, b: m.rot90(a, 1) * 1,
    lambda m, a, b: m.diff(a),
    lambda m, a, b: m.diff(a, n=2, dim=0),
    lambda m, a, b: a.diff(5),
    lambda m, a, b: m.diff(a, n=0),
    lambda m, a, b: m.diff(a, prepend=b[:, :3].t(), append=a[:, :2]),
    lambda m, a, b: m.diff(a, 2, 0, prepend=b[:1]),
    lambda m, a, b: m.diff(a, append=typed(m, a, "float32")),
    lambda m, a, b: m.diff(a > 0),
    lambda m, a, b: m.diff(typed(m, a * 10, "int64"), prepend=m.zeros(3, 1)),
])
def test_rot90_diff(case):
    check(case, A34, B24)


def test_rot90_layout_matches_torch():
    for k in range(-2, 5):
        t = torch.rot90(torch.tensor(A34), k)
        i = insitu.rot90(insitu.tensor(A34), k)
        assert i.stride() == t.stride() and i.is_contiguous() == t.is_contiguous()
    y = insitu.tensor(A34, requires_grad=True)
    assert insitu.rot90(y, 3).grad_fn._saved_k == 3


@pytest.mark.parametrize("case", [
    lambda m, a, b: m.rot90(a, 1, [0]),
    lambda m, a, b: m.rot90(a, 1, [0, 0]),
    lambda m, a, b: m.rot90(a, 1, [0, -2]),
    lambda m, a, b: m.rot90(a, 1, [0, 2]),
    lambda m, a, b: m.rot90(a[0], 1),
    lambda m, a, b: m.diff(a, n=-1),
    lambda m, a, b: m.diff(a[0, 0]),
    lambda m, a, b: m.diff(a, dim=2),
    lambda m, a, b: m.diff(a, prepend=a[0]),
    lambda m, a, b: m.diff(a, append=b),
])
def test_rot90_diff_errors(case):
    check_error(case, A34, B24)


def test_diff_out():
    out = insitu.empty(0, dtype=insitu.float64)
    r = insitu.diff(insitu.tensor(A34), out=out)
    assert r is out
    np.testing.assert_allclose(out.numpy(), np.diff(A34))


# ----------------------------------------------------------------------------- block_diag / cartesian_prod

@pytest.mark.parametrize("case", [
    lambda m, a, b: m.block_diag(a, b),
    lambda m, a, b: m.block_diag(a[0, 0], b[0], a),
    lambda m, a, b: m.block_diag(a, typed(m, b, "int32")),
    lambda m, a, b: m.block_diag(m.ones(0, 2), typed(m, b[:1, :1], "int32")),
    lambda m, a, b: m.block_diag(typed(m, a, "int64"), m.tensor(2)),
    lambda m, a, b: m.block_diag(a),
    lambda m, a, b: m.block_diag(),
    lambda m, a, b: m.cartesian_prod(a[0], b[1], a[2, :2]),
    lambda m, a, b: m.cartesian_prod(a[0], b[1]),
    lambda m, a, b: m.cartesian_prod(a[1]),
    lambda m, a, b: m.cartesian_prod(typed(m, a[0], "int64"), typed(m, b[0], "int64")),
])
def test_block_diag_cartesian_prod(case):
    check(case, A34, B24)


@pytest.mark.parametrize("case", [
    lambda m, a, b: m.block_diag(a, a.reshape(2, 3, 2)),
    lambda m, a, b: m.cartesian_prod(a),
    lambda m, a, b: m.cartesian_prod(a[0], typed(m, b[0], "float32")),
    lambda m, a, b: m.cartesian_prod(),
])
def test_block_diag_cartesian_prod_errors(case):
    check_error(case, A34, B24)
