import Foundation
import Testing
import TestFixtures
@testable import FineTuning

/// PEFT's LoRA and DoRA adapters on SmolLM2-135M-Instruct (Tests/Fixtures/make_smollm2_peft_fixtures.py:
/// made by PEFT on transformers' model loaded from the same GGUF, with random factors).
private struct SmolLM2PEFTReference: Decodable {
    struct Prompt: Decodable, Encodable {
        var kind: String
        var input_ids: [Int]
        var top5_ids: [Int]
        var top5_logits: [Double]
        var logits_0_5: [Double]
    }
    struct Adapter: Decodable {
        var folder: String
        var prompts: [Prompt]
    }
    var adapters: [Adapter]
}

/// Adapters in PEFT's layout with Hugging Face LLaMA names on the real SmolLM2 model, both ways.
/// One test loads the model once (the slow step in a debug build) and runs every check on it:
/// PEFT-made adapters on the float model, then our own adapter saved and read back, then the
/// PEFT adapters again on the same model with quantized projections.
@Suite struct LLMAdapterTests {
    @Test func peftAdaptersMatchPEFTOnFloatAndQuantizedModels() throws {
        let data = try Data(contentsOf: fixtureURL("smollm2_peft_reference.json"))
        let reference = try JSONDecoder().decode(SmolLM2PEFTReference.self, from: data)
        #expect(reference.adapters.map(\.folder) == ["smollm2_peft_lora", "smollm2_peft_dora"])
        #expect(reference.adapters.allSatisfy { $0.prompts.count == 2 && $0.prompts.allSatisfy { $0.input_ids.count >= 20 } })
        let url = try smolLM2File.get()
        let model = try GPT.pretrained(ggufAt: url)
        let prompts = reference.adapters[0].prompts
        let base = prompts.map { lastLogits(model, $0.input_ids) }

        var worst = 0.0
        for adapter in reference.adapters {
            let config = try #require(try model.loadHuggingFaceAdapter(from: fixtureURL(adapter.folder), as: adapter.folder).lora)
            #expect(config.rank == 4 && config.alpha == 8 && config.useDoRA == adapter.folder.hasSuffix("dora"))
            worst = max(worst, try check(model, against: adapter, base: base))
            try model.deleteAdapter(adapter.folder)
        }
        // Measured: 3.1e-5 (LoRA and DoRA), as close as the base model is to transformers.
        print("SmolLM2 + PEFT adapters: largest |Δlogit| vs PEFT \(worst)")

        try ourAdapterRoundTrips(model, prompts: prompts)

        // The same PEFT files on quantized projections (the blocks of the file, as
        // `PretrainedLLM(contentsOf:quantized: true)` loads them): QLoRA-style hosts.
        try PretrainedLLM.quantizeProjections(of: model, from: GGUFFile(contentsOf: url))
        #expect(model.layers[0].attention.query is QuantizedLinear)
        for adapter in reference.adapters {
            try model.loadHuggingFaceAdapter(from: fixtureURL(adapter.folder), as: adapter.folder)
            worst = max(worst, try check(model, against: adapter, base: base))
            try model.deleteAdapter(adapter.folder)
        }
        print("SmolLM2 + PEFT adapters, float and quantized: largest |Δlogit| vs PEFT \(worst)")
    }

    /// A LoRA of ours (Hugging Face target names, the top two blocks) saved in PEFT's layout:
    /// the file's keys and config, and the same logits once read back.
    private func ourAdapterRoundTrips(_ model: GPT, prompts: [SmolLM2PEFTReference.Prompt]) throws {
        let targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj"]
        var config = LoRAConfig(rank: 4, alpha: 8, targetModules: targets.map(HuggingFaceLlamaNames.target))
        config.layersToTransform = LoRAConfig.topLayers(2, of: model)
        #expect(config.layersToTransform == [28, 29])
        try LoRA(config, generator: Generator(seed: 5)).prepare(model)
        let generator = Generator(seed: 6)
        withGradientsDisabled {
            for (name, parameter) in model.adapterParameters() where name.hasSuffix("loraB") {
                parameter.assign(Tensor.normal(parameter.shape, std: 0.05, generator: generator))
            }
        }
        let adapted = prompts.map { lastLogits(model, $0.input_ids) }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("llm-adapter-\(UInt64.random(in: 0 ... .max))")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.saveHuggingFaceAdapter(to: folder)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("adapter_config.json"))) as? [String: Any])
        #expect(json["target_modules"] as? [String] == targets.sorted())
        #expect(json["layers_to_transform"] as? [Int] == [28, 29])
        #expect(json["base_model_name_or_path"] as? String == "HuggingFaceTB/SmolLM2-135M-Instruct")
        #expect(json["task_type"] as? String == "CAUSAL_LM" && json["peft_type"] as? String == "LORA")
        #expect(json["r"] as? Int == 4 && json["lora_alpha"] as? Int == 8 && json["use_dora"] as? Bool == false)
        let keys = try SafeTensors.load(contentsOf: folder.appendingPathComponent("adapter_model.safetensors")).keys
        #expect(keys.count == 20)
        #expect(keys.contains("base_model.model.model.layers.28.self_attn.q_proj.lora_A.weight"))
        #expect(keys.contains("base_model.model.model.layers.29.mlp.gate_proj.lora_B.weight"))

        try model.deleteAdapter("default")
        try model.loadHuggingFaceAdapter(from: folder, as: "reloaded")
        for (prompt, expected) in zip(prompts, adapted) {
            #expect(lastLogits(model, prompt.input_ids) == expected, "\(prompt.kind): our adapter read back")
        }
        // By hand: SMOLLM2_PEFT_EXPORT_DIR=/tmp/x swift test --filter LLMAdapterTests, then
        // make_smollm2_peft_fixtures.py --check /tmp/x/lora MODEL.gguf (PEFT on transformers' model).
        // Measured: top-5 ids identical, largest |Δlogit| 1.7e-5 on both prompts.
        if let export = ProcessInfo.processInfo.environment["SMOLLM2_PEFT_EXPORT_DIR"] {
            let url = URL(fileURLWithPath: export).appendingPathComponent("lora")
            try model.saveHuggingFaceAdapter("reloaded", to: url)
            let expected = zip(prompts, adapted).map { prompt, logits in
                SmolLM2PEFTReference.Prompt(kind: prompt.kind, input_ids: prompt.input_ids, top5_ids: largest(5, of: logits),
                                            top5_logits: largest(5, of: logits).map { Double(logits[$0]) },
                                            logits_0_5: logits[0..<5].map(Double.init))
            }
            try JSONEncoder().encode(["prompts": expected]).write(to: url.appendingPathComponent("expected.json"))
        }
        try model.deleteAdapter("reloaded")
    }

    /// PEFT's top-5 ids, and its logits there and at ids 0..<5 within 1e-3, at the last position
    /// of each prompt; the adapter moved the logits away from the base model's. Returns the
    /// largest difference.
    private func check(_ model: GPT, against adapter: SmolLM2PEFTReference.Adapter, base: [[Float]]) throws -> Double {
        var worst = 0.0
        for (prompt, baseLogits) in zip(adapter.prompts, base) {
            let label = "\(adapter.folder), \(prompt.kind) prompt, \(type(of: model.layers[0].attention.query))"
            let logits = lastLogits(model, prompt.input_ids)
            #expect(largest(5, of: logits) == prompt.top5_ids, "\(label): top-5 ids")
            let expected = prompt.top5_logits + prompt.logits_0_5
            for (id, value) in zip(prompt.top5_ids + Array(0..<5), expected) {
                worst = max(worst, abs(Double(logits[id]) - value))
                #expect(abs(Double(logits[id]) - value) <= 1e-3, "\(label): logit \(id) is \(logits[id]), PEFT's \(value)")
            }
            let moved = zip(logits, baseLogits).map { abs($0 - $1) }.max() ?? 0
            #expect(moved > 0.1, "\(label): the adapter changes the logits (by \(moved))")
        }
        return worst
    }

    private func lastLogits(_ model: GPT, _ ids: [Int]) -> [Float] {
        let logits = withGradientsDisabled { model(Tensor(ids.map { Int32($0) }, shape: [1, ids.count])) }
        return logits.select(axis: 1, index: ids.count - 1).reshape([-1]).scalars(as: Float.self)
    }

    /// The indices of the `k` largest values, largest first.
    private func largest(_ k: Int, of values: [Float]) -> [Int] {
        var best: [Int] = []
        for i in values.indices where best.count < k || values[i] > values[best[k - 1]] {
            let at = best.firstIndex { values[i] > values[$0] } ?? best.count
            best.insert(i, at: at)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
