"""Indexing against torch: basic indices give views (same metadata as torch's), advanced indices
give copies, `__setitem__` writes in place with one version bump, errors read like torch's."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402


def base(lib):
    return lib.arange(24.0).reshape(2, 3, 4).clone()


def idx(lib, spec):
    """Build an index from a spec where ('t', values) / ('b', values) stand for int / bool
    tensors, so each library gets its own tensor type."""
    if isinstance(spec, tuple) and spec and spec[0] in ("t", "b", "t0"):
        kind, vals = spec
        dt = {"t": lib.int64, "t0": lib.int64, "b": lib.bool}[kind]
        return lib.tensor(vals, dtype=dt)
    if isinstance(spec, tuple):
        return tuple(idx(lib, s) for s in spec)
    return spec


BASIC = {
    "int": 1, "neg_int": -1, "slice": slice(0, 1),
    "slice_step": (slice(None), slice(None, None, 2)),
    "slice_clamped": (slice(None), slice(1, 10)), "slice_empty": slice(5, 7),
    "ellipsis": (Ellipsis, 1), "none": (None, 0), "none_middle": (0, None, slice(1, 3)),
    "mixed": (1, slice(None, None, 2), -1), "full": (1, 2, 3), "zero_dim_int_tensor": ("t0", 1),
    "ellipsis_none": (Ellipsis, None), "all_slices": (slice(None), slice(None), slice(None)),
    "int_tensor_in_tuple": (0, ("t0", 2)),
}
ADVANCED = {
    "list": [1, 0], "neg_list": (slice(None), [-1, 0]), "int_tensor": ("t", [1, 1, 0]),
    "2d_int_tensor": (slice(None), ("t", [[0, 2], [1, 1]])),
    "bool_mask_full": ("b", [[[True, False, True, False]] * 3, [[False] * 4] * 3]),
    "bool_mask_first_dim": ("b", [False, True]),
    "bool_mask_middle": (slice(None), ("b", [True, False, True])),
    "two_lists": ([0, 1], [2, 0]), "broadcast_lists": (("t", [[0], [1]]), slice(None), [0, 3]),
    "separated_advanced": ([0, 1], slice(None), [1, 2]),
    "list_and_int": (1, [0, 2]), "python_true": True, "python_false": False,
    "ellipsis_list": (Ellipsis, [3, 0]),
}
ERRORS = {
    "int_out_of_range": 2, "neg_out_of_range": (0, -4), "too_many": (0, 0, 0, 0),
    "list_out_of_range": [0, 2], "tensor_out_of_range": (slice(None), ("t", [0, 3])),
    "neg_tensor_out_of_range": ("t", [-3]),
    "float_index": 1.5, "mask_shape": ("b", [True, False, True]),
}


def metadata(t):
    return (tuple(t.shape), t.stride(), t.storage_offset(), t.is_contiguous(), t._is_view())


@pytest.mark.parametrize("name", list(BASIC))
def test_basic_index_is_a_view_like_torch(name):
    xi, xt = base(insitu), base(torch)
    ri, rt = xi[idx(insitu, BASIC[name])], xt[idx(torch, BASIC[name])]
    assert metadata(ri) == metadata(rt)
    np.testing.assert_array_equal(ri.numpy(), rt.numpy())
    assert rt._is_view() and ri._base is xi and ri._storage is xi._storage
    ri.fill_(-1)
    rt.fill_(-1)
    np.testing.assert_array_equal(xi.numpy(), xt.numpy())
    assert xi._version == xt._version == 1


@pytest.mark.parametrize("name", list(ADVANCED))
def test_advanced_index_is_a_copy_like_torch(name):
    xi, xt = base(insitu), base(torch)
    ri, rt = xi[idx(insitu, ADVANCED[name])], xt[idx(torch, ADVANCED[name])]
    assert tuple(ri.shape) == tuple(rt.shape) and ri.dtype.name == "float32"
    np.testing.assert_array_equal(ri.numpy(), rt.numpy())
    assert ri._is_view() == rt._is_view() is False
    assert ri._storage is not xi._storage and ri._version == 0
    ri.fill_(-1)   # writing the copy leaves the source alone
    np.testing.assert_array_equal(xi.numpy(), xt.numpy())
    assert xi._version == 0


VALUES = {"scalar": -7.0, "int_scalar": 5, "bool_scalar": True,
          "tensor_0d": ("f", -3.5), "tensor_bcast": ("f", [100.0]), "int_tensor": ("i", 9),
          "float64_tensor": ("d", 2.25)}


def value(lib, spec):
    if isinstance(spec, tuple):
        kind, v = spec
        return lib.tensor(v, dtype={"f": lib.float32, "i": lib.int64, "d": lib.float64}[kind])
    return spec


@pytest.mark.parametrize("val", list(VALUES))
@pytest.mark.parametrize("name", list(BASIC) + list(ADVANCED))
def test_setitem_writes_in_place_with_one_version_bump(name, val):
    spec = {**BASIC, **ADVANCED}[name]
    xi, xt = base(insitu), base(torch)
    ptr = xi.data_ptr()
    view_i = xi[1:]                       # a view made before the write sees it
    try:
        xt[idx(torch, spec)] = value(torch, VALUES[val])
    except RuntimeError as e:             # torch's index_put_ wants equal dtypes
        with pytest.raises(RuntimeError) as got:
            xi[idx(insitu, spec)] = value(insitu, VALUES[val])
        assert str(got.value) == str(e)
        assert xi._version == 0
        np.testing.assert_array_equal(xi.numpy(), xt.numpy())
        return
    xi[idx(insitu, spec)] = value(insitu, VALUES[val])
    np.testing.assert_array_equal(xi.numpy(), xt.numpy())
    assert xi.data_ptr() == ptr and xi.dtype is insitu.float32
    assert xi._version == xt._version == view_i._version
    assert xi._version == (0 if spec is False else 1)
    np.testing.assert_array_equal(view_i.numpy(), xt[1:].numpy())


def test_setitem_with_a_tensor_of_matching_shape():
    for spec in (slice(0, 1), [1, 0], ("b", [True, False])):
        xi, xt = base(insitu), base(torch)
        src_t = -torch.arange(xt[idx(torch, spec)].numel(), dtype=torch.float32).reshape(
            xt[idx(torch, spec)].shape)
        xi[idx(insitu, spec)] = insitu.tensor(src_t.numpy())
        xt[idx(torch, spec)] = src_t
        np.testing.assert_array_equal(xi.numpy(), xt.numpy())
        assert xi._version == xt._version == 1


def test_setitem_on_int_tensor_truncates_floats_like_torch():
    xi, xt = insitu.arange(6), torch.arange(6)
    for spec, v in ((1, 2.9), ([2, 3], -1.7), (slice(4, None), 7.5)):
        xi[spec] = v
        xt[spec] = v
    assert xi.tolist() == xt.tolist() and xi.dtype is insitu.int64
    assert xi._version == xt._version == 3


def test_setitem_from_an_overlapping_view_of_itself_raises_like_torch():
    for spec, src in (([0, 1, 2], slice(3, None)), (slice(1, 4), slice(0, 3))):
        xi, xt = insitu.arange(6.0), torch.arange(6.0)
        with pytest.raises(RuntimeError) as want:
            xt[spec] = xt[src]
        with pytest.raises(RuntimeError) as got:
            xi[spec] = xi[src]
        assert str(got.value) == str(want.value)
        assert xi.tolist() == list(range(6)) and xi._version == 0


def test_setitem_drops_leading_unit_dims_of_the_value():
    for spec in (0, [0]):
        xi, xt = insitu.zeros(2, 3, 4), torch.zeros(2, 3, 4)
        xi[spec] = insitu.arange(4.0).reshape(1, 1, 1, 4)
        xt[spec] = torch.arange(4.0).reshape(1, 1, 1, 4)
        np.testing.assert_array_equal(xi.numpy(), xt.numpy())


@pytest.mark.parametrize("name", list(ERRORS))
def test_index_errors_match_torch(name):
    xi, xt = base(insitu), base(torch)
    with pytest.raises(Exception) as want:
        xt[idx(torch, ERRORS[name])]
    with pytest.raises(Exception) as got:
        xi[idx(insitu, ERRORS[name])]
    assert isinstance(got.value, type(want.value)), (got.value, want.value)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("name", ["int_out_of_range", "list_out_of_range", "tensor_out_of_range",
                                  "too_many", "mask_shape"])
def test_setitem_errors_match_torch_and_write_nothing(name):
    # PyTorch's index kernel writes the elements before the first index out of range; insitu
    # writes nothing (docs/differences.md, failed-writes-write-nothing)
    xi, xt = base(insitu), base(torch)
    with pytest.raises(Exception) as want:
        xt[idx(torch, ERRORS[name])] = 1.0
    with pytest.raises(Exception) as got:
        xi[idx(insitu, ERRORS[name])] = 1.0
    assert isinstance(got.value, type(want.value)), (got.value, want.value)
    assert str(got.value) == str(want.value)
    np.testing.assert_array_equal(xi.numpy(), base(torch).numpy())
    assert xi._version == 0 == xt._version


def test_negative_step_is_refused():
    x = insitu.arange(4)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(ValueError):
        torch.arange(4)[::-1]


def test_index_put_accumulates_duplicates_like_torch():
    xi, xt = insitu.zeros(4), torch.zeros(4)
    ii, it = insitu.tensor([0, 2, 0]), torch.tensor([0, 2, 0])
    vi, vt = insitu.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    assert xi.index_put_((ii,), vi, accumulate=True) is xi
    xt.index_put_((it,), vt, accumulate=True)
    assert xi.tolist() == xt.tolist() and xi._version == xt._version == 1
    ri = insitu.index_put(xi, (ii,), vi)
    rt = torch.index_put(xt, (it,), vt)
    assert ri.tolist() == rt.tolist() and xi.tolist() == xt.tolist()


def test_item_and_iteration_of_indexed_results():
    xi, xt = base(insitu), base(torch)
    assert xi[1, 2, 3].item() == xt[1, 2, 3].item()
    assert [r.tolist() for r in xi[0]] == [r.tolist() for r in xt[0]]
    assert len(xi[:, 1]) == len(xt[:, 1])


# ----------------------------------------------------------------------------- properties

from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402


@st.composite
def basic_indices(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
    parts, dim = [], 0
    while dim < len(shape) and draw(st.booleans()):
        n = shape[dim]
        kind = draw(st.sampled_from(["int", "slice", "none", "full"] if n else ["slice", "none"]))
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            parts.append(slice(draw(st.none() | st.integers(-7, 7)),
                               draw(st.none() | st.integers(-7, 7)),
                               draw(st.none() | st.integers(1, 3))))
        elif kind == "none":
            parts.append(None)
            continue
        else:
            parts.append(slice(None))
        dim += 1
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), Ellipsis)
    return shape, tuple(parts), draw(st.booleans())


@settings(max_examples=80, deadline=None)
@given(basic_indices())
def test_property_basic_indexing_matches_torch_geometry(case):
    shape, index, transposed = case
    n = int(np.prod(shape))
    if transposed:   # same logical shape, reversed memory order
        order = tuple(range(len(shape)))[::-1]
        xi = insitu.arange(float(n)).reshape(shape[::-1]).permute(order)
        xt = torch.arange(float(n)).reshape(shape[::-1]).permute(order)
    else:
        xi, xt = insitu.arange(float(n)).reshape(shape), torch.arange(float(n)).reshape(shape)
    try:
        rt = xt[index]
    except IndexError as e:   # an Ellipsis may push an int onto a smaller dim
        with pytest.raises(IndexError) as got:
            xi[index]
        assert str(got.value) == str(e)
        return
    ri = xi[index]
    assert metadata(ri) == metadata(rt), index
    np.testing.assert_array_equal(ri.numpy(), rt.numpy())
    if rt.numel():
        ri.fill_(-1)
        rt.fill_(-1)
        np.testing.assert_array_equal(xi.numpy(), xt.numpy())


_W = np.random.default_rng(3).standard_normal((5, 3))
SECOND_ORDER = {
    "int_tensor": ("t", [0, 2, 2]),
    "two_int_tensors": (("t", [0, 2, 2]), ("t", [1, 1, 0])),
    "bool_mask": ("b", [True, False, True, True, False]),
    "slice_and_tensor": (slice(None), ("t", [2, 0])),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_double_backward_through_advanced_indexing_matches_torch(name):
    # the gradient of x[idx] is index_put(accumulate); its own gradient indexes again
    grads = []
    for lib in (insitu, torch):
        w = lib.tensor(_W, requires_grad=True)
        y = w[idx(lib, SECOND_ORDER[name])]
        (g,) = lib.autograd.grad((y * y * y).sum(), w, create_graph=True)
        (g * g).sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_double_backward_through_setitem_matches_torch():
    grads = []
    for lib in (insitu, torch):
        w = lib.tensor(_W, requires_grad=True)
        v = lib.tensor(_W[:2] * 2, requires_grad=True)
        z = w.clone()
        z[lib.tensor([1, 3])] = v
        gw, gv = lib.autograd.grad((z * z * z).sum(), (w, v), create_graph=True)
        ((gw * gw).sum() + (gv * gv * gv).sum()).backward()
        grads.append((w.grad.numpy(), v.grad.numpy()))
    for got, want in zip(*grads):
        np.testing.assert_allclose(got, want, rtol=1e-12)
