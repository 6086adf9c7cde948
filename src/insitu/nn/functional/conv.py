"""Convolutions, each call one fused node (PyTorch's ConvolutionBackward0).

conv1d/conv2d run im2col and BLAS matrix products over blocks of samples (`_conv_gemm`): the
forward and the weight's gradient read the columns of the input, the input's gradient is the
convolution of the output's gradient with the flipped weight, or the columns' gradient summed
back by window (col2im). Two special layouts of the input gradient: by rows for stride 1 and
few channels (every kernel offset one contiguous add), by output phase for strides above 1
(sub-pixel convolution). The column buffers are scratch: the node keeps only the input (when
the weight needs a gradient) and the weight (when the input needs one), as PyTorch's node does,
and the weight's gradient rebuilds the columns from the input. conv_transpose1d/2d run the
same kernels with the roles exchanged: their forward is a convolution's input gradient.

A backward that builds a graph differentiates the composite form instead: one einsum per kernel
offset over strided slices of the padded input.
"""
import itertools
import math
import warnings

from ...backend import xp
from ...core.tensor import wrap
from ...creation import zeros
from ...ops.derivatives import Derivative, record
from ...ops.linalg.einsum import einsum
from ._conv_gemm import input_grad, input_grad_rows, products
from ._windows import crop, offset_slices, offsets, pad_zeros, sizes

from .padding import constant_pad

_ALL = slice(None)
_LONG = 256      # output positions per sample from which a strided input gradient runs by phase
_NARROW = 64     # input channels below which a stride-1 2-d input gradient runs by rows
_PHASE_BLOCK = 1 << 18  # elements of a block of samples' columns of one phase

# c10's TypeMeta names, as PyTorch's dtype messages print them
_C10_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool"}


def _c10_name(t):
    return _C10_NAMES.get(t._dtype.np.name, t._dtype.np.name)


# ------------------------------------------------------------------ array kernels

def _conv_arrays(x, w, stride, pads, dilation, groups, out, bias=None):
    """Convolution of a batched (N, C, *S) array with (O, C/g, *K) weights: (N, O, *out), plus
    `bias` (O,) when given."""
    o = w.shape[0]
    if x.size == 0 or w.size == 0:
        y = xp.zeros((x.shape[0], o) + tuple(out), x.dtype)
        if bias is not None:
            y += bias.reshape((1, -1) + (1,) * len(out))
        return y
    return products(x, w.shape[2:], stride, pads, dilation, groups, out, w=w, bias=bias)[0]


def _conv_input_arrays(g, w, spatial, stride, pads, dilation, groups):
    """The adjoint of `_conv_arrays` in its input (a transposed convolution): (N, O, *out)
    gradients to (N, C, *spatial)."""
    n, o = g.shape[:2]
    out = g.shape[2:]
    kernel = w.shape[2:]
    c = w.shape[1] * groups
    if g.size == 0 or w.size == 0:
        return xp.zeros((n, c) + tuple(spatial), g.dtype)
    if any(s > 1 for s in stride):
        # by phase while the phases' products stay long (or a 1x1 kernel leaves one phase)
        if math.prod(out) >= _LONG or math.prod(kernel) == 1:
            return _by_sample_blocks(_conv_input_phases, g, w, spatial, stride, pads,
                                     dilation, groups)
    elif len(out) == 2 and c < _NARROW:
        # few input channels: the flipped convolution's product would have few rows
        return input_grad_rows(g, w, spatial, pads, dilation, groups)
    return input_grad(g, w, spatial, stride, pads, dilation, groups)


def _phases(size, length, k, s, d, lo):
    """One dim of a strided transposed convolution split by output phase: for each phase,
    the first output position, how many it has, the first phase row and the taps (kernel
    index, row shift) that land on it."""
    phases = []
    for ph in range(s):
        first = (ph - lo) % s
        count = len(range(first, size, s))
        taps = [(i, (i * d) // s) for i in range(k) if (i * d) % s == ph]
        phases.append((first, count, (first + lo - ph) // s, taps))
    return phases


def _by_sample_blocks(fn, g, w, spatial, stride, pads, dilation, groups):
    """fn over blocks of samples whose largest phase's columns stay within `_PHASE_BLOCK`
    elements (in cache), written into one result."""
    n = g.shape[0]
    taps = math.prod(-(-k * d // s) for k, s, d in zip(w.shape[2:], stride, dilation))
    step = max(1, _PHASE_BLOCK // max(1, g[0].size * taps))
    if step >= n:
        return fn(g, w, spatial, stride, pads, dilation, groups)
    res = xp.empty((n, w.shape[1] * groups) + tuple(spatial), g.dtype)
    for n0 in range(0, n, step):
        res[n0:n0 + step] = fn(g[n0:n0 + step], w, spatial, stride, pads, dilation, groups)
    return res


def _conv_input_phases(g, w, spatial, stride, pads, dilation, groups):
    """`_conv_input_arrays` for strides above 1, by output phase (sub-pixel convolution):
    the outputs at one phase of the stride receive a fixed subset of the kernel's taps, each
    from a shifted but unstrided window of g, so every phase is a small im2col and one matmul,
    written into its strided slice of the result; no column buffer is scattered."""
    n, o = g.shape[:2]
    length = g.shape[2:]
    kernel = w.shape[2:]
    cg = w.shape[1]
    og = o // groups
    res = xp.empty((n, cg * groups) + tuple(spatial), g.dtype)
    per_dim = [_phases(size, ln, k, s, d, lo) for size, ln, k, s, d, (lo, _)
               in zip(spatial, length, kernel, stride, dilation, pads)]
    w5 = w.reshape((groups, og, cg) + tuple(kernel))
    for combo in itertools.product(*per_dim):
        counts = tuple(p[1] for p in combo)
        if 0 in counts:
            continue
        dest = res[(_ALL, _ALL) + tuple(slice(p[0], None, s) for p, s in zip(combo, stride))]
        if any(not p[3] for p in combo):
            dest[...] = 0          # no tap reaches this phase (stride above the kernel's span)
            continue
        lows = [p[2] - max(a for _, a in p[3]) for p in combo]
        highs = [p[2] + p[1] - 1 - min(a for _, a in p[3]) for p in combo]
        gp = pad_zeros(g, [(max(0, -lo_), max(0, hi_ - ln + 1))
                           for lo_, hi_, ln in zip(lows, highs, length)])
        taps = [p[3] for p in combo]
        ntaps = tuple(len(t) for t in taps)
        cols = xp.empty((n, o) + ntaps + counts, g.dtype)
        for pick in itertools.product(*[range(t) for t in ntaps]):
            src = tuple(slice(p[2] - taps[dim][t][1] + max(0, -lows[dim]),
                              p[2] - taps[dim][t][1] + max(0, -lows[dim]) + p[1])
                        for dim, (p, t) in enumerate(zip(combo, pick)))
            cols[(_ALL, _ALL) + pick] = gp[(_ALL, _ALL) + src]
        wsel = w5[(_ALL,) * 3 + xp.ix_(*[[i for i, _ in t] for t in taps])]
        wm = wsel.swapaxes(1, 2).reshape(groups, cg, -1)
        y = xp.matmul(wm, cols.reshape((n, groups, -1, math.prod(counts))))
        dest[...] = y.reshape((n, cg * groups) + counts)
    return res


def _conv_weight_arrays(g, x, w_shape, stride, pads, dilation, groups):
    """The gradient of `_conv_arrays` in its weight: the columns of x, rebuilt, against g
    (the long columns as the matmul's rows, which BLAS runs fastest here)."""
    n, o = g.shape[:2]
    if g.size == 0 or x.size == 0:
        return xp.zeros(w_shape, g.dtype)
    gw = products(x, w_shape[2:], stride, pads, dilation, groups, g.shape[2:], g=g)[1]
    return gw.reshape(w_shape)


def _bias_grad(grad):
    return grad.sum(axis=(0,) + tuple(range(2, grad.ndim)))


# ------------------------------------------------------------------ composites

_LETTERS = "hwd"


def _conv_composite(input, weight, bias, stride, padding, dilation, groups):
    """conv with insitu ops: one einsum per kernel offset over strided slices."""
    nk = weight.ndim - 2
    x = constant_pad(input, _flat_pads(padding), 0.0)
    n, c = x.shape[:2]
    o, kernel = weight.shape[0], tuple(weight.shape[2:])
    out = _out_shape(input.shape[2:], kernel, stride, padding, dilation)
    xg = x.reshape((n, groups, c // groups) + tuple(x.shape[2:]))
    wg = weight.reshape((groups, o // groups, c // groups) + kernel)
    sp = _LETTERS[:nk]
    eq = f"ngc{sp},goc->ngo{sp}"
    y = None
    for off in offsets(kernel):
        term = einsum(eq, xg[(slice(None),) * 3 + offset_slices(off, stride, dilation, out)],
                      wg[(slice(None),) * 3 + off])
        y = term if y is None else y + term
    y = y.reshape((n, o) + tuple(out))
    return y if bias is None else y + bias.reshape((1, o) + (1,) * nk)


def _conv_transpose_composite(input, weight, bias, stride, padding, dilation, groups,
                              output_shape):
    """conv_transpose with insitu ops: each kernel offset's product added into a strided
    slice of the padded output."""
    nk = weight.ndim - 2
    n, cin = input.shape[:2]
    kernel = tuple(weight.shape[2:])
    cout_g = weight.shape[1]
    spatial = tuple(input.shape[2:])
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(output_shape, padding))
    xg = input.reshape((n, groups, cin // groups) + spatial)
    wg = weight.reshape((groups, cin // groups, cout_g) + kernel)
    buf = zeros((n, groups, cout_g) + padded, dtype=input.dtype)
    sp = _LETTERS[:nk]
    eq = f"ngc{sp},gco->ngo{sp}"
    for off in offsets(kernel):
        term = einsum(eq, xg, wg[(slice(None),) * 3 + off])
        view = buf[(slice(None),) * 3 + offset_slices(off, stride, dilation, spatial)]
        view += term
    y = buf.reshape((n, groups * cout_g) + padded)
    y = y[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _)
                                              in zip(output_shape, padding))]
    return y if bias is None else y + bias.reshape((1, groups * cout_g) + (1,) * nk)


# ------------------------------------------------------------------ nodes

_INPUTS = ("input", "weight", "bias")

_CONV = Derivative("ConvolutionBackward0", {
    "input": lambda grad, weight, input_shape, stride, padding, dilation, groups:
        _conv_input_arrays(grad, weight, input_shape[2:], stride, padding, dilation, groups),
    "weight": lambda grad, input, weight_shape, stride, padding, dilation, groups:
        _conv_weight_arrays(grad, input, weight_shape, stride, padding, dilation, groups),
    "bias": _bias_grad,
}, inputs=_INPUTS, composite=_conv_composite)

# the transposed convolution's gradients: a convolution of grad for the input, and the
# convolution's weight gradient with input and grad exchanged; it keeps both, as PyTorch's
def _conv_transpose_backward(grad, input, weight, needs, stride, padding, dilation, groups):
    """Both gradients read the columns of the padded output gradient: built once."""
    if grad.size == 0 or input.size == 0 or weight.size == 0:
        return (_conv_arrays(grad, weight, stride, padding, dilation, groups, input.shape[2:]),
                _conv_weight_arrays(input, grad, weight.shape, stride, padding, dilation, groups))
    gx, gw = products(grad, weight.shape[2:], stride, padding, dilation, groups,
                      input.shape[2:], w=weight if needs[0] else None,
                      g=input if needs[1] else None)
    return gx, None if gw is None else gw.reshape(weight.shape)


_CONV_T = Derivative("ConvolutionBackward0", {
    ("input", "weight"): _conv_transpose_backward,
    "bias": _bias_grad,
}, inputs=_INPUTS, composite=_conv_transpose_composite)


# ------------------------------------------------------------------ argument checks

def _flat_pads(pads):
    """(lo, hi) pairs, first spatial dim first, as F.pad's flat list (last dim first)."""
    return [p for lo_hi in reversed(pads) for p in lo_hi]


def _out_shape(spatial, kernel, stride, pads, dilation):
    return tuple((s + lo + hi - d * (k - 1) - 1) // st + 1
                 for s, k, st, (lo, hi), d in zip(spatial, kernel, stride, pads, dilation))


def _nominal(value, n):
    """A conv argument as the frontend reads it: an int repeated n times, a sequence kept."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * n


def _expand(values, name, dim):
    if len(values) == 1:
        return values * dim
    if len(values) != dim:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {dim} "
                           f"values to match the convolution dimensions, but got {name}="
                           f"{sizes(values)}")
    return values


def _batchify(input, nk, fn):
    d = input.ndim
    if d != nk + 1 and d != nk + 2:
        raise RuntimeError(f"Expected {nk + 1}D (unbatched) or {nk + 2}D (batched) input to "
                           f"{fn}, but got input of size: {sizes(input.shape)}")
    return d == nk + 2


def _check_bias_dtype(input, bias):
    if bias is not None and bias._dtype is not input._dtype:
        raise RuntimeError(f"Input type ({_c10_name(input)}) and bias type ({_c10_name(bias)}) "
                           "should be the same")


def _check_params(input, weight, bias, stride, padding, dilation, groups, transposed,
                  output_padding):
    """PyTorch's _convolution checks, in its order. Returns the expanded tuples."""
    w_shape = tuple(weight.shape)
    dim = len(w_shape) - 2
    if dim <= 0:
        raise RuntimeError("weight should have at least three dimensions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    stride = _expand(stride, "stride", dim)
    if not (padding and isinstance(padding[0], tuple)):     # 'same' gives (lo, hi) pairs
        padding = _expand(padding, "padding", dim)
    dilation = _expand(dilation, "dilation", dim)
    output_padding = _expand(output_padding, "output_padding", dim)
    if input._dtype is not weight._dtype:
        raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) "
                           "should be the same or input should be a MKLDNN tensor and weight "
                           "is a dense tensor")
    flat = [p for pr in padding for p in (pr if isinstance(pr, tuple) else (pr,))]
    if any(p < 0 for p in flat):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    x_shape = tuple(input.shape)
    if len(x_shape) != len(w_shape):
        raise RuntimeError(f"Expected {len(w_shape)}-dimensional input for {len(w_shape)}-"
                           f"dimensional weight {sizes(w_shape)}, but got {len(x_shape)}-"
                           f"dimensional input of size {sizes(x_shape)} instead")
    if w_shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {sizes(w_shape)} instead")
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{sizes(w_shape)}] instead")
    pads = tuple(p if isinstance(p, tuple) else (p, p) for p in padding)
    if not transposed:
        if x_shape[1] != w_shape[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {sizes(w_shape)}, "
                               f"expected input{sizes(x_shape)} to have {w_shape[1] * groups} "
                               f"channels, but got {x_shape[1]} channels instead")
        if bias is not None and (bias.ndim != 1 or bias.shape[0] != w_shape[0]):
            raise RuntimeError(f"Given weight of size {sizes(w_shape)}, expected bias to be "
                               f"1-dimensional with {w_shape[0]} elements, but got bias of size "
                               f"{sizes(bias.shape)} instead")
        padded = [s + lo + hi for s, (lo, hi) in zip(x_shape[2:], pads)]
        kern = [d * (k - 1) + 1 for d, k in zip(dilation, w_shape[2:])]
        if any(p < k for p, k in zip(padded, kern)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                f"Kernel size: ({' x '.join(map(str, kern))}). Kernel size can't be greater "
                "than actual input size")
    else:
        if x_shape[1] != w_shape[0]:
            raise RuntimeError(f"Given transposed=1, weight of size {sizes(w_shape)}, expected "
                               f"input{sizes(x_shape)} to have {w_shape[0]} channels, but got "
                               f"{x_shape[1]} channels instead")
        if bias is not None and (bias.ndim != 1 or bias.shape[0] != w_shape[1] * groups):
            raise RuntimeError(f"Given transposed=1, weight of size {sizes(w_shape)}, expected "
                               f"bias to be 1-dimensional with {w_shape[1] * groups} elements, "
                               f"but got bias of size {sizes(bias.shape)} instead")
        if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
            o2 = ((0,) * (2 - dim) + output_padding)[-2:]
            s2 = ((1,) * (2 - dim) + stride)[-2:]
            d2 = ((1,) * (2 - dim) + dilation)[-2:]
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got "
                f"output_padding_height: {o2[0]} output_padding_width: {o2[1]} stride_height: "
                f"{s2[0]} stride_width: {s2[1]} dilation_height: {d2[0]} dilation_width: "
                f"{d2[1]}")
    return stride, pads, dilation, output_padding


def _same_padding(weight, stride, dilation, nk):
    """padding='same': d*(k-1) split as PyTorch splits it (the extra element after)."""
    kernel = weight.shape[2:]
    dilation = _expand(dilation, "dilation", max(nk, 1))
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    pads = []
    for d, k in zip(dilation, kernel):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    if any(lo != hi for lo, hi in pads):
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may "
                      "require a zero-padded copy of the input be created", stacklevel=4)
    return tuple(pads)


# ------------------------------------------------------------------ the functions

def _convnd(input, weight, bias, stride, padding, dilation, groups, nk, fn):
    _check_bias_dtype(input, bias)
    batched = _batchify(input, nk, fn)
    x = input if batched else input.unsqueeze(0)
    stride, dilation = _nominal(stride, nk), _nominal(dilation, nk)
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nk
        elif padding == "same":
            padding = _same_padding(weight, _expand(stride, "stride", max(weight.ndim - 2, 1)),
                                    dilation, weight.ndim - 2)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = _nominal(padding, nk)
    stride, pads, dilation, _ = _check_params(x, weight, bias, stride, padding, dilation,
                                              groups, False, (0,))
    w = weight._data
    out = _out_shape(x.shape[2:], w.shape[2:], stride, pads, dilation)
    y = _conv_arrays(x._data, w, stride, pads, dilation, groups, out,
                     None if bias is None else bias._data)
    res = record(_CONV, (x, weight, bias), wrap(y, x._dtype),
                 {"stride": stride, "padding": pads, "dilation": dilation, "groups": groups})
    return res if batched else res.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution of a batch of signals.

    A 1-d convolution (cross-correlation) (`nn.Conv1d`): `stride=1`, `padding=0` (an int, a 1-tuple,
    "valid" or "same", which strided convolutions refuse), `dilation=1`, `groups=1`.

    One fused node (ConvolutionBackward0): im2col and one batched matmul per call; it keeps the
    input only when the weight needs a gradient and the weight only when the input needs one (the
    columns are a forward temporary).

    Shape: input `(N, C_in, L)` or `(C_in, L)`; weight `(C_out, C_in / groups, kW)`; bias
    `(C_out,)`; output `(N, C_out, L_out)`,
    `L_out = floor((L + 2 * padding - dilation * (kW - 1) - 1) / stride + 1)`.
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution of a batch of images.

    A 2-d convolution (cross-correlation) (`nn.Conv2d`): `stride=1`, `padding=0` (ints, pairs,
    "valid" or "same", which strided convolutions refuse), `dilation=1`, `groups=1`.

    One fused node (ConvolutionBackward0): im2col and one batched matmul per call; it keeps the
    input only when the weight needs a gradient and the weight only when the input needs one (the
    columns are a forward temporary).

    Shape: input `(N, C_in, H, W)` or `(C_in, H, W)`; weight `(C_out, C_in / groups, kH, kW)`; bias
    `(C_out,)`; output `(N, C_out, H_out, W_out)`, each size
    `floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1)`.
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation,
                      nk, fn):
    _check_bias_dtype(input, bias)
    batched = _batchify(input, nk, fn)
    x = input if batched else input.unsqueeze(0)
    if isinstance(padding, str):
        raise TypeError(f"{fn}(): argument 'padding' must be tuple of ints, not str")
    stride, pads, dilation, output_padding = _check_params(
        x, weight, bias, _nominal(stride, nk), _nominal(padding, nk), _nominal(dilation, nk),
        groups, True, _nominal(output_padding, nk))
    w = weight._data
    out = tuple((s - 1) * st - lo - hi + d * (k - 1) + op + 1 for s, st, (lo, hi), d, k, op
                in zip(x.shape[2:], stride, pads, dilation, w.shape[2:], output_padding))
    if any(o < 0 for o in out):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))})"
                           f". Calculated output size per channel: "
                           f"({' x '.join(map(str, out))}). Output size is too small")
    y = _conv_input_arrays(x._data, w, out, stride, pads, dilation, groups)
    y = xp.ascontiguousarray(y)
    if bias is not None:
        y += bias._data.reshape((1, -1) + (1,) * nk)
    res = record(_CONV_T, (x, weight, bias), wrap(y, x._dtype),
                 {"stride": stride, "padding": pads, "dilation": dilation, "groups": groups,
                  "output_shape": out})
    return res if batched else res.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-d transposed convolution of a batch of signals.

    A 1-d transposed convolution (`nn.ConvTranspose1d`): `stride=1`, `padding=0` (no strings),
    `output_padding=0`, `groups=1`, `dilation=1`.

    One fused node (ConvolutionBackward0) keeping the input and the weight, as PyTorch's; its
    forward is a convolution's input gradient.

    Shape: input `(N, C_in, L)` or `(C_in, L)`; weight `(C_in, C_out / groups, kW)`; bias
    `(C_out,)`; output `(N, C_out, L_out)`,
    `L_out = (L - 1) * stride - 2 * padding + dilation * (kW - 1) + output_padding + 1`.
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 1, "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-d transposed convolution of a batch of images.

    A 2-d transposed convolution (`nn.ConvTranspose2d`): `stride=1`, `padding=0` (no strings),
    `output_padding=0`, `groups=1`, `dilation=1` (ints or pairs).

    One fused node (ConvolutionBackward0) keeping the input and the weight, as PyTorch's; its
    forward is a convolution's input gradient.

    Shape: input `(N, C_in, H, W)` or `(C_in, H, W)`; weight `(C_in, C_out / groups, kH, kW)`; bias
    `(C_out,)`; output `(N, C_out, H_out, W_out)`, each size
    `(size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1`.
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 2, "conv_transpose2d")
