import Foundation
import Testing
@testable import FineTuning

/// Hostile `adapter_config.json` fields and adapter tensors are refused at load, naming the key,
/// and leave the model as it was (they used to trap in Dropout or in the DoRA forward).
@Suite struct AdapterConfigValidationTests {
    private func encoder() throws -> Encoder {
        let fixture = try SafeTensors.load(contentsOf: layerFixtureURL("peft_tiny_bert.safetensors"))
        var config = EncoderConfig(vocabularySize: 30, dim: 16, layers: 2, heads: 4, hidden: 32)
        config.maxPositions = 12
        config.dtype = .float64
        let encoder = Encoder(config)
        let base = fixture.filter { key, _ in
            !["input.", "output.", "prompt.", "pissa.", "olora."].contains { key.hasPrefix($0) } && !key.contains(".adapters.")
        }
        try encoder.load(stateDict: base, strict: true)
        return encoder
    }

    /// A copy of a fixture adapter folder with `change` applied to its config and `tensors` to its weights.
    private func doctored(_ fixture: String, config change: [String: Any] = [:],
                          tensors: (inout [String: Tensor]) -> Void = { _ in }) throws -> URL {
        let source = layerFixtureURL(fixture)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-validation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("adapter_config.json"))) as? [String: Any] ?? [:]
        for (key, value) in change { json[key] = value }
        try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("adapter_config.json"))
        var weights = try SafeTensors.load(contentsOf: source.appendingPathComponent("adapter_model.safetensors"))
        tensors(&weights)
        try SafeTensors.save(weights, to: folder.appendingPathComponent("adapter_model.safetensors"), durable: false)
        return folder
    }

    private func expectRefused(_ folder: URL, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let model = try encoder()
        let before = model.stateDict().mapValues { $0.scalars(as: Double.self) }
        let error = #expect(throws: StrategyError.self, sourceLocation: sourceLocation) {
            try model.loadAdapter(from: folder, hfModulePath: bertModulePath)
        }
        #expect(error.map { "\($0)" }?.contains(text) == true, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(model.adapterNames.isEmpty, sourceLocation: sourceLocation)
        #expect(model.stateDict().mapValues { $0.scalars(as: Double.self) } == before, sourceLocation: sourceLocation)
    }

    @Test func loraFieldsAreRangeChecked() throws {
        try expectRefused(try doctored("peft_tiny_bert_adapter", config: ["lora_dropout": 2.0]), mentioning: "'lora_dropout'")
        try expectRefused(try doctored("peft_tiny_bert_adapter", config: ["lora_dropout": 1]), mentioning: "'lora_dropout'")
        try expectRefused(try doctored("peft_tiny_bert_adapter", config: ["r": 100_000_000]), mentioning: "'r'")
        try expectRefused(try doctored("peft_tiny_bert_adapter", config: ["r": 4.5]), mentioning: "'r'")
        try expectRefused(try doctored("peft_tiny_bert_adapter", config: ["r": "4"]), mentioning: "'r'")
        try expectRefused(try doctored("peft_tiny_bert_adapter", config: ["lora_alpha": -8]), mentioning: "'lora_alpha'")
        try expectRefused(try doctored("peft_tiny_bert_adapter", config: ["use_dora": "yes"]), mentioning: "'use_dora'")
        try expectRefused(try doctored("peft_tiny_bert_adapter", config: ["target_modules": [1, 2]]), mentioning: "'target_modules'")
        try expectRefused(try doctored("peft_tiny_bert_adapter", config: ["layers_to_transform": [-1]]), mentioning: "'layers_to_transform'")
        try expectRefused(try doctored("peft_tiny_bert_adapter", config: ["bias": "sometimes"]), mentioning: "bias")
    }

    @Test func adapterTensorShapesAreChecked() throws {
        try expectRefused(try doctored("peft_tiny_bert_dora") { weights in
            let key = weights.keys.sorted().first { $0.hasSuffix("lora_magnitude_vector") }!
            weights[key] = Tensor.ones([3])
        }, mentioning: "lora_magnitude_vector")
        try expectRefused(try doctored("peft_tiny_bert_adapter") { weights in
            let key = weights.keys.sorted().first { $0.hasSuffix("lora_A.weight") }!
            weights[key] = Tensor.ones([4, 15])
        }, mentioning: "lora_A")
        try expectRefused(try doctored("peft_tiny_bert_ia3") { weights in
            let key = weights.keys.sorted().first { $0.hasSuffix("ia3_l") }!
            weights[key] = Tensor.ones([5, 1])
        }, mentioning: "ia3_l")
        try expectRefused(try doctored("peft_tiny_bert_ia3", config: ["feedforward_modules": 7]), mentioning: "'feedforward_modules'")
    }

    /// The untouched fixtures still load (the checks refuse only what is wrong).
    @Test func validFilesStillLoad() throws {
        for fixture in ["peft_tiny_bert_adapter", "peft_tiny_bert_dora", "peft_tiny_bert_ia3"] {
            let model = try encoder()
            try model.loadAdapter(from: try doctored(fixture), hfModulePath: bertModulePath)
            #expect(!model.adapterNames.isEmpty)
        }
    }
}
