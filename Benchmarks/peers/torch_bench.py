#!/usr/bin/env python3
"""PyTorch peer of train-bench: the same workloads, shapes and hyperparameters, the same JSON line.

    .venv-peer/bin/python Benchmarks/peers/torch_bench.py --workload gpt_full [--steps N]
    {"workload": "gpt_full", "ms_per_step": ..., "peak_rss_mb": ..., "trainable": ..., "total": ..., "loss": ..., "first_loss": ...}
    .venv-peer/bin/python Benchmarks/peers/torch_bench.py --workload minilm_embed --model data/all-MiniLM-L6-v2
    {"workload": "minilm_embed", "sentences_per_s": ..., "ms_per_batch": ..., "peak_rss_mb": ..., ...}

Mirrors Benchmarks/Sources/Workloads:
- GPTWorkload.swift: decoder-only GPT, vocab 256, d_model 256, 4 heads, 4 pre-norm blocks, learned
  positions, exact-GELU MLP 1024, untied head without bias, separate q/k/v/out projections with
  biases, seq 128, batch 16, AdamW lr 1e-3 wd 0.01, next-token cross-entropy on one fixed random
  batch; gpt_partial freezes the embeddings and the lower 2 blocks; gpt_lora freezes everything and
  trains LoRA adapters (r 8, alpha 16, written out below as PEFT does them) on query and value.
- MiniLMWorkload.swift: transformers' BertModel from --model DIR (all-MiniLM-L6-v2), a batch of
  32 x 64 token ids (SplitMix64, the same ids as the Swift side), full attention mask, mean pooling;
  minilm_embed is no-grad inference in eval mode, minilm_lora_step / minilm_full_step train a 2-class
  linear head (with LoRA r 8 alpha 16 on query/value, or every weight) with AdamW lr 1e-4.
- SmolLM2Workload.swift: SmolLM2-135M-Instruct from a GGUF file (--model FILE.gguf), loaded by
  transformers dequantized to float32: greedy generation (128-token prompt, 64 new tokens, batch 1),
  a 4 x 256 prefill, and training steps on 4 x 128 tokens (PEFT LoRA r 8 alpha 16 on q/v, or full);
  --gradient-checkpointing recomputes each decoder layer in the backward
  (model.gradient_checkpointing_enable with use_reentrant=False), as train-bench's flag does.
Two intra-op threads (the machine has two cores; our side uses both through OpenBLAS and its own
parallel loops).
"""
import argparse
import json
import math
import os
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


class LoRALinear(nn.Module):
    """PEFT's LoRA on a Linear, by hand: y = base(x) + scaling * B(A(x)), A [r, in] Kaiming-uniform
    (a = sqrt(5), i.e. uniform in +-1/sqrt(in)), B [out, r] zeros, scaling alpha / r, no dropout.
    The base layer is frozen; A and B train."""

    def __init__(self, base, rank=8, alpha=16):
        super().__init__()
        self.base = base
        base.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.scaling = alpha / rank

    def forward(self, x):
        return self.base(x) + (F.linear(x, self.lora_A) * self.scaling) @ self.lora_B.t()


class GPTWorkload:
    def __init__(self, frozen_blocks=None, lora=False, seed=0):
        torch.manual_seed(seed)
        self.model = GPT()
        if frozen_blocks is not None:
            for module in [self.model.token_embedding, self.model.position_embedding, *self.model.layers[:frozen_blocks]]:
                module.requires_grad_(False)
        if lora:
            self.model.requires_grad_(False)
            for layer in self.model.layers:
                layer.attention.query = LoRALinear(layer.attention.query)
                layer.attention.value = LoRALinear(layer.attention.value)
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


def splitmix64(seed, count):
    """The same generator as MiniLMShapes.splitMix64 in MiniLMWorkload.swift, so both sides see the
    same token ids and labels."""
    mask = (1 << 64) - 1
    state, out = seed & mask, []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append(z ^ (z >> 31))
    return out


MINILM_BATCH, MINILM_LENGTH, MINILM_CLASSES, MINILM_FIRST_TOKEN, MINILM_LR = 32, 64, 2, 1000, 1e-4


class MiniLMWorkload:
    """all-MiniLM-L6-v2 as transformers' BertModel. kind: "embed", "lora" or "full"."""

    def __init__(self, kind, directory, seed=0):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import BertConfig, BertModel
        from transformers.utils import logging as transformers_logging
        transformers_logging.disable_progress_bar()
        torch.manual_seed(seed)
        config = BertConfig.from_pretrained(directory)
        # Hidden and attention-probability dropout as config.json has them (0.1 each), as ours.
        self.kind = kind
        self.bert = BertModel.from_pretrained(directory, config=config)
        span = config.vocab_size - MINILM_FIRST_TOKEN
        ids = [MINILM_FIRST_TOKEN + v % span for v in splitmix64(seed + 1, MINILM_BATCH * MINILM_LENGTH)]
        self.ids = torch.tensor(ids, dtype=torch.long).view(MINILM_BATCH, MINILM_LENGTH)
        self.mask = torch.ones(MINILM_BATCH, MINILM_LENGTH, dtype=torch.long)
        self.labels = torch.tensor([v % MINILM_CLASSES for v in splitmix64(seed + 3, MINILM_BATCH)], dtype=torch.long)
        self.modules = [self.bert]
        self.optimizer = None
        # Inference reports sentences per second; training reports ms per step.
        self.sequences_per_step = MINILM_BATCH if kind == "embed" else None
        if kind == "embed":
            self.bert.eval()
            return
        # The head of the Swift side's SequenceClassifier(pooling: .mean): dropout, then Linear
        # initialised normal(0.02) with a zero bias.
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.head = nn.Linear(config.hidden_size, MINILM_CLASSES)
        nn.init.normal_(self.head.weight, std=config.initializer_range)
        nn.init.zeros_(self.head.bias)
        self.modules.append(self.head)
        if kind == "lora":
            self.bert.requires_grad_(False)
            for layer in self.bert.encoder.layer:
                layer.attention.self.query = LoRALinear(layer.attention.self.query)
                layer.attention.self.value = LoRALinear(layer.attention.self.value)
        self.bert.train()
        self.dropout.train()
        trainable = [p for m in self.modules for p in m.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(trainable, lr=MINILM_LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)

    def parameter_counts(self):
        params = [p for m in self.modules for p in m.parameters()]
        return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)

    def pooled(self):
        hidden = self.bert(input_ids=self.ids, attention_mask=self.mask).last_hidden_state
        weights = self.mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)

    def loss(self):
        return F.cross_entropy(self.head(self.dropout(self.pooled())), self.labels)

    def step(self):
        if self.optimizer is None:
            with torch.no_grad():
                return self.pooled().mean().item()
        loss = self.loss()
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return loss.item()

    def profiled_step(self):
        if self.optimizer is None:
            t0 = time.perf_counter()
            with torch.no_grad():
                self.pooled()
            t1 = time.perf_counter()
            rss = resident_mib()
            return {"forward_ms": (t1 - t0) * 1e3, "backward_ms": 0.0, "optimizer_ms": 0.0,
                    "rss_after_forward_mb": rss, "rss_after_backward_mb": rss, "rss_after_optimizer_mb": rss}
        return GPTWorkload.profiled_step(self)


REAL_COUNT, REAL_BATCH = 256, 32


class MiniLMEmbedRealWorkload:
    """minilm_embed_real: sentence-transformers' encode(batch_size=32) on the first 256 snippets of
    movie-reviews.tsv (beside the model folder), as MiniLMEmbedRealWorkload.swift: the library
    sorts by length, pads per batch, mean-pools and normalises; tokenization is timed too."""

    def __init__(self, directory, seed=0):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
        transformers_logging.disable_progress_bar()
        self.model = SentenceTransformer(directory, device="cpu")
        self.model.eval()
        path = os.path.join(os.path.dirname(os.path.abspath(directory.rstrip("/"))), "movie-reviews.tsv")
        with open(path, encoding="utf-8") as handle:
            rows = [line.rstrip("\n").split("\t", 2) for line in handle.read().split("\n")[1:] if line]
        self.texts = [row[2] for row in rows[:REAL_COUNT] if len(row) == 3]
        if len(self.texts) != REAL_COUNT:
            sys.exit("torch_bench: %s has %d snippets, needs %d" % (path, len(self.texts), REAL_COUNT))
        self.sequences_per_step = REAL_COUNT

    def parameter_counts(self):
        params = list(self.model.parameters())
        return sum(p.numel() for p in params), sum(p.numel() for p in params)

    def step(self):
        vectors = self.model.encode(self.texts, batch_size=REAL_BATCH, convert_to_numpy=True, show_progress_bar=False)
        return float(vectors.astype("float64").mean())

    def profiled_step(self):
        t0 = time.perf_counter()
        self.step()
        t1 = time.perf_counter()
        rss = resident_mib()
        return {"forward_ms": (t1 - t0) * 1e3, "backward_ms": 0.0, "optimizer_ms": 0.0,
                "rss_after_forward_mb": rss, "rss_after_backward_mb": rss, "rss_after_optimizer_mb": rss}


SMOL_PROMPT, SMOL_NEW = 128, 64
SMOL_PREFILL_BATCH, SMOL_PREFILL_LENGTH = 4, 256
SMOL_TRAIN_BATCH, SMOL_TRAIN_LENGTH = 4, 128
SMOL_FIRST_TOKEN, SMOL_LR = 1000, 1e-4
SMOL_DEFAULT_MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                  "data", "smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")


class SmolLM2Workload:
    """SmolLM2-135M-Instruct from a GGUF file, as transformers loads it: dequantized to float32
    (AutoModelForCausalLM.from_pretrained(dir, gguf_file=name, dtype=torch.float32)), default
    settings. kind: "generate", "prefill", "lora" or "full". Mirrors SmolLM2Workload.swift; the
    *_quantized / qlora workloads of the Swift side run here on the same float32 model (what a
    PyTorch CPU user runs: bitsandbytes' 4-bit layers need a GPU)."""

    def __init__(self, kind, path, seed=0, checkpointing=False):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TQDM_DISABLE", "1")  # the GGUF conversion's progress bar
        from transformers import AutoModelForCausalLM
        from transformers.utils import logging as transformers_logging
        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
        torch.manual_seed(seed)
        folder, name = os.path.split(os.path.abspath(path))
        self.kind = kind
        self.model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
        vocabulary = self.model.config.vocab_size
        self.optimizer = None
        self.warmup = 1 if kind == "generate" else 2
        self.prefill_seconds, self.decode_rates, self.step_seconds = [], [], []

        def ids(batch, length):
            span = vocabulary - SMOL_FIRST_TOKEN
            values = [SMOL_FIRST_TOKEN + v % span for v in splitmix64(seed + 1, batch * length)]
            return torch.tensor(values, dtype=torch.long).view(batch, length)

        if kind == "generate":
            self.model.eval()
            self.ids = ids(1, SMOL_PROMPT)
            return
        if kind == "prefill":
            self.model.eval()
            self.ids = ids(SMOL_PREFILL_BATCH, SMOL_PREFILL_LENGTH)
            return
        tokens = ids(SMOL_TRAIN_BATCH, SMOL_TRAIN_LENGTH + 1)
        self.inputs, self.targets = tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()
        if checkpointing:
            # What PEFT's prepare_model_for_kbit_training turns on for QLoRA; the non-reentrant
            # variant needs no input that requires grad.
            self.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if kind == "lora":
            from peft import LoraConfig, get_peft_model
            config = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"],
                                bias="none", task_type="CAUSAL_LM")
            self.model = get_peft_model(self.model, config)
        self.model.train()
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(trainable, lr=SMOL_LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)

    def parameter_counts(self):
        params = list(self.model.parameters())  # the tied embedding once
        return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)

    def loss(self):
        logits = self.model(input_ids=self.inputs).logits
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), self.targets.reshape(-1))

    def generate(self):
        """Greedy generation; a streamer stamps the time of each new token."""
        stamps = []

        class Stamps:
            def put(self, value):
                stamps.append(time.perf_counter())

            def end(self):
                pass

        with torch.no_grad():
            start = time.perf_counter()
            out = self.model.generate(self.ids, max_new_tokens=SMOL_NEW, min_new_tokens=SMOL_NEW, do_sample=False,
                                      attention_mask=torch.ones_like(self.ids), pad_token_id=0, streamer=Stamps())
        new = out[0, self.ids.shape[1]:]
        stamps = stamps[1:]  # the first put is the prompt
        self.prefill_seconds.append(stamps[0] - start)
        self.decode_rates.append((len(new) - 1) / (stamps[-1] - stamps[0]))
        return float(new.sum())

    def prefill(self):
        with torch.no_grad():
            start = time.perf_counter()
            logits = self.model(input_ids=self.ids, use_cache=True).logits
            self.step_seconds.append(time.perf_counter() - start)
            return logits[:, -1].mean().item()

    def step(self):
        if self.kind == "generate":
            return self.generate()
        if self.kind == "prefill":
            return self.prefill()
        return GPTWorkload.step(self)

    def reset_times(self):
        self.prefill_seconds, self.decode_rates, self.step_seconds = [], [], []

    def reported_fields(self):
        if self.kind == "generate":
            prefill = statistics.median(self.prefill_seconds)
            return {"decode_tokens_per_s": round(statistics.median(self.decode_rates), 3),
                    "prefill_ms": round(prefill * 1e3, 3), "prefill_tokens_per_s": round(SMOL_PROMPT / prefill, 3)}
        if self.kind == "prefill":
            seconds = statistics.median(self.step_seconds)
            return {"prefill_tokens_per_s": round(SMOL_PREFILL_BATCH * SMOL_PREFILL_LENGTH / seconds, 3),
                    "ms_per_batch": round(seconds * 1e3, 3)}
        return None

    def profiled_step(self):
        if self.optimizer is None:
            t0 = time.perf_counter()
            self.step()
            t1 = time.perf_counter()
            rss = resident_mib()
            return {"forward_ms": (t1 - t0) * 1e3, "backward_ms": 0.0, "optimizer_ms": 0.0,
                    "rss_after_forward_mb": rss, "rss_after_backward_mb": rss, "rss_after_optimizer_mb": rss}
        return GPTWorkload.profiled_step(self)


def smollm2_file(args):
    path = args.model or SMOL_DEFAULT_MODEL
    if not os.path.isfile(path):
        sys.exit("torch_bench: workload '%s' needs --model FILE.gguf (default %s)" % (args.workload, SMOL_DEFAULT_MODEL))
    return path


def resident_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def needs_model(args):
    if not args.model:
        sys.exit("torch_bench: workload '%s' needs --model DIR (a sentence-transformers MiniLM directory)" % args.workload)
    return args.model


# Same names as WorkloadCatalog in Benchmarks/Sources/Workloads/Workload.swift.
WORKLOADS = {
    "gpt_full": lambda args: GPTWorkload(seed=args.seed),
    "gpt_partial": lambda args: GPTWorkload(frozen_blocks=2, seed=args.seed),
    "gpt_lora": lambda args: GPTWorkload(lora=True, seed=args.seed),
    "minilm_embed": lambda args: MiniLMWorkload("embed", needs_model(args), seed=args.seed),
    "minilm_embed_real": lambda args: MiniLMEmbedRealWorkload(needs_model(args), seed=args.seed),
    "minilm_lora_step": lambda args: MiniLMWorkload("lora", needs_model(args), seed=args.seed),
    "minilm_full_step": lambda args: MiniLMWorkload("full", needs_model(args), seed=args.seed),
    # The Swift side's *_quantized and qlora workloads keep the projections in their GGUF blocks;
    # here they are the same float32 runs (PyTorch on a CPU has no 4-bit training or inference).
    "smollm2_generate": lambda args: SmolLM2Workload("generate", smollm2_file(args), seed=args.seed),
    "smollm2_generate_quantized": lambda args: SmolLM2Workload("generate", smollm2_file(args), seed=args.seed),
    "smollm2_prefill": lambda args: SmolLM2Workload("prefill", smollm2_file(args), seed=args.seed),
    "smollm2_prefill_quantized": lambda args: SmolLM2Workload("prefill", smollm2_file(args), seed=args.seed),
    "smollm2_lora_step": lambda args: SmolLM2Workload("lora", smollm2_file(args), seed=args.seed,
                                                      checkpointing=args.gradient_checkpointing),
    "smollm2_qlora_step": lambda args: SmolLM2Workload("lora", smollm2_file(args), seed=args.seed,
                                                       checkpointing=args.gradient_checkpointing),
    "smollm2_full_step": lambda args: SmolLM2Workload("full", smollm2_file(args), seed=args.seed,
                                                      checkpointing=args.gradient_checkpointing),
}

# The workloads --gradient-checkpointing applies to (training steps of a transformers model).
CHECKPOINTING_WORKLOADS = ["smollm2_lora_step", "smollm2_qlora_step", "smollm2_full_step"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", required=True)
    parser.add_argument("--steps", type=int, default=10, help="timed steps after %d warm-up steps" % WARMUP)
    parser.add_argument("--model", help="model directory (minilm_* workloads) or GGUF file (smollm2_*, default %s)"
                        % SMOL_DEFAULT_MODEL)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--phases", action="store_true",
                        help="also time forward/backward/optimizer separately; one JSON line on stderr")
    parser.add_argument("--gradient-checkpointing", action="store_true",
                        help="recompute each decoder layer in the backward (smollm2_*_step workloads)")
    args = parser.parse_args()
    if args.workload not in WORKLOADS:
        sys.exit("torch_bench: unknown workload '%s'; known: %s" % (args.workload, ", ".join(WORKLOADS)))
    if args.gradient_checkpointing and args.workload not in CHECKPOINTING_WORKLOADS:
        sys.exit("torch_bench: --gradient-checkpointing applies to %s, not '%s'"
                 % (", ".join(CHECKPOINTING_WORKLOADS), args.workload))
    torch.set_num_threads(args.threads)
    job = WORKLOADS[args.workload](args)
    setup_rss = resident_mib()
    loss = first_loss = 0.0
    for index in range(getattr(job, "warmup", WARMUP)):
        loss = job.step()
        if index == 0:
            first_loss = loss
    if hasattr(job, "reset_times"):
        job.reset_times()
    times, cpu_times = [], []
    for _ in range(args.steps):
        start, cpu_start = time.perf_counter(), time.process_time()
        loss = job.step()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    trainable, total = job.parameter_counts()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    median = statistics.median(times)
    result = {"workload": args.workload}
    sequences = getattr(job, "sequences_per_step", None)
    reported = job.reported_fields() if hasattr(job, "reported_fields") else None
    if reported:
        result.update(reported)
    elif sequences:
        # Inference: a step is one batch.
        result.update(sentences_per_s=round(sequences / median, 2), ms_per_batch=round(median * 1e3, 3))
    else:
        result["ms_per_step"] = round(median * 1e3, 3)
    result.update(peak_rss_mb=round(peak_rss_mb, 1), trainable=trainable, total=total, loss=round(loss, 6),
                  first_loss=round(first_loss, 6), cpu_ms=round(statistics.median(cpu_times) * 1e3, 3))
    if args.gradient_checkpointing:
        result["gradient_checkpointing"] = True
    print(json.dumps(result))
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
