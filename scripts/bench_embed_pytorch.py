"""Sentence-embedding throughput of PyTorch + transformers for all-MiniLM-L6-v2, the reference for
the Swift `embed-benchmark` (same inputs, same recipe: tokenize with truncation and padding, run the
encoder, mean-pool over the mask, L2-normalise).

Usage: python scripts/bench_embed_pytorch.py MODEL_DIR SENTENCES_FILE [batch 32] [max-length 64]
                                             [repeats 3] [threads 2]
Also: python scripts/bench_embed_pytorch.py --make-sentences FILE [count 512]
      writes deterministic sentences that are all longer than 64 tokens (so every batch is full).
"""
import random
import sys
import time


def make_sentences(path, count):
    words = ("the model learns small adapter weights while the base stays frozen and the optimizer "
             "updates only those tokens so fine tuning is cheap and fast on a laptop with two cores "
             "every sentence here is long enough to fill sixty four tokens after truncation").split()
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(count):
            f.write(" ".join(rng.choice(words) for _ in range(80)).capitalize() + ".\n")


def main():
    if sys.argv[1] == "--make-sentences":
        make_sentences(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 512)
        return
    import torch
    from transformers import AutoModel, AutoTokenizer

    model_dir, path = sys.argv[1], sys.argv[2]
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    max_length = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    threads = int(sys.argv[6]) if len(sys.argv) > 6 else 2
    torch.set_num_threads(threads)
    texts = open(path, encoding="utf-8").read().splitlines()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir, dtype=torch.float32).eval()

    def embed(chunk):
        enc = tokenizer(chunk, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        hidden = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2, dim=1)

    with torch.inference_mode():
        embed(texts[:batch])  # warm-up
        best = best_cpu = 0.0
        for run in range(repeats):
            start, cpu_start = time.perf_counter(), time.process_time()
            for i in range(0, len(texts), batch):
                embed(texts[i:i + batch])
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            best, best_cpu = max(best, len(texts) / seconds), max(best_cpu, len(texts) / cpu)
            print(f"pytorch run {run}: {len(texts)} sentences in {seconds:.3f} s = {len(texts) / seconds:.1f} "
                  f"sentences/s ({len(texts) / cpu:.1f} per CPU-second)")
    print(f"pytorch best: {best:.1f} sentences/s, {best_cpu:.1f} per CPU-second (batch {batch}, "
          f"max length {max_length}, {threads} threads, torch {torch.__version__})")


if __name__ == "__main__":
    main()
