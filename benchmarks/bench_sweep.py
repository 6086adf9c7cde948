"""Every op, at two sizes, forward and forward+backward: insitu vs torch vs the NumPy floor.

    python benchmarks/bench_sweep.py                  # full run (several minutes)
    python benchmarks/bench_sweep.py --quick          # fewer, shorter timings
    python benchmarks/bench_sweep.py --ops cumsum,norm --threads 1 --json sweep.json

The ops come from the registries, not from a list: every declaration of the op table
(`insitu.ops.table`), every function and method the op families export (`insitu.methods.FAMILIES`)
and every name of `insitu.nn.functional`. `sweep_cases.py` gives the arguments of those that need
some and `sweep_floors.py` the floor of each: the fastest plain NumPy expression of the same
computation (for a table op whose kernel is a ufunc, that ufunc). An op that cannot be called generically and has no
case there is skipped with the reason printed.

Times are medians of interleaved rounds (insitu, torch, NumPy, insitu, ...), each round a batch
of calls sized to a time target (as timeit's autorange), so a loaded machine disturbs the three
alike. Forward+backward times one forward and one backward with a fixed incoming gradient; the
inputs' `.grad` is reset before each call in both libraries.
"""
import os
import sys


def _threads_arg(argv):
    """The value of --threads in argv, or None."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return None


# --threads also caps the BLAS's own thread pool, which it reads once, when NumPy loads it:
# otherwise insitu's products (and the NumPy floor's) run on every core while torch runs on N
_THREADS = _threads_arg(sys.argv[1:])
if _THREADS is not None:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _THREADS

import argparse  # noqa: E402
import gc  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402

import numpy as np  # noqa: E402

import insitu  # noqa: E402
from insitu import methods  # noqa: E402
from insitu.ops import table  # noqa: E402

import sweep_cases  # noqa: E402
from sweep_cases import Case  # noqa: E402

try:
    import torch
except ImportError:     # the torch column stays empty
    torch = None

SIZES = ((64, 64), (256, 1024))
GOAL_FLOOR, GOAL_TORCH = 1.25, 3.0      # per op, at the larger size
GOAL_GEOMEAN = 1.5


# ------------------------------------------------------------------ which ops

def registry():
    """(name, where) of every op: table declarations, family functions/methods, nn.functional."""
    seen, names = set(), []

    def add(name, where):
        if name not in seen:
            seen.add(name)
            names.append((name, where))
    for op in table._ALL_OPS:
        if "function" in op.variants or "method" in op.variants:
            add(op.name, "table")
        elif "inplace" in op.variants:
            add(op.inplace_name, "table in-place")
        else:
            add(op.name, "table (no entry point)")
    for family in methods.FAMILIES:
        for name in getattr(family, "FUNCTIONS", {}):
            add(name, "function")
        for name in getattr(family, "METHODS", {}):
            add(name, "method")
    for name in insitu.nn.functional.__all__:
        add(name, "nn.functional")
    return names


def cases_for(name, where):
    """The cases of one op, or a reason to skip it."""
    if name in sweep_cases.SKIP:
        return sweep_cases.SKIP[name]
    if name in sweep_cases.CASES:
        return sweep_cases.CASES[name]
    if where == "table (no entry point)":
        return "no entry point of its own (reached through another op's)"
    if name.startswith("__"):
        return "an operator: timed as the op it calls"
    call = generic_call(name, where)
    if isinstance(call, str):
        return call
    return [Case(name, call, floor=derived_floor(name), grad=sweep_cases.GRADS.get(name))]


def generic_call(name, where):
    """A call with the generated tensors for an op whose other arguments all have defaults."""
    op = table.FUNCTION_OPS.get(name)
    if op is not None:
        required = [a.name for a in op.args if not a.operand and a.default == "<required>"]
        if required:
            return f"needs argument(s) {', '.join(required)} and has no case"
        operands = sweep_cases.operands_for(name, len(op.tensors))
        return lambda m, t: entry(m, name)(*[getattr(t, o) for o in operands])
    if where == "table in-place":
        return "in-place form only and has no case"
    if where == "method":
        fn = getattr(insitu.Tensor, name, None)
        if not callable(fn):
            return "not a callable method"
        return (lambda m, t: getattr(t.x, name)()) if _no_required(fn) else \
            "needs arguments and has no case"
    fn = getattr(insitu, name, None) or getattr(insitu.nn.functional, name, None)
    if not callable(fn):
        return "not a callable op"
    if not _no_required(fn):
        return "needs arguments and has no case"
    return lambda m, t: entry(m, name)(t.x)


def _no_required(fn):
    """Whether fn can be called with its first argument only."""
    try:
        params = list(inspect.signature(fn).parameters.values())[1:]
    except (TypeError, ValueError):
        return False
    return not any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                       p.POSITIONAL_OR_KEYWORD) for p in params)


def entry(m, name):
    """m.name, else m.nn.functional.name, else the method of the first tensor."""
    fn = getattr(m, name, None)
    if fn is None:
        fn = getattr(m.nn.functional, name, None)
    if fn is None:
        return lambda first, *rest: getattr(first, name)(*rest)
    return fn


def derived_floor(name):
    """The ufunc of a table op's kernel, applied to the same operands."""
    op = table.FUNCTION_OPS.get(name)
    ufunc = kernel_ufunc(op.kernel) if op is not None else None
    if ufunc is None:
        return sweep_cases.FLOORS.get(name)
    operands = sweep_cases.operands_for(name, len(op.tensors))
    return lambda a: ufunc(*[getattr(a, o) for o in operands])


def kernel_ufunc(kernel):
    for cell in kernel.__closure__ or ():
        if isinstance(cell.cell_contents, np.ufunc):
            return cell.cell_contents
    return None


# ------------------------------------------------------------------ timing

def calls_per_batch(fn, target):
    """Like timeit's autorange: enough calls for one batch to last `target` seconds."""
    n = 1
    while True:
        t = batch_seconds(fn, n)
        if t >= target or n >= 100_000:
            return n
        n = max(n * 2, int(n * target / max(t, 1e-9) * 1.1))


def batch_seconds(fn, n):
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return time.perf_counter() - t0
    finally:
        if enabled:
            gc.enable()


def medians(fns, target, rounds):
    """Median seconds per call of each fn (None: not timed), in interleaved rounds."""
    live = [(i, fn, calls_per_batch(fn, target)) for i, fn in enumerate(fns) if fn is not None]
    samples = {i: [] for i, _, _ in live}
    for _ in range(rounds):
        for i, fn, n in live:
            samples[i].append(batch_seconds(fn, n) / n)
    return [statistics.median(samples[i]) if i in samples else None for i in range(len(fns))]


# ------------------------------------------------------------------ running one case

def lib_inputs(arrays, lib, grad):
    """The arrays as `lib` tensors (own copies); with grad, float leaves require grad."""
    t = types.SimpleNamespace()
    for k, v in arrays.items():
        x = lib.from_numpy(v.copy())
        if grad and v.dtype.kind == "f" and k not in sweep_cases.CONSTANT:
            x.requires_grad_(True)
        setattr(t, k, x)
    return t


def first_float(res):
    """The first floating tensor of a result (tuples, named tuples, lists)."""
    if isinstance(res, (tuple, list)):
        for r in res:
            f = first_float(r)
            if f is not None:
                return f
        return None
    if hasattr(res, "dtype") and getattr(res, "is_floating_point", lambda: False)():
        return res
    return None


def backward_fn(lib, case, t, grad_array):
    """One forward and one backward, or None where the result has no graph (or the op has no
    derivative, or refuses inputs that require grad, as in-place ops on leaves do)."""
    try:
        out = first_float(case.call(lib, t))
    except RuntimeError:
        return None
    if out is None or out.grad_fn is None:
        return None
    g = lib.from_numpy(grad_array(tuple(out.shape)))
    leaves = [v for v in vars(t).values() if getattr(v, "requires_grad", False)]

    def run():
        for leaf in leaves:
            leaf.grad = None
        first_float(case.call(lib, t)).backward(g)
    try:
        run()
    except (RuntimeError, NotImplementedError):
        return None
    return run


def lib_fns(lib, case, arrays, grad_array, must_run):
    """(forward, forward+backward) of one library; (None, None) where torch cannot run it."""
    if lib is None:
        return None, None
    try:
        t = lib_inputs(arrays, lib, False)
        fwd = lambda: case.call(lib, t)
        fwd()                                   # fail here, before any timing
        return fwd, backward_fn(lib, case, lib_inputs(arrays, lib, True), grad_array)
    except Exception:                           # noqa: BLE001 - torch lacks it: no column
        if must_run:
            raise
        return None, None


def floor_fns(case, arrays, grad_array, shape_of):
    """The NumPy floor forward, and forward+backward where the case has a gradient floor."""
    if case.floor is None:
        return None, None
    a = types.SimpleNamespace(**{k: v.copy() for k, v in arrays.items()})
    fwd = lambda: case.floor(a)
    if case.grad is None or shape_of is None:
        return fwd, None
    g = grad_array(shape_of)
    return fwd, lambda: case.grad(a, g, case.floor(a))


def run_case(case, arrays, target, rounds):
    """{'fwd': (insitu, torch, numpy), 'bwd': ...} in seconds (None: not timed)."""
    grads = {}

    def grad_array(shape):
        if shape not in grads:
            grads[shape] = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
        return grads[shape]
    fwd, bwd = [], []
    for lib in (insitu, torch):
        f, b = lib_fns(lib, case, arrays, grad_array, must_run=lib is insitu)
        fwd.append(f)
        bwd.append(b)
    shape = tuple(first_float(fwd[0]()).shape) if bwd[0] is not None else None
    nf, nb = floor_fns(case, arrays, grad_array, shape)
    out = {"fwd": medians(fwd + [nf], target, rounds)}
    if bwd[0] is not None:
        out["bwd"] = medians(bwd + [nb], target, rounds)
    return out


# ------------------------------------------------------------------ reporting

def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, spec):
    """v formatted, or a right-aligned dash where there is no value."""
    if v is not None:
        return format(v, spec)
    return format("-", ">" + spec.rstrip("f").split(".")[0])


def print_table(rows, size, mode):
    print(f"\n{size[0]}x{size[1]} float32, {'forward' if mode == 'fwd' else 'forward+backward'}"
          " (us per call, medians)")
    print(f"{'op':<34}{'insitu':>11}{'torch':>11}{'numpy':>11}{'/torch':>8}{'/floor':>8}")
    for r in rows:
        if r["size"] == list(size) and r["mode"] == mode:
            print(f"{r['op']:<34}{fmt(r['insitu'], '11.1f')}{fmt(r['torch'], '11.1f')}"
                  f"{fmt(r['numpy'], '11.1f')}{fmt(r['vs_torch'], '8.2f')}"
                  f"{fmt(r['vs_floor'], '8.2f')}")


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def print_summary(rows):
    big = list(SIZES[-1])
    print("\ngeometric means")
    for size in SIZES:
        for mode in ("fwd", "bwd"):
            sel = [r for r in rows if r["size"] == list(size) and r["mode"] == mode]
            gt = geomean([r["vs_torch"] for r in sel])
            gf = geomean([r["vs_floor"] for r in sel])
            print(f"  {size[0]}x{size[1]} {mode}: insitu/torch {fmt(gt, '.2f')} "
                  f"(goal {GOAL_GEOMEAN}), insitu/floor {fmt(gf, '.2f')}")
    over = [r for r in rows if r["size"] == big and
            ((r["vs_floor"] or 0) > GOAL_FLOOR or (r["vs_torch"] or 0) > GOAL_TORCH)]
    print(f"\nover the goals at {big[0]}x{big[1]} (>{GOAL_FLOOR}x floor or >{GOAL_TORCH}x torch):"
          f" {len(over)}")
    for r in sorted(over, key=lambda r: -(r["vs_torch"] or 0)):
        print(f"  {r['op']:<34}{r['mode']:<5}/torch {fmt(r['vs_torch'], '6.2f')}  "
              f"/floor {fmt(r['vs_floor'], '6.2f')}")


def to_row(label, size, mode, times):
    us = [t * 1e6 if t is not None else None for t in times]
    return {"op": label, "size": list(size), "mode": mode, "insitu": us[0], "torch": us[1],
            "numpy": us[2], "vs_torch": ratio(us[0], us[1]), "vs_floor": ratio(us[0], us[2])}


# ------------------------------------------------------------------ main

def selected(wanted):
    for name, where in registry():
        if wanted and name not in wanted:
            continue
        yield name, cases_for(name, where)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short timings (a rough picture)")
    p.add_argument("--ops", default="", help="comma-separated op names")
    p.add_argument("--threads", type=int, default=None, help="threads for torch (and insitu)")
    p.add_argument("--json", default=None, help="write the rows to this file")
    args = p.parse_args(argv)
    if args.threads is not None:
        if torch:
            torch.set_num_threads(args.threads)
        if hasattr(insitu, "set_num_threads"):
            insitu.set_num_threads(args.threads)
    target, rounds = (0.002, 3) if args.quick else (0.01, 7)
    wanted = set(filter(None, args.ops.split(",")))
    rows, skipped = [], []
    for name, cases in selected(wanted):
        if isinstance(cases, str):
            skipped.append((name, cases))
            continue
        for size in SIZES:
            arrays = sweep_cases.inputs(*size)
            for case in cases:
                try:
                    res = run_case(case, arrays, target, rounds)
                except Exception as e:          # noqa: BLE001 - reported, the sweep goes on
                    skipped.append((f"{case.label} {size[0]}x{size[1]}",
                                    f"failed: {type(e).__name__}: {str(e)[:80]}"))
                    continue
                for mode, times in res.items():
                    rows.append(to_row(case.label, size, mode, times))
    for size in SIZES:
        for mode in ("fwd", "bwd"):
            print_table(rows, size, mode)
    print(f"\nskipped: {len(skipped)}")
    for name, why in skipped:
        print(f"  {name}: {why}")
    print_summary(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "skipped": skipped,
                       "threads": args.threads, "quick": args.quick}, f, indent=1)


if __name__ == "__main__":
    main()
