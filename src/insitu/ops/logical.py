"""Comparisons, logical and bitwise ops: elementwise, not differentiable (a comparison written
in place passes zeros)."""
from ..backend import xp
from ..core.tensor import Tensor
from .checks import operands_broadcast, refuse, refusing
from .kernels import cast_inputs, uf
from .table import Op


_RANGES = {xp.dtype(t).char: (int(xp.iinfo(t).min), int(xp.iinfo(t).max))
           for t in (xp.int8, xp.int16, xp.int32, xp.int64, xp.uint8, xp.uint16, xp.uint32,
                     xp.uint64)}


def _k_compare(ufunc):
    def kernel(out, dt, a, b):
        if dt is not None:
            a, b = cast_inputs(dt, (a, b))
        elif b.__class__ is int and a.dtype.kind in "iu":
            low, high = _RANGES[a.dtype.char]
            if not low <= b <= high:
                # PyTorch compares in the tensor's integer dtype: the number wraps into it
                # first (uint8 > -1 compares with 255); NumPy would compare the exact values
                b = xp.array(b & 0xFFFFFFFFFFFFFFFF, dtype=xp.uint64).astype(a.dtype)
        return ufunc(a, b, out=out)
    kernel.__name__ = ufunc.__name__
    return kernel


def _k_logical_not(out, dt, a):
    return xp.logical_not(a, out=out)


def _k_bitwise_not(out, dt, a):
    return xp.invert(a, out=out)


def _zeros(grad):
    """A comparison written in place (`eq_`) passes no gradient: exact zeros."""
    return grad.new_zeros(grad.shape) if isinstance(grad, Tensor) else xp.zeros_like(grad)


def _numbered(stem):
    """eq_(Scalar) is EqBackward0, eq_(Tensor) EqBackward1, as PyTorch numbers them."""
    names = (stem + "Backward0", stem + "Backward1")
    return lambda args, params: names[isinstance(args[1], Tensor)]


# a comparison's bool result has no gradient; written in place into a float tensor it has a
# node passing zeros (PyTorch's eq_ & co.)
COMPARE = [
    Op(f"{name}(Tensor self, Tensor other)", _k_compare(fn), promote="compare",
       operators=(dunder,), grad_inplace_only=True, node=_numbered(name.capitalize()),
       derivatives={"self": _zeros, "other": _zeros})
    for name, fn, dunder in [("eq", xp.equal, "__eq__"), ("ne", xp.not_equal, "__ne__"),
                             ("lt", xp.less, "__lt__"), ("le", xp.less_equal, "__le__"),
                             ("gt", xp.greater, "__gt__"), ("ge", xp.greater_equal, "__ge__")]
]

# PyTorch's logical_and_ & co. run their out= form, which autograd does not see: no guard, no
# node, the tensor keeps its grad_fn
LOGICAL = [
    Op(f"{name}(Tensor self, Tensor other)", _k_compare(fn), promote="bool",
       untracked_inplace=True)
    for name, fn in [("logical_and", xp.logical_and), ("logical_or", xp.logical_or),
                     ("logical_xor", xp.logical_xor)]
] + [Op("logical_not(Tensor self)", _k_logical_not, promote="bool", untracked_inplace=True)]

# PyTorch implements no derivative for the bitwise ops: its autograd kernel makes a
# NotImplemented node (reading the operands' grad_fns) before the kernel refuses floats
BITWISE = [
    Op(f"{name}(Tensor self, Tensor other)", refusing(uf(fn), kernel, refused),
       check=operands_broadcast, operators=operators, node="NotImplemented", derivatives={})
    for name, fn, kernel, refused, operators in [
        ("bitwise_and", xp.bitwise_and, "bitwise_and_cpu", "f", ("__and__", "__rand__", "__iand__")),
        ("bitwise_or", xp.bitwise_or, "bitwise_or_cpu", "f", ("__or__", "__ror__", "__ior__")),
        ("bitwise_xor", xp.bitwise_xor, "bitwise_xor_cpu", "f", ("__xor__", "__rxor__", "__ixor__")),
        ("bitwise_left_shift", xp.left_shift, "lshift_cpu", "fb",
         ("__lshift__", "__rlshift__", "__ilshift__")),
        ("bitwise_right_shift", xp.right_shift, "rshift_cpu", "fb",
         ("__rshift__", "__rrshift__", "__irshift__")),
    ]
] + [Op("bitwise_not(Tensor self)", _k_bitwise_not, promote="same",
        check=refuse("bitwise_not_cpu", "f"), node="NotImplemented", derivatives={})]

ALL = COMPARE + LOGICAL + BITWISE


def _invert(self):
    """`~t`: PyTorch refuses floating tensors here with a TypeError (bitwise_not says more)."""
    if self._dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return self.bitwise_not()


def none_is_unequal(operator, when_none):
    """`t == None` is False and `t != None` True, as in PyTorch; foreign objects defer."""
    def dunder(self, other):
        if other is None:
            return when_none
        if isinstance(other, (Tensor, int, float, bool)):
            return operator(self, other)
        return NotImplemented
    dunder.__name__ = operator.__name__
    return dunder


METHODS = {"__invert__": _invert}
