"""linear and bilinear as single fused nodes (one BLAS call forward, one per gradient backward)."""
from ..backend import xp
from ..core.tensor import wrap
from ._fused import node_type, record, as_tensor


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


def _linear_composite(input, weight, bias):
    out = input.matmul(weight.t())
    return out if bias is None else out + bias


def _linear_backward(node, g):
    x, w, _ = node.tensors()
    nx, nw, nb = node.needs
    ga = g._data
    gx = gw = gb = None
    if nx:
        gx = as_tensor(xp.matmul(ga, w._data), w)
    if nw or nb:
        xa = x._data if x is not None else None
        if ga.ndim == 1:                         # a single input vector
            if nw:
                gw = as_tensor(xp.multiply.outer(ga, xa), g)
            if nb:
                gb = g
        else:
            g2 = ga.reshape(-1, ga.shape[-1])
            if nw:
                gw = as_tensor(xp.matmul(g2.T, xa.reshape(-1, xa.shape[-1])), g)
            if nb:
                gb = as_tensor(g2.sum(0), g)
    return [gx, gw, gb]


_LINEAR_NODES = {
    name: node_type(name, _linear_backward, _linear_composite)
    for name in ("AddmmBackward0", "MmBackward0", "ViewBackward0", "UnsafeViewBackward0",
                 "SqueezeBackward4")
}


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias, one node (named as PyTorch's: AddmmBackward0 for 2-D)."""
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
        y = xp.matmul(a.reshape(-1, a.shape[-1]), w.T).reshape(lead + (w.shape[0],))
        name = "ViewBackward0" if bias is not None else "UnsafeViewBackward0"
    if bias is not None:
        y += bias._data
    out = wrap(y, input._dtype)
    return record(out, _LINEAR_NODES[name], (input, weight, bias),
                  (weight._requires_grad, input._requires_grad, False))


# ------------------------------------------------------------------ bilinear

def _bilinear_composite(input1, input2, weight, bias):
    # y[n, o] = sum_ij x1[n, i] W[o, i, j] x2[n, j], with elementwise ops only
    x1 = input1.unsqueeze(-2).unsqueeze(-1)          # (..., 1, i, 1)
    x2 = input2.unsqueeze(-2).unsqueeze(-2)          # (..., 1, 1, j)
    out = (x1 * weight * x2).sum((-2, -1))
    return out if bias is None else out + bias


def _bilinear_backward(node, g):
    x1, x2, w, _ = node.tensors()
    n1, n2, nw, nb = node.needs
    ga = g._data
    a1, a2, wa = (t._data if t is not None else None for t in (x1, x2, w))
    res = [None, None, None, None]
    if n1:
        res[0] = as_tensor(xp.einsum("...o,oij,...j->...i", ga, wa, a2, optimize=True), x1)
    if n2:
        res[1] = as_tensor(xp.einsum("...o,...i,oij->...j", ga, a1, wa, optimize=True), x2)
    if nw:
        res[2] = as_tensor(xp.einsum("...o,...i,...j->oij", ga, a1, a2, optimize=True), w)
    if nb:
        res[3] = as_tensor(ga.reshape(-1, ga.shape[-1]).sum(0), g)
    return res


# PyTorch's bilinear ends in an add of the bias (or a view without one)
_BILINEAR = {bias: node_type(name, _bilinear_backward, _bilinear_composite)
             for bias, name in ((True, "AddBackward0"), (False, "ViewBackward0"))}


def bilinear(input1, input2, weight, bias=None):
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
    y = xp.einsum("...i,oij,...j->...o", a1, w, a2, optimize=True)
    if bias is not None:
        y += bias._data
    out = wrap(xp.ascontiguousarray(y, dtype=w.dtype), weight._dtype)
    saved = (input2._requires_grad or weight._requires_grad,
             input1._requires_grad or weight._requires_grad,
             input1._requires_grad or input2._requires_grad, False)
    return record(out, _BILINEAR[bias is not None], (input1, input2, weight, bias), saved)
