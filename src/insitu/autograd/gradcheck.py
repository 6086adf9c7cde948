"""gradcheck and gradgradcheck: analytical gradients against central finite differences.

For every input that requires grad and every element of it, `gradcheck` perturbs the element by
±eps and differentiates numerically, in float64: `(f(x + eps) - f(x - eps)) / 2eps`. It builds the
analytical Jacobian row by row with `autograd.grad` (twice, to catch a backward that is not
deterministic), and compares the two with `|a - n| <= atol + rtol * |n|`. A mismatch raises
`GradcheckError` naming the output and the input, with both Jacobians (shape inputs x outputs,
as PyTorch prints them), or returns False when `raise_exception=False`.

The perturbation writes into the input's buffer directly and puts the exact original value back,
so it leaves the input's version counter alone: graphs the function builds (and any saved
tensor the caller holds) stay valid.
"""
import warnings

from ..backend import xp
from ..core import dtypes
from ..core.tensor import Tensor
from ..creation import rand, tensor, zeros, zeros_like
from .engine import grad
from .grad_mode import mode
from .node import Node
from . import recorder


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when a check fails."""


_NONDET = (
    "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
    "times gives different values, although analytical gradient matches numerical gradient.The "
    "tolerance for nondeterminism was {tol}.")
_UNDEFINED_RAISED = (
    'Expected backward function to handle undefined output grads. Please look at "Notes about '
    'undefined output gradients" in "tools/autograd/derivatives.yaml"')
_UNDEFINED_NONZERO = (
    'Expected all input grads to be undefined or zero when all output grads are undefined or '
    'zero. Please look at "Notes about undefined output gradients" in '
    '"tools/autograd/derivatives.yaml"')




def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _diff_inputs(inputs):
    T = Tensor
    return [x for x in inputs if isinstance(x, T) and x.requires_grad]


def _float_outputs(outputs):
    T = Tensor
    return [o if isinstance(o, T) and o._dtype.is_floating_point else None for o in outputs]


def _check_inputs(inputs):
    T = Tensor
    found = False
    for idx, x in enumerate(inputs):
        if not (isinstance(x, T) and x.requires_grad):
            continue
        if x._dtype.name != "float64":
            warnings.warn(
                f"Input #{idx} requires gradient and is not a double precision floating point or "
                "complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ", UserWarning, stacklevel=3)
        if not all(st > 0 or n <= 1 for st, n in zip(x.stride(), x.shape)):
            raise RuntimeError(
                f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                "inputs that are non-overlapping to be able to compute the numerical gradients "
                "correctly. You should call .contiguous on the input before passing it to "
                "gradcheck.")
        found = True
    if not found:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")


def _snapshot(func, inputs):
    """func's floating outputs as float64 arrays (None for other outputs)."""
    outs = _as_tuple(func(*inputs))
    return [None if o is None else o._data.astype(xp.float64) for o in _float_outputs(outs)]


def numerical_jacobian(func, inputs, eps=1e-6):
    """{(output index, input index): float64 array of shape (input numel, output numel)}."""
    T = Tensor
    outputs = _snapshot(func, inputs)
    jac = {}
    for i, x in enumerate(inputs):
        if not (isinstance(x, T) and x.requires_grad):
            continue
        arr = x._data
        cols = {j: xp.zeros((arr.size, o.size)) for j, o in enumerate(outputs) if o is not None}
        for k, idx in enumerate(xp.ndindex(arr.shape)):
            orig = arr[idx].copy()
            arr[idx] = orig - eps
            below = _snapshot(func, inputs)
            arr[idx] = orig + eps
            above = _snapshot(func, inputs)
            arr[idx] = orig
            for j in cols:
                if above[j].shape != below[j].shape:
                    raise AssertionError(
                        "Expected `func` to return outputs with the same shape when inputs are "
                        f"perturbed on index {k} by {eps}, but got: shapes "
                        f"{above[j].shape} and {below[j].shape}.")
                cols[j][k] = ((above[j] - below[j]) / (2 * eps)).reshape(-1)
        for j, c in cols.items():
            jac[(j, i)] = c
    return jac


def _analytical_rows(output, diff_inputs):
    """One autograd.grad call per output element: the analytical Jacobian, input x output."""
    n_out = output._data.size
    jacs = [xp.zeros((x._data.size, n_out)) for x in diff_inputs]
    sizes_ok = types_ok = True
    for j in range(n_out):
        g = zeros(output._data.shape, dtype=output._dtype)   # C order: the flat write lands
        g._data.reshape(-1)[j] = 1
        grads = grad(output, diff_inputs, g, retain_graph=True, allow_unused=True)
        for jac, x, gi in zip(jacs, diff_inputs, grads):
            if gi is None:
                continue
            if gi._data.shape != x._data.shape:
                sizes_ok = False
                continue
            if gi._dtype is not x._dtype:
                types_ok = False
            jac[:, j] = gi._data.reshape(-1)
    return jacs, sizes_ok, types_ok


def analytical_jacobian(output, diff_inputs, nondet_tol=0.0, check_grad_dtypes=False):
    jacs, sizes_ok, types_ok = _analytical_rows(output, diff_inputs)
    again, _, _ = _analytical_rows(output, diff_inputs)
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if any(a.size and xp.abs(a - b).max() > nondet_tol for a, b in zip(jacs, again)):
        raise GradcheckError(_NONDET.format(tol=nondet_tol))
    return jacs


def _mismatch(numerical, analytical, out_idx, in_idx, out_dtype, in_dtype):
    """PyTorch prints the numerical Jacobian in the output's dtype, the analytical one in the
    input's."""
    n = tensor(numerical, dtype=out_dtype)
    a = tensor(analytical, dtype=in_dtype)
    return GradcheckError(f"Jacobian mismatch for output {out_idx:d} with respect to input "
                          f"{in_idx:d},\nnumerical:{n}\nanalytical:{a}\n")


def _check_jacobians(func, inputs, func_out, eps, atol, rtol, nondet_tol, check_grad_dtypes):
    numerical = numerical_jacobian(func, inputs, eps)
    T = Tensor
    diff_out = [o for o in func_out if isinstance(o, T) and o.requires_grad]
    if not diff_out:
        if any(xp.any(n != 0) for n in numerical.values()):
            raise GradcheckError("Numerical gradient for function expected to be zero")
        return
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, T) and x.requires_grad]
    diff_inputs = [inputs[i] for i in diff_idx]
    float_pos = [j for j, o in enumerate(func_out) if isinstance(o, T) and o.requires_grad]
    for out_nr, (j, o) in enumerate(zip(float_pos, diff_out)):
        analytical = analytical_jacobian(o, diff_inputs, nondet_tol, check_grad_dtypes)
        for in_nr, (i, a) in enumerate(zip(diff_idx, analytical)):
            n = numerical.get((j, i))
            if n is None:
                n = xp.zeros_like(a)
            if not xp.all(xp.abs(a - n) <= atol + rtol * xp.abs(n)):
                raise _mismatch(n, a, out_nr, in_nr, o._dtype, inputs[i]._dtype)


class UndefinedGradBackward(Node):
    """Passes no gradient at all (not even zeros) to the node that produced its input."""

    def apply(self, grads):
        return (None,)


def _undefined_grad(t):
    return recorder.attach(recorder.new_node(UndefinedGradBackward, (t,)), t.detach())


def _check_undefined_grad(func, inputs):
    """Every backward must cope with outputs that receive no gradient."""
    T = Tensor
    diff_inputs = _diff_inputs(inputs)

    def fresh_outputs():
        return [o for o in _as_tuple(func(*inputs)) if isinstance(o, T) and o.requires_grad]

    outs = fresh_outputs()
    cases = [[_undefined_grad(o) for o in outs]]
    if len(outs) > 1:   # one undefined output at a time
        for k in range(len(outs)):
            cases.append([_undefined_grad(o) if i == k else o
                          for i, o in enumerate(fresh_outputs())])
    for case in cases:
        try:
            grads = grad(case, diff_inputs, [zeros_like(o) for o in case], allow_unused=True)
        except RuntimeError as e:
            raise GradcheckError(_UNDEFINED_RAISED) from e
        for g in grads:
            if g is not None and xp.any(g._data != 0):
                raise GradcheckError(_UNDEFINED_NONZERO)


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False, check_forward_ad=False,
              check_backward_ad=True, fast_mode=False, masked=None):
    """True if func's analytical gradients match finite differences (see module docstring).
    `fast_mode` is accepted and runs the full check."""
    if check_batched_grad or check_batched_forward_grad or check_forward_ad:
        raise NotImplementedError("gradcheck: batched gradients and forward-mode AD are not "
                                  "supported by insitu")
    inputs = _as_tuple(inputs)
    try:
        _check_inputs(inputs)
        if not check_backward_ad:
            return True
        prev = mode.grad
        mode.grad = True
        try:
            func_out = _as_tuple(func(*inputs))
            _check_jacobians(func, inputs, func_out, eps, atol, rtol, nondet_tol,
                             check_grad_dtypes)
            if check_undefined_grad:
                _check_undefined_grad(func, inputs)
        finally:
            mode.grad = prev
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the gradient: second derivatives, through backward with create_graph=True,
    against finite differences of the first derivatives."""
    T = Tensor
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outs = [o for o in _as_tuple(func(*inputs)) if isinstance(o, T) and o.requires_grad]
        grad_outputs = tuple(
            (rand(o.shape, dtype=o._dtype if o._dtype.is_floating_point else dtypes.float64)
             * 2 - 1).requires_grad_() for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_out = len(grad_outputs)
    diff_in = {i for i, x in enumerate(inputs) if isinstance(x, T) and x.requires_grad}

    def first_derivatives(*args):
        ins, gos = args[:-n_out], args[-n_out:]
        outs = [o for o in _as_tuple(func(*ins)) if isinstance(o, T) and o.requires_grad]
        diff = [x for i, x in enumerate(ins) if i in diff_in]
        grads = grad(outs, diff, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     fast_mode=fast_mode, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev)
