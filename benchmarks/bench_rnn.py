"""Recurrent layers and attention, insitu against torch in one run, single-threaded.

    python benchmarks/bench_rnn.py [--repeats 30] [--json out.json]

lstm and gru: 2 layers, hidden 128, input 128, sequence 35, batch 20 (the word-language-model
shape); scaled_dot_product_attention: batch 8, 4 heads, 64 tokens, 32 dims. Each is timed
forward (under no_grad) and forward+backward (sum of the output), float32, with the same
weights and inputs in both libraries. Both libraries live in this one process, pinned to one
thread (BLAS threads through the environment before NumPy loads, torch.set_num_threads(1)),
and their calls alternate, so the machine's noise falls on both alike. Reports the median of
the repeats in milliseconds and the insitu/torch ratio.
"""
import argparse
import json
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))     # this checkout's insitu, not another
import insitu  # noqa: E402

torch.set_num_threads(1)


def _recurrent(lib, name, x, state):
    m = getattr(lib.nn, name)(128, 128, 2)
    m.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    xt = lib.tensor(x, requires_grad=True)

    def forward():
        with lib.no_grad():
            m(xt)

    def forward_backward():
        out, _ = m(xt)
        out.sum().backward()

    return forward, forward_backward


def _attention(lib, q, k, v):
    qt, kt, vt = (lib.tensor(a, requires_grad=True) for a in (q, k, v))
    sdpa = lib.nn.functional.scaled_dot_product_attention

    def forward():
        with lib.no_grad():
            sdpa(qt, kt, vt)

    def forward_backward():
        sdpa(qt, kt, vt).sum().backward()

    return forward, forward_backward


def cases(seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    x = rng.standard_normal((35, 20, 128)).astype(np.float32)
    for name in ("LSTM", "GRU"):
        ref = getattr(torch.nn, name)(128, 128, 2)
        state = {k: v.detach().numpy() for k, v in ref.state_dict().items()}
        out[name.lower()] = {lib.__name__: _recurrent(lib, name, x, state)
                             for lib in (insitu, torch)}
    q, k, v = (rng.standard_normal((8, 4, 64, 32)).astype(np.float32) for _ in range(3))
    out["scaled_dot_product_attention"] = {lib.__name__: _attention(lib, q, k, v)
                                           for lib in (insitu, torch)}
    return out


def _time(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def measure(repeats):
    results = {}
    for case, libs in cases().items():
        for phase, index in (("forward", 0), ("forward+backward", 1)):
            fns = {lib: pair[index] for lib, pair in libs.items()}
            for fn in fns.values():         # warm up
                fn()
            times = {lib: [] for lib in fns}
            for _ in range(repeats):
                for lib, fn in fns.items():
                    times[lib].append(_time(fn))
            med = {lib: float(np.median(ts)) * 1e3 for lib, ts in times.items()}
            results[(case, phase)] = med
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--json")
    args = p.parse_args(argv)
    results = measure(args.repeats)
    print(f"{'layer':32s} {'phase':18s} {'insitu ms':>10s} {'torch ms':>10s} {'ratio':>7s}")
    rows = []
    for (case, phase), med in results.items():
        ratio = med["insitu"] / med["torch"]
        rows.append({"layer": case, "phase": phase, "insitu_ms": med["insitu"],
                     "torch_ms": med["torch"], "ratio": ratio})
        print(f"{case:32s} {phase:18s} {med['insitu']:10.3f} {med['torch']:10.3f} "
              f"{ratio:7.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
