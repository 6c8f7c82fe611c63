import Foundation
import FineTuning

/// One `train-lm` run: read and tokenise the text, cut it into blocks (validation held out),
/// train a GPT from scratch with the ``Trainer`` (checkpoints, resume, metrics log, plot),
/// print samples as it learns, save the model and report the validation loss and perplexity.
public struct TrainLMRun {
    /// The settings.
    public var settings: TrainLMSettings
    /// Where progress lines and samples go.
    public var log: (String) -> Void

    /// A run with `settings`.
    public init(settings: TrainLMSettings, log: @escaping (String) -> Void = { print($0); fflush(nil) }) {
        self.settings = settings
        self.log = log
    }

    /// Trains and returns what was measured (also written to `result.json`).
    public func run() throws -> TrainLMResult {
        try settings.validate()
        let s = settings
        let output = URL(fileURLWithPath: s.output)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let tokenizer: any Tokenizer = try s.tokenizer.map { try AutoTokenizer.load(from: URL(fileURLWithPath: $0)) }
            ?? ByteTokenizer(addBOS: false)
        let corpus = try TextCorpus(contentsOf: URL(fileURLWithPath: s.text), tokenizer: tokenizer,
                                    fileExtensions: Set(s.extensions))
        log("text: \(corpus.documents.count) document(s), \(corpus.tokens.count) tokens; tokenizer: "
            + "\(s.tokenizer ?? "byte-level") (vocabulary \(tokenizer.vocabularySize))")
        let parts: TextBlockSplit
        if s.validation > 0 {
            parts = try corpus.blocks(size: s.blockSize, stride: s.effectiveStride, validation: s.validation, seed: s.seed)
        } else {
            let train = try corpus.blocks(size: s.blockSize, stride: s.effectiveStride)
            parts = TextBlockSplit(train: train, validation: TextBlockDataset(tokens: corpus.tokens, blockSize: s.blockSize, starts: []))
        }
        log("blocks of \(s.blockSize) + 1 tokens, stride \(s.effectiveStride): \(parts.train.count) train, "
            + "\(parts.validation.count) validation")

        var config = GPTConfig(vocabularySize: tokenizer.vocabularySize, maxPositions: s.blockSize, dim: s.width,
                               layers: s.layers, heads: s.heads)
        config.dropout = s.dropout
        let generator = Generator(seed: s.seed)
        let model = GPT(config, generator: generator)
        let optimizer = AdamW(model: model, learningRate: s.learningRate, weightDecay: s.weightDecay)

        var configuration = TrainerConfiguration(maxSteps: s.steps, batchSize: s.batchSize)
        configuration.seed = s.seed
        configuration.warmupSteps = s.warmup
        configuration.decay = .cosine(minFactor: 0.1)
        configuration.evaluateEvery = s.evaluateEvery > 0 ? s.evaluateEvery : nil
        configuration.evaluationBatchSize = 4 * s.batchSize
        configuration.logEvery = max(1, min(50, s.steps / 20))
        configuration.outputDirectory = output
        // Always a checkpoint at the last step, so a finished run can be resumed to generate.
        configuration.checkpointEvery = s.saveEvery > 0 ? s.saveEvery : s.steps
        configuration.keepLastCheckpoints = 2
        configuration.progress = .lines
        let trainer = Trainer(model: model, optimizer: optimizer, trainData: parts.train,
                              evaluationData: parts.validation.count > 0 ? parts.validation : nil,
                              collator: TokenBlockCollator(), configuration: configuration,
                              metrics: [PerplexityMetric()], generators: [generator], loss: LanguageModelingLoss(model))
        let sampling = SamplingParameters(temperature: s.temperature, topK: s.topK)
        let sampler = LanguageModelSampler(model: model, tokenizer: tokenizer, endID: corpus.separatorID, sampling: sampling)
        _ = try sampler.promptIDs(s.samplePrompt)   // fail before training, not at the first sample
        if s.sampleEvery > 0 {
            trainer.callbacks.append(SamplePrinter(sampler: sampler, every: s.sampleEvery, prompt: s.samplePrompt,
                                                   length: s.sampleLength, seed: s.seed, log: log))
        }

        var resumeFrom: URL?
        var initialLoss: Double?
        if s.resume {
            resumeFrom = trainer.checkpointStore?.latest()
            guard let checkpoint = resumeFrom else { throw TrainLMError.nothingToResume(folder: output.path) }
            log("resuming from \(checkpoint.lastPathComponent)")
        } else if parts.validation.count > 0 {
            initialLoss = trainer.evaluate()["eval_loss"]
            log(String(format: "validation loss before training %.4f (ln %d = %.4f)", initialLoss!,
                       tokenizer.vocabularySize, Foundation.log(Double(tokenizer.vocabularySize))))
        }
        let start = Date()
        let stepBefore = trainer.state.step
        let result = try trainer.train(resumingFrom: resumeFrom)
        let seconds = Date().timeIntervalSince(start)
        let trainedSteps = result.state.step - stepBefore

        let evaluation = result.finalEvaluation ?? (parts.validation.count > 0 ? trainer.evaluate() : [:])
        let validationLoss = evaluation["eval_loss"]
        if let loss = validationLoss {
            log(String(format: "validation loss %.4f, perplexity %.2f (%d blocks)", loss, exp(loss), parts.validation.count))
        }
        try SafeTensors.save(model.stateDict(), to: output.appendingPathComponent("model.safetensors"), durable: false)

        var generated: String?
        if s.generate > 0 {
            generated = try sampler.sample(s.samplePrompt, count: s.generate, generator: Generator(seed: s.seed &+ 1))
            log("--- generated (\(s.generate) tokens at most) ---\n\(generated!)\n---")
        }
        let lastTrainLoss = result.state.history.last { $0.kind == .train }?.values["loss"]
        let runResult = TrainLMResult(
            settings: s, documents: corpus.documents.count, tokens: corpus.tokens.count, vocabularySize: tokenizer.vocabularySize,
            trainBlocks: parts.train.count, validationBlocks: parts.validation.count, parameters: model.parameterCounts().total,
            steps: result.state.step, secondsPerStep: trainedSteps > 0 ? seconds / Double(trainedSteps) : 0,
            initialValidationLoss: initialLoss, trainLoss: lastTrainLoss, validationLoss: validationLoss,
            validationPerplexity: validationLoss.map { Foundation.exp($0) }, generated: generated)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(runResult).write(to: output.appendingPathComponent("result.json"), options: .atomic)
        return runResult
    }
}

/// What a `train-lm` run measured (`result.json`).
public struct TrainLMResult: Codable, Sendable {
    /// The settings of the run.
    public var settings: TrainLMSettings
    /// Documents and tokens in the text.
    public var documents: Int, tokens: Int
    /// The tokenizer's ids (the model's vocabulary).
    public var vocabularySize: Int
    /// Blocks trained on and held out.
    public var trainBlocks: Int, validationBlocks: Int
    /// The model's parameters.
    public var parameters: Int
    /// Optimizer steps done (resumed ones included).
    public var steps: Int
    /// Wall time per step of this call's training (evaluations, samples and checkpoints included).
    public var secondsPerStep: Double
    /// The validation loss of the untrained model (nil when resumed or without validation).
    public var initialValidationLoss: Double?
    /// The training loss at the last logged step.
    public var trainLoss: Double?
    /// The validation loss and perplexity at the end.
    public var validationLoss: Double?, validationPerplexity: Double?
    /// The text `--generate` produced.
    public var generated: String?
}

/// Prints a sample every N steps, from its own seeded generator so sampling never changes the
/// training's random stream (a resumed run trains exactly as an uninterrupted one).
final class SamplePrinter: TrainerCallback {
    let sampler: LanguageModelSampler
    let every: Int, length: Int
    let prompt: String
    let seed: UInt64
    let log: (String) -> Void

    init(sampler: LanguageModelSampler, every: Int, prompt: String, length: Int, seed: UInt64, log: @escaping (String) -> Void) {
        self.sampler = sampler
        self.every = every
        self.prompt = prompt
        self.length = length
        self.seed = seed
        self.log = log
    }

    func stepDidEnd(_ context: TrainerContext, record: TrainingRecord) {
        guard record.step % every == 0,
              let text = try? sampler.sample(prompt, count: length, generator: Generator(seed: seed &+ UInt64(record.step)))
        else { return }
        log("--- sample at step \(record.step) ---\n\(text)\n---")
    }
}
