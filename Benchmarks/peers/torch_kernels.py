#!/usr/bin/env python3
"""PyTorch timings of the kernels in Benchmarks/Benchmarks/KernelBenchmarks, same shapes.

    .venv-peer/bin/python Benchmarks/peers/torch_kernels.py [--threads 2] [--runs 20]

Prints a Markdown table of median wall times, to set beside `swift package benchmark`'s p50.
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F


def median_ms(body, runs, warmup=2):
    for _ in range(warmup):
        body()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = 16 * 128
    rand = lambda *shape: torch.rand(*shape) * 2 - 1
    cases = []
    for size in (64, 256, 1024):
        a, b = rand(size, size), rand(size, size)
        cases.append(("matmul [%d, %d]·[%d, %d]" % (size, size, size, size), lambda a=a, b=b: a @ b))
    for out in (768, 1024):
        x, w = rand(rows, 256), rand(out, 256)
        cases.append(("matmul [%d, 256]·[%d, 256]ᵀ" % (rows, out), lambda x=x, w=w: x @ w.t()))
    scores = rand(16, 4, 128, 128)
    cases.append(("softmax [16, 4, 128, 128]", lambda: scores.softmax(-1)))
    x256, weight, bias = rand(rows, 256), torch.ones(256), torch.zeros(256)
    cases.append(("layerNorm [%d, 256]" % rows, lambda: F.layer_norm(x256, (256,), weight, bias)))
    x1024 = rand(rows, 1024)
    cases.append(("gelu [%d, 1024]" % rows, lambda: F.gelu(x1024)))
    logits = rand(rows, 256).requires_grad_()
    targets = torch.randint(0, 256, (rows,))

    def cross_entropy():
        F.cross_entropy(logits, targets).backward()
        logits.grad = None
    cases.append(("crossEntropy fwd+bwd [%d, 256]" % rows, cross_entropy))
    q, k, v = (rand(16, 4, 128, 64) for _ in range(3))

    def attention_forward():
        with torch.no_grad():
            F.scaled_dot_product_attention(q, k, v, is_causal=True)
    cases.append(("attention fwd [16, 4, 128, 64] causal", attention_forward))
    qg, kg, vg = (t.clone().requires_grad_() for t in (q, k, v))
    seed = rand(16, 4, 128, 64)

    def attention_backward():
        F.scaled_dot_product_attention(qg, kg, vg, is_causal=True).backward(seed)
        for t in (qg, kg, vg):
            t.grad = None
    cases.append(("attention fwd+bwd [16, 4, 128, 64] causal", attention_backward))

    print("| kernel | torch median ms (%d threads) |" % args.threads)
    print("|---|---:|")
    for name, body in cases:
        print("| %s | %.3f |" % (name, median_ms(body, args.runs)))


if __name__ == "__main__":
    main()
