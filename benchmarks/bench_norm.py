"""batch_norm and layer_norm, forward and forward+backward, insitu vs torch in the same run.

    python benchmarks/bench_norm.py [--repeat N] [--threads 1]

batch_norm: BatchNorm2d(64) in training mode on 32x64x16x16 (running statistics updated);
layer_norm: LayerNorm(512) on 8x128x512. float32, best of N. `--threads 1` (the default) pins
BLAS and both libraries' intra-op threads to one, so the comparison is per core; `--threads 0`
leaves each library's defaults.
"""
import argparse
import os
import sys
import time


def _pin(threads):
    if threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)


def best_of(fn, repeat):
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def cases(lib, np):
    rng = np.random.default_rng(0)
    x_bn = lib.tensor(rng.standard_normal((32, 64, 16, 16)).astype(np.float32))
    x_ln = lib.tensor(rng.standard_normal((8, 128, 512)).astype(np.float32))
    bn, ln = lib.nn.BatchNorm2d(64), lib.nn.LayerNorm(512)
    out = []
    for name, layer, x in (("batch_norm 32x64x16x16", bn, x_bn), ("layer_norm 8x128x512", ln, x_ln)):
        xg = x.clone().requires_grad_()
        grad = lib.ones_like(x)

        def forward(layer=layer, x=x):
            with lib.no_grad():
                layer(x)

        def forward_backward(layer=layer, xg=xg, grad=grad):
            layer(xg).backward(grad)
        out.append((name, forward, forward_backward))
    return out


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=50)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    _pin(a.threads)
    import numpy as np
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import insitu
    import torch
    if a.threads:
        torch.set_num_threads(a.threads)
        insitu.set_num_threads(a.threads)
    mine, theirs = cases(insitu, np), cases(torch, np)
    print(f"float32, best of {a.repeat}, threads={a.threads or 'default'}")
    print(f"{'case':<26}{'pass':<18}{'insitu ms':>10}{'torch ms':>10}{'ratio':>8}")
    for (name, f_m, fb_m), (_, f_t, fb_t) in zip(mine, theirs):
        for label, fm, ft in (("forward", f_m, f_t), ("forward+backward", fb_m, fb_t)):
            tm, tt = best_of(fm, a.repeat), best_of(ft, a.repeat)
            print(f"{name:<26}{label:<18}{tm * 1e3:>10.3f}{tt * 1e3:>10.3f}{tm / tt:>8.2f}")


if __name__ == "__main__":
    main()
