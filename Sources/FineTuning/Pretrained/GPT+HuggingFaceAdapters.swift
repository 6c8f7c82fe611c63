import Foundation
import TensorKit

extension GPT {
    /// Hugging Face LLaMA module path for one of ours, for PEFT adapter files: mapped names
    /// through ``HuggingFaceLlamaNames`` (`layers.3.attention.query` →
    /// `model.layers.3.self_attn.q_proj`); a module the mapping does not know keeps its own path.
    public static func huggingFaceModulePath(_ path: String) -> String {
        HuggingFaceLlamaNames.huggingFacePath(forOurs: path) ?? path
    }

    /// Saves adapter `name` (LoRA or DoRA) as a PEFT folder for the Hugging Face LLaMA-family
    /// model: keys such as `base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight`,
    /// `task_type` `"CAUSAL_LM"`, and `target_modules` in PEFT's short names (`q_proj`, …) beside
    /// `layers_to_transform` whenever they describe the adapted layers exactly. So
    /// `PeftModel.from_pretrained` loads it onto `AutoModelForCausalLM` — including one loaded
    /// from the same GGUF file, since query and key rows are in Hugging Face order in this model.
    ///
    /// ```swift
    /// var config = LoRAConfig(rank: 8, alpha: 16, targetModules: ["q_proj", "v_proj"].map(HuggingFaceLlamaNames.target))
    /// config.layersToTransform = LoRAConfig.topLayers(8, of: llm.model)
    /// try LoRA(config).prepare(llm.model)
    /// // ... train ...
    /// try llm.model.saveHuggingFaceAdapter(to: URL(fileURLWithPath: "runs/adapter"))
    /// ```
    ///
    /// - Parameters:
    ///   - name: the adapter to write.
    ///   - folder: the destination, replaced as one unit.
    ///   - baseModel: `base_model_name_or_path` (the Hugging Face repository of the base model).
    /// - Throws: ``StrategyError/unknownAdapter(_:)``, ``StrategyError/invalidConfiguration(_:)``
    ///   for a merged adapter, or a file-system error.
    public func saveHuggingFaceAdapter(_ name: String = "default", to folder: URL,
                                       baseModel: String? = HuggingFaceLlamaNames.smolLM2Repository) throws {
        try saveAdapter(name, to: folder, baseModel: baseModel, taskType: "CAUSAL_LM",
                        hfModulePath: GPT.huggingFaceModulePath, shortTargetNames: true)
    }

    /// Loads a PEFT LoRA/DoRA (or IA³) adapter folder made for a Hugging Face LLaMA-family model
    /// (by PEFT or by ``saveHuggingFaceAdapter(_:to:baseModel:)``) as adapter `name`, and makes it
    /// active. Works on float and quantized (``QuantizedLinear``) projections alike.
    ///
    /// - Throws: ``StrategyError/invalidAdapterFile(file:reason:)`` for a missing or malformed
    ///   `adapter_config.json` or `adapter_model.safetensors` (or factors whose shapes do not fit);
    ///   ``StrategyError/adapterTargetsNotFound(file:modules:)`` naming the modules this model
    ///   lacks; ``StrategyError/adapterExists(_:)``. Nothing changes when it throws.
    @discardableResult
    public func loadHuggingFaceAdapter(from folder: URL, as name: String = "default") throws -> PEFTAdapterConfig {
        try loadAdapter(from: folder, as: name, hfModulePath: GPT.huggingFaceModulePath)
    }
}
