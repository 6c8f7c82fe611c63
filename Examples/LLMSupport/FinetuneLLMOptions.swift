import ArgumentParser
import Foundation

/// The flags of `finetune-llm`, named as `mlx_lm.lora` names them where it has one.
public struct FinetuneLLMOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The GGUF model (mlx-lm: --model). Default: what `make llm` fetched.", valueName: "FILE.gguf"))
    public var model = LLMPaths.defaultModel

    @Option(help: ArgumentHelp("A folder with train.jsonl, valid.jsonl, test.jsonl: {\"messages\"}, {\"prompt\",\"completion\"} or {\"text\"} lines (mlx-lm: --data).", valueName: "DIR"))
    public var data: String?

    @Option(help: ArgumentHelp("A built-in task instead of --data: trec-json (TREC questions → fixed JSON; `make data`).", valueName: "NAME"))
    public var task: String?

    @Option(help: "full | partial | lora | dora | qlora (mlx-lm: --fine-tune-type full|lora|dora).")
    public var strategy: LLMStrategyKind = .lora

    @Option(help: "LoRA rank r (PEFT: r).")
    public var rank = 8

    @Option(help: "LoRA α; the update is scaled by α/r (PEFT: lora_alpha).")
    public var alpha = 16.0

    @Option(parsing: .upToNextOption, help: "Projections to adapt, Hugging Face names (q_proj k_proj v_proj o_proj gate_proj up_proj down_proj) or ours (PEFT: target_modules).")
    public var targets = ["q_proj", "v_proj"]

    @Option(help: "LoRA: adapt the top N blocks only; partial: train the top N blocks (mlx-lm: --num-layers; default: all blocks for LoRA, 4 for partial).")
    public var numLayers: Int?

    @Option(help: "AdamW learning rate (default: 1e-3 adapters, 3e-4 partial, 1e-4 full).")
    public var learningRate: Double?

    @Option(help: "Optimizer steps (mlx-lm: --iters; HF: max_steps).")
    public var steps = 150

    @Option(help: "Examples per batch (HF: per_device_train_batch_size).")
    public var batchSize = 8

    @Option(help: "Longest example in tokens; longer ones are cut and counted (mlx-lm: --max-seq-length).")
    public var maxLength = 256

    @Option(help: "Batches per optimizer step (mlx-lm: --grad-accumulation-steps; HF: gradient_accumulation_steps).")
    public var gradAccumulation = 1

    @Flag(help: "Recompute each block in the backward pass to save activation memory (mlx-lm: --grad-checkpoint).")
    public var checkpointing = false

    @Flag(help: "Train on the prompt tokens too (default: only the assistant/completion tokens; mlx-lm: the opposite of --mask-prompt).")
    public var trainOnPrompt = false

    @Option(help: "Write a resumable checkpoint every N steps (mlx-lm: --save-every).")
    public var saveEvery = 0

    @Flag(help: "Continue from the latest checkpoint in --output (mlx-lm: --resume-adapter-file).")
    public var resume = false

    @Option(help: "Validation loss every N steps (mlx-lm: --steps-per-eval).")
    public var evaluateEvery = 25

    @Option(help: "At most this many validation examples (0: all; mlx-lm: --val-batches × batch).")
    public var validationLimit = 100

    @Flag(inversion: .prefixedNo, help: "Evaluate on the test set after training (mlx-lm: --test): trec-json scores generated JSON; other data the test loss.")
    public var test = true

    @Option(help: "At most this many test examples (0: all).")
    public var testLimit = 500

    @Option(help: "Seed of adapters, dropout and the data order.")
    public var seed: UInt64 = 0

    @Option(help: "Output folder: adapter/ or trained.safetensors, metrics.jsonl, plot, checkpoints/, result.json (mlx-lm: --adapter-path).")
    public var output = "runs/finetune-llm"

    public init() {}

    /// The run settings these flags describe.
    public func settings() -> LLMRunSettings {
        var s = LLMRunSettings(model: model)
        s.data = data
        s.task = task
        s.strategy = strategy
        s.rank = rank
        s.alpha = alpha
        s.targets = targets
        s.numLayers = numLayers
        s.learningRate = learningRate
        s.steps = steps
        s.batchSize = batchSize
        s.maxLength = maxLength
        s.gradAccumulation = gradAccumulation
        s.checkpointing = checkpointing
        s.trainOnPrompt = trainOnPrompt
        s.saveEvery = saveEvery
        s.resume = resume
        s.evaluateEvery = evaluateEvery
        s.validationLimit = validationLimit
        s.test = test
        s.testLimit = testLimit
        s.seed = seed
        s.output = output
        return s
    }

    public func validate() throws {
        do { try settings().validate() } catch { throw ValidationError("\(error)") }
    }
}

extension LLMStrategyKind: ExpressibleByArgument {}
