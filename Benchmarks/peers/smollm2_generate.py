"""PyTorch peer of `generate` on SmolLM2-135M-Instruct: transformers loads the same GGUF
(dequantized to float32) and runs greedy decoding with its KV cache, PyTorch's default threading.

    .venv-peer/bin/python Benchmarks/peers/smollm2_generate.py data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

Prints one JSON line: prompt_tokens, new_tokens, prefill_tokens_per_s (the prompt's forward),
decode_tokens_per_s (the new tokens after the first), peak_rss_mb. The prompt is the fixed text
below repeated to 128 tokens; 64 new tokens, batch 1, eos ignored (min_new_tokens).
"""
import json
import os
import resource
import sys
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

TEXT = ("In a small village at the foot of the mountains, there lived an old clockmaker who spent his days "
        "repairing watches for the townspeople. ")


def main():
    path = sys.argv[1]
    prompt_tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    new_tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    folder, name = os.path.split(os.path.abspath(path))
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()
    ids = tok(TEXT * 20, return_tensors="pt").input_ids[:, :prompt_tokens]
    with torch.no_grad():
        model(ids[:, :8])  # warm-up
        start = time.perf_counter()
        model(ids)
        prefill = time.perf_counter() - start
        start = time.perf_counter()
        out = model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                             attention_mask=torch.ones_like(ids), pad_token_id=tok.pad_token_id)
        total = time.perf_counter() - start
    produced = out.shape[1] - ids.shape[1]
    decode = (produced - 1) / max(total - prefill, 1e-9)
    print(json.dumps({"prompt_tokens": ids.shape[1], "new_tokens": produced,
                      "prefill_tokens_per_s": round(ids.shape[1] / prefill, 1), "decode_tokens_per_s": round(decode, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
