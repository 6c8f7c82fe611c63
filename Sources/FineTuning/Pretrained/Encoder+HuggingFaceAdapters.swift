import Foundation
import TensorKit

extension Encoder {
    /// Hugging Face BERT module path for one of ours, for PEFT adapter files: mapped names through
    /// ``BertNameMapping``; a module the mapping does not know keeps its own path.
    public static func huggingFaceModulePath(_ path: String) -> String {
        BertNameMapping.huggingFaceModule(forOurs: path) ?? path
    }

    /// Saves adapter `name` as a PEFT folder whose keys use Hugging Face BERT names
    /// (`base_model.model.encoder.layer.0.attention.self.query.lora_A.weight`), so
    /// `PeftModel.from_pretrained` loads it onto the Hugging Face model.
    public func saveHuggingFaceAdapter(_ name: String = "default", to folder: URL, baseModel: String? = nil) throws {
        try saveAdapter(name, to: folder, baseModel: baseModel, taskType: "FEATURE_EXTRACTION",
                        hfModulePath: Encoder.huggingFaceModulePath)
    }

    /// Loads a PEFT adapter folder written for a Hugging Face BERT model (by PEFT or by
    /// ``saveHuggingFaceAdapter(_:to:baseModel:)``) as adapter `name`, and makes it active.
    /// Targets that name no module of this encoder throw, naming them.
    @discardableResult
    public func loadHuggingFaceAdapter(from folder: URL, as name: String = "default") throws -> PEFTAdapterConfig {
        try loadAdapter(from: folder, as: name, hfModulePath: Encoder.huggingFaceModulePath)
    }
}
