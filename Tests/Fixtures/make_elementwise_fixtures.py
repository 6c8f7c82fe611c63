"""Reference values for TensorKit's elementwise math, activation and comparison ops.

Run with PyTorch (float64):  /work/main/.venv-peer/bin/python Tests/Fixtures/make_elementwise_fixtures.py
Writes Tests/Fixtures/elementwise.json: the inputs, each op's output, and the gradient of
sum(op(inputs) * w) for every differentiable input (w a fixed weight tensor of the output's shape).
Inputs keep away from kinks (0 for relu/abs, the clamp bounds, ties for maximum/minimum).
"""
import json
import os

import numpy as np
import torch

rng = np.random.default_rng(20261129)


def away_from(values, points, gap=0.05):
    for p in points:
        close = np.abs(values - p) < gap
        values[close] = p + np.where(values[close] >= p, gap, -gap) * 2
    return values


x = away_from(rng.uniform(-2.5, 2.5, size=(3, 4)), [0.0, -0.5, 0.8])
pos = rng.uniform(0.2, 3.0, size=(3, 4))
exponent = rng.uniform(-1.5, 2.0, size=(4,))
row = rng.uniform(-2.0, 2.0, size=(4,))
column = rng.uniform(-2.0, 2.0, size=(3, 1))
# No ties between x and the operands of maximum/minimum.
row = away_from(row, list(x.reshape(-1)))
column = away_from(column, list(x.reshape(-1)))
weights = rng.uniform(0.5, 1.5, size=(3, 4))

inputs = {"x": x, "pos": pos, "exponent": exponent, "row": row, "column": column, "weights": weights}

unary = {
    "abs": ("x", lambda t: t.abs()),
    "exp": ("x", lambda t: t.exp()),
    "sin": ("x", lambda t: t.sin()),
    "cos": ("x", lambda t: t.cos()),
    "tanh": ("x", lambda t: t.tanh()),
    "sigmoid": ("x", lambda t: t.sigmoid()),
    "relu": ("x", lambda t: t.relu()),
    "gelu": ("x", lambda t: torch.nn.functional.gelu(t)),
    "gelu_tanh": ("x", lambda t: torch.nn.functional.gelu(t, approximate="tanh")),
    "silu": ("x", lambda t: torch.nn.functional.silu(t)),
    "clamp": ("x", lambda t: t.clamp(min=-0.5, max=0.8)),
    "clamp_min": ("x", lambda t: t.clamp(min=-0.5)),
    "log": ("pos", lambda t: t.log()),
    "sqrt": ("pos", lambda t: t.sqrt()),
    "rsqrt": ("pos", lambda t: t.rsqrt()),
    "pow_2_5": ("pos", lambda t: t.pow(2.5)),
    "pow_neg_1_5": ("pos", lambda t: t.pow(-1.5)),
    "pow_2": ("x", lambda t: t.pow(2)),
}
binary = {
    "pow_tensor": ("pos", "exponent", lambda a, b: a.pow(b)),
    "maximum_row": ("x", "row", lambda a, b: torch.maximum(a, b)),
    "minimum_row": ("x", "row", lambda a, b: torch.minimum(a, b)),
    "maximum_column": ("x", "column", lambda a, b: torch.maximum(a, b)),
    "minimum_column": ("x", "column", lambda a, b: torch.minimum(a, b)),
}


def leaf(name):
    return torch.tensor(inputs[name], dtype=torch.float64, requires_grad=True)


w = torch.tensor(weights, dtype=torch.float64)
ops = {}
for name, (arg, fn) in unary.items():
    t = leaf(arg)
    out = fn(t)
    (out * w).sum().backward()
    ops[name] = {"inputs": [arg], "output": out.detach().reshape(-1).tolist(), "shape": list(out.shape),
                 "grads": [t.grad.reshape(-1).tolist()]}
for name, (arg0, arg1, fn) in binary.items():
    a, b = leaf(arg0), leaf(arg1)
    out = fn(a, b)
    (out * w).sum().backward()
    ops[name] = {"inputs": [arg0, arg1], "output": out.detach().reshape(-1).tolist(), "shape": list(out.shape),
                 "grads": [a.grad.reshape(-1).tolist(), b.grad.reshape(-1).tolist()]}

# Comparisons of x against the broadcast row (bool results as 0/1).
xt, rt = torch.tensor(x), torch.tensor(row)
comparisons = {
    "equal": (xt == rt), "notEqual": (xt != rt), "less": (xt < rt),
    "lessEqual": (xt <= rt), "greater": (xt > rt), "greaterEqual": (xt >= rt),
}
comparisons = {k: v.reshape(-1).int().tolist() for k, v in comparisons.items()}

# where(x > 0, x, row) and its gradients for both branches.
a, b = leaf("x"), leaf("row")
out = torch.where(a > 0, a, b)
(out * w).sum().backward()
where = {"output": out.detach().reshape(-1).tolist(), "grads": [a.grad.reshape(-1).tolist(), b.grad.reshape(-1).tolist()]}

result = {
    "inputs": {k: {"shape": list(v.shape), "values": v.reshape(-1).tolist()} for k, v in inputs.items()},
    "ops": ops,
    "comparisons": comparisons,
    "where": where,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "elementwise.json")
with open(path, "w") as f:
    json.dump(result, f, separators=(",", ":"))
print(f"wrote {path}: {os.path.getsize(path)} bytes")
