"""Peak memory of each composite op, forward and forward+backward: insitu vs torch in one run.

    python benchmarks/bench_memory.py [--shape 256x1024]

Each op runs on float32 inputs made beforehand; the figure is the most memory held at once
above what was alive before the call, the result (and the input's gradient) included.
insitu is measured twice: with `tracemalloc`, which sees every NumPy buffer (tensor storage and
the temporaries inside a kernel), and with `insitu.memory.peak()`, which counts tensor storage
only. torch is measured with its profiler's allocation events (`profile_memory=True`), whose
running total of CPU allocations gives the peak. "/torch" is insitu's tracemalloc peak over
torch's (shown where torch's peak is at least 16 KiB).
"""
import argparse
import gc
import os
import sys
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))


def ops(lib, F):
    """(name, function of x and the other prepared inputs) for every composite op."""
    return [
        ("softmax", lambda x, e: F.softmax(x, dim=-1)),
        ("log_softmax", lambda x, e: F.log_softmax(x, dim=-1)),
        ("layer_norm", lambda x, e: F.layer_norm(x, x.shape[-1:], e["w"], e["b"])),
        # (N, 64 channels, L): the input seen as a sequence of channels, as group norm is used
        ("group_norm(8)", lambda x, e: F.group_norm(x.view(x.shape[0], 64, -1), 8, e["w64"],
                                                    e["b64"])),
        ("batch_norm", lambda x, e: F.batch_norm(x, e["rm"], e["rv"], e["w_rows"], e["b_rows"],
                                                 training=True)),
        ("cross_entropy", lambda x, e: F.cross_entropy(x, e["target"])),
        ("norm", lambda x, e: lib.linalg.vector_norm(x)),
        ("var(dim=-1)", lambda x, e: x.var(dim=-1)),
        ("sigmoid", lambda x, e: lib.sigmoid(x)),
        ("silu", lambda x, e: F.silu(x)),
        ("gelu", lambda x, e: F.gelu(x)),
        ("gelu(tanh)", lambda x, e: F.gelu(x, approximate="tanh")),
        ("mse_loss", lambda x, e: F.mse_loss(x, e["y"])),
    ]


def inputs(lib, np, shape):
    rng = np.random.default_rng(0)
    rows, cols = shape
    t = lambda a: lib.tensor(a.astype(np.float32))
    return t(rng.standard_normal(shape)), {
        "w": t(rng.standard_normal(cols)), "b": t(rng.standard_normal(cols)),
        "w_rows": t(rng.standard_normal(cols)), "b_rows": t(rng.standard_normal(cols)),
        "w64": t(rng.standard_normal(64)), "b64": t(rng.standard_normal(64)),
        "rm": t(np.zeros(cols)), "rv": t(np.ones(cols)),
        "target": lib.tensor(rng.integers(0, cols, rows)),
        "y": t(rng.standard_normal(shape)),
    }


def run_pass(x, extra, fn, backward):
    """Run the op (and its backward); return what it leaves alive, so the peak includes it."""
    xg = x.detach().clone().requires_grad_(backward)
    out = fn(xg, extra)
    if backward:
        out.backward(out.detach().clone().fill_(1.0) if out.dim() else None)
        return out, xg.grad
    return out, None


def insitu_peak(lib, np, shape, backward):
    x, extra = inputs(lib, np, shape)
    rows = []
    for name, fn in ops(lib, lib.nn.functional):
        # the input's clone is made inside run_pass; count it as alive before the call
        for _ in range(2):      # the first call warms caches (docstrings, scratch tables)
            gc.collect()
            tracemalloc.start()
            lib.memory.reset_peak()
            base_storage = lib.memory.allocated()
            base = tracemalloc.get_traced_memory()[0]
            kept = run_pass(x, extra, fn, backward)
            traced = tracemalloc.get_traced_memory()[1] - base
            storage = lib.memory.peak() - base_storage
            tracemalloc.stop()
            del kept
        rows.append((name, traced - x.numel() * 4, storage - x.numel() * 4))
    return rows


def torch_peak(torch, np, shape, backward):
    from torch.profiler import ProfilerActivity, profile
    torch.set_num_threads(1)
    x, extra = inputs(torch, np, shape)
    rows = []
    for name, fn in ops(torch, torch.nn.functional):
        run_pass(x, extra, fn, backward)
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            kept = run_pass(x, extra, fn, backward)
        del kept
        events = []

        def walk(node):
            if str(node.typed[0]).endswith("Allocation"):
                events.append((node.start_time_ns, node.typed[1].alloc_size,
                               node.typed[1].total_allocated))
            for child in node.children:
                walk(child)

        for root in prof.profiler.kineto_results.experimental_event_tree():
            walk(root)
        events.sort()
        if not events:
            rows.append((name, 0))
            continue
        start = events[0][2] - events[0][1]
        rows.append((name, max(total for _, _, total in events) - start - x.numel() * 4))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", default="256x1024")
    args = parser.parse_args()
    shape = tuple(int(n) for n in args.shape.split("x"))
    import numpy as np
    import insitu
    try:
        import torch
    except ImportError:
        torch = None
    kib = lambda n: f"{n / 1024:10.0f}"
    print(f"{args.shape} float32; KiB above what was alive before the call "
          f"(the input's {shape[0] * shape[1] * 4 // 1024} KiB excluded)")
    for backward in (False, True):
        ours = insitu_peak(insitu, np, shape, backward)
        theirs = torch_peak(torch, np, shape, backward) if torch else [(n, 0) for n, *_ in ours]
        print(f"\n{'forward+backward' if backward else 'forward'}")
        print(f"{'op':18}{'insitu':>10}{'storage':>10}{'torch':>10}{'/torch':>8}")
        for (name, traced, storage), (_, peak) in zip(ours, theirs):
            # a ratio of a few KiB of bookkeeping says nothing; below 16 KiB only the figures show
            ratio = f"{traced / peak:8.2f}" if torch and peak >= 16384 else f"{'-':>8}"
            print(f"{name:18}{kib(traced)}{kib(storage)}{kib(peak)}{ratio}")


if __name__ == "__main__":
    main()
