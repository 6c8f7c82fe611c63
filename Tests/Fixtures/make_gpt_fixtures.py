"""Reference loss and gradients for two tiny decoder-only transformers (llm.c style parity).

Run with /work/main/.venv-peer/bin/python (torch, safetensors). Writes, in float64:
  tiny_gpt.safetensors    GPT-2 style: learned positions, LayerNorm, tanh-GELU MLP, biases, tied head
  tiny_llama.safetensors  LLaMA style: RoPE, RMSNorm, SwiGLU, grouped-query heads (4 q / 2 kv),
                          no biases, untied head
Each file holds the parameters under the Swift `GPT` names, `input.ids` and `input.targets`
(int64 [B, L]; some targets are -100 = ignored), `output.loss` ([1]) and `grad.<name>` for
every parameter. The model is written out functionally here so that it is independent of the
Swift code.
"""
import os
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
V, P, D, NL, H, FF, B, L = 32, 16, 16, 2, 4, 48, 2, 8


def rope(x, base=10000.0):
    hd = x.shape[-1]
    inv = base ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    angles = torch.arange(x.shape[-2], dtype=torch.float64)[:, None] * inv[None, :]
    emb = torch.cat([angles, angles], dim=-1)
    x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
    return x * emb.cos() + torch.cat([-x2, x1], dim=-1) * emb.sin()


def make(llama):
    g = torch.Generator().manual_seed(1234 if llama else 42)
    kv = 2 if llama else H
    hd = D // H
    p = {}

    def w(name, *shape, std=0.2):
        p[name] = torch.randn(*shape, generator=g) * std

    def norm(name):
        p[name + ".weight"] = 1 + 0.1 * torch.randn(D, generator=g)
        if not llama:
            p[name + ".bias"] = 0.1 * torch.randn(D, generator=g)

    def linear(name, i, o, bias):
        w(name + ".weight", o, i)
        if bias:
            w(name + ".bias", o, std=0.1)

    w("tokenEmbedding.weight", V, D, std=0.5)
    if not llama:
        w("positionEmbedding.weight", P, D, std=0.5)
    for n in range(NL):
        pre = f"layers.{n}."
        linear(pre + "attention.query", D, H * hd, not llama)
        linear(pre + "attention.key", D, kv * hd, not llama)
        linear(pre + "attention.value", D, kv * hd, not llama)
        linear(pre + "attention.output", H * hd, D, not llama)
        norm(pre + "attentionNorm")
        if llama:
            linear(pre + "feedForward.gate", D, FF, False)
        linear(pre + "feedForward.up", D, FF, not llama)
        linear(pre + "feedForward.down", FF, D, not llama)
        norm(pre + "feedForwardNorm")
    norm("finalNorm")
    if llama:
        linear("head", D, V, False)

    ids = torch.randint(0, V, (B, L), generator=g)
    targets = torch.randint(0, V, (B, L), generator=g)
    targets[0, 2] = -100
    targets[1, 5] = -100

    for t in p.values():
        t.requires_grad_(True)

    def normalize(x, name):
        if llama:
            return F.rms_norm(x, (D,), p[name + ".weight"], eps=1e-6)
        return F.layer_norm(x, (D,), p[name + ".weight"], p[name + ".bias"], eps=1e-5)

    def lin(x, name):
        return F.linear(x, p[name + ".weight"], p.get(name + ".bias"))

    x = F.embedding(ids, p["tokenEmbedding.weight"])
    if not llama:
        x = x + p["positionEmbedding.weight"][:L]
    for n in range(NL):
        pre = f"layers.{n}."
        h = normalize(x, pre + "attentionNorm")
        q = lin(h, pre + "attention.query").view(B, L, H, hd).transpose(1, 2)
        k = lin(h, pre + "attention.key").view(B, L, kv, hd).transpose(1, 2)
        v = lin(h, pre + "attention.value").view(B, L, kv, hd).transpose(1, 2)
        if llama:
            q, k = rope(q), rope(k)
        k = k.repeat_interleave(H // kv, dim=1)
        v = v.repeat_interleave(H // kv, dim=1)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + lin(a.transpose(1, 2).reshape(B, L, H * hd), pre + "attention.output")
        h = normalize(x, pre + "feedForwardNorm")
        if llama:
            f = F.silu(lin(h, pre + "feedForward.gate")) * lin(h, pre + "feedForward.up")
        else:
            f = F.gelu(lin(h, pre + "feedForward.up"), approximate="tanh")
        x = x + lin(f, pre + "feedForward.down")
    x = normalize(x, "finalNorm")
    logits = lin(x, "head") if llama else x @ p["tokenEmbedding.weight"].T
    loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), ignore_index=-100)
    loss.backward()

    out = {name: t.detach().contiguous() for name, t in p.items()}
    out.update({"grad." + name: t.grad.contiguous() for name, t in p.items()})
    out["input.ids"] = ids
    out["input.targets"] = targets
    out["output.loss"] = loss.detach().reshape(1)
    name = "tiny_llama.safetensors" if llama else "tiny_gpt.safetensors"
    save_file(out, os.path.join(HERE, name))
    print(name, "loss", loss.item(), "parameters", sum(t.numel() for t in p.values()))


make(llama=False)
make(llama=True)
