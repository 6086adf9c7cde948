"""Train a small MLP on scikit-learn's bundled digits, twice: with insitu's in-place optimizer and
with an update that builds new tensors every step. Prints a progress bar, then a table of test
accuracy, seconds per epoch and peak tensor memory, and saves the loss curves if matplotlib is
installed.

    python -m insitu train [--epochs 20] [--plot loss_curve.png]
    python examples/train_digits.py
"""
import argparse
import sys
import time

import insitu
import insitu.nn as nn
import insitu.nn.functional as F
import insitu.optim as optim
from insitu.utils.data import DataLoader, TensorDataset

NO_SKLEARN = ("This example trains on scikit-learn's bundled digits data set, but scikit-learn "
              "is not installed.\nInstall it with:  pip install scikit-learn  (and matplotlib "
              "for the loss-curve plot), then run it again.")


def load_digits_split(seed, test_fraction=0.2):
    """(x_train, y_train, x_test, y_test) as insitu tensors, or None without scikit-learn."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        return None
    digits = load_digits()
    x = insitu.tensor(digits.data, dtype=insitu.float32) / 16.0
    y = insitu.tensor(digits.target, dtype=insitu.int64)
    g = insitu.Generator()
    g.manual_seed(seed)
    order = insitu.randperm(len(y), generator=g)
    n_test = int(len(y) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


class OutOfPlaceSGD:
    """SGD with momentum written the out-of-place way: every step allocates a new momentum
    buffer and a new parameter tensor, and rebinds `param.data` to it."""

    def __init__(self, params, lr, momentum):
        self.params = list(params)
        self.lr, self.momentum = lr, momentum
        self.buffers = {}

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        with insitu.no_grad():
            for p in self.params:
                buf = self.buffers.get(id(p))
                buf = p.grad.clone() if buf is None else buf * self.momentum + p.grad
                self.buffers[id(p)] = buf
                p.data = p.data - buf * self.lr


def build_model(hidden, seed):
    insitu.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, 10))


def progress(label, epoch, epochs, done, total, loss, out):
    """Redraw the bar in place on a terminal; elsewhere (logs, pipes) one line per epoch."""
    tty = hasattr(out, "isatty") and out.isatty()
    if not tty and done < total:
        return
    width = 24
    filled = int(width * done / total)
    bar = "#" * filled + "." * (width - filled)
    line = f"{label:<13} epoch {epoch:>3}/{epochs} [{bar}] loss {loss:7.4f}"
    out.write(("\r" + line) if tty else line + "\n")
    out.flush()


def train(label, model, optimizer, data, epochs, batch_size, seed, quiet):
    x_train, y_train, x_test, y_test = data
    g = insitu.Generator()
    g.manual_seed(seed)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True,
                        generator=g)
    losses, times = [], []
    insitu.memory.reset_peak()
    start_bytes = insitu.memory.allocated()
    out = sys.stdout
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        total = 0.0
        for i, (xb, yb) in enumerate(loader, 1):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item()
            if not quiet and (i % 4 == 0 or i == len(loader)):
                progress(label, epoch, epochs, i, len(loader), total / i, out)
        times.append(time.perf_counter() - t0)
        losses.append(total / len(loader))
    if not quiet and hasattr(out, "isatty") and out.isatty():
        out.write("\n")
    peak = insitu.memory.peak() - start_bytes
    with insitu.no_grad():
        pred = model(x_test).argmax(1)
    accuracy = (pred == y_test).float().mean().item()
    return {"label": label, "accuracy": accuracy, "epoch_s": sorted(times)[len(times) // 2],
            "peak": peak, "losses": losses}


def _kib(n):
    return f"{n / 1024:,.1f} KiB"


def table(results):
    rows = [("update", "test accuracy", "s / epoch (median)", "peak tensor memory")]
    for r in results:
        rows.append((r["label"], f"{100 * r['accuracy']:.1f}%", f"{r['epoch_s']:.4f}",
                     _kib(r["peak"])))
    return format_table(rows)


def format_table(rows):
    """Rows of strings as aligned columns (the first left-aligned), a rule under the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for k, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def plot(results, path, xlabel="epoch", title="MLP on digits"):
    """The runs' training losses, one curve each (dashed after the first), saved to `path`;
    None without matplotlib. Shared with `resnet_demo`."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no loss-curve plot (pip install matplotlib).")
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    for r, style in zip(results, ("-", "--", ":", "-.")):
        ax.plot(range(1, len(r["losses"]) + 1), r["losses"], style, label=r["label"])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("training loss (cross-entropy)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(f"loss curve saved to {path}")
    return path


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m insitu train", description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default="loss_curve.png", help="where to save the loss curves")
    p.add_argument("--no-plot", action="store_true")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    data = load_digits_split(args.seed)
    if data is None:
        print(NO_SKLEARN)
        return 1
    print(f"digits: {len(data[1])} training and {len(data[3])} test images, MLP 64-"
          f"{args.hidden}-10, SGD(lr={args.lr}, momentum={args.momentum}), batch "
          f"{args.batch_size}")
    results = []
    model = build_model(args.hidden, args.seed)
    results.append(train("in-place", model, optim.SGD(model.parameters(), lr=args.lr,
                                                      momentum=args.momentum),
                         data, args.epochs, args.batch_size, args.seed, args.quiet))
    model = build_model(args.hidden, args.seed)
    results.append(train("out-of-place", model, OutOfPlaceSGD(model.parameters(), args.lr,
                                                              args.momentum),
                         data, args.epochs, args.batch_size, args.seed, args.quiet))
    print()
    print(table(results))
    if not args.no_plot:
        plot(results, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
