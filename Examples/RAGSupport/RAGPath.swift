/// The ways `compare-rag` answers a question about a city.
public enum RAGPath: String, Codable, Sendable, CaseIterable {
    /// The untuned model alone.
    case closedBook = "closed_book"
    /// The model with a LoRA adapter trained on the facts.
    case fineTuned = "fine_tuned"
    /// The model with every weight trained on the facts.
    case fullFineTuned = "full_fine_tuned"
    /// The untuned model with retrieved passages in the prompt.
    case rag
    /// The fine-tuned model with retrieved passages in the prompt.
    case fineTunedRAG = "fine_tuned_rag"

    /// Whether the path needs the trained adapter.
    public var usesAdapter: Bool { self == .fineTuned || self == .fineTunedRAG }
    /// Whether the path loads fully fine-tuned weights.
    public var usesFullWeights: Bool { self == .fullFineTuned }
    /// Whether the path's model learned the facts (and must be retrained on an update).
    public var isFineTuned: Bool { usesAdapter || usesFullWeights }
    /// The training part whose files the path reads (nil for the untuned paths).
    public var training: FactTrainingKind? { usesAdapter ? .lora : usesFullWeights ? .full : nil }
    /// Whether the path retrieves passages.
    public var usesRetrieval: Bool { self == .rag || self == .fineTunedRAG }

    /// The row's name in the table.
    public var label: String {
        switch self {
        case .closedBook: "closed book (untuned)"
        case .fineTuned: "fine-tuned (LoRA)"
        case .fullFineTuned: "fine-tuned (full)"
        case .rag: "RAG (untuned + MiniLM top-k)"
        case .fineTunedRAG: "fine-tuned + RAG"
        }
    }
}

/// How `compare-rag` fine-tunes the facts in: each kind trains in its own child process and
/// folder (`training`, `training-full`).
public enum FactTrainingKind: String, Codable, Sendable, CaseIterable {
    /// LoRA r16 α32 on every projection (``FactTraining/loraConfig``); saves adapters.
    case lora = "training"
    /// Every weight trains; saves the weights (safetensors, float32).
    case full = "training-full"
}
