"""A restricted pickle reader for the data.pkl of PyTorch checkpoints: it runs no code.

Python's `pickle` calls whatever the file names (`os.system`, `builtins.eval`, any class), which
is why loading an untrusted pickle can run anything. This is a separate interpreter of the pickle
opcodes (protocols 2 to 5) that knows no Python globals at all: a GLOBAL opcode is looked up in
`ALLOWED`, a short table of what `torch.save` writes for tensors and plain data (the tensor and
Parameter rebuild functions, storage types, dtypes, `torch.Size`, `torch.device`,
`collections.OrderedDict`, `set`, `frozenset`, `bytearray`, `complex`, and `_codecs.encode` for
bytes), each answered by insitu's own small function that checks its arguments. Anything else
raises `SerializationError` naming the global, before anything is built from it. Opcodes that
build instances (INST, OBJ, NEWOBJ of a class not in the table, EXT*), out-of-band buffers and
the text opcodes of protocols 0 and 1 are refused too. BUILD (setting an object's state) is
accepted only for the attributes PyTorch puts on a state_dict (`_metadata`).

Tensors are not built here: the rebuild functions return `TensorRef` / `ParamRef` records, and
storages `StorageRef` records, that `torch_format` turns into tensors once the whole pickle has
been read and checked. What the calls allowed here may allocate (sets, bytes) is charged against
the size of the pickle, so no file makes the reader allocate more than a small multiple of its
own size.
"""
import _compat_pickle        # Python 2 -> 3 names, as pickle's own unpickler maps them
from collections import OrderedDict
import struct

from ..core import dtypes
from ..core.device import device as _device
from ..core.tensor import Size
from .common import MAX_DEPTH
from .errors import SerializationError


class StorageRef:
    """A storage of the checkpoint: its record key, dtype and element count."""
    __slots__ = ("key", "dtype", "numel")

    def __init__(self, key, dtype, numel):
        self.key, self.dtype, self.numel = key, dtype, numel


class TensorRef:
    """A tensor to make once the storages are read: geometry over a StorageRef."""
    __slots__ = ("storage", "offset", "size", "stride", "requires_grad")

    def __init__(self, storage, offset, size, stride, requires_grad):
        self.storage, self.offset, self.size = storage, offset, size
        self.stride, self.requires_grad = stride, requires_grad


class ParamRef:
    """An nn.Parameter around a TensorRef."""
    __slots__ = ("tensor", "requires_grad")

    def __init__(self, tensor, requires_grad):
        self.tensor, self.requires_grad = tensor, requires_grad


class StorageType:
    """torch.FloatStorage and the like: names the dtype of a storage's elements."""
    __slots__ = ("name", "dtype")

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype


class Allowed:
    """A global the pickle may call: its name (for errors) and insitu's checked stand-in."""
    __slots__ = ("name", "fn")

    def __init__(self, name, fn):
        self.name, self.fn = name, fn


def _refuse(why):
    raise SerializationError(why)


def _ints(x, what):
    if not isinstance(x, tuple) or not all(type(v) is int for v in x):
        _refuse(f"{what} must be a tuple of integers, got {type(x).__name__}")
    return x


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    if not isinstance(storage, StorageRef):
        _refuse(f"a tensor's storage is a {type(storage).__name__}, not a storage")
    if type(storage_offset) is not int or type(requires_grad) is not bool:
        _refuse("a tensor's offset or requires_grad flag has the wrong type")
    size, stride = _ints(tuple(size) if isinstance(size, Size) else size, "size"), \
        _ints(stride, "stride")
    if backward_hooks and not (isinstance(backward_hooks, dict) and not backward_hooks):
        _refuse("a tensor was saved with backward hooks (code); insitu will not load them")
    if metadata is not None and not isinstance(metadata, dict):
        _refuse("a tensor's metadata is not a dict")
    return TensorRef(storage, storage_offset, size, stride, requires_grad)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    if not isinstance(data, TensorRef) or type(requires_grad) is not bool:
        _refuse("a Parameter must wrap a tensor and a requires_grad flag")
    if backward_hooks and not (isinstance(backward_hooks, dict) and not backward_hooks):
        _refuse("a Parameter was saved with backward hooks (code); insitu will not load them")
    return ParamRef(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    if state:
        _refuse("a Parameter was saved with extra Python state; insitu loads plain Parameters")
    return _rebuild_parameter(data, requires_grad, backward_hooks)


def _ordered_dict(*args):
    if args not in ((), ([],)):
        _refuse("collections.OrderedDict is rebuilt from its items, not from arguments")
    return OrderedDict()


def _encode(text, encoding="utf-8"):
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        _refuse("_codecs.encode is accepted only as pickle writes bytes (text, 'latin1')")
    return text.encode("latin1")


def _collection(kind):
    def make(*args):
        if len(args) > 1 or args and not isinstance(args[0], (list, tuple, set, frozenset,
                                                                bytes, bytearray)):
            _refuse(f"{kind.__name__}() from {len(args)} arguments")
        if kind is not bytearray and args and not all(_plain_key(v) for v in args[0]):
            _refuse(f"a {kind.__name__} element that is not a plain value")
        return kind(*args)
    return make


def _complex(real=0.0, imag=0.0):
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (real, imag)):
        _refuse("complex() of something other than two numbers")
    return complex(real, imag)


def _size(dims=()):
    return Size(_ints(tuple(dims) if isinstance(dims, list) else dims, "torch.Size"))


def _torch_device(kind, index=None):
    if not isinstance(kind, str) or index is not None and type(index) is not int:
        _refuse("torch.device() of something other than a name and an index")
    try:
        return _device(kind if index is None else f"{kind}:{index}")
    except RuntimeError as e:
        _refuse(f"the checkpoint holds a device object: {e}")


def _allowed():
    table = {
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
        ("collections", "OrderedDict"): _ordered_dict,
        ("builtins", "set"): _collection(set),
        ("builtins", "frozenset"): _collection(frozenset),
        ("builtins", "bytearray"): _collection(bytearray),
        ("builtins", "complex"): _complex,
        ("_codecs", "encode"): _encode,
        ("torch", "Size"): _size,
        ("torch", "device"): _torch_device,
    }
    out = {key: Allowed(".".join(key), fn) for key, fn in table.items()}
    for dt in dtypes.ALL:      # values, not callables
        out[("torch", dt.name)] = dt
        out[("torch", f"{dt.legacy}Storage")] = StorageType(f"{dt.legacy}Storage", dt)
    out[("torch", "UntypedStorage")] = StorageType("UntypedStorage", dtypes.uint8)
    for name in ("BFloat16", "ComplexFloat", "ComplexDouble", "QInt8", "QUInt8", "QInt32"):
        out[("torch", f"{name}Storage")] = StorageType(f"{name}Storage", None)
    return out


ALLOWED = _allowed()


def find_global(module, name):
    """What GLOBAL `module name` stands for, or SerializationError naming it (by its Python 3
    name: protocol 2 writes Python 2's, `__builtin__.set`, `commands.getoutput`)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    module = _compat_pickle.IMPORT_MAPPING.get(module, module)
    found = ALLOWED.get((module, name))
    if found is None:
        hint = ""
        if module.startswith("torch.nn.modules") or module.startswith("torch.optim"):
            hint = (" (a whole module or optimizer object was saved; save and load its "
                    "state_dict() instead)")
        _refuse(f"the pickle refers to the global {module}.{name}, which insitu.load does not "
                f"allow: it reads only tensors, numbers, strings and dicts/lists/tuples of "
                f"them, and never runs code from a file{hint}")
    return found


_MARK = object()

# opcode -> (name, handler method name); everything else is refused by name
_OPS = {
    0x80: "proto", 0x95: "frame", 0x2E: "stop", 0x28: "mark", 0x30: "pop_op", 0x31: "pop_mark_op",
    0x32: "dup", 0x4E: "none", 0x88: "true", 0x89: "false",
    0x4A: "binint", 0x4B: "binint1", 0x4D: "binint2", 0x8A: "long1", 0x8B: "long4",
    0x47: "binfloat",
    0x58: "binunicode", 0x8C: "short_binunicode", 0x8D: "binunicode8",
    0x42: "binbytes", 0x43: "short_binbytes", 0x8E: "binbytes8",
    0x54: "binstring", 0x55: "short_binstring",
    0x29: "empty_tuple", 0x74: "tuple", 0x85: "tuple1", 0x86: "tuple2", 0x87: "tuple3",
    0x5D: "empty_list", 0x61: "append", 0x65: "appends", 0x6C: "list",
    0x7D: "empty_dict", 0x73: "setitem", 0x75: "setitems", 0x64: "dict",
    0x8F: "empty_set", 0x90: "additems", 0x91: "frozenset",
    0x71: "binput", 0x72: "long_binput", 0x94: "memoize", 0x68: "binget", 0x6A: "long_binget",
    0x63: "global", 0x93: "stack_global", 0x52: "reduce", 0x81: "newobj", 0x62: "build",
    0x51: "binpersid",
}


class Unpickler:
    """Reads one pickle from `data` (bytes); `persistent_load(pid)` answers BINPERSID."""

    def __init__(self, data, persistent_load):
        self.data = data
        self.pos = 0
        self.persistent_load = persistent_load
        self.budget = 4 * len(data) + 4096     # elements the allowed calls may make, in all
        self.made = []                         # the TensorRefs and ParamRefs, in order

    def load(self):
        stack, marks, memo = [], [], {}
        self.stack, self.marks, self.memo = stack, marks, memo
        data = self.data
        while True:
            if self.pos >= len(data):
                _refuse("the pickle is truncated (no STOP opcode)")
            code = data[self.pos]
            self.pos += 1
            name = _OPS.get(code)
            if name is None:
                _refuse(f"the pickle uses opcode {bytes([code])!r}, which insitu.load does not "
                        "accept (it builds objects or is not written by torch.save)")
            if name == "stop":
                if len(stack) != 1 or marks:
                    _refuse("the pickle's stack is not a single value at STOP")
                return stack[0]
            getattr(self, "_" + name)()

    # ---------------------------------------------------------------- reading bytes
    def _take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            _refuse(f"the pickle is truncated (an opcode needs {n} bytes, "
                    f"{len(self.data) - self.pos} remain)")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def _uint(self, n):
        return int.from_bytes(self._take(n), "little")

    def _line(self):
        end = self.data.find(b"\n", self.pos, self.pos + 1024)
        if end < 0:
            _refuse("the pickle is truncated or a global's name is too long")
        text = self.data[self.pos:end]
        self.pos = end + 1
        try:
            return text.decode("ascii")
        except UnicodeDecodeError:
            _refuse("a global's name is not ASCII")

    def _pop_mark(self):
        if not self.marks:
            _refuse("the pickle uses a MARK that was never set")
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def _top(self, kind, what):
        if not self.stack:
            _refuse("the pickle's stack is empty where a value was expected")
        obj = self.stack[-1]
        if not isinstance(obj, kind):
            _refuse(f"{what} applied to a {type(obj).__name__}")
        return obj

    def _pop_value(self):
        if len(self.stack) <= (self.marks[-1] if self.marks else 0):
            _refuse("the pickle's stack is empty where a value was expected")
        return self.stack.pop()

    def _charge(self, n):
        self.budget -= n
        if self.budget < 0:
            _refuse("the pickle builds more than its own size allows")

    # ---------------------------------------------------------------- opcodes
    def _proto(self):
        if self._uint(1) > 5:
            _refuse("the pickle's protocol is newer than 5")

    def _frame(self):
        self._uint(8)            # a framing hint only

    def _mark(self):
        self.marks.append(len(self.stack))

    def _pop_op(self):
        self._pop_value()

    def _pop_mark_op(self):
        self._pop_mark()

    def _dup(self):
        self.stack.append(self._top(object, "DUP"))

    def _none(self):
        self.stack.append(None)

    def _true(self):
        self.stack.append(True)

    def _false(self):
        self.stack.append(False)

    def _binint(self):
        self.stack.append(struct.unpack("<i", self._take(4))[0])

    def _binint1(self):
        self.stack.append(self._uint(1))

    def _binint2(self):
        self.stack.append(self._uint(2))

    def _long1(self):
        self.stack.append(int.from_bytes(self._take(self._uint(1)), "little", signed=True))

    def _long4(self):
        n = struct.unpack("<i", self._take(4))[0]
        if n > 4096:
            _refuse("the pickle holds an integer of more than 4096 bytes")
        self.stack.append(int.from_bytes(self._take(n), "little", signed=True))

    def _binfloat(self):
        self.stack.append(struct.unpack(">d", self._take(8))[0])

    def _text(self, n):
        try:
            self.stack.append(str(self._take(n), "utf-8", "surrogatepass"))
        except UnicodeDecodeError:
            _refuse("the pickle holds a string that is not valid UTF-8")

    def _binunicode(self):
        self._text(self._uint(4))

    def _short_binunicode(self):
        self._text(self._uint(1))

    def _binunicode8(self):
        self._text(self._uint(8))

    def _binbytes(self):
        self.stack.append(bytes(self._take(self._uint(4))))

    def _short_binbytes(self):
        self.stack.append(bytes(self._take(self._uint(1))))

    def _binbytes8(self):
        self.stack.append(bytes(self._take(self._uint(8))))

    def _ascii(self, n):
        try:
            self.stack.append(str(self._take(n), "ascii"))
        except UnicodeDecodeError:
            _refuse("the pickle holds a Python 2 string that is not ASCII")

    def _binstring(self):
        self._ascii(struct.unpack("<i", self._take(4))[0])

    def _short_binstring(self):
        self._ascii(self._uint(1))

    def _empty_tuple(self):
        self.stack.append(())

    def _tuple(self):
        self.stack.append(tuple(self._pop_mark()))

    def _tupleN(self, n):
        if len(self.stack) - (self.marks[-1] if self.marks else 0) < n:
            _refuse("the pickle's stack is empty where a value was expected")
        items = tuple(self.stack[-n:])
        del self.stack[-n:]
        self.stack.append(items)

    def _tuple1(self):
        self._tupleN(1)

    def _tuple2(self):
        self._tupleN(2)

    def _tuple3(self):
        self._tupleN(3)

    def _empty_list(self):
        self.stack.append([])

    def _list(self):
        self.stack.append(self._pop_mark())

    def _append(self):
        value = self._pop_value()
        self._top(list, "APPEND").append(value)

    def _appends(self):
        items = self._pop_mark()
        self._top(list, "APPENDS").extend(items)

    def _empty_dict(self):
        self.stack.append({})

    def _set_items(self, target, items):
        if len(items) % 2:
            _refuse("SETITEMS with an odd number of values")
        for k, v in zip(items[::2], items[1::2]):
            if not _plain_key(k):
                _refuse(f"a dict key of type {type(k).__name__}")
            target[k] = v

    def _dict(self):
        d = {}
        self._set_items(d, self._pop_mark())
        self.stack.append(d)

    def _setitem(self):
        v, k = self._pop_value(), self._pop_value()
        self._set_items(self._top(dict, "SETITEM"), [k, v])

    def _setitems(self):
        items = self._pop_mark()
        self._set_items(self._top(dict, "SETITEMS"), items)

    def _empty_set(self):
        self.stack.append(set())

    def _additems(self):
        items = self._pop_mark()
        target = self._top(set, "ADDITEMS")
        for item in items:
            if not _plain_key(item):
                _refuse(f"a set element of type {type(item).__name__}")
            target.add(item)

    def _frozenset(self):
        items = self._pop_mark()
        if not all(_plain_key(i) for i in items):
            _refuse("a frozenset element that is not a plain value")
        self.stack.append(frozenset(items))

    def _put(self, index):
        self.memo[index] = self._top(object, "PUT")

    def _binput(self):
        self._put(self._uint(1))

    def _long_binput(self):
        self._put(self._uint(4))

    def _memoize(self):
        self._put(len(self.memo))

    def _get(self, index):
        if index not in self.memo:
            _refuse(f"the pickle reads memo entry {index}, which was never written")
        self.stack.append(self.memo[index])

    def _binget(self):
        self._get(self._uint(1))

    def _long_binget(self):
        self._get(self._uint(4))

    def _global(self):
        module = self._line()
        self.stack.append(find_global(module, self._line()))

    def _stack_global(self):
        name, module = self._pop_value(), self._pop_value()
        if not isinstance(module, str) or not isinstance(name, str):
            _refuse("STACK_GLOBAL of something other than two strings")
        self.stack.append(find_global(module, name))

    def _call(self, what):
        args = self._pop_value()
        fn = self._pop_value()
        if not isinstance(fn, Allowed):
            _refuse(f"{what} calls a {type(fn).__name__}, which is not an allowed global")
        if not isinstance(args, tuple):
            _refuse(f"{what} of {fn.name} with arguments that are not a tuple")
        self._charge(sum(len(a) if hasattr(a, "__len__") else 1 for a in args) + 1)
        try:
            result = fn.fn(*args)
        except TypeError:
            _refuse(f"{fn.name} called with {len(args)} arguments of the wrong kind")
        if isinstance(result, (TensorRef, ParamRef)):
            self.made.append(result)
        self.stack.append(result)

    def _reduce(self):
        self._call("REDUCE")

    def _newobj(self):
        self._call("NEWOBJ")

    def _build(self):
        state = self._pop_value()
        target = self._top(object, "BUILD")
        if not isinstance(target, OrderedDict) or not isinstance(state, dict):
            _refuse(f"BUILD (setting an object's state) of a {type(target).__name__}; insitu "
                    "accepts it only for a state_dict's _metadata")
        for key, value in state.items():
            if key != "_metadata":
                _refuse(f"BUILD sets attribute {str(key)[:40]!r} of a dict; insitu accepts "
                        "only _metadata")
            target._metadata = value

    def _binpersid(self):
        pid = self._pop_value()
        self.stack.append(self.persistent_load(pid))


def _plain_key(k, depth=0):
    """A value that may be a dict key or set element: plain, and nested only so deep (hashing
    a tuple nested a million deep would overflow the C stack)."""
    if k is None or isinstance(k, (bool, int, float, complex, str, bytes)):
        return True
    return (depth < MAX_DEPTH and isinstance(k, (tuple, frozenset))
            and all(_plain_key(v, depth + 1) for v in k))
