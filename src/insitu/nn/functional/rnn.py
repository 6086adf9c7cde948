"""The recurrent layers (RNN with tanh or ReLU, LSTM with or without a projection, GRU) and
their cells, each layer and direction one fused node over the whole sequence.

The forward pass is one time loop over NumPy arrays: the input's contribution to every gate is
one matrix product over all steps, then each step adds its hidden state's product (BLAS) and
applies the gates in place. The node keeps the activated gates and the states each step read
(private arrays), and its backward is the same loop run backwards, ending in one matrix product
per weight over all steps. For a backward that builds a graph, the composite form (the same
loop in insitu ops) is differentiated instead.

Weights are laid out as PyTorch's: gates stacked along the rows of weight_ih/weight_hh in the
order (i, f, g, o) for LSTM and (r, z, n) for GRU, so state_dicts move between the two.

A layer runs over rows: a padded (T, B, I) input is T steps of B rows, a PackedSequence's data
is its steps one after another, each with `batch_sizes[t]` rows. A step is (first row, rows),
in the order the direction processes them; a state row that a shorter sequence no longer
updates keeps its last value, which is that sequence's final state.
"""
from ...autograd import recorder
from ...autograd.engine import grad as autograd_grad
from ...autograd.grad_mode import enable_grad, mode
from ...backend import xp
from ...core.tensor import wrap
from ...creation import zeros
from ...ops.derivatives import Derivative, FormulaNode, record
from ...ops.shape import cat, stack
from .dropout import dropout as _dropout
from .linear import linear

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_INPUTS = ("input", "hx", "cx", "w_ih", "w_hh", "b_ih", "b_hh", "w_hr")


# ------------------------------------------------------------------ steps

def padded_steps(seq_len, batch, reverse):
    """`(start row, batch)` of each time step of a padded `(seq_len * batch, ...)` input, last step
    first when `reverse`.
    """
    steps = [(t * batch, batch) for t in range(seq_len)]
    return steps[::-1] if reverse else steps


def packed_steps(batch_sizes, reverse):
    """`(start row, batch size)` of each time step of packed data with `batch_sizes`, last step
    first when `reverse`.
    """
    steps, start = [], 0
    for b in batch_sizes:
        steps.append((start, b))
        start += b
    return steps[::-1] if reverse else steps


# ------------------------------------------------------------------ the kernels' layout
# The kernels read the gates in an order of their own: LSTM's as (i, f, o, g), so that the three
# sigmoids are one call, and every sigmoid gate's weights and biases negated, so that
# 1 / (1 + exp(-a)) starts at exp. Both are exact (a permutation, a sign), and the gradients
# are put back in PyTorch's order at the end.

def _rows(mode_, size):
    """The kernels' row order of the stacked gates (None: PyTorch's own)."""
    if mode_ != "LSTM":
        return None
    r = xp.arange(4 * size)
    return xp.concatenate((r[:2 * size], r[3 * size:], r[2 * size:3 * size]))


def _signs(mode_, size, dtype):
    """-1 on the sigmoid gates (the kernels' order), +1 elsewhere (None: no sign)."""
    sig = {"LSTM": 3, "GRU": 2}.get(mode_)
    if sig is None:
        return None
    s = xp.ones(GATES[mode_] * size, dtype)
    s[:sig * size] = -1
    return s


def _kernel_weights(mode_, w_ih, w_hh, b_ih, b_hh):
    """(x weights (I, G), h weights (P, G), bias added with x, bias added with h): transposed
    and C-contiguous (what BLAS reads fastest), in the kernels' order and signs, each made in
    one copy."""
    size = w_hh.shape[0] // GATES[mode_]
    rows, signs = _rows(mode_, size), _signs(mode_, size, w_ih.dtype)

    def transposed(w):
        wt = w.T
        if rows is not None:
            # a gather of w's rows (runs of contiguous memory), transposed into C order in the
            # pass that applies the signs
            wt = xp.take(w, rows, axis=0).T
            if signs is not None:
                return xp.multiply(wt, signs, order="C")
            return xp.ascontiguousarray(wt)
        if signs is not None:
            return xp.multiply(wt, signs, order="C")
        return xp.ascontiguousarray(wt)

    def vector(b):
        if rows is not None:
            b = b[rows]
        return b * signs if signs is not None else b

    bx = bh = None
    if b_ih is not None:
        if mode_ == "GRU":              # n's hidden bias sits inside r * (W_hn h + b_hn)
            bx, bh = vector(b_ih), vector(b_hh)
        else:
            bx = vector(b_ih + b_hh)
    return transposed(w_ih), transposed(w_hh), bx, bh


# ------------------------------------------------------------------ forward, on arrays

def _sigmoid_neg_(a):
    """1 / (1 + exp(a)) in place: the sigmoid of -a (the kernels keep sigmoid gates negated)."""
    xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)


def _forward(mode_, x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr, steps, keep):
    """Run the steps over rows x (N, I) from states h (B, P) and c (B, H), updated in place
    to the final states. Returns the outputs (N, P) and what backward reads (None unless
    keep): the activated gates (kernels' order) and the states each step read."""
    n = x.shape[0]
    dt = x.dtype
    out = xp.empty((n, h.shape[1]), dt)
    hp = xp.empty((n, h.shape[1]), dt) if keep else None
    size = w_hh.shape[0] // GATES[mode_]
    wx, wh, bx, bh = _kernel_weights(mode_, w_ih, w_hh, b_ih, b_hh)
    g = xp.matmul(x, wx)
    if bx is not None:
        g += bx
    hw = xp.empty((h.shape[0], w_hh.shape[0]), dt)
    if mode_ == "LSTM":
        cp = xp.empty((n, size), dt) if keep else None
        tc = xp.empty((n, size), dt) if keep else None
        whr = w_hr.T if w_hr is not None else None
        tmp = xp.empty((h.shape[0], size), dt)
        for s, b in steps:
            e = s + b
            if keep:
                hp[s:e] = h[:b]
                cp[s:e] = c[:b]
            gates = g[s:e]
            gates += xp.matmul(h[:b], wh, out=hw[:b])
            _sigmoid_neg_(gates[:, :3 * size])
            gg = gates[:, 3 * size:]
            xp.tanh(gg, out=gg)
            cb = c[:b]
            ig = xp.multiply(gates[:, :size], gg, out=tmp[:b])
            cb *= gates[:, size:2 * size]
            cb += ig
            t = xp.tanh(cb, out=tc[s:e] if keep else tmp[:b])
            if whr is None:
                xp.multiply(gates[:, 2 * size:3 * size], t, out=out[s:e])
            else:
                xp.matmul(gates[:, 2 * size:3 * size] * t, whr, out=out[s:e])
            h[:b] = out[s:e]
        return out, ((g, hp, cp, tc) if keep else None)
    if mode_ == "GRU":
        hwn = xp.empty((n, size), dt) if keep else None
        for s, b in steps:
            e = s + b
            hb = h[:b]
            if keep:
                hp[s:e] = hb
            hh = xp.matmul(hb, wh, out=hw[:b])
            if bh is not None:
                hh += bh
            gates = g[s:e]
            rz = gates[:, :2 * size]
            rz += hh[:, :2 * size]
            _sigmoid_neg_(rz)
            ng = gates[:, 2 * size:]
            ng += gates[:, :size] * hh[:, 2 * size:]
            xp.tanh(ng, out=ng)
            if keep:
                hwn[s:e] = hh[:, 2 * size:]
            o = xp.subtract(hb, ng, out=out[s:e])
            o *= gates[:, size:2 * size]
            o += ng
            hb[...] = o
        return out, ((g, hp, hwn) if keep else None)
    relu = mode_ == "RNN_RELU"
    for s, b in steps:
        e = s + b
        if keep:
            hp[s:e] = h[:b]
        pre = g[s:e]
        pre += xp.matmul(h[:b], wh, out=hw[:b])
        if relu:
            xp.maximum(pre, 0, out=pre)
        else:
            xp.tanh(pre, out=pre)
        out[s:e] = pre
        h[:b] = pre
    return out, ((g, hp) if keep else None)


# ------------------------------------------------------------------ backward, on arrays

def _backward(mode_, needs, g_out, g_h, g_c, x, w_ih, w_hh, w_hr, saved, steps, h_shape,
              c_shape):
    """The gradients of (input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr) (None where not
    needed), running the steps backwards."""
    dt = x.dtype
    dh = g_h.copy() if g_h is not None else xp.zeros(h_shape, dt)
    size = w_hh.shape[0] // GATES[mode_]
    rows = _rows(mode_, size)
    res = [None] * 8
    if mode_ == "LSTM":
        g, hp, cp, tc = saved
        wh = w_hh[rows]
        dc = g_c.copy() if g_c is not None else xp.zeros(c_shape, dt)
        # every step's activation derivatives at once, before the loop: s (1 - s) of the
        # sigmoids, 1 - g^2 of the cell gate, 1 - tanh(c)^2
        dg = 1 - g
        dg[:, :3 * size] *= g[:, :3 * size]
        cell = g[:, 3 * size:]
        xp.multiply(cell, cell, out=dg[:, 3 * size:])
        xp.subtract(1, dg[:, 3 * size:], out=dg[:, 3 * size:])
        dtc = 1 - tc * tc
        dh_all = xp.empty_like(hp) if w_hr is not None else None
        for s, b in reversed(steps):
            e = s + b
            dhb = dh[:b]
            if g_out is not None:
                dhb += g_out[s:e]
            if w_hr is not None:
                dh_all[s:e] = dhb
                dhb = xp.matmul(dhb, w_hr)
            gates, d = g[s:e], dg[s:e]
            dcb = dc[:b]
            do = dhb * gates[:, 2 * size:3 * size]
            do *= dtc[s:e]
            dcb += do                                   # dc += dh * o * (1 - tanh(c)^2)
            d[:, 2 * size:3 * size] *= dhb
            d[:, 2 * size:3 * size] *= tc[s:e]          # do = dh * tanh(c) * o (1 - o)
            d[:, :size] *= dcb
            d[:, :size] *= gates[:, 3 * size:]          # di = dc * g * i (1 - i)
            d[:, size:2 * size] *= dcb
            d[:, size:2 * size] *= cp[s:e]              # df = dc * c_prev * f (1 - f)
            d[:, 3 * size:] *= dcb
            d[:, 3 * size:] *= gates[:, :size]          # dg = dc * i * (1 - g^2)
            dcb *= gates[:, size:2 * size]
            xp.matmul(d, wh, out=dh[:b])
        res[2] = dc if needs[2] else None
        if needs[7]:
            res[7] = xp.matmul(dh_all.T, g[:, 2 * size:3 * size] * tc)
        d_ih = d_hh = dg
    elif mode_ == "GRU":
        g, hp, hwn = saved
        # the activation derivatives of every step at once: s (1 - s) of r and z, 1 - n^2
        d_ih = 1 - g
        d_ih[:, :2 * size] *= g[:, :2 * size]
        n_all = g[:, 2 * size:]
        xp.multiply(n_all, n_all, out=d_ih[:, 2 * size:])
        xp.subtract(1, d_ih[:, 2 * size:], out=d_ih[:, 2 * size:])
        one_minus_z = 1 - g[:, size:2 * size]
        hp_minus_n = hp - n_all
        d_hh = xp.empty_like(g)
        for s, b in reversed(steps):
            e = s + b
            dhb = dh[:b]
            if g_out is not None:
                dhb += g_out[s:e]
            gates, di, dhh = g[s:e], d_ih[s:e], d_hh[s:e]
            dn = di[:, 2 * size:]
            dn *= dhb
            dn *= one_minus_z[s:e]                      # dn = dh (1 - z) (1 - n^2)
            dz = di[:, size:2 * size]
            dz *= dhb
            dz *= hp_minus_n[s:e]                       # dz = dh (h - n) z (1 - z)
            dr = di[:, :size]
            dr *= dn
            dr *= hwn[s:e]                              # dr = dn (W_hn h + b_hn) r (1 - r)
            dhh[:, :2 * size] = di[:, :2 * size]
            xp.multiply(dn, gates[:, :size], out=dhh[:, 2 * size:])
            dhb *= gates[:, size:2 * size]
            dhb += xp.matmul(dhh, w_hh)
    else:
        g, hp = saved
        d_ih = d_hh = xp.empty_like(g)
        relu = mode_ == "RNN_RELU"
        for s, b in reversed(steps):
            e = s + b
            dhb = dh[:b]
            if g_out is not None:
                dhb += g_out[s:e]
            a = g[s:e]
            d = d_ih[s:e]
            if relu:
                xp.multiply(dhb, a > 0, out=d)
            else:
                xp.multiply(dhb, 1 - a * a, out=d)
            xp.matmul(d, w_hh, out=dh[:b])
    res[1] = dh if needs[1] else None
    if needs[0]:
        res[0] = xp.matmul(d_ih, w_ih if rows is None else w_ih[rows])
    if needs[3]:
        res[3] = _natural(xp.matmul(d_ih.T, x), rows)
    if needs[4]:
        res[4] = _natural(xp.matmul(d_hh.T, hp), rows)
    if needs[5]:
        res[5] = _natural(d_ih.sum(0), rows)
    if needs[6]:
        res[6] = _natural(d_hh.sum(0), rows)
    return res


def _natural(grad, rows):
    """A gradient over the stacked gates back in PyTorch's order (the kernels' permutation of
    the rows is its own inverse)."""
    return grad if rows is None else grad[rows]


# ------------------------------------------------------------------ the composite (insitu ops)

def _state_rows(new, old, b):
    return new if b == old.shape[0] else cat([new, old[b:]])


def _composite(mode_, input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr, steps, batch):
    x = input.reshape(-1, input.shape[-1])
    size = w_hh.shape[0] // GATES[mode_]
    dt = input.dtype
    h = hx if hx is not None else zeros((batch, w_hh.shape[1]), dtype=dt)
    c = cx if cx is not None else zeros((batch, size), dtype=dt)
    xw = linear(x, w_ih, b_ih)
    outs = {}
    for s, b in steps:
        hb = h[:b]
        hw = linear(hb, w_hh, b_hh)
        gx = xw[s:s + b]
        if mode_ == "LSTM":
            i, f, gg, o = (gx + hw).chunk(4, 1)
            cn = f.sigmoid() * c[:b] + i.sigmoid() * gg.tanh()
            hn = o.sigmoid() * cn.tanh()
            if w_hr is not None:
                hn = linear(hn, w_hr)
            c = _state_rows(cn, c, b)
        elif mode_ == "GRU":
            xr, xz, xn = gx.chunk(3, 1)
            hr, hz, hn_ = hw.chunk(3, 1)
            r = (xr + hr).sigmoid()
            z = (xz + hz).sigmoid()
            n = (xn + r * hn_).tanh()
            hn = (hb - n) * z + n
        else:
            pre = gx + hw
            hn = pre.relu() if mode_ == "RNN_RELU" else pre.tanh()
        h = _state_rows(hn, h, b)
        outs[s] = hn
    out = cat([outs[s] for s in sorted(outs)])
    return out, h, c


# ------------------------------------------------------------------ the nodes

class _SeveralOutputs(FormulaNode):
    """A fused node of several outputs: its double backward differentiates the composite with
    every output's gradient."""
    __slots__ = ()

    def _through_composite(self, grads):
        d = self.derivative
        saved = self.saved
        inputs = [saved[n].unpack(self) if n in saved else r for n, r in zip(d.inputs, self.refs)]
        kwargs = {e[1]: self._read(e, grads, False) for e in d.composite_values}
        with enable_grad():
            outs = d.composite(*inputs, **kwargs)
        pairs = [(o, g) for o, g in zip(outs, grads)
                 if g is not None and o is not None and o.requires_grad]
        wanted = [t for t, n in zip(inputs, self.needs) if n]
        got = iter(autograd_grad([o for o, _ in pairs], wanted, [g for _, g in pairs],
                                 create_graph=True, allow_unused=True))
        res = [next(got) if n else None for n in self.needs]
        return [res[i] for i in self.kept]


def _several(derivative):
    derivative.node_cls = type(derivative.name, (_SeveralOutputs,),
                               {"__slots__": (), "derivative": derivative,
                                "num_outputs": len(derivative.outputs),
                                "_display": derivative.node_cls._display,
                                **derivative.saved_attributes()})
    return derivative


def _layer_backward(grads, needs, input, w_ih, w_hh, w_hr, mode, steps, saved, batch):
    g_c = grads[2] if len(grads) > 2 else None
    x = input.reshape(-1, input.shape[-1])
    h_shape = (batch, w_hh.shape[1])
    c_shape = (batch, w_hh.shape[0] // 4)
    res = _backward(mode, needs, grads[0].reshape(x.shape[0], -1), grads[1], g_c, x, w_ih,
                    w_hh, w_hr, saved, steps, h_shape, c_shape)
    if res[0] is not None:
        res[0] = res[0].reshape(input.shape)
    return res


def _layer_composite(input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr, mode, steps, batch,
                     out_shape):
    out, h, c = _composite(mode, input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr, steps, batch)
    out = out.reshape(out_shape)
    return (out, h, c) if mode == "LSTM" else (out, h)


def _layer_derivative(name, outputs):
    return _several(Derivative(name, {_INPUTS: _layer_backward}, inputs=_INPUTS,
                               outputs=outputs, composite=_layer_composite))


# PyTorch's output is a stack of the steps' states (a cat of them for a packed sequence)
_LAYER = {(packed, lstm): _layer_derivative("CatBackward0" if packed else "StackBackward0",
                                            ("output", "h_n", "c_n") if lstm else
                                            ("output", "h_n"))
          for packed in (False, True) for lstm in (False, True)}


def _array(t):
    return None if t is None else t._data


def rnn_layer(mode_, input, hx, cx, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None,
              batch_sizes=None, reverse=False):
    """One layer in one direction: input (T, B, I), or a packed sequence's data (N, I) with
    its batch_sizes (a list). Returns (output, h_n, c_n); c_n is None but for LSTM."""
    x = input._data
    if batch_sizes is None:
        steps = padded_steps(x.shape[0], x.shape[1], reverse)
        batch = x.shape[1]
    else:
        steps = packed_steps(batch_sizes, reverse)
        batch = batch_sizes[0]
    rows = x.reshape(-1, x.shape[-1])
    dt = x.dtype
    size = w_hh._data.shape[0] // GATES[mode_]
    h = hx._data.copy() if hx is not None else xp.zeros((batch, w_hh._data.shape[1]), dt)
    lstm = mode_ == "LSTM"
    c = (cx._data.copy() if cx is not None else xp.zeros((batch, size), dt)) if lstm else None
    inputs = (input, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr)
    keep = mode.grad and recorder.needs_grad(inputs)
    out, saved = _forward(mode_, rows, h, c, w_ih._data, w_hh._data, _array(b_ih),
                          _array(b_hh), _array(w_hr), steps, keep)
    out = out.reshape(x.shape[:-1] + (out.shape[1],))
    tdt = input._dtype
    outputs = (wrap(out, tdt), wrap(h, tdt)) + ((wrap(c, tdt),) if lstm else ())
    if keep:
        record(_LAYER[(batch_sizes is not None, lstm)], inputs, outputs,
               {"mode": mode_, "steps": steps, "saved": saved, "batch": batch,
                "out_shape": out.shape})
    return outputs if lstm else outputs + (None,)


def rnn(mode_, input, hx, cx, weights, num_layers, dropout, train, bidirectional,
        batch_sizes=None):
    """Every layer and direction (PyTorch's _VF.rnn_tanh/rnn_relu/lstm/gru, time first):
    weights is one (w_ih, w_hh, b_ih, b_hh, w_hr) per layer and direction. hx (and cx) are
    (layers * directions, B, *) or None. Dropout applies to every layer's output but the
    last's. Returns (output, h_n, c_n)."""
    dirs = 2 if bidirectional else 1
    layer_input = input
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            out, h, c = rnn_layer(mode_, layer_input, None if hx is None else hx[k],
                                  None if cx is None else cx[k], *weights[k],
                                  batch_sizes=batch_sizes, reverse=d == 1)
            outs.append(out)
            hs.append(h)
            cs.append(c)
        layer_input = outs[0] if dirs == 1 else cat(outs, -1)
        if dropout and train and layer < num_layers - 1:
            layer_input = _dropout(layer_input, dropout, True)
    return layer_input, stack(hs), (stack(cs) if mode_ == "LSTM" else None)


# ------------------------------------------------------------------ cells

def _cell_backward(grads, needs, input, w_ih, w_hh, mode, saved):
    g_c = grads[1] if mode == "LSTM" else None
    steps = [(0, input.shape[0])]
    h_shape = (input.shape[0], w_hh.shape[1])
    c_shape = (input.shape[0], w_hh.shape[0] // 4)
    return _backward(mode, needs + (False,), grads[0], None, g_c, input, w_ih, w_hh, None,
                     saved, steps, h_shape, c_shape)[:7]


def _cell_composite(input, hx, cx, w_ih, w_hh, b_ih, b_hh, mode):
    out, h, c = _composite(mode, input, hx, cx, w_ih, w_hh, b_ih, b_hh, None,
                           [(0, input.shape[0])], input.shape[0])
    return (h, c) if mode == "LSTM" else h


_CELL_INPUTS = _INPUTS[:7]
_CELLS = {
    "RNN_TANH": Derivative("TanhBackward0", {_CELL_INPUTS: _cell_backward},
                           inputs=_CELL_INPUTS, composite=_cell_composite),
    "RNN_RELU": Derivative("ReluBackward0", {_CELL_INPUTS: _cell_backward},
                           inputs=_CELL_INPUTS, composite=_cell_composite),
    "GRU": Derivative("AddBackward0", {_CELL_INPUTS: _cell_backward}, inputs=_CELL_INPUTS,
                      composite=_cell_composite),
    # PyTorch's h' is a product (MulBackward0), its c' a sum: one node here gives both
    "LSTM": _several(Derivative("MulBackward0", {_CELL_INPUTS: _cell_backward},
                                inputs=_CELL_INPUTS, outputs=("h", "c"),
                                composite=_cell_composite)),
}


def _check_cell(mode_, input, hx, cx, w_ih, w_hh):
    x = input._data
    size = w_hh._data.shape[1]
    if x.shape[1] != w_ih._data.shape[1]:
        raise RuntimeError(f"input has inconsistent input_size: got {x.shape[1]} expected "
                           f"{w_ih._data.shape[1]}")
    for label, t in ((0, hx), (1, cx)):
        if t is None:
            continue
        s = t._data.shape
        if x.shape[0] != s[0]:
            raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{label} "
                               f"batch size {s[0]}")
        if s[1] != size:
            raise RuntimeError(f"hidden{label} has inconsistent hidden_size: got {s[1]}, "
                               f"expected {size}")
    if input._dtype is not w_ih._dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{input._dtype.legacy} and {w_ih._dtype.legacy}")


def rnn_cell(mode_, input, hx, cx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One step (PyTorch's _VF.rnn_tanh_cell/rnn_relu_cell/gru_cell/lstm_cell) on batched
    input (B, I) and states (B, H). Returns h', or (h', c') for LSTM."""
    _check_cell(mode_, input, hx, cx if mode_ == "LSTM" else None, w_ih, w_hh)
    x = input._data
    h = hx._data.copy()
    lstm = mode_ == "LSTM"
    c = cx._data.copy() if lstm else None
    inputs = (input, hx, cx if lstm else None, w_ih, w_hh, b_ih, b_hh)
    keep = mode.grad and recorder.needs_grad(inputs)
    _, saved = _forward(mode_, x, h, c, w_ih._data, w_hh._data, _array(b_ih), _array(b_hh),
                        None, [(0, x.shape[0])], keep)
    dt = input._dtype
    outputs = (wrap(h, dt), wrap(c, dt)) if lstm else wrap(h, dt)
    if keep:
        record(_CELLS[mode_], inputs, outputs, {"mode": mode_, "saved": saved})
    return outputs
