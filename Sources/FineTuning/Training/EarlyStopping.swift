/// Whether smaller or larger values of a metric are better.
public enum MetricMode: String, Sendable, Codable, Equatable {
    /// Smaller is better (losses, perplexity).
    case min
    /// Larger is better (accuracy).
    case max
}

/// Stops training when an evaluation metric has not improved for `patience` evaluations in a
/// row (as Hugging Face's `EarlyStoppingCallback`).
///
/// ```swift
/// config.earlyStopping = EarlyStopping(metric: "eval_loss", mode: .min, patience: 3)
/// ```
public struct EarlyStopping: Sendable, Equatable {
    /// The logged key watched, e.g. `"eval_loss"` or `"eval_accuracy"`.
    public var metric: String
    /// Whether lower or higher is better.
    public var mode: MetricMode
    /// Evaluations without improvement tolerated before stopping.
    public var patience: Int
    /// The smallest change that counts as an improvement.
    public var minDelta: Double

    /// Watches `metric` (a logged key such as `eval_loss`) in direction `mode`.
    public init(metric: String = "eval_loss", mode: MetricMode = .min, patience: Int = 3, minDelta: Double = 0) {
        precondition(patience >= 1, "EarlyStopping: patience must be >= 1, got \(patience)")
        self.metric = metric
        self.mode = mode
        self.patience = patience
        self.minDelta = minDelta
    }

    /// Whether `value` beats `best` by more than `minDelta` (any value beats no best).
    public func improves(_ value: Double, on best: Double?) -> Bool {
        guard let best else { return true }
        switch mode {
        case .min: return value < best - minDelta
        case .max: return value > best + minDelta
        }
    }
}
