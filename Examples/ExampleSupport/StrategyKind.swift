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
    /// DoRA (LoRA with a learned magnitude per output row) on the same modules, plus the head.
    case dora
    /// Every bias, plus the head (BitFit).
    case bitfit
    /// IA³ scaling vectors on keys, values and the feed-forward activation, plus the head.
    case ia3

    /// What `compare-strategies` runs by default (DoRA only when asked: it costs LoRA's time
    /// twice over for a similar result on this task).
    public static let compared: [StrategyKind] = [.frozen, .full, .partial, .lora, .bitfit, .ia3]

    /// Whether the artifact is an adapter folder in PEFT's layout (with the head as a module to save).
    public var savesAdapter: Bool { self == .lora || self == .dora || self == .ia3 }

    /// What the comparison table calls it.
    public func label(_ settings: RunSettings) -> String {
        switch self {
        case .frozen: "frozen encoder + head"
        case .full: "full"
        case .partial: "partial (top \(settings.topBlocks) + head)"
        case .lora: "LoRA r\(settings.loraRank) (\(settings.loraTargets.joined(separator: "/"))) + head"
        case .dora: "DoRA r\(settings.loraRank) (\(settings.loraTargets.joined(separator: "/"))) + head"
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
        case .lora, .dora: 1e-3
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
        case .lora, .dora:
            LoRA(LoRAConfig(rank: settings.loraRank, alpha: settings.loraAlpha, dropout: settings.loraDropout,
                            targetModules: settings.loraTargets, modulesToSave: ["classifier"], useDoRA: self == .dora),
                 adapterName: "default", generator: generator)
        case .bitfit: BitFit(alwaysTrain: ["classifier"])
        case .ia3: IA3(modulesToSave: ["classifier"])
        }
    }
}
