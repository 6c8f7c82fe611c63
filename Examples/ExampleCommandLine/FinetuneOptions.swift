import ArgumentParser
import ExampleSupport
import Foundation

/// The options of `finetune` (classification fine-tuning on your own files). Every option can
/// also come from `--config FILE` (the same names, YAML or JSON); a flag given on the command
/// line wins over the file, the file over the defaults. Each option's help says which Hugging
/// Face (`run_classification.py` / `TrainingArguments`) or mlx-lm name it corresponds to.
public struct FinetuneOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A YAML or JSON file with any of these options, by the same names (flags given here win). mlx-lm: -c/--config.",
                               valueName: "file"))
    public var config: String?

    @Option(help: ArgumentHelp("Training data: CSV, TSV or JSONL, by extension (required). HF: --train_file.", valueName: "file"))
    public var trainFile: String?

    @Option(help: ArgumentHelp("Validation data in the same form (default: a stratified 10% of the training file). HF: --validation_file.",
                               valueName: "file"))
    public var validationFile: String?

    @Option(help: ArgumentHelp("Test data for the final report (default: the report is on the validation data). HF: --test_file.",
                               valueName: "file"))
    public var testFile: String?

    @Option(help: "The text column (CSV/TSV header) or JSONL field (default text). HF: --text_column_names.")
    public var textColumn: String?

    @Option(help: "The label column or field; the classes are the labels found in the training file (default label). HF: --label_column_name.")
    public var labelColumn: String?

    @Option(help: "full, partial, lora, dora, ia3, bitfit or frozen (default lora). mlx-lm: --fine-tune-type.")
    public var strategy: StrategyKind?

    @Option(help: ArgumentHelp("Hugging Face BERT-style model folder (default: the package's data/all-MiniLM-L6-v2, which `make model` fetches, wherever you run from). HF: --model_name_or_path; mlx-lm: --model.",
                               valueName: "folder"))
    public var model: String?

    @Option(help: ArgumentHelp("Output folder: the artifact, run.json (for predict), result.json, metrics.jsonl, checkpoints/ (default runs/finetune). HF: --output_dir; mlx-lm: --adapter-path.",
                               valueName: "folder"))
    public var output: String?

    @Option(parsing: .unconditional, help: "Optimizer steps (default: 3 epochs). HF: --max_steps; mlx-lm: --iters.")
    public var steps: Int?

    @Option(parsing: .unconditional, help: "Passes over the training data, instead of --steps (default 3). HF: --num_train_epochs.")
    public var epochs: Int?

    @Option(parsing: .unconditional, help: "Examples per micro-batch (default 16). HF: --per_device_train_batch_size; mlx-lm: --batch-size.")
    public var batchSize: Int?

    @Option(parsing: .unconditional, help: "Micro-batches per optimizer step (default 1). HF: --gradient_accumulation_steps.")
    public var gradAccumulation: Int?

    @Option(parsing: .unconditional, help: "Peak AdamW learning rate (default: the strategy's own). HF: --learning_rate; mlx-lm: --learning-rate.")
    public var learningRate: Double?

    @Option(parsing: .unconditional, help: "Linear warmup steps (default: a tenth of the run), then linear decay. HF: --warmup_steps.")
    public var warmup: Int?

    @Option(parsing: .unconditional, help: "Longest token sequence, special tokens included (default 128). HF: --max_seq_length; mlx-lm: --max-seq-length.")
    public var maxLength: Int?

    @Option(parsing: .unconditional, help: "Evaluate on the validation data every N steps (0: only at the end; default 100). HF: --eval_steps; mlx-lm: --steps-per-eval.")
    public var evaluateEvery: Int?

    @Option(parsing: .unconditional, help: "Write a resumable checkpoint every N steps into <output>/checkpoints (0: none, the default). HF: --save_steps; mlx-lm: --save-every.")
    public var saveEvery: Int?

    @Flag(help: "Continue from the newest checkpoint in <output>/checkpoints (same data and settings). HF: --resume_from_checkpoint; mlx-lm: --resume-adapter-file.")
    public var resume = false

    @Option(help: "Seed of the head, adapters, dropout and data order (default 0). HF and mlx-lm: --seed.")
    public var seed: UInt64?

    @Option(parsing: .unconditional, help: "partial: how many of the top transformer blocks train (default 2).")
    public var topBlocks: Int?

    @OptionGroup public var lora: LoRAOptions

    /// The defaults (for `@OptionGroup`).
    public init() {}

    /// The keys a config file may hold: the option names without the dashes.
    public static let configKeys = [
        "train-file", "validation-file", "test-file", "text-column", "label-column", "strategy", "model", "output",
        "steps", "epochs", "batch-size", "grad-accumulation", "learning-rate", "warmup", "max-length", "evaluate-every",
        "save-every", "resume", "seed", "top-blocks", "rank", "alpha", "lora-dropout", "targets",
    ]

    /// The run these options (and the config file, if any) describe.
    ///
    /// - Throws: `ValidationError` (a usage message) for a value out of range, a missing
    ///   `--train-file`, or a config file that cannot be read (naming the file, the line and the key).
    public func resolved() throws -> (settings: RunSettings, strategy: StrategyKind) {
        do {
            return try resolving()
        } catch let error as ExampleError {
            throw ValidationError(error.description)
        }
    }

    private func resolving() throws -> (settings: RunSettings, strategy: StrategyKind) {
        let file = try config.map { path throws(ExampleError) in try ConfigFile(contentsOf: URL(fileURLWithPath: path)) }
        try file?.checkKeys(Self.configKeys)
        let c = file ?? ConfigFile(path: "", values: [:])

        var s = RunSettings()
        s.maxLength = 128
        s.evaluateEvery = 100
        (s.trainLimit, s.validationLimit, s.testLimit) = (0, 0, 0)
        s.outputDirectory = "runs/finetune"
        let strategyName = try strategy?.rawValue ?? c.string("strategy") ?? StrategyKind.lora.rawValue
        guard let strategy = StrategyKind(rawValue: strategyName) else {
            throw ExampleError.invalidConfig(file: c.path, line: nil,
                                             reason: "strategy '\(strategyName)' is not one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        s.trainFile = try trainFile ?? c.string("train-file")
        s.validationFile = try validationFile ?? c.string("validation-file")
        s.testFile = try testFile ?? c.string("test-file")
        if let v = try textColumn ?? c.string("text-column") { s.textColumn = v }
        if let v = try labelColumn ?? c.string("label-column") { s.labelColumn = v }
        if let v = try model ?? c.string("model") { s.modelDirectory = v }
        if let v = try output ?? c.string("output") { s.outputDirectory = v }
        let steps = try self.steps ?? c.int("steps")
        let epochs = try self.epochs ?? c.int("epochs")
        if let steps { s.steps = steps }
        // Steps given (here or in the file) win over the default epochs; epochs given win over steps.
        s.epochs = epochs ?? (steps == nil ? 3 : nil)
        if let v = try batchSize ?? c.int("batch-size") { s.batchSize = v }
        if let v = try gradAccumulation ?? c.int("grad-accumulation") { s.gradientAccumulation = v }
        s.learningRate = try learningRate ?? c.double("learning-rate")
        s.warmupSteps = try warmup ?? c.int("warmup")
        if let v = try maxLength ?? c.int("max-length") { s.maxLength = v }
        if let v = try evaluateEvery ?? c.int("evaluate-every") { s.evaluateEvery = v }
        if let v = try saveEvery ?? c.int("save-every") { s.saveEvery = v }
        s.resume = try resume || (c.bool("resume") ?? false)
        if let v = try seed ?? c.string("seed").map({ (text: String) throws(ExampleError) -> UInt64 in
            guard let value = UInt64(text) else { throw .invalidConfig(file: c.path, line: nil, reason: "'seed' must be a non-negative integer, got '\(text)'") }
            return value
        }) { s.seed = v }
        if let v = try topBlocks ?? c.int("top-blocks") { s.topBlocks = v }
        if let v = try lora.rank ?? c.int("rank") { s.loraRank = v }
        if let v = try lora.alpha ?? c.double("alpha") { s.loraAlpha = v }
        if let v = try lora.loraDropout ?? c.double("lora-dropout") { s.loraDropout = v }
        if let v = lora.targets.isEmpty ? c.strings("targets") : lora.targets { s.loraTargets = v }

        guard s.trainFile != nil else {
            throw ExampleError.invalidOption("--train-file is required (a CSV, TSV or JSONL file with '\(s.textColumn)' and '\(s.labelColumn)' columns)")
        }
        try s.validate()
        return (s, strategy)
    }
}
