"""Which bytes of memory a strided array covers, and whether two such regions share any byte.

A region is `(start, end, dims)`: `start` the lowest byte address, `end` the highest, `dims` a
tuple of `(stride, count)` pairs (strides in bytes, ascending, every count >= 2, every stride > 0)
such that the region's bytes are exactly

    { start + sum(i_k * stride_k) : 0 <= i_k < count_k }

The element's own bytes are one of the dims (`(1, itemsize)`), so regions of different dtypes over
one buffer compare correctly, and two regions intersect exactly when some element of one shares a
byte with some element of the other. `None` is the empty region; `EVERYTHING` stands for a region
that is not known (it intersects every non-empty region).

`overlaps(a, b)` is exact except where an exact answer would be expensive: it then says True,
which is always safe for its callers (a saved tensor is treated as modified). The test is, in
order: the two byte spans (one comparison; disjoint rows, chunks, splits, narrows, sliding windows
end here), then the bounded equation `sum(x_k * c_k) = rhs` the shared bytes must solve,
simplified exactly (equal coefficients added, a coefficient absorbed into a smaller one when the
smaller one's range leaves no gap, a common divisor taken out: `::2` vs `1::2` ends here) and
searched depth first with interval and divisibility pruning, within a fixed budget of steps.
"""
from math import gcd

from ..backend import data_ptr

EVERYTHING = "everything"
BUDGET = 256           # search steps before the test gives up and says "they overlap"


def region(arr):
    """The bytes `arr`'s elements cover (None when it has no elements)."""
    if arr.size == 0:
        return None
    start = data_ptr(arr)
    dims = []
    for n, s in zip(arr.shape, arr.strides):
        if n > 1 and s:
            if s < 0:                   # the same elements, walked from the other end
                start += (n - 1) * s
                s = -s
            dims.append((s, n))
    if arr.itemsize > 1:
        dims.append((1, arr.itemsize))
    dims.sort()
    merged = []
    for s, n in dims:                   # coalesce: (s, n) right after (t, m) with t * m == s
        if merged:
            t, m = merged[-1]
            if t * m == s:
                merged[-1] = (t, m * n)
                continue
        merged.append((s, n))
    end = start
    for s, n in merged:
        end += (n - 1) * s
    return start, end, tuple(merged)


def overlaps(a, b):
    """Do regions `a` and `b` share a byte? Exact, or True where exactness would be expensive."""
    if a is None or b is None:
        return False
    if a is EVERYTHING or b is EVERYTHING:
        return True
    if a[1] < b[0] or b[1] < a[0]:
        return False
    if a == b:
        return True
    # a's byte a0 + sum(x s) equals b's byte b0 + sum(y t) exactly when, with y' = m - 1 - y,
    # sum(x s) + sum(y' t) = b1 - a0: one equation in bounded non-negative unknowns
    return _solvable(a[2] + b[2], b[1] - a[0])


def _solvable(dims, rhs):
    """Has sum(x_k * c_k) == rhs a solution with 0 <= x_k < n_k, for dims = ((c_k, n_k), ...)?"""
    bounds = {}
    for c, n in dims:                   # x c + y c = (x + y) c, x + y in [0, (n-1)+(m-1)]
        bounds[c] = bounds.get(c, 0) + n - 1
    terms = []
    for c in sorted(bounds):
        u = bounds[c]
        # x d + y c with c = k d and x in [0, u_d], u_d >= k - 1, covers [0, u_d + k u] times d
        # without a gap: the larger coefficient folds into the smaller one
        while terms and c % terms[-1][0] == 0 and terms[-1][1] >= c // terms[-1][0] - 1:
            d, ud = terms.pop()
            u = ud + (c // d) * u
            c = d
        terms.append((c, u))
    g = 0
    for c, _ in terms:
        g = gcd(g, c)
    if rhs % g:
        return False
    terms = [(c // g, u) for c, u in reversed(terms)]     # largest coefficient first
    rhs //= g
    reach, rest, divs, d = [], 0, [], 0
    for c, u in reversed(terms):        # what the terms after each one can sum to, and divide
        reach.append(rest)
        divs.append(d)
        rest += c * u
        d = gcd(d, c)
    reach.reverse()
    divs.reverse()
    if rhs > rest:
        return False
    budget = [BUDGET]
    return _search(terms, reach, divs, 0, rhs, budget)


def _search(terms, reach, divs, i, rhs, budget):
    c, u = terms[i]
    if i == len(terms) - 1:
        return rhs % c == 0 and rhs // c <= u
    lo = max(0, -((reach[i] - rhs) // c))          # ceil((rhs - reach) / c)
    hi = min(u, rhs // c)
    g = divs[i]                                    # the rest only reaches multiples of g:
    step = g // gcd(c, g)                          # x c = rhs (mod g) fixes x modulo step
    if (rhs - hi * c) % gcd(c, g):
        return False
    x = hi
    while x >= lo and (rhs - x * c) % g:
        x -= 1
    while x >= lo:
        budget[0] -= 1
        if budget[0] < 0:
            return True                            # too hard to decide: say they overlap
        if _search(terms, reach, divs, i + 1, rhs - x * c, budget):
            return True
        x -= step
    return False
