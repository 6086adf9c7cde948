"""The safetensors format (insitu.save's default): tensors and nested containers of them.

Nothing is pickled, so loading a file runs no code. The tensors of a (nested) object become the
named tensors of one safetensors file, named by their path joined with "." ("model.0.weight");
the shape of the object itself (dicts, lists, tuples, numbers, strings, None, which tensors are
Parameters or require grad) is a JSON description in the file's metadata. A file without that
description (any safetensors file) loads as a flat {name: tensor} dict.

A view is saved as its own elements only (`big[:10]` writes 10 elements). With
`preserve_sharing=True`, tensors that share storage are written once, as the storage, and come
back as views of one buffer again.

Loading checks everything before building anything: the safetensors layer validates the header
and the byte ranges, the description is checked against a strict schema, and any problem raises
`SerializationError` naming the file and what is wrong.
"""
from collections import OrderedDict
import json
import math
import os

from ..backend import xp
from ..core import dtypes
from ..nn.parameter import Parameter
from ..core.tensor import Tensor
from .common import MAX_DEPTH as _MAX_DEPTH, contiguous as _contiguous, owned as _owned
from .common import short as _short
from .errors import SerializationError

FORMAT = "insitu"
FORMAT_VERSION = "1"
_SEP = "."

# safetensors dtype names <-> insitu dtypes
_ST_NAMES = {"BOOL": dtypes.bool_, "U8": dtypes.uint8, "I8": dtypes.int8, "I16": dtypes.int16,
             "I32": dtypes.int32, "I64": dtypes.int64, "F16": dtypes.float16,
             "F32": dtypes.float32, "F64": dtypes.float64}
_ST_OF = {dt: name for name, dt in _ST_NAMES.items()}


# ------------------------------------------------------------------ saving

class _Writer:
    def __init__(self, preserve_sharing):
        self.arrays = {}          # safetensors name -> ndarray
        self.preserve_sharing = preserve_sharing
        self.storages = {}        # id(storage) -> name of the saved storage (preserve_sharing)

    def name_for(self, path):
        base = _SEP.join(path) if path else "tensor"
        name, n = base, 1
        while name in self.arrays:                 # "a.b" key vs nested {"a": {"b": ...}}
            name = f"{base}#{n}"
            n += 1
        return name

    def encode(self, obj, path, depth=0):
        if depth > _MAX_DEPTH:
            raise ValueError(f"insitu.save: object nested deeper than {_MAX_DEPTH} levels")
        if isinstance(obj, Tensor):
            return self.tensor(obj, path)
        if obj is None:
            return {"t": "none"}
        if isinstance(obj, bool):
            return {"t": "bool", "v": obj}
        if isinstance(obj, int):
            return {"t": "int", "v": str(obj)}        # as text: JSON numbers lose big ints
        if isinstance(obj, float):
            return {"t": "float", "v": repr(obj)}     # repr round-trips, nan/inf included
        if isinstance(obj, str):
            return {"t": "str", "v": obj}
        if isinstance(obj, dtypes.dtype):
            return {"t": "dtype", "v": obj.name}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not isinstance(k, (str, int, float, bool)) and k is not None:
                    raise TypeError(f"insitu.save: dict keys must be str, int, float, bool or "
                                    f"None, got {type(k).__name__}")
                items.append([self.encode(k, path, depth + 1),
                              self.encode(v, path + [str(k)], depth + 1)])
            return {"t": "odict" if isinstance(obj, OrderedDict) else "dict", "v": items}
        if isinstance(obj, (list, tuple)):
            kind = "list" if isinstance(obj, list) else "tuple"
            return {"t": kind, "v": [self.encode(v, path + [str(i)], depth + 1)
                                     for i, v in enumerate(obj)]}
        raise TypeError(f"insitu.save can only store tensors, numbers, strings, None, dtypes and "
                        f"dicts/lists/tuples of them (never arbitrary objects, so that loading "
                        f"runs no code); got {type(obj).__module__}.{type(obj).__qualname__}")

    def tensor(self, t, path):
        node = {"t": "tensor", "rg": bool(t._requires_grad)}
        if type(t).__name__ == "Parameter":
            node["param"] = True
        if t._dtype not in _ST_OF:
            raise TypeError(f"insitu.save: dtype {t._dtype} is not supported")
        if self.preserve_sharing and self.shared(t):
            node["storage"], node["geometry"] = self.storage(t)
            return node
        name = self.name_for(path)
        self.arrays[name] = _contiguous(t._data)   # a view: its own elements only
        node["k"] = name
        return node

    def shared(self, t):
        return self._counts.get(id(t._storage), 0) > 1

    def count(self, obj, depth=0):
        """Count tensors per storage, to find the ones that share one."""
        if depth > _MAX_DEPTH:
            return
        if isinstance(obj, Tensor):
            sid = id(obj._storage)
            self._counts[sid] = self._counts.get(sid, 0) + 1
        elif isinstance(obj, dict):
            for v in obj.values():
                self.count(v, depth + 1)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                self.count(v, depth + 1)

    def storage(self, t):
        st = t._storage
        name = self.storages.get(id(st))
        if name is None:
            name = self.name_for(["__storage__", str(len(self.storages))])
            self.arrays[name] = _contiguous(st.array.reshape(-1))
            self.storages[id(st)] = name
        a = t._data
        geometry = [list(a.shape), [s // a.itemsize for s in a.strides], t.storage_offset()]
        return name, geometry


def save(obj, f, *, preserve_sharing=False):
    """Write `obj` (a tensor, or dicts/lists/tuples of tensors and plain values) to `f`, a path
    or a binary file object, as a safetensors file."""
    import safetensors.numpy
    writer = _Writer(preserve_sharing)
    writer._counts = {}
    if preserve_sharing:
        writer.count(obj)
    structure = writer.encode(obj, [])
    metadata = {"format": FORMAT, "insitu.version": FORMAT_VERSION,
                "insitu.structure": json.dumps(structure, separators=(",", ":"))}
    data = safetensors.numpy.save(writer.arrays, metadata=metadata)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            fh.write(data)
    else:
        f.write(data)


# ------------------------------------------------------------------ loading

def _fail(where, why):
    raise SerializationError(f"insitu.load: {where} is not a readable insitu file: {why}")


def _explain(data, where, error):
    """Why the safetensors parser refused `data`: name the usual wrong inputs."""
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        _fail(where, "it is a pickle file; insitu never unpickles raw pickles (that could run "
                     "code): save it again with torch.save's default (zip) format, which "
                     "insitu.load reads without unpickling, or as safetensors")
    if len(data) < 8:
        _fail(where, f"the file is {len(data)} bytes long, too short for a safetensors header")
    _fail(where, f"{type(error).__name__}: {error}")


def _header_metadata(data, where):
    n = int.from_bytes(data[:8], "little")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        _fail(where, f"its header is not valid JSON ({e})")
    if not isinstance(header, dict):
        _fail(where, "its header is not a JSON object")
    meta = header.get("__metadata__") or {}
    if not isinstance(meta, dict):
        _fail(where, "its metadata is not a JSON object")
    return meta


def _arrays(data, where):
    import safetensors
    try:
        entries = safetensors.deserialize(data)
    except Exception as e:      # the Rust parser's SafetensorError (and anything it raises)
        _explain(data, where, e)
    arrays = {}
    for name, info in entries:
        dt = _ST_NAMES.get(info.get("dtype"))
        if dt is None:
            _fail(where, f"tensor {name!r} has dtype {info.get('dtype')!r}, which insitu does "
                         "not support")
        shape = tuple(info["shape"])
        buf = info["data"]
        count = math.prod(shape)
        if len(buf) != count * dt.np.itemsize:
            _fail(where, f"tensor {name!r}: {len(buf)} bytes for shape {list(shape)}")
        arr = xp.frombuffer(buf, dtype=dt.np.newbyteorder("<"), count=count).reshape(shape)
        if not arr.dtype.isnative:
            arr = arr.astype(dt.np)
        if not arr.flags.writeable:
            arr = arr.copy()
        arrays[name] = (arr, dt)
    return arrays


class _Reader:
    def __init__(self, arrays, where):
        self.arrays = arrays
        self.where = where
        self.used = set()

    def bad(self, why):
        _fail(self.where, f"its structure description is invalid: {why}")

    def decode(self, node, depth=0):
        if depth > _MAX_DEPTH:
            self.bad(f"nested deeper than {_MAX_DEPTH} levels")
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            self.bad(f"expected an object with a type tag, got {_short(node)}")
        kind = node["t"]
        handler = getattr(self, "_" + kind, None) if kind.isalpha() else None
        if handler is None:
            self.bad(f"unknown entry type {kind!r}")
        return handler(node, depth)

    def _value(self, node, types):
        v = node.get("v")
        if not isinstance(v, types) or isinstance(v, bool) and bool not in types:
            self.bad(f"{node['t']} entry has a {type(v).__name__} value")
        return v

    def _none(self, node, depth):
        return None

    def _bool(self, node, depth):
        return self._value(node, (bool,))

    def _int(self, node, depth):
        v = self._value(node, (str,))
        if len(v) > 5000 or not v.lstrip("-").isdigit():
            self.bad(f"int entry {v[:40]!r} is not an integer")
        return int(v)

    def _float(self, node, depth):
        v = self._value(node, (str,))
        try:
            return float(v)
        except ValueError:
            self.bad(f"float entry {v[:40]!r} is not a number")

    def _str(self, node, depth):
        return self._value(node, (str,))

    def _dtype(self, node, depth):
        v = self._value(node, (str,))
        for dt in dtypes.ALL:
            if dt.name == v:
                return dt
        self.bad(f"unknown dtype {v[:40]!r}")

    def _list(self, node, depth):
        return [self.decode(v, depth + 1) for v in self._value(node, (list,))]

    def _tuple(self, node, depth):
        return tuple(self._list(node, depth))

    def _dict(self, node, depth, cls=dict):
        out = cls()
        for pair in self._value(node, (list,)):
            if not isinstance(pair, list) or len(pair) != 2:
                self.bad("dict items must be [key, value] pairs")
            key = self.decode(pair[0], depth + 1)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                self.bad(f"dict key of type {type(key).__name__}")
            out[key] = self.decode(pair[1], depth + 1)
        return out

    def _odict(self, node, depth):
        return self._dict(node, depth, OrderedDict)

    def _tensor(self, node, depth):
        if "storage" in node:
            t = self._view(node)
        else:
            name = node.get("k")
            if not isinstance(name, str) or name not in self.arrays:
                self.bad(f"tensor entry refers to a missing tensor {_short(name)}")
            if name in self.used:
                self.bad(f"tensor {name!r} is referenced twice")
            self.used.add(name)
            arr, dt = self.arrays[name]
            t = _owned(arr, dt)
        rg = node.get("rg", False)
        if not isinstance(rg, bool):
            self.bad("requires_grad flag is not a boolean")
        if rg and not t._dtype.is_floating_point:
            self.bad("an integer tensor marked as requiring grad")
        if node.get("param"):
            return Parameter(t, requires_grad=rg)
        return t.requires_grad_(rg) if rg else t

    def _view(self, node):
        name, geometry = node.get("storage"), node.get("geometry")
        if not isinstance(name, str) or name not in self.arrays:
            self.bad(f"view entry refers to a missing storage {_short(name)}")
        if not (isinstance(geometry, list) and len(geometry) == 3
                and all(isinstance(x, list) for x in geometry[:2])
                and isinstance(geometry[2], int) and not isinstance(geometry[2], bool)):
            self.bad("view geometry must be [shape, strides, offset]")
        shape, strides, offset = geometry
        if len(shape) != len(strides) or not all(
                isinstance(x, int) and not isinstance(x, bool) and x >= 0
                for x in shape + strides + [offset]):
            self.bad("view geometry must hold non-negative integers")
        arr, dt = self.arrays[name]
        size = arr.size
        last = offset + sum((n - 1) * s for n, s in zip(shape, strides)) if all(shape) else offset
        if math.prod(shape) and (last >= size or offset >= size):
            self.bad(f"a view reaches element {last} of a storage of {size}")
        base = self.bases.get(name)
        if base is None:
            base = self.bases[name] = _owned(arr, dt)
        return base.as_strided(shape, strides, offset)


def load(data, where):
    """Read what `save` wrote (or any safetensors file, as a flat dict) from `data`, the file's
    bytes. Runs no code."""
    arrays = _arrays(data, where)
    meta = _header_metadata(data, where)
    structure = meta.get("insitu.structure")
    if meta.get("format") != FORMAT or structure is None:
        return {name: _owned(arr, dt) for name, (arr, dt) in arrays.items()}
    if not isinstance(structure, str):
        _fail(where, "its structure description is not a string")
    try:
        tree = json.loads(structure)
    except (ValueError, RecursionError) as e:
        _fail(where, f"its structure description is not valid JSON ({type(e).__name__})")
    reader = _Reader(arrays, where)
    reader.bases = {}
    return reader.decode(tree)
