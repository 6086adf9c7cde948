"""PyTorch's autograd rules for in-place writes: the leaf guard and the view guards.

An in-place op in grad mode may not write into a leaf that requires grad, into a view of one, into
a view made under no_grad or in inference mode, into an output of a function that returns several views, or into a
view a custom Function returned. Each guard only reads metadata, so a refused op has written
nothing. `creation` marks on a view (PyTorch's CreationMeta) say how it was made. With region
tracking on (`version_tracking`), outputs of a multi-view function may be written like any view.
"""
from .version_tracking import BY_REGION

LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."
MULTI_OUTPUT_VIEW = (
    "Output {nr} of {fn} is a view and is being modified inplace. This view is the output of a "
    "function that returns multiple views. Such functions do not allow the output views to be "
    "modified inplace. You should replace the inplace operation by an out-of-place one.")
NO_GRAD_MULTI_OUTPUT_VIEW = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "This view is the output of a function that returns multiple views. Such functions do not "
    "allow the output views to be modified inplace. You should replace the inplace operation by "
    "an out-of-place one.")
CUSTOM_FN_VIEW = (
    "Output {nr} of {fn} is a view and is being modified inplace. This view was created inside a "
    "custom Function (or because an input was returned as-is) and the autograd logic to handle "
    "view+inplace would override the custom backward associated with the custom Function, "
    "leading to incorrect gradients. This behavior is forbidden. You can fix this by cloning the "
    "output of the custom Function.")
# creation meta of views (as PyTorch's CreationMeta)
DEFAULT, NO_GRAD_MODE, MULTI_OUTPUT, CUSTOM_FUNCTION, INFERENCE_MODE = range(5)


def mode_view_message(t, vm, indirect):
    """PyTorch's refusal of an in-place write into a view made under no_grad or in inference
    mode (`indirect`: the write went into its base or another view of it, and the view is being
    read): 'A view was created in no_grad mode and is being modified inplace with grad mode
    enabled...', naming the view's own op when it is a view of such a view made with a graph
    (it has a grad_fn), whether written directly or not."""
    what = ("Output {} of {} is a view of a view which".format(vm.output_nr, vm.fn_name)
            if t._grad_fn is not None else "A view")
    how = "its base or another view of its base has been" if indirect else "is being"
    if vm.creation == INFERENCE_MODE:
        return (f"{what} was created in inference mode and {how} modified inplace in normal mode. "
                + _TAIL.format(block="inference_mode"))
    return (f"{what} was created in no_grad mode and {how} modified inplace with grad mode "
            "enabled. " + _TAIL.format(block="no_grad"))


_TAIL = ("Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
         "your code by moving both the view and the inplace either both inside the {block} block "
         "(if you don't want the inplace to be tracked) or both outside (if you want the inplace "
         "to be tracked).")


def check_autograd(self, any_input_requires_grad):
    """Leaf / view guards; only in grad mode, as in PyTorch."""
    base = self._base
    if base is None:
        if self._requires_grad and self._grad_fn is None:
            raise RuntimeError(LEAF)
        return
    vm = self._view
    base_req = base._requires_grad
    meta = vm.creation
    # PyTorch checks how the view was made before whether its base is a leaf
    if meta != DEFAULT and (base_req or any_input_requires_grad or self._requires_grad):
        if meta == NO_GRAD_MODE or meta == INFERENCE_MODE:
            raise RuntimeError(mode_view_message(self, vm, False))
        if meta == MULTI_OUTPUT and not BY_REGION[0]:
            if self._grad_fn is None:       # the multi-view function ran without a graph
                raise RuntimeError(NO_GRAD_MULTI_OUTPUT_VIEW)
            raise RuntimeError(MULTI_OUTPUT_VIEW.format(nr=vm.output_nr, fn=vm.fn_name))
        if meta == CUSTOM_FUNCTION:
            raise RuntimeError(CUSTOM_FN_VIEW.format(nr=vm.output_nr, fn=vm.fn_name))
    # a view that requires grad (through its base, or its own graph when the base has since
    # been detached in place) of a leaf
    if (base_req or self._requires_grad) and base._grad_fn is None:
        raise RuntimeError(VIEW_OF_LEAF)
    # a view made before its base had a graph, whose grad_fn nothing has asked for since the
    # base got one: PyTorch's leaf test reads the grad_fn as it is (not regenerated); region
    # tracking rebases such a view as it is written
    if self._grad_fn is None and base_req and not BY_REGION[0]:
        raise RuntimeError(LEAF)
