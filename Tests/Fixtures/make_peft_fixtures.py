"""Hugging Face PEFT adapters on a tiny BertModel, for the Swift adapter loader/saver.

Run with PYTHONPATH=<dir with peft> /work/main/.venv-peer/bin/python (torch, transformers,
safetensors, peft). Builds a random 2-layer BERT in float64 (no download), attaches

  * a LoRA adapter  (r=4, alpha=8, targets query/value/intermediate.dense), and
  * a DoRA adapter  (r=2, alpha=4, rsLoRA, targets key/output.dense, layers_to_transform=[1],
    bias="lora_only", modules_to_save=["pooler"]),

gives every factor non-zero random values (PEFT starts B at zero), and writes

  peft_tiny_bert_adapter/   save_pretrained of the LoRA adapter (adapter_config.json + safetensors)
  peft_tiny_bert_dora/      save_pretrained of the DoRA adapter
  peft_tiny_bert_ia3/       save_pretrained of the IA³ adapter described below
  peft_tiny_bert.safetensors
      base parameters under the Swift names (the mapping of make_encoder_fixtures.py),
      input.ids / input.types / input.mask, and the model outputs
      output.base.hidden, output.lora.hidden, output.dora.hidden, output.dora.pooled;
      IA³ on keys, values and the feed-forward down projections (PEFT IA3Config with those
      targets, the down projections as feedforward_modules) with random vectors, stored under the
      Swift adapter names (`layers.N.attention.key.adapters.default.scaling`, ...), and
      output.ia3.hidden; prompt tuning (FEATURE_EXTRACTION, 3 virtual tokens, random) with
      `prompt.weight` and output.prompt.hidden ([B, 3 + L, D], no token types).

Also a LoRA adapter (r=4, alpha=8, target c_attn, so fan_in_fan_out=True) on the tiny GPT-2
of make_hf_decoder_fixtures.py (its weights read back from hf_gpt2.safetensors):
  peft_tiny_gpt2_adapter/   and   peft_tiny_gpt2.safetensors (output.lora.logits for input.ids
  of hf_gpt2.safetensors).

PiSSA and OLoRA initialisations (r=2, alpha=4, on the query projections, float32 as PEFT
requires): `<init>.layers.N.attention.query.weight` (the residual PEFT leaves in the base) and
`<init>.layers.N.attention.query.delta` (scale·B·A), in peft_tiny_bert.safetensors.

`--check DIR` instead loads an adapter folder written by Swift (FineTuningTests write one when
PEFT_EXPORT_DIR is set) into PEFT on the same base and compares its hidden states with
DIR/expected.safetensors (Swift's own outputs); it prints the largest difference.

`--check-classifier DIR` loads a folder written by Swift's `SequenceClassifier.saveHuggingFaceAdapter`
(FineTuningTests write one to $PEFT_EXPORT_DIR/classifier) the way a transformers user would:
`BertForSequenceClassification` on the same base (its own random head), then
`PeftModel.from_pretrained`, which must load the adapter and the trained head (`classifier`, a
module to save); compares the logits with DIR/expected.safetensors (Swift's, `[CLS]` through the
pooler as transformers pools).
"""
import os
import sys
import torch
from safetensors.torch import save_file, load_file
from transformers import BertConfig, BertModel
from peft import IA3Config, LoraConfig, PeftModel, PromptTuningConfig, get_peft_model

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.dirname(os.path.abspath(__file__))


def to_swift(name):
    import re
    rules = [
        (r"^embeddings\.word_embeddings\.", "embeddings.wordEmbeddings."),
        (r"^embeddings\.position_embeddings\.", "embeddings.positionEmbeddings."),
        (r"^embeddings\.token_type_embeddings\.", "embeddings.tokenTypeEmbeddings."),
        (r"^embeddings\.LayerNorm\.", "embeddings.norm."),
        (r"^encoder\.layer\.(\d+)\.attention\.self\.(query|key|value)\.", r"layers.\1.attention.\2."),
        (r"^encoder\.layer\.(\d+)\.attention\.output\.dense\.", r"layers.\1.attention.output."),
        (r"^encoder\.layer\.(\d+)\.attention\.output\.LayerNorm\.", r"layers.\1.attentionNorm."),
        (r"^encoder\.layer\.(\d+)\.intermediate\.dense\.", r"layers.\1.feedForward.up."),
        (r"^encoder\.layer\.(\d+)\.output\.dense\.", r"layers.\1.feedForward.down."),
        (r"^encoder\.layer\.(\d+)\.output\.LayerNorm\.", r"layers.\1.feedForwardNorm."),
        (r"^pooler\.dense\.", "pooler."),
    ]
    for pattern, replacement in rules:
        if re.match(pattern, name):
            return re.sub(pattern, replacement, name)
    raise KeyError(name)


def base_model():
    torch.manual_seed(11)
    config = BertConfig(vocab_size=30, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=32, max_position_embeddings=12, type_vocab_size=2,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, hidden_act="gelu",
                        layer_norm_eps=1e-12)
    model = BertModel(config).double().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn_like(p) * (0.3 if "LayerNorm" not in name else 0.1)
                    + (1.0 if name.endswith("LayerNorm.weight") else 0.0))
    return model


ids = torch.tensor([[1, 5, 6, 7, 2, 0, 0], [1, 9, 8, 9, 8, 3, 2]])
types = torch.tensor([[0, 0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1, 1]])
mask = torch.tensor([[1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1]])


def run(model):
    with torch.no_grad():
        out = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
    return out.last_hidden_state.contiguous(), out.pooler_output.contiguous()


def randomize(peft_model, seed):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_" in name:
                p.add_(torch.randn(p.shape, generator=generator, dtype=p.dtype) * 0.3)


def tidy(folder):
    """Drops the generated model card and sorts target_modules (PEFT writes a set, in any order),
    so that re-running the script leaves the committed files unchanged."""
    import json
    os.remove(os.path.join(folder, "README.md"))
    path = os.path.join(folder, "adapter_config.json")
    with open(path) as f:
        config = json.load(f)
    if isinstance(config.get("target_modules"), list):
        config["target_modules"] = sorted(config["target_modules"])
    with open(path, "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)


def check(folder):
    model = base_model()
    peft = PeftModel.from_pretrained(model, folder).eval()
    hidden, _ = run(peft)
    expected = load_file(os.path.join(folder, "expected.safetensors"))["output.hidden"]
    diff = (hidden - expected.to(hidden.dtype)).abs().max().item()
    print(f"{folder}: PEFT vs Swift max |diff| = {diff:.3e}")
    return diff


def check_classifier(folder):
    from transformers import BertForSequenceClassification
    expected = load_file(os.path.join(folder, "expected.safetensors"))["output.logits"]
    base = base_model()
    config = base.config
    config.num_labels = expected.shape[1]
    model = BertForSequenceClassification(config).double().eval()
    missing, _ = model.load_state_dict({"bert." + k: v for k, v in base.state_dict().items()}, strict=False)
    assert sorted(missing) == ["classifier.bias", "classifier.weight"], missing
    peft = PeftModel.from_pretrained(model, folder).eval()
    with torch.no_grad():
        logits = peft(input_ids=ids, token_type_ids=types, attention_mask=mask).logits
    diff = (logits - expected.to(logits.dtype)).abs().max().item()
    print(f"{folder}: PEFT BertForSequenceClassification vs Swift SequenceClassifier max |diff| = {diff:.3e}")
    return diff


def gpt2_adapter():
    import re
    from transformers import GPT2Config, GPT2LMHeadModel
    swift = load_file(os.path.join(HERE, "hf_gpt2.safetensors"))
    model = GPT2LMHeadModel(GPT2Config(vocab_size=32, n_positions=16, n_embd=16, n_layer=2, n_head=4, n_inner=48,
                                       activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0,
                                       attn_pdrop=0.0, layer_norm_epsilon=1e-5, tie_word_embeddings=True)).double().eval()
    rules = [(r"^tokenEmbedding\.", "transformer.wte."), (r"^positionEmbedding\.", "transformer.wpe."),
             (r"^layers\.(\d+)\.attentionNorm\.", r"transformer.h.\1.ln_1."),
             (r"^layers\.(\d+)\.attention\.qkv\.", r"transformer.h.\1.attn.c_attn."),
             (r"^layers\.(\d+)\.attention\.output\.", r"transformer.h.\1.attn.c_proj."),
             (r"^layers\.(\d+)\.feedForwardNorm\.", r"transformer.h.\1.ln_2."),
             (r"^layers\.(\d+)\.feedForward\.up\.", r"transformer.h.\1.mlp.c_fc."),
             (r"^layers\.(\d+)\.feedForward\.down\.", r"transformer.h.\1.mlp.c_proj."),
             (r"^finalNorm\.", "transformer.ln_f.")]
    state = {}
    for name, value in swift.items():
        if name.startswith(("grad.", "input.", "output.")):
            continue
        for pattern, replacement in rules:
            if re.match(pattern, name):
                hf = re.sub(pattern, replacement, name)
                conv = re.search(r"\.(c_attn|c_proj|c_fc)\.weight$", hf)
                state[hf] = value.t().contiguous() if conv else value
                break
        else:
            raise KeyError(name)
    state["lm_head.weight"] = state["transformer.wte.weight"]
    model.load_state_dict(state, strict=False)
    lora = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["c_attn"], fan_in_fan_out=True))
    randomize(lora, 4)
    lora.eval()
    with torch.no_grad():
        logits = lora(input_ids=swift["input.ids"]).logits.contiguous()
    lora.save_pretrained(os.path.join(HERE, "peft_tiny_gpt2_adapter"))
    tidy(os.path.join(HERE, "peft_tiny_gpt2_adapter"))
    save_file({"output.lora.logits": logits}, os.path.join(HERE, "peft_tiny_gpt2.safetensors"))
    print("gpt2 lora changes logits by", (logits - swift["output.logits"]).abs().max().item())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(0 if check(sys.argv[2]) < 1e-5 else 1)
    if len(sys.argv) == 3 and sys.argv[1] == "--check-classifier":
        sys.exit(0 if check_classifier(sys.argv[2]) < 1e-5 else 1)

    model = base_model()
    tensors = {to_swift(n): p.detach().contiguous() for n, p in model.named_parameters()}
    base_hidden, _ = run(model)

    lora = get_peft_model(base_model(), LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0,
                                                   target_modules=["query", "value", "intermediate.dense"]))
    randomize(lora, 1)
    lora.eval()
    lora_hidden, _ = run(lora)
    lora.save_pretrained(os.path.join(HERE, "peft_tiny_bert_adapter"))
    tidy(os.path.join(HERE, "peft_tiny_bert_adapter"))

    dora = get_peft_model(base_model(), LoraConfig(r=2, lora_alpha=4, lora_dropout=0.0, use_dora=True, use_rslora=True,
                                                   target_modules=["key", "output.dense"], layers_to_transform=[1],
                                                   bias="lora_only", modules_to_save=["pooler"]))
    randomize(dora, 2)
    with torch.no_grad():
        for name, p in dora.named_parameters():
            if p.requires_grad and "lora_" not in name:
                p.add_(torch.randn_like(p) * 0.1)   # trained biases and pooler copy
    dora.eval()
    dora_hidden, dora_pooled = run(dora)
    dora.save_pretrained(os.path.join(HERE, "peft_tiny_bert_dora"))
    tidy(os.path.join(HERE, "peft_tiny_bert_dora"))

    ia3 = get_peft_model(base_model(), IA3Config(target_modules=["key", "value", "layer.0.output.dense", "layer.1.output.dense"],
                                                 feedforward_modules=["layer.0.output.dense", "layer.1.output.dense"]))
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for name, p in ia3.named_parameters():
            if "ia3_l" in name:
                p.copy_(1 + torch.randn(p.shape, generator=generator, dtype=p.dtype) * 0.3)
                module = name.removeprefix("base_model.model.").removesuffix(".ia3_l.default")
                tensors[to_swift(module + ".weight").removesuffix(".weight") + ".adapters.default.scaling"] = p.detach().flatten().clone()
    ia3.eval()
    ia3_hidden, _ = run(ia3)
    ia3.save_pretrained(os.path.join(HERE, "peft_tiny_bert_ia3"))
    tidy(os.path.join(HERE, "peft_tiny_bert_ia3"))

    prompt = get_peft_model(base_model(), PromptTuningConfig(task_type="FEATURE_EXTRACTION", num_virtual_tokens=3))
    with torch.no_grad():
        embedding = prompt.prompt_encoder["default"].embedding.weight
        embedding.copy_(torch.randn(embedding.shape, generator=generator, dtype=embedding.dtype) * 0.5)
        prompt_hidden = prompt(input_ids=ids, attention_mask=mask).last_hidden_state.contiguous()
    tensors["prompt.weight"] = embedding.detach().clone().double()

    gpt2_adapter()

    for init in ["pissa", "olora"]:
        model32 = base_model().float()
        peft32 = get_peft_model(model32, LoraConfig(r=2, lora_alpha=4, target_modules=["query"], init_lora_weights=init))
        for n in range(2):
            layer = peft32.base_model.model.encoder.layer[n].attention.self.query
            delta = layer.lora_B["default"].weight @ layer.lora_A["default"].weight * layer.scaling["default"]
            tensors[f"{init}.layers.{n}.attention.query.weight"] = layer.base_layer.weight.detach().double().contiguous()
            tensors[f"{init}.layers.{n}.attention.query.delta"] = delta.detach().double().contiguous()

    tensors.update({
        "output.ia3.hidden": ia3_hidden, "output.prompt.hidden": prompt_hidden,
        "input.ids": ids, "input.types": types, "input.mask": mask,
        "output.base.hidden": base_hidden, "output.lora.hidden": lora_hidden,
        "output.dora.hidden": dora_hidden, "output.dora.pooled": dora_pooled,
    })
    save_file(tensors, os.path.join(HERE, "peft_tiny_bert.safetensors"))
    print("lora changes hidden by", (lora_hidden - base_hidden).abs().max().item(),
          "dora by", (dora_hidden - base_hidden).abs().max().item())
