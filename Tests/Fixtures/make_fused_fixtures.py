"""Writes fused.json: PyTorch reference values for TensorKit's fused NN ops (float32).

For each case it stores the inputs, the forward output, the upstream gradient used for the
backward (1 for scalar losses) and the gradients of the inputs. Shapes are small so the file
stays small. Run with the peer environment (torch 2.x):

    /work/main/.venv-peer/bin/python Tests/Fixtures/make_fused_fixtures.py
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(20261129)


def tensor(shape, low=-2.0, high=2.0, grad=True):
    t = torch.tensor(rng.uniform(low, high, size=shape).astype(np.float32))
    return t.requires_grad_(grad)


def dump(t):
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}


def ints(t):
    return {"shape": list(t.shape), "data": [int(x) for x in t.reshape(-1).tolist()]}


def backward(out):
    upstream = torch.ones(()) if out.dim() == 0 else tensor(out.shape, grad=False)
    out.backward(upstream)
    return upstream


def cross_entropy_cases():
    cases = []
    specs = [
        ("plain", [5, 7], -100, 0.0, "mean", []),
        ("ignore", [6, 4], -100, 0.0, "mean", [1, 4]),
        ("smoothing", [5, 6], -100, 0.1, "mean", []),
        ("smoothing-ignore", [2, 3, 5], 2, 0.2, "mean", [0, 4]),
        ("sum", [4, 5], -100, 0.05, "sum", [2]),
        ("none", [4, 5], -1, 0.1, "none", [3]),
    ]
    for name, shape, ignore, smoothing, reduction, ignored in specs:
        logits = tensor(shape, -3, 3)
        rows = int(np.prod(shape[:-1]))
        targets = torch.tensor(rng.integers(0, shape[-1], size=rows), dtype=torch.int64)
        for i in ignored:
            targets[i] = ignore
        target_shape = shape[:-1]
        targets = targets.reshape(target_shape)
        out = F.cross_entropy(logits.reshape(rows, shape[-1]), targets.reshape(rows), ignore_index=ignore,
                              label_smoothing=smoothing, reduction=reduction)
        if reduction == "none":
            out = out.reshape(target_shape)
        upstream = backward(out)
        cases.append({"name": name, "logits": dump(logits), "targets": ints(targets), "ignoreIndex": ignore,
                      "labelSmoothing": smoothing, "reduction": reduction, "output": dump(out),
                      "upstream": dump(upstream), "gradLogits": dump(logits.grad)})
    return cases


def layer_norm_cases():
    cases = []
    for name, shape, affine, eps in [("affine", [3, 8], (True, True), 1e-5), ("3d", [2, 3, 6], (True, True), 1e-5),
                                      ("weight-only", [4, 5], (True, False), 1e-3), ("plain", [3, 7], (False, False), 1e-5)]:
        x = tensor(shape)
        w = tensor([shape[-1]], 0.5, 1.5) if affine[0] else None
        b = tensor([shape[-1]]) if affine[1] else None
        out = F.layer_norm(x, [shape[-1]], w, b, eps)
        upstream = backward(out)
        case = {"name": name, "x": dump(x), "eps": eps, "output": dump(out), "upstream": dump(upstream),
                "gradX": dump(x.grad)}
        if w is not None:
            case["weight"], case["gradWeight"] = dump(w), dump(w.grad)
        if b is not None:
            case["bias"], case["gradBias"] = dump(b), dump(b.grad)
        cases.append(case)
    return cases


def rms_norm_cases():
    cases = []
    for name, shape, affine, eps in [("weight", [3, 8], True, 1e-6), ("3d", [2, 2, 5], True, 1e-5),
                                      ("plain", [4, 6], False, 1e-6)]:
        x = tensor(shape)
        w = tensor([shape[-1]], 0.5, 1.5) if affine else None
        out = F.rms_norm(x, [shape[-1]], w, eps)
        upstream = backward(out)
        case = {"name": name, "x": dump(x), "eps": eps, "output": dump(out), "upstream": dump(upstream),
                "gradX": dump(x.grad)}
        if w is not None:
            case["weight"], case["gradWeight"] = dump(w), dump(w.grad)
        cases.append(case)
    return cases


def embedding_cases():
    cases = []
    for name, vocab, dim, ids in [("repeated", 6, 4, [[1, 3, 1], [5, 1, 0]]), ("flat", 5, 3, [4, 4, 2, 0])]:
        weight = tensor([vocab, dim])
        indices = torch.tensor(ids, dtype=torch.int64)
        out = F.embedding(indices, weight)
        upstream = backward(out)
        cases.append({"name": name, "indices": ints(indices), "weight": dump(weight), "output": dump(out),
                      "upstream": dump(upstream), "gradWeight": dump(weight.grad)})
    return cases


def attention_cases():
    cases = []
    specs = [
        ("plain", (2, 2, 4, 4, 3, 3), False, None, None),
        ("causal", (1, 2, 5, 5, 4, 4), True, None, None),
        ("cross-lengths", (2, 1, 3, 5, 4, 2), False, None, 0.7),
        ("padding", (2, 2, 3, 4, 3, 3), False, "padding", None),
        ("causal-padding", (2, 1, 4, 4, 2, 3), True, "padding", None),
        ("additive", (1, 2, 3, 4, 3, 3), False, "additive", None),
        ("bool4", (2, 2, 3, 3, 2, 2), False, "bool4", None),
    ]
    for name, (b, h, lq, lk, d, dv), causal, mask_kind, scale in specs:
        q, k, v = tensor([b, h, lq, d]), tensor([b, h, lk, d]), tensor([b, h, lk, dv])
        mask, torch_mask = None, None
        if mask_kind == "padding":
            mask = torch.ones(b, lk, dtype=torch.bool)
            mask[0, -1] = False
            if b > 1:
                mask[1, 1] = False
            torch_mask = mask[:, None, None, :]
        elif mask_kind == "additive":
            mask = torch.tensor(rng.uniform(-2, 0, size=(1, 1, lq, lk)).astype(np.float32))
            torch_mask = mask
        elif mask_kind == "bool4":
            mask = torch.tensor(rng.uniform(size=(b, 1, lq, lk)) > 0.3)
            mask[..., 0] = True  # no fully masked rows: PyTorch gives NaN there
            torch_mask = mask
        if causal and torch_mask is not None:
            tri = torch.ones(lq, lk, dtype=torch.bool).tril()
            torch_mask = torch_mask & tri
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=torch_mask, is_causal=causal and torch_mask is None,
                                             scale=scale)
        upstream = backward(out)
        case = {"name": name, "q": dump(q), "k": dump(k), "v": dump(v), "causal": causal, "output": dump(out),
                "upstream": dump(upstream), "gradQ": dump(q.grad), "gradK": dump(k.grad), "gradV": dump(v.grad)}
        if scale is not None:
            case["scale"] = scale
        if mask is not None:
            case["maskKind"] = mask_kind
            case["mask"] = dump(mask.to(torch.float32))
        cases.append(case)
    return cases


def main():
    fixtures = {
        "torch": torch.__version__,
        "crossEntropy": cross_entropy_cases(),
        "layerNorm": layer_norm_cases(),
        "rmsNorm": rms_norm_cases(),
        "embedding": embedding_cases(),
        "attention": attention_cases(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fused.json")
    with open(path, "w") as f:
        json.dump(fixtures, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
