"""Reference values for MatmulTests: numpy.matmul on seeded inputs.

Run from the repository root: python3 Tests/Fixtures/make_matmul_fixtures.py
Writes Tests/Fixtures/matmul.json. Each case stores its operands as they are laid out in memory
("a", "b" with shapes "a_shape", "b_shape"); when "transpose_a"/"transpose_b" is set the test
swaps the last two axes of that operand (a view) before multiplying, as numpy does here.
"""
import json
import os

import numpy as np

rng = np.random.default_rng(20261129)

# (name, stored shape of a, stored shape of b, transpose a, transpose b)
CASES = [
    ("dot", [5], [5], False, False),
    ("vector_matrix", [3], [3, 4], False, False),
    ("matrix_vector", [4, 3], [3], False, False),
    ("matrix_matrix", [3, 5], [5, 2], False, False),
    ("transposed_a", [5, 3], [5, 4], True, False),
    ("transposed_b", [3, 5], [4, 5], False, True),
    ("transposed_both", [5, 3], [4, 5], True, True),
    ("batched_shared_b", [2, 3, 4, 5], [5, 2], False, False),
    ("shared_a_batched_b", [3, 4], [2, 4, 5], False, False),
    ("broadcast_batch", [2, 1, 3, 4], [3, 4, 2], False, False),
    ("batched_transposed_b", [2, 3, 4], [2, 5, 4], False, True),
    ("vector_batched", [4], [2, 4, 3], False, False),
    ("batched_vector", [2, 3, 4], [4], False, False),
]


def main():
    cases = []
    for name, a_shape, b_shape, ta, tb in CASES:
        a = rng.uniform(-1, 1, size=a_shape)
        b = rng.uniform(-1, 1, size=b_shape)
        left = np.swapaxes(a, -1, -2) if ta else a
        right = np.swapaxes(b, -1, -2) if tb else b
        out = np.matmul(left, right)
        cases.append({
            "name": name,
            "a_shape": a_shape, "a": a.ravel().tolist(), "transpose_a": ta,
            "b_shape": b_shape, "b": b.ravel().tolist(), "transpose_b": tb,
            "out_shape": list(np.shape(out)), "out": np.ravel(out).tolist(),
        })
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "matmul.json")
    # One case per line keeps the file small and its diffs readable.
    lines = ",\n  ".join(json.dumps(case) for case in cases)
    with open(path, "w") as f:
        f.write('{"generator": "Tests/Fixtures/make_matmul_fixtures.py", "numpy": "%s",\n "cases": [\n  %s\n]}\n'
                % (np.__version__, lines))


if __name__ == "__main__":
    main()
