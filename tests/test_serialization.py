"""insitu.save / insitu.load: safetensors round trips, views, sharing, and hostile files."""
from collections import OrderedDict
import io
import json
import pickle
import struct

import numpy as np
import pytest
from hypothesis import given, settings, HealthCheck, strategies as st

import insitu
import insitu.nn as nn
import insitu.optim as optim
from insitu import serialization as S
from insitu.serialization import SerializationError


def round_trip(obj, **kwargs):
    buf = io.BytesIO()
    S.save(obj, buf, **kwargs)
    return S.load(io.BytesIO(buf.getvalue())), buf.getvalue()


def assert_same(a, b):
    if isinstance(a, insitu.Tensor):
        assert isinstance(b, insitu.Tensor) and type(a) is type(b)
        assert a.dtype is b.dtype and a.shape == b.shape
        assert a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert type(a) is type(b) and a == b


DTYPES = [insitu.float32, insitu.float64, insitu.float16, insitu.int64, insitu.int32,
          insitu.int16, insitu.int8, insitu.uint8, insitu.bool]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 4), (2, 3, 4)])
def test_tensor_round_trip_every_dtype_and_shape(dtype, shape):
    t = (insitu.arange(int(np.prod(shape)) if shape else 1) % 3).reshape(shape).to(dtype)
    back, _ = round_trip(t)
    assert_same(t, back)
    back.add_(1) if dtype is not insitu.bool else back.logical_not_()   # writable, own memory


def test_model_and_optimizer_checkpoint_round_trip(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    model(insitu.randn(5, 3)).sum().backward()
    opt.step()
    ckpt = {"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 7,
            "best": float("inf"), "history": [0.5, float("nan")], "note": "é ü ✓",
            "flags": (True, None), 10 ** 30: "big int key"}
    path = tmp_path / "ckpt.safetensors"
    insitu.serialization.save(ckpt, path)
    back = insitu.serialization.load(path)
    assert_same(ckpt, back)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    assert repr(fresh.load_state_dict(back["model"])) == "<All keys matched successfully>"
    fresh_opt = optim.Adam(fresh.parameters(), lr=0.01, amsgrad=True)
    fresh_opt.load_state_dict(back["optim"])
    assert fresh_opt.state_dict()["param_groups"] == opt.state_dict()["param_groups"]


def test_file_is_plain_safetensors_with_flattened_names():
    from safetensors.numpy import load as st_load
    sd = OrderedDict([("layer.weight", insitu.ones(2, 2)), ("layer.bias", insitu.zeros(2))])
    _, data = round_trip({"model": sd, "step": insitu.tensor(3)})
    arrays = st_load(data)
    assert sorted(arrays) == ["model.layer.bias", "model.layer.weight", "step"]
    header = json.loads(data[8:8 + struct.unpack("<Q", data[:8])[0]])
    assert header["__metadata__"]["format"] == "insitu"


def test_foreign_safetensors_file_loads_as_flat_dict():
    from safetensors.numpy import save as st_save
    data = st_save({"a": np.arange(3, dtype=np.float32), "b.c": np.ones((2, 2), np.int64)})
    out = S.load(io.BytesIO(data))
    assert sorted(out) == ["a", "b.c"] and out["a"].tolist() == [0.0, 1.0, 2.0]


def test_colliding_flat_names_are_kept_apart():
    obj = {"a.b": insitu.ones(1), "a": {"b": insitu.zeros(1)}}
    back, _ = round_trip(obj)
    assert back["a.b"].item() == 1.0 and back["a"]["b"].item() == 0.0


def test_parameters_and_requires_grad_survive():
    p = nn.Parameter(insitu.randn(3))
    t = insitu.randn(2, requires_grad=True)
    back, _ = round_trip([p, t, p.detach()])
    assert type(back[0]) is nn.Parameter and back[0].requires_grad
    assert back[1].requires_grad and back[1].is_leaf and not back[2].requires_grad


def test_a_view_saves_only_its_own_elements():
    big = insitu.arange(100000, dtype=insitu.float32)
    _, small = round_trip(big[:10])
    _, strided = round_trip(big[::10000])
    assert len(small) < 1000 and len(strided) < 1000
    back, _ = round_trip(big[::10000])
    assert back.tolist() == list(range(0, 100000, 10000))
    t = insitu.arange(12.0).reshape(3, 4).t()            # non-contiguous
    back, _ = round_trip(t)
    assert back.tolist() == t.tolist() and back.is_contiguous()


def test_preserve_sharing_restores_views_of_one_buffer():
    a = insitu.arange(6.0)
    view = a[2:4]
    (x, y), data = round_trip([a, view], preserve_sharing=True)
    assert x.tolist() == a.tolist() and y.tolist() == [2.0, 3.0]
    x.add_(10)
    assert y.tolist() == [12.0, 13.0]                     # shared again
    (x2, y2), data2 = round_trip([a, view])
    x2.add_(10)
    assert y2.tolist() == [2.0, 3.0]                      # default: independent copies
    assert len(data) < len(data2) + 200


def test_unsupported_objects_are_refused_at_save():
    class Thing:
        pass
    for bad in [Thing(), {"f": lambda: 0}, {1, 2}, {(1, 2): insitu.ones(1)}]:
        with pytest.raises(TypeError, match="insitu.save"):
            S.save(bad, io.BytesIO())


class _Evil:
    def __reduce__(self):
        return (exec, ("import sys; sys.modules['__main__'].PWNED = True",))


def test_pickle_files_are_refused_without_running_code_and_torch_checkpoints_load(tmp_path):
    import sys
    payload = pickle.dumps({"w": _Evil()})
    with pytest.raises(SerializationError, match="pickle file; insitu never unpickles"):
        S.load(io.BytesIO(payload))
    assert not hasattr(sys.modules["__main__"], "PWNED")
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    assert S.load(path)["w"].tolist() == [1.0, 1.0]     # read without unpickling (torch_format)


def _valid_file():
    _, data = round_trip({"w": insitu.arange(6.0).reshape(2, 3), "n": 3, "l": [insitu.ones(2)]})
    return data


def _with_metadata(structure_json):
    from safetensors.numpy import save as st_save
    return st_save({"x": np.ones(2, np.float32)},
                   metadata={"format": "insitu", "insitu.version": "1",
                             "insitu.structure": structure_json})


@pytest.mark.parametrize("data,match", [
    (b"", "too short"),
    (b"\x00" * 8, "SafetensorError"),
    (struct.pack("<Q", 2 ** 40) + b"{}", "SafetensorError"),
    (struct.pack("<Q", 10) + b"not json!!", "SafetensorError"),
    (_with_metadata("{not json"), "not valid JSON"),
    (_with_metadata('{"t":"tensor","k":"missing"}'), "missing tensor"),
    (_with_metadata('{"t":"os.system","v":"ls"}'), "unknown entry type"),
    (_with_metadata('{"t":"__import__"}'), "unknown entry type"),
    (_with_metadata('{"t":"int","v":"12abc"}'), "not an integer"),
    (_with_metadata('{"t":"list","v":[{"t":"tensor","k":"x"},{"t":"tensor","k":"x"}]}'),
     "referenced twice"),
    (_with_metadata('{"t":"dict","v":[[{"t":"list","v":[]},{"t":"none"}]]}'), "dict key"),
    (_with_metadata("[" * 100000 + "]" * 100000), "not valid JSON"),
    (_with_metadata('{"t":"tensor","storage":"x","geometry":[[5],[1],0]}'),
     "reaches element"),
    (_with_metadata('{"t":"tensor","storage":"x","geometry":[[2],[-1],1]}'),
     "non-negative"),
])
def test_malformed_and_hostile_files_give_a_clear_error(data, match):
    with pytest.raises(SerializationError, match=match):
        S.load(io.BytesIO(data))


def test_truncated_files_always_fail_cleanly():
    data = _valid_file()
    for cut in range(0, len(data), 7):
        with pytest.raises(SerializationError):
            S.load(io.BytesIO(data[:cut]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_mutated_files_only_ever_raise_serialization_error(data):
    """Flip, insert and delete bytes of a valid file: loading either succeeds or raises
    SerializationError; never any other exception, and never runs code."""
    raw = bytearray(_VALID)
    for _ in range(data.draw(st.integers(1, 6))):
        op = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        pos = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if op == "flip" and raw:
            raw[pos] = data.draw(st.integers(0, 255))
        elif op == "insert":
            raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and raw:
            del raw[pos:pos + data.draw(st.integers(1, 8))]
        else:
            del raw[pos:]
    try:
        S.load(io.BytesIO(bytes(raw)))
    except SerializationError:
        pass


_VALID = None


def setup_module(module):
    module._VALID = _valid_file()


@settings(max_examples=150, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=4) | st.integers(), children, max_size=3),
    max_leaves=12))
def test_fuzz_structure_round_trip(obj):
    back, _ = round_trip({"payload": obj, "t": insitu.ones(1)})
    assert_same({"payload": obj, "t": insitu.ones(1)}, back)


@settings(max_examples=150, deadline=None)
@given(st.recursive(
    st.fixed_dictionaries({"t": st.sampled_from(["none", "bool", "int", "float", "str",
                                                 "tensor", "list", "dict", "odict", "tuple",
                                                 "dtype", "x"]),
                           "v": st.none() | st.integers() | st.text(max_size=3) | st.booleans(),
                           "k": st.sampled_from(["x", "y", 3])}),
    lambda children: st.fixed_dictionaries({"t": st.sampled_from(["list", "tuple", "dict"]),
                                            "v": st.lists(children | st.lists(children,
                                                                              max_size=2),
                                                          max_size=3)}),
    max_leaves=8))
def test_fuzz_structure_descriptions(tree):
    """Arbitrary (mostly invalid) structure descriptions: a value or SerializationError."""
    try:
        S.load(io.BytesIO(_with_metadata(json.dumps(tree))))
    except SerializationError:
        pass
