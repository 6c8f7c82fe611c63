/// The four ways `compare-rag` answers a question about a city.
public enum RAGPath: String, Codable, Sendable, CaseIterable {
    /// The untuned model alone.
    case closedBook = "closed_book"
    /// The model with a LoRA adapter trained on the facts.
    case fineTuned = "fine_tuned"
    /// The untuned model with retrieved passages in the prompt.
    case rag
    /// The fine-tuned model with retrieved passages in the prompt.
    case fineTunedRAG = "fine_tuned_rag"

    /// Whether the path needs the trained adapter.
    public var usesAdapter: Bool { self == .fineTuned || self == .fineTunedRAG }
    /// Whether the path retrieves passages.
    public var usesRetrieval: Bool { self == .rag || self == .fineTunedRAG }

    /// The row's name in the table.
    public var label: String {
        switch self {
        case .closedBook: "closed book (untuned)"
        case .fineTuned: "fine-tuned (LoRA)"
        case .rag: "RAG (untuned + MiniLM top-k)"
        case .fineTunedRAG: "fine-tuned + RAG"
        }
    }
}
