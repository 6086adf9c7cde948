"""Containers and Module's walks against torch, built the same way in both: ModuleDict,
ParameterList, ParameterDict (API, order, repr, state_dict keys, errors), non-persistent
buffers, apply / named_modules / children / get_* / set_submodule, and the state dict's
metadata and extra state."""
from collections import OrderedDict

import numpy as np
import pytest

import insitu

torch = pytest.importorskip("torch")
LIBS = [insitu, torch]


def same_repr(a, b):
    assert repr(a).replace("insitu", "torch") == repr(b)


def both(build):
    """build(lib) for insitu and for torch."""
    return build(insitu), build(torch)


def error_of(f):
    try:
        f()
    except Exception as e:      # noqa: BLE001 (the point is to compare whatever is raised)
        return type(e).__name__, str(e).replace("insitu", "torch")
    return None


def same_error(build_and_fail):
    mine, theirs = error_of(lambda: build_and_fail(insitu)), error_of(
        lambda: build_and_fail(torch))
    assert theirs is not None and mine == theirs


# ------------------------------------------------------------------ ModuleDict

def test_module_dict_matches_torch():
    def build(lib):
        nn = lib.nn
        d = nn.ModuleDict({"b": nn.Linear(2, 3), "a": nn.ReLU()})
        d.update([("c", nn.Tanh()), ("a", nn.Sigmoid())])
        d.update(OrderedDict(z=nn.Identity()))
        d["e"] = nn.Linear(3, 1, bias=False)
        return d
    mine, theirs = both(build)
    same_repr(mine, theirs)
    assert list(mine) == list(theirs) and list(mine.keys()) == list(theirs.keys())
    assert [type(m).__name__ for m in mine.values()] == \
        [type(m).__name__ for m in theirs.values()]
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert ("c" in mine) and len(mine) == len(theirs)
    assert type(mine.pop("c")).__name__ == type(theirs.pop("c")).__name__
    del mine["z"], theirs["z"]
    assert list(mine.keys()) == list(theirs.keys())
    mine.clear(), theirs.clear()
    assert len(mine) == len(theirs) == 0


@pytest.mark.parametrize("bad", [5, [5], [("a",)], [("a", "b", "c")]])
def test_module_dict_update_errors(bad):
    same_error(lambda lib: lib.nn.ModuleDict().update(bad))


# ------------------------------------------------------------------ ParameterList

def _plist(lib):
    nn = lib.nn
    pl = nn.ParameterList([nn.Parameter(lib.zeros(3, 4)), lib.ones(2)])
    pl.append("a string")
    pl.extend([lib.zeros(1, dtype=lib.float64), nn.Linear(2, 2)])
    pl += [lib.zeros(5)]
    return pl


def test_parameter_list_matches_torch():
    mine, theirs = both(_plist)
    same_repr(mine, theirs)
    assert len(mine) == len(theirs) == 6
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert [type(p).__name__ for p in mine] == [type(p).__name__ for p in theirs]
    assert isinstance(mine[1], insitu.nn.Parameter) and mine[1].requires_grad
    assert mine[-4] == theirs[-4] == "a string"
    same_repr(mine[1:5:2], theirs[1:5:2])
    mine[0] = insitu.ones(2, 2)
    theirs[0] = torch.ones(2, 2)
    same_repr(mine, theirs)
    assert "0" not in dir(mine)


@pytest.mark.parametrize("fail", [
    lambda pl, lib: pl[6],
    lambda pl, lib: pl[-7],
    lambda pl, lib: pl.extend(lib.ones(2)),
    lambda pl, lib: pl.extend(5),
    lambda pl, lib: pl(1),
    lambda pl, lib: pl.__setitem__(9, lib.ones(1)),
])
def test_parameter_list_errors(fail):
    same_error(lambda lib: fail(_plist(lib), lib))


# ------------------------------------------------------------------ ParameterDict

def _pdict(lib):
    nn = lib.nn
    pd = nn.ParameterDict({"b": lib.ones(2), "a": nn.Parameter(lib.zeros(1, dtype=lib.float64))})
    pd.update(OrderedDict([("z", lib.zeros(3)), ("c", lib.ones(1, 2))]))
    pd.update([("y", lib.ones(4)), ("x", 7)])
    pd["w"] = nn.Parameter(lib.ones(1), requires_grad=False)
    return pd


def test_parameter_dict_matches_torch():
    mine, theirs = both(_pdict)
    same_repr(mine, theirs)                 # a plain dict is taken in sorted order, as torch
    assert list(mine) == list(theirs) and list(reversed(mine)) == list(reversed(theirs))
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [k for k, _ in mine.items()] == [k for k, _ in theirs.items()]
    assert mine.get("nope", 3) == theirs.get("nope", 3) == 3 and mine.get("x") == 7
    assert mine.setdefault("x", 9) == 7
    mine.setdefault("new", insitu.ones(1))
    theirs.setdefault("new", torch.ones(1))
    assert mine.popitem()[0] == theirs.popitem()[0] == "new"
    assert mine.pop("y").shape == tuple(theirs.pop("y").shape)
    del mine["z"], theirs["z"]
    same_repr(mine, theirs)
    same_repr(mine.copy(), theirs.copy())
    same_repr(mine | insitu.nn.ParameterDict({"q": insitu.ones(1)}),
              theirs | torch.nn.ParameterDict({"q": torch.ones(1)}))
    same_repr(insitu.nn.ParameterDict({"q": insitu.ones(1)}).__ror__(mine),
              torch.nn.ParameterDict({"q": torch.ones(1)}).__ror__(theirs))
    mine |= {"r": insitu.ones(2)}
    theirs |= {"r": torch.ones(2)}
    same_repr(mine, theirs)
    same_repr(mine.fromkeys(["k1", "k2"], insitu.ones(1)),
              theirs.fromkeys(["k1", "k2"], torch.ones(1)))
    mine.clear(), theirs.clear()
    assert len(mine) == len(theirs) == 0


@pytest.mark.parametrize("fail", [
    lambda pd, lib: pd.update(5),
    lambda pd, lib: pd.update([5]),
    lambda pd, lib: pd.update([("a",)]),
    lambda pd, lib: pd.__setitem__(1, lib.ones(1)),
    lambda pd, lib: pd.__setitem__("a.b", lib.ones(1)),
    lambda pd, lib: pd["missing"],
    lambda pd, lib: pd(1),
])
def test_parameter_dict_errors(fail):
    same_error(lambda lib: fail(_pdict(lib), lib))


# ------------------------------------------------------------------ buffers

def _with_buffers(lib):
    m = lib.nn.Linear(2, 2)
    m.register_buffer("kept", lib.ones(2))
    m.register_buffer("scratch", lib.zeros(3), persistent=False)
    m.register_buffer("nothing", None, persistent=False)
    return m


def test_non_persistent_buffers_are_not_in_the_state_dict():
    mine, theirs = both(_with_buffers)
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["weight", "bias", "kept"]
    assert [n for n, _ in mine.named_buffers()] == [n for n, _ in theirs.named_buffers()] \
        == ["kept", "scratch"]
    assert mine.load_state_dict(mine.state_dict()) is not None     # strict: scratch not needed
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "scratch"'):
        mine.load_state_dict(dict(mine.state_dict(), scratch=insitu.zeros(3)))
    mine.register_buffer("scratch", insitu.zeros(3))         # registering again: persistent
    assert "scratch" in mine.state_dict()


@pytest.mark.parametrize("fail", [
    lambda m, lib: m.register_buffer(1, None),
    lambda m, lib: m.register_buffer("a.b", None),
    lambda m, lib: m.register_buffer("", None),
    lambda m, lib: m.register_buffer("weight", None),
    lambda m, lib: m.register_buffer("x", 5),
])
def test_register_buffer_errors(fail):
    same_error(lambda lib: fail(_with_buffers(lib), lib))


# ------------------------------------------------------------------ walking

def _tree(lib):
    nn = lib.nn
    shared = nn.Linear(2, 2)
    inner = nn.Sequential(shared, nn.ReLU())
    net = nn.Sequential(OrderedDict(first=shared, block=inner, again=inner, act=nn.Tanh()))
    net.block.register_buffer("stat", lib.zeros(1))
    return net


def test_named_modules_children_and_apply_match_torch():
    mine, theirs = both(_tree)
    names = (lambda m, **kw: [n for n, _ in m.named_modules(**kw)])
    assert names(mine) == names(theirs)
    assert names(mine, prefix="net") == names(theirs, prefix="net")
    assert names(mine, remove_duplicate=False) == names(theirs, remove_duplicate=False)
    memo_m, memo_t = {mine.block}, {theirs.block}     # a caller's memo holds modules
    assert names(mine, memo=memo_m) == names(theirs, memo=memo_t)
    assert [n for n, _ in mine.named_children()] == [n for n, _ in theirs.named_children()]
    assert len(list(mine.children())) == len(list(theirs.children()))
    assert [n for n, _ in mine.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_parameters(remove_duplicate=False)]
    order_m, order_t = [], []
    assert mine.apply(lambda m: order_m.append(type(m).__name__)) is mine
    theirs.apply(lambda m: order_t.append(type(m).__name__))
    assert order_m == order_t
    assert list(mine.state_dict()) == list(theirs.state_dict())


def test_get_and_set_submodule_parameter_buffer_match_torch():
    mine, theirs = both(_tree)
    assert type(mine.get_submodule("block.0")).__name__ == "Linear"
    assert mine.get_submodule("") is mine
    assert mine.get_parameter("block.0.weight") is mine.first.weight
    assert mine.get_buffer("block.stat") is mine.block.stat
    for target in ["block.9", "block.0.weight.x", "nope"]:
        same_error(lambda lib: _tree(lib).get_submodule(target))
    for target in ["block.0.nope", "block.0.in_features", "block.stat"]:
        same_error(lambda lib: _tree(lib).get_parameter(target))
    for target in ["block.nope", "block.0.weight"]:
        same_error(lambda lib: _tree(lib).get_buffer(target))
    mine.set_submodule("block.1", insitu.nn.Sigmoid())
    theirs.set_submodule("block.1", torch.nn.Sigmoid())
    same_repr(mine, theirs)
    for args in [("", None), ("block.1", 5), ("block.0.weight", "module"),
                 ("block.7", "module", True)]:
        def fail(lib, args=args):
            module = lib.nn.ReLU() if args[1] == "module" else args[1]
            return _tree(lib).set_submodule(args[0], module, *args[2:])
        same_error(fail)


# ------------------------------------------------------------------ state dict machinery

class _WithExtra:
    """A module class (for either library) with extra state."""

    @staticmethod
    def make(lib):
        class Counter(lib.nn.Module):
            _version = 3

            def __init__(self):
                super().__init__()
                self.lin = lib.nn.Linear(2, 1)
                self.count = 0

            def get_extra_state(self):
                return {"count": self.count}

            def set_extra_state(self, state):
                self.count = state["count"]
        return Counter()


def test_state_dict_metadata_and_extra_state_match_torch():
    mine, theirs = both(_WithExtra.make)
    mine.count = theirs.count = 5
    sd_m, sd_t = mine.state_dict(), theirs.state_dict()
    assert list(sd_m) == list(sd_t) == ["_extra_state", "lin.weight", "lin.bias"]
    assert dict(sd_m._metadata) == dict(sd_t._metadata) == {"": {"version": 3},
                                                              "lin": {"version": 1}}
    fresh = _WithExtra.make(insitu)
    seen = []
    fresh.lin._load_from_state_dict = (lambda sd, prefix, md, *rest: seen.append(md)
                                       or type(fresh.lin)._load_from_state_dict(
                                           fresh.lin, sd, prefix, md, *rest))
    fresh.load_state_dict(sd_m)
    assert fresh.count == 5 and seen == [{"version": 1}]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "_extra_state"'):
        fresh.load_state_dict({k: v for k, v in sd_m.items() if k != "_extra_state"})
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: '
                                           '"lin._extra_state"'):
        fresh.load_state_dict(dict(sd_m, **{"lin._extra_state": 1}))


def test_state_dict_post_hooks_follow_torch_rules():
    for lib in LIBS:
        m = lib.nn.Linear(2, 2)
        m.register_state_dict_post_hook(lambda mod, sd, prefix, md: sd.pop("bias"))
        with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
            m.state_dict()
        def drop_bias(mod, sd, prefix, md):
            del sd["bias"]
        m = lib.nn.Linear(2, 2)
        m.register_state_dict_post_hook(drop_bias)
        assert list(m.state_dict()) == ["weight"]
    with pytest.warns(FutureWarning, match="Positional args are being deprecated"):
        sd = insitu.nn.Linear(2, 2).state_dict(OrderedDict(), "pre.")
    assert list(sd) == ["pre.weight", "pre.bias"]


def test_state_dict_round_trip_through_numpy_between_the_libraries():
    mine, theirs = both(lambda lib: lib.nn.ModuleDict({
        "emb": lib.nn.Embedding(5, 3),
        "params": lib.nn.ParameterList([lib.ones(2)]),
        "named": lib.nn.ParameterDict({"scale": lib.ones(1)})}))
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in mine.state_dict().items()})
    for (k, a), (j, b) in zip(mine.state_dict().items(), theirs.state_dict().items()):
        assert k == j and np.array_equal(a.numpy(), b.numpy())
