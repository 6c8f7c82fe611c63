import Foundation
import Testing
import TestFixtures
@testable import FineTuning

/// PEFT names of LLM adapters on a tiny LLaMA (no model file): which `target_modules` a saved
/// adapter lists, the top-N block helper, and adapters for modules the model lacks.
@Suite struct LLMAdapterNameTests {
    private func tinyLlama() -> GPT {
        var config = GPTConfig(vocabularySize: 40, maxPositions: 32, dim: 16, layers: 3, heads: 4, kvHeads: 2, hidden: 24)
        config.positions = .rotary(base: 10_000)
        config.norm = .rmsNorm
        config.feedForward = .swiGLU
        config.bias = false
        return GPT(config, generator: Generator(seed: 1))
    }

    private func savedConfig(_ model: GPT) throws -> (json: [String: Any], keys: [String]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("llm-names-\(UInt64.random(in: 0 ... .max))")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.saveHuggingFaceAdapter(to: folder, baseModel: "org/tiny")
        let data = try Data(contentsOf: folder.appendingPathComponent("adapter_config.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let keys = try SafeTensors.load(contentsOf: folder.appendingPathComponent("adapter_model.safetensors")).keys.sorted()
        return (json, keys)
    }

    @Test func topLayersCountsFromTheTop() {
        let model = tinyLlama()
        #expect(LoRAConfig.topLayers(2, of: model) == [1, 2])
        #expect(LoRAConfig.topLayers(9, of: model) == [0, 1, 2] && LoRAConfig.topLayers(-1, of: model) == [0, 1, 2])
        #expect(LoRAConfig.topLayers(0, of: model).isEmpty)
    }

    /// Short names when they, with layers_to_transform, pick exactly the adapted layers; full
    /// Hugging Face paths when they would pick more.
    @Test func targetModulesAreShortOnlyWhenFaithful() throws {
        let short = tinyLlama()
        var config = LoRAConfig(rank: 2, targetModules: ["v_proj", "down_proj"].map(HuggingFaceLlamaNames.target))
        config.layersToTransform = LoRAConfig.topLayers(1, of: short)
        try DoRA(config).prepare(short)
        let (json, keys) = try savedConfig(short)
        #expect(json["target_modules"] as? [String] == ["down_proj", "v_proj"])
        #expect(json["base_model_name_or_path"] as? String == "org/tiny" && json["use_dora"] as? Bool == true)
        #expect(keys == ["base_model.model.model.layers.2.mlp.down_proj.lora_A.weight", "base_model.model.model.layers.2.mlp.down_proj.lora_B.weight",
                         "base_model.model.model.layers.2.mlp.down_proj.lora_magnitude_vector",
                         "base_model.model.model.layers.2.self_attn.v_proj.lora_A.weight", "base_model.model.model.layers.2.self_attn.v_proj.lora_B.weight",
                         "base_model.model.model.layers.2.self_attn.v_proj.lora_magnitude_vector"])

        let mixed = tinyLlama()   // q_proj in block 0 only, v_proj everywhere: no short form says that
        try LoRA(LoRAConfig(rank: 2, targetModules: ["layers.0.attention.query", "attention.value"])).prepare(mixed)
        #expect(try savedConfig(mixed).json["target_modules"] as? [String] == [
            "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
            "model.layers.1.self_attn.v_proj", "model.layers.2.self_attn.v_proj"])
    }

    /// SmolLM2's adapter names blocks this 3-block model lacks: refused by name, nothing attached.
    @Test func anAdapterForMissingModulesIsRefused() throws {
        let model = tinyLlama()
        #expect {
            try model.loadHuggingFaceAdapter(from: fixtureURL("smollm2_peft_lora"))
        } throws: { error in
            guard case let StrategyError.adapterTargetsNotFound(_, modules) = error else { return false }
            return modules.contains("model.layers.15.self_attn.q_proj") && modules.contains("model.layers.29.mlp.gate_proj")
        }
        #expect(model.adapterNames.isEmpty)
    }
}
