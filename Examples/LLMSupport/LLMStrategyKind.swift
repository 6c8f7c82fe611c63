import FineTuning

/// The ways `finetune-llm` adapts a pretrained LLM, and the few-shot baseline they are compared with.
public enum LLMStrategyKind: String, CaseIterable, Codable, Sendable {
    /// No training: the pretrained model prompted with instructions and three worked examples.
    case baseline
    /// Every parameter trains (the tied embedding/head included, kept tied).
    case full
    /// The top `numLayers` blocks and the final norm train; embeddings and lower blocks are frozen.
    case partial
    /// LoRA factors on the target projections; the float32 base is frozen.
    case lora
    /// LoRA on the base kept in its GGUF blocks (Q4_1/Q8_0): the base never becomes float32.
    case qlora
    /// DoRA: LoRA on the direction plus a trained magnitude per output row.
    case dora

    /// The strategies that train, in the comparison's order.
    public static let training: [LLMStrategyKind] = [.full, .partial, .lora, .qlora, .dora]

    /// Whether the strategy adds adapters (its artifact is a PEFT adapter folder).
    public var usesAdapters: Bool { self == .lora || self == .qlora || self == .dora }

    /// The learning rate used when none is given, for short budgets (tens to a few hundred
    /// steps): small for the whole network, larger the fewer parameters train. On the fixed-JSON
    /// task, LoRA at 40 steps × 8 reached 100 % valid JSON with 1e-3 and 0 % with PEFT's usual
    /// 2e-4 (which needs about 150 steps).
    public var defaultLearningRate: Double {
        switch self {
        case .baseline: 0
        case .full: 1e-4
        case .partial: 3e-4
        case .lora, .qlora, .dora: 1e-3
        }
    }

    /// What the comparison table calls it.
    public func label(_ settings: LLMRunSettings) -> String {
        let layers = settings.numLayers.map { " top \($0)" } ?? ""
        let targets = settings.targets.joined(separator: ",")
        switch self {
        case .baseline: return "few-shot baseline (3 examples)"
        case .full: return "full"
        case .partial: return "partial (top \(settings.numLayers ?? LLMRunSettings.defaultPartialLayers) blocks)"
        case .lora: return "LoRA r\(settings.rank) α\(Int(settings.alpha)) (\(targets)\(layers))"
        case .qlora: return "QLoRA r\(settings.rank) α\(Int(settings.alpha)) (\(targets)\(layers), Q4_1 base)"
        case .dora: return "DoRA r\(settings.rank) α\(Int(settings.alpha)) (\(targets)\(layers))"
        }
    }
}
