"""A small ResNet on scikit-learn's digits, trained twice: once with in-place activations and
residual additions (`ReLU(inplace=True)`, `out += identity`, as torchvision's BasicBlock writes
them) and once with their out-of-place forms. The two runs compute the same numbers, so their
losses are identical; the in-place run allocates fewer activation buffers. Prints a table of
accuracy, time per step and memory (the peak of tensor storage during a forward pass, and the
bytes the graph holds for backward), and plots the losses when matplotlib is installed.

    python -m insitu resnet [--epochs 3] [--plot resnet_losses.png]
    python examples/inplace_resnet.py
"""
import argparse
import sys
import time

import insitu
import insitu.nn as nn
import insitu.nn.functional as F
import insitu.optim as optim
from insitu.autograd import saved_bytes
from insitu import train_demo
from insitu.train_demo import NO_SKLEARN, format_table, load_digits_split
from insitu.utils.data import DataLoader, TensorDataset


def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """torchvision's residual block; `inplace` picks the in-place or out-of-place forms."""

    def __init__(self, inplanes, planes, stride=1, inplace=True):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=inplace)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes))
        self.inplace = inplace

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        if self.inplace:
            out += identity
        else:
            out = out + identity
        return self.relu(out)


class SmallResNet(nn.Module):
    """A stem and three residual blocks (16, 32, 64 channels) on 1x8x8 digit images."""

    def __init__(self, inplace=True, width=16):
        super().__init__()
        self.stem = nn.Sequential(conv3x3(1, width), nn.BatchNorm2d(width),
                                  nn.ReLU(inplace=inplace))
        self.layers = nn.Sequential(BasicBlock(width, width, inplace=inplace),
                                    BasicBlock(width, 2 * width, stride=2, inplace=inplace),
                                    BasicBlock(2 * width, 4 * width, stride=2, inplace=inplace))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4 * width, 10)

    def forward(self, x):
        return self.fc(self.pool(self.layers(self.stem(x))).flatten(1))


def forward_memory(model, xb, yb):
    """(peak bytes of tensor storage during the forward pass above what was alive before it,
    bytes the graph holds for backward at its end); runs backward to free the graph."""
    before = insitu.memory.allocated()
    insitu.memory.reset_peak()
    loss = F.cross_entropy(model(xb), yb)
    peak = insitu.memory.peak() - before
    held = saved_bytes(loss)
    loss.backward()
    model.zero_grad(set_to_none=True)
    return peak, held


def train(label, inplace, data, epochs, batch_size, seed, width):
    x_train, y_train, x_test, y_test = data
    insitu.manual_seed(seed)
    model = SmallResNet(inplace=inplace, width=width)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    g = insitu.Generator()
    g.manual_seed(seed)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True,
                        generator=g)
    losses, step_times = [], []
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            t0 = time.perf_counter()
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            step_times.append(time.perf_counter() - t0)
            losses.append(loss.item())
    xb, yb = x_train[:batch_size], y_train[:batch_size]
    peak, held = forward_memory(model, xb, yb)
    model.eval()
    with insitu.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    return {"label": label, "accuracy": accuracy, "losses": losses, "peak": peak, "held": held,
            "step_ms": 1e3 * sorted(step_times)[len(step_times) // 2]}


def report(results):
    rows = [("activations", "test accuracy", "ms / step (median)", "forward peak",
             "graph holds")]
    for r in results:
        rows.append((r["label"], f"{100 * r['accuracy']:.1f}%", f"{r['step_ms']:.2f}",
                     f"{r['peak'] / 1024:,.1f} KiB", f"{r['held'] / 1024:,.1f} KiB"))
    inplace, outofplace = results
    same = inplace["losses"] == outofplace["losses"]
    saving = 1 - inplace["peak"] / outofplace["peak"]
    return (format_table(rows) + "\n\n"
            f"losses identical step for step: {same}\n"
            f"in-place forward peak is {100 * saving:.1f}% lower "
            f"({(outofplace['peak'] - inplace['peak']) / 1024:,.1f} KiB less per batch)")


def tour(batch=64, repeat=5):
    """The tour's short part: one forward and backward of the in-place and the out-of-place
    ResNet on the same random batch (no data set needed). Same gradients, less memory."""
    print(f"== In place in a model: a small ResNet (ReLU(inplace=True), out += identity) on a "
          f"batch of {batch} 1x8x8 images, against the same net written out of place")
    x = insitu.randn(batch, 1, 8, 8, generator=insitu.Generator().manual_seed(0))
    y = insitu.arange(batch) % 10
    variants = (("in-place", True), ("out-of-place", False))
    models = []
    for _, inplace in variants:
        insitu.manual_seed(0)
        models.append(SmallResNet(inplace=inplace))
    times = [[], []]
    for _ in range(repeat):     # the two alternate, so that the machine's noise falls on both
        for model, t in zip(models, times):
            t0 = time.perf_counter()
            model.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            t.append(time.perf_counter() - t0)
    rows, grads = [], []
    for (label, _), model, t in zip(variants, models, times):
        grads.append([p.grad.clone() for p in model.parameters()])
        peak, _ = forward_memory(model, x, y)
        rows.append((label, peak, sorted(t)[repeat // 2]))
    same = all(insitu.equal(a, b) for a, b in zip(*grads))
    for label, peak, secs in rows:
        print(f"  {label:<13} forward peak {peak / 1024:>8,.1f} KiB   forward+backward "
              f"{secs * 1e3:6.1f} ms (median of {repeat})")
    print(f"  gradients identical: {same}; in place holds "
          f"{(rows[1][1] - rows[0][1]) / 1024:,.1f} KiB less at the forward peak and runs "
          f"{rows[1][2] / rows[0][2]:.2f}x as fast (`python -m insitu resnet` trains both on "
          "digits)\n")
    return same


def plot(results, path):
    """The two runs' losses per step (train_demo's plot)."""
    return train_demo.plot(results, path, xlabel="step",
                           title="small ResNet on digits: the two curves coincide")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m insitu resnet",
                                description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--width", type=int, default=16, help="channels of the first stage")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default="resnet_losses.png")
    p.add_argument("--no-plot", action="store_true")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    data = load_digits_split(args.seed)
    if data is None:
        print(NO_SKLEARN)
        return 1
    data = [t.reshape(-1, 1, 8, 8) if t.dim() == 2 else t for t in data]
    print(f"digits: {len(data[1])} training images (1x8x8), small ResNet of width {args.width}, "
          f"SGD momentum, batch {args.batch_size}, {args.epochs} epochs, twice")
    results = [train(label, inplace, data, args.epochs, args.batch_size, args.seed, args.width)
               for label, inplace in (("in-place", True), ("out-of-place", False))]
    print()
    print(report(results))
    if not args.no_plot:
        plot(results, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
