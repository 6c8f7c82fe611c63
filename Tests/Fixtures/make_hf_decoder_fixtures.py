"""Reference logits, loss and gradients of tiny Hugging Face GPT-2 and LLaMA models, for the Swift `GPT`.

Run with /work/main/.venv-peer/bin/python (torch, transformers, safetensors). Builds random
2-layer models (no download) in float64, renames their parameters to the Swift names with the
mappings documented on `GPT` (written out here as `gpt2_to_swift` / `llama_to_swift`), and writes
hf_gpt2.safetensors and hf_llama.safetensors with: the parameters under Swift names, `input.ids`
and `input.targets` (int64 [B, L]), `output.logits`, `output.loss` ([1], mean cross-entropy of
the logits against the targets) and `grad.<name>` for every parameter.
"""
import os
import re
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
V, P, D, NL, H, FF, B, L = 32, 16, 16, 2, 4, 48, 2, 8


def gpt2_to_swift(name, tensor):
    """GPT-2 stores Conv1D weights as [in, out]; Swift's Linear is [out, in]."""
    rules = [
        (r"^transformer\.wte\.weight$", "tokenEmbedding.weight"),
        (r"^transformer\.wpe\.weight$", "positionEmbedding.weight"),
        (r"^transformer\.h\.(\d+)\.ln_1\.", r"layers.\1.attentionNorm."),
        (r"^transformer\.h\.(\d+)\.attn\.c_attn\.", r"layers.\1.attention.qkv."),
        (r"^transformer\.h\.(\d+)\.attn\.c_proj\.", r"layers.\1.attention.output."),
        (r"^transformer\.h\.(\d+)\.ln_2\.", r"layers.\1.feedForwardNorm."),
        (r"^transformer\.h\.(\d+)\.mlp\.c_fc\.", r"layers.\1.feedForward.up."),
        (r"^transformer\.h\.(\d+)\.mlp\.c_proj\.", r"layers.\1.feedForward.down."),
        (r"^transformer\.ln_f\.", "finalNorm."),
    ]
    for pattern, replacement in rules:
        if re.match(pattern, name):
            conv = re.search(r"\.(c_attn|c_proj|c_fc)\.weight$", name)
            return re.sub(pattern, replacement, name), (tensor.t() if conv else tensor)
    raise KeyError(name)


def llama_to_swift(name, tensor):
    rules = [
        (r"^model\.embed_tokens\.", "tokenEmbedding."),
        (r"^model\.layers\.(\d+)\.self_attn\.q_proj\.", r"layers.\1.attention.query."),
        (r"^model\.layers\.(\d+)\.self_attn\.k_proj\.", r"layers.\1.attention.key."),
        (r"^model\.layers\.(\d+)\.self_attn\.v_proj\.", r"layers.\1.attention.value."),
        (r"^model\.layers\.(\d+)\.self_attn\.o_proj\.", r"layers.\1.attention.output."),
        (r"^model\.layers\.(\d+)\.input_layernorm\.", r"layers.\1.attentionNorm."),
        (r"^model\.layers\.(\d+)\.post_attention_layernorm\.", r"layers.\1.feedForwardNorm."),
        (r"^model\.layers\.(\d+)\.mlp\.(gate|up|down)_proj\.", r"layers.\1.feedForward.\2."),
        (r"^model\.norm\.", "finalNorm."),
        (r"^lm_head\.", "head."),
    ]
    for pattern, replacement in rules:
        if re.match(pattern, name):
            return re.sub(pattern, replacement, name), tensor
    raise KeyError(name)


def export(model, to_swift, filename, seed):
    model = model.double().eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            is_norm_weight = re.search(r"(ln_\d|ln_f|norm|layernorm)\.weight$", name) is not None
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * (0.1 if is_norm_weight else 0.3)
                    + (1.0 if is_norm_weight else 0.0))
    ids = torch.randint(0, V, (B, L), generator=g)
    targets = torch.randint(0, V, (B, L), generator=g)
    logits = model(input_ids=ids).logits
    loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    loss.backward()
    tensors = {}
    for name, p in model.named_parameters():
        swift_name, value = to_swift(name, p.detach())
        _, grad = to_swift(name, p.grad)
        tensors[swift_name] = value.contiguous()
        tensors["grad." + swift_name] = grad.contiguous()
    tensors.update({"input.ids": ids, "input.targets": targets,
                    "output.logits": logits.detach().contiguous(), "output.loss": loss.detach().reshape(1)})
    save_file(tensors, os.path.join(HERE, filename))
    print(filename, "loss", loss.item(), "parameters", sum(p.numel() for p in model.parameters()))


torch.manual_seed(0)
gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=V, n_positions=P, n_embd=D, n_layer=NL, n_head=H, n_inner=FF,
                                  activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0,
                                  attn_pdrop=0.0, layer_norm_epsilon=1e-5, tie_word_embeddings=True))
export(gpt2, gpt2_to_swift, "hf_gpt2.safetensors", 11)
llama = LlamaForCausalLM(LlamaConfig(vocab_size=V, hidden_size=D, intermediate_size=FF, num_hidden_layers=NL,
                                     num_attention_heads=H, num_key_value_heads=2, max_position_embeddings=P,
                                     rms_norm_eps=1e-6, rope_theta=10000.0, attention_bias=False, mlp_bias=False,
                                     tie_word_embeddings=False, hidden_act="silu"))
export(llama, llama_to_swift, "hf_llama.safetensors", 12)
