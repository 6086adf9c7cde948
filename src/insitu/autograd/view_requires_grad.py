"""A view without a grad_fn of its own requires grad exactly when its base does (PyTorch's
`requires_grad()` of a view: its own flag, or a grad_fn, or its base's flag).

Every op reads an input's `_requires_grad` directly, so a view's flag must already say what
PyTorch's `requires_grad` would: a view made before `base.requires_grad_()`, or before a write
of a value that requires grad into its base (or into another view of it), requires grad from
then on, and one made under no_grad of a tensor that requires grad stops requiring it with
`base.requires_grad_(False)` or `base.detach_()`. Such a view is listed (weakly) on its base when
it is made (`register`); when the base's flag changes, `base_changed` sets it on the listed views
that still have no grad_fn and no flag of their own (`requires_grad_()` on the view itself).
Their gradient goes nowhere (`recorder.edge`); a stale one gets an AsStridedBackward0 grad_fn
when it is next read, as in PyTorch.
"""
from weakref import ref


class ViewList(list):
    """Weak references to a base's views that have no grad_fn (the base's `_grad_views`); dead
    ones are dropped each time the list doubles."""
    __slots__ = ("limit",)


def register(base, view):
    """List `view` (which has no grad_fn) on its root `base` (`ops.view_graph.make_view` does
    the same inline)."""
    try:
        views = base._grad_views
    except AttributeError:
        views = new_list(base)
    views.append(ref(view))
    if len(views) > views.limit:
        prune(views)


def new_list(base):
    views = base._grad_views = ViewList()
    views.limit = 16
    return views


def prune(views):
    views[:] = [r for r in views if r() is not None]
    views.limit = max(16, 2 * len(views))


def base_changed(base):
    """After `base._requires_grad` changed: its listed views without history follow it."""
    views = getattr(base, "_grad_views", None)
    if not views:
        return
    flag = base._requires_grad
    live = []
    for r in views:
        v = r()
        if v is None:
            continue
        live.append(r)
        if v._grad_fn is None and not v._view.leaf:
            v._requires_grad = flag
    views[:] = live
