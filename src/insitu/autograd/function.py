"""Custom autograd Functions: user-written forward and backward, recorded like built-in ops.

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    Exp.apply(x)

As in PyTorch, `ctx` is the backward node itself (an instance of `<ClassName>Backward`), so
`y.grad_fn.saved_tensors` and `y.grad_fn.needs_input_grad` work. `Function.apply`:

1. takes the edges to the inputs' current grad_fns (before forward can mutate anything);
2. runs forward with grad mode off;
3. wraps the outputs: inputs marked dirty get their version bumped and the graph rewritten like a
   built-in in-place op (`graph_rewrite.after_inplace`); an input returned as-is becomes a view
   of it; views get the CUSTOM_FUNCTION creation mark (mutating them would bypass the custom
   backward, so it is refused); outputs marked non-differentiable and integer outputs stay
   outside the graph;
4. saves the tensors given to `ctx.save_for_backward` as version-checked, located SavedTensors,
   so mutating one before backward raises with the line that called `apply` and the line that
   modified it.
"""
import functools
import inspect
import warnings

from ..backend import xp
from ..core.tensor import Tensor, graph_version
from ..creation import zeros
from ..ops.view_graph import after_inplace
from . import recorder
from .grad_mode import mode, no_grad
from .guards import CUSTOM_FUNCTION, check_autograd
from .node import Node
from .saved import _FREED
from .versions import write

__all__ = ["Function", "FunctionCtx", "once_differentiable", "BackwardCFunction"]


_NO_BACKWARD = ("You must implement either the backward or vjp method for your custom "
                "autograd.Function to use it with backward mode AD.")
_DIRTY_NOT_RETURNED = (
    "Some elements marked as dirty during the forward method were not returned as output. The "
    "inputs that are modified inplace must all be outputs of the Function.")
_DIRTY_NOT_INPUT = ("ctx.mark_dirty() received a tensor that was not an input. Only input Tensors "
                    "that have been mutated should be passed to ctx.mark_dirty().")
_DIRTY_VIEW_MULTI = (
    "If your Function modifies inplace an input that is a view of another Tensor, your Function "
    "cannot return more than one Tensor. This is not supported by the current autograd engine. "
    "You should either make sure the input is not a view (using .clone() for example) or make "
    "your Function only return one Tensor (potentially splitting it into two Functions: one doing "
    "the inplace that returns a single Tensor and a second one that does the other operations). "
    "You can ask on the forum https://discuss.pytorch.org/ if you need help to do this change.")
_DIRTY_LEAF = "a leaf Variable that requires grad has been used in an in-place operation."
_LEGACY = ("Legacy autograd function with non-static forward method is deprecated. Please use "
           "new-style autograd function with static forward method. (Example: "
           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")


class FunctionCtx:
    """What forward and backward receive as `ctx`: the backward node of this call itself."""

    def save_for_backward(self, *tensors):
        """ctx.save_for_backward(*tensors): keep tensors (or None) for backward, read back as
        `ctx.saved_tensors`. They are saved version-checked: modifying one in place before
        backward makes backward raise, naming the line that called `apply` and the line that
        modified it. Anything but a tensor or None raises TypeError."""
        T = Tensor
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, T):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is "
                                f"of type {type(t).__name__}")
        self._to_save = tensors

    def mark_dirty(self, *tensors):
        """ctx.mark_dirty(*tensors): declare the inputs forward modified in place (and returns):
        their versions are bumped and their graph rewritten as for a built-in in-place op."""
        T = Tensor
        for i, t in enumerate(tensors):
            if not isinstance(t, T):
                raise RuntimeError(f"mark_dirty can only accept variables, but argument {i} is "
                                   f"of type {type(t).__name__}")
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """ctx.mark_non_differentiable(*tensors): outputs that get no gradient (they do not
        require grad; backward receives zeros for them)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        """ctx.set_materialize_grads(value): whether backward gets zeros (True, the default) or
        None for outputs that received no gradient."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        """The tensors given to save_for_backward, checked against their versions (RuntimeError
        if one was modified in place, or if the graph was already freed by a backward)."""
        saved = self.__dict__.get("_saved", ())
        if saved is None:
            raise RuntimeError(_FREED)
        return tuple(None if s is None else s.unpack(self) for s in saved)


class BackwardCFunction(Node, FunctionCtx):
    """Base of the generated `<ClassName>Backward` nodes; each instance is one call's ctx."""
    _forward_cls = None
    runs_without_grad = True   # PyTorch calls backward with materialized zeros even then

    def __init__(self):
        self.next_functions = ()
        self.needs_input_grad = ()
        self.materialize_grads = True
        self.num_outputs = 1

    def apply(self, grads):
        """Run the Function's backward on the output gradients (zeros for missing ones when
        materialize_grads) and check what it returns: one gradient per input."""
        grads = list(grads)
        if self.materialize_grads:
            for i, meta in enumerate(self._out_meta):
                if grads[i] is None and meta is not None:
                    grads[i] = zeros(meta[0], dtype=meta[1])
        res = _user_backward(self._forward_cls)(self, *grads)
        return self._check_grads(res if isinstance(res, tuple) else (res,))

    def _check_grads(self, res):
        """One gradient per forward argument -> one per tensor input, validated like PyTorch."""
        name = self.name()
        is_tensor = self._arg_is_tensor
        if len(res) > len(is_tensor) and all(r is None for r in res[len(is_tensor):]):
            res = res[:len(is_tensor)]
        if len(res) != len(is_tensor):
            raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                               f"(expected {len(is_tensor)}, got {len(res)})")
        T = Tensor
        out = []
        for i, (r, tensor_arg) in enumerate(zip(res, is_tensor)):
            if not tensor_arg:
                if r is not None:
                    raise RuntimeError(
                        f"function {name} returned a gradient different than None at position "
                        f"{i + 1}, but the corresponding forward input was not a Variable")
                continue
            if r is not None and not isinstance(r, T):
                raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
            k = len(out)
            if r is None or self.next_functions[k][0] is None:
                out.append(None)
                continue
            shape, dt = self.in_meta[k]
            if r._data.shape != shape:
                r = _sum_to(r, shape, name, k)
            if r._dtype is not dt:
                r = r.to(dt)
            out.append(r)
        return tuple(out)

    def release(self):
        """Free the saved tensors (after a backward without retain_graph)."""
        for s in self.__dict__.get("_saved") or ():
            if s is not None:
                s.release()
        self._saved = None


def _sum_to(r, shape, name, index):
    """A gradient of broadcast shape is summed down; any other shape is an error."""
    try:
        ok = xp.broadcast_shapes(shape, r._data.shape) == r._data.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(
            f"Function {name} returned an invalid gradient at index {index} - got "
            f"[{', '.join(map(str, r._data.shape))}] but expected shape compatible with "
            f"[{', '.join(map(str, shape))}]")
    return r.sum_to_size(shape)


def _user_backward(cls):
    backward, vjp = cls.backward, cls.vjp
    overrides_backward = backward is not Function.backward
    overrides_vjp = vjp is not Function.vjp
    if overrides_backward and overrides_vjp:
        raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not "
                           "allowed. You should only implement one of them.")
    return vjp if overrides_vjp else backward


class Function:
    """Base class of custom autograd operations (see the module docstring)."""
    _backward_cls = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._backward_cls = type(cls.__name__ + "Backward", (BackwardCFunction,),
                                 {"_forward_cls": cls, "__module__": cls.__module__})

    def __call__(self, *args, **kwargs):
        raise RuntimeError(_LEGACY)

    @staticmethod
    def forward(*args, **kwargs):
        """Override: forward(ctx, *args) computes the outputs (grad mode is off inside), or
        forward(*args) together with setup_context. NotImplementedError if not overridden."""
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Optional override: fill ctx from the inputs and the output when forward takes no
        ctx."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Override: one gradient per output in, one per forward argument out (None for
        arguments that are not tensors or need no gradient); extra trailing Nones are allowed,
        and gradients are summed to each input's shape and cast to its dtype."""
        raise NotImplementedError(_NO_BACKWARD)

    @staticmethod
    def vjp(ctx, *grad_outputs):
        """Another name for backward: override one of the two."""
        raise NotImplementedError(_NO_BACKWARD)

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward-mode derivative: not supported (NotImplementedError)."""
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """MyFunction.apply(*args, **kwargs): run forward and, if grad mode is on and a tensor
        argument requires grad, record one `<ClassName>Backward` node (see the module
        docstring). Calling an instance instead (legacy style) raises RuntimeError."""
        if cls._backward_cls is None:
            cls.forward()   # raises: Function itself has no forward
        separate_setup = cls.setup_context is not Function.setup_context
        args, kwargs = _bind(cls.forward, args, kwargs, skip_ctx=not separate_setup)
        T = Tensor
        is_tensor = tuple(isinstance(a, T) for a in args)
        requires = tuple(t and a.requires_grad for a, t in zip(args, is_tensor))
        executable = mode.grad and any(requires)
        if executable:   # edges first: forward may modify its inputs in place
            ctx = recorder.new_node(cls._backward_cls, [a for a, t in zip(args, is_tensor) if t])
            ctx.materialize_grads = True
            ctx.num_outputs = 1
        else:
            ctx = cls._backward_cls()
        ctx._arg_is_tensor = is_tensor
        ctx.needs_input_grad = requires   # as in PyTorch, whatever the grad mode
        prev = mode.grad
        mode.grad = False
        try:
            if separate_setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            mode.grad = prev
        is_tuple = isinstance(output, tuple)
        outputs = _wrap_outputs(ctx, args, output if is_tuple else (output,), executable)
        if executable:
            _save(ctx, outputs)
        ctx.__dict__.pop("_to_save", None)
        return outputs if is_tuple else outputs[0]


_signatures = {}


def _bind(forward, args, kwargs, skip_ctx):
    """Keyword arguments that forward can take positionally become positional (as in PyTorch,
    they count in needs_input_grad and get a gradient slot)."""
    if not kwargs:
        return args, kwargs
    sig = _signatures.get(forward)
    if sig is None:
        sig = _signatures[forward] = inspect.signature(forward)
    bound = sig.bind(*((None,) if skip_ctx else ()), *args, **kwargs)
    pos = bound.args[1:] if skip_ctx else bound.args
    return tuple(pos), bound.kwargs


def _wrap_outputs(ctx, args, outputs, executable):
    T = Tensor
    inputs = {id(a) for a in args if isinstance(a, T)}
    dirty = ctx.__dict__.pop("_dirty", ())
    non_diff = {id(t) for t in ctx.__dict__.pop("_non_differentiable", ())}
    for t in dirty:   # forward wrote into it already: the write tail only bumps
        write(t, f"{ctx._forward_cls.__name__}.apply (mark_dirty)")
    dirty_ids = {id(t) for t in dirty}
    returned = {id(o) for o in outputs if isinstance(o, T)}
    if not dirty_ids <= returned:
        raise RuntimeError(_DIRTY_NOT_RETURNED)
    if dirty_ids - inputs:
        warnings.warn(_DIRTY_NOT_INPUT, UserWarning, stacklevel=3)
    ctx.num_outputs = len(outputs)
    ctx._out_meta = tuple((o._data.shape, o._dtype) if isinstance(o, T) else None
                          for o in outputs)
    name = ctx._forward_cls.__name__
    n_tensors = sum(1 for o in outputs if isinstance(o, T))
    tensor_pos = {id(a): k for k, a in enumerate(a for a in args if isinstance(a, T))}
    result = []
    for i, o in enumerate(outputs):
        if not isinstance(o, T):
            result.append(o)
            continue
        is_input = id(o) in inputs
        is_dirty = is_input and id(o) in dirty_ids   # a non-input needs no rewrite
        differentiable = (executable and id(o) not in non_diff and o._dtype.is_floating_point)
        if not differentiable:
            o = _outside_graph(o, is_input, is_dirty)
        elif is_dirty:
            _rebase_dirty(ctx, o, i, n_tensors, tensor_pos[id(o)])
        else:
            if is_input:
                o = _alias_view(o)
            o._grad_fn, o._output_nr, o._requires_grad = ctx, i, True
        if executable and o._base is not None and not is_dirty:
            # (a Function that is not recorded leaves its views as made: under no_grad)
            vm = o._view
            vm.creation, vm.output_nr, vm.fn_name = CUSTOM_FUNCTION, i, name
            vm.version = graph_version(o)
        result.append(o)
    return tuple(result)


def _outside_graph(o, is_input, is_dirty):
    """An output that gets no grad_fn: a detached alias of an input, or left as it is."""
    if not o._requires_grad:
        return _alias_view(o) if is_input and not is_dirty else o
    if is_input:
        return o.detach()
    if o._base is None:
        o._grad_fn, o._requires_grad = None, False
    return o


def _alias_view(t):
    """An input returned as-is comes back as a new view of it (it needs its own grad_fn)."""
    prev = mode.grad
    mode.grad = False
    try:
        return t.view_as(t)
    finally:
        mode.grad = prev


def _rebase_dirty(ctx, t, output_nr, n_tensors, input_pos):
    """An input modified in place: its history continues through this Function's node."""
    if t._base is None:
        if t._requires_grad and t._grad_fn is None:
            raise RuntimeError(_DIRTY_LEAF)
        after_inplace(t, ctx)
        t._output_nr = output_nr
        return
    # a view without history (made under no_grad) of a base that requires grad is a leaf that
    # requires grad to PyTorch's check, which reads the grad_fn as it is (not regenerated)
    if t._grad_fn is None and (t._requires_grad or t._base._requires_grad):
        raise RuntimeError(_DIRTY_LEAF)
    check_autograd(t, True)
    if n_tensors > 1:
        raise RuntimeError(_DIRTY_VIEW_MULTI)
    after_inplace(t, _ViewFirst.wrap(ctx, input_pos))


class _ViewFirst(Node):
    """Presents a Function node to CopySlices with the modified view as its first input, the
    layout CopySlices expects (the view may be any of the Function's tensor arguments)."""
    __slots__ = ("fn", "pos")

    @classmethod
    def wrap(cls, fn, pos):
        if pos == 0:
            return fn
        nexts = list(fn.next_functions)
        node = recorder.rewired(cls, [nexts.pop(pos)] + nexts)
        node.fn, node.pos = fn, pos
        return node

    def name(self):
        return self.fn.name()

    def apply(self, grads):
        res = list(self.fn.apply(grads))
        return tuple([res.pop(self.pos)] + res)

    def release(self):
        self.fn.release()


def _save(ctx, outputs):
    to_save = ctx.__dict__.get("_to_save", ())
    out_ids = {id(o) for o in outputs}
    ctx._saved = tuple(None if t is None else
                       recorder.save(t, ctx._forward_cls.__name__, id(t) in out_ids)
                       for t in to_save)


# ------------------------------------------------------------------------- once_differentiable

class DelayedError(Node):
    """grad_fn of the results of a once_differentiable backward: differentiating them raises."""
    __slots__ = ("msg",)

    @classmethod
    def over(cls, msg, leaves):
        node = recorder.new_node(cls, leaves)
        node.msg = msg
        node.num_outputs = len(leaves)
        return node

    def apply(self, grads):
        raise RuntimeError(self.msg)


DelayedError.__name__ = DelayedError.__qualname__ = "Error"   # PyTorch's name: grad_fn=<Error>


def once_differentiable(fn):
    """Decorate a backward that is not itself differentiable: it runs without recording, and
    differentiating its results (create_graph=True) raises instead of silently giving zero."""
    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        with no_grad():
            outputs = fn(ctx, *grads)
        if not mode.grad:
            return outputs
        T = Tensor
        if not any(isinstance(g, T) and g._requires_grad for g in grads):
            return outputs
        single = not isinstance(outputs, tuple)
        outputs = (outputs,) if single else outputs
        # like PyTorch: each result becomes a detached leaf that requires grad, passed through
        # an Error node, so the results have grad_fn=<Error>
        diff = [isinstance(o, T) and o._dtype.is_floating_point for o in outputs]
        leaves = [o.detach().requires_grad_() for o, d in zip(outputs, diff) if d]
        err = DelayedError.over("trying to differentiate twice a function that was marked with "
                           "@once_differentiable", leaves)
        wrapped, k = [], 0
        for o, d in zip(outputs, diff):
            if d:
                o = leaves[k].detach()
                o._grad_fn, o._output_nr, o._requires_grad = err, k, True
                k += 1
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)
    return wrapper
