import Foundation
import ExampleSupport

/// Everything one LLM fine-tuning run depends on (the flags of `finetune-llm`).
public struct LLMRunSettings: Codable, Sendable {
    /// Blocks that train under partial fine-tuning when `numLayers` is not given.
    public static let defaultPartialLayers = 4

    /// The GGUF file (`make llm`).
    public var model: String
    /// A folder with `train.jsonl` (and `valid.jsonl`, `test.jsonl`); nil with `task`.
    public var data: String?
    /// A built-in task whose data is generated (`trec-json`); its test set is scored by generation.
    public var task: String?
    /// The TREC questions file of the `trec-json` task (`make data`).
    public var trecQuestions = LLMPaths.trecQuestions.path
    /// How the model is adapted.
    public var strategy: LLMStrategyKind = .lora
    /// LoRA rank r.
    public var rank = 8
    /// LoRA α (scale α/r).
    public var alpha = 16.0
    /// Adapted projections (Hugging Face names such as `q_proj`, or ours).
    public var targets = ["q_proj", "v_proj"]
    /// LoRA: adapt only the top N blocks; partial: train the top N blocks.
    public var numLayers: Int?
    /// The learning rate; nil takes the strategy's default.
    public var learningRate: Double?
    /// Optimizer steps.
    public var steps = 150
    /// Examples per step (before accumulation).
    public var batchSize = 8
    /// The longest example in tokens (longer ones are cut; the count is reported).
    public var maxLength = 256
    /// Batches accumulated into one optimizer step.
    public var gradAccumulation = 1
    /// Recompute each block in the backward pass instead of keeping its activations.
    public var checkpointing = false
    /// Train on the prompt tokens too (by default only the assistant/completion tokens).
    public var trainOnPrompt = false
    /// Save a resumable checkpoint every N steps (0: never).
    public var saveEvery = 0
    /// Continue from the latest checkpoint in `output`.
    public var resume = false
    /// Validation loss every N steps (0: only at the end).
    public var evaluateEvery = 25
    /// At most this many validation examples (0: all).
    public var validationLimit = 100
    /// Evaluate on the test set after training.
    public var test = true
    /// At most this many test examples (0: all).
    public var testLimit = 500
    /// Seeds adapters, dropout, the data order and the task's split.
    public var seed: UInt64 = 0
    /// Where adapters/weights, metrics, plots and `result.json` go.
    public var output = "runs/finetune-llm"

    /// Settings for `model`; the rest keeps its defaults.
    public init(model: String) { self.model = model }

    /// The learning rate of the run.
    public var effectiveLearningRate: Double { learningRate ?? strategy.defaultLearningRate }

    /// Checks every number a user can pass.
    ///
    /// - Throws: ``ExampleError/invalidOption(_:)`` naming the flag and what it accepts.
    public func validate() throws {
        func positive(_ value: Int, _ flag: String) throws {
            guard value > 0, value <= 1_000_000 else { throw ExampleError.invalidOption("--\(flag) must be between 1 and 1,000,000, got \(value)") }
        }
        try positive(rank, "rank")
        try positive(steps, "steps")
        try positive(batchSize, "batch-size")
        try positive(maxLength, "max-length")
        try positive(gradAccumulation, "grad-accumulation")
        if let numLayers { try positive(numLayers, "num-layers") }
        guard alpha.isFinite, alpha > 0 else { throw ExampleError.invalidOption("--alpha must be a positive number, got \(alpha)") }
        if let learningRate, !(learningRate.isFinite && learningRate > 0 && learningRate < 1) {
            throw ExampleError.invalidOption("--learning-rate must be in (0, 1), got \(learningRate)")
        }
        guard saveEvery >= 0, evaluateEvery >= 0, validationLimit >= 0, testLimit >= 0 else {
            throw ExampleError.invalidOption("--save-every, --evaluate-every, --validation-limit and --test-limit must not be negative")
        }
        guard !targets.isEmpty else { throw ExampleError.invalidOption("--targets needs at least one module name") }
        guard (data == nil) != (task == nil) else {
            throw ExampleError.invalidOption("give either --data DIR (train.jsonl, valid.jsonl, test.jsonl) or --task trec-json")
        }
        if let task, task != "trec-json" { throw ExampleError.invalidOption("--task: only 'trec-json' is built in, got '\(task)'") }
    }
}
