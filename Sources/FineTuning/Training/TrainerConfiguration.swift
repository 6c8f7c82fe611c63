import Foundation
import TensorKit

/// The shape of the learning-rate curve over the run, after ``TrainerConfiguration/warmupSteps``
/// of linear warmup from 0; the trainer fills in the total step count.
public enum LearningRateDecay: Sendable, Equatable {
    /// Flat at the optimizer's rate.
    case constant
    /// Straight down to 0 at the last step (Hugging Face's default `linear`).
    case linear
    /// Half a cosine down to `minFactor ×` the base rate at the last step (the first parameter
    /// group's rate when groups differ).
    case cosine(minFactor: Double)
    /// This schedule as given (no warmup added).
    case custom(LearningRateSchedule)

    /// Cosine to 0.
    public static var cosine: LearningRateDecay { .cosine(minFactor: 0) }
}

/// Which parameters a checkpoint saves.
public enum CheckpointParameters: Sendable, Equatable {
    /// Every parameter of the model.
    case all
    /// Only those that require grad (the adapter case: LoRA, prompt tuning, a new head).
    case trainable
    /// Those whose path matches one of these globs (`*` any run, `?` one character).
    case matching([String])
}

/// How progress is shown on stdout.
public enum ProgressStyle: Sendable, Equatable {
    /// A redrawn bar when stdout is a terminal, plain lines otherwise.
    case automatic
    /// A bar redrawn in place.
    case bar
    /// One line per logging step.
    case lines
    /// Nothing (tests, libraries).
    case silent
}

/// Everything that controls a ``Trainer`` run.
///
/// ```swift
/// var config = TrainerConfiguration(epochs: 3, batchSize: 16)
/// config.gradientAccumulationSteps = 2
/// config.warmupSteps = 50
/// config.decay = .cosine
/// config.evaluateEvery = 100
/// config.earlyStopping = EarlyStopping(metric: "eval_loss", patience: 3)
/// config.outputDirectory = URL(fileURLWithPath: "runs/sst2")
/// config.checkpointEvery = 200
/// ```
public struct TrainerConfiguration: Sendable {
    /// Passes over the training data (ignored when ``maxSteps`` is set).
    public var epochs: Int
    /// Stop after this many optimizer steps, across epochs, instead of after ``epochs``.
    public var maxSteps: Int?
    /// Examples per micro-batch.
    public var batchSize: Int
    /// Micro-batches whose gradients are summed (each loss scaled by 1/count) before one
    /// optimizer step; the last window of an epoch may be shorter.
    public var gradientAccumulationSteps: Int = 1
    /// Clip the global gradient norm to this before each step (nil: no clipping).
    public var maxGradientNorm: Double? = 1.0
    /// Clip each gradient element to `±` this before each step (nil: no clipping).
    public var maxGradientValue: Double? = nil
    /// Linear warmup steps from a rate of 0.
    public var warmupSteps: Int = 0
    /// The curve after warmup.
    public var decay: LearningRateDecay = .constant
    /// Shuffle the training data each epoch.
    public var shuffle: Bool = true
    /// Put examples of similar length in the same batch (Hugging Face's `group_by_length`; see
    /// ``LengthGroupedBatches``), so padding costs little. Needs ``shuffle`` and examples that are
    /// ``SequenceLengthMeasurable`` (``SFTExample`` is).
    public var groupByLength: Bool = false
    /// Drop each epoch's last short batch.
    public var dropLastBatch: Bool = false
    /// The seed of the data order.
    public var seed: UInt64 = 0
    /// Log training loss every this many steps.
    public var logEvery: Int = 10
    /// Evaluate every this many steps (nil: only at the end).
    public var evaluateEvery: Int? = nil
    /// Evaluate once more after the last step.
    public var evaluateAtEnd: Bool = true
    /// Evaluation batch size (``batchSize`` when nil).
    public var evaluationBatchSize: Int? = nil
    /// Stop when an evaluation metric stops improving.
    public var earlyStopping: EarlyStopping? = nil
    /// Keep the best model, judged by ``bestModelMetric``.
    public var bestModel: BestModelStorage = .none
    /// The logged key and direction that define "best" (defaults to the early-stopping metric,
    /// else `eval_loss`, lower is better).
    public var bestModelMetric: (name: String, mode: MetricMode)? = nil
    /// Load the best parameters into the model when training ends.
    public var restoreBestModelAtEnd: Bool = false
    /// Where metrics, the plot and checkpoints go (nil: nothing is written).
    public var outputDirectory: URL? = nil
    /// Write a checkpoint every this many steps (needs ``outputDirectory``).
    public var checkpointEvery: Int? = nil
    /// How many periodic checkpoints to keep (oldest removed first).
    public var keepLastCheckpoints: Int = 3
    /// What model parameters checkpoints hold.
    public var checkpointParameters: CheckpointParameters = .all
    /// `fsync` checkpoint files (slower; survives power loss).
    public var durableCheckpoints: Bool = true
    /// Stdout progress.
    public var progress: ProgressStyle = .automatic

    /// A configuration for `epochs` passes (or `maxSteps` steps) over batches of `batchSize`;
    /// set the other fields afterwards.
    public init(epochs: Int = 1, maxSteps: Int? = nil, batchSize: Int = 8) {
        precondition(epochs > 0 || maxSteps != nil, "TrainerConfiguration: epochs must be positive, got \(epochs)")
        precondition(batchSize > 0, "TrainerConfiguration: batchSize must be positive, got \(batchSize)")
        self.epochs = epochs
        self.maxSteps = maxSteps
        self.batchSize = batchSize
    }

    /// The metric and direction that define the best model.
    var bestGoal: (name: String, mode: MetricMode) {
        bestModelMetric ?? earlyStopping.map { ($0.metric, $0.mode) } ?? ("eval_loss", .min)
    }

    /// The full schedule for a run of `totalSteps` whose (first group's) base rate is `base`.
    func schedule(totalSteps: Int, base: Double) -> LearningRateSchedule {
        let warmup = Swift.min(warmupSteps, totalSteps)
        let rest = totalSteps - warmup
        let after: LearningRateSchedule
        switch decay {
        case .custom(let schedule): return schedule
        case .constant: after = .constant
        case .linear: after = .linear(totalSteps: rest, endFactor: 0)
        case .cosine(let minFactor): after = .cosine(totalSteps: rest, minLearningRate: minFactor * base)
        }
        return warmup > 0 ? .warmup(steps: warmup, startFactor: 0, then: after) : after
    }
}
