"""Padding and resampling against torch: F.pad in every mode (negative pads too), the padding
layers, F.interpolate / Upsample in every mode, pixel and channel shuffles; gradcheck and
gradgradcheck; reprs; PyTorch's messages."""
import numpy as np
import pytest

import insitu
import insitu.nn as nn
import insitu.nn.functional as F
from insitu.autograd.gradcheck import gradcheck, gradgradcheck
from torch_oracle import check_function, check_module, rng, same_error, torch

TF = torch.nn.functional
DTYPES = [np.float32, np.float64]

PADS = [((2, 3, 5), (2, 1)), ((2, 3, 5, 4), (1, 2, 3, 0)), ((3, 5, 4), (-1, 2, 1, -2)),
        ((2, 2, 3, 4, 5), (1, 1, 2, 0, 1, 1)), ((3, 5), (0, 3))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", PADS, ids=str)
def test_pad(shape, pad, mode, dtype):
    x = rng(0).standard_normal(shape)
    check_function(lambda t: F.pad(t, pad, mode=mode), lambda t: TF.pad(t, pad, mode=mode), [x],
                   dtype, node=mode != "circular")


def test_constant_pad_value_and_crop():
    x = rng(1).standard_normal((2, 3, 4))
    check_function(lambda t: F.pad(t, (1, -2, 0, 1), value=2.5),
                   lambda t: TF.pad(t, (1, -2, 0, 1), value=2.5), [x])
    check_function(lambda t: F.pad(t, (1, 1, 1, 1, 1, 1)), lambda t: TF.pad(t, (1, 1, 1, 1, 1, 1)),
                   [x])
    assert F.pad(insitu.tensor(x), (-4, 0)).shape == (2, 3, 0)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_gradcheck(mode):
    x = insitu.tensor(rng(2).standard_normal((1, 2, 3, 4)), requires_grad=True)

    def fn(t):
        return F.pad(t, (2, 1, 1, 2), mode=mode)
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


PAD_MODULES = [("ZeroPad1d", (2,)), ("ZeroPad2d", ((1, 2, 0, 1),)), ("ZeroPad3d", (1,)),
               ("ConstantPad1d", ((1, 2), 3.5)), ("ConstantPad2d", (1, -1.0)),
               ("ConstantPad3d", ((1, 0, 0, 1, 1, 0), 2.0)), ("ReflectionPad1d", (2,)),
               ("ReflectionPad2d", ((1, 2, 2, 1),)), ("ReflectionPad3d", (1,)),
               ("ReplicationPad1d", ((3, 1),)), ("ReplicationPad2d", (2,)),
               ("ReplicationPad3d", (1,)), ("CircularPad1d", (2,)),
               ("CircularPad2d", ((1, 2, 2, 1),)), ("CircularPad3d", (1,))]


@pytest.mark.parametrize("name,args", PAD_MODULES, ids=[m[0] for m in PAD_MODULES])
def test_padding_modules(name, args):
    mine, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(mine) == repr(theirs)
    dims = int(name[-2])
    x = rng(3).standard_normal((2, 3) + (4,) * dims)
    check_module(mine, theirs, x, np.float32)
    check_module(mine, theirs, x[0], np.float32)


PAD_ERRORS = [
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4, 4), (1,)),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4, 4), (1,) * 10),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4, 4), (1, 1), mode="foo"),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4, 4), (4, 4), mode="reflect"),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4, 4), (3, 3, 4, 4), mode="reflect"),
    lambda lib, F_: F_.pad(lib.ones(3, 4, 4), (1, 1, 4, 0), mode="reflect"),
    lambda lib, F_: F_.pad(lib.ones(4), (1, 1), mode="reflect"),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4), (5, 0), mode="circular"),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4), (-2, -3), mode="circular"),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4), (-3, -2), mode="reflect"),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4), (-3, -2), mode="replicate"),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4, 4), (1,) * 8, mode="replicate"),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4, 4), (1, 1), mode="replicate", value=1),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4, 4), (-5, 0)),
    lambda lib, F_: F_.pad(lib.ones(2, 0, 3), (1, 1), mode="reflect"),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 0), (1, 1), mode="replicate"),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4, 4), [1.0, 1]),
    lambda lib, F_: F_.pad(lib.ones(2, 3, 4, 4, 4), (1, 1, 1, 1), mode="reflect"),
]


@pytest.mark.parametrize("call", PAD_ERRORS)
def test_pad_messages(call):
    same_error(lambda: call(insitu, F), lambda: call(torch, TF))


# ------------------------------------------------------------------ interpolate

INTERP2D = [dict(scale_factor=2), dict(size=(7, 3)), dict(scale_factor=(1.7, 0.6)),
            dict(scale_factor=1.3, recompute_scale_factor=True), dict(size=(5, 4)),
            dict(size=1), dict(size=(10, 9))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode,align", [("nearest", None), ("nearest-exact", None),
                                        ("bilinear", False), ("bilinear", True),
                                        ("bicubic", False), ("bicubic", True), ("area", None)])
def test_interpolate_2d(mode, align, dtype):
    x = rng(4).standard_normal((2, 3, 5, 4))
    # float32 bicubic weights cancel: both libraries are within 2e-6 of the float64 result
    tol = dict(rtol=1e-5, atol=5e-6) if mode == "bicubic" and dtype == np.float32 else None
    for opts in INTERP2D:
        kw = dict(opts, mode=mode) if align is None else dict(opts, mode=mode,
                                                               align_corners=align)
        check_function(lambda t: F.interpolate(t, **kw), lambda t: TF.interpolate(t, **kw), [x],
                       dtype, tol=tol)


@pytest.mark.parametrize("mode,align", [("nearest", None), ("nearest-exact", None),
                                        ("linear", False), ("linear", True), ("area", None)])
def test_interpolate_1d(mode, align):
    x = rng(5).standard_normal((2, 3, 5))
    for opts in (dict(scale_factor=2), dict(size=7), dict(scale_factor=0.6), dict(size=3)):
        kw = dict(opts, mode=mode) if align is None else dict(opts, mode=mode,
                                                               align_corners=align)
        check_function(lambda t: F.interpolate(t, **kw), lambda t: TF.interpolate(t, **kw), [x])


def test_interpolate_long_dims():
    """Long dims sum the gradient by segments instead of a dense matrix."""
    check_function(lambda t: F.interpolate(t, size=700, mode="linear"),
                   lambda t: TF.interpolate(t, size=700, mode="linear"),
                   [rng(6).standard_normal((1, 2, 300))])
    check_function(lambda t: F.interpolate(t, size=(601, 2), mode="bicubic"),
                   lambda t: TF.interpolate(t, size=(601, 2), mode="bicubic"),
                   [rng(7).standard_normal((1, 1, 300, 3))])


@pytest.mark.parametrize("kw", [dict(scale_factor=2, mode="nearest"),
                                dict(size=(3, 5), mode="bilinear", align_corners=True),
                                dict(scale_factor=1.5, mode="bicubic"),
                                dict(size=(3, 2), mode="area")], ids=str)
def test_interpolate_gradcheck(kw):
    x = insitu.tensor(rng(8).standard_normal((1, 2, 3, 4)), requires_grad=True)

    def fn(t):
        return F.interpolate(t, **kw)
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


@pytest.mark.parametrize("kw", [dict(size=5, mode="linear"), dict(scale_factor=1.5,
                                                                  mode="nearest-exact")],
                         ids=str)
def test_interpolate_1d_gradcheck(kw):
    x = insitu.tensor(rng(8).standard_normal((1, 2, 3)), requires_grad=True)

    def fn(t):
        return F.interpolate(t, **kw)
    assert gradcheck(fn, [x]) and gradgradcheck(fn, [x])


UPSAMPLE = [("Upsample", (), dict(scale_factor=2)),
            ("Upsample", (), dict(size=(7, 5), mode="bilinear", align_corners=False)),
            ("Upsample", (), dict(scale_factor=(1.5, 2), mode="bicubic")),
            ("UpsamplingNearest2d", (), dict(scale_factor=3)),
            ("UpsamplingBilinear2d", ((6, 7),), {})]


@pytest.mark.parametrize("name,args,kwargs", UPSAMPLE, ids=[f"{u[0]}{u[2]}" for u in UPSAMPLE])
def test_upsample_modules(name, args, kwargs):
    mine, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(mine) == repr(theirs)
    check_module(mine, theirs, rng(9).standard_normal((2, 3, 4, 5)), np.float32)


INTERP_ERRORS = [
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4), scale_factor=2, mode="linear"),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4), scale_factor=2, mode="bilinear"),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4), scale_factor=2, mode="foo"),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4), size=3, scale_factor=2),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4)),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4), size=(2, 2, 2)),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4), scale_factor=(2, 2, 2)),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4), size=3, align_corners=True),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4), size=3, recompute_scale_factor=True),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4), size=(2.0, 3)),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4), size=0),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4), scale_factor=0.1),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4), scale_factor=0.1, mode="linear"),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3), size=3),
    lambda lib, F_: F_.interpolate(lib.ones(2, 3, 4, 4), size=3, antialias=True),
]


@pytest.mark.parametrize("call", INTERP_ERRORS)
def test_interpolate_messages(call):
    same_error(lambda: call(insitu, F), lambda: call(torch, TF))


# ------------------------------------------------------------------ shuffles

@pytest.mark.parametrize("dtype", DTYPES)
def test_pixel_and_channel_shuffle(dtype):
    x = rng(10).standard_normal((2, 8, 3, 4))
    for arr in (x, x[0], x[None]):
        check_function(lambda t: F.pixel_shuffle(t, 2), lambda t: TF.pixel_shuffle(t, 2), [arr],
                       dtype)
        check_function(lambda t: F.pixel_unshuffle(t, 1), lambda t: TF.pixel_unshuffle(t, 1),
                       [arr], dtype)
    y = rng(11).standard_normal((2, 3, 4, 6))
    check_function(lambda t: F.pixel_unshuffle(t, 2), lambda t: TF.pixel_unshuffle(t, 2), [y],
                   dtype)
    for groups in (2, 4):
        check_function(lambda t: F.channel_shuffle(t, groups),
                       lambda t: TF.channel_shuffle(t, groups), [x], dtype)
    check_function(lambda t: F.channel_shuffle(t, 2), lambda t: TF.channel_shuffle(t, 2),
                   [rng(12).standard_normal((3, 4, 5))], dtype)


def test_shuffle_modules_and_gradcheck():
    x = rng(13).standard_normal((2, 8, 3, 4))
    for mine, theirs in ((nn.PixelShuffle(2), torch.nn.PixelShuffle(2)),
                         (nn.PixelUnshuffle(1), torch.nn.PixelUnshuffle(1)),
                         (nn.ChannelShuffle(4), torch.nn.ChannelShuffle(4))):
        assert repr(mine) == repr(theirs)
        check_module(mine, theirs, x, np.float32)
    t = insitu.tensor(rng(14).standard_normal((1, 4, 2, 2)), requires_grad=True)
    for fn in (lambda a: F.pixel_shuffle(a, 2), lambda a: F.pixel_unshuffle(a, 2),
               lambda a: F.channel_shuffle(a, 2)):
        assert gradcheck(fn, [t]) and gradgradcheck(fn, [t])


SHUFFLE_ERRORS = [
    lambda lib, F_: F_.pixel_shuffle(lib.ones(2, 3, 4, 4), 2),
    lambda lib, F_: F_.pixel_shuffle(lib.ones(4, 4), 2),
    lambda lib, F_: F_.pixel_shuffle(lib.ones(2, 4, 4, 4), 0),
    lambda lib, F_: F_.pixel_unshuffle(lib.ones(2, 3, 5, 4), 2),
    lambda lib, F_: F_.pixel_unshuffle(lib.ones(2, 3, 4, 5), 2),
    lambda lib, F_: F_.pixel_unshuffle(lib.ones(4, 4), 2),
    lambda lib, F_: F_.pixel_unshuffle(lib.ones(2, 3, 4, 4), 0),
    lambda lib, F_: F_.channel_shuffle(lib.ones(2, 3, 4, 4), 2),
    lambda lib, F_: F_.channel_shuffle(lib.ones(2, 4, 4, 4), 0),
    lambda lib, F_: F_.channel_shuffle(lib.ones(3, 4), 2),
]


@pytest.mark.parametrize("call", SHUFFLE_ERRORS)
def test_shuffle_messages(call):
    same_error(lambda: call(insitu, F), lambda: call(torch, TF))


def test_identity_and_unflatten_exist():
    assert repr(nn.Identity(3, foo=1)) == repr(torch.nn.Identity(3, foo=1))
    assert repr(nn.Unflatten(1, (2, 3))) == repr(torch.nn.Unflatten(1, (2, 3)))
    assert nn.Unflatten(1, (2, 3))(insitu.ones(4, 6)).shape == (4, 2, 3)
