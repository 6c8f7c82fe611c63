#!/usr/bin/env python3
"""PyTorch peer of train-bench: the same workloads, shapes and hyperparameters, the same JSON line.

    .venv-peer/bin/python Benchmarks/peers/torch_bench.py --workload gpt_full [--steps N]
    {"workload": "gpt_full", "ms_per_step": ..., "peak_rss_mb": ..., "trainable": ..., "total": ..., "loss": ...}

Mirrors Benchmarks/Sources/Workloads (GPTWorkload.swift): decoder-only GPT, vocab 256, d_model 256,
4 heads, 4 pre-norm blocks, learned positions, exact-GELU MLP 1024, untied head without bias,
separate q/k/v/out projections with biases, seq 128, batch 16, AdamW lr 1e-3 wd 0.01, next-token
cross-entropy on one fixed random batch. Two intra-op threads (the machine has two cores; our
side uses both through OpenBLAS and its own parallel loops).
"""
import argparse
import json
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, DIM, HEADS, LAYERS, HIDDEN, SEQ, BATCH = 256, 256, 4, 4, 1024, 128, 16
WARMUP = 3


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(DIM, DIM)
        self.key = nn.Linear(DIM, DIM)
        self.value = nn.Linear(DIM, DIM)
        self.output = nn.Linear(DIM, DIM)

    def forward(self, x):
        b, l, _ = x.shape
        q, k, v = (p(x).view(b, l, HEADS, DIM // HEADS).transpose(1, 2) for p in (self.query, self.key, self.value))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.output(y.transpose(1, 2).reshape(b, l, DIM))


class FeedForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.Linear(DIM, HIDDEN)
        self.down = nn.Linear(HIDDEN, DIM)

    def forward(self, x):
        return self.down(F.gelu(self.up(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention_norm = nn.LayerNorm(DIM, eps=1e-5)
        self.attention = Attention()
        self.feed_forward_norm = nn.LayerNorm(DIM, eps=1e-5)
        self.feed_forward = FeedForward()

    def forward(self, x):
        x = x + self.attention(self.attention_norm(x))
        return x + self.feed_forward(self.feed_forward_norm(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.token_embedding = nn.Embedding(VOCAB, DIM)
        self.position_embedding = nn.Embedding(SEQ, DIM)
        self.layers = nn.ModuleList(Block() for _ in range(LAYERS))
        self.final_norm = nn.LayerNorm(DIM, eps=1e-5)
        self.head = nn.Linear(DIM, VOCAB, bias=False)
        # The same initialisation as FineTuning's GPT (GPT-2 / nanoGPT).
        std, residual_std = 0.02, 0.02 / math.sqrt(2 * LAYERS)
        for name, module in self.named_modules():
            if isinstance(module, nn.Linear):
                writes_residual = name.endswith("attention.output") or name.endswith("feed_forward.down")
                nn.init.normal_(module.weight, std=residual_std if writes_residual else std)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, std=std)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1])
        h = self.token_embedding(ids) + self.position_embedding(positions)
        for layer in self.layers:
            h = layer(h)
        return self.head(self.final_norm(h))


class GPTWorkload:
    def __init__(self, frozen_blocks=None, seed=0):
        torch.manual_seed(seed)
        self.model = GPT()
        if frozen_blocks is not None:
            for module in [self.model.token_embedding, self.model.position_embedding, *self.model.layers[:frozen_blocks]]:
                module.requires_grad_(False)
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(trainable, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
        generator = torch.Generator().manual_seed(seed + 1)
        tokens = torch.randint(0, VOCAB, (BATCH, SEQ + 1), generator=generator)
        self.inputs, self.targets = tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()

    def parameter_counts(self):
        params = list(self.model.parameters())
        return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)

    def loss(self):
        logits = self.model(self.inputs)
        return F.cross_entropy(logits.reshape(-1, VOCAB), self.targets.reshape(-1))

    def step(self):
        loss = self.loss()
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return loss.item()

    def profiled_step(self):
        """Times of forward, backward and optimizer (ms) and resident MiB after each."""
        t0 = time.perf_counter()
        loss = self.loss()
        t1 = time.perf_counter()
        rss_forward = resident_mib()
        loss.backward()
        t2 = time.perf_counter()
        rss_backward = resident_mib()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        return {"forward_ms": (t1 - t0) * 1e3, "backward_ms": (t2 - t1) * 1e3, "optimizer_ms": (t3 - t2) * 1e3,
                "rss_after_forward_mb": rss_forward, "rss_after_backward_mb": rss_backward,
                "rss_after_optimizer_mb": resident_mib()}


def resident_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# Same names as WorkloadCatalog in Benchmarks/Sources/Workloads/Workload.swift. gpt_lora and the
# MiniLM workloads (sentence-transformers/all-MiniLM-L6-v2 from --model DIR) go here when the Swift
# side has them, with the same shapes.
WORKLOADS = {
    "gpt_full": lambda args: GPTWorkload(seed=args.seed),
    "gpt_partial": lambda args: GPTWorkload(frozen_blocks=2, seed=args.seed),
}
PLANNED = ["gpt_lora", "minilm_embed", "minilm_lora_step", "minilm_full_step"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", required=True)
    parser.add_argument("--steps", type=int, default=10, help="timed steps after %d warm-up steps" % WARMUP)
    parser.add_argument("--model", help="model directory (minilm_* workloads)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--phases", action="store_true",
                        help="also time forward/backward/optimizer separately; one JSON line on stderr")
    args = parser.parse_args()
    if args.workload in PLANNED:
        sys.exit("torch_bench: workload '%s' is not available yet" % args.workload)
    if args.workload not in WORKLOADS:
        sys.exit("torch_bench: unknown workload '%s'; known: %s" % (args.workload, ", ".join(list(WORKLOADS) + PLANNED)))
    torch.set_num_threads(args.threads)
    job = WORKLOADS[args.workload](args)
    setup_rss = resident_mib()
    loss = 0.0
    for _ in range(WARMUP):
        loss = job.step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        loss = job.step()
        times.append(time.perf_counter() - start)
    trainable, total = job.parameter_counts()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"workload": args.workload, "ms_per_step": round(statistics.median(times) * 1e3, 3),
                      "peak_rss_mb": round(peak_rss_mb, 1), "trainable": trainable, "total": total,
                      "loss": round(loss, 6)}))
    if args.phases:
        runs = [job.profiled_step() for _ in range(args.steps)]
        phases = {"workload": args.workload}
        for key in ("forward_ms", "backward_ms", "optimizer_ms"):
            phases[key] = round(statistics.median(r[key] for r in runs), 3)
        phases["rss_after_setup_mb"] = round(setup_rss, 1)
        for key in ("rss_after_forward_mb", "rss_after_backward_mb", "rss_after_optimizer_mb"):
            phases[key] = round(runs[-1][key], 1)
        print(json.dumps(phases), file=sys.stderr)


if __name__ == "__main__":
    main()
