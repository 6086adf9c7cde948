"""PyTorch's checkpoint format (`torch.save`), read and written without running code.

A checkpoint is a zip archive: `<name>/data.pkl` (a pickle of the object, whose tensors refer to
storages by key), `<name>/data/<key>` (each storage's raw bytes), `<name>/byteorder`,
`<name>/version` and a few markers. Reading:

1. the zip's directory is checked against the file: every record stored uncompressed (as
   `torch.save` writes them, so there is nothing to inflate), inside the file, no two pickles;
2. data.pkl is read by `unpickler`, which runs no code and refuses every global that is not a
   tensor rebuild function or a plain container; storages are only declared there, and their
   declared sizes must match their records;
3. only then are the storages read, each into one array of its record's size (CRC-checked), so
   what is allocated is what the file holds; tensors are made over them, tensors that shared a
   storage in the checkpoint share one again.

Writing (`save`) produces what `torch.load(path, weights_only=True)` reads: the same records,
each aligned to 64 bytes as PyTorch aligns them, and the pickle `pickler` writes.
"""
from collections import OrderedDict
import io
import math
import os
import struct
import sys
import zipfile
import zlib

from ..backend import xp
from ..core import dtypes
from ..core.device import device
from ..core.tensor import Size, wrap
from ..nn.parameter import Parameter
from .common import MAX_DEPTH
from .errors import SerializationError
from .pickler import Pickler
from .unpickler import ParamRef, StorageRef, StorageType, TensorRef, Unpickler

_PLAIN = (bool, int, float, complex, str, bytes, bytearray, dtypes.dtype, Size, device)
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


def is_zip(head):
    return head[:4] == b"PK\x03\x04"


class _Reader:
    def __init__(self, fh, where):
        self.fh, self.where = fh, where
        fh.seek(0, io.SEEK_END)
        self.size = fh.tell()

    def fail(self, why):
        raise SerializationError(f"insitu.load: {self.where} is not a readable PyTorch "
                                 f"checkpoint: {why}")

    def open(self):
        try:
            zf = zipfile.ZipFile(self.fh)
            infos = zf.infolist()
        except Exception as e:     # zipfile's BadZipFile, and what a damaged directory raises
            self.fail(f"its zip archive is damaged ({type(e).__name__}: {e})")
        self.records = {}
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
                self.fail(f"record {info.filename!r} is compressed or encrypted; torch.save "
                          "stores records as they are")
            if (info.file_size != info.compress_size or info.header_offset < 0
                    or info.header_offset + info.file_size > self.size):
                self.fail(f"record {info.filename!r} declares {info.file_size} bytes, more than "
                          "the file holds")
            if info.filename in self.records:
                self.fail(f"record {info.filename!r} appears twice")
            self.records[info.filename] = info
        pickles = [n for n in self.records if n == "data.pkl" or n.endswith("/data.pkl")]
        if len(pickles) != 1:
            self.fail("it has no data.pkl record" if not pickles
                      else f"it has {len(pickles)} data.pkl records")
        self.prefix = pickles[0][:-len("data.pkl")]

    def data_offset(self, info):
        self.fh.seek(info.header_offset)
        head = self.fh.read(_LOCAL_HEADER.size)
        if len(head) != _LOCAL_HEADER.size or head[:4] != b"PK\x03\x04":
            self.fail(f"record {info.filename!r} has no local header")
        fields = _LOCAL_HEADER.unpack(head)
        start = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
        if start + info.file_size > self.size:
            self.fail(f"record {info.filename!r} runs past the end of the file")
        return start

    def read_into(self, info, buf):
        """Fill `buf` (exactly the record's size) with the record's bytes; check its CRC."""
        view = memoryview(buf).cast("B")
        if len(view) != info.file_size:
            self.fail(f"record {info.filename!r} has {info.file_size} bytes, not {len(view)}")
        self.fh.seek(self.data_offset(info))
        got = 0
        while got < len(view):
            n = self.fh.readinto(view[got:])
            if not n:
                self.fail(f"record {info.filename!r} is truncated")
            got += n
        if zlib.crc32(view) != info.CRC:
            self.fail(f"record {info.filename!r} is damaged (CRC mismatch)")

    def record(self, name):
        info = self.records.get(self.prefix + name)
        if info is None:
            return None
        buf = bytearray(info.file_size)
        self.read_into(info, buf)
        return bytes(buf)

    def persistent_load(self, pid):
        if (not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage"
                or not isinstance(pid[1], StorageType) or not isinstance(pid[2], str)
                or not isinstance(pid[3], str) or type(pid[4]) is not int or pid[4] < 0):
            raise SerializationError("a persistent id that is not a storage "
                                     "('storage', type, key, location, numel)")
        kind, key, numel = pid[1], pid[2], pid[4]
        if kind.dtype is None:
            raise SerializationError(f"a storage of type torch.{kind.name}, a dtype insitu "
                                     "does not support")
        found = self.storages.get(key)
        if found is not None:
            if found.dtype is not kind.dtype or found.numel != numel:
                raise SerializationError(f"storage {key!r} is declared twice, differently")
            return found
        info = self.records.get(f"{self.prefix}data/{key}")
        if info is None:
            raise SerializationError(f"storage {key!r} has no record data/{key}")
        if info.file_size != numel * kind.dtype.np.itemsize:
            raise SerializationError(f"storage {key!r} declares {numel} elements of "
                                     f"{kind.dtype.np.itemsize} bytes, its record holds "
                                     f"{info.file_size} bytes")
        ref = self.storages[key] = StorageRef(key, kind.dtype, numel)
        return ref

    def load(self):
        self.open()
        pkl = self.record("data.pkl")
        byteorder = self.record("byteorder") or sys.byteorder.encode()
        if byteorder not in (b"little", b"big"):
            self.fail(f"its byteorder record says {byteorder[:20]!r}")
        self.storages = {}
        unpickler = Unpickler(pkl, self.persistent_load)
        try:
            obj = unpickler.load()
        except SerializationError as e:
            self.fail(str(e))
        arrays = {}
        for key, ref in self.storages.items():
            arr = xp.empty(ref.numel, ref.dtype.np)
            self.read_into(self.records[f"{self.prefix}data/{key}"], arr)
            if byteorder.decode() != sys.byteorder:
                arr.byteswap(inplace=True)
            arrays[key] = arr
        try:
            return _Builder(arrays, unpickler.made).build(obj)
        except SerializationError as e:
            self.fail(str(e))


class _Builder:
    """Turns the unpickled records into tensors and fresh containers."""

    def __init__(self, arrays, refs):
        self.arrays = arrays
        self.bases = {}
        self.tensors = {}          # id(ref) -> tensor
        self.done, self.active = {}, set()
        self.count = {}
        for ref in refs:
            if isinstance(ref, TensorRef):
                key = ref.storage.key
                self.count[key] = self.count.get(key, 0) + 1
        self.refs = refs

    def tensor(self, ref):
        t = self.tensors.get(id(ref))
        if t is not None:
            return t
        if isinstance(ref, ParamRef):
            t = Parameter(self.tensor(ref.tensor), requires_grad=ref.requires_grad)
        else:
            t = self.plain(ref)
        self.tensors[id(ref)] = t
        return t

    def plain(self, ref):
        st, size, stride, off = ref.storage, ref.size, ref.stride, ref.offset
        if len(size) != len(stride) or off < 0 or any(v < 0 for v in size + stride):
            raise SerializationError(f"a tensor of size {list(size)[:8]}, stride "
                                     f"{list(stride)[:8]}, offset {off} is malformed")
        n = math.prod(size)
        last = off + sum((d - 1) * s for d, s in zip(size, stride)) if n else off
        if n and last >= st.numel or not n and off > st.numel or n >= 2 ** 62:
            raise SerializationError(f"a tensor of size {list(size)[:8]} reaches past its "
                                     f"storage of {st.numel} elements")
        arr = self.arrays[st.key]
        if (self.count.get(st.key) == 1 and off == 0 and n == st.numel
                and stride == _c_strides(size)):
            t = wrap(arr.reshape(size), st.dtype)
        else:
            base = self.bases.get(st.key)
            if base is None:
                base = self.bases[st.key] = wrap(arr, st.dtype)
            t = base.as_strided(size, stride, off)
        if ref.requires_grad:
            if not st.dtype.is_floating_point:
                raise SerializationError("an integer tensor marked as requiring grad")
            t.requires_grad_(True)
        return t

    def build(self, obj, depth=0):
        if depth > MAX_DEPTH:
            raise SerializationError(f"the object is nested deeper than {MAX_DEPTH} levels")
        if isinstance(obj, (TensorRef, ParamRef)):
            return self.tensor(obj)
        if obj is None or isinstance(obj, _PLAIN):
            return obj
        oid = id(obj)
        if oid in self.done:
            return self.done[oid]
        if oid in self.active:
            raise SerializationError("the object contains itself (a reference cycle)")
        self.active.add(oid)
        if isinstance(obj, dict):
            out = OrderedDict() if isinstance(obj, OrderedDict) else {}
            for k, v in obj.items():
                out[k] = self.build(v, depth + 1)
            if hasattr(obj, "_metadata"):
                out._metadata = self.build(obj._metadata, depth + 1)
        elif isinstance(obj, list):
            out = [self.build(v, depth + 1) for v in obj]
        elif isinstance(obj, tuple):
            out = tuple(self.build(v, depth + 1) for v in obj)
        elif isinstance(obj, (set, frozenset)):
            out = type(obj)(self.build(v, depth + 1) for v in obj)
        else:
            what = getattr(obj, "name", type(obj).__name__)
            raise SerializationError(f"the object holds {what} as a value")
        self.active.discard(oid)
        self.done[oid] = out
        return out


def _c_strides(shape):
    strides, n = [], 1
    for d in reversed(shape):
        strides.append(n)
        n *= max(d, 1)
    return tuple(reversed(strides))


def load(fh, where):
    """The object of the checkpoint in `fh`, a seekable binary file. Runs no code."""
    return _Reader(fh, where).load()


# ------------------------------------------------------------------ writing

_ALIGN = 64


def save(obj, f):
    """Write `obj` to `f` (a path or a binary file object) as torch.save does."""
    pickler = Pickler()
    pkl = pickler.dump(obj)
    records = [("data.pkl", pkl), (".format_version", b"1"),
               (".storage_alignment", str(_ALIGN).encode()), ("byteorder", sys.byteorder.encode())]
    records += [(f"data/{key}", flat) for key, flat in pickler.storages]
    serial = str(int.from_bytes(os.urandom(16), "little")).zfill(40)[:40]
    records += [("version", b"3\n"), (".data/serialization_id", serial.encode())]
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            _write_zip(fh, records)
    elif _seekable(f):
        _write_zip(f, records)
    else:
        buf = io.BytesIO()
        _write_zip(buf, records)
        f.write(buf.getbuffer())


def _seekable(f):
    try:
        return f.seekable() and hasattr(f, "tell")
    except (AttributeError, OSError):
        return False


def _write_zip(fh, records):
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, data in records:
            path = f"archive/{name}"
            view = memoryview(data).cast("B") if not isinstance(data, bytes) else data
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            zip64 = len(view) * 1.05 > zipfile.ZIP64_LIMIT
            start = fh.tell() + _LOCAL_HEADER.size + len(path) + (20 if zip64 else 0) + 4
            pad = -start % _ALIGN
            info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            zf.writestr(info, view)
