import Foundation
import FineTuning
import TensorKit

/// Saves what a run produced, in the form each strategy calls for:
///
/// | Strategy | Artifact |
/// |---|---|
/// | full | `model.safetensors`: the whole fine-tuned classifier (a full checkpoint) |
/// | lora | `adapter/`: `adapter_config.json` + `adapter_model.safetensors` in Hugging Face PEFT's layout (names of `BertForSequenceClassification`; its head sits on mean pooling here, not on BERT's pooler), the head as a module to save |
/// | others | `trainable.safetensors`: only the tensors that trained (head, top blocks, biases or IA³ vectors); the rest is the unchanged base model |
public enum ArtifactWriter {
    /// Writes the artifact under `folder`; returns its URL (a file or a folder).
    public static func save(_ model: SequenceClassifier, strategy: StrategyKind, settings: RunSettings,
                            to folder: URL) throws -> URL {
        let metadata = ["base_model": settings.modelDirectory, "strategy": strategy.rawValue, "task": settings.task.rawValue]
        switch strategy {
        case .full:
            let url = folder.appendingPathComponent("model.safetensors")
            try SafeTensors.save(model.stateDict(), metadata: metadata, to: url)
            return url
        case .lora:
            let url = folder.appendingPathComponent("adapter")
            try model.saveAdapter("default", to: url, baseModel: "sentence-transformers/all-MiniLM-L6-v2",
                                  taskType: "SEQ_CLS", hfModulePath: huggingFacePath)
            return url
        case .frozen, .partial, .bitfit, .ia3:
            let url = folder.appendingPathComponent("trainable.safetensors")
            var tensors: [String: Tensor] = [:]
            for (name, tensor) in model.namedParameters() where tensor.requiresGrad { tensors[name] = tensor }
            try SafeTensors.save(tensors, metadata: metadata, to: url)
            return url
        }
    }

    /// Our module path in a ``SequenceClassifier`` → the `BertForSequenceClassification` one
    /// (`encoder.layers.0.attention.query` → `bert.encoder.layer.0.attention.self.query`), so
    /// PEFT can load the adapter onto the Hugging Face model.
    public static func huggingFacePath(_ path: String) -> String {
        guard path.hasPrefix("encoder.") else { return path }
        let inner = String(path.dropFirst("encoder.".count))
        return BertNameMapping.taskPrefix + (BertNameMapping.huggingFaceModule(forOurs: inner) ?? inner)
    }
}
