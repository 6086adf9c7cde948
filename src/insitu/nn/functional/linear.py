"""linear and bilinear, each one fused node: one BLAS call forward, one per gradient backward.

The formulas run on arrays, one per input, so what a node keeps follows from which inputs need
a gradient: linear keeps the weight only when the input needs one, the input only when the
weight does, and never the bias. For a backward that builds a graph, the composite form
(written with insitu ops) is differentiated instead.
"""
import math

from ...backend import xp
from ...core.tensor import wrap
from ...ops.derivatives import Derivative, record


def _check_linear(x, w):
    if x._dtype is not w._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{x._dtype.np.name} != {w._dtype.np.name}")
    a, b = x._data, w._data
    if b.ndim != 2 or a.ndim == 0 or a.shape[-1] != b.shape[1]:
        rows = a.size // a.shape[-1] if a.ndim and a.shape[-1] else (1 if a.ndim <= 1 else 0)
        inner = a.shape[-1] if a.ndim else 1
        w_shape = "x".join(str(d) for d in reversed(b.shape)) if b.ndim == 2 else \
            "x".join(str(d) for d in b.shape)
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{inner} and "
                           f"{w_shape})")


def _rows(a):
    """`a` as a matrix of rows: its leading dims flattened."""
    return a.reshape(-1, a.shape[-1])


def _linear_composite(input, weight, bias):
    out = input.matmul(weight.t())
    return out if bias is None else out + bias


def _linear_input(grad, weight):
    return xp.matmul(grad, weight)


def _linear_weight(grad, input):
    if grad.ndim == 1:                          # a single input vector
        return xp.multiply.outer(grad, input)
    return xp.matmul(_rows(grad).T, _rows(input))


def _linear_bias(grad):
    return grad if grad.ndim == 1 else _rows(grad).sum(0)


_LINEAR_FORMULAS = {"input": _linear_input, "weight": _linear_weight, "bias": _linear_bias}

# PyTorch names the node after the kernel linear decomposes into for that input's shape
_LINEAR = {name: Derivative(name, _LINEAR_FORMULAS, inputs=("input", "weight", "bias"),
                            composite=_linear_composite)
           for name in ("AddmmBackward0", "MmBackward0", "ViewBackward0", "UnsafeViewBackward0",
                        "SqueezeBackward4")}


def linear(input, weight, bias=None):
    """Affine map of the last dim: `input @ weight.T + bias`.

    `y = input @ weight.T + bias` (`nn.Linear`), one fused node named as PyTorch's (AddmmBackward0
    for a 2-D input with a bias, MmBackward0 without).

    The node keeps the weight only when the input needs a gradient and the input only when the
    weight does, never the bias. Mismatched dtypes or shapes raise PyTorch's messages.

    Shape: input `(*, in)`; weight `(out, in)`; bias `(out,)`; output `(*, out)`.
    """
    _check_linear(input, weight)
    a, w = input._data, weight._data
    if a.ndim == 2:
        y = xp.matmul(a, w.T)
        name = "AddmmBackward0" if bias is not None else "MmBackward0"
    elif a.ndim == 1:
        y = xp.matmul(w, a)
        name = "ViewBackward0" if bias is not None else "SqueezeBackward4"
    else:
        lead = a.shape[:-1]
        y = xp.matmul(_rows(a), w.T).reshape(lead + (w.shape[0],))
        name = "ViewBackward0" if bias is not None else "UnsafeViewBackward0"
    if bias is not None:
        y += bias._data
    return record(_LINEAR[name], (input, weight, bias), wrap(y, input._dtype))


# ------------------------------------------------------------------ bilinear

def _bilinear_composite(input1, input2, weight, bias):
    # y[n, o] = sum_ij x1[n, i] W[o, i, j] x2[n, j], with elementwise ops only
    x1 = input1.unsqueeze(-2).unsqueeze(-1)          # (..., 1, i, 1)
    x2 = input2.unsqueeze(-2).unsqueeze(-2)          # (..., 1, 1, j)
    out = (x1 * weight * x2).sum((-2, -1))
    return out if bias is None else out + bias


def _flat(a, n):
    """`a` as an (n, last dim) matrix (n: the product of its leading dims)."""
    return a.reshape(n, a.shape[-1] if a.ndim else 1)


def _bilinear_arrays(a1, w, a2):
    """y[n, o] = sum_j (sum_i x1[n, i] W[o, i, j]) x2[n, j], as PyTorch's _trilinear
    contracts it: one matrix product over i for every (o, j) at once, then a batch of
    matrix-vector products over j (BLAS both; einsum's own loop is many times slower)."""
    lead = a1.shape[:-1]
    n = math.prod(lead)
    o, i, j = w.shape
    t = xp.matmul(_flat(a1, n), w.transpose(1, 0, 2).reshape(i, o * j))      # (n, o*j)
    y = xp.matmul(t.reshape(n, o, j), _flat(a2, n)[:, :, None])             # (n, o, 1)
    return y.reshape(lead + (o,))


def _outer_rows(grad, a, n):
    """g[n, (o, k)] = grad[n, o] * a[n, k]: the rows' outer products, flattened."""
    g, x = _flat(grad, n), _flat(a, n)
    return (g[:, :, None] * x[:, None, :]).reshape(n, g.shape[1] * x.shape[1])


def _bilinear_input1(grad, input2, weight):
    o, i, j = weight.shape
    n = math.prod(grad.shape[:-1])
    g = xp.matmul(_outer_rows(grad, input2, n), weight.transpose(0, 2, 1).reshape(o * j, i))
    return g.reshape(grad.shape[:-1] + (i,))


def _bilinear_input2(grad, input1, weight):
    o, i, j = weight.shape
    n = math.prod(grad.shape[:-1])
    g = xp.matmul(_outer_rows(grad, input1, n), weight.reshape(o * i, j))
    return g.reshape(grad.shape[:-1] + (j,))


def _bilinear_weight(grad, input1, input2):
    o = grad.shape[-1]
    n = math.prod(grad.shape[:-1])
    g = xp.matmul(_outer_rows(grad, input1, n).T, _flat(input2, n))          # (o*i, j)
    return g.reshape(o, input1.shape[-1], g.shape[-1])


_BILINEAR_FORMULAS = {
    "input1": _bilinear_input1,
    "input2": _bilinear_input2,
    "weight": _bilinear_weight,
    "bias": lambda grad: _flat(grad, math.prod(grad.shape[:-1])).sum(0),
}

# PyTorch's bilinear ends in an add of the bias (or a view without one)
_BILINEAR = {bias: Derivative(name, _BILINEAR_FORMULAS,
                              inputs=("input1", "input2", "weight", "bias"),
                              composite=_bilinear_composite)
             for bias, name in ((True, "AddBackward0"), (False, "ViewBackward0"))}


def bilinear(input1, input2, weight, bias=None):
    """Bilinear map of two inputs: `x1^T W x2 + b` per output feature.

    `y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]`
    (`nn.Bilinear`), one fused node (AddBackward0, or ViewBackward0 without a bias).

    Each input's gradient reads the other input and the weight, the weight's reads both inputs: the
    node keeps what the inputs that need a gradient require.

    Shape: input1 `(*, in1)`, input2 `(*, in2)` with the same leading dims; weight
    `(out, in1, in2)`; bias `(out,)`; output `(*, out)`.
    """
    a1, a2, w = input1._data, input2._data, weight._data
    if a1.shape[:-1] != a2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{a1.shape[0] if a1.ndim else 0} and "
                           f"{a2.shape[0] if a2.ndim else 0}")
    if w.ndim != 3 or a1.shape[-1] != w.shape[1] or a2.shape[-1] != w.shape[2]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{a1.shape[-1]} but expected {w.shape[1] if w.ndim > 1 else 0}"
                           if a1.shape[-1] != (w.shape[1] if w.ndim > 1 else -1) else
                           f"bilinear(): input2 size does not match weight size: got "
                           f"{a2.shape[-1]} but expected {w.shape[2] if w.ndim > 2 else 0}")
    y = _bilinear_arrays(a1, w, a2)
    if bias is not None:
        y += bias._data
    out = wrap(xp.ascontiguousarray(y, dtype=w.dtype), weight._dtype)
    return record(_BILINEAR[bias is not None], (input1, input2, weight, bias), out)
