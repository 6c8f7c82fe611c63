"""Reference outputs of SmolLM2-135M-Instruct (the Q4_1 GGUF that `make llm` fetches) from
Hugging Face transformers, which dequantizes the GGUF to float32 when it loads it.

    .venv-peer/bin/python Tests/Fixtures/make_smollm2_fixtures.py data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

writes Tests/Fixtures/smollm2_reference.json:
  tokenizer: texts → ids (add_special_tokens=True, as `tokenizer(text)`), and the decoded text;
  prompts: raw and chat-templated prompts → input_ids, the five largest logits at the last
           prompt position (ids and values, largest first), logits[0:5] there, and the greedy
           continuation (16 new tokens at most, stopping at eos as `generate` does);
  chat: the rendered chat template for a few conversations.
Needs torch, transformers and gguf (the peer venv); CI never runs it.
"""
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

TEXTS = [
    "Hello",
    "Hello world! How are you?",
    "안녕하세요, 세계! 한국어 텍스트입니다.",
    "Emoji: 😀👍🏽🇫🇷 and 👨‍👩‍👧‍👦 family",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "runs   of    spaces\t\ttabs\n\n\nnewlines \n \t mixed   ",
    "Numbers 1234567 and 3.14159, dates 2026-12-05.",
    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    "Contractions: don't, I'll, we've, they're, it's, I'd, I'm. CAPS Don'T",
    "Ünïcödé àccents, Ελληνικά, русский, العربية, 中文字符, 日本語のテキスト",
    "",
    " leading space and trailing space ",
    "<|endoftext|>special<|im_end|> tokens<file_sep>mixed",
]

RAW_PROMPTS = [
    "Hello",
    "The capital of France is",
    "In a small village at the foot of the mountains, there lived an old clockmaker who spent his days "
    "repairing watches for the townspeople. One morning,",
    "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
]

CHATS = [
    [{"role": "user", "content": "Hello"}],
    [{"role": "user", "content": "What is the capital of Italy? Answer in one word."}],
    [{"role": "system", "content": "You are a classifier. Answer with JSON only."},
     {"role": "user", "content": "Classify the question: What is the capital of Italy ?"}],
    [{"role": "user", "content": "Write a haiku about the sea."},
     {"role": "assistant", "content": "Waves fold into foam,\nsalt wind carries gull voices,\nthe tide keeps its time."},
     {"role": "user", "content": "Now one about mountains."}],
]


def main():
    path = sys.argv[1]
    folder, name = os.path.split(os.path.abspath(path))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "smollm2_reference.json")
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()

    tokenizer_cases = []
    for text in TEXTS:
        ids = tok(text).input_ids
        tokenizer_cases.append({"text": text, "ids": ids, "decoded": tok.decode(ids)})

    def run(kind, text, messages=None):
        ids = tok(text, return_tensors="pt").input_ids
        with torch.no_grad():
            last = model(ids).logits[0, -1]
            top = torch.topk(last, 5)
            out_ids = model.generate(ids, max_new_tokens=16, do_sample=False, attention_mask=torch.ones_like(ids),
                                     pad_token_id=tok.pad_token_id)[0, ids.shape[1]:].tolist()
        case = {"kind": kind, "prompt": text, "input_ids": ids[0].tolist(),
                "top5_ids": top.indices.tolist(), "top5_logits": [float(v) for v in top.values],
                "logits_0_5": [float(v) for v in last[:5]],
                "greedy_ids": out_ids, "greedy_text": tok.decode(out_ids, skip_special_tokens=True)}
        if messages is not None:
            case["messages"] = messages
        return case

    prompts = [run("raw", text) for text in RAW_PROMPTS]
    chat_cases = []
    for messages in CHATS:
        rendered = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        prompts.append(run("chat", rendered, messages))
        chat_cases.append({"messages": messages, "add_generation_prompt": True, "text": rendered})
        chat_cases.append({"messages": messages, "add_generation_prompt": False,
                           "text": tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)})

    reference = {
        "source": f"transformers {__import__('transformers').__version__}, torch {torch.__version__}, "
                  f"AutoModelForCausalLM.from_pretrained(dir, gguf_file='{name}', dtype=float32)",
        "special": {"bos": tok.bos_token_id, "eos": tok.eos_token_id, "pad": tok.pad_token_id,
                    "unk": tok.unk_token_id},
        "chat_template": tok.chat_template,
        "tokenizer": tokenizer_cases,
        "prompts": prompts,
        "chat": chat_cases,
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(reference, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
