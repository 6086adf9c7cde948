"""RNN, LSTM and GRU (several layers, both directions, packed sequences) and their cells, with
PyTorch's parameter names, shapes, gate order and initialisation U(-1/sqrt(H), 1/sqrt(H)), so
state_dicts move between the two.

The layers run in `nn.functional.rnn`: one fused node per layer and direction.
"""
import math
import numbers
import warnings

from ...creation import empty, zeros
from ..functional import rnn as F_rnn
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .linear import _factory
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _apply_permutation(tensor, permutation, dim=1):
    return tensor.index_select(dim, permutation)


def _check_number(name, value):
    if not isinstance(value, int):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero")


class RNNBase(Module):
    """The base of RNN, LSTM and GRU: parameters per layer and direction, checks, kernel calls.

    `RNNBase(mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None)`, `mode` one of
    "RNN_TANH", "RNN_RELU", "LSTM", "GRU"; the subclasses document the arguments. An unknown
    mode, a `dropout` outside `[0, 1]`, `num_layers < 1` or a `proj_size` out of range raise
    ValueError, a non-bool `bias` or `batch_first` TypeError; a dropout with one layer warns.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0, device=None,
                 dtype=None):
        super().__init__()
        dt = _factory(device, dtype)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: "
                            f"{type(batch_first).__name__}")
        _check_number("input_size", input_size)
        _check_number("hidden_size", hidden_size)
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in F_rnn.GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = F_rnn.GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                shapes = [(gate_size, layer_input_size), (gate_size, real_hidden_size)]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    shapes.append((proj_size, hidden_size))
                    names.append("weight_hr_l{}{}")
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(empty(shape, dtype=dt)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters per layer and direction, as lists in PyTorch's order."""
        return [[getattr(self, w) for w in weights] for weights in self._all_weights]

    def flatten_parameters(self):
        """A no-op, as in PyTorch off the GPU."""

    def reset_parameters(self):
        """Fills every parameter from `U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    # ------------------------------------------------------------------ checks

    def check_input(self, input, batch_sizes):
        """Checks `input`: the weights' dtype, 2 dims when packed or 3, `input_size` features.

        A wrong dtype raises ValueError, the others RuntimeError.
        """
        w = self._flat_weights[0]
        if input.dtype != w.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({w.dtype}). Convert input: input.to({w.dtype}), or convert "
                             f"model: model.to({input.dtype})")
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f"input must have {expected_input_dim} dimensions, got "
                               f"{input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes):
        """The hidden state's shape, `(num_layers * directions, batch, proj_size or hidden_size)`.
        """
        return self._state_shape(input, batch_sizes,
                                 self.proj_size if self.proj_size > 0 else self.hidden_size)

    def _state_shape(self, input, batch_sizes, size):
        """`(num_layers * num_directions, batch, size)` for this input (packed or not)."""
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, size)

    def check_hidden_size(self, hx, expected_hidden_size,
                          msg="Expected hidden size {}, got {}"):
        """Raises RuntimeError (`msg` formatted) when `hx`'s shape is not the expected one."""
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes):
        """`check_input`, then the hidden state's shape."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        """`hx` reordered along the batch dim by `permutation` (None leaves it)."""
        if permutation is None:
            return hx
        return _apply_permutation(hx, permutation)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # ------------------------------------------------------------------ running

    def _weights(self):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of every layer and direction."""
        out = []
        for names in self._all_weights:
            ws = [getattr(self, n) for n in names]
            w_ih, w_hh = ws[0], ws[1]
            b_ih, b_hh = (ws[2], ws[3]) if self.bias else (None, None)
            w_hr = ws[-1] if self.proj_size > 0 else None
            out.append((w_ih, w_hh, b_ih, b_hh, w_hr))
        return out

    def _unpack(self, input, kind):
        """(time-first input, batch_sizes list or None, sorted/unsorted indices, is_batched,
        batch dim)."""
        if isinstance(input, PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            return (data, [int(b) for b in batch_sizes.tolist()], sorted_indices,
                    unsorted_indices, True, None)
        if input.dim() not in (2, 3):
            raise ValueError(f"{kind}: Expected input to be 2D or 3D, got {input.dim()}D "
                             + ("tensor instead" if kind == "RNN" else "instead"))
        batch_dim = 0 if self.batch_first else 1
        is_batched = input.dim() == 3
        if not is_batched:
            input = input.unsqueeze(batch_dim)
        return input, None, None, None, is_batched, batch_dim

    def _zeros(self, batch, size, like):
        n = self.num_layers * (2 if self.bidirectional else 1)
        return zeros((n, batch, size), dtype=like.dtype)

    def _run(self, input, hx, cx, batch_sizes):
        if batch_sizes is None:
            if input.size(0 if not self.batch_first else 1) == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            if self.batch_first:
                input = input.transpose(0, 1)
        out, h, c = F_rnn.rnn(self.mode, input, hx, cx, self._weights(), self.num_layers,
                              self.dropout, self.training, self.bidirectional, batch_sizes)
        if batch_sizes is None and self.batch_first:
            # PyTorch's RNN and GRU transpose their output in place (TransposeBackward1), LSTM not
            out = out.transpose(0, 1) if self.mode == "LSTM" else out.transpose_(0, 1)
        return out, h, c

    def _wrap_output(self, orig_input, output, batch_sizes, sorted_indices, unsorted_indices):
        if isinstance(orig_input, PackedSequence):
            return PackedSequence(output, orig_input.batch_sizes, sorted_indices,
                                  unsorted_indices)
        return output


class RNN(RNNBase):
    """Multi-layer Elman RNN with tanh or ReLU.

    An Elman RNN: `h_t = act(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh)` per layer, act tanh or
    ReLU.

    Arguments: `input_size`, `hidden_size`, `num_layers=1`, `nonlinearity="tanh"` (or "relu"; also
    the fourth positional argument), `bias=True` (False: no `bias_ih`/`bias_hh`),
    `batch_first=False` (input and output `(N, L, *)` instead of `(L, N, *)`; the hidden state stays
    layer-first), `dropout=0.0` (dropout on each layer's output but the last, in training),
    `bidirectional=False`, `device`, `dtype`. Parameters, per layer `k` and direction (`_reverse`
    suffix for the backward one): `weight_ih_l{k}` `(1 * hidden_size, input size of the layer)`,
    `weight_hh_l{k}` `(1 * hidden_size, hidden_size)` and the biases `(1 * hidden_size,)`, all from
    `U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`, as PyTorch, so state_dicts move between the two.

    Each layer and direction is one fused node over the whole sequence: it keeps the activated gates
    and the states each step read (private arrays), and its backward runs the time loop backwards.

    `forward(input, hx=None)` returns `(output, h_n)`, hx zeros when not given.

    Shape: input `(L, N, H_in)`, `(N, L, H_in)` with batch_first, `(L, H_in)` unbatched, or a
    `PackedSequence`; hx and h_n `(D * num_layers, N, H)` (D = 2 if bidirectional, else 1); output
    `(L, N, D * H)` (or a PackedSequence for a packed input).
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        """Runs the layers over `input` from `hx` (zeros when None); returns `(output, h_n)`.

        `input` is `(L, N, H_in)`, `(N, L, H_in)` with `batch_first`, `(L, H_in)`, or a
        PackedSequence; `output` holds the last layer's states at every step (packed when the input
        was), `h_n` each layer's last state.
        """
        return _forward_single_state(self, input, hx, "RNN")


class GRU(RNNBase):
    """Multi-layer gated recurrent unit.

    A multi-layer gated recurrent unit. Per layer and step, with the gates stacked (r, z, n) in the
    weights as PyTorch: `r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)`,
    `z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)`, `n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`,
    `h' = (1 - z) * n + z * h`.

    Arguments: `input_size`, `hidden_size`, `num_layers=1`, `bias=True` (False: no
    `bias_ih`/`bias_hh`), `batch_first=False` (input and output `(N, L, *)` instead of `(L, N, *)`;
    the hidden state stays layer-first), `dropout=0.0` (dropout on each layer's output but the last,
    in training), `bidirectional=False`, `device`, `dtype`. Parameters, per layer `k` and direction
    (`_reverse` suffix for the backward one): `weight_ih_l{k}`
    `(3 * hidden_size, input size of the layer)`, `weight_hh_l{k}` `(3 * hidden_size, hidden_size)`
    and the biases `(3 * hidden_size,)`, all from `U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`, as
    PyTorch, so state_dicts move between the two.

    Each layer and direction is one fused node over the whole sequence: it keeps the activated gates
    and the states each step read (private arrays), and its backward runs the time loop backwards.

    `forward(input, hx=None)` returns `(output, h_n)`.

    Shape: input `(L, N, H_in)`, `(N, L, H_in)` with batch_first, `(L, H_in)` unbatched, or a
    `PackedSequence`; hx and h_n `(D * num_layers, N, H)`; output `(L, N, D * H)`.
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        """Runs the layers over `input` from `hx` (zeros when None); returns `(output, h_n)`.

        `input` and the results as for `RNN.forward`.
        """
        return _forward_single_state(self, input, hx, "GRU")


def _forward_single_state(module, input, hx, kind):
    """RNN's and GRU's forward (one hidden state)."""
    orig_input = input
    input, batch_sizes, sorted_indices, unsorted_indices, is_batched, batch_dim = \
        module._unpack(input, kind)
    size = module.hidden_size
    if batch_sizes is not None:
        hx = module._zeros(batch_sizes[0], size, input) if hx is None else \
            module.permute_hidden(hx, sorted_indices)
    else:
        if not is_batched and hx is not None:
            if hx.dim() != 2:
                raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                                   f"{hx.dim()}-D tensor")
            hx = hx.unsqueeze(1)
        elif is_batched and hx is not None and hx.dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                               f"{hx.dim()}-D tensor")
        if hx is None:
            batch = input.size(0) if module.batch_first else input.size(1)
            hx = module._zeros(batch, size, input)
    module.check_forward_args(input, hx, batch_sizes)
    output, hidden, _ = module._run(input, hx, None, batch_sizes)
    if batch_sizes is not None:
        return (module._wrap_output(orig_input, output, batch_sizes, sorted_indices,
                                    unsorted_indices),
                module.permute_hidden(hidden, unsorted_indices))
    if not is_batched:
        output = output.squeeze(batch_dim)
        hidden = hidden.squeeze(1)
    return output, hidden


class LSTM(RNNBase):
    """Multi-layer long short-term memory RNN.

    A multi-layer long short-term memory RNN. Per layer and step, with the gates stacked (i, f, g,
    o) in the weights as PyTorch: `i, f, o` sigmoids and `g` a tanh of
    `x @ W_ih.T + b_ih + h @ W_hh.T + b_hh`, then `c' = f * c + i * g`, `h' = o * tanh(c')` (times
    `weight_hr` with a projection).

    Arguments: `input_size`, `hidden_size`, `num_layers=1`, `proj_size=0` (when positive, below
    hidden_size: each h projected to that size by `weight_hr`), `bias=True` (False: no
    `bias_ih`/`bias_hh`), `batch_first=False` (input and output `(N, L, *)` instead of `(L, N, *)`;
    the hidden state stays layer-first), `dropout=0.0` (dropout on each layer's output but the last,
    in training), `bidirectional=False`, `device`, `dtype`. Parameters, per layer `k` and direction
    (`_reverse` suffix for the backward one): `weight_ih_l{k}`
    `(4 * hidden_size, input size of the layer)`, `weight_hh_l{k}` `(4 * hidden_size, hidden_size)`,
    `weight_hr_l{k}` `(proj_size, hidden_size)` with `proj_size > 0` and the biases
    `(4 * hidden_size,)`, all from `U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`, as PyTorch, so
    state_dicts move between the two.

    Each layer and direction is one fused node over the whole sequence: it keeps the activated gates
    and the states each step read (private arrays), and its backward runs the time loop backwards.

    `forward(input, hx=None)` returns `(output, (h_n, c_n))`; `hx` is a pair `(h_0, c_0)`, zeros
    when not given.

    Shape: input `(L, N, H_in)`, `(N, L, H_in)` with batch_first, `(L, H_in)` unbatched, or a
    `PackedSequence`; h `(D * num_layers, N, H_out)` (H_out = proj_size or hidden_size); c
    `(D * num_layers, N, hidden_size)`; output `(L, N, D * H_out)`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):
        """`(num_layers * num_directions, batch, hidden_size)`, the cell state's shape."""
        return self._state_shape(input, batch_sizes, self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes):
        """`check_input`, then the shapes of `hidden = (h, c)`."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        """`(h, c)` reordered along the batch dim by `permutation` (None leaves them)."""
        if permutation is None:
            return hx
        return _apply_permutation(hx[0], permutation), _apply_permutation(hx[1], permutation)

    def forward(self, input, hx=None):
        """Runs the layers over `input` from `(h_0, c_0)` (zeros when None).

        `input` as for `RNN.forward`; returns `(output, (h_n, c_n))`. With `proj_size > 0` the
        hidden states have `proj_size` features.
        """
        orig_input = input
        input, batch_sizes, sorted_indices, unsorted_indices, is_batched, batch_dim = \
            self._unpack(input, "LSTM")
        real_hidden_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        if hx is None:
            batch = batch_sizes[0] if batch_sizes is not None else \
                (input.size(0) if self.batch_first else input.size(1))
            hx = (self._zeros(batch, real_hidden_size, input),
                  self._zeros(batch, self.hidden_size, input))
        elif batch_sizes is not None:
            hx = self.permute_hidden(hx, sorted_indices)
        else:
            if is_batched:
                if hx[0].dim() != 3 or hx[1].dim() != 3:
                    raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D "
                                       f"but got ({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            else:
                if hx[0].dim() != 2 or hx[1].dim() != 2:
                    raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D "
                                       f"but got ({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        self.check_forward_args(input, hx, batch_sizes)
        output, h, c = self._run(input, hx[0], hx[1], batch_sizes)
        hidden = (h, c)
        if batch_sizes is not None:
            return (self._wrap_output(orig_input, output, batch_sizes, sorted_indices,
                                      unsorted_indices),
                    self.permute_hidden(hidden, unsorted_indices))
        if not is_batched:
            output = output.squeeze(batch_dim)
            hidden = (h.squeeze(1), c.squeeze(1))
        return output, hidden


# ------------------------------------------------------------------ cells

class RNNCellBase(Module):
    """The base of RNNCell, LSTMCell and GRUCell.

    Their parameters: `weight_ih` `(chunks * hidden_size, input_size)`,
    `weight_hh` `(chunks * hidden_size, hidden_size)` and, with `bias=True`, `bias_ih` and `bias_hh`
    `(chunks * hidden_size,)`, chunks the number of gates (`num_chunks`: 1, 4 or 3); all initialised
    from `U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`, as PyTorch. `device` and `dtype` as for the
    factories.
    """

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        dt = _factory(device, dtype)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), dtype=dt))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), dtype=dt))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dt))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        """Fills every parameter from `U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input, hx, kind, hidden_word="hidden"):
        """(batched input, batched hx or None, is_batched), with PyTorch's checks."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{kind}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"{kind}: Expected {hidden_word} to be 1D or 2D, got "
                             f"{hx.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = zeros((input.size(0), self.hidden_size), dtype=input.dtype)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        return input, hx, is_batched


class RNNCell(RNNCellBase):
    """One Elman RNN step with tanh or ReLU.

    One Elman RNN step: `h' = act(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)`, act tanh (the default) or
    ReLU (`nonlinearity="relu"`).

    Arguments: `input_size`, `hidden_size`, `bias=True`, `nonlinearity="tanh"`, `device`, `dtype`.
    `forward(input, hx=None)` returns h', hx zeros when not given.

    Shape: input `(N, H_in)` or `(H_in,)`; hx and output `(N, H)` or `(H,)`.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        """One step, `h' = act(W_ih x + b_ih + W_hh h + b_hh)`, from `hx` (zeros when None).

        An input that is not 1-D or 2-D raises ValueError.
        """
        input, hx, is_batched = self._prepare(input, hx, "RNNCell")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        ret = F_rnn.rnn_cell(mode, input, hx, None, self.weight_ih, self.weight_hh,
                             self.bias_ih, self.bias_hh)
        return ret if is_batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o stacked in the weights): returns `(h', c')`.

    Arguments: `input_size`, `hidden_size`, `bias=True`, `device`, `dtype`.
    `forward(input, hx=None)`, hx a pair `(h, c)`, zeros when not given.

    Shape: input `(N, H_in)` or `(H_in,)`; h, c and the outputs `(N, H)` or `(H,)`.
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        """One step from `hx = (h, c)` (zeros when None); returns `(h', c')`.

        An input or state that is not 1-D or 2-D raises ValueError.
        """
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got "
                                     f"{value.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            z = zeros((input.size(0), self.hidden_size), dtype=input.dtype)
            hx = (z, z)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = F_rnn.rnn_cell("LSTM", input, hx[0], hx[1], self.weight_ih, self.weight_hh,
                              self.bias_ih, self.bias_hh)
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n stacked in the weights): returns h'.

    Arguments: `input_size`, `hidden_size`, `bias=True`, `device`, `dtype`.
    `forward(input, hx=None)`, hx zeros when not given.

    Shape: input `(N, H_in)` or `(H_in,)`; hx and output `(N, H)` or `(H,)`.
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        """One step from `hx` (zeros when None); returns h'.

        An input that is not 1-D or 2-D raises ValueError.
        """
        input, hx, is_batched = self._prepare(input, hx, "GRUCell")
        ret = F_rnn.rnn_cell("GRU", input, hx, None, self.weight_ih, self.weight_hh,
                             self.bias_ih, self.bias_hh)
        return ret if is_batched else ret.squeeze(0)
