"""Writes safetensors_reference.safetensors with the Python `safetensors` package (torch API)
and safetensors_reference.json with the expected dtype, shape and bit pattern of every element.

Run: /work/main/.venv-peer/bin/python Tests/Fixtures/make_safetensors_fixtures.py
Bit patterns are hex strings so NaN, infinities, -0.0 and 64-bit integers compare exactly.
"""
import json
import math
import os

import torch
from safetensors.torch import save_file

here = os.path.dirname(os.path.abspath(__file__))

tensors = {
    "f32": torch.tensor([[0.1, -2.5, 3.0e-39], [-0.0, 1.0e30, -7.25]], dtype=torch.float32),
    "f32_special": torch.tensor([math.inf, -math.inf, math.nan, 1.0], dtype=torch.float32),
    "f64": torch.tensor([1.0 / 3.0, -2.5e-300, 1.0e300], dtype=torch.float64),
    "f16": torch.tensor([[0.1, -65504.0], [6.0e-8, math.inf]], dtype=torch.float16),
    "bf16": torch.tensor([1.5, -3.140625, 1.0e38, math.nan], dtype=torch.bfloat16),
    "i32": torch.tensor([[-(2**31), 2**31 - 1], [0, -7]], dtype=torch.int32),
    "i64": torch.tensor([-(2**63), 2**63 - 1, 42], dtype=torch.int64),
    "mask": torch.tensor([True, False, True, True, False]),
    "scalar": torch.tensor(3.5, dtype=torch.float32),
    "empty": torch.zeros((0, 3), dtype=torch.float32),
    "model.layers.0.weight": torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 8 - 1,
}
metadata = {"format": "pt", "note": 'fixture with "quotes" and ünïcode'}

codes = {
    torch.float32: ("F32", torch.int32, 32), torch.float64: ("F64", torch.int64, 64),
    torch.float16: ("F16", torch.int16, 16), torch.bfloat16: ("BF16", torch.int16, 16),
    torch.int32: ("I32", torch.int32, 32), torch.int64: ("I64", torch.int64, 64),
    torch.bool: ("BOOL", torch.uint8, 8),
}

expected = {"metadata": metadata, "tensors": {}}
for name, t in tensors.items():
    code, int_type, bits = codes[t.dtype]
    raw = t.contiguous().view(int_type).flatten().tolist()
    entry = {
        "dtype": code,
        "shape": list(t.shape),
        "bits": [format(v & ((1 << bits) - 1), "0%dx" % (bits // 4)) for v in raw],
    }
    if t.dtype.is_floating_point:
        entry["values"] = [v if math.isfinite(v) else None for v in t.double().flatten().tolist()]
    else:
        entry["values"] = [int(v) for v in t.flatten().tolist()]
    expected["tensors"][name] = entry

save_file(tensors, os.path.join(here, "safetensors_reference.safetensors"), metadata=metadata)
with open(os.path.join(here, "safetensors_reference.json"), "w") as f:
    json.dump(expected, f, indent=1, ensure_ascii=False, sort_keys=True)
    f.write("\n")
