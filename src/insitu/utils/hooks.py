"""RemovableHandle: what the register_*_hook methods of modules and optimizers return;
`remove()` (or leaving a `with`) unhooks."""
import itertools
import weakref

_ids = itertools.count()


__all__ = ["RemovableHandle"]


class RemovableHandle:
    """The handle a `register_*_hook` method returns: `remove()` unregisters the hook (from the
    registering dict and any extra dicts or sets given), and so does leaving a `with` block.
    Removing twice, or after the owner is gone, does nothing."""
    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(_ids)
        extras = extra_dict if isinstance(extra_dict, list) else \
            ([] if extra_dict is None else [extra_dict])
        # the extra containers are sets (or dicts) owned by the module: keep them alive with it
        self.extra_dict_ref = tuple(extras)

    def remove(self):
        """Unregister the hook; a second call does nothing."""
        hooks = self.hooks_dict_ref()
        if hooks is not None and self.id in hooks:
            del hooks[self.id]
        for extra in self.extra_dict_ref:
            if isinstance(extra, dict):
                extra.pop(self.id, None)
            else:
                extra.discard(self.id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
