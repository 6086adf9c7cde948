"""DLPack: zero-copy exchange with NumPy and PyTorch, both ways; read-only memory stays
read-only; the version counter does not see other libraries' writes (documented)."""
import numpy as np
import pytest

import insitu
from insitu.utils import dlpack

DTYPES = [insitu.bool, insitu.uint8, insitu.int8, insitu.int16, insitu.int32, insitu.int64,
          insitu.float16, insitu.float32, insitu.float64]


def _readonly_tensor():
    a = np.arange(4.0)
    a.flags.writeable = False
    return insitu.from_numpy(a), a


def test_numpy_shares_memory_both_ways():
    t = insitu.arange(6.0).reshape(2, 3)
    a = np.from_dlpack(t)
    assert np.shares_memory(a, t.numpy()) and a.flags.writeable
    v = t._version
    a[0, 0] = 100.0                       # a write NumPy makes: visible, but not counted
    assert t[0, 0].item() == 100.0 and t._version == v
    b = np.arange(3, dtype=np.int32)
    u = insitu.from_dlpack(b)
    assert u.dtype is insitu.int32 and u._version == 0
    u.add_(1)
    assert b.tolist() == [1, 2, 3]
    assert t.__dlpack_device__() == (1, 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_and_layout_round_trips_through_numpy(dtype):
    base = (insitu.arange(24) % 5).to(dtype).reshape(2, 3, 4)
    for t in [base, base.transpose(0, 2), base[:, ::2, 1:], base[0, 0, 0], base[:0],
              base[:, :1].expand(2, 5, 4)]:
        a = np.from_dlpack(t)
        assert a.dtype == t.numpy().dtype and a.shape == tuple(t.shape)
        assert a.strides == t.numpy().strides and np.shares_memory(a, t.numpy()) or t.numel() == 0
        back = insitu.from_dlpack(a)
        assert back.dtype is dtype and back.tolist() == t.tolist()


def test_read_only_memory_stays_read_only():
    a = np.arange(3.0)
    a.flags.writeable = False
    t = insitu.from_dlpack(a)
    assert np.shares_memory(t.numpy(), a)
    with pytest.raises(RuntimeError):
        t.add_(1)
    assert a.tolist() == [0.0, 1.0, 2.0]
    r, src = _readonly_tensor()
    copied = np.from_dlpack(r)                         # a copy by default: cannot write through
    copied[0] = 9.0
    assert src[0] == 0.0 and r[0].item() == 0.0
    shared = np.from_dlpack(r, copy=False)             # NumPy honours the read-only flag
    assert np.shares_memory(shared, src) and not shared.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        shared[0] = 1.0


def test_requires_grad_is_refused_and_imports_start_outside_the_graph():
    x = insitu.ones(2, requires_grad=True)
    with pytest.raises(BufferError, match="Can't export tensors that require gradient, use "
                                          r"tensor.detach\(\)"):
        np.from_dlpack(x)
    y = insitu.from_dlpack(x.detach())
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_bad_inputs():
    with pytest.raises(TypeError, match="expected an object with __dlpack__"):
        insitu.from_dlpack([1, 2])
    with pytest.raises(RuntimeError, match="CPU only"):
        insitu.from_dlpack(np.ones(2), device="cuda")
    with pytest.raises(TypeError, match="expected a Tensor"):
        dlpack.to_dlpack(np.ones(2))
    capsule = dlpack.to_dlpack(insitu.ones(2))
    insitu.from_dlpack(capsule)
    with pytest.raises(Exception):                     # a capsule is consumed once
        insitu.from_dlpack(capsule)


def test_pytorch_shares_memory_both_ways():
    torch = pytest.importorskip("torch")
    t = insitu.arange(6.0).reshape(2, 3)
    tt = torch.from_dlpack(t)
    assert tt.data_ptr() == t.numpy().ctypes.data and tt.dtype == torch.float32
    tt[1, 2] = -1.0
    assert t[1, 2].item() == -1.0
    src = torch.arange(4, dtype=torch.int64)
    u = insitu.from_dlpack(src)
    u.mul_(3)
    assert src.tolist() == [0, 3, 6, 9] and u.dtype is insitu.int64
    view = insitu.arange(12.0).reshape(3, 4).t()[1:]
    tv = torch.from_dlpack(view)
    assert tv.stride() == view.stride() and tv.tolist() == view.tolist()
    # the older exchange through capsules, in both directions
    back = dlpack.from_dlpack(torch.utils.dlpack.to_dlpack(src))
    assert back.tolist() == [0, 3, 6, 9]
    tc = torch.utils.dlpack.from_dlpack(dlpack.to_dlpack(t))
    assert tc.data_ptr() == t.numpy().ctypes.data


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_round_trips_through_pytorch(dtype):
    torch = pytest.importorskip("torch")
    t = (insitu.arange(6) % 3).to(dtype)
    tt = torch.from_dlpack(t)
    assert str(tt.dtype) == str(t.dtype).replace("insitu", "torch")
    assert insitu.from_dlpack(tt).tolist() == t.tolist() == tt.tolist()


def test_pytorch_cannot_write_into_read_only_memory():
    """PyTorch ignores DLPack's read-only flag, so a read-only tensor goes to it as a copy."""
    torch = pytest.importorskip("torch")
    r, src = _readonly_tensor()
    tt = torch.from_dlpack(r)
    tt[0] = 42.0
    assert src[0] == 0.0 and r[0].item() == 0.0
    with pytest.raises(BufferError, match="Can't export tensors that require gradient"):
        torch.from_dlpack(insitu.ones(1, requires_grad=True))
