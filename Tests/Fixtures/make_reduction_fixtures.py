"""Reference values for TensorKit's reductions and softmax (Tests/Fixtures/reductions.json).

Run from the repository root: python3 Tests/Fixtures/make_reduction_fixtures.py
Everything is computed in float64 with NumPy, independently of TensorKit. Each case names a view
of the input (contiguous, permuted, sliced) so the tests exercise non-contiguous layouts too.
"""
import json
import os

import numpy as np

rng = np.random.default_rng(20241129)
x = rng.normal(0.0, 2.0, size=(3, 4, 5))

VIEWS = {
    "contiguous": lambda a: a,
    "permuted": lambda a: a.transpose(2, 0, 1),          # Swift: x.permute([2, 0, 1])
    "sliced": lambda a: a[:, 0:4:2, 1:5],                # Swift: slice(axis 1, 0..<4, step 2), slice(axis 2, 1..<5)
}


def logsumexp(a, axis, keepdims):
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def softmax(a, axis):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(a, axis):
    m = np.max(a, axis=axis, keepdims=True)
    return a - m - np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))


def tup(axes):
    return None if axes is None else tuple(axes)


cases = []


def add(op, view, axes, keep, result, **extra):
    result = np.asarray(result)
    case = {"op": op, "view": view, "axes": axes, "keepDims": keep,
            "shape": list(result.shape), "values": [float(v) for v in result.reshape(-1)]}
    case.update(extra)
    cases.append(case)


for view, make in VIEWS.items():
    a = make(x)
    for i, axes in enumerate([None, [1], [-1], [0, 2], [0, -2]]):
        keep = i % 2 == 1
        t = tup(axes)
        add("sum", view, axes, keep, np.sum(a, axis=t, keepdims=keep))
        add("mean", view, axes, keep, np.mean(a, axis=t, keepdims=keep))
        add("max", view, axes, keep, np.max(a, axis=t, keepdims=keep))
        add("min", view, axes, keep, np.min(a, axis=t, keepdims=keep))
        add("logSumExp", view, axes, keep, logsumexp(a, t, keep))
        for correction in (0, 1):
            add("variance", view, axes, keep, np.var(a, axis=t, ddof=correction, keepdims=keep),
                correction=correction)
    for i, axis in enumerate([None, 0, 1, -1]):
        keep = i % 2 == 1 and axis is not None
        axes = None if axis is None else [axis]
        add("argmax", view, axes, keep, np.argmax(a, axis=axis, keepdims=keep).astype(np.float64))
        add("argmin", view, axes, keep, np.argmin(a, axis=axis, keepdims=keep).astype(np.float64))
    for axis in (0, 1, 2, -1):
        add("softmax", view, [axis], False, softmax(a, axis))
        add("logSoftmax", view, [axis], False, log_softmax(a, axis))

fixture = {"input": {"shape": list(x.shape), "values": [float(v) for v in x.reshape(-1)]}, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reductions.json")
with open(path, "w") as f:
    json.dump(fixture, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {path}")
