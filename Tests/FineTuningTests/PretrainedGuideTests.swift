import Foundation
import Testing
@testable import FineTuning

// Every Swift snippet of Documentation/Pretrained.md, compiled and run: each test holds the
// guide's code for one section (named in the test). The guide loads the real all-MiniLM-L6-v2,
// which `make test` may not have, so the folder here is a tiny random BERT (2 layers, width 8)
// written the way Hugging Face writes one; the MiniLM numbers themselves are checked by
// PretrainedMiniLMTests.
@Suite struct PretrainedGuideTests {
    private static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "the",
                                     "cat", "##s", ",", "!"]

    private static var configJSON: [String: Any] { [
        "model_type": "bert", "vocab_size": 12, "hidden_size": 8, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 16, "hidden_act": "gelu",
        "max_position_embeddings": 10, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "pad_token_id": 0,
    ] }

    /// A model folder: config.json (with `changes`; NSNull removes a key), vocab.txt and
    /// model.safetensors holding `weights` (by default a random encoder's, under Hugging Face names).
    private func modelFolder(config changes: [String: Any] = [:],
                             editWeights: (inout [String: Tensor]) -> Void = { _ in }) throws -> (URL, Encoder) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pretrained-guide-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let configURL = url.appendingPathComponent("config.json")
        var config = Self.configJSON
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        let reference = Encoder(try BertConfig(contentsOf: configURL).encoderConfig(), generator: Generator(seed: 5))
        reference.eval()
        for (key, value) in changes { config[key] = value is NSNull ? nil : value }
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        try (Self.vocabulary.joined(separator: "\n") + "\n")
            .write(to: url.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        var weights = BertNameMapping.huggingFaceStateDict(fromOurs: reference.stateDict())
        weights["embeddings.position_ids"] = Tensor((0..<10).map { Int64($0) }, shape: [1, 10])
        editWeights(&weights)
        try SafeTensors.save(weights, to: url.appendingPathComponent("model.safetensors"), durable: false)
        return (url, reference)
    }

    /// The message of the error `body` throws.
    private func message(_ body: () throws -> Void) -> String {
        do { try body(); return "nothing thrown" } catch { return "\(error)" }
    }

    /// "Loading".
    @Test func loading() throws {
        let (folder, reference) = try modelFolder()
        defer { try? FileManager.default.removeItem(at: folder) }

        let model = try PretrainedEncoder(directory: folder)       // or: let (encoder, tokenizer) = try Encoder.pretrained(from: folder)
        let batch = model.tokenizer.encodeBatch(["Hello, world!"], maxLength: 128)
        let hidden = model.encoder(batch.idsTensor(), tokenTypes: batch.tokenTypeIDsTensor(),
                                   mask: batch.attentionMaskTensor())   // [1, 6, 384] for MiniLM

        #expect(hidden.shape == [1, 6, 8])   // [CLS] hello , world ! [SEP]
        #expect(!model.encoder.isTraining && model.encoder.pooler != nil)
        let expected = reference(batch.idsTensor(), tokenTypes: batch.tokenTypeIDsTensor(), mask: batch.attentionMaskTensor())
        expectTensorsClose(hidden, expected, tolerance: 0)
        let (encoder, tokenizer) = try Encoder.pretrained(from: folder)
        #expect(tokenizer.encodeBatch(["Hello, world!"], maxLength: 128).ids == batch.ids)
        expectTensorsClose(encoder.stateDict()["layers.1.feedForward.down.weight"]!,
                           reference.stateDict()["layers.1.feedForward.down.weight"]!, tolerance: 0)
        let viaConfig = try EncoderConfig(huggingFace: folder.appendingPathComponent("config.json"))
        #expect(viaConfig.dim == 8 && viaConfig.layers == 2 && viaConfig.hidden == 16)
    }

    /// "Loading", step 1: the config.json messages the guide quotes.
    @Test func configErrorMessages() throws {
        let cases: [([String: Any], String)] = [
            (["hidden_size": "384"], "config.json: key 'hidden_size' must be an integer, found \"384\""),
            (["model_type": "gpt2"], "config.json: unsupported model_type 'gpt2' (supported: bert)"),
            (["hidden_act": "quick_gelu"], "config.json: unsupported hidden_act 'quick_gelu' (supported: gelu, gelu_fast, gelu_new, "),
        ]
        for (change, expected) in cases {
            let (folder, _) = try modelFolder(config: change)
            defer { try? FileManager.default.removeItem(at: folder) }
            let text = message { _ = try PretrainedEncoder(directory: folder) }
            #expect(text.contains("/" + expected), "\(text)")
        }
    }

    /// "Loading", step 2: the weights-mismatch message the guide quotes, and the non-strict load.
    @Test func weightsMismatchMessage() throws {
        let (folder, reference) = try modelFolder { weights in
            weights["encoder.layer.0.output.LayerNorm.weight"] = nil
            weights["encoder.layer.1.attention.self.key.bias"] = nil
            weights["cls.predictions.bias"] = Tensor.zeros([12])
            weights["encoder.layer.2.output.dense.weight"] = Tensor.zeros([8, 16])
            weights["embeddings.word_embeddings.weight"] = Tensor.zeros([13, 8])
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = message { _ = try PretrainedEncoder(directory: folder) }
        #expect(text.hasSuffix("""
            model.safetensors: the weights do not match the model in config.json:
              missing: encoder.layer.0.output.LayerNorm.weight, encoder.layer.1.attention.self.key.bias
              unexpected: cls.predictions.bias, encoder.layer.2.output.dense.weight
              embeddings.word_embeddings.weight: expected shape [12, 8], found [13, 8]
            """), "\(text)")

        // A task checkpoint's encoder part, its heads skipped: `loadHuggingFaceWeights(_:strict: false)`.
        var tensors = BertNameMapping.huggingFaceStateDict(fromOurs: reference.stateDict())
        tensors["classifier.weight"] = Tensor.zeros([2, 8])
        let encoder = Encoder(reference.config)
        let skipped = try encoder.loadHuggingFaceWeights(tensors, strict: false)
        #expect(skipped.missing.isEmpty && skipped.unexpected == ["classifier.weight"])
    }

    /// "The name mapping".
    @Test func nameMapping() {
        #expect(BertNameMapping.ourName(forHF: "bert.encoder.layer.3.attention.self.query.weight") == "layers.3.attention.query.weight")
        #expect(BertNameMapping.ourName(forHF: "embeddings.LayerNorm.gamma") == "embeddings.norm.weight")
        #expect(BertNameMapping.huggingFaceName(forOurs: "layers.0.feedForward.up.bias") == "encoder.layer.0.intermediate.dense.bias")
        #expect(BertNameMapping.ourModule(forHF: "encoder.layer.2.attention.self.value") == "layers.2.attention.value")
        #expect(BertNameMapping.isIgnoredHuggingFaceName("embeddings.position_ids"))   // true: a buffer, skipped

        #expect(BertNameMapping.ourName(forHF: "classifier.weight") == nil)
        #expect(BertNameMapping.sequenceClassifierName(forHF: "bert.pooler.dense.weight") == "encoder.pooler.weight")
        #expect(BertNameMapping.huggingFaceSequenceClassifierName(forOurs: "classifier.bias") == "classifier.bias")
        // Every row of the guide's table, both ways.
        let table = [
            ("embeddings.wordEmbeddings.weight", "embeddings.word_embeddings.weight"),
            ("embeddings.positionEmbeddings.weight", "embeddings.position_embeddings.weight"),
            ("embeddings.tokenTypeEmbeddings.weight", "embeddings.token_type_embeddings.weight"),
            ("embeddings.norm.bias", "embeddings.LayerNorm.bias"),
            ("layers.4.attention.query.weight", "encoder.layer.4.attention.self.query.weight"),
            ("layers.4.attention.key.bias", "encoder.layer.4.attention.self.key.bias"),
            ("layers.4.attention.value.weight", "encoder.layer.4.attention.self.value.weight"),
            ("layers.4.attention.output.weight", "encoder.layer.4.attention.output.dense.weight"),
            ("layers.4.attentionNorm.weight", "encoder.layer.4.attention.output.LayerNorm.weight"),
            ("layers.4.feedForward.up.weight", "encoder.layer.4.intermediate.dense.weight"),
            ("layers.4.feedForward.down.bias", "encoder.layer.4.output.dense.bias"),
            ("layers.4.feedForwardNorm.bias", "encoder.layer.4.output.LayerNorm.bias"),
            ("pooler.weight", "pooler.dense.weight"),
        ]
        for (ours, huggingFace) in table {
            #expect(BertNameMapping.huggingFaceName(forOurs: ours) == huggingFace)
            #expect(BertNameMapping.ourName(forHF: huggingFace) == ours)
        }
    }

    /// "Sentence embeddings".
    @Test func sentenceEmbeddings() throws {
        let (folder, _) = try modelFolder()
        defer { try? FileManager.default.removeItem(at: folder) }

        let embedder = try SentenceEmbedder(directory: folder, maxLength: 128, batchSize: 32)
        let vectors = embedder.embed(["A man is eating food.", "A man is eating a piece of bread."])  // [[Float]], 384 each

        #expect(vectors.count == 2 && vectors.allSatisfy { $0.count == 8 })
        for vector in vectors {
            #expect(Swift.abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)   // unit length
        }

        let sequences = embedder.tokenizer.encodeBatch(["A cat sits.", "Hi!"], padding: .none, maxLength: 128).ids
        let lengths = sequences.map(\.count)
        let ids = Tensor(sequences.flatMap { $0.map(Int32.init) }, shape: [lengths.reduce(0, +)])
        let hidden = embedder.encoder(packed: ids, sequenceLengths: lengths)   // [T, 384]
        let pooled = meanPooling(hidden, sequenceLengths: lengths)             // [2, 384]

        #expect(hidden.shape == [lengths.reduce(0, +), 8] && pooled.shape == [2, 8])
        // The packed path is the embedder's: normalised, the pooled rows are its vectors.
        let unit = pooled / (pooled * pooled).sum(axes: [1], keepDims: true).sqrt()
        let direct = embedder.embed(["A cat sits.", "Hi!"])
        #expect(zip(unit.scalars(as: Float.self), direct.joined()).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
    }
}
