"""DLPack: tensors move to and from NumPy, PyTorch, JAX, CuPy... without a copy.

`np.from_dlpack(t)`, `torch.from_dlpack(t)` and `insitu.from_dlpack(x)` (any object with
`__dlpack__`, or a DLPack capsule such as `torch.utils.dlpack.to_dlpack` makes) share the memory
of the tensor they are given: a write through one is seen by the other.

What sharing does not share:

* **The version counter.** insitu counts in-place writes to find saved tensors that were
  modified before backward. Writes made through the other library (NumPy, PyTorch, ...) are
  not insitu operations and do not bump the counter, so autograd cannot see them: do not
  modify, through another library, a tensor that an insitu graph has saved for backward.
  A tensor made by `from_dlpack` has a version counter of its own.
* **Autograd.** As in PyTorch, a tensor that requires grad cannot be exported (detach it), and
  an imported tensor starts outside any graph.

Read-only memory stays read-only: `from_dlpack` of a read-only export (NumPy flags it) gives a
read-only tensor, whose in-place ops raise. Exporting a read-only tensor gives a copy by
default, because consumers may ignore DLPack's read-only flag (PyTorch 2.13 does); pass
`copy=False` to share the memory with one that honours the flag (NumPy does), which then sees
it read-only. Tensors with negative strides, which PyTorch cannot represent, are exported as
copies too.
"""
from ..backend import xp
from ..core.device import check_device
from ..core.storage import READONLY
from ..core.tensor import Tensor
from ..creation import from_numpy

__all__ = ["from_dlpack", "to_dlpack"]

_CPU = 1          # DLDeviceType.kDLCPU


def tensor_dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """`Tensor.__dlpack__`: a DLPack capsule of this tensor's memory (no copy, unless
    `copy=True`, or a read-only tensor with `copy=None`; see the module's notes)."""
    if self._requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    arr = self._data
    readonly = bool(self._storage.special & READONLY)
    if any(s < 0 for s in arr.strides) or readonly and copy is None:
        if copy is False:
            raise BufferError("insitu: this tensor cannot be exported without a copy "
                              "(negative strides); pass copy=None or copy=True")
        arr, copy = arr.copy(), None
    elif not arr.flags.writeable and not readonly:
        arr = _writable_view(self)      # NumPy marks some views read-only that insitu writes
    return arr.__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device,
                          copy=copy)


def tensor_dlpack_device(self):
    """`Tensor.__dlpack_device__`: (device type, device id): (1, 0), the CPU."""
    return (_CPU, 0)


def _writable_view(t):
    st = t._storage
    a = t._data
    offset = a.__array_interface__["data"][0] - st.array.__array_interface__["data"][0]
    return xp.ndarray(a.shape, a.dtype, buffer=st.array, offset=offset, strides=a.strides)


class _Capsule:
    """Lets NumPy import a bare DLPack capsule (it only takes objects with __dlpack__)."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return (_CPU, 0)


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A tensor sharing the memory of `ext_tensor`: an object with `__dlpack__` (a NumPy array,
    a PyTorch or JAX tensor, an insitu tensor) or a DLPack capsule. `copy=True` copies."""
    check_device(device)
    if type(ext_tensor).__name__ == "PyCapsule":
        if copy is not None:
            raise AssertionError("device and copy kwargs not supported when ext_tensor is "
                                 "already a DLPack capsule.")
        ext_tensor = _Capsule(ext_tensor)
    elif not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ or a DLPack capsule, "
                        f"got {type(ext_tensor).__name__}")
    else:
        dev = ext_tensor.__dlpack_device__()
        if int(dev[0]) != _CPU:
            raise RuntimeError(f"insitu runs on the CPU only; from_dlpack got a tensor on "
                               f"DLPack device type {int(dev[0])}: move it to the CPU first")
    arr = xp.from_dlpack(ext_tensor, copy=copy)
    return from_numpy(arr)


def to_dlpack(tensor):
    """A DLPack capsule of `tensor` (the older exchange: `torch.utils.dlpack.from_dlpack` and
    other consumers take it once)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack: expected a Tensor, got {type(tensor).__name__}")
    return tensor.__dlpack__()


METHODS = {"__dlpack__": tensor_dlpack, "__dlpack_device__": tensor_dlpack_device}
FUNCTIONS = {"from_dlpack": from_dlpack}
