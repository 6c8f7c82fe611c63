"""PyTorch peer of `finetune-llm --task trec-json --strategy lora`: Hugging Face PEFT LoRA on
SmolLM2-135M-Instruct (transformers loads the same GGUF, dequantized to float32), trained and scored
on exactly the data and metrics our Swift run uses, so "our LoRA at the same budget matches PEFT's"
is a measured statement (issue 15).

    .venv-peer/bin/python Benchmarks/peers/peft_trec_json.py --data DIR [--steps 150 --batch-size 8]

Mirrors ours: LoRA r 8, alpha 16, no dropout on q_proj/v_proj; AdamW (weight decay 0), lr 2e-4 with
max(1, steps // 10) linear warm-up steps from 0, then linear decay to 0 (Hugging Face's linear
schedule); grad-norm clipping at 1; seeded shuffle; loss only on the assistant turn (the chat-templated prompt is masked;
the trained tokens are the assistant content plus `<|im_end|>\\n`), mean over the batch's trained
tokens, right padding. Test: the first --test-limit test questions, greedy decoding (24 new tokens,
stop at `<|im_end|>`), a reply counts as valid JSON when it is an object with exactly the string keys
"category" and "subcategory". Prints one JSON object (also written to --output).
"""
import argparse
import json
import os
import random
import resource
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line)["messages"] for line in f if line.strip()]


def template(tok, messages, prompt_only):
    return tok.apply_chat_template(messages, add_generation_prompt=prompt_only, tokenize=True, return_dict=False)


def encode_example(tok, messages):
    """Token ids of the whole conversation and labels with the prompt prefix masked (-100)."""
    prompt = template(tok, messages[:-1], True)
    full = template(tok, messages, False)
    assert full[:len(prompt)] == prompt, "the chat template's prompt is not a prefix of the conversation"
    return full, [-100] * len(prompt) + full[len(prompt):]


def collate(examples, pad_id):
    width = max(len(ids) for ids, _ in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), -100, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, (tokens, targets) in enumerate(examples):
        ids[row, :len(tokens)] = torch.tensor(tokens)
        labels[row, :len(targets)] = torch.tensor(targets)
        mask[row, :len(tokens)] = 1
    return ids, labels, mask


def batch_loss(model, ids, labels, mask):
    """Mean cross-entropy over all trained tokens of the batch (labels shifted by one)."""
    logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
    targets = labels[:, 1:]
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                             ignore_index=-100, reduction="mean")


def learning_rate(step, steps, peak):
    """Linear warm-up from 0 over max(1, steps // 10) steps, then linear decay towards 0 at `steps`
    (Hugging Face's `get_linear_schedule_with_warmup`, as our trainer's `.linear` decay)."""
    warmup = max(1, steps // 10)
    if step < warmup:
        return peak * step / warmup
    return peak * (steps - step) / max(1, steps - warmup)


def train(model, tok, train_set, args):
    rng = random.Random(args.seed)
    order = []
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.learning_rate, weight_decay=0.0)
    pad_id = tok.eos_token_id
    model.train()
    start = time.perf_counter()
    for step in range(args.steps):
        if len(order) < args.batch_size:
            epoch = list(range(len(train_set)))
            rng.shuffle(epoch)
            order += epoch
        chosen, order = order[:args.batch_size], order[args.batch_size:]
        ids, labels, mask = collate([train_set[i] for i in chosen], pad_id)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args.steps, args.learning_rate)
        loss = batch_loss(model, ids, labels, mask)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        if step % 10 == 0 or step == args.steps - 1:
            print(f"step {step + 1}/{args.steps} loss {loss.item():.4f} "
                  f"{time.perf_counter() - start:.1f}s", flush=True)
    return time.perf_counter() - start


def parse_reply(text):
    """The reply as a (category, subcategory) pair, or None unless it is exactly that JSON object."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or set(value) != {"category", "subcategory"}:
        return None
    if not all(isinstance(v, str) for v in value.values()):
        return None
    return value["category"], value["subcategory"]


def evaluate(model, tok, test_set, batch_size=32):
    model.eval()
    tok.padding_side = "left"
    valid = category = both = 0
    examples = []
    for first in range(0, len(test_set), batch_size):
        chunk = test_set[first:first + batch_size]
        prompts = [template(tok, messages[:-1], True) for messages in chunk]
        width = max(len(p) for p in prompts)
        ids = torch.tensor([[tok.eos_token_id] * (width - len(p)) + p for p in prompts])
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
        with torch.no_grad():
            out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=24, do_sample=False,
                                 eos_token_id=tok.eos_token_id, pad_token_id=tok.eos_token_id)
        for messages, row in zip(chunk, out[:, width:]):
            reply = tok.decode(row, skip_special_tokens=True).strip()
            expected = parse_reply(messages[-1]["content"])
            got = parse_reply(reply)
            valid += got is not None
            category += got is not None and got[0] == expected[0]
            both += got is not None and got == expected
            if len(examples) < 3:
                examples.append({"question": messages[1]["content"], "expected": messages[-1]["content"],
                                 "output": reply})
    n = len(test_set)
    return {"test_count": n, "json_valid": valid / n, "category_accuracy": category / n,
            "subcategory_accuracy": both / n, "examples": examples}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="folder with train.jsonl and test.jsonl (chat format)")
    parser.add_argument("--model", default="data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--test-limit", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", help="also write the result JSON here")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    folder, name = os.path.split(os.path.abspath(args.model))
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    config = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"],
                        task_type="CAUSAL_LM")
    model = get_peft_model(model, config)

    train_set = [encode_example(tok, m) for m in read_jsonl(os.path.join(args.data, "train.jsonl"))]
    test_set = read_jsonl(os.path.join(args.data, "test.jsonl"))[:args.test_limit]
    train_seconds = train(model, tok, train_set, args)
    result = {"steps": args.steps, "batch_size": args.batch_size, "learning_rate": args.learning_rate,
              "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
              "train_seconds": round(train_seconds, 2), "ms_per_step": round(1000 * train_seconds / args.steps, 1)}
    start = time.perf_counter()
    result.update(evaluate(model, tok, test_set))
    result["test_seconds"] = round(time.perf_counter() - start, 2)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
