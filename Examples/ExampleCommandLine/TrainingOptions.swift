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

/// `--task`: which built-in dataset (a group of its own, so programs that run both tasks do not
/// list it).
public struct TaskOptions: ParsableArguments {
    @Option(help: "The dataset: sentiment (movie reviews) or spam (SMS).")
    public var task = ExampleTask.sentiment

    /// The defaults (for `@OptionGroup`).
    public init() {}
}

/// The options every fine-tuning example on the built-in datasets shares. Numbers are parsed
/// `.unconditional`ly, so `--steps -1` reaches the range check ("--steps must be in 1...")
/// instead of being taken for a flag ("Missing value for '--steps <steps>'").
public struct TrainingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Hugging Face model folder (default: the package's data/all-MiniLM-L6-v2, which `make model` fetches, wherever you run from)."))
    public var model: String?

    @Option(help: "Folder with movie-reviews.tsv and sms-spam.csv (default: the package's data/, which `make data` fills).")
    public var data: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Optimizer steps (default \(defaults.steps); \(quickDefaults.steps) with --quick)."))
    public var steps: Int?

    @Option(parsing: .unconditional, help: "Whole passes over the train part instead of --steps.")
    public var epochs: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Examples per step (default \(defaults.batchSize); \(quickDefaults.batchSize) with --quick)."))
    public var batchSize: Int?

    @Option(parsing: .unconditional, help: "AdamW learning rate (default: the strategy's own).")
    public var learningRate: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Longest token sequence, special tokens included (default \(defaults.maxLength); \(quickDefaults.maxLength) with --quick)."))
    public var maxLength: Int?

    @Option(help: "Seed for the head, adapters, dropout and data order (the split's seed is fixed).")
    public var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: ArgumentHelp("Use at most this many training examples of the fixed split (0: all; default \(defaults.trainLimit); \(quickDefaults.trainLimit) with --quick)."))
    public var trainLimit: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Use at most this many validation examples (0: all; default \(defaults.validationLimit); \(quickDefaults.validationLimit) with --quick)."))
    public var validationLimit: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Use at most this many test examples (0: all; default \(defaults.testLimit); \(quickDefaults.testLimit) with --quick)."))
    public var testLimit: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Evaluate on the validation part every N steps (0: only at the end; default \(defaults.evaluateEvery); \(quickDefaults.evaluateEvery) with --quick)."))
    public var evaluateEvery: Int?

    @Flag(help: "Tiny settings for a smoke test (a few steps on a few hundred examples).")
    public var quick = false

    /// The defaults (for `@OptionGroup`).
    public init() {}

    /// The run settings these options give, on top of the defaults (or the quick ones), for
    /// `task` and with `output` as the output folder.
    public func settings(task: ExampleTask = .sentiment, output: String) -> RunSettings {
        var s = RunSettings()
        if quick { s.makeQuick() }
        if let model { s.modelDirectory = model }
        if let data { s.dataDirectory = data }
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

/// LoRA's options (DoRA's too). Each is optional, so a value given in a `--config` file is only
/// overridden by a flag actually given.
public struct LoRAOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("LoRA rank r (default \(defaults.loraRank); PEFT: r, mlx-lm: rank)."))
    public var rank: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("LoRA α, the update is scaled by α/r (default \(defaults.loraAlpha); PEFT: lora_alpha, mlx-lm: scale = α/r)."))
    public var alpha: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Dropout on the adapter input while training (default \(defaults.loraDropout); PEFT: lora_dropout)."))
    public var loraDropout: Double?

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Modules to adapt: names (query, key, value, output, feedForward.up, feedForward.down) or globs (default \(defaults.loraTargets.joined(separator: " ")); PEFT: target_modules)."))
    public var targets: [String] = []

    /// The defaults (for `@OptionGroup`).
    public init() {}

    /// Copies the options given into `settings`.
    public func apply(to settings: inout RunSettings) {
        if let rank { settings.loraRank = rank }
        if let alpha { settings.loraAlpha = alpha }
        if let loraDropout { settings.loraDropout = loraDropout }
        if !targets.isEmpty { settings.loraTargets = targets }
    }
}

/// Runs one strategy with the shared options and prints what the issue asks each example to
/// print; errors become a one-line message and a non-zero exit, never a trap.
public func runSingleStrategy(_ strategy: StrategyKind, settings: RunSettings, distributed: Bool = false) throws {
    do {
        try settings.validate()
    } catch {
        throw ValidationError(error.description)
    }
    guard let result = try FineTuneRun(settings: settings, strategy: strategy).run(distributed: distributed) else { return }
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
