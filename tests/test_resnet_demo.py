"""The in-place ResNet demo (python -m insitu resnet / examples/inplace_resnet.py, and the
tour's model part): in-place and out-of-place forms compute the same numbers, and the in-place
one holds less memory at the forward peak."""
import pytest

import insitu
from insitu import resnet_demo


def _pair():
    models = []
    for inplace in (True, False):
        insitu.manual_seed(0)
        models.append(resnet_demo.SmallResNet(inplace=inplace, width=4))
    return models


def test_blocks_use_the_in_place_forms_only_when_asked():
    inplace, outofplace = _pair()
    assert inplace.layers[0].relu.inplace and not outofplace.layers[0].relu.inplace
    assert [n for n, _ in inplace.named_parameters()] == \
        [n for n, _ in outofplace.named_parameters()]


def test_same_losses_gradients_and_running_stats():
    models = _pair()
    x = insitu.randn(8, 1, 8, 8, generator=insitu.Generator().manual_seed(1))
    y = insitu.arange(8) % 10
    opts = [insitu.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in models]
    for _ in range(3):
        losses = []
        for m, opt in zip(models, opts):
            opt.zero_grad()
            loss = insitu.nn.functional.cross_entropy(m(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[0] == losses[1]
    for (name, a), b in zip(models[0].state_dict().items(), models[1].state_dict().values()):
        assert insitu.equal(a, b), name


def test_in_place_forward_peak_is_lower_by_a_buffer():
    x = insitu.randn(16, 1, 8, 8)
    y = insitu.arange(16) % 10
    (peak_in, held_in), (peak_out, held_out) = [resnet_demo.forward_memory(m, x, y)
                                                for m in _pair()]
    assert held_in == held_out            # the graph keeps the same tensors either way
    assert peak_in < peak_out


def test_tour_part_reports_identical_gradients(capsys):
    assert resnet_demo.tour(batch=8, repeat=1)
    out = capsys.readouterr().out
    assert "gradients identical: True" in out and "KiB less at the forward peak" in out


def test_trains_on_digits_with_identical_losses(capsys):
    pytest.importorskip("sklearn")
    assert resnet_demo.main(["--epochs", "1", "--width", "4", "--no-plot"]) == 0
    out = capsys.readouterr().out
    assert "losses identical step for step: True" in out
    assert "in-place forward peak is" in out
