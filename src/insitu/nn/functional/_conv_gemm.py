"""The array kernels of the convolutions: matrix products over the columns of blocks of samples.

The columns (im2col) of a block of b samples are laid out (groups, C/g * prod(kernel),
prod(out) * b), the sample being the fastest-varying column index. Deep layers, with few output
positions per sample, still give BLAS long products, and every copy into and out of that layout
(the padded block, the windows, the block's result) moves runs of `out[-1] * b` elements rather
than `out[-1]`. A block of one sample is plain im2col, and its product is written straight into
the result. A block holds enough samples for about `_WIDE` product columns, as long as its
columns fit in `_BLOCK` elements.

The columns and two auxiliary arrays (the padded block or the block's product, and the summed
windows of an input gradient) live in per-thread scratch buffers of at most `_BLOCK` elements
each (8 MB in float32), which later calls reuse; a larger one is allocated for its call only.
Nothing here is kept by a node: the weight's gradient rebuilds the columns from the input.
"""
import math
import threading

from ...backend import xp
from ._windows import offset_slices, offsets

_BLOCK = 1 << 21
_WIDE = 512
_ROWS = 1 << 18  # elements of an input gradient's block of columns by rows (1 MB in float32)
_SMALL = 8     # a weight is small against columns with _SMALL times its rows' count of columns
_ALL = slice(None)
_as_strided = xp.lib.stride_tricks.as_strided
_local = threading.local()


def _scratch(slot, dtype, shape):
    """Scratch slot `slot` of this thread, as a `shape` array of `dtype` (uninitialised)."""
    n = math.prod(shape)
    if n > _BLOCK:
        return xp.empty(shape, dtype)
    bufs = _local.__dict__.setdefault("bufs", {})
    buf = bufs.get((slot, dtype))
    if buf is None or buf.size < n:
        buf = bufs[(slot, dtype)] = xp.empty(n, dtype)
    return buf[:n].reshape(shape)


def _block_size(n, per_sample, positions):
    """Samples per block: about `_WIDE` product columns, columns within `_BLOCK` elements."""
    return max(1, min(n, -(-_WIDE // max(positions, 1)), _BLOCK // max(per_sample, 1)))


def _last_to_front(nd):
    """The axes of an (N, C, *S) block reordered to (C, *S, N)."""
    return tuple(range(1, nd)) + (0,)


def _columns(x, n0, n1, kernel, stride, pads, dilation, out, groups):
    """The columns of samples n0:n1 of x (N, C, *S): (groups, C/g * prod(kernel),
    prod(out) * b), in scratch slot 0 (slot 1 holds the padded block meanwhile)."""
    xb = x[n0:n1]
    b, c = xb.shape[:2]
    nk = len(kernel)
    if any(lo or hi for lo, hi in pads):
        spatial = xb.shape[2:]
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
        xt = _scratch(1, x.dtype, (c,) + padded + (b,))
        for d, ((lo, hi), s) in enumerate(zip(pads, spatial)):     # the borders only
            lead = (_ALL,) * (d + 1)
            if lo:
                xt[lead + (slice(0, lo),)] = 0
            if hi:
                xt[lead + (slice(lo + s, None),)] = 0
        inner = (_ALL,) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pads))
        xp.copyto(xt[inner], xb.transpose(_last_to_front(xb.ndim)))
    elif b > 1:
        xt = _scratch(1, x.dtype, (c,) + xb.shape[2:] + (b,))
        xp.copyto(xt, xb.transpose(_last_to_front(xb.ndim)))
    else:
        xt = xb.transpose(_last_to_front(xb.ndim))
    st = xt.strides
    sp = st[1:1 + nk]
    view = _as_strided(xt, (c,) + tuple(kernel) + tuple(out) + (b,),
                       (st[0],) + tuple(s * d for s, d in zip(sp, dilation)) +
                       tuple(s * k for s, k in zip(sp, stride)) + (st[-1],), writeable=False)
    cols = _scratch(0, x.dtype, view.shape)
    xp.copyto(cols, view)
    return cols.reshape(groups, -1, math.prod(out) * b)


def _grad_block(g, n0, n1, groups):
    """Samples n0:n1 of g (N, O, *out) as (groups, O/g, prod(out) * b): a view for one sample,
    else a copy in scratch slot 1."""
    o = g.shape[1]
    if n1 - n0 == 1:
        return g[n0].reshape(groups, o // groups, -1)
    b = n1 - n0
    gb = g[n0:n1].reshape(b, o, -1)
    t = _scratch(1, g.dtype, (o, gb.shape[2], b))
    xp.copyto(t, gb.transpose(1, 2, 0))
    return t.reshape(groups, o // groups, -1)


def products(x, kernel, stride, pads, dilation, groups, out, w=None, g=None, bias=None):
    """Over the blocks of x's columns: the convolution y = w * cols (+ bias (O,) when given)
    when `w` (O, C/g, *kernel) is given, and the weight gradient gw = g * cols^T when `g`
    (N, O, *out) is given (the columns are built once for both). Returns (y (N, O, *out) or
    None, gw (groups, O/g, C/g * prod(kernel)) or None)."""
    n, c = x.shape[:2]
    p = math.prod(out)
    if g is None and _row_pitch_fits(kernel, stride, dilation, out):
        return _rows_product(x, w, pads, dilation, groups, out, bias), None
    step = _block_size(n, c * math.prod(kernel) * p, p)
    y = gw = part = None
    if w is not None:
        o = w.shape[0]
        y = xp.empty((n, o) + tuple(out), x.dtype)
        wm = w.reshape(groups, o // groups, -1)
        ym = y.reshape(n, groups, o // groups, p)
    # a small weight gradient is computed transposed, (C/g * prod(kernel), O/g): BLAS runs the
    # long columns as its rows faster, and transposing the result back costs little
    transposed = g is not None and n * p >= _SMALL * g.shape[1]
    for n0 in range(0, n, step):
        n1 = min(n0 + step, n)
        b = n1 - n0
        cols = _columns(x, n0, n1, kernel, stride, pads, dilation, out, groups)
        if w is not None:
            if b == 1:
                xp.matmul(wm, cols, out=ym[n0])
            else:
                yb = xp.matmul(wm, cols, out=_scratch(1, x.dtype, (groups, o // groups, p * b)))
                xp.copyto(y[n0:n1].reshape(b, o, p), yb.reshape(o, p, b).transpose(2, 0, 1))
        if g is not None:
            gb = _grad_block(g, n0, n1, groups)
            a, bm = (cols, gb.transpose(0, 2, 1)) if transposed else (gb, cols.transpose(0, 2, 1))
            if gw is None:
                gw = xp.matmul(a, bm)
            else:
                part = xp.matmul(a, bm, out=part)
                gw += part
    if transposed:
        gw = xp.ascontiguousarray(gw.transpose(0, 2, 1))
    if bias is not None:
        y += bias.reshape((1, -1) + (1,) * len(out))
    return y, gw


def _row_pitch_fits(kernel, stride, dilation, out):
    """Whether a 2-d convolution is computed at the padded input's row pitch
    (`_rows_product`): stride 1, rows of at least `_WIDE` output positions per sample (below
    that the sample-fastest columns give BLAS longer products), and the padding columns it
    computes and drops at most a quarter of the output's."""
    if len(kernel) != 2 or stride[0] != 1 or stride[1] != 1:
        return False
    oh, ow = out
    return oh * ow >= _WIDE and 4 * (kernel[1] - 1) * dilation[1] <= ow


def _rows_product(x, w, pads, dilation, groups, out, bias):
    """The convolution y = w * cols (+ bias) (2-d, stride 1), the columns taken at the padded
    input's row pitch: with each padded sample flattened, the window of kernel offset (i, j)
    over all output positions is one contiguous run starting at i * d0 * pitch + j * d1, so
    the columns of a block of samples are one copy of long runs (no copy per output row), the
    product is one batched matrix product, and its rows are cropped of the padding columns
    into y, the bias added on the way."""
    n, c, h, wd = x.shape
    o = w.shape[0]
    kh, kw = w.shape[2:]
    (lo_h, hi_h), (lo_w, hi_w) = pads
    hp, wp = h + lo_h + hi_h, wd + lo_w + hi_w
    oh, ow = out
    length = oh * wp
    span = hp * wp + (kw - 1) * dilation[1]          # the last offset's run reads this far
    k = c * kh * kw
    step = max(1, min(n, _ROWS // max(k * length, 1)))
    y = xp.empty((n, o, oh, ow), x.dtype)
    wm = w.reshape(groups, o // groups, k // groups)
    for n0 in range(0, n, step):
        n1 = min(n0 + step, n)
        b = n1 - n0
        xt = _scratch(1, x.dtype, (b, c, span))
        xt.fill(0)
        xp.copyto(xt[:, :, :hp * wp].reshape(b, c, hp, wp)[:, :, lo_h:lo_h + h, lo_w:lo_w + wd],
                  x[n0:n1])
        st = xt.strides
        view = _as_strided(xt, (b, c, kh, kw, length),
                           (st[0], st[1], dilation[0] * wp * st[2], dilation[1] * st[2], st[2]),
                           writeable=False)
        cols = _scratch(0, x.dtype, view.shape)
        xp.copyto(cols, view)
        yb = xp.matmul(wm, cols.reshape(b, groups, k // groups, length),
                       out=_scratch(2, x.dtype, (b, groups, o // groups, length)))
        rows = yb.reshape(b, o, oh, wp)[..., :ow]
        if bias is None:
            xp.copyto(y[n0:n1], rows)
        else:
            xp.add(rows, bias.reshape(o, 1, 1), out=y[n0:n1])
    return y


def input_grad(g, w, spatial, stride, pads, dilation, groups):
    """The adjoint of the convolution in its input (a transposed convolution): g (N, O, *out)
    to (N, C, *spatial). With stride 1 and a weight small against the columns, it is the
    convolution of g with the flipped, transposed weight; otherwise, per block, the columns'
    gradient w^T * g, their windows summed into the padded block (one strided add per kernel
    offset) and cropped into the result."""
    n, o = g.shape[:2]
    out = tuple(g.shape[2:])
    kernel = tuple(w.shape[2:])
    cg = w.shape[1]
    c = cg * groups
    nk = len(kernel)
    n_out = n * math.prod(spatial)
    if all(s == 1 for s in stride) and n_out >= _SMALL * c:
        # pads that make the convolution of g come out `spatial` long, aligned
        flipped = [(d * (k - 1) - lo, size - ln + lo) for k, d, (lo, _), size, ln
                   in zip(kernel, dilation, pads, spatial, out)]
        if all(lo >= 0 and hi >= 0 for lo, hi in flipped):
            wf = xp.empty((groups, cg, o // groups) + kernel, w.dtype)
            xp.copyto(wf, w.reshape((groups, o // groups, cg) + kernel).swapaxes(1, 2)[
                (_ALL,) * 3 + (slice(None, None, -1),) * nk])
            return products(g, kernel, stride, flipped, dilation, groups, spatial,
                            w=wf.reshape((c, o // groups) + kernel))[0]
    p = math.prod(out)
    ksize = math.prod(kernel)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    gx = xp.empty((n, c) + tuple(spatial), g.dtype)
    wt = w.reshape(groups, o // groups, -1).transpose(0, 2, 1)
    step = _block_size(n, c * ksize * p, p)
    inner = (_ALL,) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, pads))
    windows = [(_ALL,) + offset_slices(off, stride, dilation, out) + (_ALL,)
               for off in offsets(kernel)]
    for n0 in range(0, n, step):
        n1 = min(n0 + step, n)
        b = n1 - n0
        gb = _grad_block(g, n0, n1, groups)
        gcols = xp.matmul(wt, gb, out=_scratch(0, g.dtype, (groups, cg * ksize, p * b)))
        gcols = gcols.reshape((c, ksize) + out + (b,))
        res = _scratch(2, g.dtype, (c,) + padded + (b,))
        res.fill(0)
        for k, view in enumerate(windows):
            res[view] += gcols[:, k]
        xp.copyto(gx[n0:n1], res[inner].transpose((nk + 1,) + tuple(range(nk + 1))))
    return gx


def input_grad_rows(g, w, spatial, pads, dilation, groups):
    """`input_grad` for stride 1 in 2-d, a few samples at a time: with the gradient laid out
    at the padded input's row pitch (zero columns after each row), every kernel offset's
    contribution is one contiguous run of the flattened padded block, so col2im is kh*kw long
    1-d adds. The block's columns' gradient stays within `_ROWS` elements (in cache)."""
    n, o, oh, ow = g.shape
    kh, kw = w.shape[2:]
    cg = w.shape[1]
    c = cg * groups
    hp, wp = (s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    length = oh * wp
    span = hp * wp + (kw - 1) * dilation[1] + wp
    wt = w.reshape(groups, o // groups, -1).transpose(0, 2, 1)
    step = max(1, min(n, _ROWS // max(c * kh * kw * length, 1)))
    gx = xp.empty((n, c) + tuple(spatial), g.dtype)
    (lo_h, _), (lo_w, _) = pads
    h, wd = spatial
    for n0 in range(0, n, step):
        n1 = min(n0 + step, n)
        b = n1 - n0
        ge = _scratch(1, g.dtype, (b, o, oh, wp))
        ge[..., ow:] = 0
        ge[..., :ow] = g[n0:n1]
        gcols = xp.matmul(wt, ge.reshape(b, groups, o // groups, length),
                          out=_scratch(0, g.dtype, (b, groups, cg * kh * kw, length)))
        gcols = gcols.reshape(b, c, kh * kw, length)
        res = _scratch(2, g.dtype, (b, c, span))
        res.fill(0)
        k = 0
        for i in range(kh):
            for j in range(kw):
                start = i * dilation[0] * wp + j * dilation[1]
                res[:, :, start:start + length] += gcols[:, :, k]
                k += 1
        padded = res[:, :, :hp * wp].reshape(b, c, hp, wp)
        xp.copyto(gx[n0:n1], padded[:, :, lo_h:lo_h + h, lo_w:lo_w + wd])
    return gx
