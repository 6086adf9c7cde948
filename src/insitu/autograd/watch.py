"""Writes that would be lost: an in-place op on the copy advanced indexing returns.

`x[[0, 1]].fill_(1)` or `x[mask].clamp_(0)` modify a new tensor that the statement then drops, so
`x` is unchanged. Advanced indexing marks its result (`watch_copy`), and the write tail asks
`check_watched` on the first write into a marked storage whether the write is lost; if so, an
`AdvancedIndexingCopyWarning` names the line.
"""
import sys

from .. import memory
from ..core.storage import WATCHED, inside, user_python_frame, warn_at_user
from ..core.tensor import Tensor


class AdvancedIndexingCopyWarning(UserWarning):
    """An in-place op wrote into the copy made by advanced indexing and dropped it."""


def watch_copy(t):
    """Mark the copy made by advanced indexing with where it was made, so that writing into it
    and dropping the result can be reported (the first in-place write checks the mark; copies
    made by insitu's own code are let go there)."""
    f = sys._getframe(2)
    code = f.f_code
    if code is memory.TRACED_CODE:      # a profile() wrapper stands between the caller and us
        f = f.f_back
        code = f.f_code
    st = t._storage
    st.special |= WATCHED
    st.watch = (code, f.f_lasti)


def check_watched(t, op_name):
    """In-place write into an advanced-indexing copy: warn when the write is lost, that is, when
    it happens in the statement that made the copy (same code, same line), its result is thrown
    away (or it is an item assignment), and no local name holds the copy. The mark is kept while
    the statement goes on (`x[i].fill_(1).add_(1)` drops the copy at its last op) and cleared
    once the copy outlives it or a warning was given."""
    st = t._storage
    code, lasti = getattr(st, "watch", None) or (None, 0)
    if code is None or inside(code.co_filename):     # insitu's own indexing: not a user copy
        _unwatch(st)
        return
    f = user_python_frame()
    if f is None or f.f_code is not code or _line(code, lasti) != _line(code, f.f_lasti):
        _unwatch(st)
        return
    if not _discards_result(code, f.f_lasti):
        return
    _unwatch(st)
    for v in f.f_locals.values():
        if isinstance(v, Tensor) and v._storage is st:
            return
    warn_at_user(f"{op_name} at {code.co_filename}:{_line(code, f.f_lasti)} writes into a copy: "
          "indexing with a list, a tensor or a mask (advanced indexing) returns a new tensor, so "
          "the indexed tensor is unchanged. To modify it, assign through the index "
          "(x[idx] = value, x[idx] += value, x[mask] = x[mask].clamp(0)) or use index_put_ / "
          "masked_fill_.", AdvancedIndexingCopyWarning)


def _unwatch(st):
    st.special &= ~WATCHED
    st.watch = None


def _line(code, lasti):
    for start, end, ln in code.co_lines():
        if start <= lasti < end and ln is not None:
            return ln
    return code.co_firstlineno


_discard_cache = {}


def _discards_result(code, lasti):
    """Whether the call at `lasti` is a statement whose value is dropped (`x[m].clamp_(0)`), or
    an item assignment (`x[[0, 1]][0] = 5`). Read from the bytecode, cached per call site."""
    key = (code, lasti)
    got = _discard_cache.get(key)
    if got is None:
        import dis
        instrs = list(dis.get_instructions(code))    # CACHE entries are left out
        at = [i for i, ins in enumerate(instrs) if ins.offset <= lasti]
        got = False
        if at:
            cur = instrs[at[-1]]
            nxt = instrs[at[-1] + 1] if at[-1] + 1 < len(instrs) else None
            got = cur.opname == "STORE_SUBSCR" or (nxt is not None and nxt.opname == "POP_TOP")
        if len(_discard_cache) > 1024:
            _discard_cache.clear()
        _discard_cache[key] = got
    return got
