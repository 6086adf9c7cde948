"""Optimizer: parameter groups, per-parameter state, zero_grad, state_dict, step hooks.

Subclasses implement `_update(group, params_with_grad)`; `step(closure)` runs the closure with
grad enabled, then the update under no_grad. Every update is a sequence of table ops writing into
the existing parameter and state tensors and into workspace tensors (see `_workspace`), so each
in-place op bumps its tensor's version, as PyTorch's do, and a graph that saved the old value of
a parameter fails loudly at backward.
"""
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain
import warnings

from ..autograd.grad_mode import no_grad, enable_grad
from ..autograd.tensor_hooks import zero_grads
from ..core.tensor import Tensor, typename
from ..utils.hooks import RemovableHandle
from ._workspace import Workspace


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class: Optimizer(params, defaults), as torch.optim.Optimizer.

    `params` is an iterable of tensors, of (name, tensor) pairs, or of dicts (parameter groups
    with their own options). Subclasses update parameters and state in place with table ops, so
    each write bumps its tensor's version, as PyTorch's do: a graph that saved a parameter's old
    value fails loudly at backward instead of computing a wrong gradient."""

    # scratch slots the subclass's update uses, in the parameter's dtype (see Workspace)
    _scratch_slots = 3

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)
        self._workspace = Workspace()
        self._workspace.reserve(chain.from_iterable(g["params"] for g in self.param_groups),
                                self._scratch_slots)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "_workspace" not in self.__dict__:
            self._workspace = Workspace()

    def __repr__(self):
        s = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a parameter group (a dict with "params" and any per-group options; missing options
        take the defaults), with PyTorch's checks: leaf tensors only, no parameter in two groups."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names
        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + typename(param))
            if not self.defaults.get("differentiable", None) and \
                    not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(tensors) != len({id(p) for p in tensors}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see github.com/pytorch/pytorch/"
                          "issues/40967 for more information", stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)
        ws = self.__dict__.get("_workspace")
        if ws is not None:
            ws.reserve(tensors, self._scratch_slots)

    # ------------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none=True):
        """Drop every gradient (default), or zero it in place."""
        zero_grads(chain.from_iterable(g["params"] for g in self.param_groups), set_to_none)

    # ------------------------------------------------------------------ stepping
    def step(self, closure=None):
        """Optimizer.step(closure=None): one update of every parameter that has a gradient, in place
        under no_grad (after running `closure` with grad enabled, whose loss is returned). Step
        pre- and post-hooks run around it."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                if group.get("differentiable"):
                    raise NotImplementedError(
                        "differentiable=True is not supported: insitu optimizers update "
                        "parameters in place under no_grad")
                params = [p for p in group["params"] if getattr(p, "_grad", None) is not None]
                if params:
                    self._update(group, params)
        return loss

    def _update(self, group, params):
        raise NotImplementedError

    def register_step_pre_hook(self, hook):
        """Register `hook(optimizer, args, kwargs)`, run before each step; it may return new (args,
        kwargs). Returns a removable handle."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        """Register `hook(optimizer, args, kwargs)`, run after each step; returns a removable
        handle."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ state dict
    def state_dict(self):
        """The state and parameter groups, with parameters replaced by their indices, as PyTorch's
        state_dict (its tensors are the live state tensors, not copies)."""
        mapping = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load what `state_dict()` returned: the groups must match in number and size; floating
        state is cast to its parameter's dtype, except the step count."""
        state_dict = dict(state_dict)
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            if isinstance(value, Tensor):
                # the step count keeps its dtype; other state follows the parameter's
                if key == "step" or not param.is_floating_point() or value._dtype is param._dtype:
                    return value
                return value.to_dtype(param._dtype)
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v)
            else:
                state[k] = v
        new_groups = []
        for g, ng in zip(groups, saved_groups):
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self.__setstate__({"state": state, "param_groups": new_groups})


def _with_step_hooks(step):
    """Run the step pre/post hooks around a step method (subclasses' own steps too)."""
    def wrapper(self, *args, **kwargs):
        for hook in list(self._optimizer_step_pre_hooks.values()):
            res = hook(self, args, kwargs)
            if res is not None:
                if not (isinstance(res, tuple) and len(res) == 2):
                    raise RuntimeError("optimizer step pre-hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {res}.")
                args, kwargs = res
        out = step(self, *args, **kwargs)
        self._opt_called = True     # for the scheduler's "step order" warning
        for hook in list(self._optimizer_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out
    wrapper.__name__ = step.__name__
    wrapper.__doc__ = step.__doc__
    wrapper.__wrapped__ = step
    return wrapper


Optimizer.step = _with_step_hooks(Optimizer.step)
