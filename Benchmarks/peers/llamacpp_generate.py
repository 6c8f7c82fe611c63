"""llama.cpp peer of `generate` on SmolLM2-135M-Instruct: the same Q4_1 GGUF run by llama.cpp
(through the llama-cpp-python binding, which builds llama.cpp from source for this CPU), greedy,
2 threads, the same prompt as smollm2_generate.py.

    .venv-peer/bin/pip install llama-cpp-python      # compiles llama.cpp (several minutes)
    .venv-peer/bin/python Benchmarks/peers/llamacpp_generate.py data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

Prints one JSON line with the keys of smollm2_generate.py: prompt_tokens, new_tokens,
prefill_tokens_per_s (the prompt's evaluation), decode_tokens_per_s (from llama.cpp's own
counters: the new tokens after the first), peak_rss_mb, threads.
"""
import json
import resource
import sys

import llama_cpp
from llama_cpp import Llama

TEXT = ("In a small village at the foot of the mountains, there lived an old clockmaker who spent his days "
        "repairing watches for the townspeople. ")


def main():
    path = sys.argv[1]
    prompt_tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    new_tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    llm = Llama(model_path=path, n_ctx=1024, n_batch=512, n_threads=threads, n_threads_batch=threads,
                verbose=False, seed=0)
    ids = llm.tokenize((TEXT * 20).encode(), add_bos=False)[:prompt_tokens]
    llm.eval(ids[:8])  # warm-up
    llm.reset()
    ctx = llm._ctx.ctx
    llama_cpp.llama_perf_context_reset(ctx)
    produced = 0
    for token in llm.generate(ids, top_k=1, temp=0.0, repeat_penalty=1.0, reset=True):
        produced += 1
        if produced == new_tokens:
            break
    perf = llama_cpp.llama_perf_context(ctx)
    print(json.dumps({"prompt_tokens": len(ids), "new_tokens": produced,
                      "prefill_tokens_per_s": round(perf.n_p_eval / (perf.t_p_eval_ms / 1000), 1),
                      "decode_tokens_per_s": round(perf.n_eval / (perf.t_eval_ms / 1000), 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "threads": threads}))


if __name__ == "__main__":
    main()
