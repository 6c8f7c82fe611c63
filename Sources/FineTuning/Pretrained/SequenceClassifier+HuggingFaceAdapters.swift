import Foundation
import TensorKit

extension SequenceClassifier {
    /// The `BertForSequenceClassification` module path for one of ours, for PEFT adapter files:
    /// `encoder.layers.0.attention.query` → `bert.encoder.layer.0.attention.self.query`;
    /// `classifier` (the head) has the same name in both.
    public static func huggingFaceModulePath(_ path: String) -> String {
        let prefix = "encoder."
        guard path.hasPrefix(prefix) else { return path }
        return BertNameMapping.taskPrefix + Encoder.huggingFaceModulePath(String(path.dropFirst(prefix.count)))
    }

    /// Why this classifier's logits differ from those of `AutoModelForSequenceClassification`
    /// with the same weights, or nil when they agree. Transformers' BERT head reads the `[CLS]`
    /// position through the pooler (`dense` + `tanh`); a classifier on ``Pooling/mean`` (or on
    /// `[CLS]` without the pooler) gives the head another vector, so the exported adapter loads
    /// but predicts differently there.
    public var huggingFacePoolingMismatch: String? {
        switch (pooling, encoder.pooler) {
        case (.cls, .some): nil
        case (.cls, nil):
            "this classifier reads [CLS] without BERT's pooler; transformers' BertForSequenceClassification passes it through the pooler, so its logits will differ"
        case (.mean, _):
            "this classifier's head sits on mean pooling; transformers' BertForSequenceClassification reads [CLS] through the pooler, so its logits will differ (load the adapter in Swift, or train with pooling: .cls on an encoder with its pooler)"
        }
    }

    /// Saves adapter `name` (LoRA, DoRA or IA³) as a PEFT folder that
    /// `AutoModelForSequenceClassification` + `PeftModel.from_pretrained` load: keys use the
    /// `BertForSequenceClassification` names (`base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight`)
    /// and the head is saved as the module to save `classifier`
    /// (`base_model.model.classifier.weight`), `task_type` `SEQ_CLS`.
    ///
    /// The head must be among the adapter's modules to save (`modulesToSave: ["classifier"]`):
    /// without it the file would load in Python onto a randomly initialised head.
    ///
    /// See ``huggingFacePoolingMismatch`` (returned) for when transformers' logits differ from
    /// ours, and ``huggingFaceLoadingCode(folder:baseModel:classNames:)`` for the Python that loads it.
    ///
    /// - Returns: the pooling mismatch warning, or nil when transformers computes the same logits.
    /// - Throws: ``StrategyError/invalidConfiguration(_:)`` when the head is not saved with the
    ///   adapter; the errors of ``Module/saveAdapter(_:to:baseModel:taskType:hfModulePath:shortTargetNames:)``.
    @discardableResult
    public func saveHuggingFaceAdapter(_ name: String = "default", to folder: URL, baseModel: String? = nil) throws -> String? {
        let adapters = adaptedLayers().compactMap { $0.layer.adapters[name] }
        guard let adapter = adapters.first else { throw StrategyError.unknownAdapter(name) }
        guard adapter.trainsAlso.modules.contains("classifier") else {
            throw StrategyError.invalidConfiguration(
                "adapter '\(name)' does not save the head 'classifier' (add it to modulesToSave), so transformers would load it onto a random head")
        }
        try saveAdapter(name, to: folder, baseModel: baseModel, taskType: "SEQ_CLS",
                        hfModulePath: SequenceClassifier.huggingFaceModulePath)
        return huggingFacePoolingMismatch
    }

    /// Loads a PEFT adapter folder written for `BertForSequenceClassification` (by PEFT or by
    /// ``saveHuggingFaceAdapter(_:to:baseModel:)``) as adapter `name`, head included, and makes it active.
    @discardableResult
    public func loadHuggingFaceAdapter(from folder: URL, as name: String = "default") throws -> PEFTAdapterConfig {
        try loadAdapter(from: folder, as: name, hfModulePath: SequenceClassifier.huggingFaceModulePath)
    }

    /// The few lines of Python that load an adapter saved by ``saveHuggingFaceAdapter(_:to:baseModel:)``
    /// from `folder` onto `baseModel` (a Hugging Face model id or folder) and classify a sentence.
    public static func huggingFaceLoadingCode(folder: String, baseModel: String, classNames: [String]) -> String {
        func quoted(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let labels = classNames.enumerated().map { "\($0.offset): \(quoted($0.element))" }.joined(separator: ", ")
        return """
            from peft import PeftModel
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
            base = AutoModelForSequenceClassification.from_pretrained(\(quoted(baseModel)), num_labels=\(classNames.count), id2label={\(labels)})
            model = PeftModel.from_pretrained(base, \(quoted(folder))).eval()
            tokenizer = AutoTokenizer.from_pretrained(\(quoted(baseModel)))
            print(model(**tokenizer(["an example sentence"], return_tensors="pt")).logits.softmax(-1))
            """
    }
}
