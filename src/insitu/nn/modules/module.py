"""Module: the base of every layer. Registers parameters, buffers and submodules assigned as
attributes, walks them (parameters(), named_modules(), ...), saves and loads them as a state
dict (`_state_dict.ModuleStateDict`), converts them in place (`to(dtype)`), and runs forward
hooks around `forward` on each call."""
from collections import OrderedDict

from ...autograd.grad_mode import no_grad
from ...autograd.tensor_hooks import zero_grads
from ...core import dtypes
from ...core.device import check_device
from ...core.tensor import Tensor, typename
from ..parameter import Parameter, is_buffer_marker
from ...utils.hooks import RemovableHandle
from ._state_dict import ModuleStateDict, _IncompatibleKeys  # noqa: F401 (PyTorch's home of it)


def _addindent(s_, num_spaces):
    lines = s_.split("\n")
    if len(lines) == 1:
        return s_
    first = lines.pop(0)
    lines = [(num_spaces * " ") + line if line.strip() else "" for line in lines]
    return first + "\n" + "\n".join(lines)


def _remove_from(name, *containers):
    for c in containers:
        if name in c:
            if isinstance(c, dict):
                del c[name]
            else:
                c.discard(name)


class Module(ModuleStateDict):
    """Base class for all neural network modules.

    A subclass calls `super().__init__()`, assigns its layers, Parameters and buffers as attributes
    (they are registered under those names) and defines `forward`; calling the module runs the
    forward pre-hooks, `forward` and the forward hooks. `parameters()`, `buffers()`,
    `named_modules()` and their kin walk the registered tree; `state_dict()` and `load_state_dict()`
    save and restore it under PyTorch's keys; `to(dtype)`, `float()` and `double()` convert the
    floating parameters and buffers, the parameters keeping their identity (their data is swapped,
    so an optimizer built earlier still holds them); `train()` and `eval()` set `training`
    recursively.
    """

    training: bool
    _version = 1
    call_super_init = False

    def __init__(self, *args, **kwargs):
        if self.call_super_init is False and bool(kwargs):
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword "
                            f"argument '{next(iter(kwargs))}'")
        if self.call_super_init is False and bool(args):
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument but "
                            f"{len(args) + 1} were given")
        setattr_ = super().__setattr__
        setattr_("training", True)
        setattr_("_parameters", {})
        setattr_("_buffers", {})
        setattr_("_non_persistent_buffers_set", set())
        setattr_("_modules", {})
        setattr_("_forward_pre_hooks", OrderedDict())
        setattr_("_forward_pre_hooks_with_kwargs", set())
        setattr_("_forward_hooks", OrderedDict())
        setattr_("_forward_hooks_with_kwargs", set())
        setattr_("_forward_hooks_always_called", set())
        setattr_("_state_dict_hooks", OrderedDict())
        setattr_("_state_dict_pre_hooks", OrderedDict())
        setattr_("_load_state_dict_pre_hooks", OrderedDict())
        setattr_("_load_state_dict_post_hooks", OrderedDict())

    def forward(self, *input):
        """The computation of one call; every subclass defines it.

        Call the module, not `forward`, so that the hooks run. The base raises NotImplementedError.
        """
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ------------------------------------------------------------------ registration
    def register_buffer(self, name, tensor, persistent=True):
        """Registers a buffer: a tensor that is state but not a parameter.

        `tensor` (a Tensor or None) is saved in the state dict under `name` unless
        `persistent=False`, and converted by `to()`. Raises AttributeError before `Module.__init__`,
        TypeError for a non-string name or a non-tensor, KeyError for a name that is empty, dotted
        or already another attribute.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{typename(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        """Registers `param` (a Parameter or None) as the parameter `name`.

        Raises AttributeError before `Module.__init__`, TypeError for a non-Parameter, KeyError for
        a name that is empty, dotted or already another attribute, and ValueError for a non-leaf (a
        parameter computed from others belongs in `forward`).
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{typename(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        elif param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, "
                f"compute the value in the forward() method.")
        else:
            self._parameters[name] = param

    def add_module(self, name, module):
        """Registers `module` (a Module or None) as the child `name` (also `register_module`).

        Raises TypeError for a non-Module or non-string name, KeyError for a name that is empty,
        dotted or already another attribute.
        """
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {type(name).__name__}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The submodule at the dotted path `target` (`""`: the module); AttributeError if none."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return mod

    def set_submodule(self, target, module, strict=False):
        """Puts `module` at the dotted path `target`, replacing what is there.

        `strict=True` refuses (AttributeError) to add a name the parent lacks; an empty target or a
        non-Module `module` raises ValueError, an existing non-Module attribute AttributeError.
        """
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        atoms = target.split(".")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent = self if len(atoms) == 1 else self.get_submodule(".".join(atoms[:-1]))
        if strict and not hasattr(parent, atoms[-1]):
            raise AttributeError(parent._get_name() + " has no attribute `" + atoms[-1] + "`")
        if hasattr(parent, atoms[-1]) and not isinstance(getattr(parent, atoms[-1]), Module):
            raise AttributeError("`" + atoms[-1] + "` is not an nn.Module")
        setattr(parent, atoms[-1], module)

    def get_parameter(self, target):
        """The Parameter at the dotted path `target`; AttributeError if there is none."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target):
        """The buffer at the dotted path `target`; AttributeError if there is none."""
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        if name not in mod._buffers:
            raise AttributeError("`" + name + "` is not a buffer")
        return getattr(mod, name)

    # ------------------------------------------------------------------ attribute protocol
    def __getattr__(self, name):
        # only reached when normal lookup fails: parameters, buffers and submodules live in dicts
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d:
                items = d[store]
                if name in items:
                    return items[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            _remove_from(name, d, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{typename(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        else:
            modules = d.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise AttributeError("cannot assign module before Module.__init__() call")
                _remove_from(name, d, self._parameters, self._buffers,
                             self._non_persistent_buffers_set)
                modules[name] = value
            elif modules is not None and name in modules:
                if value is not None:
                    raise TypeError(f"cannot assign '{typename(value)}' as child module "
                                    f"'{name}' (torch.nn.Module or None expected)")
                modules[name] = value
            elif is_buffer_marker(value):
                if d.get("_buffers") is None:
                    raise AttributeError("cannot assign buffer before Module.__init__() call")
                _remove_from(name, d, self._parameters, self._modules)
                persistent = value.__dict__.pop("_buffer_persistent", True)
                value.__dict__.pop("_is_buffer", None)
                self.register_buffer(name, value, persistent)
            else:
                buffers = d.get("_buffers")
                if buffers is not None and name in buffers:
                    if value is not None and not isinstance(value, Tensor):
                        raise TypeError(f"cannot assign '{typename(value)}' as buffer '{name}' "
                                        "(torch.Tensor or None expected)")
                    buffers[name] = value
                else:
                    object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = list(object.__dir__(self)) + list(self._parameters) + list(self._modules) \
            + list(self._buffers)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    def __setstate__(self, state):
        self.__dict__.update(state)

    # ------------------------------------------------------------------ walking
    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        for module_prefix, module in modules:
            for k, v in get_members(module):
                if v is None or id(v) in memo:
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (module_prefix + ("." if module_prefix else "") + k, v)

    def parameters(self, recurse=True):
        """Yields the parameters, submodules' too with `recurse=True`, each once, in order."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yields `(dotted name, parameter)` pairs, names starting with `prefix`.

        `recurse=True` walks the submodules; `remove_duplicate=True` yields a shared parameter once.
        """
        yield from self._named_members(lambda m: m._parameters.items(), prefix=prefix,
                                       recurse=recurse, remove_duplicate=remove_duplicate)

    def buffers(self, recurse=True):
        """Yields the buffers, submodules' too with `recurse=True`, each once."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Yields `(dotted name, buffer)` pairs, names starting with `prefix`.

        `recurse=True` walks the submodules; `remove_duplicate=True` yields a shared buffer once.
        """
        yield from self._named_members(lambda m: m._buffers.items(), prefix=prefix,
                                       recurse=recurse, remove_duplicate=remove_duplicate)

    def children(self):
        """Yields the direct submodules, each once."""
        for _, module in self.named_children():
            yield module

    def named_children(self):
        """Yields `(name, submodule)` for the direct submodules, each once."""
        memo = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def modules(self):
        """Yields this module and every submodule, depth first, each once."""
        for _, module in self.named_modules():
            yield module

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yields `(dotted name, module)` for this module and every submodule, depth first.

        The module itself is named `prefix`. `memo` is a set of modules to skip, filled as the walk
        goes; `remove_duplicate=False` yields a shared module at each of its places.
        """
        if memo is None:
            memo = set()
        if self in memo:        # the memo holds modules, as PyTorch's (a caller may pass one)
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    # ------------------------------------------------------------------ modes
    def train(self, mode=True):
        """Sets `training` to `mode` (default True) here and in every submodule; returns the module.

        Dropout and batch norm read it. A non-bool mode raises ValueError.
        """
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """`train(False)`: evaluation mode for this module and its submodules; returns it."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Sets `requires_grad` of every parameter (default True); returns the module."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Drop (default) or zero in place every parameter's gradient."""
        zero_grads(self.parameters(), set_to_none)

    def apply(self, fn):
        """Calls `fn` on every submodule (depth first), then on this module; returns the module."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ conversions
    def _apply(self, fn):
        """Convert every parameter, gradient and buffer; parameters keep their identity (their
        data is swapped), so an optimizer built before the conversion still holds them."""
        for module in self.children():
            module._apply(fn)
        for key, param in self._parameters.items():
            if param is None:
                continue
            with no_grad():
                new = fn(param)
            if new is not param:
                param.data = new
            g = getattr(param, "_grad", None)
            if g is not None:
                with no_grad():
                    new_g = fn(g)
                if new_g is not g:
                    param._grad = new_g.requires_grad_(g._requires_grad)
        for key, buf in self._buffers.items():
            if buf is not None:
                self._buffers[key] = fn(buf)
        return self

    def to(self, *args, **kwargs):
        """to(dtype) / to(device) / to(tensor): floating-point parameters and buffers only."""
        dtype = kwargs.get("dtype")
        device = kwargs.get("device")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a._dtype
            elif _is_dtype(a):
                dtype = a
            else:
                device = a
        check_device(device)
        if dtype is not None:
            dt = dtypes.to_dtype(dtype)
            if not dt.is_floating_point:
                raise TypeError("nn.Module.to only accepts floating point or complex dtypes, "
                                f"but got desired dtype={dt}")
            return self._apply(_float_to(dt))
        return self

    def float(self):
        """Converts the floating-point parameters and buffers to float32; returns the module.

        The parameters keep their identity (their data is swapped); gradients are converted too.
        """
        return self._apply(_float_to(dtypes.float32))

    def double(self):
        """Converts the floating-point parameters (identity kept), gradients and buffers to float64.
        """
        return self._apply(_float_to(dtypes.float64))

    def half(self):
        """Converts the floating-point parameters (identity kept), gradients and buffers to float16.
        """
        return self._apply(_float_to(dtypes.float16))

    def type(self, dst_type):
        """Converts every parameter (identity kept), gradient and buffer to `dst_type`."""
        dt = dtypes.to_dtype(dst_type)
        return self._apply(lambda t: t if t._dtype is dt else t.to_dtype(dt))

    def cpu(self):
        """Returns the module: everything already lives in host memory."""
        return self

    def cuda(self, device=None):
        """Raises RuntimeError: insitu runs on the CPU only."""
        check_device("cuda")
        return self

    # ------------------------------------------------------------------ calling
    def _call_impl(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {res}.")
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        called = set()
        try:
            result = self.forward(*args, **kwargs)
            for hook_id, hook in list(self._forward_hooks.items()):
                called.add(hook_id)
                if hook_id in self._forward_hooks_with_kwargs:
                    res = hook(self, args, kwargs, result)
                else:
                    res = hook(self, args, result)
                if res is not None:
                    result = res
        except Exception:
            for hook_id, hook in self._forward_hooks.items():
                if hook_id in self._forward_hooks_always_called and hook_id not in called:
                    try:
                        if hook_id in self._forward_hooks_with_kwargs:
                            hook(self, args, kwargs, None)
                        else:
                            hook(self, args, None)
                    except Exception:
                        pass
            raise
        return result

    __call__ = _call_impl

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Registers a hook run before each `forward`; returns a RemovableHandle.

        `hook(module, args)` may return new args (a tuple, or one value that becomes a 1-tuple).
        With `with_kwargs=True` it is called as `hook(module, args, kwargs)` and may return
        `(args, kwargs)`. `prepend=True` runs it before the hooks already registered.
        """
        handle = RemovableHandle(self._forward_pre_hooks,
                                 extra_dict=self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs.add(handle.id)
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """Registers a hook run after each `forward`; returns a RemovableHandle.

        `hook(module, args, output)`: a non-None return replaces the output. `with_kwargs=True`
        calls `hook(module, args, kwargs, output)`; `always_call=True` also runs it (with output
        None) when `forward` raises; `prepend=True` runs it first.
        """
        handle = RemovableHandle(self._forward_hooks,
                                 extra_dict=[self._forward_hooks_with_kwargs,
                                             self._forward_hooks_always_called])
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs.add(handle.id)
        if always_call:
            self._forward_hooks_always_called.add(handle.id)
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    # ------------------------------------------------------------------ printing
    def extra_repr(self):
        """The module's own arguments, as its repr shows them; layers override it."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra_lines = []
        extra = self.extra_repr()
        if extra:
            extra_lines = extra.split("\n")
        child_lines = []
        for key, module in self._modules.items():
            child_lines.append("(" + key + "): " + _addindent(repr(module), 2))
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


def _float_to(dt):
    """A converter of floating-point tensors to `dt` (others are left alone)."""
    def convert(t):
        if t._dtype.is_floating_point and t._dtype is not dt:
            return t.to_dtype(dt)
        return t
    return convert


def _is_dtype(a):
    return isinstance(a, dtypes.dtype)
