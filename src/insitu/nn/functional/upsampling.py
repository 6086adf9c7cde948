"""F.interpolate (nearest, nearest-exact, linear, bilinear, bicubic, area) and F.upsample*.

Every mode is separable: along each spatial dim, an output element is a weighted sum of a few
input elements (1 for nearest, 2 for linear, 4 for cubic), with PyTorch's source indices and
weights computed as its CPU kernels compute them (float32 arithmetic for float32 inputs, the
nearest index always in float32). The forward gathers those taps per dim; the gradient sums the
output's gradient back through them (a small BLAS matmul per dim, or a segmented sum for long
dims), and the gradient of that is the interpolation again.
"""
import numbers
import warnings

from ...backend import xp
from ._windows import adjoint_pair
from ._adaptive import adaptive_avg_pool1d, adaptive_avg_pool2d

_CUBIC_A = -0.75
_DENSE_LIMIT = 1 << 16      # n_in * n_out up to which the adjoint is a dense matmul


def _opmath(dtype):
    return xp.float64 if dtype == xp.float64 else xp.float32


def _scale_value(scale, n_in, n_out, t):
    """compute_scales_value: 1/scale when a scale was given, in/out otherwise (in type t)."""
    if scale is not None and scale > 0:
        return t(1.0 / scale)
    return t(n_in) / t(n_out)


def _area_scale(n_in, n_out, align_corners, scale, t):
    if align_corners:
        return t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
    return _scale_value(scale, n_in, n_out, t)


def _source_index(scale, n_out, align_corners, cubic, t):
    o = xp.arange(n_out).astype(t)
    if align_corners:
        return scale * o
    src = scale * (o + t(0.5)) - t(0.5)
    return src if cubic else xp.maximum(src, t(0))


def _guard(src, n_in, t):
    """guard_index_and_lambda: the floor index (at most n_in - 1) and the fraction."""
    idx = xp.minimum(xp.floor(src).astype(xp.int64), n_in - 1)
    lam = xp.clip(src - idx.astype(t), t(0), t(1))
    return idx, lam


def _cubic_coefficients(t_, t):
    a = t(_CUBIC_A)

    def conv1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def conv2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    one = t(1)
    return [conv2(t_ + one), conv1(t_), conv1(one - t_), conv2((one - t_) + one)]


def _taps(mode, n_in, n_out, align_corners, scale, dtype):
    """[(index vector, weight vector or None), ...] of one dim."""
    t = _opmath(dtype)
    if mode == "nearest":
        if n_out == n_in:
            return [(xp.arange(n_out), None)]
        if n_out == 2 * n_in:
            return [(xp.arange(n_out) >> 1, None)]
        s = _scale_value(scale, n_in, n_out, xp.float32)
        idx = xp.floor(xp.arange(n_out).astype(xp.float32) * s).astype(xp.int64)
        return [(xp.minimum(idx, n_in - 1), None)]
    if mode == "nearest-exact":
        s = _scale_value(scale, n_in, n_out, xp.float32)
        src = ((xp.arange(n_out) + 0.5) * xp.float64(s)).astype(xp.float32)
        return [(xp.minimum(xp.floor(src).astype(xp.int64), n_in - 1), None)]
    s = _area_scale(n_in, n_out, align_corners, scale, t)
    if mode == "linear":
        idx, lam = _guard(_source_index(s, n_out, align_corners, False, t), n_in, t)
        return [(idx, (t(1) - lam).astype(dtype)),
                (xp.minimum(idx + 1, n_in - 1), lam.astype(dtype))]
    idx, lam = _guard(_source_index(s, n_out, align_corners, True, t), n_in, t)
    coeffs = _cubic_coefficients(lam, t)
    return [(xp.clip(idx - 1 + j, 0, n_in - 1), c.astype(dtype)) for j, c in enumerate(coeffs)]


def _along(vec, axis, ndim):
    """A per-position vector shaped to broadcast along `axis`."""
    shape = [1] * ndim
    shape[axis] = -1
    return vec.reshape(shape)


def _taps_of(params):
    """Every dim's taps, rebuilt from the call's sizes and options (a few small vectors)."""
    mode, out, align_corners, scales, shape, dtype = params
    ins = shape[len(shape) - len(out):]
    return [_taps(mode, n, o, align_corners, None if scales is None else scales[i], dtype)
            for i, (n, o) in enumerate(zip(ins, out))]


def _interpolate(x, params):
    taps_per_dim = _taps_of(params)
    nd = x.ndim
    for i, taps in enumerate(taps_per_dim):
        axis = nd - len(taps_per_dim) + i
        acc = None
        for idx, w in taps:
            v = xp.take(x, idx, axis=axis)
            if w is not None:
                v *= _along(w, axis, nd)
            if acc is None:
                acc = v
            else:
                acc += v
        x = acc
    return x


def _axis_adjoint(g, taps, n_in, axis):
    """The gradient of one dim's interpolation: each tap's weighted gradient summed back into
    the input positions it read."""
    n_out = g.shape[axis]
    moved = xp.moveaxis(g, axis, -1)
    if n_in * n_out <= _DENSE_LIMIT:
        m = xp.zeros((n_out, n_in), g.dtype)
        rows = xp.arange(n_out)
        for idx, w in taps:
            xp.add.at(m, (rows, idx), 1 if w is None else w)
        res = xp.matmul(moved.reshape(-1, n_out), m).reshape(moved.shape[:-1] + (n_in,))
        return xp.moveaxis(res, -1, axis)
    res = xp.zeros(moved.shape[:-1] + (n_in,), g.dtype)
    for idx, w in taps:
        # indices never decrease along the output: each input's share is one segment
        vals = moved if w is None else moved * w
        counts = xp.bincount(idx, minlength=n_in)
        filled = counts > 0
        starts = xp.concatenate(([0], xp.cumsum(counts)[:-1]))[filled]
        res[..., filled] += xp.add.reduceat(vals, starts, axis=-1)
    return xp.moveaxis(res, -1, axis)


def _interpolate_adjoint(g, params):
    taps_per_dim, in_shape = _taps_of(params), params[4]
    nd = g.ndim
    for i in reversed(range(len(taps_per_dim))):
        axis = nd - len(taps_per_dim) + i
        g = _axis_adjoint(g, taps_per_dim[i], in_shape[axis], axis)
    return xp.ascontiguousarray(g)


_NODES = {}


def _node(mode, nk):
    """The node pair of one mode and rank: UpsampleBilinear2DBackward0 and its adjoint."""
    key = (mode, nk)
    if key not in _NODES:
        stem = {"nearest": "UpsampleNearest", "nearest-exact": "UpsampleNearestExact",
                "linear": "UpsampleLinear", "bilinear": "UpsampleBilinear",
                "bicubic": "UpsampleBicubic"}[mode]
        _NODES[key] = adjoint_pair(f"{stem}{nk}DBackward0", _interpolate,
                                   f"{stem}{nk}DBackwardBackward0", _interpolate_adjoint)[0]
    return _NODES[key]


def _upsample(input, mode, out, align_corners, scales):
    nk = len(out)
    ins = tuple(input.shape[2:])
    names = ("H", "W")[2 - nk:] if nk <= 2 else ("D", "H", "W")
    if any(n <= 0 for n in ins) or any(o <= 0 for o in out):
        raise RuntimeError(
            "Input and output sizes should be greater than 0, but got input ("
            + ", ".join(f"{n}: {s}" for n, s in zip(names, ins))
            + (") and output (" if nk == 1 else ") output (")
            + ", ".join(f"{n}: {s}" for n, s in zip(names, out)) + ")")
    kind = {"bilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
    scales = None if scales is None else tuple(scales)
    return _node(mode, nk)(input, (kind, tuple(out), align_corners, scales, tuple(input.shape),
                                   input._data.dtype))


def _is_integer(x):
    if isinstance(x, bool):
        return True
    return isinstance(x, numbers.Integral) or (hasattr(x, "is_floating_point") and
                                               not x.is_floating_point())


_MODES_MSG = ("nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
              "nearest-exact")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resizes by interpolation: nearest, linear, bilinear, bicubic or area.

    Resizes the spatial dims of `(N, C, L)` or `(N, C, H, W)` inputs to `size` or by `scale_factor`
    (exactly one of them), with PyTorch's source indices and weights.

    `mode`: "nearest" (the default), "nearest-exact", "linear" (3-D inputs), "bilinear" and
    "bicubic" (4-D inputs), or "area" (adaptive average pooling). `align_corners` applies to the
    interpolating modes (default False); `recompute_scale_factor=True` computes the output size from
    the scale and then forgets the scale. Not supported: 5-D inputs ("trilinear", 3-d "nearest") and
    `antialias=True`, which raise NotImplementedError.

    One node per call (UpsampleBilinear2DBackward0 and kin) that keeps only the sizes: its gradient
    sums the output's gradient back through the same taps, a recorded op whose gradient is the
    interpolation again.

    Shape: input `(N, C, *in)`; output `(N, C, *size)`, or each size times its scale, floored.
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size "
                    f"of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    "and output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(x) for x in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] "
                                "or Tuple[int, int, int], but got size with types "
                                f"{[type(x) for x in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, "
                    "C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = list(scale_factor)
        else:
            scale_factors = [scale_factor] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor is not None and recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor is not None and recompute_scale_factor:
        output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if antialias:
        raise NotImplementedError("antialias=True is not supported")
    if output_size is None:
        output_size = [int(input.shape[i + 2] * float(scale_factors[i])) for i in range(dim)]
    kinds = {("nearest", 3), ("nearest", 4), ("nearest-exact", 3), ("nearest-exact", 4),
             ("linear", 3), ("bilinear", 4), ("bicubic", 4)}
    if (mode, input.ndim) in kinds:
        return _upsample(input, mode, tuple(output_size), align_corners, scale_factors)
    if mode == "area" and input.ndim == 3:
        return adaptive_avg_pool1d(input, output_size)
    if mode == "area" and input.ndim == 4:
        return adaptive_avg_pool2d(input, output_size)
    needs = {"linear": 3, "bilinear": 4, "trilinear": 5}
    if mode in needs and input.ndim in (3, 4, 5) and input.ndim != needs[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{needs[mode]}D input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                              f"{input.ndim}D) for the modes: {_MODES_MSG} (got {mode})")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated name of `interpolate`.

    PyTorch's deprecated `interpolate(input, size, scale_factor, mode, align_corners)`, with its
    warning.
    """
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated nearest-neighbour upsampling.

    PyTorch's deprecated `interpolate(input, size, scale_factor, mode="nearest")`, with its warning.
    """
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated bilinear upsampling with aligned corners.

    PyTorch's deprecated `interpolate(input, size, scale_factor, mode="bilinear",
    align_corners=True)`, with its warning.
    """
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)

