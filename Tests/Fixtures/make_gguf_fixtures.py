"""Writes the GGUF fixtures of Tests/TensorKitTests/GGUF*Tests.swift, using the `gguf` PyPI
package (llama.cpp's own Python reader/writer; 0.19.0 here) as the reference.

    /work/main/.venv-peer/bin/python Tests/Fixtures/make_gguf_fixtures.py
    /work/main/.venv-peer/bin/python Tests/Fixtures/make_gguf_fixtures.py --check FILE.gguf

Files written (all by gguf.GGUFWriter):

- gguf_quant_blocks.gguf: for each type T in F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K,
  Q6_K a tensor "T" of seeded *random block bytes* (numpy Generator, seed 14) whose f16
  scale/min fields are replaced by sane random f16 values (so no block decodes to inf/NaN), and a
  float32 tensor "T.expected" = gguf.quants.dequantize(bytes, T). F16/BF16 are random bit
  patterns with the all-ones exponent (inf/NaN) excluded. Also "q8_0.source" (random float32,
  one all-zero block, one block of exact halves) with "q8_0.quantized" =
  gguf.quants.quantize(source, Q8_0), and "f16.source"/"f16.quantized" the same for F16.
  Written with general.alignment = 64 to exercise a non-default alignment.
- gguf_metadata.gguf: one key per metadata value type (u8 ... f64, bool, string, arrays of each,
  arrays of arrays up to three levels deep, a UTF-8 string with Korean and emoji) and a tiny F32
  tensor; the Swift test checks every value.
- gguf_smollm2_expected.gguf (only when data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf exists,
  from `make llm`): float32 tensors with the reference dequantization of parts of the real model:
  "blk.0.attn_q.weight.head" (its first 64 values, Q4_1), "token_embd.weight.rows01" (rows 0 and 1,
  Q8_0), "blk.29.ffn_down.weight.row0" (its first row, Q4_1).

--check FILE reads a GGUF written by TensorKit's GGUFWriter in GGUFRoundTripTests (set
GGUF_WRITER_CHECK_PATH when running them) with gguf.GGUFReader and compares it with what the
test wrote.
"""
import os
import sys

import numpy as np
from gguf import GGMLQuantizationType as T, GGUFReader, GGUFValueType, GGUFWriter
from gguf.quants import dequantize, quantize

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SMOLLM2 = os.path.join(ROOT, "data", "smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")

# (type, rows, row length, byte offsets of the f16 scale fields inside one block)
BLOCK_TYPES = [
    (T.Q4_0, 8, 128, [0]),
    (T.Q4_1, 8, 128, [0, 2]),
    (T.Q5_0, 8, 128, [0]),
    (T.Q5_1, 8, 128, [0, 2]),
    (T.Q8_0, 8, 128, [0]),
    (T.Q4_K, 4, 512, [0, 2]),
    (T.Q5_K, 4, 512, [0, 2]),
    (T.Q6_K, 4, 512, [208]),
]
BLOCK_BYTES = {T.Q4_0: 18, T.Q4_1: 20, T.Q5_0: 22, T.Q5_1: 24, T.Q8_0: 34, T.Q4_K: 144, T.Q5_K: 176, T.Q6_K: 210}
BLOCK_SIZE = {T.Q4_0: 32, T.Q4_1: 32, T.Q5_0: 32, T.Q5_1: 32, T.Q8_0: 32, T.Q4_K: 256, T.Q5_K: 256, T.Q6_K: 256}


def finite_half_bits(rng, count):
    """Random f16 bit patterns whose exponent is not all ones (no inf/NaN)."""
    bits = rng.integers(0, 1 << 16, size=count, dtype=np.uint32).astype(np.uint16)
    return np.where((bits & 0x7C00) == 0x7C00, bits & 0xBFFF, bits).astype(np.uint16)


def write_quant_blocks(path):
    rng = np.random.default_rng(14)
    writer = GGUFWriter(path, "test")
    writer.add_custom_alignment(64)

    f16 = finite_half_bits(rng, 6 * 40).view(np.float16).reshape(6, 40)
    writer.add_tensor("F16", f16)
    writer.add_tensor("F16.expected", dequantize(f16.view(np.uint8), T.F16).reshape(6, 40))

    bf16 = rng.integers(0, 1 << 16, size=5 * 24, dtype=np.uint32).astype(np.uint16)
    bf16 = np.where((bf16 & 0x7F80) == 0x7F80, bf16 & 0xBFFF, bf16).astype(np.uint16).reshape(5, 24)
    writer.add_tensor("BF16", bf16.view(np.uint8), raw_dtype=T.BF16)
    writer.add_tensor("BF16.expected", dequantize(bf16.view(np.uint8), T.BF16).reshape(5, 24))

    for qtype, rows, row_length, scale_offsets in BLOCK_TYPES:
        blocks_per_row = row_length // BLOCK_SIZE[qtype]
        size = BLOCK_BYTES[qtype]
        data = rng.integers(0, 256, size=(rows * blocks_per_row, size), dtype=np.uint16).astype(np.uint8)
        for offset in scale_offsets:
            # d in ±[2^-10, 2), dmin/m likewise: small, finite, both signs.
            scales = (rng.uniform(0.001, 2.0, size=len(data)) * rng.choice([-1, 1], size=len(data))).astype(np.float16)
            data[:, offset:offset + 2] = scales.view(np.uint8).reshape(-1, 2)
        data = data.reshape(rows, blocks_per_row * size)
        writer.add_tensor(qtype.name, data, raw_dtype=qtype)
        writer.add_tensor(qtype.name + ".expected", dequantize(data, qtype).astype(np.float32).reshape(rows, row_length))

    source = rng.standard_normal((6, 64)).astype(np.float32) * np.float32(3)
    source[1, 0:32] = 0                                         # an all-zero block (d = 0)
    source[2, 0:32] = (np.arange(32, dtype=np.float32) - 15.5)  # scaled values with exact halves
    source[2, 31] = 127.0                                       # d = 1, so x * id keeps the halves
    writer.add_tensor("q8_0.source", source)
    writer.add_tensor("q8_0.quantized", quantize(source, T.Q8_0), raw_dtype=T.Q8_0)
    half_source = rng.standard_normal((3, 40)).astype(np.float32) * np.float32(1000)
    half_source[0, :4] = [65519.0, 65520.0, 1e-8, -3e-5]        # rounding edges: to max, to inf, subnormals
    writer.add_tensor("f16.source", half_source)
    writer.add_tensor("f16.quantized", quantize(half_source, T.F16))
    finish(writer)


def write_metadata(path):
    writer = GGUFWriter(path, "test")  # adds general.architecture = "test"
    V = GGUFValueType
    writer.add_key_value("test.uint8", 200, V.UINT8)
    writer.add_key_value("test.int8", -100, V.INT8)
    writer.add_key_value("test.uint16", 60000, V.UINT16)
    writer.add_key_value("test.int16", -30000, V.INT16)
    writer.add_key_value("test.uint32", 4000000000, V.UINT32)
    writer.add_key_value("test.int32", -2000000000, V.INT32)
    writer.add_key_value("test.uint64", 18000000000000000000, V.UINT64)
    writer.add_key_value("test.int64", -9000000000000000000, V.INT64)
    writer.add_key_value("test.float32", 1e-5, V.FLOAT32)
    writer.add_key_value("test.float64", 3.141592653589793, V.FLOAT64)
    writer.add_key_value("test.bool.true", True, V.BOOL)
    writer.add_key_value("test.bool.false", False, V.BOOL)
    writer.add_key_value("test.string", "héllo, 안녕하세요 👋", V.STRING)
    writer.add_key_value("test.string.empty", "", V.STRING)
    writer.add_key_value("test.array.uint8", [1, 2, 255], V.ARRAY, sub_type=V.UINT8)
    writer.add_key_value("test.array.int8", [-128, 0, 127], V.ARRAY, sub_type=V.INT8)
    writer.add_key_value("test.array.uint16", [65535], V.ARRAY, sub_type=V.UINT16)
    writer.add_key_value("test.array.int16", [-32768, 32767], V.ARRAY, sub_type=V.INT16)
    writer.add_key_value("test.array.uint32", [0, 4294967295], V.ARRAY, sub_type=V.UINT32)
    writer.add_key_value("test.array.int32", [-7, 7], V.ARRAY, sub_type=V.INT32)
    writer.add_key_value("test.array.uint64", [18446744073709551615], V.ARRAY, sub_type=V.UINT64)
    writer.add_key_value("test.array.int64", [-1, 1 << 40], V.ARRAY, sub_type=V.INT64)
    writer.add_key_value("test.array.float32", [0.5, -2.25, 1e-5], V.ARRAY, sub_type=V.FLOAT32)
    writer.add_key_value("test.array.float64", [0.1, -1e300], V.ARRAY, sub_type=V.FLOAT64)
    writer.add_key_value("test.array.bool", [True, False, True], V.ARRAY, sub_type=V.BOOL)
    writer.add_key_value("test.array.string", ["a", "", "<|im_start|>", "Ġthe"], V.ARRAY, sub_type=V.STRING)
    # Nested arrays: inner element types come from Python's types (int -> int32, float -> float32).
    writer.add_key_value("test.array.nested", [[1, 2], [3]], V.ARRAY)
    writer.add_key_value("test.array.nested.strings", [["x", "y"], ["z"]], V.ARRAY)
    writer.add_key_value("test.array.nested3", [[[1.5], [2.5, 3.5]], [[-1.0]]], V.ARRAY)
    writer.add_tensor("tiny", np.arange(6, dtype=np.float32).reshape(2, 3))
    finish(writer)


def write_smollm2_expected(path):
    reader = GGUFReader(SMOLLM2)
    tensors = {t.name: t for t in reader.tensors}

    def rows(name, count):
        t = tensors[name]
        return dequantize(np.array(t.data[:count]), t.tensor_type).astype(np.float32)

    assert tensors["blk.0.attn_q.weight"].tensor_type == T.Q4_1
    assert tensors["token_embd.weight"].tensor_type == T.Q8_0
    writer = GGUFWriter(path, "test")
    writer.add_tensor("blk.0.attn_q.weight.head", rows("blk.0.attn_q.weight", 1).reshape(-1)[:64].copy())
    writer.add_tensor("token_embd.weight.rows01", rows("token_embd.weight", 2))
    writer.add_tensor("blk.29.ffn_down.weight.row0", rows("blk.29.ffn_down.weight", 1))
    finish(writer)


def finish(writer):
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def check(path):
    """What GGUFRoundTripTests.writesAFilePythonReads writes, read back by gguf.GGUFReader."""
    reader = GGUFReader(path)
    fields = reader.fields

    def scalar(key):
        field = fields[key]
        return field.parts[field.data[0]].tolist()[0]

    assert bytes(fields["general.architecture"].parts[-1]).decode() == "llama"
    assert scalar("llama.block_count") == 2
    assert abs(scalar("llama.rope.freq_base") - 10000.0) < 1e-6
    tokens = fields["tokenizer.ggml.tokens"]
    assert [bytes(tokens.parts[i]).decode() for i in tokens.data] == ["<s>", "hello", "wörld"]
    tensors = {t.name: t for t in reader.tensors}
    values = np.arange(2 * 64, dtype=np.float32).reshape(2, 64) / np.float32(7) - np.float32(9)
    for name, qtype in [("w.f32", T.F32), ("w.f16", T.F16), ("w.q8_0", T.Q8_0)]:
        t = tensors[name]
        assert t.tensor_type == qtype, (name, t.tensor_type)
        assert list(t.shape) == [64, 2], (name, t.shape)
        expected = quantize(values, qtype)
        assert np.array_equal(np.asarray(t.data).view(np.uint8).reshape(-1), np.asarray(expected).view(np.uint8).reshape(-1)), name
        decoded = dequantize(np.asarray(t.data), qtype).reshape(2, 64)
        assert np.array_equal(decoded, dequantize(expected, qtype).reshape(2, 64)), name
    print(f"{path}: gguf.GGUFReader reads it; metadata, types, shapes and bytes as expected")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
        sys.exit(0)
    write_quant_blocks(os.path.join(HERE, "gguf_quant_blocks.gguf"))
    write_metadata(os.path.join(HERE, "gguf_metadata.gguf"))
    if os.path.exists(SMOLLM2):
        write_smollm2_expected(os.path.join(HERE, "gguf_smollm2_expected.gguf"))
    else:
        print(f"skipping gguf_smollm2_expected.gguf: {SMOLLM2} is missing (run `make llm`)")
    for name in sorted(os.listdir(HERE)):
        if name.startswith("gguf_") and name.endswith(".gguf"):
            print(name, os.path.getsize(os.path.join(HERE, name)), "bytes")
