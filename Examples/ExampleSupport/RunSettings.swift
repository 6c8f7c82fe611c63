import Foundation

/// Everything one fine-tuning run depends on. The defaults are sized for the comparison to finish
/// in a few minutes on two CPU cores (short sequences, a few hundred steps, a subsampled train set).
public struct RunSettings: Codable, Sendable {
    /// The Hugging Face model folder (`make model`); by default the root package's, wherever the
    /// program runs from (``ExamplePaths``).
    public var modelDirectory = ExamplePaths.modelDirectory
    /// The folder with the datasets (`make data`).
    public var dataDirectory = ExamplePaths.dataDirectory
    /// The built-in dataset, used when ``trainFile`` is nil.
    public var task = ExampleTask.sentiment
    /// Your own training data (CSV, TSV or JSONL, by extension) instead of ``task``.
    public var trainFile: String?
    /// Validation data in the same form (nil: a stratified tenth of the training file).
    public var validationFile: String?
    /// Test data in the same form (nil: the final report is on the validation data).
    public var testFile: String?
    /// The text column (CSV/TSV header name) or field (JSONL).
    public var textColumn = "text"
    /// The label column or field; the classes are the labels found in the training file.
    public var labelColumn = "label"
    /// Micro-batches whose gradients add up before each optimizer step.
    public var gradientAccumulation = 1
    /// Linear warmup steps (nil: a tenth of the run).
    public var warmupSteps: Int?
    /// Write a resumable checkpoint every this many steps (0: none).
    public var saveEvery = 0
    /// Continue from the newest checkpoint in the output folder.
    public var resume = false
    /// Optimizer steps (ignored when `epochs` is set).
    public var steps = 100
    /// Whole passes over the (capped) train part, instead of `steps`.
    public var epochs: Int?
    /// Examples per step.
    public var batchSize = 16
    /// The learning rate; nil takes the strategy's default.
    public var learningRate: Double?
    /// The longest token sequence, special tokens included.
    public var maxLength = 48
    /// Seeds the head's initialisation, adapters, dropout and the data order (the split has its own).
    public var seed: UInt64 = 0
    /// At most this many training examples of the fixed split (0: the whole part).
    public var trainLimit = 0
    /// At most this many validation examples (0: the whole part).
    public var validationLimit = 160
    /// At most this many test examples (0: the whole part).
    public var testLimit = 500
    /// Evaluate on the validation part every this many steps (0: only at the end).
    public var evaluateEvery = 25
    /// Partial fine-tuning: how many of the top blocks train.
    public var topBlocks = 2
    /// LoRA rank r.
    public var loraRank = 8
    /// LoRA α (scale α/r).
    public var loraAlpha = 16.0
    /// Dropout on the LoRA adapter input while training.
    public var loraDropout = 0.05
    /// Module names or globs LoRA adapts.
    public var loraTargets = ["query", "value"]
    /// Where the run writes its artifact, metrics and plot.
    public var outputDirectory = "runs/finetune"

    /// The defaults.
    public init() {}

    /// The settings of `--quick`: small enough for a CI smoke test (about a minute for all
    /// strategies).
    public mutating func makeQuick() {
        steps = 12
        batchSize = 8
        maxLength = 32
        trainLimit = 400
        validationLimit = 48
        testLimit = 96
        evaluateEvery = 6
    }

    /// The largest values the count flags accept: far beyond what a run on one machine needs,
    /// and small enough that no product of them overflows or sizes an impossible allocation.
    public static let limits = (steps: 10_000_000, epochs: 100_000, batchSize: 65_536, loraRank: 4_096, topBlocks: 1_000,
                                gradientAccumulation: 65_536)

    /// Throws for values that cannot work, naming the flag.
    public func validate() throws(ExampleError) {
        func check(_ ok: Bool, _ message: String) throws(ExampleError) { if !ok { throw .invalidOption(message) } }
        let limits = Self.limits
        try check(steps > 0 && steps <= limits.steps, "--steps must be in 1...\(limits.steps), got \(steps)")
        if let epochs { try check(epochs > 0 && epochs <= limits.epochs, "--epochs must be in 1...\(limits.epochs), got \(epochs)") }
        try check(batchSize > 0 && batchSize <= limits.batchSize, "--batch-size must be in 1...\(limits.batchSize), got \(batchSize)")
        try check(maxLength >= 3 && maxLength <= 512, "--max-length must be in 3...512, got \(maxLength)")
        if let learningRate { try check(learningRate > 0 && learningRate.isFinite, "--learning-rate must be positive, got \(learningRate)") }
        try check(trainLimit >= 0 && validationLimit >= 0 && testLimit >= 0, "limits must be 0 (no limit) or positive")
        try check(evaluateEvery >= 0, "--evaluate-every must be 0 or positive, got \(evaluateEvery)")
        try check(topBlocks >= 0 && topBlocks <= limits.topBlocks, "--top-blocks must be in 0...\(limits.topBlocks), got \(topBlocks)")
        try check(loraRank > 0 && loraRank <= limits.loraRank, "--rank must be in 1...\(limits.loraRank), got \(loraRank)")
        try check(loraAlpha > 0 && loraAlpha.isFinite, "--alpha must be positive, got \(loraAlpha)")
        try check((0..<1).contains(loraDropout), "--lora-dropout must be in [0, 1), got \(loraDropout)")
        try check(!loraTargets.isEmpty, "--targets needs at least one module name")
        try check(gradientAccumulation > 0 && gradientAccumulation <= limits.gradientAccumulation,
                  "--grad-accumulation must be in 1...\(limits.gradientAccumulation), got \(gradientAccumulation)")
        if let warmupSteps {
            try check(warmupSteps >= 0 && warmupSteps <= limits.steps, "--warmup must be in 0...\(limits.steps), got \(warmupSteps)")
        }
        try check(saveEvery >= 0 && saveEvery <= limits.steps, "--save-every must be in 0...\(limits.steps) (0: no checkpoints), got \(saveEvery)")
        try check(!textColumn.isEmpty && !labelColumn.isEmpty, "--text-column and --label-column must not be empty")
        if trainFile == nil {
            try check(validationFile == nil && testFile == nil, "--validation-file and --test-file need a --train-file")
        }
    }
}
