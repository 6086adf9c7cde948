"""PyTorch checkpoints both ways: insitu.load reads what torch.save writes, torch.load reads
what insitu.save(format="torch") writes; hostile and damaged checkpoints give a
SerializationError, run nothing and allocate nothing beyond the file."""
from collections import OrderedDict
import io
import math
import os
import pickle
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings, HealthCheck, strategies as st

import insitu
import insitu.nn as nn
from insitu.serialization import SerializationError, torch_format

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _zip(pkl, records=None, prefix="archive/", compress=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as zf:
        zf.writestr(prefix + "data.pkl", pkl)
        for name, data in (records or {}).items():
            zf.writestr(prefix + name, data)
        zf.writestr(prefix + "byteorder", b"little")
        zf.writestr(prefix + "version", b"3\n")
    return buf.getvalue()


def _load(data):
    return insitu.load(io.BytesIO(data))


# a plain pickle of {"w": tensor} as torch.save writes it, over storage "0" of two floats
_TENSOR_PKL = (b"\x80\x02}X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00"
               b"storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x00"
               b"K\x02\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtRs.")
_STORAGE = {"data/0": np.array([1.5, -2.0], np.float32).tobytes()}


def test_the_hand_written_pickle_is_what_torch_save_writes():
    assert _load(_zip(_TENSOR_PKL, _STORAGE))["w"].tolist() == [1.5, -2.0]


# ------------------------------------------------------------------ torch.save -> insitu.load

@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def test_a_pytorch_state_dict_loads_into_an_insitu_model(torch, tmp_path):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                             torch.nn.Linear(4, 2))
    tm(torch.randn(8, 3))                                   # running stats move
    tm.eval()
    path = tmp_path / "model.pt"
    torch.save(tm.state_dict(), path)
    sd = insitu.load(path)
    assert isinstance(sd, OrderedDict) and list(sd) == list(tm.state_dict())
    assert sd._metadata == tm.state_dict()._metadata
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    m.load_state_dict(sd)
    m.eval()
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(m(insitu.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_nested_values_dtypes_views_and_sharing(torch):
    base = torch.arange(12.0).reshape(3, 4)
    tied = torch.ones(2)
    obj = {"nested": [1, 2.5, "s", None, True, (3, [4, {"deep": torch.tensor(7)}])],
           "big": 2 ** 100, "neg": -2 ** 40, "nan": float("nan"), "inf": -float("inf"),
           "bytes": b"\x00\xff", "set": {1, 2}, "frozen": frozenset({"a"}), "c": 1 + 2j,
           "dtype": torch.float16, "size": torch.Size([2, 3]), "dev": torch.device("cpu"),
           "base": base, "row": base[1], "t": base.t(), "strided": base[:, ::2],
           "tied": tied, "tied_again": tied, "empty": torch.zeros(0, 3), "scalar": torch.tensor(2.5),
           "param": torch.nn.Parameter(torch.ones(2)), "leaf": torch.ones(3, requires_grad=True),
           "od": OrderedDict(b=1, a=2)}
    obj.update({f"d_{n}": (torch.arange(6) % 3).to(getattr(torch, n)) for n in DTYPES})
    buf = io.BytesIO()
    torch.save(obj, buf)
    got = _load(buf.getvalue())
    assert got["nested"][:5] == [1, 2.5, "s", None, True]
    assert got["nested"][5][1][1]["deep"].item() == 7 and isinstance(got["nested"][5], tuple)
    assert got["big"] == 2 ** 100 and got["neg"] == -2 ** 40 and math.isnan(got["nan"])
    assert got["bytes"] == b"\x00\xff" and got["set"] == {1, 2} and got["c"] == 1 + 2j
    assert got["frozen"] == frozenset({"a"}) and got["inf"] == -float("inf")
    assert got["dtype"] is insitu.float16 and got["size"] == insitu.Size([2, 3])
    assert got["dev"] == insitu.device("cpu") and list(got["od"]) == ["b", "a"]
    for k in ("base", "row", "t", "strided", "empty", "scalar"):
        assert got[k].tolist() == obj[k].tolist() and got[k].stride() == obj[k].stride(), k
    got["base"][1, 0] = -1.0                    # views share their storage again
    assert got["row"][0].item() == -1.0 and got["t"][0, 1].item() == -1.0
    assert got["tied"] is got["tied_again"]
    assert type(got["param"]) is nn.Parameter and got["param"].requires_grad
    assert got["leaf"].requires_grad and got["leaf"].is_leaf
    for n in DTYPES:
        t = got[f"d_{n}"]
        assert t.dtype is getattr(insitu, n) and t.tolist() == obj[f"d_{n}"].tolist()
        t.add_(1) if n != "bool" else t.logical_not_()             # writable, own memory


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_every_pickle_protocol_torch_writes(torch, protocol):
    buf = io.BytesIO()
    obj = {"w": torch.arange(4.0), "l": [torch.ones(1), {1: "x"}], "s": {3}}
    torch.save(obj, buf, pickle_protocol=protocol)
    got = _load(buf.getvalue())
    assert got["w"].tolist() == [0, 1, 2, 3] and got["l"][1] == {1: "x"} and got["s"] == {3}


def test_a_whole_module_or_arbitrary_object_is_refused_by_name(torch, tmp_path):
    path = tmp_path / "whole.pt"
    torch.save(torch.nn.Linear(2, 2), path)
    with pytest.raises(SerializationError, match=r"torch\.nn\.modules\.linear\.Linear.*"
                                                 r"save and load its state_dict\(\) instead"):
        insitu.load(path)
    buf = io.BytesIO()
    torch.save({"opt": np.float64(1.0)}, buf)
    with pytest.raises(SerializationError, match="numpy"):
        _load(buf.getvalue())


# ------------------------------------------------------------------ insitu.save -> torch.load

def test_torch_load_reads_what_insitu_saves(torch, tmp_path):
    base = insitu.arange(12.0).reshape(3, 4)
    tied = insitu.ones(2)
    obj = {"base": base, "row": base[1], "t": base.t(), "tied": tied, "again": tied,
           "param": nn.Parameter(insitu.ones(2)), "leaf": insitu.ones(2, requires_grad=True),
           "nested": [1, -5, 70000, 2 ** 70, 2.5, "é", None, (True, False)],
           "od": OrderedDict(z=insitu.tensor(3)), "dt": insitu.float64, "empty": insitu.zeros(0),
           "scalar": insitu.tensor(1.5)}
    obj.update({f"d_{n}": (insitu.arange(6) % 3).to(getattr(insitu, n)) for n in DTYPES})
    path = tmp_path / "model.pt"
    insitu.save(obj, path, format="torch")
    got = torch.load(path, weights_only=True)
    for k in ("base", "row", "t", "empty", "scalar"):
        assert got[k].tolist() == obj[k].tolist() and got[k].stride() == obj[k].stride(), k
    got["base"][1, 0] = -1.0
    assert got["row"][0].item() == -1.0 and got["again"] is got["tied"]
    assert type(got["param"]) is torch.nn.Parameter and got["leaf"].requires_grad
    assert got["nested"] == [1, -5, 70000, 2 ** 70, 2.5, "é", None, (True, False)]
    assert isinstance(got["od"], OrderedDict) and got["dt"] is torch.float64
    for n in DTYPES:
        assert got[f"d_{n}"].dtype is getattr(torch, n)
        assert got[f"d_{n}"].tolist() == obj[f"d_{n}"].tolist()
    mm = torch.load(path, weights_only=True, mmap=True)      # records are aligned for mmap
    assert mm["base"].tolist() == obj["base"].tolist()
    back = insitu.load(path)
    assert back["t"].tolist() == obj["t"].tolist() and back["again"] is back["tied"]


def test_an_insitu_state_dict_loads_into_a_pytorch_model(torch):
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    buf = io.BytesIO()
    insitu.save(m.state_dict(), buf, format="torch")
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tm.load_state_dict(torch.load(io.BytesIO(buf.getvalue()), weights_only=True))
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(tm(torch.tensor(x)).detach().numpy(),
                               m(insitu.tensor(x)).detach().numpy(), rtol=1e-6)


def test_saving_to_streams_and_odd_memory():
    class Stream:                                  # write-only, not seekable
        def __init__(self):
            self.chunks = []

        def write(self, b):
            self.chunks.append(bytes(b))

        def seekable(self):
            return False
    s = Stream()
    strided = np.arange(10.0)[::2]                 # a from_numpy tensor over strided memory
    insitu.save({"a": insitu.from_numpy(strided)}, s, format="torch")
    assert _load(b"".join(s.chunks))["a"].tolist() == strided.tolist()
    with pytest.raises(TypeError, match="insitu.save can only store"):
        insitu.save({"f": len}, io.BytesIO(), format="torch")
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        insitu.save(loop, io.BytesIO(), format="torch")


def test_format_choice_and_the_pt_warning(tmp_path):
    t = {"w": insitu.ones(2)}
    with pytest.warns(UserWarning, match="torch.load will not read it. Pass format='torch'"):
        insitu.save(t, tmp_path / "a.pt")
    with pytest.warns(UserWarning, match="safetensors format to"):
        insitu.save(t, str(tmp_path / "a.pth"))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        insitu.save(t, tmp_path / "a.safetensors")
        insitu.save(t, tmp_path / "b.pt", format="torch")
    assert insitu.load(tmp_path / "a.pt")["w"].tolist() == [1.0, 1.0]
    assert insitu.load(tmp_path / "b.pt")["w"].tolist() == [1.0, 1.0]
    assert (tmp_path / "b.pt").read_bytes()[:4] == b"PK\x03\x04"
    with pytest.raises(ValueError, match="format must be one of"):
        insitu.save(t, tmp_path / "c", format="pickle")


# ------------------------------------------------------------------ hostile checkpoints

class _System:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _Eval:
    def __reduce__(self):
        return (eval, ("__import__('os').getcwd()",))


class _Nested:
    """A tensor rebuild whose arguments hide a call to subprocess."""
    def __reduce__(self):
        import subprocess
        return (OrderedDict, (), None, None, iter([("k", _Call(subprocess.check_output,
                                                              (["true"],)))]))


class _Call:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def test_code_in_a_checkpoint_is_refused_by_name_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    for payload, name in [(_System(marker), "posix.system"), (_Eval(), "builtins.eval"),
                          (_Nested(), "subprocess.check_output"),
                          (_Call(getattr, ("", "join")), "builtins.getattr"),
                          (_Call(__import__, ("os",)), "builtins.__import__")]:
        for protocol in (2, 4):
            data = _zip(pickle.dumps({"w": payload}, protocol=protocol))
            with pytest.raises(SerializationError, match=name.replace(".", r"\.")):
                _load(data)
    assert not marker.exists()


_MALFORMED = [
    (pickle.dumps({"a": 1}, protocol=0), "opcode"),                  # text opcodes
    (b"\x80\x02ccollections\nOrderedDict\nX\x01\x00\x00\x00x\x85R.", "OrderedDict is rebuilt"),
    (b"\x80\x02ccollections\nOrderedDict\n)R}X\x09\x00\x00\x00__class__Nsb.", "only _metadata"),
    (b"\x80\x02]}b.", "BUILD"),
    (b"\x80\x02N)R.", "calls a NoneType"),
    (b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00utf_8\x86R.", "latin1"),
    (b"\x80\x02ctorch\nBFloat16Storage\n.", "as a value"),
    (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n.", "as a value"),
    (b"\x80\x02ctorch\ndevice\nX\x04\x00\x00\x00cuda\x85R.", "CPU only"),
    (b"\x80\x02((X\x07\x00\x00\x00storagectorch\nBFloat16Storage\nX\x01\x00\x00\x000"
     b"X\x03\x00\x00\x00cpuK\x01tQ.", "bfloat16|BFloat16"),
    (b"\x80\x02((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x009"
     b"X\x03\x00\x00\x00cpuK\x01tQ.", "no record"),
    (b"\x80\x02X\x04\x00\x00\x00evilQ.", "persistent id"),
    (b"\x80\x02.", "not a single value"),
    (b"\x80\x02NN.", "not a single value"),
    (b"\x80\x02a.", "stack is empty"),
    (b"\x80\x02h\x05.", "never written"),
    (b"\x80\x02N(Ne.", "APPENDS applied"),
    (b"\x80\x02]q\x00h\x00a.", "contains itself"),
    (b"\x80\x02}]Ns.", "dict key of type list"),
    (b"\x80\x02X\xff\xff\xff\x7fab.", "truncated"),
    (b"\x80\x02\x8b\xff\xff\xff\x7f.", "more than 4096 bytes"),
    (b"\x80\x02\x8d\xff\xff\xff\xff\xff\xff\xff\x7f.", "truncated"),
    (b"\x80\x02K\x01", "no STOP"),
    (b"\x80\x06N.", "protocol"),
    (b"\x80\x02" + b"]" * 100000 + b"a" * 99999 + b".", "deeper than 200"),
    (b"\x80\x02}" + b")" + b"\x85" * 100000 + b"Ns.", "dict key of type tuple"),
    (b"\x80\x02c__builtin__\nset\n]" + b"]a" * 10 + b"\x85R.", "not a plain value"),
    (b"\x80\x02c__builtin__\nset\n])" + b"\x85" * 100000 + b"a\x85R.", "not a plain value"),
    (b"\x80\x02c__builtin__\nbytearray\n]X\x01\x00\x00\x00aa\x85R.", "wrong kind"),
]


@pytest.mark.parametrize("pkl,match", _MALFORMED, ids=[m for _, m in _MALFORMED])
def test_malformed_pickles_give_a_clear_error(pkl, match):
    with pytest.raises(SerializationError, match=match):
        _load(_zip(pkl, _STORAGE))


def test_huge_declared_sizes_allocate_nothing():
    def tensor_pkl(numel, size, stride, offset=0):
        shape = b"(" + b"".join(b"J" + int(v).to_bytes(4, "little", signed=True) for v in size)
        strides = b"(" + b"".join(b"J" + int(v).to_bytes(4, "little", signed=True)
                                  for v in stride)
        return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage"
                b"ctorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu\x8a\x08"
                + int(numel).to_bytes(8, "little") + b"tQK\x00" + shape + b"t" + strides
                + b"t\x89ccollections\nOrderedDict\n)RtR.")
    cases = [
        (tensor_pkl(2 ** 50, [2 ** 25, 2 ** 25], [2 ** 25, 1]), "declares"),
        (tensor_pkl(2, [2 ** 30, 2 ** 30], [1, 1]), "reaches past"),
        (tensor_pkl(2, [2 ** 30, 2 ** 30, 2 ** 30], [0, 0, 0]), "reaches past"),
        (tensor_pkl(2, [3], [1], 0), "reaches past"),
    ]
    tracemalloc.start()
    try:
        for pkl, match in cases:
            with pytest.raises(SerializationError, match=match):
                _load(_zip(pkl, _STORAGE))
        # a zip directory that claims a record of a terabyte
        good = bytearray(_zip(_TENSOR_PKL, _STORAGE))
        at = good.rindex(b"PK\x01\x02" )            # the last central directory entry
        first = good.index(b"PK\x01\x02")
        good[first + 24:first + 28] = (2 ** 32 - 1).to_bytes(4, "little")   # file size
        with pytest.raises(SerializationError, match="declares|damaged"):
            _load(bytes(good))
        assert at > first
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 ** 22, peak


def test_malformed_archives_give_a_clear_error():
    good = _zip(_TENSOR_PKL, _STORAGE)
    cases = [
        (b"PK\x03\x04" + b"\x00" * 50, "zip archive is damaged"),
        (_zip(_TENSOR_PKL, _STORAGE, compress=zipfile.ZIP_DEFLATED), "compressed"),
        (_zip(_TENSOR_PKL, {}), "no record"),
        (_zip(_TENSOR_PKL, {"data/0": b"\x00" * 4}), "its record holds 4 bytes"),
    ]
    two = io.BytesIO()
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("a/data.pkl", _TENSOR_PKL)
        zf.writestr("b/data.pkl", _TENSOR_PKL)
    cases.append((two.getvalue(), "2 data.pkl records"))
    none = io.BytesIO()
    with zipfile.ZipFile(none, "w") as zf:
        zf.writestr("a/other", b"x")
    cases.append((none.getvalue(), "no data.pkl"))
    damaged = bytearray(good)
    damaged[damaged.index(_STORAGE["data/0"])] ^= 0xFF         # one byte of the storage
    cases.append((bytes(damaged), "CRC mismatch"))
    for data, match in cases:
        with pytest.raises(SerializationError, match=match):
            _load(data)


def test_truncated_checkpoints_always_fail_cleanly():
    data = _zip(_TENSOR_PKL, _STORAGE)
    for cut in range(0, len(data) - 1, 5):
        with pytest.raises(SerializationError):
            _load(data[:cut] if cut >= 4 else b"PK\x03\x04"[:cut] + b"PK\x03\x04")


_VALID = _zip(_TENSOR_PKL, _STORAGE)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_mutated_checkpoints_only_raise_serialization_error(data):
    raw = bytearray(_VALID)
    for _ in range(data.draw(st.integers(1, 6))):
        op = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        pos = data.draw(st.integers(4, len(raw) - 1))
        if op == "flip":
            raw[pos] = data.draw(st.integers(0, 255))
        elif op == "insert":
            raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
        else:
            del raw[pos:pos + data.draw(st.integers(1, 8))]
    try:
        _load(bytes(raw))
    except SerializationError:
        pass


_PIECES = [b"N", b"\x88", b"K\x02", b"J\xff\xff\xff\xff", b"\x8a\x01\x80", b"G" + b"\x00" * 8,
           b"X\x01\x00\x00\x00a", b"X\x01\x00\x00\x000", b"X\x07\x00\x00\x00storage",
           b"X\x03\x00\x00\x00cpu", b"C\x01z", b"(", b"t", b")", b"\x85", b"\x86", b"\x87",
           b"]", b"a", b"e", b"l", b"}", b"s", b"u", b"d", b"\x8f", b"\x90", b"\x91", b"0",
           b"1", b"2", b"q\x00", b"q\x01", b"h\x00", b"h\x01", b"\x94", b"R", b"b", b"Q",
           b"\x81", b"ccollections\nOrderedDict\n", b"c__builtin__\nset\n",
           b"c__builtin__\nfrozenset\n", b"ctorch._utils\n_rebuild_tensor_v2\n",
           b"ctorch._utils\n_rebuild_parameter\n", b"ctorch\nFloatStorage\n",
           b"ctorch\nSize\n", b"ctorch\nfloat32\n", b"c_codecs\nencode\n", b"cos\nsystem\n",
           b"\x93", b"i", b"o", b"\x82\x01"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.booleans())
def test_fuzz_random_pickles_only_raise_serialization_error(pieces, with_tensor):
    pkl = b"\x80\x02" + b"".join(pieces) + b"."
    if with_tensor:
        pkl = _TENSOR_PKL[:-1] + b"".join(pieces) + b"."
    try:
        _load(_zip(pkl, _STORAGE))
    except SerializationError:
        pass


def test_only_the_zip_sniffer_decides_the_format():
    assert torch_format.is_zip(b"PK\x03\x04rest") and not torch_format.is_zip(b"\x80\x02")


def test_file_objects_are_read_in_place_and_legacy_pickles_refused(tmp_path, torch):
    path = tmp_path / "m.pt"
    torch.save({"w": torch.arange(3.0)}, path)
    with open(path, "rb") as fh:
        assert insitu.load(fh)["w"].tolist() == [0.0, 1.0, 2.0]
    legacy = tmp_path / "legacy.pt"
    torch.save({"w": torch.ones(1)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(SerializationError, match="torch.save's default \\(zip\\) format"):
        insitu.load(legacy)
