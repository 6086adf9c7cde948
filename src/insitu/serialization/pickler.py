"""Writes the data.pkl of a PyTorch checkpoint: pickle protocol 2, as `torch.save` writes it.

The opcodes are emitted directly (Python's Pickler would look the globals up by importing
torch): tensors become `torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, OrderedDict())` over a persistent storage id `("storage", torch.FloatStorage,
key, "cpu", numel)`, Parameters `torch._utils._rebuild_parameter(tensor, requires_grad,
OrderedDict())`, dtypes `torch.float32`, OrderedDicts `collections.OrderedDict()` plus their
items: exactly what `torch.load(weights_only=True)` accepts. Every container and tensor is
memoized, so an object saved twice (tied weights) loads as one object.
"""
from collections import OrderedDict
import struct

from ..backend import data_ptr
from ..core import dtypes
from ..core.tensor import Tensor
from .common import MAX_DEPTH


class Pickler:
    """`dump(obj)` gives the pickle's bytes; `storages` then lists (key, flat array) records."""

    def __init__(self):
        self.out = bytearray()
        self.memo = {}             # id(obj) -> memo index
        self.keep = []             # objects memoized by id, kept alive while writing
        self.storages = []         # (key, flat ndarray to write)
        self._storage_keys = {}    # id(Storage) -> (key, dtype, numel)
        self._active = set()

    def dump(self, obj):
        self.out += b"\x80\x02"
        self.value(obj, 0)
        self.out += b"."
        return bytes(self.out)

    # ---------------------------------------------------------------- plain values
    def value(self, obj, depth):
        if depth > MAX_DEPTH:
            raise ValueError(f"insitu.save: object nested deeper than {MAX_DEPTH} levels")
        out = self.out
        if obj is None:
            out += b"N"
        elif obj is True or obj is False:
            out += b"\x88" if obj else b"\x89"
        elif isinstance(obj, int):
            self.int(int(obj))
        elif isinstance(obj, float):
            out += b"G" + struct.pack(">d", obj)
        elif isinstance(obj, str):
            self.str(obj)
        elif isinstance(obj, dtypes.dtype):
            self.global_("torch", obj.name)
        elif isinstance(obj, Tensor):
            self.memoized(obj, depth, self.tensor)
        elif isinstance(obj, dict):
            for k in obj:
                if not isinstance(k, (str, int, float, bool)) and k is not None:
                    raise TypeError(f"insitu.save: dict keys must be str, int, float, bool or "
                                    f"None, got {type(k).__name__}")
            self.memoized(obj, depth, self.dict)
        elif isinstance(obj, list):
            self.memoized(obj, depth, self.list)
        elif isinstance(obj, tuple):
            self.tuple(obj, depth)
        else:
            raise TypeError(f"insitu.save can only store tensors, numbers, strings, None, dtypes "
                            f"and dicts/lists/tuples of them (never arbitrary objects, so that "
                            f"loading runs no code); got "
                            f"{type(obj).__module__}.{type(obj).__qualname__}")

    def int(self, n):
        if 0 <= n < 256:
            self.out += b"K" + bytes([n])
        elif 0 <= n < 65536:
            self.out += b"M" + struct.pack("<H", n)
        elif -2 ** 31 <= n < 2 ** 31:
            self.out += b"J" + struct.pack("<i", n)
        else:
            data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
            if len(data) < 256:
                self.out += b"\x8a" + bytes([len(data)]) + data
            else:
                self.out += b"\x8b" + struct.pack("<i", len(data)) + data

    def str(self, s):
        data = s.encode("utf-8", "surrogatepass")
        self.out += b"X" + struct.pack("<I", len(data)) + data

    def global_(self, module, name):
        self.out += f"c{module}\n{name}\n".encode("ascii")

    def tuple(self, items, depth):
        if not items:
            self.out += b")"
            return
        if len(items) > 3:
            self.out += b"("
        for v in items:
            self.value(v, depth + 1)
        self.out += b"t" if len(items) > 3 else b"\x85\x86\x87"[len(items) - 1:len(items)]

    def ints(self, values):
        self.tuple(tuple(int(v) for v in values), 0)

    # ---------------------------------------------------------------- memoized objects
    def memoized(self, obj, depth, write):
        index = self.memo.get(id(obj))
        if index is not None:
            self.out += b"h" + bytes([index]) if index < 256 else b"j" + struct.pack("<I", index)
            return
        if id(obj) in self._active:
            raise ValueError("insitu.save: the object contains itself")
        self._active.add(id(obj))
        write(obj, depth)
        self._active.discard(id(obj))
        index = self.memo[id(obj)] = len(self.memo)
        self.keep.append(obj)
        self.out += b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index)

    def dict(self, obj, depth):
        if isinstance(obj, OrderedDict):
            self.global_("collections", "OrderedDict")
            self.out += b")R"
        else:
            self.out += b"}"
        if obj:
            self.out += b"("
            for k, v in obj.items():
                self.value(k, depth + 1)
                self.value(v, depth + 1)
            self.out += b"u"

    def list(self, obj, depth):
        self.out += b"]"
        if obj:
            self.out += b"("
            for v in obj:
                self.value(v, depth + 1)
            self.out += b"e"

    def tensor(self, t, depth):
        if type(t).__name__ == "Parameter":
            self.global_("torch._utils", "_rebuild_parameter")
            self.out += b"("
            self.plain_tensor(t, False)
            self.value(bool(t._requires_grad), depth)
            self.global_("collections", "OrderedDict")
            self.out += b")Rt"
            self.out += b"R"
        else:
            self.plain_tensor(t, bool(t._requires_grad))

    def plain_tensor(self, t, requires_grad):
        if t._dtype not in dtypes.ALL:
            raise TypeError(f"insitu.save: dtype {t._dtype} is not supported")
        key, numel, offset, stride = self.storage(t)
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.out += b"(("
        self.str("storage")
        self.global_("torch", f"{t._dtype.legacy}Storage")
        self.str(key)
        self.str("cpu")
        self.int(numel)
        self.out += b"tQ"
        self.int(offset)
        self.ints(t._data.shape)
        self.ints(stride)
        self.out += b"\x88" if requires_grad else b"\x89"
        self.global_("collections", "OrderedDict")
        self.out += b")RtR"

    def storage(self, t):
        """(record key, element count, offset, strides) of `t` over its storage, saved whole
        as PyTorch does (views share it); a tensor whose memory is not one plain buffer gets
        a private copy."""
        a, st = t._data, t._storage
        item = a.itemsize
        root = st.array
        offset = data_ptr(a) - data_ptr(root)
        shared = (root.flags.c_contiguous and root.nbytes % item == 0 and offset % item == 0
                  and all(s >= 0 and s % item == 0 for s in a.strides))
        if not shared:
            flat = a.copy(order="C").reshape(-1)
            key = str(len(self.storages))
            self.storages.append((key, flat))
            return key, flat.size, 0, _c_strides(a.shape)
        found = self._storage_keys.get(id(st))
        if found is None:
            key = str(len(self.storages))
            flat = root.reshape(-1).view(a.dtype)
            found = self._storage_keys[id(st)] = (key, t._dtype, flat.size)
            self.storages.append((key, flat))
            self.keep.append(st)
        elif found[1] is not t._dtype:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data "
                               "as different types")
        return found[0], found[2], offset // item, tuple(s // item for s in a.strides)


def _c_strides(shape):
    strides, n = [], 1
    for d in reversed(shape):
        strides.append(n)
        n *= max(d, 1)
    return tuple(reversed(strides))
