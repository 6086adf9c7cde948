"""The same MLP trained with insitu and with torch, in one run.

MLP 64-128-10, ReLU, cross-entropy, SGD(momentum=0.9), batch 64, on scikit-learn's digits (or a
synthetic 10-class set of the same shape when scikit-learn is absent). Each library runs in its
own fresh interpreter, so import time and peak RSS are its own; runs alternate between the two
libraries to share the machine's noise evenly.

    python benchmarks/bench_mlp.py [--epochs 20] [--repeats 3] [--threads 1] [--json out.json]

Reports seconds per epoch (median over epochs, then over repeats), test accuracy, peak RSS and
import time, and the insitu/torch epoch-time ratio. `--threads 1` (the default) pins both
libraries' BLAS and intra-op threads to one, so the comparison is per core; `--threads 0`
leaves each library's defaults.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# ------------------------------------------------------------------ worker (one library)

def _data(seed):
    import numpy as np
    try:
        from sklearn.datasets import load_digits
        d = load_digits()
        x, y, source = (d.data / 16.0).astype(np.float32), d.target.astype(np.int64), "digits"
    except ImportError:
        rng = np.random.default_rng(seed)
        centers = rng.standard_normal((10, 64)) * 1.5
        y = rng.integers(0, 10, 1797)
        x = (centers[y] + rng.standard_normal((1797, 64))).astype(np.float32)
        source = "synthetic"
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = len(y) // 5
    te, tr = order[:n_test], order[n_test:]
    return x[tr], y[tr], x[te], y[te], source


def _initial_weights(seed):
    """PyTorch's default Linear initialisation, drawn once with NumPy for both libraries."""
    import numpy as np
    rng = np.random.default_rng(seed)
    out = {}
    for i, (fan_in, fan_out) in ((0, (64, 128)), (2, (128, 10))):
        bound = 1 / np.sqrt(fan_in)
        out[f"{i}.weight"] = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        out[f"{i}.bias"] = rng.uniform(-bound, bound, fan_out).astype(np.float32)
    return out


def _rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def worker(lib_name, epochs, seed, threads):
    t0 = time.perf_counter()
    if lib_name == "torch":
        import torch as lib
        from torch.utils.data import DataLoader, TensorDataset
    else:
        import insitu as lib
        import insitu.nn  # noqa: F401  (binds lib.nn, lib.optim for torch-style code)
        import insitu.optim  # noqa: F401
        from insitu.utils.data import DataLoader, TensorDataset
    import_s = time.perf_counter() - t0
    if lib_name == "torch" and threads:
        lib.set_num_threads(threads)
    rss_after_import = _rss_kib()
    nn, optim = lib.nn, lib.optim

    x_tr, y_tr, x_te, y_te, source = _data(seed)
    lib.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    model.load_state_dict({k: lib.tensor(v) for k, v in _initial_weights(seed).items()})
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(lib.tensor(x_tr), lib.tensor(y_tr)), batch_size=64,
                        shuffle=True)

    def epoch():
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    epoch()                                        # warm-up (lazy initialisation, caches)
    times = []
    for _ in range(epochs):
        t = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t)
    with lib.no_grad():
        pred = model(lib.tensor(x_te)).argmax(1)
    accuracy = (pred == lib.tensor(y_te)).float().mean().item()
    import resource
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times.sort()
    return {"lib": lib_name, "epoch_s": times[len(times) // 2], "accuracy": accuracy,
            "peak_rss_mib": peak_kib / 1024, "rss_after_import_mib": rss_after_import / 1024,
            "import_s": import_s, "data": source, "epochs": epochs}


# ------------------------------------------------------------------ driver

def _run_worker(lib_name, args):
    env = dict(os.environ)
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", lib_name, "--epochs",
           str(args.epochs), "--seed", str(args.seed), "--threads", str(args.threads)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{lib_name} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(values):
    values = sorted(values)
    return values[len(values) // 2]


def summarize(runs):
    out = {}
    for lib_name in ("insitu", "torch"):
        mine = [r for r in runs if r["lib"] == lib_name]
        if not mine:
            continue
        out[lib_name] = {key: _median([r[key] for r in mine])
                         for key in ("epoch_s", "accuracy", "peak_rss_mib", "import_s",
                                     "rss_after_import_mib")}
        out[lib_name]["data"] = mine[0]["data"]
    if "insitu" in out and "torch" in out:
        out["epoch_time_ratio"] = out["insitu"]["epoch_s"] / out["torch"]["epoch_s"]
    return out


def table(summary):
    rows = [("library", "s / epoch", "test accuracy", "peak RSS", "RSS after import",
             "import time")]
    for lib_name in ("insitu", "torch"):
        s = summary.get(lib_name)
        if s:
            rows.append((lib_name, f"{s['epoch_s']:.4f}", f"{100 * s['accuracy']:.1f}%",
                         f"{s['peak_rss_mib']:.0f} MiB", f"{s['rss_after_import_mib']:.0f} MiB",
                         f"{s['import_s']:.2f} s"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if "epoch_time_ratio" in summary:
        lines.append(f"\ninsitu / torch epoch time: {summary['epoch_time_ratio']:.2f}x "
                     f"(target <= 0.60x)")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="0: each library's default")
    p.add_argument("--libs", default="insitu,torch")
    p.add_argument("--json", help="also write the summary here")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.epochs, args.seed, args.threads)))
        return 0
    libs = [name for name in args.libs.split(",") if name]
    runs = []
    for _ in range(args.repeats):
        for lib_name in libs:
            runs.append(_run_worker(lib_name, args))
    summary = summarize(runs)
    threads = args.threads or "library default"
    print(f"MLP 64-128-10 on {runs[0]['data']}, batch 64, SGD momentum 0.9, {args.epochs} "
          f"epochs x {args.repeats} runs, threads: {threads}\n")
    print(table(summary))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"summary": summary, "runs": runs}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
