"""unfold (im2col, Im2ColBackward0) and fold (col2im, Col2ImBackward0): each the other's
adjoint, so each one's gradient is the other and they differentiate to any order."""
import math

from ._windows import LinearOp, col2im, crop, im2col, pad_zeros, sizes


def _im2col(a, params):
    kernel, dilation, pads, stride, _, out = params
    batched = a.ndim == 4
    x = a if batched else a[None]
    cols = im2col(pad_zeros(x, pads), kernel, stride, dilation, out)
    cols = cols.reshape(x.shape[0], x.shape[1] * math.prod(kernel), math.prod(out))
    return cols if batched else cols[0]


def _col2im(a, params):
    kernel, dilation, pads, stride, spatial, out = params
    batched = a.ndim == 3
    x = a if batched else a[None]
    n = x.shape[0]
    c = x.shape[1] // math.prod(kernel)
    cols = x.reshape((n, c) + tuple(kernel) + tuple(out))
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    res = crop(col2im(cols, padded, kernel, stride, dilation), pads)
    return res if batched else res[0]


_UNFOLD = LinearOp("Im2ColBackward0", _im2col)
_FOLD = LinearOp("Col2ImBackward0", _col2im)
_UNFOLD.backward, _FOLD.backward = _FOLD, _UNFOLD


def _pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def _sizes_of(fn_args):
    for name, v in fn_args:
        if len(v) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(v)}")


def _blocks(size, k, d, p, s):
    return (size + 2 * p - (d * (k - 1) + 1)) // s + 1


_WINDOW_RULES = {  # PyTorch's checks of a sliding window's sizes: (least allowed, message)
    "kernel": (1, "kernel size should be greater than zero, but got kernel_height: {} "
                  "kernel_width: {}"),
    "dilation": (1, "dilation should be greater than zero, but got dilation_height: {} "
                    "dilation_width: {}"),
    "padding": (0, "padding should be non-negative, but got pad_height: {} pad_width: {}"),
    "stride": (1, "stride should be greater than zero, but got stride_height: {} "
                  "stride_width: {}"),
}


def _check_window(pairs):
    """The window's sizes checked in the order given (unfold and fold check in different
    orders, so a call with several bad sizes names the one PyTorch names)."""
    for name, v in pairs:
        least, message = _WINDOW_RULES[name]
        if v[0] < least or v[1] < least:
            raise RuntimeError(message.format(v[0], v[1]))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extracts sliding local blocks of a batched image as columns (im2col).

    Sliding local blocks of a batched image as columns (im2col; `nn.Unfold`): `kernel_size`,
    `dilation=1`, `padding=0`, `stride=1`, ints or pairs.

    One node (Im2ColBackward0) whose gradient is `fold`, a recorded op too, so it keeps nothing and
    differentiates to any order.

    Shape: input `(N, C, H, W)` or `(C, H, W)`; output `(N, C * kH * kW, L)` or `(C * kH * kW, L)`,
    L the number of block positions.
    """
    k, d, p, s = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    _sizes_of((("kernel_size", k), ("dilation", d), ("padding", p), ("stride", s)))
    _check_window((("kernel", k), ("dilation", d), ("padding", p), ("stride", s)))
    shape, nd = tuple(input.shape), input.ndim
    if nd < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(nd, 1)}, {max(nd, 1) - 1}], but got 2)")
    valid = shape[1] != 0 and shape[2] != 0
    if not ((nd == 3 and shape[0] and valid) or (nd == 4 and valid and shape[3] != 0)):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {sizes(shape)}")
    h, w = shape[-2:]
    out = (_blocks(h, k[0], d[0], p[0], s[0]), _blocks(w, k[1], d[1], p[1], s[1]))
    if out[0] < 1 or out[1] < 1:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size=({k[0]}, "
                           f"{k[1]}), dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), "
                           f"calculated shape of the array of sliding blocks as ({out[0]}, "
                           f"{out[1]}), but its components must be at least one.")
    return _UNFOLD(input, (k, d, ((p[0], p[0]), (p[1], p[1])), s, (h, w), out))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums sliding local blocks back into a batched image (col2im).

    Sums columns of sliding local blocks into a batched image, overlaps added (col2im, the adjoint
    of `unfold`; `nn.Fold`): `output_size`, `kernel_size`, `dilation=1`, `padding=0`, `stride=1`.

    One node (Col2ImBackward0) whose gradient is `unfold`; it keeps nothing.

    Shape: input `(N, C * kH * kW, L)` or `(C * kH * kW, L)`; output `(N, C, *output_size)` or
    `(C, *output_size)`.
    """
    o, k, d = _pair(output_size), _pair(kernel_size), _pair(dilation)
    p, s = _pair(padding), _pair(stride)
    _sizes_of((("output_size", o), ("kernel_size", k), ("dilation", d), ("padding", p),
               ("stride", s)))
    _check_window((("kernel", k), ("stride", s), ("dilation", d), ("padding", p)))
    shape, nd = tuple(input.shape), input.ndim
    if not ((nd == 2 and shape[0] != 0 and shape[1] != 0) or
            (nd == 3 and shape[1] != 0 and shape[2] != 0)):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch "
                           f"size and non-zero dimensions for input, but got: {sizes(shape)}")
    planes, length = shape[-2:]
    if planes % (k[0] * k[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={planes} and kernel_size=("
                           f"{k[0]}, {k[1]}).")
    blocks = (_blocks(o[0], k[0], d[0], p[0], s[0]), _blocks(o[1], k[1], d[1], p[1], s[1]))
    desc = (f"Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), dilation=("
            f"{d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), ")
    if length != blocks[0] * blocks[1]:
        raise RuntimeError(f"{desc}expected size of input's dimension 2 to match the calculated "
                           f"number of sliding blocks {blocks[0]} * {blocks[1]} = "
                           f"{blocks[0] * blocks[1]}, but got input.size(2)={length}.")
    if blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(f"{desc}calculated shape of the array of sliding blocks as ("
                           f"{blocks[0]}, {blocks[1]}), which is invalid.")
    return _FOLD(input, (k, d, ((p[0], p[0]), (p[1], p[1])), s, o, blocks))
