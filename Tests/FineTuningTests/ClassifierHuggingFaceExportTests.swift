import Foundation
import Testing
@testable import FineTuning

/// `SequenceClassifier.saveHuggingFaceAdapter`: a LoRA classifier saved in one call under
/// `BertForSequenceClassification`'s names, head included. That PEFT loads it and gives the same
/// logits is checked by hand: `PEFT_EXPORT_DIR=/tmp/x swift test --filter ClassifierHuggingFaceExportTests`,
/// then `python Tests/Fixtures/make_peft_fixtures.py --check-classifier /tmp/x/classifier`.
@Suite struct ClassifierHuggingFaceExportTests {
    private let fixture: [String: Tensor]

    init() throws { fixture = try SafeTensors.load(contentsOf: layerFixtureURL("peft_tiny_bert.safetensors")) }

    /// A 3-class classifier on the tiny BertModel of make_peft_fixtures.py (pooler included).
    private func classifier(pooling: Pooling = .cls) throws -> SequenceClassifier {
        var config = EncoderConfig(vocabularySize: 30, dim: 16, layers: 2, heads: 4, hidden: 32)
        config.maxPositions = 12
        config.dropout = 0
        config.dtype = .float64
        let encoder = Encoder(config)
        let base = fixture.filter { key, _ in
            !["input.", "output.", "prompt.", "pissa.", "olora."].contains { key.hasPrefix($0) } && !key.contains(".adapters.")
        }
        try encoder.load(stateDict: base, strict: true)
        return SequenceClassifier(encoder: encoder, classes: 3, pooling: pooling, generator: Generator(seed: 3))
    }

    private func logits(_ model: SequenceClassifier) -> Tensor {
        model.eval()
        return withGradientsDisabled {
            model(fixture["input.ids"]!, tokenTypes: fixture["input.types"]!, mask: fixture["input.mask"]!)
        }
    }

    private func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("classifier-export-\(UInt64.random(in: 0 ... .max))")
    }

    /// LoRA on query/value with the head saved; B and the head moved off their initial values
    /// (as training would), so the file's tensors all change the logits.
    private func trainedLoRAClassifier(pooling: Pooling = .cls) throws -> SequenceClassifier {
        let model = try classifier(pooling: pooling)
        try LoRA(LoRAConfig(rank: 2, alpha: 4, targetModules: ["query", "value"], modulesToSave: ["classifier"]),
                 generator: Generator(seed: 4)).prepare(model)
        withGradientsDisabled {
            let generator = Generator(seed: 5)
            for (_, layer) in model.adaptedLayers() {
                let lora = layer.adapters["default"] as! LoRAAdapter
                lora.loraB.assign(Tensor.normal(lora.loraB.shape, std: 0.5, dtype: .float64, generator: generator))
            }
            model.classifier.weight.assign(Tensor.normal(model.classifier.weight.shape, std: 0.5, dtype: .float64, generator: generator))
        }
        return model
    }

    @Test func savesBertForSequenceClassificationNamesAndReloads() throws {
        let model = try trainedLoRAClassifier()
        let expected = logits(model)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let warning = try model.saveHuggingFaceAdapter(to: folder, baseModel: "tiny-bert")
        #expect(warning == nil)   // [CLS] through the pooler: what transformers computes

        let keys = Set(try SafeTensors.load(contentsOf: folder.appendingPathComponent("adapter_model.safetensors")).keys)
        #expect(keys == [
            "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight",
            "base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight",
            "base_model.model.bert.encoder.layer.0.attention.self.value.lora_A.weight",
            "base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight",
            "base_model.model.bert.encoder.layer.1.attention.self.query.lora_A.weight",
            "base_model.model.bert.encoder.layer.1.attention.self.query.lora_B.weight",
            "base_model.model.bert.encoder.layer.1.attention.self.value.lora_A.weight",
            "base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight",
            "base_model.model.classifier.weight", "base_model.model.classifier.bias",
        ])
        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("adapter_config.json"))) as? [String: Any])
        #expect(json["task_type"] as? String == "SEQ_CLS")
        #expect(json["modules_to_save"] as? [String] == ["classifier"])
        #expect(json["base_model_name_or_path"] as? String == "tiny-bert")

        let fresh = try classifier()
        #expect(logits(fresh).scalars(as: Double.self) != expected.scalars(as: Double.self))
        try fresh.loadHuggingFaceAdapter(from: folder)
        #expect(logits(fresh).scalars(as: Double.self) == expected.scalars(as: Double.self))

        if let export = ProcessInfo.processInfo.environment["PEFT_EXPORT_DIR"] {
            let url = URL(fileURLWithPath: export).appendingPathComponent("classifier")
            try model.saveHuggingFaceAdapter(to: url)
            try SafeTensors.save(["output.logits": expected], to: url.appendingPathComponent("expected.safetensors"))
        }
    }

    @Test func meanPoolingOrAMissingHeadIsSaid() throws {
        let mean = try trainedLoRAClassifier(pooling: .mean)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let warning = try #require(try mean.saveHuggingFaceAdapter(to: folder))
        #expect(warning.contains("mean pooling") && warning.contains("pooler"))

        let headless = try classifier()
        try LoRA(LoRAConfig(rank: 2, targetModules: ["query"]), generator: Generator(seed: 1)).prepare(headless)
        #expect(throws: StrategyError.self) { try headless.saveHuggingFaceAdapter(to: folder) }
        #expect(throws: StrategyError.unknownAdapter("other")) { try mean.saveHuggingFaceAdapter("other", to: folder) }
    }

    @Test func modulePathsAndLoadingCode() {
        #expect(SequenceClassifier.huggingFaceModulePath("encoder.layers.3.feedForward.up") == "bert.encoder.layer.3.intermediate.dense")
        #expect(SequenceClassifier.huggingFaceModulePath("encoder.pooler") == "bert.pooler.dense")
        #expect(SequenceClassifier.huggingFaceModulePath("classifier") == "classifier")
        let code = SequenceClassifier.huggingFaceLoadingCode(folder: "runs/x/adapter", baseModel: "sentence-transformers/all-MiniLM-L6-v2",
                                                             classNames: ["ham", "spam \"x\""])
        #expect(code.contains("num_labels=2, id2label={0: \"ham\", 1: \"spam \\\"x\\\"\"}"))
        #expect(code.contains("PeftModel.from_pretrained(base, \"runs/x/adapter\")"))
    }
}
