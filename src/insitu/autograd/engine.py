"""The backward engine: iterative, dependency-ordered, no recursion.

1. Walk the graph from the roots once, counting how many edges point at each node.
2. Run nodes whose count dropped to zero (a stack, so a long chain runs depth-first in a loop):
   tensor hooks, then the node's formula, then its gradients are summed into the buffers of the
   nodes it points to.
3. Leaves get their gradient added into `.grad` in place (AccumulateGrad); `autograd.grad`
   captures gradients at the requested edges instead.
Saved tensors are released as each node finishes, unless retain_graph.
"""
import warnings

from ..core.tensor import Tensor
from ..creation import full_like, ones_like, zeros, zeros_like
from . import anomaly
from .grad_mode import mode
from .node import (AccumulateGrad, HOOKS, RESIZED, accumulate_into_leaf, leaf_hooks, lone_view,
                   unshared)
from .recorder import edge


def _make_grads(outputs, grad_outputs, create_graph):
    grads = []
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if t._requires_grad and t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = ones_like(t)
        elif not isinstance(g, Tensor):
            g = full_like(t, g)
        elif tuple(g._data.shape) != tuple(t._data.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {_fmt(g.shape)} and "
                f"output[{i}] has a shape of {_fmt(t.shape)}.")
        grads.append(g)
    return grads


def _fmt(shape):
    return f"torch.Size([{', '.join(map(str, shape))}])".replace("torch.", "insitu.")


def _sequence(x):
    """A tensor, or a sequence of them, as a tuple (as PyTorch's `tuple(x)`: None is a
    TypeError)."""
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """insitu.autograd.backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
    inputs=None): accumulates into the `.grad` of the leaves the gradients of `tensors` (weighted
    by `grad_tensors`; implicit only for one-element outputs), as torch.autograd.backward. Saved
    tensors are freed unless `retain_graph` (default: `create_graph`); `create_graph` records the
    backward for higher derivatives; `inputs` restricts accumulation to those tensors. The engine
    is iterative and dependency-ordered; hooks run as in PyTorch."""
    tensors = _sequence(tensors)
    grad_tensors = _as_tuple(grad_tensors) or (None,) * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_tuple(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    grads = _make_grads(tensors, grad_tensors, create_graph)
    roots = _roots(tensors, grads)
    for t in inputs or ():
        _check_input(t)
    if create_graph and inputs is None:
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the "
            "parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this "
            "function, make sure to reset the .grad fields of your parameters to None after use "
            "to break the cycle and avoid the leak.", UserWarning, stacklevel=3)
    if inputs is None:
        run_backward(roots, retain_graph, create_graph)
        return
    captures = {}
    for t in inputs:
        e = edge(t)
        if e[0] is None:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if t._grad_fn is not None:
            t.retain_grad()     # as PyTorch's: a non-leaf input retains its grad
        captures[e] = None
    got = run_backward(roots, retain_graph, create_graph, captures, run_captured=True)
    for t in inputs:
        if t._grad_fn is not None and getattr(t, "_retains_grad", False):
            continue   # its retain_grad hook has already stored this gradient
        g = got.get(edge(t))
        if g is not None:   # a leaf's hooks already ran when its gradient was captured
            accumulate_into_leaf(t, g, create_graph, hooked=t._grad_fn is None)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """insitu.autograd.grad(outputs, inputs, grad_outputs=None, retain_graph=None,
    create_graph=False, only_inputs=True, allow_unused=None, is_grads_batched=False,
    materialize_grads=False): the gradients of `outputs` with respect to `inputs`, as a tuple,
    without touching any `.grad`. An unused input raises unless `allow_unused` (then None, or
    zeros with `materialize_grads`). `only_inputs` and `is_grads_batched` are accepted and
    ignored (no batched gradients)."""
    outputs = _sequence(outputs)
    inputs = _sequence(inputs)
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    grads = _make_grads(outputs, grad_outputs, create_graph)
    roots = _roots(outputs, grads)
    keys = []
    for t in inputs:
        _check_input(t)
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        keys.append(edge(t))
    got = run_backward(roots, retain_graph, create_graph, dict.fromkeys(keys))
    result = []
    for i, (t, k) in enumerate(zip(inputs, keys)):
        g = got.get(k)
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = zeros_like(t)
        result.append(g)
    return tuple(result)


def _check_input(t):
    if not isinstance(t, Tensor):
        raise RuntimeError("all inputs have to be Tensors or GradientEdges, but got "
                           f"{type(t).__name__}")


def _roots(tensors, grads):
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grads)):
        e = edge(t)
        if e[0] is None:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        if RESIZED[0]:
            g = _fitted_root(i, e, g)
        roots.append((e, g))
    for t, g in zip(tensors, grads):
        if not t._dtype.is_floating_point:
            # an integer tensor a write gave a grad_fn (x[0] = y): PyTorch's engine asserts
            raise RuntimeError(_NOT_DIFFERENTIABLE)
    return roots


_NOT_DIFFERENTIABLE = (
    'isDifferentiableType(grad.scalar_type()) INTERNAL ASSERT FAILED at '
    '"/__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp":998, please report a bug to PyTorch. ')


def _count_dependencies(root_nodes):
    """How many edges lead into each node reachable from the roots. A node is walked from the
    first time an edge reaches it (its count was 0), the roots from the start."""
    deps = {}
    roots = set(root_nodes)
    stack = list(root_nodes)
    while stack:
        fn = stack.pop()
        for nxt, _ in fn.next_functions:
            if nxt is None:
                continue
            d = deps.get(nxt, 0)
            deps[nxt] = d + 1
            if not d and nxt not in roots:
                stack.append(nxt)
    return deps


def _needed_nodes(root_nodes, deps, capture_nodes):
    """Nodes from which a captured edge can be reached (autograd.grad runs only those)."""
    order = []
    remaining = dict(deps)
    stack = [n for n in root_nodes if remaining.get(n, 0) == 0]
    done = set()
    while stack:
        fn = stack.pop()
        if fn in done:
            continue
        done.add(fn)
        order.append(fn)
        for nxt, _ in fn.next_functions:
            if nxt is not None:
                remaining[nxt] -= 1
                if remaining[nxt] == 0:
                    stack.append(nxt)
    needed = set()
    for fn in reversed(order):
        if fn in capture_nodes or any(n in needed for n, _ in fn.next_functions if n is not None):
            needed.add(fn)
    return needed


def _leads_on(fn, needed):
    """Whether a captured input's node must still run: another input lies beyond it."""
    return any(n in needed for n, _ in fn.next_functions if n is not None)


def _add(a, b):
    return b if a is None else (a if b is None else a + b)


def run_backward(roots, retain_graph, create_graph, captures=None, run_captured=False):
    """Run the graph from `roots` ((edge, gradient) pairs). With `captures` (edges to capture
    gradients at), only the nodes leading to them run; `run_captured` (backward's `inputs=`)
    runs the captured nodes themselves too, as PyTorch's engine marks them needed, so a freed
    graph or a modified saved tensor there raises (`_run_for_checks`); what they would return
    goes no further."""
    root_nodes = list(dict.fromkeys(e[0] for e, _ in roots))
    deps = _count_dependencies(root_nodes)
    buffers = {}
    for (fn, nr), g in roots:
        buf = buffers.get(fn)
        if buf is None:
            buf = buffers[fn] = [None] * fn.num_outputs
        buf[nr] = _add(buf[nr], g)
    needed = None
    capture_nodes = ()
    if captures is not None:
        capture_nodes = {fn for fn, _ in captures}
        needed = _needed_nodes(root_nodes, deps, capture_nodes)
    hooks = HOOKS[0]
    checked = mode.anomaly     # anomaly mode: each backward reports where its node was made
    got = {}
    prev = mode.grad
    mode.grad = bool(create_graph)
    try:
        stack = [n for n in root_nodes if deps.get(n, 0) == 0]
        while stack:
            fn = stack.pop()
            grads = buffers.pop(fn, None) or [None] * fn.num_outputs
            if hooks:
                grads = _pre_hooks(fn, grads)
            if captures is not None and fn in capture_nodes:
                _capture(fn, grads, captures, got)
            skipped = needed is not None and (
                fn not in needed or fn.__class__ is AccumulateGrad
                or (fn in capture_nodes and not _leads_on(fn, needed)))
            if skipped:     # not run, so not freed: PyTorch's engine stops at the inputs
                out = ()
                if run_captured and fn in capture_nodes and fn.__class__ is not AccumulateGrad:
                    _run_for_checks(fn, grads)
                    skipped = False     # it ran: freed below unless retain_graph
            elif fn.num_outputs == 1:
                if grads[0] is None and not fn.runs_without_grad:
                    out = ()     # nothing flows: skip the formula (its outputs would be None)
                elif fn.__class__ is AccumulateGrad and not checked and not (
                        hooks and fn.__dict__.get("_post")):
                    # the sink, inline: with the loop's other names for the gradient dropped,
                    # one that nothing else holds becomes `.grad` without a copy
                    g = grads[0]
                    grads = out = buf = old = None
                    # before g is an argument (one more reference)
                    own = unshared(g) or lone_view(g)
                    accumulate_into_leaf(fn.variable, g, create_graph, own)
                    g = None
                    out = ()
                else:
                    out = anomaly.apply_checked(fn, grads) if checked else fn.apply(grads)
                    if hooks:
                        out = _post_hooks(fn, out, grads)
            elif _all_none(grads) and not fn.runs_without_grad:
                out = ()
            else:
                if _any_none(grads):
                    grads = _materialize(fn, grads)
                out = anomaly.apply_checked(fn, grads) if checked else fn.apply(grads)
                if hooks:
                    out = _post_hooks(fn, out, grads)
            if not retain_graph and not skipped:
                fn.release()
            if RESIZED[0] and out:
                out = _fitted(fn, out)
            nout = len(out)
            i = 0
            for nxt, nr in fn.next_functions:
                if nxt is not None:
                    if i < nout and (g := out[i]) is not None:
                        buf = buffers.get(nxt)
                        if buf is None:
                            buf = buffers[nxt] = [None] * nxt.num_outputs
                        old = buf[nr]
                        buf[nr] = g if old is None else old + g
                    d = deps[nxt] - 1
                    deps[nxt] = d
                    if d == 0:
                        stack.append(nxt)
                i += 1
    finally:
        mode.grad = prev
    return got


def _fitted_root(i, e, g):
    """PyTorch's validate_outputs for a root whose node's output was resized after it was made:
    the root's gradient must fit the shape that output had."""
    shapes = e[0].__dict__.get("_out_shapes")
    if not shapes or e[1] not in shapes or g is None:
        return g
    shape, got = tuple(shapes[e[1]]), tuple(g._data.shape)
    if got == shape:
        return g
    if not _expandable(shape, got):
        raise RuntimeError(
            f"invalid gradient at index {i} - got [{', '.join(map(str, got))}] but expected "
            f"shape compatible with [{', '.join(map(str, shape))}]")
    return g.sum_to_size(shape)


def _fitted(fn, out):
    """PyTorch's validate_outputs for the nodes whose output was resized after they were made
    (`recorder.note_resize`): a gradient must fit the shape that output had (summed down to it
    where it broadcasts from it), else the node returned an invalid gradient."""
    out = list(out)
    for i, (nxt, nr) in enumerate(fn.next_functions):
        if nxt is None or i >= len(out) or out[i] is None:
            continue
        shapes = nxt.__dict__.get("_out_shapes")
        if not shapes or nr not in shapes:
            continue
        shape, g = shapes[nr], out[i]
        got = tuple(g._data.shape)
        if got == tuple(shape):
            continue
        if not _expandable(shape, got):
            raise RuntimeError(
                f"Function {fn.name()} returned an invalid gradient at index {i} - got "
                f"[{', '.join(map(str, got))}] but expected shape compatible with "
                f"[{', '.join(map(str, shape))}]")
        out[i] = g.sum_to_size(shape)
    return out


def _expandable(shape, desired):
    """Whether `shape` broadcasts to `desired` (PyTorch's is_expandable_to)."""
    if len(shape) > len(desired):
        return False
    for s, d in zip(reversed(shape), reversed(desired)):
        if s != d and s != 1:
            return False
    return True


def _run_for_checks(fn, grads):
    """Run a captured node of backward(inputs=) whose gradients go nowhere: PyTorch runs it,
    and its generated backward unpacks the saved values first (a freed graph or a modified
    saved tensor raises) but computes no gradient nobody needs (a not-implemented formula does
    not raise). Nodes that cannot tell (custom Functions, graph rewrites) simply run."""
    check = getattr(fn, "check_saved", None)
    if check is not None:
        check(grads)
    elif grads[0] is not None or fn.runs_without_grad:
        fn.apply(grads if not _any_none(grads) else _materialize(fn, grads))


def _all_none(grads):
    for g in grads:
        if g is not None:
            return False
    return True


def _any_none(grads):
    for g in grads:   # not `None in grads`: that would compare tensors elementwise
        if g is None:
            return True
    return False


def _pre_hooks(fn, grads):
    d = fn.__dict__
    thooks = d.get("_thooks")
    if thooks:
        grads = _run_tensor_hooks(thooks, grads)
    for h in d.get("_pre", ()):
        r = h(tuple(grads))
        if r is not None:
            grads = list(r)
    return grads


def _post_hooks(fn, out, grads):
    for h in fn.__dict__.get("_post", ()):
        r = h(tuple(out), tuple(grads))
        if r is not None:
            out = tuple(r)
    return out


def _capture(fn, grads, captures, got):
    for nr in range(fn.num_outputs):
        if (fn, nr) in captures:
            g = grads[nr]
            if fn.__class__ is AccumulateGrad:
                g = leaf_hooks(fn.variable, g)
            got[(fn, nr)] = g


def _materialize(fn, grads):
    """Multi-output nodes get zeros for outputs that received no gradient."""
    metas = getattr(fn, "out_meta", None)
    if metas is None:
        return grads
    return [g if g is not None else zeros(shape, dtype=dt) for g, (shape, dt) in zip(grads, metas)]


def _run_tensor_hooks(thooks, grads):
    grads = list(grads)
    for nr, hooks in thooks.items():
        for h in list(hooks):
            if grads[nr] is None:
                continue
            r = h(grads[nr])
            if r is not None:
                grads[nr] = r
    return grads
