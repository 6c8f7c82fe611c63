import Foundation
import Testing
import TensorKit
@testable import FineTuning

@Suite struct PretrainedLoadingTests {
    // MARK: helpers

    private static var tinyConfigJSON: [String: Any] { [
        "model_type": "bert", "vocab_size": 12, "hidden_size": 8, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 16, "hidden_act": "gelu",
        "max_position_embeddings": 10, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "pad_token_id": 0,
    ] }

    private static let tinyVocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "the",
                                         "cat", "##s", ",", "!"]

    /// A fresh folder; `config` (with `changes` applied, NSNull removing a key) as config.json.
    private func folder(config changes: [String: Any] = [:], weights: [String: Tensor]? = nil) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pretrained-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var config = Self.tinyConfigJSON
        for (key, value) in changes { config[key] = value is NSNull ? nil : value }
        try JSONSerialization.data(withJSONObject: config).write(to: url.appendingPathComponent("config.json"))
        try (Self.tinyVocabulary.joined(separator: "\n") + "\n")
            .write(to: url.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        if let weights {
            try SafeTensors.save(weights, to: url.appendingPathComponent("model.safetensors"), durable: false)
        }
        return url
    }

    /// A random tiny encoder (with pooler) and its weights under Hugging Face names, plus the
    /// `position_ids` buffer transformers saves.
    private func tinyCheckpoint() throws -> (Encoder, [String: Tensor]) {
        let config = try BertConfig(contentsOf: folder().appendingPathComponent("config.json"))
        let encoder = Encoder(config.encoderConfig(), generator: Generator(seed: 3))
        var weights = BertNameMapping.huggingFaceStateDict(fromOurs: encoder.stateDict())
        weights["embeddings.position_ids"] = Tensor((0..<10).map { Int64($0) }, shape: [1, 10])
        return (encoder, weights)
    }

    private func expectError(_ expected: PretrainedError, sourceLocation: SourceLocation = #_sourceLocation,
                             _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(expected), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as PretrainedError {
            #expect(error == expected, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
        }
    }

    private func configError(_ changes: [String: Any], _ expected: (String) -> PretrainedError,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = try folder(config: changes).appendingPathComponent("config.json")
        expectError(expected(url.path), sourceLocation: sourceLocation) { _ = try BertConfig(contentsOf: url) }
    }

    // MARK: config.json

    @Test func parsesMiniLMStyleConfig() throws {
        let url = try folder(config: ["hidden_act": "gelu_new", "type_vocab_size": 0, "hidden_dropout_prob": 0])
            .appendingPathComponent("config.json")
        let bert = try BertConfig(contentsOf: url)
        #expect(bert.vocabularySize == 12 && bert.hiddenSize == 8 && bert.layers == 2 && bert.heads == 2)
        #expect(bert.intermediateSize == 16 && bert.maxPositions == 10 && bert.padTokenID == 0)
        let config = try EncoderConfig(huggingFace: url)
        #expect(config.dim == 8 && config.hidden == 16 && config.activation == .geluTanh)
        #expect(config.typeVocabularySize == 0 && config.dropout == 0 && config.normEps == 1e-12 && config.pooler)
        // Optional keys fall back to transformers' BertConfig defaults.
        let minimal = try folder(config: ["hidden_act": NSNull(), "max_position_embeddings": NSNull(),
                                          "layer_norm_eps": NSNull(), "pad_token_id": NSNull()])
        let defaults = try BertConfig(contentsOf: minimal.appendingPathComponent("config.json"))
        #expect(defaults.hiddenActivation == "gelu" && defaults.maxPositions == 512 && defaults.layerNormEps == 1e-12)
    }

    @Test func configErrorsNameTheKey() throws {
        try configError(["hidden_size": NSNull()]) { .missingConfigKey(path: $0, key: "hidden_size") }
        try configError(["model_type": NSNull()]) { .missingConfigKey(path: $0, key: "model_type") }
        try configError(["hidden_size": "384"]) {
            .invalidConfigValue(path: $0, key: "hidden_size", reason: "must be an integer, found \"384\"")
        }
        try configError(["num_hidden_layers": 2.5]) {
            .invalidConfigValue(path: $0, key: "num_hidden_layers", reason: "must be an integer, found 2.5")
        }
        try configError(["vocab_size": true]) {
            .invalidConfigValue(path: $0, key: "vocab_size", reason: "must be an integer, found true")
        }
        try configError(["intermediate_size": 0]) {
            .invalidConfigValue(path: $0, key: "intermediate_size", reason: "must be an integer ≥ 1, found 0")
        }
        try configError(["layer_norm_eps": "tiny"]) {
            .invalidConfigValue(path: $0, key: "layer_norm_eps", reason: "must be a number, found \"tiny\"")
        }
        try configError(["num_attention_heads": 3]) {
            .invalidConfigValue(path: $0, key: "num_attention_heads", reason: "(3) must divide hidden_size (8)")
        }
        try configError(["model_type": "gpt2"]) {
            .unsupportedConfigValue(path: $0, key: "model_type", value: "gpt2", supported: ["bert"])
        }
        try configError(["hidden_act": "quick_gelu"]) {
            .unsupportedConfigValue(path: $0, key: "hidden_act", value: "quick_gelu",
                                    supported: BertConfig.activations.keys.sorted())
        }
        try configError(["position_embedding_type": "relative_key"]) {
            .unsupportedConfigValue(path: $0, key: "position_embedding_type", value: "relative_key", supported: ["absolute"])
        }
        let notJSON = try folder().appendingPathComponent("config.json")
        try "[1, 2]".write(to: notJSON, atomically: true, encoding: .utf8)
        expectError(.invalidConfig(path: notJSON.path, reason: "the top level is not a JSON object")) {
            _ = try BertConfig(contentsOf: notJSON)
        }
        let absent = URL(fileURLWithPath: "/nonexistent/config.json")
        expectError(.missingFile(path: absent.path)) { _ = try BertConfig(contentsOf: absent) }
        #expect("\(PretrainedError.missingConfigKey(path: "c.json", key: "vocab_size"))"
                == "c.json: required key 'vocab_size' is missing")
    }

    // MARK: name mapping

    @Test func nameMappingRoundTrips() {
        var config = EncoderConfig(vocabularySize: 12, dim: 8, layers: 12, heads: 2, hidden: 16)
        config.maxPositions = 10
        let ours = Encoder(config).stateDict().keys.sorted()
        #expect(ours.count == 5 + 12 * 16 + 2)
        var theirs = Set<String>()
        for name in ours {
            guard let hf = BertNameMapping.huggingFaceName(forOurs: name) else {
                Issue.record("no Hugging Face name for \(name)")
                continue
            }
            theirs.insert(hf)
            #expect(BertNameMapping.ourName(forHF: hf) == name)
            #expect(BertNameMapping.ourName(forHF: "bert." + hf) == name)
        }
        #expect(theirs.count == ours.count)
        #expect(theirs.contains("encoder.layer.11.attention.self.query.weight"))
        #expect(theirs.contains("encoder.layer.10.output.LayerNorm.bias"))
        #expect(theirs.contains("pooler.dense.weight") && theirs.contains("embeddings.LayerNorm.weight"))
    }

    @Test func nameMappingCases() {
        typealias M = BertNameMapping
        #expect(M.ourName(forHF: "embeddings.LayerNorm.gamma") == "embeddings.norm.weight")
        #expect(M.ourName(forHF: "bert.embeddings.LayerNorm.beta") == "embeddings.norm.bias")
        #expect(M.ourName(forHF: "encoder.layer.4.output.LayerNorm.gamma") == "layers.4.feedForwardNorm.weight")
        #expect(M.ourName(forHF: "encoder.layer.0.intermediate.dense.bias") == "layers.0.feedForward.up.bias")
        #expect(M.ourName(forHF: "encoder.layer.0.output.dense.weight") == "layers.0.feedForward.down.weight")
        #expect(M.ourName(forHF: "encoder.layer.0.attention.output.dense.weight") == "layers.0.attention.output.weight")
        #expect(M.ourName(forHF: "pooler.dense.bias") == "pooler.bias")
        // Not encoder parameters.
        for name in ["embeddings.position_ids", "classifier.weight", "cls.predictions.bias", "pooler.dense.gamma",
                     "encoder.layer.01.output.dense.weight", "encoder.layer.-1.output.dense.weight",
                     "encoder.layer.x.output.dense.weight", "encoder.layer.0.output.dense", "weight",
                     "encoder.layer.0.attention.self.query.gamma", "embeddings.word_embeddings.bias.extra"] {
            #expect(M.ourName(forHF: name) == nil, "\(name)")
        }
        #expect(M.isIgnoredHuggingFaceName("embeddings.position_ids"))
        #expect(M.isIgnoredHuggingFaceName("bert.embeddings.position_ids"))
        #expect(!M.isIgnoredHuggingFaceName("embeddings.position_embeddings.weight"))
        #expect(M.huggingFaceName(forOurs: "classifier.weight") == nil)
        #expect(M.huggingFaceName(forOurs: "layers.2.attentionNorm.weight") == "encoder.layer.2.attention.output.LayerNorm.weight")
        #expect(M.ourModule(forHF: "bert.encoder.layer.5.attention.self.value") == "layers.5.attention.value")
        #expect(M.huggingFaceModule(forOurs: "layers.5.feedForward.up") == "encoder.layer.5.intermediate.dense")
    }

    @Test func sequenceClassifierNamesRoundTrip() {
        typealias M = BertNameMapping
        var config = EncoderConfig(vocabularySize: 12, dim: 8, layers: 2, heads: 2, hidden: 16)
        config.maxPositions = 10
        let names = SequenceClassifier(config, classes: 3).stateDict().keys.sorted()
        #expect(names.contains("classifier.weight") && names.contains("encoder.layers.1.feedForward.down.bias"))
        for name in names {
            let theirs = M.huggingFaceSequenceClassifierName(forOurs: name)
            #expect(theirs != nil, "\(name)")
            if let theirs { #expect(M.sequenceClassifierName(forHF: theirs) == name) }
        }
        #expect(M.sequenceClassifierName(forHF: "bert.encoder.layer.0.output.LayerNorm.gamma")
                == "encoder.layers.0.feedForwardNorm.weight")
        #expect(M.huggingFaceSequenceClassifierName(forOurs: "encoder.embeddings.norm.bias") == "bert.embeddings.LayerNorm.bias")
        #expect(M.sequenceClassifierName(forHF: "encoder.layer.0.output.dense.weight") == nil)  // no `bert.`
        #expect(M.sequenceClassifierName(forHF: "classifier.gamma") == nil)
        #expect(M.sequenceClassifierName(forHF: "bert.embeddings.position_ids") == nil)
    }

    // MARK: loading weights

    @Test func loadsAFolderWithLegacyAndPrefixedNames() throws {
        let (source, weights) = try tinyCheckpoint()
        var legacy: [String: Tensor] = [:]
        for (name, tensor) in weights {
            let renamed = name.replacingOccurrences(of: "LayerNorm.weight", with: "LayerNorm.gamma")
                .replacingOccurrences(of: "LayerNorm.bias", with: "LayerNorm.beta")
            legacy["bert." + renamed] = tensor
        }
        for variant in [weights, legacy] {
            let model = try PretrainedEncoder(directory: try folder(weights: variant))
            #expect(!model.encoder.isTraining && model.tokenizer.vocabularySize == 12)
            for (name, tensor) in source.stateDict() {
                #expect(model.encoder.stateDict()[name]?.scalars(as: Float.self) == tensor.scalars(as: Float.self), "\(name)")
            }
        }
        // Without a pooler in the file the encoder is built without one.
        let noPooler = weights.filter { !$0.key.hasPrefix("pooler.") }
        let (encoder, tokenizer) = try Encoder.pretrained(from: try folder(weights: noPooler))
        #expect(encoder.pooler == nil && tokenizer.specialTokens.cls == 2)
    }

    @Test func doctoredWeightsAreReportedByName() throws {
        let (_, weights) = try tinyCheckpoint()
        var doctored = weights
        doctored["encoder.layer.1.attention.self.key.bias"] = nil
        doctored["encoder.layer.0.output.LayerNorm.weight"] = nil
        doctored["encoder.layer.2.output.dense.weight"] = Tensor.zeros([8, 16])  // a third layer
        doctored["cls.predictions.bias"] = Tensor.zeros([12])
        doctored["embeddings.word_embeddings.weight"] = Tensor.zeros([13, 8])
        let url = try folder(weights: doctored)
        let file = url.appendingPathComponent("model.safetensors").path
        expectError(.weightsMismatch(
            path: file,
            missing: ["encoder.layer.0.output.LayerNorm.weight", "encoder.layer.1.attention.self.key.bias"],
            unexpected: ["cls.predictions.bias", "encoder.layer.2.output.dense.weight"],
            mismatched: [.init(name: "embeddings.word_embeddings.weight", expected: [12, 8], found: [13, 8])])) {
            _ = try PretrainedEncoder(directory: url)
        }
        // Non-strict loading skips missing and unexpected names, returns them, loads the rest.
        let (fresh, _) = try tinyCheckpoint()
        var partial = weights
        partial["encoder.layer.1.attention.self.key.bias"] = nil
        partial["classifier.weight"] = Tensor.zeros([3, 8])
        let skipped = try fresh.loadHuggingFaceWeights(partial, strict: false)
        #expect(skipped.missing == ["encoder.layer.1.attention.self.key.bias"])
        #expect(skipped.unexpected == ["classifier.weight"])
        // The same name twice (with and without `bert.`) is reported, not silently chosen.
        var twice = weights
        twice["bert.pooler.dense.bias"] = weights["pooler.dense.bias"]
        expectError(.weightsMismatch(path: "checkpoint", missing: [], unexpected: ["pooler.dense.bias"], mismatched: [])) {
            try fresh.loadHuggingFaceWeights(twice)
        }
    }

    /// Sizes in config.json that the weights do not back are refused before anything is
    /// allocated from them (these used to map terabytes, overflow, or take gigabytes first).
    @Test func lyingConfigSizesThrowBeforeAllocating() throws {
        let (encoder, weights) = try tinyCheckpoint()
        let config = try BertConfig(contentsOf: folder().appendingPathComponent("config.json"))
        #expect(config.parameterCount(pooler: true) == encoder.parameters().reduce(0) { $0 + $1.count })
        let cases: [(String, Any, String)] = [
            ("intermediate_size", 1_000_000_000, "encoder.layer.0.intermediate.dense.weight"),
            ("hidden_size", 384_000, "embeddings.word_embeddings.weight"),
            ("vocab_size", 999_999_999_999_999, "embeddings.word_embeddings.weight"),
            ("num_hidden_layers", 999_999_999_999_999, "encoder.layer.999999999999998.attention.self.query.weight"),
            ("num_hidden_layers", 1000, "encoder.layer.999.attention.self.query.weight"),
        ]
        for (key, value, culprit) in cases {
            let url = try folder(config: [key: value], weights: weights)
            let error = #expect(throws: PretrainedError.self) { _ = try PretrainedEncoder(directory: url) }
            guard case .weightsMismatch(let path, let missing, _, let mismatched)? = error else {
                Issue.record("\(key) = \(value): \(String(describing: error))")
                continue
            }
            #expect(path.hasSuffix("model.safetensors"))
            #expect(missing.contains(culprit) || mismatched.contains { $0.name == culprit }, "\(key): \(missing) \(mismatched)")
        }
        // A file that holds only the size-carrying tensors cannot back a million layers either.
        let sparse = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                      "embeddings.token_type_embeddings.weight", "encoder.layer.0.intermediate.dense.weight",
                      "encoder.layer.999999.attention.self.query.weight"]
        var few = weights.filter { sparse.contains($0.key) }
        few["encoder.layer.999999.attention.self.query.weight"] = Tensor.zeros([8, 8])
        let url = try folder(config: ["num_hidden_layers": 1_000_000], weights: few)
        let error = #expect(throws: PretrainedError.self) { _ = try PretrainedEncoder(directory: url) }
        guard case .invalidConfig(let path, let reason)? = error else {
            Issue.record("a million layers: \(String(describing: error))")
            return
        }
        #expect(path.hasSuffix("config.json") && reason.contains("parameters"), "\(reason)")
    }

    @Test func invalidConfigJSONNamesTheFileAndPosition() throws {
        let url = try folder().appendingPathComponent("config.json")
        try "{\"model_type\": \"bert\",\n  \"vocab_size\": 12,,\n}".write(to: url, atomically: true, encoding: .utf8)
        let error = #expect(throws: PretrainedError.self) { _ = try BertConfig(contentsOf: url) }
        guard case .invalidConfig(let path, let reason)? = error else {
            Issue.record("invalid JSON: \(String(describing: error))")
            return
        }
        #expect(path == url.path)
        #expect(reason.contains("line 2, column 20"), "\(reason)")
    }

    /// A tokenizer that can emit ids past the model's tables is refused when the two are paired,
    /// naming both files (these used to load and then trap in the embedding lookup).
    @Test func tokenizerIdsBeyondTheModelAreRefused() throws {
        let (_, weights) = try tinyCheckpoint()
        func tokenizerJSON(added: String = "[]", cls: String = "[2]", pairType: Int = 1) -> String {
            let vocab = Self.tinyVocabulary.enumerated().map { "\"\($0.element)\": \($0.offset)" }.joined(separator: ", ")
            return """
            {"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {\(vocab)}},
             "added_tokens": \(added), "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": {"type": "TemplateProcessing",
               "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                          {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
               "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                        {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": \(pairType)}},
                        {"SpecialToken": {"id": "[SEP]", "type_id": \(pairType)}}],
               "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": \(cls), "tokens": ["[CLS]"]},
                                  "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}}}
            """
        }
        let cases: [(String, (URL) throws -> Void)] = [
            ("12 rows", { try (Self.tinyVocabulary + ["extra"]).joined(separator: "\n")
                .write(to: $0.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8) }),
            ("id 2147483648", { try tokenizerJSON(cls: "[2147483648]")
                .write(to: $0.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8) }),
            ("13 tokens", { try tokenizerJSON(added: #"[{"id": 12, "content": "<new>", "special": false}]"#)
                .write(to: $0.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8) }),
            ("token type 2", { try tokenizerJSON(pairType: 2)
                .write(to: $0.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8) }),
        ]
        for (expected, doctor) in cases {
            let url = try folder(weights: weights)
            try doctor(url)
            let error = #expect(throws: PretrainedError.self) { _ = try PretrainedEncoder(directory: url) }
            guard case .tokenizerMismatch(let tokenizer, let model, let reason)? = error else {
                Issue.record("\(expected): \(String(describing: error))")
                continue
            }
            #expect(tokenizer.hasPrefix(url.path) && model == url.appendingPathComponent("config.json").path)
            #expect(reason.contains(expected), "\(reason)")
        }
        // The same tokenizer.json with sane ids loads.
        let fine = try folder(weights: weights)
        try tokenizerJSON().write(to: fine.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        #expect(try PretrainedEncoder(directory: fine).tokenizer.encode("hello", addSpecialTokens: true) == [2, 5, 3])
    }

    @Test func missingFilesAreNamed() throws {
        let url = try folder()
        expectError(.missingFile(path: url.appendingPathComponent("model.safetensors").path)) {
            _ = try PretrainedEncoder(directory: url)
        }
        let absent = URL(fileURLWithPath: "/nonexistent/model")
        expectError(.missingFile(path: absent.path)) { _ = try PretrainedEncoder(directory: absent) }
    }

    /// A tokenizer without special tokens gives an empty line no ids: its embedding is the zero
    /// vector (the masked mean of nothing), not a stop, and the other texts are unchanged.
    @Test func textsWithoutTokensEmbedAsZero() throws {
        let (_, weights) = try tinyCheckpoint()
        let model = try PretrainedEncoder(directory: try folder(weights: weights))
        let plain = SentenceEmbedder(encoder: model.encoder, tokenizer: model.tokenizer, maxLength: 6, batchSize: 2)
        let bare = SentenceEmbedder(encoder: model.encoder, tokenizer: NoSpecialTokens(base: model.tokenizer),
                                    maxLength: 6, batchSize: 2)
        let results = bare.embedWithTokens(["hello world", "", "cat"])
        #expect(results.map(\.ids) == [[5, 6], [], [8]])
        #expect(results[1].embedding == [Float](repeating: 0, count: model.encoder.config.dim))
        #expect(results[0].embedding.contains { $0 != 0 })
        // The same ids through the usual tokenizer's path (special tokens dropped by hand).
        let alone = plain.embed(["hello world"])[0]
        #expect(alone != results[0].embedding)   // [CLS]/[SEP] change the mean
    }

    @Test func embedderPoolsAndNormalises() throws {
        let (_, weights) = try tinyCheckpoint()
        let model = try PretrainedEncoder(directory: try folder(weights: weights))
        let embedder = SentenceEmbedder(encoder: model.encoder, tokenizer: model.tokenizer, maxLength: 6, batchSize: 2)
        let texts = ["hello world", "the cats , the cats , the cats !", "", "cat"]
        let results = embedder.embedWithTokens(texts)
        #expect(results.map(\.ids) == [[2, 5, 6, 3], [2, 7, 8, 9, 10, 3], [2, 3], [2, 8, 3]])
        for (text, result) in zip(texts, results) {
            // Alone and unpadded: mean of the hidden states, then unit length.
            let ids = Tensor(result.ids.map(Int64.init), shape: [1, result.ids.count])
            let mean = model.encoder(ids).sum(axes: [1]).scalars(as: Float.self).map { $0 / Float(result.ids.count) }
            let norm = mean.map { $0 * $0 }.reduce(0, +).squareRoot()
            #expect(zip(result.embedding, mean).allSatisfy { abs($0 - $1 / norm) < 1e-5 }, "\(text)")
        }
    }
}

/// The wrapped tokenizer without its special tokens.
private struct NoSpecialTokens: Tokenizer {
    let base: any Tokenizer
    var vocabularySize: Int { base.vocabularySize }
    var specialTokens: SpecialTokenIDs { base.specialTokens }
    var usesTokenTypeIDs: Bool { base.usesTokenTypeIDs }
    var specialTokenCount: Int { 0 }
    var pairSpecialTokenCount: Int { 0 }
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int] { base.encode(text, addSpecialTokens: false) }
    func addingSpecialTokens(to ids: [Int]) -> [Int] { ids }
    func addingSpecialTokens(to first: [Int], pairedWith second: [Int]) -> (ids: [Int], typeIDs: [Int]) {
        (first + second, [Int](repeating: 0, count: first.count + second.count))
    }
    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String { base.decode(ids, skipSpecialTokens: skipSpecialTokens) }
    func id(forToken token: String) -> Int? { base.id(forToken: token) }
    func token(forID id: Int) -> String? { base.token(forID: id) }
}
