import Foundation
import Testing
@testable import TensorKit

/// data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf, fetched by `make llm` (git-ignored).
private let smolLM2URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
private let smolLM2Present = FileManager.default.fileExists(atPath: smolLM2URL.path)

/// The real model file: its facts, and dequantization equal to `gguf.quants.dequantize` on it
/// (gguf_smollm2_expected.gguf, written by make_gguf_fixtures.py from the same file).
@Suite(.enabled(if: smolLM2Present, "data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf is absent; run `make llm` to fetch it"))
struct GGUFSmolLM2Tests {
    @Test func metadataFacts() throws {
        let file = try GGUFFile(contentsOf: smolLM2URL)
        let m = file.metadata
        #expect(file.version == 3)
        #expect(try m.string("general.architecture") == "llama")
        #expect(try m.int("llama.block_count") == 30)
        #expect(try m.int("llama.embedding_length") == 576)
        #expect(try m.int("llama.attention.head_count") == 9)
        #expect(try m.int("llama.attention.head_count_kv") == 3)
        #expect(try m.int("llama.feed_forward_length") == 1536)
        #expect(try m.double("llama.rope.freq_base") == 100_000)
        #expect(m["llama.attention.layer_norm_rms_epsilon"] == .float32(1e-5))
        #expect(try m.string("tokenizer.ggml.model") == "gpt2")
        #expect(try m.string("tokenizer.ggml.pre") == "smollm")
        let tokens = try m.strings("tokenizer.ggml.tokens")
        #expect(tokens.count == 49152)
        #expect(tokens[1] == "<|im_start|>" && tokens[2] == "<|im_end|>")
        #expect(try m.strings("tokenizer.ggml.merges").count == 48900)
        #expect(try m.ints("tokenizer.ggml.token_type").count == 49152)
        #expect(try m.int("tokenizer.ggml.eos_token_id") == 2)
        #expect(try m.string("tokenizer.chat_template").contains("<|im_start|>"))
    }

    @Test func tensorFacts() throws {
        let file = try GGUFFile(contentsOf: smolLM2URL)
        #expect(file.tensorInfos.count == 272)
        #expect(file.tensorInfos.filter { $0.type == .q4_1 }.count == 210)
        #expect(file.tensorInfos.filter { $0.type == .f32 }.count == 61)
        let embedding = try #require(file.info(named: "token_embd.weight"))
        #expect(embedding.type == .q8_0 && embedding.shape == [49152, 576])
        #expect(file.info(named: "output.weight") == nil)
        #expect(file.info(named: "blk.0.attn_q.weight")?.shape == [576, 576])
        #expect(file.info(named: "blk.0.attn_k.weight")?.shape == [192, 576])
        #expect(file.info(named: "blk.29.ffn_down.weight")?.shape == [576, 1536])
        // Only the 61 norms are float32: they view the mapped file without a copy.
        let norm = try file.tensor(named: "output_norm.weight")
        #expect(norm.shape == [576] && norm.dtype == .float32)
    }

    @Test func dequantizationMatchesTheReference() throws {
        let file = try GGUFFile(contentsOf: smolLM2URL)
        let expected = try GGUFFile(contentsOf: fixtureURL("gguf_smollm2_expected.gguf"))
        let query = try file.quantizedTensor(named: "blk.0.attn_q.weight")
        var row = [Float](repeating: 0, count: 576)
        row.withUnsafeMutableBufferPointer { query.dequantizeRows(0..<1, into: $0.baseAddress!) }
        expectSameBits(Array(row[0..<64]), ggufFloats(try expected.tensor(named: "blk.0.attn_q.weight.head")), "attn_q head")

        let embedding = try file.quantizedTensor(named: "token_embd.weight")
        var rows = [Float](repeating: 0, count: 2 * 576)
        rows.withUnsafeMutableBufferPointer { embedding.dequantizeRows(0..<2, into: $0.baseAddress!) }
        expectSameBits(rows, ggufFloats(try expected.tensor(named: "token_embd.weight.rows01")), "token_embd rows 0..1")

        let down = try file.tensor(named: "blk.29.ffn_down.weight")
        #expect(down.shape == [576, 1536])
        expectSameBits(Array(ggufFloats(down)[0..<1536]), ggufFloats(try expected.tensor(named: "blk.29.ffn_down.weight.row0")), "ffn_down row 0")
    }
}
