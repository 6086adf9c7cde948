"""Backward formulas, declared once per op, and what a node keeps for them.

A `Derivative` is one backward node: a formula per differentiable input, written with insitu ops
(so it is differentiable again, for `create_graph=True`):

    Derivative("MulBackward0", {"self": lambda grad, other: grad * other,
                                "other": lambda grad, self: grad * self})

A formula's parameter names say what it reads, as in PyTorch's derivatives.yaml:

  grad, grads                 the gradient of the output; the gradients of every output
  an input's name             the input as the op read it (version-checked at backward)
  result (or output names)    the output
  <input>_shape, <input>_dtype, result_shape ...   shapes and dtypes only: no tensor is kept
  needs                       which inputs need a gradient (for a formula of several inputs)
  any other name              a value the op passes when it records (dim, alpha, a mask...)

What a node keeps is derived from those names, never declared: when an op is recorded, the node
keeps exactly what the formulas of the inputs that need a gradient read. `mul` by a constant
keeps nothing of the constant; an in-place op whose needed formulas read `self` keeps a copy of
self's old value, and only then (PyTorch's `original_self` rule); one that reads `result` keeps
the output itself, which costs nothing.

A formula keyed by a tuple of names gives those inputs their gradients together (one per name).
Every gradient is given back its input's shape (broadcast dims summed) and dtype here, once.

Two ways to run the same formulas faster:
  on_arrays=True   the formulas only use operators NumPy arrays share, so when no graph is being
                   built they run on the arrays themselves (no Tensor per intermediate). A
                   formula that turns out to need an insitu-only method falls back for good.
  composite=fn     fused layers: the formulas are written on arrays (one node per layer call);
                   for a backward that builds a graph, the layer's composite form (written with
                   insitu ops) is re-run from the saved inputs and differentiated instead.
"""
import inspect
import types

from ..autograd import recorder
from ..autograd.engine import grad as autograd_grad
from ..autograd.grad_mode import mode
from ..autograd.graph import copy_for_backward
from ..autograd.node import Node
from ..autograd.saved import FREED_MESSAGE
from ..backend import xp
from ..core.storage import INFERENCE, user_frame
from ..core.tensor import Tensor, new_tensor

_nd = xp.ndarray
_asarray = xp.asarray

# what a formula parameter reads
GRAD, GRADS, NEEDS, INPUT, OUTPUT, INPUT_META, OUTPUT_META, VALUE = range(8)
_SPECIAL = {"grad": GRAD, "grads": GRADS, "needs": NEEDS}


class Derivative:
    """The backward of one node class (see the module docstring)."""

    def __init__(self, name, formulas, *, inputs=None, outputs=("result",), op_name=None,
                 computed=None, on_arrays=False, composite=None, scalars=(), materialize=True,
                 double_of=None):
        self.name = name
        self.inputs = tuple(inputs if inputs is not None else
                            [n for key in formulas for n in _names(key)])
        self.outputs = tuple(outputs)
        self.op_name = op_name or name
        self.computed = computed or {}      # name -> fn(inputs, values): made when recorded
        self.on_arrays = on_arrays
        self.composite = composite
        # outputs that got no gradient are zeros for the formulas (or None, when they read
        # `grads` and skip what is missing, as PyTorch's undefined gradients)
        self.materialize = materialize
        self.formulas = []                  # (input positions, fn, ((kind, name, index), ...))
        for key, fn in formulas.items():
            positions = tuple(self.inputs.index(n) for n in _names(key))
            reads = tuple(self._classify(p) for p in inspect.signature(fn).parameters)
            if isinstance(key, tuple) and len(key) == 1:
                fn = _only_gradient(fn)     # a tuple key's formula returns a sequence
            self.formulas.append((positions, fn, reads))
        # formula index -> the Derivative of its own backward (`backward_node`)
        self.twice = {} if double_of is not None else {
            k: _double(self, fn, reads) for k, (_, fn, reads) in enumerate(self.formulas)
            if getattr(fn, "twice", None) is not None}
        # the node's edges: the inputs that have a formula (PyTorch's next_functions list the
        # differentiable inputs: no edge for a mask or an index), less Scalar operands given a
        # number (see `ops.table`)
        self.edges = tuple(sorted({i for positions, _, _ in self.formulas for i in positions}))
        self.scalars = tuple(self.inputs.index(n) for n in scalars if n in self.inputs)
        # a number given for a Tensor operand is a tensor PyTorch saves (`x * 2` wraps 2)
        self.wrapped = frozenset(n for i, n in enumerate(self.inputs) if i not in self.scalars)
        self.composite_values = ()
        if composite is not None:
            names = list(inspect.signature(composite).parameters)[len(self.inputs):]
            self.composite_values = tuple(self._classify(n) for n in names)
        self._plans = {}
        # what name() says: PyTorch's C++ nodes outside the generated ones carry a namespace
        display = "insitu::autograd::" + name if name in _QUALIFIED else name
        self.node_cls = type(name, (FormulaNode,), {"__slots__": (), "derivative": self,
                                                     "num_outputs": len(self.outputs),
                                                     "_display": display,
                                                     **self.saved_attributes()})

    def saved_attributes(self):
        """PyTorch's introspection of what a node keeps (`grad_fn._saved_self`, `._saved_dim`):
        one property per name the formulas may keep. Properties, not a `__getattr__`, which
        would slow every attribute read of every node."""
        names = set(self.inputs) | set(self.outputs) | set(self.computed)
        for _, _, reads in self.formulas:
            names.update(e[1] for e in reads if e[0] in (INPUT, OUTPUT, VALUE))
        names.update(e[1] for e in self.composite_values)
        return {"_saved_" + n: property(_saved_reader(n)) for n in names}

    def _classify(self, name):
        if name in _SPECIAL:
            return (_SPECIAL[name], name, -1)
        if name in self.inputs:
            return (INPUT, name, self.inputs.index(name))
        if name in self.outputs:
            return (OUTPUT, name, self.outputs.index(name))
        stem, _, what = name.rpartition("_")
        if what in ("shape", "dtype"):
            if stem in self.inputs:
                return (INPUT_META, name, self.inputs.index(stem))
            if stem in self.outputs:
                return (OUTPUT_META, name, self.outputs.index(stem))
        return (VALUE, name, -1)

    def plan(self, needs, numbers=()):
        """What a node must keep when the inputs in `needs` need a gradient: every value the
        formulas of those inputs read (once each), inputs and values first, outputs last.
        `numbers`: the positions of Scalar operands given a number (no formula of theirs
        exists for that call)."""
        key = (needs, numbers) if numbers else needs
        plan = self._plans.get(key)
        if plan is None:
            seen, before, after = set(), [], []
            wanted = [reads for positions, _, reads in self.formulas
                      if any(needs[i] for i in positions)]
            if self.composite is not None and True in needs:
                wanted.append(self.composite_values)
            for reads in wanted:
                for entry in reads:
                    kind, name = entry[0], entry[1]
                    if kind <= NEEDS or name in seen:
                        continue
                    seen.add(name)
                    (after if kind in (OUTPUT, OUTPUT_META) else before).append(entry)
            if True in needs:
                # PyTorch saves the outputs any formula reads whichever inputs need a gradient
                # (only inputs are saved for the formulas that will run): a second backward
                # through copysign(x, y) with only y needing one finds its result freed
                for positions, _, reads in self.formulas:
                    if all(i in numbers for i in positions):
                        continue
                    for entry in reads:
                        if entry[0] == OUTPUT and entry[1] not in seen:
                            seen.add(entry[1])
                            after.append(entry)
            plan = self._plans[key] = (tuple(before), tuple(after))
        return plan

    def reads_input(self, name, needs):
        """Whether the node will keep input `name` (an in-place op then copies it first)."""
        return any(e[0] == INPUT and e[1] == name for e in self.plan(needs)[0])


def _names(key):
    return key if isinstance(key, tuple) else (key,)


def _only_gradient(fn):
    """The formula of a tuple key naming one input: its one gradient, not a sequence of one
    (stack or cat of a single tensor)."""
    return lambda *args: fn(*args)[0]


_QUALIFIED = ("CopyBackwards", "NotImplemented")


def not_implemented(op_name):
    """The formula of a derivative PyTorch does not implement: backward raises."""
    def formula(grad):
        raise RuntimeError(f"derivative for aten::{op_name} is not implemented")
    return formula


def no_derivative(what):
    """The formula of a node PyTorch gives no backward (unique's, a backward's own backward):
    backward raises NotImplementedError, worded as PyTorch's."""
    def formula(grad):
        raise NotImplementedError(f"the derivative for '{what}' is not implemented.")
    return formula


def backward_node(name=None, **others):
    """Mark a formula whose gradient, in a backward that builds a graph, is one node of its own,
    as PyTorch's backward functions (`hardshrink_backward(grad, self, lambd)`) are: the node
    (`name`, by default the first node's less its number plus `Backward0`:
    HardshrinkBackwardBackward0) reads the incoming gradient (`grad_output`) and the tensors the
    formula reads. Its gradient for grad_output is the formula again (every formula is linear in
    its gradient); for a tensor read, `others` gives it: ZEROS (the formula reads it only
    through masks: PyTorch's zeros_like(grad)), DIFFERENTIATED (the formula differentiated) or
    a formula of that node (its grad, grad_output and the tensors); `not_implemented=op`:
    every gradient raises PyTorch's "derivative for aten::op is not implemented".

    The mark goes on a copy of `fn` (same code, no extra call), so one body can be the formula
    of two nodes: `backward_node("SoftshrinkBackwardBackward0", self=ZEROS)(_shrink_backward)`."""
    def mark(fn):
        marked = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                                    fn.__closure__)
        marked.__kwdefaults__, marked.__doc__ = fn.__kwdefaults__, fn.__doc__
        marked.twice = (name, others)
        return marked
    return mark


def ZEROS(grad):
    """The gradient a formula's mask input gets: zeros of the gradient's shape."""
    if isinstance(grad, _nd):
        return xp.zeros_like(grad)
    return grad.new_zeros(grad._data.shape)


# `backward_node`'s entry for an input the formula reads as a smooth function: its gradient
# by differentiating the formula (re-run with grad mode on)
DIFFERENTIATED = object()


def _differentiated(fn, wrt):
    """The double node's formula for input `wrt` of formula `fn` (see DIFFERENTIATED): its
    parameters are the incoming gradient, grad_output and fn's own after its gradient."""
    names = list(inspect.signature(fn).parameters)
    at = names.index(wrt)

    def formula(grad, grad_output, *rest):
        args = (grad_output,) + rest
        build = mode.grad
        if not build:
            # differentiated on its own (the graph it was read from is not walked, nor freed)
            args = [a.detach() if isinstance(a, Tensor) else a for a in args]
            args[at].requires_grad_()
        with _enable_grad():
            out = fn(*args)
        g, = autograd_grad(out, [args[at]], grad, create_graph=build, allow_unused=True)
        return ZEROS(grad) if g is None else g
    formula.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
         for n in ["grad", "grad_output"] + names[1:]])
    return formula


def _double(d, fn, reads):
    """The Derivative of formula `fn` of `d` (see `backward_node`)."""
    name, others = fn.twice
    if name is None:
        name = d.name.rstrip("0123456789") + "Backward0"
    tensors = tuple(e[1] for e in reads if e[0] in (INPUT, OUTPUT))
    failing = others.get("not_implemented")
    if failing is not None:
        nope = not_implemented(failing)
        formulas = {n: nope for n in ("grad_output",) + tensors}
        name = "NotImplemented"
    else:
        # the formula again for a map that is its own adjoint (elementwise ones, softmax's);
        # `grad_output=` gives the adjoint of one that is not (log_softmax's)
        formulas = {"grad_output": others.get("grad_output", fn)}
        for n in tensors:
            f = others.get(n)
            if f is DIFFERENTIATED:
                f = _differentiated(fn, n)
            if f is not None:
                formulas[n] = f
    # on arrays (no graph built) when the formula's are and the other gradients are zeros
    arrays = d.on_arrays and all(f is ZEROS for n, f in formulas.items() if n != "grad_output")
    dd = Derivative(name, formulas, inputs=("grad_output",) + tensors, outputs=("grad_input",),
                    on_arrays=arrays, double_of=d)
    if failing is None and "grad_output" not in others:
        dd.twice = {0: dd}          # the formula's own backward is this node again
    return dd


# ------------------------------------------------------------------------- recording

def prepare(d, inputs, values, inplace=None, where=None):
    """The node of derivative `d` for a call over `inputs`, keeping what its formulas read from
    the inputs and `values` (before any kernel runs). For an in-place op, `inplace` names it:
    an input 0 the formulas read is then copied first (the op is about to overwrite it)."""
    edges = d.edges
    if d.scalars:
        edges = _edges_of_call(d, inputs)
    node = recorder.new_node(d.node_cls, inputs, None if len(edges) == len(inputs) else edges)
    node.saved = node.params = _NOTHING     # dicts made by `_keep` when something is kept
    numbers = ()
    if d.scalars:
        numbers = tuple(i for i in d.scalars if not isinstance(inputs[i], Tensor))
    before, node.after = d.plan(node.needs, numbers)
    if before:
        _keep(d, node, before, inputs, values, inplace, where)
    if d.composite is not None:
        node.refs = tuple(inputs)
    return node


def _edges_of_call(d, inputs):
    """The edges of a call: a Scalar operand given a number has none, nor one given None when
    no Scalar operand is a tensor (clamp(x, 0) is the Scalar overload: one edge)."""
    scalar_tensor = any(isinstance(inputs[i], Tensor) for i in d.scalars)
    return tuple(i for i in d.edges if i not in d.scalars or isinstance(inputs[i], Tensor)
                 or (inputs[i] is None and scalar_tensor))


def finish(node, outputs, where=None):
    """Attach the outputs (a tensor, or a tuple for a node with several) and keep what the
    formulas read of them."""
    if node.num_outputs == 1:
        outs = (outputs,)
        if outputs is not None:         # recorder.attach of output 0 of a one-output node
            if not outputs._dtype.is_floating_point and not recorder.integral_output(node,
                                                                                   outputs):
                return node
            outputs._grad_fn = node
            outputs._requires_grad = True
    else:
        outs = outputs
        for i, out in enumerate(outs):
            if out is not None:
                recorder.attach(node, out, i)
        if node.derivative.materialize:
            node.out_meta = [(o._data.shape, o._dtype) for o in outs]
    if node.after:
        _keep(node.derivative, node, node.after, outs, None, None, where)
    return node


def keep_outputs(node, outs, where=None):
    """Keep what the formulas read of the outputs (an in-place op's output is self, attached by
    the graph rewrite)."""
    after = node.after
    if after:
        _keep(node.derivative, node, after, outs, None, None, where)
    return node


def inference_only(scalars, inputs):
    """Whether a call is dispatched past autograd: outside inference mode, PyTorch records
    nothing for a call whose tensors are all inference tensors (they carry no autograd key),
    unless a number stands for a Tensor operand (`x * 2` wraps 2 in a normal tensor; a Scalar
    operand, `x.pow(2)`, is no tensor)."""
    first = inputs[0]
    if not (isinstance(first, Tensor) and first._storage.special & INFERENCE):
        return False
    for i, a in enumerate(inputs):
        if isinstance(a, Tensor):
            if not a._storage.special & INFERENCE:
                return False
        elif a is not None and i not in scalars and a.__class__ in (int, float, bool, complex):
            return False
    return True


def record(d, inputs, outputs, values=None, where=None):
    """Record an op that has run (`prepare`, then `finish`), when grad mode is on and some input
    requires grad. Returns the outputs."""
    if mode.grad and recorder.needs_grad(inputs) and not inference_only(d.scalars, inputs):
        for out in (outputs,) if isinstance(outputs, Tensor) else outputs:
            if out is not None and not out._dtype.is_floating_point:
                # sum(x, dtype=insitu.int64) of a grad-requiring x
                raise RuntimeError(f"Autograd not support dtype: {out._dtype.legacy}")
        finish(prepare(d, inputs, values, None, where), outputs, where)
    return outputs


def check_integer_self_saved(d, inputs):
    """An in-place op on an integer or bool self that requires grad (`x.gt_(w)` gives one) whose
    formulas read self: PyTorch's autograd kernel refuses to keep the copy of self, before the
    op's own cast check."""
    self = inputs[0]
    if self._dtype.is_floating_point or not self._requires_grad:
        return
    needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in inputs)
    for kind, name, i in d.plan(needs)[0]:
        if kind == INPUT and i == 0:
            raise RuntimeError(f"Autograd not support dtype: {self._dtype.legacy}")


def check_inference_saves(d, inputs, inplace=False):
    """PyTorch's autograd kernel saves what the formulas read before its op's own checks run:
    an inference tensor among them is refused first (grad mode on, some input requiring grad,
    the call not dispatched past autograd). In place, self is kept as a copy (never refused)."""
    needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in inputs)
    first = 1 if inplace else 0
    for kind, name, i in d.plan(needs)[0]:
        if kind == INPUT and i >= first:
            read = (inputs[i],)
        elif kind == VALUE and d.computed and name in d.computed:
            read = inputs[first:]     # a value computed from the inputs (clamp's masks)
        else:
            continue
        for t in read:
            if isinstance(t, Tensor) and t._storage.special & INFERENCE:
                raise RuntimeError(_INFERENCE_SAVE)


_INFERENCE_SAVE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `insitu.no_grad()` instead of "
    "`insitu.inference_mode()`.")


def _keep(d, node, plan, sources, values, inplace, where):
    """Keep the plan's values; `where` (the user's line, for located errors) is looked up once,
    when the first tensor is saved. The node's dicts are made at their first entry."""
    saved, params = node.saved, node.params
    for kind, name, i in plan:
        if kind == INPUT or kind == OUTPUT:
            t = sources[i]
            if isinstance(t, Tensor):
                if inplace is not None and i == 0:
                    t = copy_for_backward(t, inplace)
                elif t._storage.special & INFERENCE:
                    raise RuntimeError(_INFERENCE_SAVE)
                if where is None:
                    where = user_frame(2)
                if saved is _NOTHING:
                    saved = node.saved = {}
                saved[name] = recorder.save(t, d.op_name, kind == OUTPUT, where)
                continue
            v = t                       # a number operand: formulas read it as it was
        elif kind == INPUT_META or kind == OUTPUT_META:
            t = sources[i]
            v = (t._data.shape if name.endswith("_shape") else t._dtype) \
                if isinstance(t, Tensor) else (() if name.endswith("_shape") else None)
        else:
            if values is not None and name in values:
                v = values[name]
            else:
                v = d.computed[name](sources, values)
                if inplace is not None and v is sources[0]:
                    # the input an in-place op overwrites: the op's other computed values
                    # stand for the copy PyTorch keeps (clamp_'s masks)
                    v = None
            if isinstance(v, Tensor):
                if where is None:
                    where = user_frame(2)
                if saved is _NOTHING:
                    saved = node.saved = {}
                saved[name] = recorder.save(v, d.op_name, False, where)
                continue
        if params is _NOTHING:
            params = node.params = {}
        params[name] = v


# ------------------------------------------------------------------------- running formulas

def _saved_reader(key):
    def read(node):
        if key in node.saved:
            return node.saved[key].unpack(node)
        if key in node.params:
            return node.params[key]
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '_saved_{key}'")
    return read


class FormulaNode(Node):
    """The node class of every Derivative: runs the formulas of the inputs that need a
    gradient and fits each gradient to its input."""
    __slots__ = ("saved", "params", "in_meta", "needs", "kept", "refs", "out_meta", "after")
    # after: the plan of what is kept of the outputs (`Derivative.plan`), read by `finish`
    derivative = None
    _display = None

    def name(self):
        return self._display

    def apply(self, grads):
        d = self.derivative
        saved = self.saved
        if saved:
            _check_in_order(self, saved)
        elif saved is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        if d.composite is not None:
            return self._evaluate(grads, True) if not mode.grad else self._through_composite(grads)
        if not mode.grad:
            if d.on_arrays:
                try:
                    return self._evaluate(grads, True)
                except (AttributeError, TypeError):
                    d.on_arrays = False     # a formula needs an insitu method: tensors now on
            return self._evaluate(grads, False)
        if d.twice:
            return self._evaluate_twice(grads)
        return self._evaluate(grads, False)

    def _evaluate_twice(self, grads):
        """A backward that builds a graph, for formulas whose gradient is one node of its own
        (PyTorch's `...BackwardBackward0`: its backward function of the gradient and of the
        tensors it reads): computed without a graph, then recorded over those. The other
        formulas build their graph as they run."""
        d = self.derivative
        needs, meta, twice = self.needs, self.in_meta, d.twice
        res = [None] * len(needs)
        for k, (positions, fn, reads) in enumerate(d.formulas):
            if not any(needs[i] for i in positions):
                continue
            args = [self._read(e, grads, False) for e in reads]
            dd = twice.get(k)
            if dd is None:
                _place(res, positions, fn(*args))
                continue
            i = positions[0]
            mode.grad = False
            try:
                r = _fit_tensor(fn(*args), *meta[i])
            finally:
                mode.grad = True
            inputs = [grads[0]] + [a for a, e in zip(args, reads) if e[0] in (INPUT, OUTPUT)]
            values = {e[1]: a for a, e in zip(args, reads) if e[0] == VALUE}
            res[i] = record(dd, inputs, r, values)
        return [None if res[i] is None or not needs[i] else _fit_tensor(res[i], *meta[i])
                for i in self.kept]

    def _evaluate(self, grads, arrays):
        needs = self.needs
        res = [None] * len(needs)
        for positions, fn, reads in self.derivative.formulas:
            for i in positions:
                if needs[i]:
                    break
            else:
                continue
            args = []
            for entry in reads:
                if entry[0] == GRAD:        # the commonest read, inline
                    g = grads[0]
                    args.append(g._data if arrays else g)
                else:
                    args.append(self._read(entry, grads, arrays))
            r = fn(*args)
            if len(positions) == 1 and not isinstance(r, (list, tuple)):   # `_place`, inline
                res[positions[0]] = r
            else:
                _place(res, positions, r)
        fit = _fit_array if arrays else _fit_tensor
        meta = self.in_meta
        kept = self.kept
        if len(kept) == 1:          # one input (or one edge): no list built to be indexed
            i = kept[0]
            r = res[i]
            return [None if r is None or not needs[i] else fit(r, *meta[i])]
        return [None if res[i] is None or not needs[i] else fit(res[i], *meta[i])
                for i in kept]

    def check_saved(self, grads):
        """PyTorch's checks of a node's saved values (freed by an earlier backward, modified in
        place since), computing nothing."""
        saved = self.saved
        if saved:
            _check_in_order(self, saved)
        elif saved is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        d = self.derivative
        if d.name == "NotImplemented" and d.formulas:
            d.formulas[0][1](grads[0])      # PyTorch's error node raises whenever it runs

    def _read(self, entry, grads, arrays):
        kind, name, _ = entry
        if kind == GRAD:
            g = grads[0]
            return g._data if arrays else g
        if kind == GRADS:
            return [None if g is None else g._data if arrays else g for g in grads]
        if kind == NEEDS:
            return self.needs
        v = self.params.get(name, _MISS)
        if v is not _MISS:
            return v
        # `apply` (and `check_saved`) checked every saved value first, in PyTorch's order
        s = self.saved[name]
        return s.value_data() if arrays else s.value(self)

    def _through_composite(self, grads):
        """Double backward of a fused layer: differentiate its composite form."""
        d = self.derivative
        saved = self.saved
        inputs = [saved[n].unpack(self) if n in saved else r for n, r in zip(d.inputs, self.refs)]
        kwargs = {e[1]: self._read(e, grads, False) for e in d.composite_values}
        with _enable_grad():
            out = d.composite(*inputs, **kwargs)
        wanted = [t for t, n in zip(inputs, self.needs) if n]
        got = iter(autograd_grad(out, wanted, grads[0], create_graph=True, allow_unused=True))
        res = [next(got) if n else None for n in self.needs]
        return [res[i] for i in self.kept]

    def release(self):
        saved = self.saved
        if saved:
            for s in saved.values():
                s.release()
        # a later backward through a node that kept tensors raises, whatever its formulas read
        # (a node that kept nothing runs again, as PyTorch's)
        if saved or self.derivative.composite is not None or (self.params and any(
                _holds_array(v) or k in self.derivative.wrapped for k, v in self.params.items())):
            self.saved = _FREED
        if self.derivative.composite is not None:
            self.refs = ()
            self.params = {}
        elif self.params:
            # arrays kept at record time (indices, masks) and numbers standing for Tensor
            # operands are tensors PyTorch saves: freed too, so a second backward reading them
            # gets its error
            wrapped = self.derivative.wrapped
            self.params = {k: v for k, v in self.params.items()
                           if not _holds_array(v) and k not in wrapped}


def _check_in_order(node, saved):
    """PyTorch's generated backward unpacks all its saved variables first (those the formulas
    to run do not read too): what it saved of the inputs in the order of their names, then the
    outputs. With several modified in place, the error names the first of them."""
    if len(saved) == 1:
        for s in saved.values():
            s._check(node)
        return
    key = (node.derivative, tuple(saved))
    order = _ORDERS.get(key)
    if order is None:
        order = _ORDERS[key] = sorted(saved, key=lambda k: (saved[k].is_output, _pytorch_name(k)))
    for k in order:
        saved[k]._check(node)


_ORDERS = {}    # (derivative, names kept) -> the order PyTorch unpacks them in


def _pytorch_name(key):
    """The name PyTorch's node saves a value under: `kept_self` (clamp's) stands for self."""
    return key[5:] if key.startswith("kept_") else key


def _place(res, positions, r):
    """A formula's result into `res`: one gradient, or one per input it is keyed by."""
    if len(positions) == 1 and not isinstance(r, (list, tuple)):
        res[positions[0]] = r
    else:
        for i, ri in zip(positions, r):
            res[i] = ri


def _holds_array(v):
    return isinstance(v, xp.ndarray) or (type(v) is tuple
                                         and any(isinstance(i, xp.ndarray) for i in v))


class _Freed(dict):
    """Stands in for the saved dict after release, so a second backward gets PyTorch's error."""

    def __getitem__(self, key):
        raise RuntimeError(FREED_MESSAGE)

    def __contains__(self, key):
        raise RuntimeError(FREED_MESSAGE)

    def __bool__(self):
        return False


_FREED = _Freed()
_MISS = object()
_NOTHING = {}       # saved/params of a node that keeps nothing of that kind (never written)


class _enable_grad:
    def __enter__(self):
        self.prev = mode.grad
        mode.grad = True

    def __exit__(self, *exc):
        mode.grad = self.prev


def _fit_tensor(r, shape, dt):
    if r._data.shape != shape:
        r = r.sum_to_size(shape)
    return r if r._dtype is dt else r.to(dt)


def _fit_array(r, shape, dt):
    if r.__class__ is not _nd:
        r = _asarray(r)
    if r.shape != shape:
        r = _sum_to_shape(r, shape)
    if r.dtype != dt.np:
        r = r.astype(dt.np)
    elif r.base is not None:
        r = r.copy()   # a gradient must own its memory (it may be accumulated into)
    return new_tensor(r, dt)


def _sum_to_shape(r, shape):
    lead = r.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape)
                                      if n == 1 and r.shape[i + lead] != 1)
    if axes:
        r = r.sum(axis=axes, keepdims=True)
    return r.reshape(shape)
