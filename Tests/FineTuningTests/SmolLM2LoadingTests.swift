import Foundation
import Testing
import TestFixtures
import FineTuning

/// Loading llama GGUF files into `GPT`, on tiny files written here with `GGUFWriter`: the name
/// mapping both ways, the query/key row permutation, and doctored files that must throw a
/// `GGUFModelError` naming the key or tensor (sizes far beyond memory prove nothing is
/// allocated from a lie).
@Suite struct SmolLM2LoadingTests {
    /// A LLaMA-shaped model: width 16, 4 query heads of 4, 2 key/value heads, FFN 24.
    private func tinyLlama(tiedHead: Bool = true, seed: UInt64 = 3) -> GPT {
        var config = GPTConfig(vocabularySize: 32, maxPositions: 64, dim: 16, layers: 2, heads: 4, kvHeads: 2, hidden: 24)
        config.positions = .rotary(base: 10_000)
        config.norm = .rmsNorm
        config.feedForward = .swiGLU
        config.bias = false
        config.tiedHead = tiedHead
        config.normEps = Double(Float(1e-5))   // what the file's float32 holds
        let model = GPT(config, generator: Generator(seed: seed))
        // Norm weights away from 1, so a norm loaded into the wrong place shows, and queries and
        // keys large enough for attention to depend on positions.
        let generator = Generator(seed: 7)
        for (name, parameter) in model.namedParameters() {
            if name.hasSuffix("Norm.weight") {
                parameter.assign(Tensor.uniform(parameter.shape, low: 0.5, high: 1.5, generator: generator))
            } else if name.hasSuffix("query.weight") || name.hasSuffix("key.weight") {
                parameter.assign(Tensor.normal(parameter.shape, std: 0.5, generator: generator))
            }
        }
        return model
    }

    /// `model` written as llama.cpp's converter would: GGUF names, query/key rows permuted,
    /// llama metadata. `edit` doctors the metadata and tensors before writing.
    private func writeGGUF(_ model: GPT, edit: (inout GGUFMetadata, inout [(String, Tensor)]) -> Void = { _, _ in })
        throws -> URL {
        let config = model.config
        var metadata = GGUFMetadata()
        metadata["general.architecture"] = .string("llama")
        metadata["llama.block_count"] = .uint32(UInt32(config.layers))
        metadata["llama.context_length"] = .uint32(UInt32(config.maxPositions))
        metadata["llama.embedding_length"] = .uint32(UInt32(config.dim))
        metadata["llama.feed_forward_length"] = .uint32(UInt32(config.hidden!))
        metadata["llama.attention.head_count"] = .uint32(UInt32(config.heads))
        metadata["llama.attention.head_count_kv"] = .uint32(UInt32(config.kvHeads!))
        metadata["llama.rope.freq_base"] = .float32(10_000)
        metadata["llama.attention.layer_norm_rms_epsilon"] = .float32(1e-5)
        metadata["llama.rope.dimension_count"] = .uint32(UInt32(config.dim / config.heads))
        metadata["tokenizer.ggml.tokens"] = .array(elementType: .string, values: (0..<config.vocabularySize).map { .string("t\($0)") })
        var tensors: [(String, Tensor)] = model.namedParameters().map { name, tensor in
            let gguf = GGUFNameMapping.ggufName(forOurs: name)!
            if gguf.hasSuffix("attn_q.weight") { return (gguf, GGUFQueryKeyPermutation.ggufOrder(tensor, heads: config.heads)) }
            if gguf.hasSuffix("attn_k.weight") { return (gguf, GGUFQueryKeyPermutation.ggufOrder(tensor, heads: config.kvHeads!)) }
            return (gguf, tensor)
        }
        edit(&metadata, &tensors)
        var writer = GGUFWriter()
        writer.metadata = metadata
        for (name, tensor) in tensors { try writer.add(name, tensor) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-llama-\(UUID().uuidString).gguf")
        try writer.write(to: url, durable: false)
        return url
    }

    /// The error loading the doctored file throws, or nil when it loads.
    private func loadingError(_ edit: (inout GGUFMetadata, inout [(String, Tensor)]) -> Void) throws -> (GGUFModelError?, String) {
        let url = try writeGGUF(tinyLlama(), edit: edit)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try GPT.pretrained(ggufAt: url)
            return (nil, url.path)
        } catch {
            return (error, url.path)
        }
    }

    private func ids(_ count: Int) -> Tensor {
        Tensor((0..<count).map { Int32(($0 * 7 + 3) % 32) }, shape: [1, count])
    }

    @Test(arguments: [true, false])
    func roundTripGivesTheSameModel(tiedHead: Bool) throws {
        let model = tinyLlama(tiedHead: tiedHead)
        let url = try writeGGUF(model)
        defer { try? FileManager.default.removeItem(at: url) }
        let loaded = try GPT.pretrained(ggufAt: url)
        #expect(loaded.config == model.config)
        #expect((loaded.head == nil) == tiedHead)
        let original = model.stateDict()
        for (name, parameter) in loaded.namedParameters() {
            #expect(parameter.scalars(as: Float.self) == original[name]?.scalars(as: Float.self), "\(name)")
        }
        model.eval()
        let prompt = ids(24)
        let (a, b) = withGradientsDisabled { (model(prompt), loaded(prompt)) }
        #expect(a.scalars(as: Float.self) == b.scalars(as: Float.self))
    }

    /// Query/key rows left in GGUF order change nothing for one token (position 0 is not
    /// rotated) but change the logits of a longer prompt: why the parity tests use 20+ tokens.
    @Test func onlyLongerPromptsShowTheRowOrder() {
        let model = tinyLlama()
        model.eval()
        let wrong = tinyLlama()
        wrong.eval()
        for (layer, wrongLayer) in zip(model.layers, wrong.layers) {
            wrongLayer.attention.query!.weight.assign(GGUFQueryKeyPermutation.ggufOrder(layer.attention.query!.weight, heads: 4))
            wrongLayer.attention.key!.weight.assign(GGUFQueryKeyPermutation.ggufOrder(layer.attention.key!.weight, heads: 2))
        }
        let gap = { (count: Int) -> Float in
            let (a, b) = withGradientsDisabled { (model(self.ids(count)), wrong(self.ids(count))) }
            return zip(a.scalars(as: Float.self), b.scalars(as: Float.self)).map { abs($0 - $1) }.max()!
        }
        #expect(gap(1) < 1e-5)
        #expect(gap(24) > 1e-3)
    }

    /// llama.cpp's rule: within each head of size d, GGUF row 2i is Hugging Face row i and row
    /// 2i+1 is row i + d/2.
    @Test func queryKeyPermutationFollowsTheConverter() {
        #expect(GGUFQueryKeyPermutation.ggufRows(rows: 8, heads: 2) == [0, 2, 1, 3, 4, 6, 5, 7])
        #expect(GGUFQueryKeyPermutation.ggufRows(rows: 6, heads: 1) == [0, 2, 4, 1, 3, 5])
        let gguf = Tensor((0..<24).map { Float($0) }, shape: [12, 2])   // 2 heads of 6
        let rows = GGUFQueryKeyPermutation.ggufRows(rows: 12, heads: 2)
        let hf = GGUFQueryKeyPermutation.huggingFaceOrder(gguf, heads: 2)
        #expect(hf.scalars(as: Float.self) == rows.flatMap { [Float(2 * $0), Float(2 * $0 + 1)] })
        #expect(GGUFQueryKeyPermutation.ggufOrder(hf, heads: 2).scalars(as: Float.self) == gguf.scalars(as: Float.self))
    }

    @Test func namesMapBothWays() {
        for (name, _) in tinyLlama(tiedHead: false).namedParameters() {
            let gguf = GGUFNameMapping.ggufName(forOurs: name)
            #expect(gguf != nil, "\(name)")
            #expect(gguf.flatMap(GGUFNameMapping.ourName(forGGUF:)) == name)
        }
        #expect(GGUFNameMapping.ggufName(forOurs: "layers.12.attention.output.weight") == "blk.12.attn_output.weight")
        #expect(GGUFNameMapping.ourName(forGGUF: "output.weight") == "head.weight")
        for unknown in ["rope_freqs.weight", "blk.01.attn_q.weight", "blk.-1.attn_q.weight", "blk.0.attn_q.scale",
                        "blk.0.attn_qkv.weight", "blk..attn_q.weight", "token_embd"] {
            #expect(GGUFNameMapping.ourName(forGGUF: unknown) == nil, "\(unknown)")
        }
        #expect(GGUFNameMapping.blockIndex(ofGGUF: "blk.29.ffn_up.weight") == 29)
    }

    @Test func lyingBlockCountThrows() throws {
        for lie: UInt64 in [3, 1 << 40] {
            let (error, path) = try loadingError { metadata, _ in metadata["llama.block_count"] = .uint64(lie) }
            #expect(error == .invalidMetadata(file: path, key: "llama.block_count", value: "\(lie)",
                                              reason: "the file has tensors for 2 blocks, numbered up to 1"))
        }
    }

    @Test func widthNotDivisibleByHeadsThrows() throws {
        var (error, path) = try loadingError { metadata, _ in metadata["llama.attention.head_count"] = .uint32(5) }
        #expect(error == .invalidMetadata(file: path, key: "llama.attention.head_count", value: "5",
                                          reason: "does not divide llama.embedding_length 16"))
        (error, path) = try loadingError { metadata, _ in metadata["llama.embedding_length"] = .uint64(1 << 40) }
        #expect(error == .metadataContradictsTensor(file: path, key: "llama.embedding_length", value: 1 << 40,
                                                    tensor: "token_embd.weight", shape: [32, 16]))
        (error, path) = try loadingError { metadata, _ in metadata["llama.attention.head_count_kv"] = .uint32(3) }
        #expect(error == .invalidMetadata(file: path, key: "llama.attention.head_count_kv", value: "3",
                                          reason: "does not divide llama.attention.head_count 4"))
        (error, path) = try loadingError { metadata, _ in metadata["llama.attention.head_count_kv"] = .uint32(1) }
        #expect(error == .metadataContradictsTensor(file: path, key: "llama.attention.head_count_kv", value: 1,
                                                    tensor: "blk.0.attn_k.weight", shape: [8, 16]))
        (error, path) = try loadingError { metadata, _ in metadata["llama.feed_forward_length"] = .uint64(1 << 40) }
        #expect(error == .metadataContradictsTensor(file: path, key: "llama.feed_forward_length", value: 1 << 40,
                                                    tensor: "blk.0.ffn_gate.weight", shape: [24, 16]))
        (error, path) = try loadingError { metadata, _ in metadata["llama.attention.head_count"] = .int32(0) }
        #expect(error == .invalidMetadata(file: path, key: "llama.attention.head_count", value: "0", reason: "must be positive"))
        (error, path) = try loadingError { metadata, _ in metadata["llama.rope.dimension_count"] = .uint32(2) }
        #expect(error == .invalidMetadata(file: path, key: "llama.rope.dimension_count", value: "2",
                                          reason: "partial rotary embeddings are not supported; it must be the head size 4"))
        (error, path) = try loadingError { metadata, _ in
            metadata["tokenizer.ggml.tokens"] = .array(elementType: .string, values: [.string("a")])
        }
        #expect(error == .metadataContradictsTensor(file: path, key: "tokenizer.ggml.tokens", value: 1,
                                                    tensor: "token_embd.weight", shape: [32, 16]))
        (error, path) = try loadingError { metadata, _ in metadata["llama.context_length"] = nil }
        #expect(error == .unreadable(.missingKey(file: path, key: "llama.context_length")))
        (error, path) = try loadingError { metadata, _ in metadata["llama.rope.scaling.type"] = .string("yarn") }
        #expect(error == .unsupportedMetadata(file: path, key: "llama.rope.scaling.type", value: "yarn", supported: ["none"]))
    }

    @Test func missingExtraOrMisshapenTensorsThrow() throws {
        var (error, path) = try loadingError { _, tensors in tensors.removeAll { $0.0 == "blk.1.ffn_up.weight" } }
        #expect(error == .weightsMismatch(file: path, missing: ["blk.1.ffn_up.weight"], unexpected: [], mismatched: []))
        (error, path) = try loadingError { _, tensors in
            let i = tensors.firstIndex { $0.0 == "blk.0.ffn_down.weight" }!
            tensors[i].1 = Tensor.zeros([16, 20])
            tensors.append(("rope_freqs.weight", Tensor.zeros([2])))
        }
        guard case let .weightsMismatch(file, missing, unexpected, mismatched)? = error else {
            Issue.record("expected weightsMismatch, got \(String(describing: error))")
            return
        }
        #expect(file == path && missing.isEmpty && unexpected == ["rope_freqs.weight"])
        #expect(mismatched.map { "\($0.name) \($0.expected) \($0.found)" } == ["blk.0.ffn_down.weight [16, 24] [16, 20]"])
    }

    @Test func otherArchitecturesThrow() throws {
        let (error, path) = try loadingError { metadata, _ in metadata["general.architecture"] = .string("gpt2") }
        #expect(error == .unsupportedArchitecture(file: path, architecture: "gpt2", supported: ["llama"]))
        #expect(error.map { "\($0)" }?.contains("architecture 'gpt2' is not supported (supported: llama)") == true)
    }
}
