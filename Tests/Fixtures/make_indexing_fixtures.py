"""Reference values for TensorKit's indexing, joining and triangular ops (IndexingTests, ConcatTests).

Run with a Python that has PyTorch:  python Tests/Fixtures/make_indexing_fixtures.py
Writes Tests/Fixtures/indexing.json. Inputs are stored in the file (rounded to 4 decimals), so the
Swift tests never need this script's random generator. Gradients come from torch.autograd with a
stored upstream gradient `grad_output`.
"""
import json
import os

import torch

torch.manual_seed(20261129)


def rand(*shape):
    return torch.round(torch.randn(*shape, dtype=torch.float64) * 1e4) / 1e4


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def with_grad(op, inputs):
    """Runs op on leaf copies of inputs; returns output, upstream gradient and input gradients."""
    leaves = [x.clone().requires_grad_(True) for x in inputs]
    out = op(*leaves)
    grad_output = rand(*out.shape)
    grads = torch.autograd.grad(out, leaves, grad_output)
    return out, grad_output, grads


cases = {"indexSelect": [], "gather": [], "concat": [], "stack": [], "split": [], "triangular": [], "oneHot": []}

for shape, axis, indices in [([4, 3], 0, [3, 0, 3, 1]), ([2, 5, 3], -2, [4, 4, 0]), ([3, 4], -1, [2, 2, 2, 0, 1]),
                             ([2, 3, 4], 2, [1])]:
    x = rand(*shape)
    idx = torch.tensor(indices, dtype=torch.int64)
    out, go, (gx,) = with_grad(lambda t: torch.index_select(t, axis, idx), [x])
    cases["indexSelect"].append({"shape": shape, "input": flat(x), "axis": axis, "indices": indices,
                                 "output_shape": list(out.shape), "output": flat(out),
                                 "grad_output": flat(go), "grad_input": flat(gx)})

for shape, axis, index_shape in [([3, 4], 1, [3, 2]), ([2, 3, 4], 0, [2, 2, 3]), ([4, 3], -2, [5, 2]),
                                 ([2, 3, 4], -1, [2, 3, 6])]:
    x = rand(*shape)
    dim = axis % len(shape)
    idx = torch.randint(0, shape[dim], index_shape, dtype=torch.int64)
    out, go, (gx,) = with_grad(lambda t: torch.gather(t, axis, idx), [x])
    cases["gather"].append({"shape": shape, "input": flat(x), "axis": axis, "index_shape": index_shape,
                            "indices": [int(v) for v in idx.reshape(-1).tolist()],
                            "output_shape": list(out.shape), "output": flat(out),
                            "grad_output": flat(go), "grad_input": flat(gx)})

for shapes, axis in [([[2, 3], [1, 3], [4, 3]], 0), ([[2, 1, 3], [2, 2, 3]], 1), ([[2, 2], [2, 3]], -1)]:
    xs = [rand(*s) for s in shapes]
    out, go, gxs = with_grad(lambda *ts: torch.cat(ts, axis), xs)
    cases["concat"].append({"shapes": shapes, "inputs": [flat(x) for x in xs], "axis": axis,
                            "output_shape": list(out.shape), "output": flat(out),
                            "grad_output": flat(go), "grad_inputs": [flat(g) for g in gxs]})

for shape, count, axis in [([2, 3], 3, 0), ([2, 3], 2, -1), ([4], 2, 1)]:
    xs = [rand(*shape) for _ in range(count)]
    out = torch.stack(xs, axis)
    cases["stack"].append({"shape": shape, "inputs": [flat(x) for x in xs], "axis": axis,
                           "output_shape": list(out.shape), "output": flat(out)})

for shape, axis, sizes, size, chunks in [([5, 4], 0, [2, 3], 2, 2), ([3, 7], -1, [1, 0, 6], 3, 3)]:
    x = rand(*shape)
    cases["split"].append({"shape": shape, "input": flat(x), "axis": axis, "sizes": sizes,
                           "by_sizes": [flat(p) for p in torch.split(x, sizes, axis)],
                           "size": size, "by_size": [flat(p) for p in torch.split(x, size, axis)],
                           "by_size_shapes": [list(p.shape) for p in torch.split(x, size, axis)],
                           "chunks": chunks, "by_chunk": [flat(p) for p in torch.chunk(x, chunks, axis)]})

for shape, diagonal in [([2, 3, 4], 0), ([2, 3, 4], -1), ([2, 3, 4], 2), ([4, 3], 1), ([3, 5], -4), ([2, 1, 3, 3], 0)]:
    x = rand(*shape)
    cases["triangular"].append({"shape": shape, "input": flat(x), "diagonal": diagonal,
                                "tril": flat(torch.tril(x, diagonal)), "triu": flat(torch.triu(x, diagonal))})

for values, shape, classes in [([2, 0, 1, 3], [2, 2], 4), ([0, 4, 4], [3], 5)]:
    t = torch.tensor(values, dtype=torch.int64).reshape(shape)
    out = torch.nn.functional.one_hot(t, classes)
    cases["oneHot"].append({"shape": shape, "values": values, "classes": classes,
                            "output_shape": list(out.shape), "output": [int(v) for v in out.reshape(-1).tolist()]})

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "indexing.json")
with open(path, "w") as f:
    json.dump({"generator": "make_indexing_fixtures.py", "torch": torch.__version__, **cases}, f)
    f.write("\n")
print("wrote", path, os.path.getsize(path), "bytes")
