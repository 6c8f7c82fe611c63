import Foundation
import Testing
import TestFixtures
@testable import FineTuning

/// `GPT.writeGGUF` (what `fuse` runs after merging an adapter) on a tiny LLaMA that carries
/// SmolLM2's tokenizer and chat template: the file reloads with `PretrainedLLM` and gives the
/// merged model's logits. (By hand, on the real model: transformers reads the fused F32 and Q8_0
/// files with PEFT's top-5; see Documentation/LLM.md.)
@Suite struct FuseGGUFExportTests {
    /// SmolLM2's metadata: tokenizer, chat template, and hyperparameters the export replaces.
    private let source: GGUFMetadata
    /// 24 tokens: long enough that a query/key row order mistake changes the logits.
    private let ids = Tensor((0..<24).map { Int32(($0 * 7919) % 49_152) }, shape: [1, 24])

    init() throws { source = try GGUFFile(contentsOf: try smolLM2File.get()).metadata }

    /// A LLaMA of SmolLM2's vocabulary, width 64 (4 query heads of 16, 2 key/value heads) and a
    /// feed-forward width of 80, whose down projection (rows of 80) does not split into Q8_0
    /// blocks of 32; with a merged LoRA on every projection.
    private func mergedTinyLlama() throws -> GPT {
        var config = GPTConfig(vocabularySize: 49_152, maxPositions: 128, dim: 64, layers: 2, heads: 4, kvHeads: 2, hidden: 80)
        config.positions = .rotary(base: 100_000)
        config.norm = .rmsNorm
        config.feedForward = .swiGLU
        config.bias = false
        config.normEps = Double(Float(1e-5))   // what the file's float32 holds
        let model = GPT(config, generator: Generator(seed: 3))
        let generator = Generator(seed: 4)
        withGradientsDisabled {
            for (name, parameter) in model.namedParameters() {
                if name.hasSuffix("Norm.weight") {
                    parameter.assign(Tensor.uniform(parameter.shape, low: 0.5, high: 1.5, generator: generator))
                } else if name.hasSuffix("query.weight") || name.hasSuffix("key.weight") {
                    parameter.assign(Tensor.normal(parameter.shape, std: 0.3, generator: generator))
                }
            }
        }
        try LoRA(LoRAConfig(rank: 4, alpha: 8, targetModules: HuggingFaceLlamaNames.projectionNames.map(HuggingFaceLlamaNames.target)),
                 generator: Generator(seed: 5)).prepare(model)
        withGradientsDisabled {
            for (name, parameter) in model.adapterParameters() where name.hasSuffix("loraB") {
                parameter.assign(Tensor.normal(parameter.shape, std: 0.1, generator: generator))
            }
        }
        model.mergeAndUnload()
        model.eval()
        return model
    }

    private func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("fuse-\(UInt64.random(in: 0 ... .max)).gguf")
    }

    private func logits(_ model: GPT) -> Tensor { withGradientsDisabled { model(ids) } }

    /// Every weight reloads as exactly what its type holds (F32: bit for bit; F16 and Q8_0: the
    /// values rounded to the type, the same as encoding and decoding them in memory), so the
    /// logits are the merged model's (F32: identical; measured F16 0.0031 and Q8_0 0.089 for
    /// logits up to 0.8, in a tiny random model whose sharp attention magnifies rounding). Norms
    /// stay F32, Q8_0 falls back to F16 for the down projections, the head stays tied, and the
    /// tokenizer, chat template and file type come through.
    @Test(arguments: [(GGMLType.f32, 1e-5), (.f16, 0.02), (.q8_0, 0.25)])
    func fusedFileReloadsWithTheMergedModelsWeights(type: GGMLType, tolerance: Double) throws {
        let model = try mergedTinyLlama()
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        let summary = try model.writeGGUF(to: url, type: type, metadataFrom: source)
        #expect(summary.fallbacks.map(\.tensor) == (type == .q8_0 ? ["blk.0.ffn_down.weight", "blk.1.ffn_down.weight"] : []))
        let written = Dictionary(uniqueKeysWithValues: summary.tensors.map { ($0.name, $0.type) })

        let reloaded = try PretrainedLLM(contentsOf: url)
        for ((name, ours), (_, theirs)) in zip(model.namedParameters(), reloaded.model.namedParameters()) {
            let fileType = try #require(GGUFNameMapping.ggufName(forOurs: name).flatMap { written[$0] })
            #expect(fileType == (ours.shape.count == 1 ? .f32 : name.hasSuffix("down.weight") && type == .q8_0 ? .f16 : type), "\(name)")
            let expected = QuantizedTensor(quantizing: ours, as: fileType).dequantized()
            #expect(theirs.scalars(as: Float.self) == expected.scalars(as: Float.self), "\(name) reloads as \(fileType.name) holds it")
        }
        let expected = logits(model), observed = logits(reloaded.model)
        let worst = (observed - expected).abs().max().item(as: Float.self)
        let scale = expected.abs().max().item(as: Float.self)
        #expect(Double(worst) <= tolerance * Double(scale), "\(type.name): largest |Δlogit| \(worst) for logits up to \(scale)")

        let file = try GGUFFile(contentsOf: url)
        #expect(file.info(named: "output.weight") == nil && reloaded.model.config.tiedHead)
        #expect(file.info(named: "blk.1.attn_norm.weight")?.type == .f32 && file.info(named: "output_norm.weight")?.type == .f32)
        #expect(file.info(named: "blk.0.attn_q.weight")?.type == type && file.info(named: "token_embd.weight")?.type == type)
        #expect(file.info(named: "blk.0.ffn_down.weight")?.type == (type == .q8_0 ? .f16 : type))
        #expect(file.metadata["general.file_type"]?.int == [GGMLType.f32: 0, .f16: 1, .q8_0: 7][type])
        #expect(file.metadata["llama.feed_forward_length"]?.int == 80 && file.metadata["llama.block_count"]?.int == 2)
        #expect(file.metadata["llama.rope.dimension_count"]?.int == 16)
        #expect(file.metadata["tokenizer.chat_template"] == source["tokenizer.chat_template"])
        #expect(file.metadata["tokenizer.ggml.merges"] == source["tokenizer.ggml.merges"])
        #expect(file.metadata.keys.starts(with: source.keys.prefix(8)))   // the source's order is kept
        #expect(try reloaded.chatPrompt(user: "Hi") == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }

    /// Query and key rows go back into llama.cpp's order: the file holds `ggufOrder` of ours.
    @Test func queryAndKeyRowsAreInLlamaCppOrder() throws {
        let model = try mergedTinyLlama()
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try model.writeGGUF(to: url, type: .f32, metadataFrom: source)
        let file = try GGUFFile(contentsOf: url)
        let attention = model.layers[1].attention
        let query = try #require(attention.query as? Linear), key = try #require(attention.key as? Linear)
        #expect(try file.tensor(named: "blk.1.attn_q.weight").scalars(as: Float.self)
                    == GGUFQueryKeyPermutation.ggufOrder(query.weight, heads: 4).contiguous().scalars(as: Float.self))
        #expect(try file.tensor(named: "blk.1.attn_k.weight").scalars(as: Float.self)
                    == GGUFQueryKeyPermutation.ggufOrder(key.weight, heads: 2).contiguous().scalars(as: Float.self))
    }

    /// Quantized projections are written from their dequantized values.
    @Test func quantizedProjectionsExportTheirValues() throws {
        let model = try mergedTinyLlama()
        model.quantizeLinears { _, linear in
            linear.inFeatures % 32 == 0 ? QuantizedTensor(quantizing: linear.weight, as: .q8_0) : nil
        }
        #expect(model.layers[0].attention.query is QuantizedLinear)
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try model.writeGGUF(to: url, type: .f32, metadataFrom: source)
        let reloaded = try GPT.pretrained(ggufAt: url)
        expectTensorsClose(logits(reloaded), logits(model), tolerance: 1e-4)
    }

    /// What the file could not hold throws before anything is written.
    @Test func refusesWhatAGGUFFileCannotHold() throws {
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        let model = try mergedTinyLlama()
        #expect(throws: GGUFExportError.unsupportedType("Q4_1")) { try model.writeGGUF(to: url, type: .q4_1, metadataFrom: source) }

        try LoRA(LoRAConfig(rank: 2, targetModules: ["attention.value"])).prepare(model)
        #expect(throws: GGUFExportError.unmergedAdapters(layers: ["layers.0.attention.value", "layers.1.attention.value"])) {
            try model.writeGGUF(to: url, metadataFrom: source)
        }
        model.mergeAndUnload()
        try model.writeGGUF(to: url, metadataFrom: source)   // merged: fine
        try FileManager.default.removeItem(at: url)

        var metadata = source
        metadata["tokenizer.ggml.tokens"] = .array(elementType: .string, values: [.string("a")])
        #expect(throws: GGUFExportError.metadataMismatch(key: "tokenizer.ggml.tokens", reason: "1 tokens for a model of 49152 embedding rows")) {
            try model.writeGGUF(to: url, metadataFrom: metadata)
        }
        let gpt2 = GPT(GPTConfig(vocabularySize: 32, maxPositions: 16, dim: 16, layers: 1, heads: 2))
        #expect(throws: GGUFExportError.self) { try gpt2.writeGGUF(to: url, metadataFrom: GGUFMetadata()) }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}
