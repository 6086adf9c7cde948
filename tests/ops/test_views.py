"""View operations against torch: metadata (shape, stride, storage_offset, is_contiguous,
_is_view, _base), shared storage and the one shared version counter, and PyTorch's errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402


def _base_contiguous(lib):
    return lib.arange(24.0).reshape(2, 3, 4).clone()


def _base_transposed(lib):
    return lib.arange(24.0).reshape(4, 3, 2).clone().permute(2, 1, 0)


def _base_offset(lib):
    return lib.arange(60.0).reshape(3, 4, 5).clone()[1:, 1:, ::2]


BASES = {"contiguous": _base_contiguous, "transposed": _base_transposed, "offset": _base_offset}

# name -> op applied identically in both libraries (bases are 3-D with shape (2, 3, 4)-like sizes)
VIEW_OPS = {
    "view_flat": lambda t: t.view(-1),
    "view_split_last": lambda t: t.view(t.shape[0], t.shape[1], 2, -1),
    "view_merge_first": lambda t: t.view(-1, t.shape[2]),
    "view_as": lambda t: t.view_as(t.new_zeros(t.numel())),
    "reshape_flat": lambda t: t.reshape(-1),
    "reshape_merge_last": lambda t: t.reshape(t.shape[0], -1),
    "reshape_split_first": lambda t: t.reshape(1, t.shape[0], t.shape[1], -1),
    "flatten": lambda t: t.flatten(),
    "flatten_1": lambda t: t.flatten(1),
    "flatten_0_1": lambda t: t.flatten(0, 1),
    "unflatten": lambda t: t.unflatten(2, (2, -1)),
    "transpose": lambda t: t.transpose(0, 2),
    "swapaxes": lambda t: t.swapaxes(-1, 0),
    "t_of_2d": lambda t: t[0].t(),
    "T_of_2d": lambda t: t[0].T,
    "mT": lambda t: t.mT,
    "permute": lambda t: t.permute(1, 2, 0),
    "permute_neg": lambda t: t.permute(-1, 0, 1),
    "movedim": lambda t: t.movedim(0, -1),
    "squeeze_all": lambda t: t[:, :1].squeeze(),
    "squeeze_dim": lambda t: t[:, :1].squeeze(1),
    "squeeze_noop_dim": lambda t: t.squeeze(0),
    "squeeze_dims": lambda t: t[:1, :1].squeeze((0, 1)),
    "unsqueeze": lambda t: t.unsqueeze(1),
    "unsqueeze_neg": lambda t: t.unsqueeze(-1),
    "expand": lambda t: t[:, :1].expand(-1, 5, -1),
    "expand_new_dims": lambda t: t.expand(2, *t.shape),
    "expand_as": lambda t: t[:1].expand_as(t),
    "broadcast_to": lambda t: t[:, :, :1].broadcast_to(t.shape),
    "narrow": lambda t: t.narrow(2, 1, 2),
    "narrow_neg_start": lambda t: t.narrow(-1, -2, 2),
    "narrow_empty": lambda t: t.narrow(2, 3, 0),
    "select": lambda t: t.select(1, 2),
    "select_neg": lambda t: t.select(-1, -1),
    "diagonal": lambda t: t.diagonal(),
    "diagonal_offset": lambda t: t.diagonal(1, 1, 2),
    "diagonal_neg_offset": lambda t: t.diagonal(-1, -1, -2),
    "unfold": lambda t: t.unfold(2, 2, 1),
    "unfold_step": lambda t: t.unfold(-1, 2, 2),
    "as_strided": lambda t: t.as_strided((2, 2), (3, 1), 1),
    "as_strided_overlap": lambda t: t.as_strided((3, 3), (1, 1)),
    "contiguous": lambda t: t.contiguous(),
    "getitem_slice": lambda t: t[:, 1:, ::2],
    "getitem_int": lambda t: t[1],
    "getitem_none_ellipsis": lambda t: t[None, ..., 0],
    "detach": lambda t: t.detach(),
    "clone": lambda t: t.clone(),
}
MULTI_OPS = {
    "unbind": lambda t: t.unbind(1),
    "split": lambda t: t.split(2, dim=2),
    "split_sizes": lambda t: t.split([1, 2], dim=1),
    "split_with_sizes": lambda t: t.split_with_sizes([1, 2], dim=1),
    "split_sizes_with_empty": lambda t: t.split([1, 0, 2], dim=1),
    "split_bigger_than_dim": lambda t: t.split(9, dim=1),
    "chunk": lambda t: t.chunk(3, dim=-1),
    "chunk_of_empty_dim": lambda t: t[:, :0].chunk(3, dim=1),
}
# one ordinary slice view per piece (written in place freely), bounds clamped like slicing
TENSOR_SPLITS = {
    "sections": lambda t: t.tensor_split(3, dim=2),
    "indices": lambda t: t.tensor_split([1, 3], dim=-1),
    "unordered_indices": lambda t: t.tensor_split((3, 1, 9), dim=2),
    "negative_index": lambda t: t.tensor_split([-1], dim=1),
    "tensor_sections": lambda t: t.tensor_split(t.new_tensor(2).long(), dim=0),
}
ERROR_OPS = {
    "view_incompatible": lambda t: t.transpose(0, 1).view(-1),
    "view_bad_size": lambda t: t.view(5, -1),
    "view_two_inferred": lambda t: t.view(-1, -1),
    "t_of_3d": lambda t: t.t(),
    "permute_wrong_len": lambda t: t.permute(0, 1),
    "transpose_bad_dim": lambda t: t.transpose(0, 3),
    "expand_mismatch": lambda t: t.expand(2, 5, 4),
    "expand_two_mismatches": lambda t: t.expand(2, 2, 2),      # PyTorch names the last one
    "expand_mismatch_and_new_dim": lambda t: t.expand(5, 2, 2, 2),
    "expand_neg_leading_and_mismatch": lambda t: t.expand(-1, 2, 3, 5),
    "expand_too_few": lambda t: t.expand(4),
    "expand_neg_leading": lambda t: t.expand(-1, 2, 3, 4),
    "narrow_too_long": lambda t: t.narrow(2, 2, 5),
    "select_out_of_range": lambda t: t.select(1, 7),
    "unfold_too_big": lambda t: t.unfold(2, 9, 1),
    "split_bad_sizes": lambda t: t.split([1, 1], dim=1),
    "flatten_bad_order": lambda t: t.flatten(2, 0),
    "squeeze_bad_dim": lambda t: t.squeeze(5),
    "mT_of_1d": lambda t: t[0, 0].mT,
    "chunk_zero": lambda t: t.chunk(0),
    "chunk_negative": lambda t: t.chunk(-2),
    "chunk_0d": lambda t: t[0, 0, 0].chunk(2),
    "split_zero": lambda t: t.split(0),
    "split_negative": lambda t: t.split(-1, 7),
    "split_0d": lambda t: t[0, 0, 0].split(1),
    "split_bad_dim": lambda t: t.split(1, 3),
    "split_negative_sizes": lambda t: t.split([4, -1], dim=1),
    "split_bad_sizes_negative_dim": lambda t: t.split([1, 1], dim=-2),
    "tensor_split_zero": lambda t: t.tensor_split(0),
    "tensor_split_0d": lambda t: t[0, 0, 0].tensor_split(2),
}


def metadata(t):
    return (tuple(t.shape), t.stride(), t.storage_offset(), t.is_contiguous(), t._is_view())


def values(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def root(t):
    return t._base if t._base is not None else t


def check_same_view(ri, rt, bi, bt, what):
    assert metadata(ri) == metadata(rt), what
    np.testing.assert_array_equal(values(ri), values(rt), err_msg=what)
    if rt._is_view():
        assert ri._base is root(bi), f"{what}: _base is not the root base"
    else:
        assert ri._base is None, what
    shares = rt.untyped_storage().data_ptr() == bt.untyped_storage().data_ptr()
    assert (ri._storage is bi._storage) == shares, f"{what}: storage sharing differs"


def write_through(ri, rt, bi, bt, what):
    """fill_ through the result: the base sees it exactly when torch's does, and the shared
    version counter moves the same way."""
    for b, v in ((bi, bi._version), (bt, bt._version)):
        assert v == 0
    ri.fill_(-1.0)
    rt.fill_(-1.0)
    np.testing.assert_array_equal(values(bi), values(bt), err_msg=what + ": base after write")
    assert (bi._version, ri._version) == (bt._version, rt._version), what + ": versions"


@pytest.mark.parametrize("base", list(BASES))
@pytest.mark.parametrize("op", list(VIEW_OPS))
def test_view_op_matches_torch(op, base):
    bi, bt = BASES[base](insitu), BASES[base](torch)
    fn = VIEW_OPS[op]
    try:
        rt = fn(bt)
    except RuntimeError as e:
        with pytest.raises(RuntimeError) as got:
            fn(bi)
        assert str(got.value) == str(e)
        return
    ri = fn(bi)
    check_same_view(ri, rt, bi, bt, op)
    write_through(ri, rt, bi, bt, op)


@pytest.mark.parametrize("base", list(BASES))
@pytest.mark.parametrize("op", list(MULTI_OPS))
def test_multi_output_view_op_matches_torch(op, base):
    bi, bt = BASES[base](insitu), BASES[base](torch)
    outs_i, outs_t = MULTI_OPS[op](bi), MULTI_OPS[op](bt)
    assert isinstance(outs_i, tuple) and len(outs_i) == len(outs_t)
    for k, (ri, rt) in enumerate(zip(outs_i, outs_t)):
        check_same_view(ri, rt, bi, bt, f"{op}[{k}]")
    with insitu.no_grad():
        outs_i[-1].fill_(-1.0)
    outs_t[-1].fill_(-1.0)
    np.testing.assert_array_equal(values(bi), values(bt))
    assert bi._version == bt._version == outs_i[0]._version


@pytest.mark.parametrize("op", list(ERROR_OPS))
def test_view_errors_match_torch(op):
    bi, bt = _base_contiguous(insitu), _base_contiguous(torch)
    with pytest.raises(Exception) as want:
        ERROR_OPS[op](bt)
    with pytest.raises(Exception) as got:
        ERROR_OPS[op](bi)
    assert isinstance(got.value, type(want.value)), (got.value, want.value)
    assert str(got.value) == str(want.value).replace("torch.", "insitu.")


def test_view_error_suggests_reshape_and_reshape_copies():
    x = insitu.arange(6.0).reshape(2, 3)
    with pytest.raises(RuntimeError, match=r"Use \.reshape\(\.\.\.\) instead"):
        x.t().view(6)
    r = x.t().reshape(6)
    assert not r._is_view() and r._storage is not x._storage
    assert r.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    r.zero_()
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and x._version == 0


def test_views_of_views_share_the_root_and_one_counter():
    results = []
    for lib in (insitu, torch):
        x = lib.zeros(4, 6)
        v = x.view(2, 12)[1].narrow(0, 2, 6).view(2, 3)
        assert v._base is x
        w = x.t()[1:]
        v.add_(1)
        assert x._version == v._version == w._version == 1
        w.mul_(2)
        assert x._version == v._version == w._version == 2
        results.append(x.tolist())
    assert results[0] == results[1]


def test_detach_shares_storage_and_version_but_is_not_a_view():
    x, xt = insitu.arange(4.0), torch.arange(4.0)
    d, dt = x.detach(), xt.detach()
    assert d._is_view() == dt._is_view()
    assert d.data_ptr() == x.data_ptr()
    d.add_(1)
    dt.add_(1)
    assert x._version == d._version == xt._version == 1
    assert x.tolist() == xt.tolist()


def test_clone_has_new_storage_and_version_zero():
    x = insitu.arange(4.0)
    x.add_(1)
    c = x.clone()
    assert c._version == 0 and x._version == 1
    assert c.data_ptr() != x.data_ptr() and c._storage is not x._storage
    c.zero_()
    assert x.tolist() == [1.0, 2.0, 3.0, 4.0]


def test_contiguous_returns_self_when_contiguous():
    x = insitu.ones(2, 3)
    assert x.contiguous() is x
    c = x.t().contiguous()
    assert c is not x and c.is_contiguous() and not c._is_view()


def test_as_strided_storage_offset_is_absolute():
    for lib in (insitu, torch):
        x = lib.arange(10.0)
        v = x[2:]
        s = v.as_strided((2,), (1,), 5)
        assert s.storage_offset() == 5 and s.tolist() == [5.0, 6.0]


def test_expand_then_inplace_refuses_overlap_but_fill_works():
    for lib in (insitu, torch):
        x = lib.zeros(3, 1)
        e = x.expand(3, 4)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            e.add_(1)
        assert x._version == 0
        e.fill_(2)
        assert x.tolist() == [[2.0], [2.0], [2.0]] and x._version == 1


# ----------------------------------------------------------------------------- properties

from hypothesis import given, settings, strategies as st  # noqa: E402


@st.composite
def view_chains(draw):
    """A start shape and a chain of view ops, each valid for the shape it meets."""
    start = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    shape, ops = list(start), []
    for _ in range(draw(st.integers(1, 5))):
        nd = len(shape)
        kind = draw(st.sampled_from(["transpose", "unsqueeze", "narrow", "select", "expand",
                                     "squeeze", "flatten", "diagonal", "permute", "unfold"]))
        if kind == "transpose":
            d0, d1 = draw(st.integers(0, nd - 1)), draw(st.integers(0, nd - 1))
            ops.append(("transpose", d0, d1))
            shape[d0], shape[d1] = shape[d1], shape[d0]
        elif kind == "unsqueeze" and nd < 5:
            d = draw(st.integers(0, nd))
            ops.append(("unsqueeze", d))
            shape.insert(d, 1)
        elif kind == "narrow" and shape[0]:
            d = draw(st.integers(0, nd - 1))
            if shape[d]:
                begin = draw(st.integers(0, shape[d] - 1))
                length = draw(st.integers(1, shape[d] - begin))
                ops.append(("narrow", d, begin, length))
                shape[d] = length
        elif kind == "select" and nd > 1:
            d = draw(st.integers(0, nd - 1))
            if shape[d]:
                ops.append(("select", d, draw(st.integers(-shape[d], shape[d] - 1))))
                shape.pop(d)
        elif kind == "expand" and 1 in shape:
            shape = [draw(st.integers(1, 3)) if n == 1 else n for n in shape]
            ops.append(("expand", *shape))
        elif kind == "squeeze" and 1 in shape and nd > 1:
            d = shape.index(1)
            ops.append(("squeeze", d))
            shape.pop(d)
        elif kind == "flatten" and nd > 1:
            ops.append(("flatten",))   # a view or a copy, as PyTorch decides
            shape = [int(np.prod(shape))]
        elif kind == "diagonal" and nd >= 2:
            k = draw(st.integers(-1, 1))
            ops.append(("diagonal", k))
            shape = shape[2:] + [max(0, min(shape[0] - max(-k, 0), shape[1] - max(k, 0)))]
        elif kind == "permute":
            order = draw(st.permutations(range(nd)))
            ops.append(("permute", *order))
            shape = [shape[i] for i in order]
        elif kind == "unfold" and all(shape):
            d = draw(st.integers(0, nd - 1))
            size, step = draw(st.integers(1, shape[d])), draw(st.integers(1, 2))
            ops.append(("unfold", d, size, step))
            shape = shape[:d] + [(shape[d] - size) // step + 1] + shape[d + 1:] + [size]
    return start, ops


def loose_metadata(t):
    """metadata() without the strides of size-1 dims, which carry no meaning (and which
    PyTorch's view stride inference fills in its own arcane way)."""
    shape, stride, offset, contiguous, is_view = metadata(t)
    return shape, [s for s, n in zip(stride, shape) if n != 1], offset, contiguous, is_view


@settings(max_examples=80, deadline=None)
@given(view_chains())
def test_property_view_chains_match_torch_metadata(chain):
    shape, ops = chain
    n = int(np.prod(shape))
    xi, xt = insitu.arange(float(n)).reshape(shape), torch.arange(float(n)).reshape(shape)
    ri, rt = xi, xt
    for name, *args in ops:
        ri, rt = getattr(ri, name)(*args), getattr(rt, name)(*args)
        assert loose_metadata(ri) == loose_metadata(rt), (name, args)
        np.testing.assert_array_equal(values(ri), values(rt))
    assert (ri._base is xi) == (rt._base is xt)
    ri.fill_(-1.0)
    rt.fill_(-1.0)
    np.testing.assert_array_equal(values(xi), values(xt))
    assert (xi._version, ri._version) == (xt._version, rt._version)


def _error(fn):
    try:
        fn()
    except RuntimeError as e:
        return str(e).replace("torch.", "insitu.")
    return None


# PyTorch checks the autograd rules before internal overlap; insitu's pipeline checks overlap
# first, so views with overlapping elements give another (also correct) error here
_OVERLAPPING = {"expand", "expand_new_dims", "expand_as", "broadcast_to", "unfold",
                "as_strided_overlap"}


@pytest.mark.parametrize("op", sorted(set(VIEW_OPS) - _OVERLAPPING))
def test_inplace_on_a_view_of_a_multi_output_view_names_the_last_view_op(op):
    # "Output 0 of View", "Output 0 of Squeeze1", ...: the op that made the modified view
    messages = []
    for lib in (insitu, torch):
        b = lib.arange(24.0).reshape(2, 3, 4).requires_grad_().clone()
        piece = b.split(2)[0]     # one output, still made by a multi-output function
        messages.append(_error(lambda: VIEW_OPS[op](piece).mul_(2)))
    assert messages[0] == messages[1]


def test_views_made_under_no_grad_of_multi_output_views_are_no_grad_views():
    messages = []
    for lib in (insitu, torch):
        b = lib.arange(6.0).requires_grad_().clone()
        outs = b.unbind()
        with lib.no_grad():
            v = outs[0].view_as(outs[0])
            made_under_no_grad = b.unbind()
        messages.append((_error(lambda: v.mul_(2)),
                         _error(lambda: made_under_no_grad[1].mul_(2)),
                         _error(lambda: outs[2].mul_(2))))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("dtype", ["int32", "float32"])
def test_dtype_view_is_an_alias_outside_autograd(dtype):
    for lib in (insitu, torch):
        piece = lib.arange(4.0).requires_grad_().clone().split(2)[1]
        v = piece.view(getattr(lib, dtype))
        assert not v.requires_grad and v.grad_fn is None
        assert not v._is_view() and v._base is None
        assert v.data_ptr() == piece.data_ptr()
        v.add_(1)   # no autograd rule applies to it, and the version counter is shared
        assert piece._version == v._version == 1


@pytest.mark.parametrize("base", list(BASES))
@pytest.mark.parametrize("op", list(TENSOR_SPLITS))
def test_tensor_split_gives_slice_views_like_torch(op, base):
    bi, bt = BASES[base](insitu), BASES[base](torch)
    outs_i, outs_t = TENSOR_SPLITS[op](bi), TENSOR_SPLITS[op](bt)
    assert isinstance(outs_i, tuple) and len(outs_i) == len(outs_t)
    for k, (ri, rt) in enumerate(zip(outs_i, outs_t)):
        check_same_view(ri, rt, bi, bt, f"{op}[{k}]")
    write_through(outs_i[0], outs_t[0], bi, bt, op)


def test_tensor_split_pieces_are_slices_that_may_be_written_in_place():
    seen = []
    for lib in (insitu, torch):
        x = lib.arange(10.0, requires_grad=True)
        y = x.clone()
        pieces = y.tensor_split(3)
        pieces[1].mul_(3)
        (y * y).sum().backward()
        seen.append(([type(p.grad_fn).__name__ for p in pieces], type(y.grad_fn).__name__,
                     x.grad.tolist()))
    assert seen[0] == seen[1]


UNSAFE = {
    "unsafe_split": lambda lib, t: lib.unsafe_split(t, 4),
    "unsafe_split_dim": lambda lib, t: t.view(2, 5).unsafe_split(2, dim=1),
    "unsafe_split_with_sizes": lambda lib, t: lib.unsafe_split_with_sizes(t, [3, 7]),
    "unsafe_split_with_sizes_method": lambda lib, t: t.unsafe_split_with_sizes([6, 0, 4]),
    "unsafe_chunk": lambda lib, t: lib.unsafe_chunk(t, 3),
    "unsafe_chunk_method": lambda lib, t: t.unsafe_chunk(4, 0),
    "unsafe_chunk_of_empty": lambda lib, t: lib.unsafe_chunk(t[:0], 2),
}


@pytest.mark.parametrize("name", list(UNSAFE))
def test_unsafe_splits_share_memory_but_are_not_views(name):
    seen = []
    for lib in (insitu, torch):
        x = lib.arange(10.0, requires_grad=True)
        b = x.clone()
        outs = UNSAFE[name](lib, b)
        meta = [(tuple(o.shape), o.stride(), o.storage_offset(), o._is_view(), o._base is None,
                 type(o.grad_fn).__name__, o.output_nr,
                 o.data_ptr() - b.data_ptr() if o.numel() else None)   # torch: 0 if empty
                for o in outs]
        outs[0].mul_(2)           # allowed: each piece is an ordinary non-leaf
        versions = (b._version, [o._version for o in outs])   # a counter each
        grads = lib.autograd.grad(sum((o * (k + 1)).sum() for k, o in enumerate(outs)), x)
        seen.append((meta, versions, b.tolist(), type(outs[0].grad_fn).__name__,
                     grads[0].tolist()))
    assert seen[0] == seen[1]


def test_unsafe_split_under_no_grad_and_its_errors_match_torch():
    seen = []
    for lib in (insitu, torch):
        b = lib.arange(10.0, requires_grad=True).clone()
        with lib.no_grad():
            pieces = lib.unsafe_split(b, 5)
        pieces[0].mul_(2)
        seen.append([pieces[0].requires_grad, pieces[0].grad_fn, b.tolist()])
        for call in (lambda: lib.unsafe_split(b, [3, 7]), lambda: b.unsafe_split(1.5)):
            with pytest.raises(TypeError) as e:
                call()
            seen.append(str(e.value))
        seen += [_error(lambda: lib.unsafe_split(b, 0)),
                 _error(lambda: lib.unsafe_split_with_sizes(b, [3, 6])),
                 _error(lambda: lib.unsafe_chunk(b, -1))]
    half = len(seen) // 2
    assert seen[:half] == seen[half:]


def test_unsafe_split_pieces_keep_the_memory_counted():
    insitu.memory.reset_peak()
    before = insitu.memory.allocated()
    pieces = insitu.unsafe_split(insitu.zeros(1000), 500)   # the source tensor dies here
    assert insitu.memory.allocated() - before == 4000
    pieces[1].fill_(1.0)
    del pieces
    assert insitu.memory.allocated() == before


RESHAPES = {
    "contiguous": lambda x: x.reshape(6, 4),
    "transposed_viewable": lambda x: x.t().reshape(3, 2, 4),
    "transposed_split": lambda x: x.t().reshape(6, 2, 2),
    "transposed_unit_dim": lambda x: x.t().reshape(6, 1, 4),
    "transposed_copy": lambda x: x.t().reshape(24),
    "strided_viewable": lambda x: x[:, ::2].reshape(12),
    "flatten_viewable": lambda x: x.t().unsqueeze(0).flatten(0, 1),
    "flatten_copy": lambda x: x.t().flatten(),
    "reshape_as_viewable": lambda x: x.t().reshape_as(x.new_zeros(6, 2, 2)),
    "view": lambda x: x.t().view(6, 2, 2),
}


@pytest.mark.parametrize("name", list(RESHAPES))
def test_reshape_records_torchs_node_and_gradient(name):
    # a reshape that can still be a view is PyTorch's _reshape_alias (ReshapeAliasBackward0),
    # except of a contiguous tensor (a plain view); one that cannot is a copy (UnsafeView)
    seen = []
    for lib in (insitu, torch):
        x = lib.arange(24.0).reshape(4, 6).requires_grad_()
        r = RESHAPES[name](x)
        weights = lib.arange(float(r.numel())).reshape(r.shape)
        (r * weights).sum().backward()
        seen.append((type(r.grad_fn).__name__, r._is_view(), tuple(r.shape), r.stride(),
                     x.grad.tolist()))
    assert seen[0] == seen[1]


def test_reshape_alias_is_named_in_multi_output_view_errors():
    messages = []
    for lib in (insitu, torch):
        piece = lib.arange(24.0).requires_grad_().clone().view(4, 6).split(4)[0]
        messages.append(_error(lambda: piece.t().reshape(3, 2, 4).mul_(2)))
    assert messages[0] == messages[1] and "Output 0 of ReshapeAlias" in messages[0]


@pytest.mark.parametrize("make", [lambda x: x.view(32, 64), lambda x: x.reshape(-1),
                                  lambda x: x.unsqueeze(1), lambda x: x.flatten(),
                                  lambda x: x.view(64, 32, 1).squeeze(-1)])
def test_a_view_in_order_passes_its_gradient_on_without_a_copy(make):
    # the gradient of view/reshape/flatten/(un)squeeze of a contiguous tensor is the incoming
    # one reshaped: no zeros of the input's shape, and the leaf takes it as its .grad
    x = insitu.randn(64, 32).requires_grad_()
    z = make(x) * 2
    g = insitu.ones(z.shape)
    insitu.memory.reset_peak()
    before = insitu.memory.allocated()
    z.backward(g)
    assert insitu.memory.peak() - before == x.numel() * 4      # mul's gradient, now x.grad
    assert x.grad.tolist() == [[2.0] * 32] * 64 and x.grad._base is None


@pytest.mark.parametrize("size", [0, 3])
@pytest.mark.parametrize("start", [-5, -3, -1, 0, 1, 3, 4])
@pytest.mark.parametrize("length", [-1, 0, 1, 5])
def test_narrow_refusals_as_torch(size, start, length):
    # fuzz seed 1: narrow(0, 1, 1) of an empty dimension is PyTorch's IndexError on start
    def outcome(lib):
        try:
            return tuple(lib.ones(size, 2).narrow(0, start, length).shape)
        except (IndexError, RuntimeError) as e:
            return type(e).__name__, str(e)
    assert outcome(insitu) == outcome(torch)
    with pytest.raises(RuntimeError, match="narrow\\(\\) cannot be applied to a 0-dim tensor"):
        insitu.ones(()).narrow(0, 0, 1)


@pytest.mark.parametrize("numel, shape", [(0, (0, -1)), (0, (-1, 0)), (0, (2, 0, -1)),
                                          (3, (0, -1)), (6, (4, -1))])
def test_an_inferred_size_refused_as_pytorch_words_it(numel, shape):
    # with no elements and a zero among the given sizes, the -1 could be anything
    for method in ("view", "reshape"):
        with pytest.raises(RuntimeError) as expected:
            getattr(torch.zeros(numel), method)(*shape)
        with pytest.raises(RuntimeError) as got:
            getattr(insitu.zeros(numel), method)(*shape)
        assert str(got.value) == str(expected.value)
