"""Training steps of whole models: insitu against torch in the same run.

    python benchmarks/bench_models.py             # single-threaded, then default threads
    python benchmarks/bench_models.py --threads 1 # one setting only (0 = library defaults)
    python benchmarks/bench_models.py --quick     # fewer steps
    python benchmarks/bench_models.py --threads 1 --models cifar --profile   # where insitu's
                                                  # step spends its time (cProfile, tottime)

A step is zero_grad, forward, loss, backward and the optimizer's step. The models are the model
sources the test suite checks against torch (tests/models/zoo/, loaded twice, once with `torch`
bound to insitu): the MNIST convolutional net on 1x28x28 (batch 32, Adadelta), the CIFAR
ResNet18 on 3x32x32 (batch 8, SGD momentum), a 2-layer LSTM language model (hidden 128,
sequence 35, batch 20, SGD with gradient clipping) and a tiny GPT (2 layers, 128-wide
embedding, 64 tokens, batch 8, AdamW). Steps of the two libraries alternate, and the median
time of each is printed with the ratio insitu/torch: the thread's CPU time when single-threaded
(other processes on a busy machine then cost neither library), wall time otherwise.

Single-threaded means torch.set_num_threads(1) and insitu.set_num_threads(1), and BLAS pinned
to one thread through its environment variables (set before NumPy loads, so each setting runs
in its own process).
"""
import argparse
import os
import subprocess
import sys


def _pin(threads):
    if threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)


def _setup(threads):
    _pin(threads)
    global np, torch, insitu, load, copy_weights
    import numpy as np
    import torch
    import insitu
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                    "tests", "models"))
    from loader import copy_weights, load
    if threads:
        torch.set_num_threads(threads)
        insitu.set_num_threads(threads)


def mnist(lib, M):
    model = M.Net()
    opt, _ = M.make_optimizer(model)
    x = lib.randn(32, 1, 28, 28)
    y = lib.randint(0, 10, (32,))
    model.eval()                                   # dropout off: both draw different masks

    def step():
        M.train_step(model, opt, x, y)
    return model, step


def resnet18(lib, M):
    model = M.ResNet18()
    opt = M.make_optimizer(model, lr=0.01)
    x = lib.randn(8, 3, 32, 32)
    y = lib.randint(0, 10, (8,))

    def step():
        M.train_step(model, opt, x, y)
    return model, step


def lstm_lm(lib, M):
    ntokens = 1000
    model = M.RNNModel("LSTM", ntokens, 128, 128, 2, dropout=0.0)
    data = lib.randint(0, ntokens, (35 + 1, 20))
    hidden = [model.init_hidden(20)]
    crit = lib.nn.NLLLoss()
    opt = lib.optim.SGD(model.parameters(), lr=0.1)

    def step():
        opt.zero_grad()
        h = M.repackage_hidden(hidden[0])
        out, hidden[0] = model(data[:35], h)
        loss = crit(out, data[1:].reshape(-1))
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        opt.step()
    return model, step


def tiny_gpt(lib, M):
    cfg = M.GPTConfig(block_size=64, vocab_size=256, n_layer=2, n_head=4, n_embd=128,
                      dropout=0.0, bias=True)
    model = M.GPT(cfg)
    opt = model.configure_optimizers(0.1, 1e-3, (0.9, 0.95), "cpu")
    x = lib.randint(0, 256, (8, 64))
    y = lib.randint(0, 256, (8, 64))

    def step():
        opt.zero_grad(set_to_none=True)
        _, loss = model(x, y)
        loss.backward()
        opt.step()
    return model, step


MODELS = [("mnist Net, batch 32", "mnist_net", mnist),
          ("ResNet18-CIFAR, batch 8", "cifar", resnet18),
          ("2-layer LSTM LM, 35x20", "word_language_model", lstm_lm),
          ("tiny GPT, 2x128, 64 tokens, batch 8", "nanogpt", tiny_gpt)]


def _median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def measure(name, source, build, steps, warmup=2, profile=0, timer=None):
    import time
    timer = timer or time.perf_counter
    steppers = []
    for libname, lib in (("torch", torch), ("insitu", insitu)):
        torch.manual_seed(0)
        insitu.manual_seed(0)
        steppers.append(build(lib, load(source, libname))[1])
    for _ in range(warmup):
        for s in steppers:
            s()
    times = [[], []]
    for _ in range(steps):
        for i, s in enumerate(steppers):
            t0 = timer()
            s()
            times[i].append(timer() - t0)
    tt, ti = _median(times[0]), _median(times[1])
    print(f"  {name:<38}{ti * 1e3:>10.1f}{tt * 1e3:>10.1f}{ti / tt:>9.2f}", flush=True)
    if profile:
        _profile(steppers[1], steps, profile, timer)
    return ti / tt


def _profile(step, steps, rows, timer):
    """insitu's step under cProfile: the `rows` functions that spend the most time themselves."""
    import cProfile
    import pstats
    prof = cProfile.Profile(timer)
    prof.enable()
    for _ in range(steps):
        step()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(rows)


def run(threads, steps, only, profile=0):
    import time
    _setup(threads)
    label = "single-threaded" if threads == 1 else (
        f"{threads} threads" if threads else
        f"default threads (torch {torch.get_num_threads()}, insitu {insitu.get_num_threads()})")
    print(f"\ntraining step, {label}: median of {steps} steps, ms")
    print(f"  {'model':<38}{'insitu':>10}{'torch':>10}{'ratio':>9}")
    timer = time.thread_time if threads == 1 else time.perf_counter
    ratios = [measure(name, source, build, steps, profile=profile, timer=timer)
              for name, source, build in MODELS if not only or any(o in source for o in only)]
    geo = float(np.exp(np.mean(np.log(ratios))))
    print(f"  geometric mean insitu/torch: {geo:.2f}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=None,
                   help="1 = single-threaded, 0 = library defaults; default: both, in turn")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--quick", action="store_true", help="3 steps")
    p.add_argument("--models", default="", help="comma-separated filter (e.g. cifar,nanogpt)")
    p.add_argument("--profile", type=int, nargs="?", const=25, default=0,
                   help="after each model, profile insitu's steps (the top N functions)")
    args = p.parse_args(argv)
    steps = 3 if args.quick else args.steps
    only = [m for m in args.models.split(",") if m]
    if args.threads is None:
        for threads in (1, 0):       # each in a fresh process: BLAS reads its threads at load
            cmd = [sys.executable, __file__, "--threads", str(threads), "--steps", str(steps)]
            if only:
                cmd += ["--models", args.models]
            if args.profile:
                cmd += ["--profile", str(args.profile)]
            subprocess.run(cmd, check=True)
        return 0
    run(args.threads, steps, only, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
