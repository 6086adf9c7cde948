"""The guards every in-place write passes, against torch: internal and partial overlap, writes
that PyTorch silently gets wrong (insitu computes them as if the input were copied first),
integer wraparound and truncation, read-only NumPy memory, and the `_version` bookkeeping."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import insitu  # noqa: E402

INTERNAL = ("unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation.")
PARTIAL = ("unsupported operation: some elements of the input tensor and the written-to tensor "
           "refer to a single memory location. Please clone() the tensor before performing the "
           "operation.")


def both(fn):
    """Run fn(lib) for both libraries: ('ok', result) or ('err', exception) each."""
    out = []
    for lib in (insitu, torch):
        try:
            out.append(("ok", fn(lib)))
        except Exception as e:  # noqa: BLE001 - compared below
            out.append(("err", e))
    return out


# ----------------------------------------------------------------------------- internal overlap

EXPANDED_WRITES = {
    "add_": lambda e, lib: e.add_(1),
    "mul_": lambda e, lib: e.mul_(2),
    "iadd": lambda e, lib: e.__iadd__(1),
    "clamp_": lambda e, lib: e.clamp_(0, 1),
    "neg_": lambda e, lib: e.neg_(),
    "copy_": lambda e, lib: e.copy_(lib.ones(e.shape)),
    "sigmoid_": lambda e, lib: e.sigmoid_(),
    "setitem_slice": lambda e, lib: e.__setitem__(slice(None), lib.ones(e.shape)),
}
# PyTorch refuses writes through a zero stride; it lets interleaved overlaps through, visiting
# the elements in the order its TensorIterator derives from the strides (a shared element is
# written more than once), and insitu writes them in that order too.
EXPANSIONS = {
    "1_to_3": lambda lib: lib.zeros(1).expand(3),
    "col_to_matrix": lambda lib: lib.zeros(3, 1).expand(3, 4),
    "new_leading_dim": lambda lib: lib.zeros(4).expand(2, 4),
}
INTERLEAVED = {
    "as_strided_overlap": lambda lib: lib.zeros(4).as_strided((3, 2), (1, 1)),
    "unfold_overlap": lambda lib: lib.zeros(5).unfold(0, 3, 1),
}


@pytest.mark.parametrize("make", list(EXPANSIONS))
@pytest.mark.parametrize("write", list(EXPANDED_WRITES))
def test_internal_overlap_refused_and_nothing_written(write, make):
    bases = []

    def run(lib):
        e = EXPANSIONS[make](lib)
        bases.append(e._base)
        return EXPANDED_WRITES[write](e, lib)
    (gk, gv), (wk, wv) = both(run)
    assert wk == "err" and str(wv) == INTERNAL and type(gv) is type(wv)
    assert gk == "err" and str(gv) == INTERNAL, gv
    base = bases[0]
    assert base._version == 0 and not base.numpy().any()


@pytest.mark.parametrize("make", list(INTERLEAVED))
@pytest.mark.parametrize("write", list(EXPANDED_WRITES))
def test_interleaved_overlap_written_in_torchs_order(write, make):
    results = []
    for lib in (insitu, torch):
        e = INTERLEAVED[make](lib)
        e._base.copy_(lib.arange(1.0, e._base.numel() + 1) / 4)
        EXPANDED_WRITES[write](e, lib)
        results.append(([round(v, 5) for v in e._base.tolist()], e._base._version))
    assert results[0] == results[1]


@pytest.mark.parametrize("write", ["exp_", "detach_clamp_", "add_out", "tril_"])
def test_writes_into_unfold_windows_match_torch(write):
    """unfold's windows share elements: PyTorch writes them (exp_ exponentiates a shared
    element twice) and refuses only zero strides."""
    results = []
    for lib in (insitu, torch):
        b = lib.arange(1.0, 6.0) / 4
        u = b.unfold(0, 2, 1)
        if write == "exp_":
            u.exp_()
        elif write == "detach_clamp_":
            u.detach().clamp_(max=0.6)
        elif write == "add_out":
            lib.add(lib.ones(4, 2), lib.arange(8.0).reshape(4, 2), out=u)
        else:
            u.tril_()
        results.append(([round(v, 5) for v in b.tolist()], b._version))
    assert results[0] == results[1]


@pytest.mark.parametrize("make", list(EXPANSIONS) + list(INTERLEAVED))
@pytest.mark.parametrize("write", ["fill_", "zero_"])
def test_fill_and_zero_allowed_on_overlapping_views(make, write):
    results = []
    for lib in (insitu, torch):
        e = {**EXPANSIONS, **INTERLEAVED}[make](lib)
        base = e._base
        base.add_(3)
        getattr(e, write)(*((5,) if write == "fill_" else ()))
        results.append((base.tolist(), base._version, e._version))
    assert results[0] == results[1]


def test_out_of_place_on_expanded_is_fine():
    assert (insitu.zeros(1).expand(3) + 1).tolist() == (torch.zeros(1).expand(3) + 1).tolist()


# ----------------------------------------------------------------------------- partial overlap

PARTIAL_CASES = {
    "copy_shifted": lambda a: a[1:].copy_(a[:-1]),
    "add_shifted": lambda a: a[1:].add_(a[:-1]),
    "mul_shifted_back": lambda a: a[:-1].mul_(a[1:]),
    "setitem_shifted": lambda a: a.__setitem__(slice(1, None), a[:-1]),
    "setitem_advanced_shifted": lambda a: a.__setitem__([0, 1, 2], a[2:5]),
    "copy_transposed": lambda a: a.view(2, 3)[:, :2].reshape(4)[:0],   # empty: no overlap
    "square_transposed": lambda a: a[:4].view(2, 2).add_(a[:4].view(2, 2).t()),
    "iadd_shifted": lambda a: a[1:].__iadd__(a[:-1]),
}


@pytest.mark.parametrize("case", list(PARTIAL_CASES))
def test_partial_overlap_matches_torch_and_writes_nothing_when_refused(case):
    arrays = []

    def run(lib):
        a = lib.arange(6.0)
        arrays.append(a)
        PARTIAL_CASES[case](a)
        return a
    (gk, gv), (wk, wv) = both(run)
    assert gk == wk, (gv, wv)
    if wk == "err":
        assert type(gv) is type(wv) and str(gv) == str(wv) == PARTIAL
        assert arrays[0].tolist() == list(range(6)) and arrays[0]._version == 0
    else:
        assert gv.tolist() == wv.tolist() and gv._version == wv._version


def test_full_alias_is_allowed():
    for lib in (insitu, torch):
        a = lib.arange(5.0)
        a.add_(a)
        assert a.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0] and a._version == 1


# ------------------------------------------------- where PyTorch is silently wrong, insitu is not

def _self_broadcast_op(a, op):
    if op == "isub":
        a -= a[:, :1]
    elif op == "imul":
        a *= a[:, :1]
    else:
        getattr(a, op)(a[:, :1])
    return a


@pytest.mark.parametrize("shape", [(2, 2), (2, 17), (3, 4, 5), (4, 3)])
@pytest.mark.parametrize("op", ["isub", "sub_", "div_", "imul", "copy_"])
def test_inplace_with_a_broadcast_view_of_self_acts_as_if_copied(shape, op):
    """PyTorch silently computes these wrong (it reads elements it has already written)."""
    rng = np.random.default_rng(sum(shape))
    a = insitu.tensor(rng.uniform(1.0, 2.0, shape))
    other = a[:, :1]
    expected = {"isub": a - other, "sub_": a - other, "div_": a / other,
                "imul": a * other, "copy_": other.expand(a.shape).clone()}[op]
    ptr = a.data_ptr()
    _self_broadcast_op(a, op)
    np.testing.assert_array_equal(a.numpy(), expected.numpy())
    assert a.data_ptr() == ptr and a._version == 1


@pytest.mark.parametrize("op", ["isub", "sub_", "div_", "imul", "copy_"])
def test_inplace_with_a_dense_prefix_of_self_raises_like_torch(op):
    """On a (1, 2) tensor, a[:, :1] is a dense piece of a: PyTorch detects the partial overlap
    and raises, so insitu raises the same error (and writes nothing)."""
    tensors = []

    def run(lib):
        a = lib.tensor([[1.5, 2.5]])
        tensors.append(a)
        return _self_broadcast_op(a, op)
    (gk, gv), (wk, wv) = both(run)
    assert wk == gk == "err" and str(gv) == str(wv) == PARTIAL
    assert tensors[0].tolist() == [[1.5, 2.5]] and tensors[0]._version == 0


def test_setitem_of_a_strided_view_of_self_acts_as_if_copied():
    a = insitu.arange(8.0)
    expected = a.clone()
    expected[1::2] = a[::2].clone()
    a[1::2] = a[::2]   # interleaved, not dense: PyTorch cannot see this overlap
    assert a.tolist() == expected.tolist()


# ----------------------------------------------------------------------------- integer rules

UINT8 = {
    "sub_3": lambda t: t.sub_(3), "sub_300": lambda t: t.sub_(300),
    "add_300": lambda t: t.add_(300), "mul_200": lambda t: t.mul_(200),
    "isub_tensor": lambda t: t.__isub__(t.new_tensor([3, 3])),
    "neg_": lambda t: t.neg_(),
}


@pytest.mark.parametrize("op", list(UINT8))
def test_uint8_wraps_around_like_torch(op):
    (gk, gv), (wk, wv) = both(lambda lib: UINT8[op](lib.tensor([1, 2], dtype=lib.uint8)))
    assert gk == wk == "ok", (gv, wv)
    assert gv.tolist() == wv.tolist() and gv.dtype is insitu.uint8


def test_int_copy_from_float_truncates_and_fill_truncates():
    for lib in (insitu, torch):
        a = lib.zeros(3, dtype=lib.int64)
        a.copy_(lib.tensor([1.7, -2.7, 3.2]))
        assert a.tolist() == [1, -2, 3]
        a.fill_(2.9)
        assert a.tolist() == [2, 2, 2] and a._version == 2


def test_float_result_into_int_self_raises_the_cast_message():
    for expr in ("add_(0.5)", "__iadd__(1.5)", "div_(2)", "sqrt_()", "mul_(2.0)"):
        (gk, gv), (wk, wv) = both(lambda lib: eval(f"lib.tensor([1, 2, 3]).{expr}"))
        assert gk == wk == "err" and str(gv) == str(wv), expr
        assert str(gv) == "result type Float can't be cast to the desired output type Long"
    (gk, gv), (wk, wv) = both(lambda lib: lib.tensor([1, 2, 3]).clamp_(0.5, 2.5))
    assert str(gv) == str(wv) == ("result type Float can't be cast to the desired output type "
                                  "long int")


# ----------------------------------------------------------------------------- read-only memory

def _readonly():
    arr = np.arange(4.0)
    arr.flags.writeable = False
    return arr


READONLY_WRITES = {
    "add_": lambda t: t.add_(1), "iadd": lambda t: t.__iadd__(1), "mul_": lambda t: t.mul_(2),
    "zero_": lambda t: t.zero_(), "fill_": lambda t: t.fill_(3), "copy_": lambda t: t.copy_(
        insitu.ones(4)), "clamp_": lambda t: t.clamp_(0, 1), "sigmoid_": lambda t: t.sigmoid_(),
    "setitem": lambda t: t.__setitem__(0, 9.0), "setitem_mask": lambda t: t.__setitem__(
        t > 1, 9.0),
    "index_put_": lambda t: t.index_put_((insitu.tensor([0]),),
                                         insitu.tensor([9.0], dtype=insitu.float64)),
    "out=": lambda t: insitu.add(t, 1, out=t), "view_add_": lambda t: t[1:3].add_(1),
    "reshaped_mul_": lambda t: t.view(2, 2).mul_(3),
}


@pytest.mark.parametrize("write", list(READONLY_WRITES))
def test_readonly_numpy_memory_is_refused_with_a_clear_error(write):
    arr = _readonly()
    t = insitu.from_numpy(arr)
    with pytest.raises(RuntimeError) as err:
        READONLY_WRITES[write](t)
    msg = str(err.value)
    assert "read-only NumPy array" in msg
    op = msg.split(":")[0]
    assert op.endswith("_") or op == "add", msg          # names the op that would have written
    assert arr.tolist() == [0.0, 1.0, 2.0, 3.0] and t._version == 0


def test_readonly_tensor_still_reads_and_computes():
    t = insitu.from_numpy(_readonly())
    assert (t * 2).tolist() == [0.0, 2.0, 4.0, 6.0]
    assert t.clone().add_(1).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert t.numpy().flags.writeable is False


def test_writeable_numpy_memory_is_shared_both_ways():
    arr = np.zeros(3)
    t = insitu.from_numpy(arr)
    t.add_(1)
    assert arr.tolist() == [1.0, 1.0, 1.0]
    arr[0] = 5
    assert t[0].item() == 5.0


# ----------------------------------------------------------------------------- versions

def _version_script(lib):
    """Section 1.12 of the reference, step by step: the versions seen after each step."""
    seen = []
    a = lib.zeros(3)
    seen.append(a._version)
    a.add_(1)
    seen.append(a._version)
    a += 1
    seen.append(a._version)
    a[0] = 5
    seen.append(a._version)
    a.zero_()
    seen.append(a._version)
    v = a[1:]
    v.fill_(2)
    seen += [a._version, v._version]
    a.mul_(2)
    seen.append(v._version)
    b = a + 1
    seen += [b._version, a._version]
    c = a.clone()
    seen.append(c._version)
    a.resize_(3)
    a.requires_grad_()
    seen.append(a._version)
    with lib.no_grad():
        a.sub_(1)
    seen.append(a._version)
    lib.add(a.detach(), 1, out=b)
    seen += [b._version, a._version]
    a.detach().mul_(1)
    seen.append(a._version)
    return seen


def test_version_sequence_matches_torch():
    assert _version_script(insitu) == _version_script(torch) == [
        0, 1, 2, 3, 4, 5, 5, 6, 0, 6, 0, 6, 7, 1, 7, 8]


def test_inplace_keeps_identity_and_buffer_and_returns_self():
    for lib in (insitu, torch):
        a, b = lib.ones(3), lib.ones(3)
        alias, ptr = a, a.data_ptr()
        a += b
        assert a is alias and a.data_ptr() == ptr and a._version == 1
        a = a + b
        assert a is not alias and alias.tolist() == [2.0, 2.0, 2.0]
        for op, args in [("add_", (1,)), ("mul_", (2,)), ("zero_", ()), ("fill_", (1,)),
                         ("clamp_", (0, 1)), ("copy_", (lib.ones(3),))]:
            assert getattr(alias, op)(*args) is alias


def test_clamp_messages_and_max_wins():
    (gk, gv), (wk, wv) = both(lambda lib: lib.ones(3).clamp_())
    assert gk == wk == "err" and str(gv) == str(wv)
    assert insitu.arange(8.0).clamp_(min=6, max=4).tolist() == \
        torch.arange(8.0).clamp_(min=6, max=4).tolist()


def test_failed_inplace_leaves_everything_untouched():
    a = insitu.tensor([1, 2, 3])
    for bad in (lambda: a.add_(0.5), lambda: a.add_(insitu.ones(2, 3, dtype=insitu.int64)),
                lambda: a.fill_(insitu.tensor([1])), lambda: a.add_(insitu.ones(4))):
        with pytest.raises(RuntimeError):
            bad()
        assert a.tolist() == [1, 2, 3] and a.dtype is insitu.int64 and a._version == 0
