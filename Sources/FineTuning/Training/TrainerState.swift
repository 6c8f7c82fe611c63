import Foundation

/// Where a run stands: the counters, history and early-stopping state a checkpoint saves.
public struct TrainerState: Codable, Sendable, Equatable {
    /// Optimizer steps taken.
    public var step = 0
    /// The current epoch (0-based).
    public var epoch = 0
    /// Micro-batches of the current epoch already consumed.
    public var batchInEpoch = 0
    /// Real input tokens trained on.
    public var tokensSeen = 0
    /// Everything logged so far.
    public var history: [TrainingRecord] = []
    /// The best value of the best-model metric.
    public var bestValue: Double? = nil
    /// The step at which ``bestValue`` was reached.
    public var bestStep: Int? = nil
    /// The early-stopping metric's best value.
    public var earlyStoppingBest: Double? = nil
    /// Evaluations in a row without an improvement of the early-stopping metric.
    public var evaluationsWithoutImprovement = 0
    /// Whether early stopping ended the run.
    public var stoppedEarly = false

    /// The state before the first step.
    public init() {}
}

/// What ``Trainer/train(resumingFrom:pausingAfter:)`` returns.
public struct TrainingResult: Sendable {
    /// The state at the end (history included).
    public var state: TrainerState
    /// The training loss of every optimizer step of this call, in order (the mean over its
    /// micro-batches).
    public var stepLosses: [Double]
    /// The last evaluation's values, if any.
    public var finalEvaluation: [String: Double]?
    /// The checkpoint folders written, oldest first (only those still on disk).
    public var checkpoints: [URL]
    /// The SVG plot, when an output directory was set.
    public var plot: URL?
}
