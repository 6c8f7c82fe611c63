"""Reference outputs and gradients of a tiny Hugging Face BertModel, for the Swift `Encoder`.

Run with /work/main/.venv-peer/bin/python (torch, transformers, safetensors). Builds a random
2-layer BERT (no download) in float64, renames its parameters to the Swift names (the mapping
documented on `Encoder`, written out here as `to_swift`), and writes tiny_bert.safetensors with:
  the parameters under Swift names, `input.ids`, `input.types`, `input.mask` (int64 [B, L],
  0 = padding), `output.hidden` ([B, L, D] last_hidden_state), `output.pooled` ([B, D]),
  `output.loss` ([1]: sum(hidden * input.weights) over real tokens + sum(pooled)),
  `input.weights` ([B, L, D]) and `grad.<name>` for every parameter.
"""
import os
import re
import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertModel

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(7)
config = BertConfig(vocab_size=30, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=32, max_position_embeddings=12, type_vocab_size=2,
                    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, hidden_act="gelu",
                    layer_norm_eps=1e-12)
model = BertModel(config).double().eval()
with torch.no_grad():
    for name, p in model.named_parameters():
        # Larger than BERT's 0.02 init so that every path matters in the comparison.
        p.copy_(torch.randn_like(p) * (0.3 if "LayerNorm" not in name else 0.1) + (1.0 if name.endswith("LayerNorm.weight") else 0.0))


def to_swift(name):
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


ids = torch.tensor([[1, 5, 6, 7, 2, 0, 0], [1, 9, 8, 9, 8, 3, 2]])
types = torch.tensor([[0, 0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1, 1]])
mask = torch.tensor([[1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1]])
out = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
weights = torch.randn(out.last_hidden_state.shape, dtype=torch.float64)
loss = (out.last_hidden_state * weights * mask[..., None]).sum() + out.pooler_output.sum()
loss.backward()

tensors = {}
for name, p in model.named_parameters():
    tensors[to_swift(name)] = p.detach().contiguous()
    tensors["grad." + to_swift(name)] = p.grad.contiguous()
tensors.update({
    "input.ids": ids, "input.types": types, "input.mask": mask, "input.weights": weights,
    "output.hidden": out.last_hidden_state.detach().contiguous(),
    "output.pooled": out.pooler_output.detach().contiguous(),
    "output.loss": loss.detach().reshape(1),
})
save_file(tensors, os.path.join(HERE, "tiny_bert.safetensors"))
print("tiny_bert.safetensors loss", loss.item(), "parameters", sum(p.numel() for p in model.parameters()))
