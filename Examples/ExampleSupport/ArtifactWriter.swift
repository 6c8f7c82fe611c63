import Foundation
import FineTuning
import TensorKit

/// Saves what a run produced, in the form each strategy calls for:
///
/// | Strategy | Artifact |
/// |---|---|
/// | full | `model.safetensors`: the whole fine-tuned classifier (a full checkpoint) |
/// | lora, dora, ia3 | `adapter/`: `adapter_config.json` + `adapter_model.safetensors` in Hugging Face PEFT's layout (names of `BertForSequenceClassification`, through `SequenceClassifier.saveHuggingFaceAdapter`; its head sits on mean pooling here, not on BERT's pooler), the head as a module to save |
/// | others | `trainable.safetensors`: only the tensors that trained (head, top blocks or biases); the rest is the unchanged base model |
public enum ArtifactWriter {
    /// Writes the artifact under `folder`; returns its URL (a file or a folder).
    public static func save(_ model: SequenceClassifier, strategy: StrategyKind, settings: RunSettings,
                            to folder: URL) throws -> URL {
        let metadata = ["base_model": settings.modelDirectory, "strategy": strategy.rawValue]
        switch strategy {
        case .full:
            let url = folder.appendingPathComponent("model.safetensors")
            try SafeTensors.save(model.stateDict(), metadata: metadata, to: url)
            return url
        case .lora, .dora, .ia3:
            let url = folder.appendingPathComponent("adapter")
            try model.saveHuggingFaceAdapter(to: url, baseModel: settings.modelDirectory)
            return url
        case .frozen, .partial, .bitfit:
            let url = folder.appendingPathComponent("trainable.safetensors")
            var tensors: [String: Tensor] = [:]
            for (name, tensor) in model.namedParameters() where tensor.requiresGrad { tensors[name] = tensor }
            try SafeTensors.save(tensors, metadata: metadata, to: url)
            return url
        }
    }

    /// Loads what ``save(_:strategy:settings:to:)`` wrote at `artifact` into `model` — a fresh
    /// classifier on the same base — so it predicts as the trained one did.
    public static func load(_ artifact: URL, strategy: StrategyKind, into model: SequenceClassifier) throws {
        switch strategy {
        case .full:
            try model.load(stateDict: SafeTensors.load(contentsOf: artifact), strict: true)
        case .lora, .dora, .ia3:
            try model.loadHuggingFaceAdapter(from: artifact)
        case .frozen, .partial, .bitfit:
            let report = try model.load(stateDict: SafeTensors.load(contentsOf: artifact), strict: false)
            guard report.unexpected.isEmpty && report.mismatched.isEmpty else {
                throw ExampleError.invalidOption("\(artifact.path): \(report.description)")
            }
        }
        model.eval()
    }

    /// Our module path in a ``SequenceClassifier`` → the `BertForSequenceClassification` one
    /// (`encoder.layers.0.attention.query` → `bert.encoder.layer.0.attention.self.query`), so
    /// PEFT can load the adapter onto the Hugging Face model.
    public static func huggingFacePath(_ path: String) -> String {
        SequenceClassifier.huggingFaceModulePath(path)
    }
}
