import ArgumentParser
import ExampleSupport

extension ExampleTask: ExpressibleByArgument {}
extension StrategyKind: ExpressibleByArgument {}

private let defaults = RunSettings()
private let quickDefaults: RunSettings = {
    var s = RunSettings()
    s.makeQuick()
    return s
}()

/// The options every fine-tuning example shares.
public struct TrainingOptions: ParsableArguments {
    @Option(help: "Hugging Face model folder (`make model` fetches all-MiniLM-L6-v2 into it).")
    public var model = "data/all-MiniLM-L6-v2"

    @Option(help: "Folder with movie-reviews.tsv and sms-spam.csv (`make data` fetches them).")
    public var data = "data"

    @Option(help: "The dataset: sentiment (movie reviews) or spam (SMS).")
    public var task = ExampleTask.sentiment

    @Option(help: ArgumentHelp("Optimizer steps (default \(defaults.steps); \(quickDefaults.steps) with --quick)."))
    public var steps: Int?

    @Option(help: "Whole passes over the train part instead of --steps.")
    public var epochs: Int?

    @Option(help: ArgumentHelp("Examples per step (default \(defaults.batchSize); \(quickDefaults.batchSize) with --quick)."))
    public var batchSize: Int?

    @Option(help: "AdamW learning rate (default: the strategy's own).")
    public var learningRate: Double?

    @Option(help: ArgumentHelp("Longest token sequence, special tokens included (default \(defaults.maxLength); \(quickDefaults.maxLength) with --quick)."))
    public var maxLength: Int?

    @Option(help: "Seed for the head, adapters, dropout and data order (the split's seed is fixed).")
    public var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Use at most this many training examples of the fixed split (0: all; default \(defaults.trainLimit); \(quickDefaults.trainLimit) with --quick)."))
    public var trainLimit: Int?

    @Option(help: ArgumentHelp("Use at most this many validation examples (0: all; default \(defaults.validationLimit); \(quickDefaults.validationLimit) with --quick)."))
    public var validationLimit: Int?

    @Option(help: ArgumentHelp("Use at most this many test examples (0: all; default \(defaults.testLimit); \(quickDefaults.testLimit) with --quick)."))
    public var testLimit: Int?

    @Option(help: ArgumentHelp("Evaluate on the validation part every N steps (0: only at the end; default \(defaults.evaluateEvery); \(quickDefaults.evaluateEvery) with --quick)."))
    public var evaluateEvery: Int?

    @Flag(help: "Tiny settings for a smoke test (a few steps on a few hundred examples).")
    public var quick = false

    /// The defaults (for `@OptionGroup`).
    public init() {}

    /// The run settings these options give, on top of the defaults (or the quick ones) and
    /// `output` as the default output folder.
    public func settings(output: String) -> RunSettings {
        var s = RunSettings()
        if quick { s.makeQuick() }
        s.modelDirectory = model
        s.dataDirectory = data
        s.task = task
        s.seed = seed
        s.learningRate = learningRate
        s.epochs = epochs
        s.outputDirectory = output
        if let steps { s.steps = steps }
        if let batchSize { s.batchSize = batchSize }
        if let maxLength { s.maxLength = maxLength }
        if let trainLimit { s.trainLimit = trainLimit }
        if let validationLimit { s.validationLimit = validationLimit }
        if let testLimit { s.testLimit = testLimit }
        if let evaluateEvery { s.evaluateEvery = evaluateEvery }
        return s
    }
}

/// LoRA's options.
public struct LoRAOptions: ParsableArguments {
    @Option(help: "LoRA rank r.")
    public var rank = 8

    @Option(help: "LoRA α (the update is scaled by α/r).")
    public var alpha = 16.0

    @Option(help: "Dropout on the adapter input while training.")
    public var loraDropout = 0.05

    @Option(parsing: .upToNextOption,
            help: "Modules to adapt: names (query, key, value, output, feedForward.up, feedForward.down) or globs.")
    public var targets: [String] = ["query", "value"]

    /// The defaults (for `@OptionGroup`).
    public init() {}

    /// Copies these options into `settings`.
    public func apply(to settings: inout RunSettings) {
        settings.loraRank = rank
        settings.loraAlpha = alpha
        settings.loraDropout = loraDropout
        settings.loraTargets = targets
    }
}

/// Runs one strategy with the shared options and prints what the issue asks each example to
/// print; errors become a one-line message and a non-zero exit, never a trap.
public func runSingleStrategy(_ strategy: StrategyKind, settings: RunSettings) throws {
    do {
        try settings.validate()
    } catch {
        throw ValidationError(error.description)
    }
    let result = try FineTuneRun(settings: settings, strategy: strategy).run()
    print("")
    print("strategy:            \(result.label)")
    print("test accuracy:       \(String(format: "%.4f", result.testAccuracy)) on \(result.testExamples) examples")
    print("trainable params:    \(grouped(result.trainableParameters)) of \(grouped(result.totalParameters)) (\(String(format: "%.4f", result.trainablePercent))%)")
    print("optimizer state:     \(formatBytes(result.optimizerStateBytes))")
    print("time per step:       \(String(format: "%.0f", result.millisecondsPerStep)) ms (\(result.steps) steps)")
    print("peak memory (RSS):   \(result.peakRSSBytes.map(formatBytes) ?? "n/a")")
    print("artifact:            \(result.artifactPath) (\(formatBytes(result.artifactBytes)))")
    print("total time:          \(String(format: "%.1f", result.totalSeconds)) s")
}
