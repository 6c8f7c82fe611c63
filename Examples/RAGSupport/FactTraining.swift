import FineTuning
import Foundation

/// Fine-tuning of the chat model on fact records (LoRA or every weight): the "fine-tune the
/// knowledge in" path.
///
/// The adapter (or the trained weights) stays in `llm.model` after ``train(_:epochs:)``, so
/// retraining on an update continues from what was learned (a fresh optimizer).
public struct FactTraining {
    /// The model being trained.
    public let llm: PretrainedLLM
    /// Examples per optimizer step.
    public var batchSize: Int
    /// Peak learning rate (10 % warmup, then linear decay to 0).
    public var learningRate: Double
    /// The seed of shuffling and of the adapter's initialisation.
    public var seed: UInt64
    /// Where progress lines go.
    public var log: (String) -> Void

    /// LoRA of rank 16 (α 32) on every projection of every block: facts live in the MLPs as much
    /// as in attention, so adapting only q/v learns them much more slowly.
    public static let loraConfig = LoRAConfig(rank: 16, alpha: 32, dropout: 0, targetModules: [
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
    ].map(HuggingFaceLlamaNames.target))

    /// Adds the adapter to `llm.model` (the base weights freeze), or, for `.full`, unfreezes every weight.
    public init(llm: PretrainedLLM, kind: FactTrainingKind = .lora, batchSize: Int, learningRate: Double, seed: UInt64,
                log: @escaping (String) -> Void = { print($0); fflush(nil) }) throws {
        self.llm = llm
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.log = log
        switch kind {
        case .lora:
            let summary = try LoRA(Self.loraConfig, generator: Generator(seed: seed)).prepare(llm.model)
            log("LoRA r16 α32 on all projections: \(summary.trainable) of \(summary.total) parameters train")
        case .full:
            let summary = try FullFineTuning().prepare(llm.model)
            log("full fine-tuning: \(summary.trainable) of \(summary.total) parameters train")
        }
    }

    /// Trains `epochs` passes over `records` (assistant turns only) and returns the seconds it took.
    @discardableResult
    public func train(_ records: [SFTRecord], epochs: Double) throws -> Double {
        let model = llm.model
        let encoded = try llm.sftEncoder(maskPrompt: true).encode(records)
        let steps = max(1, Int((epochs * Double(records.count) / Double(batchSize)).rounded(.up)))
        log("training: \(encoded.report); \(steps) steps of \(batchSize)")
        var config = TrainerConfiguration(maxSteps: steps, batchSize: batchSize)
        config.seed = seed
        config.warmupSteps = max(1, steps / 10)
        config.decay = .linear
        config.evaluateAtEnd = false
        config.logEvery = max(1, steps / 5)
        config.groupByLength = true
        config.progress = .lines
        let optimizer = AdamW(model: model, learningRate: learningRate, weightDecay: 0)
        let trainer = Trainer(model: model, optimizer: optimizer, trainData: encoded.dataset, evaluationData: nil,
                              collate: SFTCollator(tokenizer: llm.tokenizer).collate, configuration: config,
                              metrics: [], generators: [Generator(seed: seed)]) { batch in
            // Right padding under causal attention: real tokens never see the padding, so no mask.
            StepOutput(loss: model.loss(batch.inputIDs, targets: batch.labels))
        }
        let start = Date()
        _ = try trainer.train()
        return Date().timeIntervalSince(start)
    }
}
