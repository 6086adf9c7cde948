"""F.pad: constant, reflect, replicate and circular padding, with PyTorch's nodes and messages.

Constant padding (ConstantPadNdBackward0) is its own adjoint with the pads negated. Reflect and
replicate pad each padded dim with one gather by an index vector (PyTorch's source index for
every output position, negative pads included); their gradient sums the output's gradient back
through the same index vectors, and the gradient of that is the padding again, so they
differentiate to any order. Circular padding is written as PyTorch writes it: slice copies into
a new tensor (its node is CopySlices).
"""
from ...backend import xp
from ._windows import LinearOp, adjoint_pair, sizes

_MODES = {"constant", "reflect", "replicate", "circular"}


# ------------------------------------------------------------------ constant

def _constant_arrays(a, params):
    pads, value = params
    nd = a.ndim
    src = a[tuple(slice(None) for _ in range(nd - len(pads))) +
            tuple(slice(max(-lo, 0), a.shape[nd - len(pads) + i] - max(-hi, 0))
                  for i, (lo, hi) in enumerate(pads))]
    shape = a.shape[:nd - len(pads)] + tuple(n + max(lo, 0) + max(hi, 0) for n, (lo, hi)
                                             in zip(src.shape[nd - len(pads):], pads))
    out = xp.full(shape, value, dtype=a.dtype) if value != 0 else xp.zeros(shape, a.dtype)
    out[(Ellipsis,) + tuple(slice(max(lo, 0), max(lo, 0) + n) for n, (lo, _)
                            in zip(src.shape[nd - len(pads):], pads))] = src
    return out


def _constant_backward(grad, params):
    pads, _ = params
    return _CONSTANT(grad, (tuple((-lo, -hi) for lo, hi in pads), 0))


# constant_pad_nd: one node whose gradient is constant_pad_nd with the pads negated
_CONSTANT = LinearOp("ConstantPadNdBackward0", _constant_arrays, _constant_backward)


def _pairs(pad):
    """F.pad's flat list (last dim first) as (lo, hi) pairs for the trailing dims, first
    padded dim first."""
    return tuple((pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2))[::-1]


def constant_pad(input, pad, value=0.0):
    """`constant_pad_nd(input, pad, value)`: F.pad's constant mode (negative pads crop), one node
    (ConstantPadNdBackward0) whose gradient is the same padding with the pads negated.
    """
    pairs = _pairs(pad)
    nd = input.ndim
    for i, (lo, hi) in enumerate(pairs):
        n = input.shape[nd - len(pairs) + i]
        if n - max(-lo, 0) - max(-hi, 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    return _CONSTANT(input, (pairs, value))


# ------------------------------------------------------------------ reflect / replicate

def _source_index(n, lo, hi, mode):
    """For each output position of a dim of size n padded by (lo, hi), the input position
    PyTorch's kernel reads."""
    k = xp.arange(-lo, n + hi)
    if mode == "replicate":
        return xp.clip(k, 0, n - 1)
    k = xp.abs(k)
    return xp.where(k < n, k, 2 * (n - 1) - k)


def _indices(params):
    pairs, mode, shape = params
    spatial = shape[len(shape) - len(pairs):]
    return [_source_index(n, lo, hi, mode) for n, (lo, hi) in zip(spatial, pairs)]


def _gather_arrays(a, params):
    """Pad the trailing dims of `a` by gathering with each dim's index vector."""
    indices = _indices(params)
    nd = a.ndim
    for i, idx in enumerate(indices):
        a = xp.take(a, idx, axis=nd - len(indices) + i)
    return a


def _scatter_arrays(g, params):
    """The adjoint of `_gather_arrays`: each dim's gradient summed back through its index
    vector (one vectorised add per output position of that dim at most)."""
    indices, shape = _indices(params), params[2]
    nd = g.ndim
    for i, idx in enumerate(indices):
        axis = nd - len(indices) + i
        moved = xp.moveaxis(g, axis, 0)
        res = xp.zeros((shape[axis],) + moved.shape[1:], dtype=g.dtype)
        xp.add.at(res, idx, moved)
        g = xp.moveaxis(res, 0, axis)
    return xp.ascontiguousarray(g)


_PAD_NODES = {}


def _pad_node(mode, nk):
    """The node pair of reflect/replicate padding over nk dims (ReflectionPad2DBackward0...)."""
    key = (mode, nk)
    if key not in _PAD_NODES:
        stem = f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{nk}D"
        _PAD_NODES[key] = adjoint_pair(f"{stem}Backward0", _gather_arrays,
                                       f"{stem}BackwardBackward0", _scatter_arrays)[0]
    return _PAD_NODES[key]


def _check_valid_input(x, nk):
    shape = x.shape
    batch = x.ndim == nk + 2
    ok = all(shape[1:]) if batch else all(shape)
    if not ok:
        raise RuntimeError(f"Expected {nk + 1}D or {nk + 2}D (batch mode) tensor with possibly 0 "
                           "batch size and other non-zero dimensions for input, but got: "
                           f"{sizes(shape)}")


_AXIS_NAMES = ("D", "H", "W")


def _too_small(x, pairs, out):
    names = _AXIS_NAMES[3 - len(pairs):]
    ins = x.shape[x.ndim - len(pairs):]
    raise RuntimeError(f"input ({', '.join(f'{n}: {s}' for n, s in zip(names, ins))}) is too "
                       f"small. Calculated output {' '.join(f'{n}: {o}' for n, o in zip(names, out))}")


def _reflect_or_replicate(x, pad, mode):
    nk = len(pad) // 2
    pairs = _pairs(pad)
    _check_valid_input(x, nk)
    nd = x.ndim
    spatial = x.shape[nd - nk:]
    if mode == "reflect":
        # width first: Argument #4 (W), #6 (H), #8 (D)
        for j in range(nk):
            i = nk - 1 - j
            lo, hi = pairs[i]
            if not (lo < spatial[i] and hi < spatial[i]):
                raise RuntimeError(
                    f"Argument #{4 + 2 * j}: Padding size should be less than the corresponding "
                    f"input dimension, but got: padding ({lo}, {hi}) at dimension {nd - nk + i} "
                    f"of input {sizes(x.shape)}")
    out = [n + lo + hi for n, (lo, hi) in zip(spatial, pairs)]
    if any(o < 1 for o in out):
        _too_small(x, pairs, out)
    return _pad_node(mode, nk)(x, (pairs, mode, tuple(x.shape)))


# ------------------------------------------------------------------ circular

def _circular(x, pad):
    shape = list(x.shape)
    nd = len(shape)
    n_padded = len(pad) // 2
    n_lead = nd - n_padded
    if n_lead not in (1, 2):
        raise RuntimeError(f"Invalid padding size, expected 1 or 2 non-padded dimensions, which "
                           f"would be equivalent to padding of length {(nd - 1) * 2} or "
                           f"{(nd - 2) * 2} respectively but got {len(pad)}")
    out_shape = list(shape)
    for i in range(n_padded):
        lo, hi = pad[2 * i], pad[2 * i + 1]
        size = shape[nd - i - 1]
        if not (lo <= size and hi <= size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        out_shape[nd - i - 1] = size + lo + hi
        if out_shape[nd - i - 1] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    out = x.new_empty(out_shape)
    out_sl = [slice(None)] * nd
    in_sl = [slice(None)] * nd
    for i in range(n_padded):
        d = nd - i - 1
        lo, hi = pad[2 * i], pad[2 * i + 1]
        out_sl[d] = slice(max(lo, 0), out_shape[d] - max(hi, 0))
        in_sl[d] = slice(max(-lo, 0), shape[d] - max(-hi, 0))
    out[tuple(out_sl)].copy_(x[tuple(in_sl)])
    for i in range(n_padded):
        d = nd - i - 1
        lo, hi = pad[2 * i], pad[2 * i + 1]
        full = [slice(None)] * nd
        if lo > 0:
            dst, src = list(full), list(full)
            dst[d] = slice(0, lo)
            src[d] = slice(out_shape[d] - lo - max(hi, 0), out_shape[d] - max(hi, 0))
            out[tuple(dst)].copy_(out[tuple(src)])
        if hi > 0:
            dst, src = list(full), list(full)
            dst[d] = slice(out_shape[d] - hi, out_shape[d])
            src[d] = slice(max(lo, 0), max(lo, 0) + hi)
            out[tuple(dst)].copy_(out[tuple(src)])
    return out


# ------------------------------------------------------------------ F.pad

_SUPPORTED = ("Supported combinations for non-constant padding:\n"
              "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
              "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
              "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input, pad, mode="constant", value=None):
    """Pads the trailing dims: constant, reflect, replicate or circular.

    Pads the trailing dims of the input (PyTorch's F.pad): `pad` lists `(left, right)` of the last
    dim first, then of the dim before, ...; `mode` is "constant" (the default; `value`, 0 when None;
    negative pads crop), "reflect" (the edge not repeated; pads smaller than the dim), "replicate"
    (the edge repeated) or "circular" (wrapping around, at most once).

    Constant padding is one node (ConstantPadNdBackward0) whose gradient crops; reflect and
    replicate are one gather each (ReflectionPad2DBackward0 and kin), whose gradient sums back
    through the same indices; circular is written as PyTorch writes it, slice copies into a new
    tensor (CopySlices). All keep nothing but the geometry and differentiate to any order.

    Shape: constant, any input with `len(pad) / 2` dims or more; reflect, replicate and circular pad
    1, 2 or 3 dims of a `(N, C, *)` or `(C, *)` input.
    """
    pad = tuple(pad)
    for i, p in enumerate(pad):
        if isinstance(p, bool) or not isinstance(p, int):
            if hasattr(p, "__index__") and not isinstance(p, bool):
                continue
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but "
                            f"found element of type {type(p).__name__} at pos {i}")
    pad = tuple(int(p) for p in pad)
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    nd = input.ndim
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > nd * 2:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{nd}")
    if mode == "constant":
        return constant_pad(input, pad, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    nk = len(pad) // 2
    if nk in (1, 2, 3) and nd in (nk + 1, nk + 2):
        if mode == "circular":
            return _circular(input, pad)
        return _reflect_or_replicate(input, pad, mode)
    raise NotImplementedError(f"Padding size {len(pad)} is not supported for {nd}D input "
                              f"tensor.\n{_SUPPORTED}")
