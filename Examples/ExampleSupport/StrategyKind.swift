import FineTuning

/// The fine-tuning strategies the examples run, each with the learning rate that suits it.
public enum StrategyKind: String, CaseIterable, Codable, Sendable {
    /// The "no fine-tuning" baseline: the pretrained encoder frozen, only a new head trains.
    case frozen
    /// Every parameter trains.
    case full
    /// The top blocks and the head train; embeddings and lower blocks are frozen.
    case partial
    /// LoRA factors on the attention query/value projections, plus the head.
    case lora
    /// Every bias, plus the head (BitFit).
    case bitfit
    /// IA³ scaling vectors on keys, values and the feed-forward activation, plus the head.
    case ia3

    /// What the comparison table calls it.
    public func label(_ settings: RunSettings) -> String {
        switch self {
        case .frozen: "frozen encoder + head"
        case .full: "full"
        case .partial: "partial (top \(settings.topBlocks) + head)"
        case .lora: "LoRA r\(settings.loraRank) (\(settings.loraTargets.joined(separator: "/"))) + head"
        case .bitfit: "BitFit + head"
        case .ia3: "IA³ + head"
        }
    }

    /// A learning rate that works for the strategy with AdamW on this model: small for the whole
    /// network, larger the fewer (and the newer) the trained parameters.
    public var defaultLearningRate: Double {
        switch self {
        case .frozen: 5e-3
        case .full: 5e-5
        case .partial: 1e-4
        case .lora: 1e-3
        case .bitfit: 1e-3
        case .ia3: 5e-3
        }
    }

    /// The strategy value that prepares the model (the head is always `classifier`).
    public func strategy(_ settings: RunSettings, generator: Generator) -> any FineTuningStrategy {
        switch self {
        case .frozen: PartialFineTuning(.freeze("*"), alwaysTrain: ["classifier"])
        case .full: FullFineTuning()
        case .partial: PartialFineTuning(.trainTop(settings.topBlocks), alwaysTrain: ["classifier"])
        case .lora:
            LoRA(LoRAConfig(rank: settings.loraRank, alpha: settings.loraAlpha, dropout: settings.loraDropout,
                            targetModules: settings.loraTargets, modulesToSave: ["classifier"]),
                 adapterName: "default", generator: generator)
        case .bitfit: BitFit(alwaysTrain: ["classifier"])
        case .ia3: IA3(modulesToSave: ["classifier"])
        }
    }
}
