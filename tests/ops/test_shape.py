"""Differential tests of the shape and index ops (insitu.ops.shape) against PyTorch.

Each case is a function of the library (`lib` is torch or insitu) that builds its inputs from the
same data and runs the op; both libraries must give the same values, dtype and grad_fn name, or
raise the same exception with the same message ('torch.' read as 'insitu.'). Differentiable cases
also compare the gradients of every input, and in-place cases the returned object, the buffer and
the version counter.
"""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402

RNG = np.random.default_rng(0)
A34 = RNG.standard_normal((3, 4)).round(3)
A234 = RNG.standard_normal((2, 3, 4)).round(3)
B24 = RNG.standard_normal((2, 4)).round(3)
TIES = np.array([[3., 1, 2, 1, np.nan], [0, 5, -1, 5, 2]])


def _np(t):
    return t.detach().numpy()


def _name(t):
    fn = t.grad_fn
    return None if fn is None else type(fn).__name__


def _dtype(t):
    return str(t.dtype).split(".")[-1]


def assert_same(rt, ri):
    if isinstance(rt, torch.Tensor):
        assert isinstance(ri, insitu.Tensor)
        assert tuple(rt.shape) == tuple(ri.shape)
        assert _dtype(rt) == _dtype(ri)
        np.testing.assert_allclose(_np(ri), _np(rt), rtol=1e-6, atol=1e-6)
        assert _name(ri) == _name(rt)
    else:
        assert isinstance(rt, (tuple, list)) and isinstance(ri, (tuple, list))
        assert len(rt) == len(ri)
        for a, b in zip(rt, ri):
            assert_same(a, b)


def run(lib, fn, data, grads):
    ts = [lib.tensor(d, requires_grad=g) if isinstance(d, np.ndarray) else d
          for d, g in zip(data, grads)]
    return ts, fn(lib, *ts)


def check(fn, *data, grads=None, weight_seed=1):
    """Compare values, dtypes, grad_fn names and input gradients of fn on torch and insitu."""
    grads = grads if grads is not None else [isinstance(d, np.ndarray) and d.dtype.kind == "f"
                                             for d in data]
    tt, rt = run(torch, fn, data, grads)
    it, ri = run(insitu, fn, data, grads)
    assert_same(rt, ri)
    out_t = rt if isinstance(rt, torch.Tensor) else rt[0]
    out_i = ri if isinstance(ri, insitu.Tensor) else ri[0]
    if out_t.requires_grad:
        w = np.random.default_rng(weight_seed).standard_normal(tuple(out_t.shape))
        (out_t * torch.tensor(w, dtype=out_t.dtype)).sum().backward()
        (out_i * insitu.tensor(w, dtype=out_i.dtype)).sum().backward()
        for a, b in zip(tt, it):
            if isinstance(a, torch.Tensor) and a.requires_grad:
                assert (b.grad is None) == (a.grad is None)
                if a.grad is not None:
                    np.testing.assert_allclose(_np(b.grad), _np(a.grad), rtol=1e-5, atol=1e-6)
    return rt, ri


def _msg(e):
    return str(e).replace("torch.", "insitu.")


def check_error(fn, *data):
    """Both libraries raise the same exception type with the same message."""
    with pytest.raises(Exception) as et:
        run(torch, fn, data, [False] * len(data))
    with pytest.raises(Exception) as ei:
        run(insitu, fn, data, [False] * len(data))
    assert type(ei.value).__name__ == type(et.value).__name__, (ei.value, et.value)
    assert _msg(ei.value).split("\n")[0] == _msg(et.value).split("\n")[0]


def idx(lib, values, dtype="int64"):
    return lib.tensor(values, dtype=getattr(lib, dtype))


def typed(lib, t, dtype):
    """`t`'s values as a new tensor of `dtype` (built from data, no conversion op)."""
    return lib.tensor(t.detach().numpy(), dtype=getattr(lib, dtype))


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


# ----------------------------------------------------------------------------- gather & co

GI = np.array([[0, 1], [2, 0], [3, 3]])


@pytest.mark.parametrize("case", [
    lambda m, a: a.gather(1, idx(m, [[0, 1], [2, 0], [3, 3]])),
    lambda m, a: m.gather(a, 0, idx(m, [[0, 1, 2, 0], [2, 2, 2, 2]])),
    lambda m, a: a.gather(-1, idx(m, [[0, 0]], "int32")),
    lambda m, a: a.gather(0, idx(m, [[0], [1], [1]])),
    lambda m, a: a[0, 0].gather(0, idx(m, 0)),
    lambda m, a: a.gather(1, m.zeros(0, 2, dtype=m.long)),
    lambda m, a: a.index_select(1, idx(m, [2, 0, 2])),
    lambda m, a: m.index_select(a, 0, idx(m, [2, 2], "int32")),
    lambda m, a: a.index_select(1, idx(m, 1)),
    lambda m, a: a[0, 0].index_select(0, idx(m, [0])),
    lambda m, a: a.masked_select(a > 0),
    lambda m, a: a.masked_select(m.tensor([True, False, True, False])),
    lambda m, a: a[0].masked_select(m.ones(3, 4, dtype=m.bool)),
    lambda m, a: a.take(idx(m, [[0, 5], [-1, 11]])),
    lambda m, a: m.take(a, idx(m, 3)),
    lambda m, a: a.t().gather(0, idx(m, [[2, 0, 1], [0, 0, 0]])),
    lambda m, a: a.t().index_select(1, idx(m, [2, 0])),
    lambda m, a: a.t().masked_select(a.t() < 0),
    lambda m, a: a.t().take(idx(m, [1, 2, 3])),
])
def test_gather_select_take(case):
    check(case, A34)


@pytest.mark.parametrize("case", [
    lambda m, a: a.gather(1, idx(m, [[0.5, 1]], "float32")),
    lambda m, a: a.gather(1, idx(m, [0, 1])),
    lambda m, a: a.gather(0, idx(m, [[0, 1, 2, 0, 1]])),
    lambda m, a: a.gather(1, idx(m, [[0, 4]])),
    lambda m, a: a.gather(1, idx(m, [[0, -1]])),
    lambda m, a: a.gather(2, idx(m, [[0]])),
    lambda m, a: a.index_select(1, idx(m, [[0, 1]])),
    lambda m, a: a.index_select(1, idx(m, [0.0], "float32")),
    lambda m, a: a.index_select(1, idx(m, [0], "int16")),
    lambda m, a: a.index_select(1, idx(m, [4])),
    lambda m, a: a.index_select(0, idx(m, [3])),
    lambda m, a: a.index_select(1, idx(m, [-1])),
    lambda m, a: a[0, 0].index_select(0, idx(m, [0, 0])),
    lambda m, a: a.masked_select(typed(m, a > 0, 'int32')),
    lambda m, a: a.masked_select(m.tensor([True, False])),
    lambda m, a: a.take(idx(m, [12])),
    lambda m, a: a.take(idx(m, [-13])),
    lambda m, a: a.take(idx(m, [0], "int32")),
    lambda m, a: m.zeros(0).take(idx(m, [0])),
])
def test_gather_select_take_errors(case):
    check_error(case, A34)


def test_index_select_and_gather_out():
    for lib in (torch, insitu):
        a = lib.arange(12.).reshape(3, 4)
        out = lib.empty(2, 4)
        r = lib.index_select(a, 0, lib.tensor([2, 0]), out=out)
        assert r is out and out.tolist() == [[8, 9, 10, 11], [0, 1, 2, 3]]
        with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
            r = lib.gather(a, 1, lib.tensor([[1], [0]]), out=out)
        assert out.tolist() == [[1.0], [4.0]]


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


@pytest.mark.parametrize("data", [A34, np.array(2.5), np.array(0.0), (A34 > 0), np.zeros(3)])
def test_nonzero(data):
    for as_tuple in (False, True):
        rt = torch.tensor(data).nonzero(as_tuple=as_tuple)
        ri = insitu.tensor(data).nonzero(as_tuple=as_tuple)
        assert_same(rt, ri)
    assert_same(torch.argwhere(torch.tensor(data)), insitu.argwhere(insitu.tensor(data)))


def test_where_with_condition_only_uses_nonzero():
    assert_same(torch.where(torch.tensor(A34) > 0), insitu.where(insitu.tensor(A34) > 0))


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


# ----------------------------------------------------------------------------- sort / topk

@pytest.mark.parametrize("case", [
    lambda m, a: a.sort(),
    lambda m, a: a.sort(descending=True),
    lambda m, a: a.sort(0, True),
    lambda m, a: a.sort(stable=True),
    lambda m, a: m.sort(a, dim=1, descending=True, stable=True),
    lambda m, a: a[0, 0].sort(),
    lambda m, a: (a > 1).sort(),
    lambda m, a: a.topk(2),
    lambda m, a: a.topk(2, largest=False),
    lambda m, a: m.topk(a, 1, dim=0),
    lambda m, a: a.topk(0),
    lambda m, a: a[0, 0].topk(1),
    lambda m, a: a.argsort(),
    lambda m, a: a.argsort(1, True),
    lambda m, a: m.argsort(a, dim=0, descending=True, stable=True),
    lambda m, a: a.msort(),
    lambda m, a: a.t().sort(0, descending=True),
    lambda m, a: a.t().topk(1, 0, largest=False),
])
def test_sort_topk(case):
    check(case, TIES)


def test_sort_returns_named_tuple():
    r = insitu.tensor(TIES).sort()
    assert r.values is r[0] and r.indices is r[1]
    assert type(r).__name__ == "sort" and repr(r).startswith("insitu.return_types.sort(")
    assert type(insitu.tensor(TIES).topk(1)).__name__ == "topk"


@pytest.mark.parametrize("case", [
    lambda m, a: a.topk(6),
    lambda m, a: a.topk(-1),
    lambda m, a: a.sort(2),
])
def test_sort_topk_errors(case):
    check_error(case, TIES)


# ---------------------------------------------------------------------------- in-place index family

M = np.array([[True, False, True, False]] * 3)
S34 = RNG.standard_normal((3, 4)).round(3)

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
    ("index_fill_view", lambda m, y, s: y[:, 1:].index_fill_(1, idx(m, [0]), 0.5), S34),
    ("index_add_view", lambda m, y, s: y[1:].index_add_(1, idx(m, [0, 0]), s[:2, :2]), S34),
]


@pytest.mark.parametrize("name,op,src", INPLACE_CASES, ids=[c[0] for c in INPLACE_CASES])
def test_inplace_index_ops_values_and_grads(name, op, src):
    def fn(m, a, s):
        y = a * 1
        ptr, v = y.data_ptr(), y._version
        r = op(m, y, s)
        assert y.data_ptr() == ptr and y._version == v + 1
        assert r is y or r._base is y      # the op ran on y or on a view of it
        return y
    rt, ri = check(fn, A34, src)
    names_t = [type(n).__name__ if n is not None else None for n, _ in rt.grad_fn.next_functions]
    names_i = [type(n).__name__ if n is not None else None for n, _ in ri.grad_fn.next_functions]
    names_i = [n.replace("insitu::", "torch::") if n else n for n in names_i]
    assert names_i == names_t


OUT_OF_PLACE_CASES = [
    lambda m, a, s: a.index_add(0, idx(m, [0, 2]), s[:2], alpha=-1),
    lambda m, a, s: m.index_add(a, 1, idx(m, [0]), s[:, :1]),
    lambda m, a, s: a.index_copy(0, idx(m, [1]), s[:1]),
    lambda m, a, s: m.index_copy(a, 0, idx(m, [1]), s[:1]),
    lambda m, a, s: a.index_fill(0, idx(m, [1]), 3),
    lambda m, a, s: m.index_fill(a, 1, idx(m, [1, 2]), s[1, 1]),
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
def test_out_of_place_index_ops(case):
    check(case, A34, S34)


@pytest.mark.parametrize("case", [
    lambda m, a, s: a.index_add_(0, idx(m, [0, 3]), s[:2]),
    lambda m, a, s: a.index_add_(0, idx(m, [0, -1]), s[:2]),
    lambda m, a, s: a.index_add_(0, idx(m, [0, 1, 2]), s[:2]),
    lambda m, a, s: a.index_add_(0, idx(m, [0, 1]), s[:2, :3]),
    lambda m, a, s: a.index_add_(0, idx(m, [0, 1]), typed(m, s[:2], 'float32')),
    lambda m, a, s: a.index_add_(0, idx(m, [0, 1], "float32"), s[:2]),
    lambda m, a, s: a.index_add_(0, idx(m, [[0, 1]]), s[:2]),
    lambda m, a, s: a.index_add_(1, idx(m, [0, 0]), s[0, :2]),
    lambda m, a, s: a.index_add_(2, idx(m, [0]), s[:1]),
    lambda m, a, s: a.index_fill_(1, idx(m, [0, 4]), 1.0),
    lambda m, a, s: a.index_fill_(1, idx(m, [-5]), 1.0),
    lambda m, a, s: a.index_fill_(1, idx(m, [0], "int32"), 1.0),
    lambda m, a, s: a.index_fill_(1, idx(m, [[0]]), 1.0),
    lambda m, a, s: a.index_fill_(1, idx(m, [0]), s[0]),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, 3]), s[:2]),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, -1]), s[:2]),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, 1], "int32"), s[:2]),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, 1, 2]), s[:2]),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, 1]), s[:2, :3]),
    lambda m, a, s: a.index_copy_(0, idx(m, [0, 1]), typed(m, s[:2], 'float32')),
    lambda m, a, s: a.index_copy_(0, idx(m, [[0, 1]]), s[:2]),
    lambda m, a, s: a.index_copy_(0, idx(m, 1), s[0]),
    lambda m, a, s: a.index_copy_(1, idx(m, [0, 1]), s[0, 0]),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 3]]), s),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, -1]]), 1.0),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]], "float32"), s),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]]), typed(m, s, 'float32')),
    lambda m, a, s: a.scatter_(0, idx(m, [0, 1]), s),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]]), s[0, 0]),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]]), s[0]),
    lambda m, a, s: a.scatter_(0, idx(m, [[0]] * 4), s),
    lambda m, a, s: a.scatter_(0, idx(m, [[0] * 5]), 1.0),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]]), s, reduce="sum"),
    lambda m, a, s: a.scatter_(0, idx(m, [[0, 1]]), 2.0, reduce="mean"),
    lambda m, a, s: a.scatter_add_(0, idx(m, [[0, 3]]), s),
    lambda m, a, s: a.scatter_add_(0, idx(m, [[0, 1]]), typed(m, s, 'float32')),
    lambda m, a, s: a.masked_scatter_(m.tensor(M), s[0, :5]),
    lambda m, a, s: a.masked_scatter_(idx(m, M, 'int32'), s),
    lambda m, a, s: a.masked_scatter_(m.tensor(M), typed(m, s, 'float32')),
    lambda m, a, s: a.put_(idx(m, [0, 12]), s[0, :2]),
    lambda m, a, s: a.put_(idx(m, [-13]), s[0, :1]),
    lambda m, a, s: a.put_(idx(m, [0, 1]), s[0, :3]),
    lambda m, a, s: a.put_(idx(m, [0, 1], "int32"), s[0, :2]),
    lambda m, a, s: a.put_(idx(m, [0, 1]), typed(m, s[0, :2], 'float32')),
    lambda m, a, s: m.zeros(0).put_(idx(m, [0]), s[0, :1]),
])
def test_index_op_errors_leave_self_untouched(case):
    check_error(case, A34, S34)
    x = insitu.tensor(A34)
    v = x._version
    with pytest.raises(Exception):
        case(insitu, x, insitu.tensor(S34))
    assert x._version == v
    np.testing.assert_array_equal(x.numpy(), A34)


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


def test_index_ops_dtype_rules():
    cases = [
        lambda m: m.zeros(3, 4, dtype=m.long).index_add_(0, idx(m, [0, 1]),
                                                         m.ones(2, 4, dtype=m.long), alpha=2),
        lambda m: m.zeros(2, 3, dtype=m.long).index_fill_(1, idx(m, [1]), 2.7),
        lambda m: m.zeros(2, 3, dtype=m.long).index_fill_(1, idx(m, [1]), m.tensor(1.5)),
        lambda m: m.zeros(2, 3).index_fill_(1, idx(m, [1]), m.tensor(4)),
        lambda m: m.zeros(2, 3, dtype=m.bool).index_fill_(1, idx(m, [1]), 2),
        lambda m: m.zeros(2, 3, dtype=m.long).scatter_(1, idx(m, [[2]]), 5.5),
        lambda m: m.zeros(2, 3, dtype=m.bool).index_add_(1, idx(m, [1]),
                                                         m.ones(2, 1, dtype=m.bool)),
        lambda m: m.zeros(4, dtype=m.int32).put_(idx(m, [1, 1]), m.tensor([2, 3], dtype=m.int32),
                                                 accumulate=True),
        lambda m: m.zeros(2, 3, dtype=m.long).index_fill(1, idx(m, [1]), m.tensor(1.5)),
    ]
    for case in cases:
        assert_same(case(torch), case(insitu))


def test_scalar_self_index_ops():
    cases = [
        lambda m, a: (a * 1).index_add_(0, idx(m, 0), m.tensor(2.0, dtype=a.dtype)),
        lambda m, a: (a * 1).index_fill_(-1, idx(m, 0), 2.0),
        lambda m, a: (a * 1).index_copy_(0, idx(m, 0), m.tensor(1.0, dtype=a.dtype)),
        lambda m, a: (a * 1).scatter_(0, idx(m, 0), 2.0),
        lambda m, a: a.gather(0, idx(m, 0)),
    ]
    for case in cases:
        check(case, np.array(0.5))
    check_error(lambda m, a: (a * 1).index_fill_(0, idx(m, [1]), 2.0), np.array(0.5))
    check_error(lambda m, a: a.index_add_(0, idx(m, [0]), m.tensor([2.0], dtype=a.dtype)),
                np.array(0.5))
    check_error(lambda m, a: a.gather(0, idx(m, 1)), np.array(0.5))


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
        lambda m, c: c.scatter_(0, idx(m, [[1, 2, 0, 1]]), c[:1]),
        lambda m, c: c.scatter_add_(0, idx(m, [[1, 2, 0, 1]]), c[:1]),
        lambda m, c: c.put_(idx(m, [1, 2]), c[0, :2]),
    ]
    for case in overlaps[:5]:
        check_error(case, A34.copy())
    for lib in (torch, insitu):
        c = lib.arange(6)
        with pytest.raises(RuntimeError, match="some elements of the input tensor"):
            c.index_fill_(0, c[:2], 9)


def test_masked_scatter_from_self_reads_old_values():
    # PyTorch reads the source while writing it here; insitu reads it as it was
    c = insitu.arange(12.).reshape(3, 4)
    c.masked_scatter_(c > 3, c)
    assert c.tolist() == [[0, 1, 2, 3], [0, 1, 2, 3], [4, 5, 6, 7]]


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


def test_gradgrad_through_gather_and_index_add():
    for lib in (torch, insitu):
        x = lib.tensor(A34, requires_grad=True)
        y = (x * x).gather(1, lib.tensor([[0, 1], [1, 1], [3, 2]])).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        np.testing.assert_allclose(_np(x.grad), [[2, 2, 0, 0], [0, 4, 0, 0], [0, 0, 2, 2]])


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
