"""In-place view ops: t_, transpose_ (swapdims_, swapaxes_), squeeze_ (all overloads),
unsqueeze_ and as_strided_.

As in PyTorch they change the tensor's own shape and strides (its memory is untouched), go
through the in-place guards (a leaf that requires grad, a view of one, ...), bump the version once
through the write tail, and make the tensor's grad_fn the overload's node (TBackward1,
TransposeBackward1, SqueezeBackward3/4/5, UnsqueezeBackward1, AsStridedBackward1) whose input is
the tensor's previous grad_fn. A view stays a view of its base, and the base keeps its grad_fn:
unlike a write, changing a view's geometry does not rebase the base's graph.
"""
from ..autograd import guards, recorder
from ..autograd.grad_mode import mode
from ..autograd.versions import write
from ..backend import as_strided as _np_as_strided
from ..core.tensor import _wrap_dim, graph_version, reshaped_in_place
from .derivatives import Derivative, prepare
from .view_graph import (_move_retain_hook, after_inplace, as_strided_scatter_grad,
                         current_grad_fn, storage_flat, view_geometry)
from .views import _squeeze_np, _unsqueezed, as_strided, squeeze, transpose, unsqueeze

T1 = Derivative("TBackward1", {"self": lambda grad: grad.t()})
TRANSPOSE1 = Derivative("TransposeBackward1", {
    "self": lambda grad, dim0, dim1: transpose(grad, dim0, dim1)})
SQUEEZE = {name: Derivative(name, {"self": lambda grad, self_shape: grad.reshape(self_shape)})
           for name in ("SqueezeBackward3", "SqueezeBackward4", "SqueezeBackward5")}
UNSQUEEZE1 = Derivative("UnsqueezeBackward1", {"self": lambda grad, dim: squeeze(grad, dim)})
AS_STRIDED1 = Derivative("AsStridedBackward1", {
    "self": lambda grad, base_geom, view_geom: as_strided_scatter_grad(grad, base_geom,
                                                                       view_geom)})


def _set_data(t, arr):
    reshaped_in_place(t, arr.shape)
    t._data = arr


def _guard(self):
    """PyTorch's autograd guards run before the op's own argument checks."""
    if mode.grad:
        guards.check_autograd(self, False)


def _reshape_in_place(self, op_name, arr, derivative, values):
    """Give `self` the geometry of `arr` (a NumPy view of its memory): the node (from self's
    current grad_fn), one version bump, the new grad_fn."""
    node = None
    if mode.grad:
        if self._requires_grad:
            if self._base is not None:
                current_grad_fn(self)          # a stale view's grad_fn is regenerated first
            node = prepare(derivative, (self,), values)
    write(self, op_name, _set_data, self, arr)
    if node is not None and not self._dtype.is_floating_point:
        recorder.integral_output(node, self)     # refused after the geometry changed, as in PyTorch
    if self._base is None:
        if node is not None:
            after_inplace(self, node)
        return self
    if node is not None:                      # the base keeps its graph
        _move_retain_hook(self, node)
        recorder.attach(node, self, 0)
        self._output_nr = 0
    self._view.version = graph_version(self)
    return self


def t_(self):
    """Tensor.t_(): transposes self in place (a tensor of at most two dimensions; 0-D and 1-D are
    left as they are): its shape and strides are swapped, its memory is untouched. Like every
    in-place op it passes the in-place guards (a leaf that requires grad is refused), bumps self's
    version once through the write tail and returns self; a tensor that requires grad gets
    TBackward1 (which keeps nothing) as its grad_fn, over its previous one. A view stays a view of
    its base, whose graph is not changed. More than two dimensions raise RuntimeError."""
    _guard(self)
    nd = self._data.ndim
    if nd > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return _reshape_in_place(self, "t_", self._data.T, T1, {})


def transpose_(self, dim0, dim1):
    """Tensor.transpose_(dim0, dim1) (also swapdims_ and swapaxes_): swaps dimensions dim0 and dim1
    of self in place by exchanging their sizes and strides (memory untouched), after the in-place
    guards; one version bump through the write tail; returns self. Its grad_fn becomes
    TransposeBackward1, which keeps only dim0 and dim1; a view stays a view of its base and the
    base keeps its graph."""
    _guard(self)
    nd = self._data.ndim
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    arr = self._data.swapaxes(d0, d1) if nd else self._data
    return _reshape_in_place(self, "transpose_", arr, TRANSPOSE1, {"dim0": d0, "dim1": d1})


def squeeze_(self, dim=None):
    """Tensor.squeeze_(dim=None): removes dimensions of size 1 from self in place (memory
    untouched): all of them (node SqueezeBackward3), the given int dim (SqueezeBackward4) or the
    dims of a tuple (SqueezeBackward5); a named dim whose size is not 1 is kept. The node keeps
    only self's old shape. Passes the in-place guards, bumps the version once through the write
    tail and returns self; a view stays a view of its base."""
    _guard(self)
    a = self._data
    if dim is None:
        return _reshape_in_place(self, "squeeze_", a.squeeze(), SQUEEZE["SqueezeBackward3"], {})
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    arr = _squeeze_np(a, {_wrap_dim(d, a.ndim) for d in dims})
    name = "SqueezeBackward4" if isinstance(dim, int) else "SqueezeBackward5"
    return _reshape_in_place(self, "squeeze_", arr, SQUEEZE[name], {})


def unsqueeze_(self, dim):
    """Tensor.unsqueeze_(dim): inserts a dimension of size 1 at dim (counted in the result, so -1
    appends one) into self in place (memory untouched); in-place guards, one version bump through
    the write tail, returns self. Its grad_fn becomes UnsqueezeBackward1, which keeps only dim; a
    view stays a view of its base."""
    _guard(self)
    d = _wrap_dim(dim, self._data.ndim + 1)
    return _reshape_in_place(self, "unsqueeze_", _unsqueezed(self._data, d), UNSQUEEZE1,
                             {"dim": d})


def as_strided_(self, size, stride, storage_offset=None):
    """Tensor.as_strided_(size, stride, storage_offset=None) / insitu.as_strided_(input, ...):
    gives self the given size and strides (in elements) over its storage, starting at
    storage_offset (None: self's current offset), in place: no memory is copied or written. The
    geometry is checked as as_strided checks it (it must stay inside the storage). In-place guards,
    one version bump through the write tail, returns self. Its grad_fn becomes AsStridedBackward1,
    which keeps only the old and the new geometry (the gradient is scattered back through the
    storage); a view stays a view of its base."""
    _guard(self)
    with_bounds = as_strided(self.detach(), size, stride, storage_offset)   # its checks
    root = self._base if self._base is not None else self
    off = self._storage.offset_of(with_bounds._data)
    arr = _np_as_strided(storage_flat(root), tuple(size), tuple(stride), off)
    geom = (arr.shape, tuple(s // arr.itemsize for s in arr.strides), off)
    return _reshape_in_place(self, "as_strided_", arr, AS_STRIDED1,
                             {"base_geom": view_geometry(self), "view_geom": geom})


METHODS = {"t_": t_, "transpose_": transpose_, "swapdims_": transpose_,
           "swapaxes_": transpose_, "squeeze_": squeeze_, "unsqueeze_": unsqueeze_,
           "as_strided_": as_strided_}
FUNCTIONS = {"as_strided_": as_strided_}
