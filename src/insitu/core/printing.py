"""Tensor repr, character for character the same as PyTorch's.

A port of the logic in torch/_tensor_str.py restricted to strided, real tensors (bool, integer and
floating dtypes). It works on plain NumPy arrays and imports nothing from the rest of the package,
so the Tensor class can call it without import cycles.

Elements are formatted through Python's own ``format`` on Python scalars (``ndarray.tolist``), as
torch does, so rounding and the spelling of ``nan``/``inf`` match exactly.
"""
import contextlib
import dataclasses
import math

import numpy as np

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr", "format_scalar"]


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: "bool | None" = None


PRINT_OPTS = _PrinterOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}

_FLOAT_NAMES = frozenset({"float16", "bfloat16", "float32", "float64", "half", "float", "double"})


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set printing options; same arguments and semantics as ``torch.set_printoptions``.

    As in torch, ``sci_mode`` is always assigned, so omitting it switches back to automatic.
    """
    if profile is not None and profile in _PROFILES:
        for key, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, key, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options as a dict that can be passed back to ``set_printoptions``."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (arguments as for ``set_printoptions``)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


def format_scalar(arr0d, format_spec):
    """``format`` of a one-element array's Python value, as torch's ``Tensor.__format__``."""
    return format(np.asarray(arr0d).item(), format_spec)


# ----------------------------------------------------------------------------------------------
# Element formatter


class _Formatter:
    """Decides one width and one notation for every element of a tensor (torch's _Formatter)."""

    def __init__(self, arr, floating):
        self.floating_dtype = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = arr.reshape(-1)
        if flat.size == 0:
            return
        if not floating:
            self.max_width = max(1, _widest(lambda v: f"{v}", (flat.min(), flat.max())))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return  # only zeros, nan and inf: keep int mode and width 1, as torch does
        self._measure_floats(vals)

    def _measure_floats(self, vals):
        # The thresholds are computed in double so float16 cannot overflow (torch does the same).
        nonzero_abs = np.abs(vals).astype(np.float64)
        lo, hi = nonzero_abs.min(), nonzero_abs.max()
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if PRINT_OPTS.sci_mode is None:
            with np.errstate(over="ignore"):  # huge / subnormal is inf, which is just "> 1000"
                ratio = hi / lo
            self.sci_mode = bool(ratio > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        prec = PRINT_OPTS.precision
        if self.sci_mode:
            width = _widest(lambda v: f"{{:.{prec}e}}".format(v), _sci_extremes(vals))
        elif self.int_mode:
            # the +1 leaves room for the '.' that marks a float tensor
            width = _widest(lambda v: f"{v:.0f}", _fixed_extremes(vals)) + 1
        else:
            width = _widest(lambda v: f"{{:.{prec}f}}".format(v), _fixed_extremes(vals))
        self.max_width = max(self.max_width, width)

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating_dtype:
            if self.sci_mode:
                ret = f"{{:{self.max_width}.{PRINT_OPTS.precision}e}}".format(value)
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{{:.{PRINT_OPTS.precision}f}}".format(value)
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _widest(fmt, candidates):
    return max(len(fmt(np.asarray(c).item())) for c in candidates)


def _fixed_extremes(vals):
    # In fixed notation the string only grows with |v|, so the widest element is the largest
    # or the most negative one; no need to format every element.
    return (vals.min(), vals.max())


def _sci_extremes(vals):
    # In scientific notation a three-digit exponent can come from either end of the magnitude
    # range, so check the largest and smallest magnitude of each sign.
    pos, neg = vals[vals > 0], vals[vals < 0]
    return [e for part in (pos, neg) if part.size for e in (part.min(), part.max())]


# ----------------------------------------------------------------------------------------------
# Layout


def _vector_str(arr, indent, summarize, formatter):
    # length includes the comma and space between elements
    element_length = formatter.width() + 2
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        data = ([formatter.format(v) for v in arr[:edge].tolist()] + [" ..."]
                + [formatter.format(v) for v in arr[-edge:].tolist()])
    else:
        data = [formatter.format(v) for v in arr.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(arr, indent, summarize, formatter):
    dim = arr.ndim
    if dim == 0:
        return formatter.format(arr.item())
    if dim == 1:
        return _vector_str(arr, indent, summarize, formatter)
    edge = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        rows = list(range(edge)) + [None] + list(range(n - edge, n))
    else:
        rows = list(range(n))
    slices = ["..." if i is None
              else _tensor_str_with_formatter(arr[i], indent + 1, summarize, formatter)
              for i in rows]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized_data(arr):
    """The elements that a summarized print shows, so the formatter measures only those."""
    if arr.ndim == 0:
        return arr
    edge = PRINT_OPTS.edgeitems
    if not edge:
        # torch keeps the whole vector for 1-D and nothing for N-d; either way nothing is shown
        return arr if arr.ndim == 1 else arr[(slice(0, 0),) * arr.ndim]
    for axis, n in enumerate(arr.shape):
        if n > 2 * edge:
            keep = np.r_[0:edge, n - edge:n]
            arr = np.take(arr, keep, axis=axis)
    return arr


def _tensor_str(arr, indent, floating):
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    formatter = _Formatter(_summarized_data(arr) if summarize else arr, floating)
    return _tensor_str_with_formatter(arr, indent, summarize, formatter)


def _add_suffixes(tensor_str, suffixes, indent):
    parts = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(arr, *, dtype_name, default_dtype_name="float32", suffixes=(),
                module="insitu", prefix="tensor("):
    """``repr`` of a tensor holding ``arr``, as PyTorch writes it.

    ``suffixes`` are ready-made strings (``"requires_grad=True"``, ``"grad_fn=<MulBackward0>"``)
    placed after the dtype; ``module`` is the name printed in ``dtype=<module>.<name>``.
    """
    arr = np.asarray(arr)
    indent = len(prefix)
    dtype_str = f"dtype={module}.{dtype_name}"
    head = []
    if arr.size == 0:
        # NumPy-style: show the shape unless it is (0,); the dtype cannot be inferred from
        # an empty literal, so show it whenever it is not the default float dtype
        if arr.ndim != 1:
            head.append("size=" + str(tuple(arr.shape)))
        if dtype_name != default_dtype_name:
            head.append(dtype_str)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            head.append("size=" + str(tuple(arr.shape)))
        if dtype_name not in (default_dtype_name, "int64", "bool"):
            head.append(dtype_str)
        floating = dtype_name in _FLOAT_NAMES or arr.dtype.kind == "f"
        body = _tensor_str(arr, indent, floating)
    return _add_suffixes(prefix + body, head + list(suffixes), indent)
