"""Module: registration, traversal, state dicts, hooks, modes, conversion and repr, against torch."""
import copy
import re
from collections import OrderedDict

import numpy as np
import pytest

import insitu
import insitu.nn as nn

torch = pytest.importorskip("torch")
tnn = torch.nn


def _both(build):
    """The same architecture built with each library (build(nn_module) -> module)."""
    return build(nn), build(tnn)


class _Net:
    @staticmethod
    def build(lib):
        class Net(lib.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = lib.Linear(4, 8)
                self.act = lib.ReLU()
                self.block = lib.Sequential(lib.Linear(8, 8), lib.Tanh())
                self.heads = lib.ModuleList([lib.Linear(8, 2), lib.Linear(8, 3)])
                self.norm = lib.BatchNorm1d(8)

            def forward(self, x):
                h = self.block(self.norm(self.act(self.fc1(x))))
                return [head(h) for head in self.heads]
        return Net()


def test_named_parameters_buffers_modules_match_torch():
    mine, theirs = _both(_Net.build)
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in mine.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in mine.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in mine.named_children()] == [n for n, _ in theirs.named_children()]
    assert [tuple(p.shape) for p in mine.parameters()] == \
        [tuple(p.shape) for p in theirs.parameters()]
    assert list(mine.state_dict()) == list(theirs.state_dict())


def test_repr_matches_torch():
    mine, theirs = _both(_Net.build)
    assert repr(mine) == repr(theirs)
    layers = lambda lib: lib.Sequential(  # noqa: E731
        lib.Linear(3, 4, bias=False), lib.ReLU(inplace=True), lib.LeakyReLU(0.2),
        lib.Hardtanh(-2.0, 2.0), lib.ReLU6(inplace=True), lib.ELU(alpha=0.5), lib.GELU("tanh"),
        lib.SiLU(), lib.Sigmoid(), lib.Softmax(dim=1), lib.LogSoftmax(1), lib.Flatten(),
        lib.Unflatten(1, (2, 2)), lib.Identity(), lib.Dropout(0.3),
        lib.Embedding(10, 3, padding_idx=1), lib.LayerNorm([2, 3]), lib.Bilinear(2, 3, 4),
        lib.ModuleDict({"a": lib.Linear(1, 1)}), lib.ModuleList(), lib.MSELoss(),
        lib.CrossEntropyLoss(label_smoothing=0.1), lib.BatchNorm1d(3, momentum=None))
    mine, theirs = _both(layers)
    assert repr(mine) == repr(theirs)


def test_modulelist_repr_compresses_repeats_like_torch():
    mine, theirs = _both(lambda lib: lib.ModuleList(
        [lib.Linear(2, 2) for _ in range(3)] + [lib.ReLU(), lib.ReLU()]))
    assert repr(mine) == repr(theirs)


def test_parameter_repr_and_types():
    data = np.array([1.0, 2.0], dtype=np.float32)
    p, tp = nn.Parameter(insitu.tensor(data)), tnn.Parameter(torch.tensor(data))
    assert repr(p) == repr(tp).replace("torch.", "insitu.")
    q = nn.Parameter(insitu.tensor(data), requires_grad=False)
    assert repr(q) == repr(tnn.Parameter(torch.tensor(data), requires_grad=False))
    assert repr(nn.Parameter()) == repr(tnn.Parameter())
    assert p.is_leaf and p.requires_grad
    assert type(p * 2) is insitu.Tensor and type(p.detach()) is insitu.Tensor
    assert type(copy.deepcopy(p)) is nn.Parameter
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        nn.Parameter(insitu.tensor([1, 2]))


def test_parameter_shares_storage_and_version():
    base = insitu.zeros(4)
    p = nn.Parameter(base[1:3])
    assert p.data_ptr() == base[1:3].data_ptr() and not p._is_view()
    base.add_(1)
    assert p._version == base._version == 1
    assert p.tolist() == [1.0, 1.0]


def test_setattr_registration_and_errors():
    m = nn.Module()
    m.w = nn.Parameter(insitu.ones(2))
    m.sub = nn.Linear(2, 2)
    m.register_buffer("running", insitu.zeros(2))
    m.register_buffer("scratch", insitu.zeros(1), persistent=False)
    assert set(m._parameters) == {"w"} and set(m._modules) == {"sub"}
    assert list(m.state_dict()) == ["w", "running", "sub.weight", "sub.bias"]
    with pytest.raises(TypeError, match="cannot assign 'insitu.FloatTensor' as parameter 'w'"):
        m.w = insitu.ones(2)
    with pytest.raises(TypeError, match="as child module 'sub'"):
        m.sub = 3
    m.w = None
    assert m.w is None and list(m.parameters())[0] is m.sub.weight
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        m.nope
    with pytest.raises(KeyError, match="attribute 'training' already exists"):
        m.register_buffer("training", insitu.zeros(1))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(insitu.ones(1))
    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_buffer_marker_registers_buffer():
    m = nn.Module()
    m.stats = nn.Buffer(insitu.zeros(3))
    m.tmp = nn.Buffer(insitu.zeros(1), persistent=False)
    assert set(m._buffers) == {"stats", "tmp"}
    assert list(m.state_dict()) == ["stats"]


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert len(list(seq.modules())) == 2


def test_state_dict_round_trip_copies_in_place():
    mine, theirs = _both(_Net.build)
    sd = {k: insitu.tensor(v.numpy()) for k, v in theirs.state_dict().items()}
    before = {n: p for n, p in mine.named_parameters()}
    ptrs = {n: p.data_ptr() for n, p in before.items()}
    result = mine.load_state_dict(sd)
    assert repr(result) == "<All keys matched successfully>"
    for n, p in mine.named_parameters():
        assert p is before[n] and p.data_ptr() == ptrs[n]       # same tensor, same buffer
        assert p._version >= 1
        np.testing.assert_array_equal(p.detach().numpy(), theirs.state_dict()[n].numpy())
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    mine.eval(), theirs.eval()
    for a, b in zip(mine(insitu.tensor(x)), theirs(torch.tensor(x))):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_state_dict_is_detached_unless_keep_vars():
    lin = nn.Linear(2, 2)
    sd = lin.state_dict()
    assert not sd["weight"].requires_grad and type(sd["weight"]) is insitu.Tensor
    assert sd["weight"].data_ptr() == lin.weight.data_ptr()
    assert lin.state_dict(keep_vars=True)["weight"] is lin.weight


@pytest.mark.parametrize("mutate", ["missing", "unexpected", "shape", "both"])
def test_load_state_dict_errors_match_torch(mutate):
    mine, theirs = _both(lambda lib: lib.Sequential(lib.Linear(2, 3), lib.Linear(3, 1)))
    t_sd = dict(theirs.state_dict())
    if mutate in ("missing", "both"):
        del t_sd["0.bias"]
    if mutate in ("unexpected", "both"):
        t_sd["2.weight"] = torch.zeros(1)
    if mutate == "shape":
        t_sd["1.weight"] = torch.zeros(2, 3)
    i_sd = {k: insitu.tensor(v.numpy()) for k, v in t_sd.items()}
    with pytest.raises(RuntimeError) as theirs_err:
        theirs.load_state_dict(t_sd)
    with pytest.raises(RuntimeError) as mine_err:
        mine.load_state_dict(i_sd)
    assert str(mine_err.value) == str(theirs_err.value).replace("torch.", "insitu.")
    if mutate != "shape":
        got = mine.load_state_dict(i_sd, strict=False)
        want = theirs.load_state_dict(t_sd, strict=False)
        assert (got.missing_keys, got.unexpected_keys) == (want.missing_keys,
                                                           want.unexpected_keys)


def test_load_state_dict_assign_replaces_parameters():
    lin = nn.Linear(2, 2)
    new_w = insitu.ones(2, 2)
    lin.load_state_dict({"weight": new_w, "bias": insitu.zeros(2)}, assign=True)
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad
    assert lin.weight.data_ptr() == new_w.data_ptr()


def test_forward_hooks_order_kwargs_and_removal():
    calls = []
    lin = nn.Linear(2, 2)
    h1 = lin.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
    h3 = lin.register_forward_hook(lambda m, args, out: calls.append("first"), prepend=True)
    out = lin(insitu.ones(1, 2))
    assert calls == ["pre", "first", "post"]
    np.testing.assert_allclose(out.detach().numpy(), lin.bias.detach().numpy()[None] + 1)
    for h in (h1, h2, h3):
        h.remove()
    calls.clear()
    lin(insitu.ones(1, 2))
    assert calls == []
    seen = {}
    with lin.register_forward_pre_hook(lambda m, a, kw: seen.update(kw), with_kwargs=True):
        lin(input=insitu.ones(1, 2))
    assert "input" in seen
    lin(input=insitu.ones(1, 2))
    assert len(lin._forward_pre_hooks) == 0


def test_always_call_forward_hook_runs_on_error():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")
    m, seen = Boom(), []
    m.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    with pytest.raises(ValueError):
        m(1)
    assert seen == [None]


@pytest.mark.parametrize("assign", [
    lambda lib, m: setattr(m, "weight", lib.ones(2, dtype=lib.float64)),
    lambda lib, m: m.register_parameter("p", lib.ones(2)),
    lambda lib, m: m.register_buffer("b", 3),
    lambda lib, m: m.add_module("child", lib.ones(2, dtype=lib.int64)),
    lambda lib, m: setattr(m, "bias", lib.nn.Linear(1, 1)),
])
def test_assignment_errors_name_the_type_as_torch_does(assign):
    messages = []
    for lib in (torch, insitu):
        with pytest.raises(TypeError) as e:
            assign(lib, lib.nn.Linear(2, 2))
        messages.append(str(e.value))
    # tensor type names say insitu; the rest of the wording is PyTorch's, word for word
    expected = re.sub(r"\btorch\.(?=\w*Tensor\b|nn\.modules)", "insitu.", messages[0])
    assert messages[1] == expected


def test_train_eval_apply_requires_grad_and_zero_grad():
    mine, _ = _both(_Net.build)
    assert mine.eval() is mine and not any(m.training for m in mine.modules())
    mine.train()
    assert all(m.training for m in mine.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        mine.train("yes")
    names = []
    mine.apply(lambda m: names.append(type(m).__name__))
    assert names[-1] == "Net" and names[0] == "Linear"
    out = mine(insitu.randn(3, 4))
    (out[0].sum() + out[1].sum()).backward()
    grads = [p.grad for p in mine.parameters()]
    assert all(g is not None for g in grads)
    mine.zero_grad(set_to_none=False)
    assert all(p.grad is g and not g.any() for p, g in zip(mine.parameters(), grads))
    mine.zero_grad()
    assert all(p.grad is None for p in mine.parameters())
    mine.requires_grad_(False)
    assert not any(p.requires_grad for p in mine.parameters())


def test_to_dtype_keeps_parameter_identity():
    lin = nn.Linear(3, 2)
    w = lin.weight
    lin(insitu.randn(1, 3)).sum().backward()
    assert lin.double() is lin
    assert lin.weight is w and w.dtype is insitu.float64 and w.grad.dtype is insitu.float64
    lin.to(insitu.float32)
    assert w.dtype is insitu.float32
    bn = nn.BatchNorm1d(2).to(dtype=insitu.float64)
    assert bn.num_batches_tracked.dtype is insitu.int64 and bn.running_mean.dtype is insitu.float64
    with pytest.raises(TypeError, match="floating point"):
        lin.to(insitu.int32)


def test_sequential_container_behaviour_matches_torch():
    for lib in (nn, tnn):
        seq = lib.Sequential(lib.Linear(1, 2), lib.ReLU(), lib.Linear(2, 3))
        assert len(seq) == 3 and isinstance(seq[-1], lib.Linear)
        assert isinstance(seq[1:], lib.Sequential) and len(seq[1:]) == 2
        seq.append(lib.Tanh())
        seq.insert(0, lib.Identity())
        del seq[1]
        assert [type(m).__name__ for m in seq] == ["Identity", "ReLU", "Linear", "Tanh"]
        assert list(seq._modules) == ["0", "1", "2", "3"]
        with pytest.raises(IndexError, match="index 7 is out of range"):
            seq[7]
    od = nn.Sequential(OrderedDict([("a", nn.Linear(1, 1)), ("b", nn.ReLU())]))
    assert list(od._modules) == ["a", "b"] and od.a is od[0]


@pytest.mark.parametrize("container", ["Sequential", "ModuleList"])
@pytest.mark.parametrize("index", [1, -1, slice(1, 3), slice(None, None, 2)])
def test_deleting_renumbers_like_torch(container, index):
    seen = []
    for lib in (nn, tnn):
        layers = [lib.Linear(1, 1), lib.ReLU(), lib.Tanh(), lib.Identity(), lib.Sigmoid()]
        box = getattr(lib, container)(*layers) if container == "Sequential" else \
            getattr(lib, container)(layers)
        del box[index]
        seen.append((list(box._modules), [type(m).__name__ for m in box]))
    assert seen[0] == seen[1]


def test_sequential_addition_matches_torch():
    for lib in (nn, tnn):
        a, b = lib.Sequential(lib.ReLU()), lib.Sequential(lib.Tanh(), lib.Identity())
        assert [type(m).__name__ for m in a + b] == ["ReLU", "Tanh", "Identity"]
        a += b
        assert list(a._modules) == ["0", "1", "2"]
    messages = []
    for lib in (nn, tnn):
        for add in (lambda s: s + lib.ModuleList(), lambda s: s.__iadd__(lib.ModuleList())):
            with pytest.raises(ValueError) as e:
                add(lib.Sequential())
            messages.append(str(e.value).replace("torch.", "insitu."))
    assert messages[:2] == messages[2:]


def test_modulelist_and_moduledict():
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(1, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Linear", "Identity", "ReLU", "Tanh"]
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml + ml) == 8
    md = nn.ModuleDict({"x": nn.Linear(1, 1)})
    md.update([("y", nn.ReLU())])
    assert list(md.keys()) == ["x", "y"] and "x" in md and md.pop("x") is not None
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        ml(1)


def test_deepcopy_of_module_is_independent():
    lin = nn.Linear(2, 2)
    other = copy.deepcopy(lin)
    assert other.weight is not lin.weight
    np.testing.assert_array_equal(other.weight.detach().numpy(), lin.weight.detach().numpy())
    with insitu.no_grad():
        other.weight.add_(1)
    assert not np.allclose(other.weight.detach().numpy(), lin.weight.detach().numpy())


def test_get_submodule_and_parameter():
    mine, _ = _both(_Net.build)
    assert mine.get_submodule("block.0") is mine.block[0]
    assert mine.get_parameter("heads.1.bias") is mine.heads[1].bias
    with pytest.raises(AttributeError):
        mine.get_submodule("nope")
