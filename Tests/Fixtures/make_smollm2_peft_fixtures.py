"""PEFT adapters on SmolLM2-135M-Instruct (the Q4_1 GGUF that `make llm` fetches), as Hugging Face
transformers loads it (dequantized to float32), for the Swift LLM adapter loader.

    /work/main/.venv-peer/bin/python Tests/Fixtures/make_smollm2_peft_fixtures.py data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

writes

  smollm2_peft_lora/   PEFT LoRA, r 4, alpha 8, q_proj k_proj v_proj o_proj gate_proj,
                       layers_to_transform [0, 15, 29]
  smollm2_peft_dora/   PEFT DoRA, r 4, alpha 8, q_proj k_proj v_proj up_proj, layers_to_transform [28, 29]
  smollm2_peft_reference.json
                       for each adapter and two prompts of 20+ tokens (one raw, one chat-templated,
                       so the query/key row order matters): input_ids, the five largest logits at
                       the last prompt position (ids and values, largest first) and logits[0:5] there.

Both adapters get seeded random lora_B (PEFT starts it at zero, a no-op) and the DoRA magnitudes
are scaled, so each adapter changes the logits. Needs torch, transformers, gguf and peft (the peer
venv); CI never runs it.

By hand, the other directions:

  --check DIR MODEL.gguf      loads an adapter folder written by Swift (FineTuningTests write one,
                              with DIR/expected.json holding Swift's logits, when
                              SMOLLM2_PEFT_EXPORT_DIR is set) into PEFT and compares the logits.
  --check-fused FUSED.gguf ADAPTER_DIR MODEL.gguf
                              loads a GGUF written by `fuse` in transformers and compares its
                              top-5 with PEFT's adapter ADAPTER_DIR on MODEL.gguf.
  --top5 FILE.gguf            prints transformers' top-5 ids and logits on FILE.gguf for the two
                              prompts, one JSON line each, to compare with `generate --json`.
"""
import json
import os
import sys

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))

PROMPTS = [
    ("raw", "In a small village at the foot of the mountains, there lived an old clockmaker who spent his days "
            "repairing watches for the townspeople. One morning,"),
    ("chat", [{"role": "system", "content": "You are a classifier. Answer with JSON only."},
              {"role": "user", "content": "Classify the question: What is the capital of Italy ?"}]),
]

ADAPTERS = [
    ("smollm2_peft_lora", dict(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj"],
                               layers_to_transform=[0, 15, 29]), 1),
    ("smollm2_peft_dora", dict(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "up_proj"],
                               layers_to_transform=[28, 29], use_dora=True), 2),
]


def load(path):
    folder, name = os.path.split(os.path.abspath(path))
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()
    return tok, model


def prompt_ids(tok):
    cases = []
    for kind, prompt in PROMPTS:
        text = prompt if kind == "raw" else tok.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
        cases.append((kind, text, tok(text).input_ids))
    return cases


def last_logits(model, ids):
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0, -1]


def summary(last):
    top = torch.topk(last, 5)
    return {"top5_ids": top.indices.tolist(), "top5_logits": [float(v) for v in top.values],
            "logits_0_5": [float(v) for v in last[:5]]}


def randomize(peft_model, seed):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=generator) * 0.05)
            elif "lora_magnitude_vector" in name:
                p.mul_(1 + 0.1 * torch.randn(p.shape, generator=generator))


def tidy(folder):
    """Drops the model card, sorts target_modules (PEFT writes a set) and names the base model by its
    Hugging Face repository instead of the local folder it was loaded from, so reruns change nothing."""
    readme = os.path.join(folder, "README.md")
    if os.path.exists(readme):
        os.remove(readme)
    path = os.path.join(folder, "adapter_config.json")
    with open(path) as f:
        config = json.load(f)
    config["target_modules"] = sorted(config["target_modules"])
    config["base_model_name_or_path"] = "HuggingFaceTB/SmolLM2-135M-Instruct"
    with open(path, "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)


def make(path):
    tok, base = load(path)
    cases = prompt_ids(tok)
    base_last = [last_logits(base, ids) for _, _, ids in cases]
    reference = {"source": f"transformers {__import__('transformers').__version__}, peft {__import__('peft').__version__}, "
                           f"torch {torch.__version__}, GGUF {os.path.basename(path)} dequantized to float32",
                 "adapters": []}
    for folder, settings, seed in ADAPTERS:
        torch.manual_seed(seed)
        _, model = load(path)
        peft = get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", **settings)).eval()
        randomize(peft, seed)
        out = os.path.join(HERE, folder)
        peft.save_pretrained(out)
        tidy(out)
        prompts = []
        for (kind, text, ids), before in zip(cases, base_last):
            last = last_logits(peft, ids)
            print(f"{folder} {kind}: {len(ids)} tokens, max |Δlogit| from the base {float((last - before).abs().max()):.3f}, "
                  f"top-5 {summary(last)['top5_ids']} (base {summary(before)['top5_ids']})")
            prompts.append({"kind": kind, "prompt": text, "input_ids": ids, **summary(last)})
        reference["adapters"].append({"folder": folder, "prompts": prompts})
    with open(os.path.join(HERE, "smollm2_peft_reference.json"), "w", encoding="utf-8") as f:
        json.dump(reference, f, ensure_ascii=False, indent=1)
        f.write("\n")


def compare(label, last, expected):
    diff = max(abs(float(last[i]) - v) for i, v in zip(expected["top5_ids"] + list(range(5)),
                                                     expected["top5_logits"] + expected["logits_0_5"]))
    same = summary(last)["top5_ids"] == expected["top5_ids"]
    print(f"{label}: top-5 ids {'identical' if same else 'DIFFER'}, max |Δlogit| {diff:.2e}")
    return same, diff


def check(folder, path):
    _, model = load(path)
    peft = PeftModel.from_pretrained(model, folder).eval()
    with open(os.path.join(folder, "expected.json")) as f:
        expected = json.load(f)
    for case in expected["prompts"]:
        compare(f"{folder} {case['kind']} (PEFT vs Swift)", last_logits(peft, case["input_ids"]), case)


def check_fused(fused, adapter, path):
    tok, model = load(path)
    peft = PeftModel.from_pretrained(model, adapter).eval()
    _, merged = load(fused)
    for kind, _, ids in prompt_ids(tok):
        expected = summary(last_logits(peft, ids))
        compare(f"{os.path.basename(fused)} {kind} (transformers on the fused GGUF vs PEFT)", last_logits(merged, ids), expected)


def top5(path):
    tok, model = load(path)
    for kind, text, ids in prompt_ids(tok):
        print(json.dumps({"kind": kind, "prompt": text, **summary(last_logits(model, ids))}))


if __name__ == "__main__":
    if sys.argv[1] == "--top5":
        top5(sys.argv[2])
    elif sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "--check-fused":
        check_fused(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        make(sys.argv[1])
