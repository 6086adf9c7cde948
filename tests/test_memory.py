"""Exact byte accounting of tensor storage, memory.profile(), and what in-place activations hold
for backward compared with PyTorch (read from its grad_fn._saved_* tensors)."""
import gc
import tracemalloc

import numpy as np
import pytest

import insitu
import insitu.nn.functional as F
from insitu import memory
from insitu.autograd import graph

N = 1000   # elements; float32 unless said otherwise


@pytest.fixture
def quiet_gc():
    """No cyclic garbage collection in the middle of an exact byte count."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


# ----------------------------------------------------------------------------- allocated / peak

def test_allocated_counts_storage_bytes_exactly(quiet_gc):
    before = memory.allocated()
    t = insitu.empty(N, dtype=insitu.float64)
    assert memory.allocated() - before == N * 8
    v = t[10:20].view(2, 5)        # views allocate nothing
    assert memory.allocated() - before == N * 8
    del t, v
    assert memory.allocated() == before


def test_from_numpy_memory_is_not_counted(quiet_gc):
    arr = np.zeros(N)
    before = memory.allocated()
    t = insitu.from_numpy(arr)
    assert memory.allocated() == before
    t.add_(1)
    assert memory.allocated() == before and arr[0] == 1


def test_peak_and_reset_peak(quiet_gc):
    memory.reset_peak()
    base = memory.allocated()
    assert memory.peak() == base
    t = insitu.zeros(N)
    del t
    assert memory.peak() == base + N * 4
    memory.reset_peak()
    assert memory.peak() == memory.allocated() == base


# ----------------------------------------------------------------------------- in place, no copies

INPLACE_NO_TEMPORARY = {
    "add_": lambda a, b: a.add_(1),
    "add_tensor": lambda a, b: a.add_(b),
    "mul_": lambda a, b: a.mul_(b),
    "div_": lambda a, b: a.div_(2),
    "copy_": lambda a, b: a.copy_(b),
    "fill_": lambda a, b: a.fill_(0.5),
    "exp_": lambda a, b: a.exp_(),
    "sigmoid_": lambda a, b: a.sigmoid_(),
    "relu_": lambda a, b: a.relu_(),
    "clamp_": lambda a, b: a.clamp_(0.1, 0.9),
    "hardtanh_": lambda a, b: a.hardtanh_(),
    "iadd": lambda a, b: a.__iadd__(b),
}


@pytest.mark.parametrize("name", sorted(INPLACE_NO_TEMPORARY))
def test_inplace_under_no_grad_allocates_nothing(name, quiet_gc):
    op = INPLACE_NO_TEMPORARY[name]
    a = insitu.rand(250_000, requires_grad=True)        # 1 MB
    b = insitu.rand(250_000)
    with insitu.no_grad():
        op(a, b)                                         # warm caches (dtype resolution)
        before = memory.allocated()
        tracemalloc.start()
        try:
            op(a, b)
            _, traced_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert memory.allocated() == before
    # NumPy reports its buffers to tracemalloc: nothing anywhere near the tensor's size
    assert traced_peak < 4096


@pytest.mark.parametrize("name", ["gelu", "gelu(tanh)", "silu"])
@pytest.mark.parametrize("threads", [1, 2])
def test_smooth_activation_forward_holds_about_its_result(name, threads, quiet_gc):
    """Every step runs in the result (erf in place in it): at most a block of indices more."""
    F = insitu.nn.functional
    op = {"gelu": F.gelu, "gelu(tanh)": lambda x: F.gelu(x, approximate="tanh"),
          "silu": F.silu}[name]
    x = insitu.randn(256, 1024)                         # 1 MiB
    previous = insitu.get_num_threads()
    insitu.set_num_threads(threads)
    try:
        op(x)                                            # warm caches (scratch, dtypes)
        tracemalloc.start()
        try:
            r = op(x)
            _, traced_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        insitu.set_num_threads(previous)
    assert traced_peak < r.numel() * 4 * 1.3


def test_inplace_outside_grad_allocates_nothing_in_profile(quiet_gc):
    a = insitu.rand(N)
    with memory.profile() as prof:
        a.mul_(2).add_(1).sigmoid_()
    assert [(r["op"], r["allocated"], r["saved"], r["copied"]) for r in prof.rows] == [
        ("mul_", 0, 0, 0), ("add_", 0, 0, 0), ("sigmoid_", 0, 0, 0)]
    assert prof.peak == prof.start == prof.end


# ----------------------------------------------------------------------------- profile()

def test_profile_rows_exact(quiet_gc):
    with memory.profile() as prof:
        a = insitu.ones(N)                    # 4000 bytes
        b = a * 2                             # 4000
        b.add_(1)                             # 0
        c = b[[0, 1, 2]]                      # 12: advanced indexing copies
        d = b[0:10]                           # 0: a view
        e = insitu.add(a, b)                  # 4000, one call (the function runs the method)
    rows = {r["op"]: r for r in prof.rows}
    assert [r["op"] for r in prof.rows] == ["ones", "mul", "add_", "getitem", "add"]
    assert rows["ones"]["allocated"] == N * 4
    assert rows["mul"]["allocated"] == N * 4
    assert rows["add_"] == {"op": "add_", "calls": 1, "allocated": 0, "saved": 0, "copied": 0}
    assert rows["getitem"]["calls"] == 2 and rows["getitem"]["allocated"] == 12
    assert rows["add"]["calls"] == 1 and rows["add"]["allocated"] == N * 4
    assert prof.peak - prof.start == 3 * N * 4 + 12
    assert prof.end == prof.peak
    del a, b, c, d, e


def test_profile_saved_and_copied_columns(quiet_gc):
    x = insitu.rand(N, requires_grad=True)
    w = insitu.rand(N, requires_grad=True)
    with memory.profile() as prof:
        y = x.exp()            # saves its result: N*4
        z = y * y              # saves y twice: already held, counted once
        h = x * 1.0            # nothing saved (scalar)
        h.mul_(w)              # keeps a copy of h (N*4) and saves w (N*4)
        m = (h * 1.0).clamp_(0.2, 0.8)   # a 1-byte mask per element
    rows = {r["op"]: r for r in prof.rows}
    assert rows["exp"]["saved"] == N * 4
    assert rows["mul"]["saved"] == 0
    assert rows["mul_"]["copied"] == N * 4
    assert rows["mul_"]["saved"] == 2 * N * 4
    assert rows["clamp_"]["saved"] == N and rows["clamp_"]["copied"] == 0
    assert prof.total("copied") == N * 4
    del y, z, m


def test_profile_is_printable_as_aligned_table(quiet_gc):
    with memory.profile() as prof:
        a = insitu.zeros(N)
        a.add_(1)
    text = str(prof)
    lines = text.splitlines()
    assert lines[0].split() == ["op", "calls", "allocated", "saved", "copied"]
    table = lines[:-1]
    assert len({len(line) for line in table}) == 1          # aligned columns
    assert lines[1].split() == ["zeros", "1", str(N * 4), "0", "0"]
    assert lines[-2].split()[0] == "total"
    assert lines[-1].startswith(f"peak {prof.peak} bytes")
    del a


def test_profile_restores_entry_points_and_global_peak(quiet_gc):
    add_, fn_add = insitu.Tensor.add_, insitu.add
    memory.reset_peak()
    big = insitu.zeros(10 * N)
    del big
    high = memory.peak()
    with pytest.raises(RuntimeError):
        with memory.profile():
            assert insitu.Tensor.add_ is not add_
            insitu.ones(2).add_(insitu.ones(3))     # shape error inside the block
    assert insitu.Tensor.add_ is add_ and insitu.add is fn_add
    assert memory.peak() == high


def test_nested_profiles_both_see_ops(quiet_gc):
    with memory.profile() as outer:
        a = insitu.ones(N)
        with memory.profile() as inner:
            b = a * 3
        c = a * 4
    assert [(r["op"], r["calls"]) for r in inner.rows] == [("mul", 1)]
    assert [(r["op"], r["calls"]) for r in outer.rows] == [("ones", 1), ("mul", 2)]
    assert inner.peak - inner.start == N * 4
    assert outer.peak - outer.start == 3 * N * 4
    del a, b, c


# ----------------------------------------------------------------------------- against PyTorch

def _torch_graph_storages(torch, out):
    """{data_ptr: nbytes} of every storage PyTorch's graph behind `out` saved (grad_fn._saved_*)."""
    seen, held = set(), {}
    stack = [out.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        for attr in dir(fn):
            if attr.startswith("_saved_"):
                v = getattr(fn, attr)
                if isinstance(v, torch.Tensor) and v.dim():   # 0-dim: a wrapped Python scalar
                    st = v.untyped_storage()
                    held[st.data_ptr()] = st.nbytes()
        stack.extend(f for f, _ in fn.next_functions)
    return held


def _activation_chain(lib, x):
    h = (x * 1.5).relu_()
    h = (h * 1.5).sigmoid_()
    h = (h * 1.5).exp_()
    return (h * 0.1).clamp_(0.2, 0.8)


def test_activation_chain_holds_no_more_than_torch(quiet_gc):
    torch = pytest.importorskip("torch")
    x = insitu.rand(N, requires_grad=True)
    before = memory.allocated()
    out = _activation_chain(insitu, x)
    # first principles: relu_/sigmoid_/exp_ keep their outputs (3 * 4N), clamp_ a bool mask (N),
    # and the result itself is alive (4N); no input copies
    assert graph.saved_bytes(out) == 3 * N * 4 + N
    assert memory.allocated() - before == 4 * N * 4 + N

    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    tout = _activation_chain(torch, tx)
    held = _torch_graph_storages(torch, tout)
    torch_alive = sum(held.values()) + (0 if tout.untyped_storage().data_ptr() in held
                                        else tout.untyped_storage().nbytes())
    assert torch_alive == 5 * N * 4                 # clamp_ keeps a full copy of its input
    assert graph.saved_bytes(out) <= sum(held.values())
    assert memory.allocated() - before < torch_alive

    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["hardtanh_", "relu6"])
def test_hardtanh_inplace_keeps_a_copy_of_its_input_as_torch(name, quiet_gc):
    """PyTorch's hardtanh rule reads the input, so its in-place form keeps a copy: one copy, as
    PyTorch's, and a later in-place write on the output is no error at backward."""
    torch = pytest.importorskip("torch")

    def act(lib_f, h):
        return lib_f.hardtanh_(h, -0.5, 0.5) if name == "hardtanh_" else lib_f.relu6(h, inplace=True)

    x = insitu.randn(N, requires_grad=True)
    h = x * 4
    before = memory.allocated()
    out = act(F, h)
    assert out is h and memory.allocated() - before == h.nbytes    # the copy, nothing else
    saved = graph._saved_in(out.grad_fn)
    assert [s.storage for s in saved] != [h._storage]          # the saved tensor is the copy
    assert graph.saved_bytes(out) == h.nbytes

    import torch.nn.functional as TF
    th = torch.tensor(x.detach().numpy(), requires_grad=True) * 4
    tout = act(TF, th)
    held = _torch_graph_storages(torch, tout)
    extra = {p: n for p, n in held.items() if p != tout.untyped_storage().data_ptr()}
    assert sum(extra.values()) == N * 4                        # PyTorch keeps a copy (since 1.10)

    out.sum().backward()
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    act(TF, tx * 4).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
