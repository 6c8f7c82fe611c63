import Foundation
import TensorKit

/// The training loop: epochs or a step budget, gradient accumulation, clipping, warmup and
/// decay, periodic evaluation, early stopping, best-model tracking, checkpoints that resume
/// bit-identically, NaN detection, progress output, a metrics log and a plot.
///
/// The loss of a batch comes from a closure (or a ``LossComputing`` value), so one trainer
/// serves a classifier and a language model alike:
///
/// ```swift
/// let trainer = Trainer(model: model, optimizer: AdamW(parameters: model.trainableParameters(), learningRate: 3e-4),
///                       trainData: split.train, evaluationData: split.validation,
///                       collator: TextClassificationCollator(tokenizer: tokenizer, maxLength: 128),
///                       configuration: config, loss: ClassificationLoss(model))
/// let result = try trainer.train()
/// ```
///
/// Reproducibility: the data order is a function of `configuration.seed` and the epoch; the
/// `generators` given (those the model's dropout draws from; the thread's default generator
/// when none are given) are saved in checkpoints and restored on resume.
public final class Trainer<Example> {
    /// The model trained (switched between train and eval mode by the trainer).
    public let model: Module
    /// The optimizer (over the model's trainable parameters, usually).
    public let optimizer: any Optimizer
    /// The training examples.
    public let trainData: any Dataset<Example>
    /// The evaluation examples, if any.
    public let evaluationData: (any Dataset<Example>)?
    /// Turns examples into a batch.
    public let collate: ([Example]) -> Batch
    /// Computes a batch's loss and logits.
    public let loss: (Batch) -> StepOutput
    /// The settings.
    public let configuration: TrainerConfiguration
    /// Metrics computed at each evaluation (the loss is always computed, as `eval_loss`).
    public var metrics: [any Metric]
    /// Random generators whose state checkpoints save (dropout masks).
    public let generators: [Generator]
    /// Where the run stands.
    public internal(set) var state = TrainerState()

    var bestParameters: [String: Tensor]?
    var scheduler: LearningRateScheduler?
    private var schedule: LearningRateSchedule = .constant
    private var log: MetricsLogWriter?
    private var progress: ProgressReporter?
    var lastCheckpoint: URL?

    /// A trainer whose batch loss comes from `loss`.
    public init(model: Module, optimizer: any Optimizer, trainData: any Dataset<Example>,
                evaluationData: (any Dataset<Example>)? = nil, collate: @escaping ([Example]) -> Batch,
                configuration: TrainerConfiguration, metrics: [any Metric] = [AccuracyMetric(), PerplexityMetric()],
                generators: [Generator] = [], loss: @escaping (Batch) -> StepOutput) {
        self.model = model
        self.optimizer = optimizer
        self.trainData = trainData
        self.evaluationData = evaluationData
        self.collate = collate
        self.loss = loss
        self.configuration = configuration
        self.metrics = metrics
        self.generators = generators.isEmpty ? [Generator.default] : generators
    }

    /// A trainer using a ``Collator`` and a ``LossComputing`` value.
    public convenience init<C: Collator, L: LossComputing>(
        model: Module, optimizer: any Optimizer, trainData: any Dataset<Example>,
        evaluationData: (any Dataset<Example>)? = nil, collator: C, configuration: TrainerConfiguration,
        metrics: [any Metric] = [AccuracyMetric(), PerplexityMetric()], generators: [Generator] = [], loss: L
    ) where C.Example == Example {
        self.init(model: model, optimizer: optimizer, trainData: trainData, evaluationData: evaluationData,
                  collate: collator.collate, configuration: configuration, metrics: metrics, generators: generators,
                  loss: loss.output(for:))
    }

    /// The sampler of the training data.
    public var sampler: BatchSampler {
        BatchSampler(count: trainData.count, batchSize: configuration.batchSize, shuffle: configuration.shuffle,
                     seed: configuration.seed, dropLast: configuration.dropLastBatch)
    }

    /// Optimizer steps per epoch (the last accumulation window of an epoch may be short).
    public var stepsPerEpoch: Int {
        let batches = sampler.batchCount
        return (batches + configuration.gradientAccumulationSteps - 1) / configuration.gradientAccumulationSteps
    }

    /// Optimizer steps in the whole run.
    public var totalSteps: Int { configuration.maxSteps ?? configuration.epochs * stepsPerEpoch }

    /// The checkpoint store, when an output directory is set.
    public var checkpointStore: CheckpointStore? {
        configuration.outputDirectory.map { CheckpointStore(directory: $0.appendingPathComponent("checkpoints", isDirectory: true)) }
    }

    /// The best parameters kept in memory (``BestModelStorage/memory``), by name.
    public var bestModelParameters: [String: Tensor]? { bestParameters }

    /// Trains until the step budget is spent or early stopping triggers.
    ///
    /// - Parameters:
    ///   - checkpoint: a `checkpoint-<step>` folder to resume from; the model, optimizer,
    ///     scheduler, generators, counters and data position are restored first.
    ///   - pauseStep: stop after this optimizer step, as if interrupted, and write a checkpoint
    ///     there (when an output directory is set) — for time-sliced jobs; a later call with
    ///     `resumingFrom:` continues exactly as if there had been no pause.
    /// - Throws: ``TrainingError/nonFiniteLoss(step:epoch:value:lastCheckpoint:)`` when a loss is
    ///   NaN or infinite (the parameters are not updated with it); ``UntrackedParametersError`` when
    ///   a parameter gets a gradient but is in no group of the optimizer (checked at the run's first
    ///   step); checkpoint and file errors.
    @discardableResult
    public func train(resumingFrom checkpoint: URL? = nil, pausingAfter pauseStep: Int? = nil) throws -> TrainingResult {
        let c = configuration
        precondition(c.gradientAccumulationSteps > 0, "Trainer: gradientAccumulationSteps must be positive")
        guard sampler.batchCount > 0 else { throw TrainingError.emptyDataset }
        if c.checkpointEvery != nil && c.outputDirectory == nil {
            throw TrainingError.invalidConfiguration("checkpointEvery needs an outputDirectory")
        }
        if c.bestModel == .disk && c.outputDirectory == nil {
            throw TrainingError.invalidConfiguration("bestModel .disk needs an outputDirectory")
        }
        if c.earlyStopping != nil && evaluationData == nil {
            throw TrainingError.invalidConfiguration("earlyStopping needs evaluationData")
        }
        let total = totalSteps
        schedule = c.schedule(totalSteps: total, base: optimizer.learningRates.first ?? 0)
        let baseRates = optimizer.learningRates
        if let checkpoint { try restore(from: checkpoint) }
        scheduler = LearningRateScheduler(schedule, optimizer: optimizer, startingAt: state.step, baseLearningRates: baseRates)
        if let directory = c.outputDirectory {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            log = try MetricsLogWriter(url: directory.appendingPathComponent("metrics.jsonl"), existing: state.history)
        }
        let reporter = ProgressReporter(style: c.progress, totalSteps: total, startStep: state.step)
        progress = reporter
        reporter.banner(TrainingBanner.lines(examples: trainData.count, epochs: c.maxSteps == nil ? c.epochs : nil,
                                             batchSize: c.batchSize, accumulation: c.gradientAccumulationSteps,
                                             totalSteps: total, counts: model.parameterCounts(),
                                             resumedAt: checkpoint == nil ? nil : state.step))
        optimizer.zeroGrad()
        var stepLosses: [Double] = []
        var finalEvaluation: [String: Double]? = nil
        let sampler = self.sampler
        var order = sampler.batches(epoch: state.epoch)
        var windowTokens = 0
        var trackingChecked = false   // a trained tensor in no optimizer group fails loudly (first step of the run)
        var windowStart = Date()

        let end = Swift.min(total, pauseStep ?? total)
        while state.step < end && !state.stoppedEarly {
            if state.batchInEpoch >= order.count {
                state.epoch += 1
                state.batchInEpoch = 0
                order = sampler.batches(epoch: state.epoch)
            }
            let window = Swift.min(c.gradientAccumulationSteps, order.count - state.batchInEpoch)
            model.train()
            var lossSum = 0.0
            for k in 0..<window {
                let indices = order[state.batchInEpoch + k]
                let batch = collate(indices.map { trainData.example(at: $0) })
                let output = loss(batch)
                let value = output.loss.item()
                guard value.isFinite else {
                    optimizer.zeroGrad()
                    reporter.finish()
                    throw TrainingError.nonFiniteLoss(step: state.step, epoch: state.epoch, value: value,
                                                      lastCheckpoint: lastCheckpoint ?? checkpointStore?.latest())
                }
                (window == 1 ? output.loss : output.loss / Double(window)).backward()
                lossSum += value
                windowTokens += batch.tokenCount
                state.tokensSeen += batch.tokenCount
            }
            if !trackingChecked { try optimizer.checkTracks(model.namedParameters()); trackingChecked = true }   // once a run: it walks the model
            let trainable = optimizer.parameters.filter(\.requiresGrad)
            if let maxValue = c.maxGradientValue { clipGradientValue(trainable, maxValue: maxValue) }
            let gradNorm = c.maxGradientNorm.map { clipGradientNorm(trainable, maxNorm: $0) }
            let rate = optimizer.learningRates.first ?? 0
            optimizer.step()
            optimizer.zeroGrad()
            scheduler!.step()
            state.step += 1
            state.batchInEpoch += window
            let stepLoss = lossSum / Double(window)
            stepLosses.append(stepLoss)
            let epochProgress = Double(state.epoch) + Double(state.batchInEpoch) / Double(order.count)

            let elapsed = Date().timeIntervalSince(windowStart)
            let throughput = elapsed > 0 ? Double(windowTokens) / elapsed : 0
            reporter.update(step: state.step, epoch: epochProgress, loss: stepLoss, learningRate: rate, tokensPerSecond: throughput)
            if state.step % Swift.max(1, c.logEvery) == 0 || state.step == total {
                var values = ["loss": stepLoss, "learning_rate": rate, "tokens_per_second": throughput]
                if let gradNorm { values["grad_norm"] = gradNorm }
                record(TrainingRecord(kind: .train, step: state.step, epoch: epochProgress, values: values))
                reporter.line(step: state.step, epoch: epochProgress, loss: stepLoss, learningRate: rate, tokensPerSecond: throughput)
                windowTokens = 0
            }
            let last = state.step == total
            let due = c.evaluateEvery.map { state.step % $0 == 0 } ?? false
            if evaluationData != nil && (due || (last && c.evaluateAtEnd)) {
                finalEvaluation = try evaluateAndTrack(epoch: epochProgress)
            }
            let pausing = state.step == end && !last
            if c.outputDirectory != nil,
               pausing || c.checkpointEvery.map({ state.step % $0 == 0 || last || state.stoppedEarly }) == true {
                try saveCheckpoint()
            }
            // Throughput counts training only: restart the clock after logging, evaluation
            // and checkpoint writing.
            if windowTokens == 0 { windowStart = Date() }
        }
        reporter.finish()
        if state.stoppedEarly { reporter.message("early stopping at step \(state.step): \(c.earlyStopping!.metric) has not improved for \(c.earlyStopping!.patience) evaluations") }
        if c.restoreBestModelAtEnd && (state.step >= total || state.stoppedEarly) { try restoreBestModel() }
        var plotURL: URL? = nil
        if let directory = c.outputDirectory {
            plotURL = directory.appendingPathComponent("training_curves.svg")
            try AtomicFile.write(Array(TrainingPlot.svg(history: state.history).utf8), to: plotURL!, durable: false)
        }
        model.train()
        return TrainingResult(state: state, stepLosses: stepLosses, finalEvaluation: finalEvaluation,
                              checkpoints: checkpointStore?.checkpoints().map(\.url) ?? [], plot: plotURL)
    }

    private func record(_ record: TrainingRecord) {
        state.history.append(record)
        log?.append(record)
    }

    // MARK: - Evaluation

    /// Runs the evaluation data in evaluation mode without gradients; returns `eval_loss` and
    /// `eval_<metric>` for each metric with a value.
    public func evaluate() -> [String: Double] {
        guard let data = evaluationData, data.count > 0 else { return [:] }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let lossMetric = LossMetric()
        let all: [any Metric] = [lossMetric] + metrics
        all.forEach { $0.reset() }
        let size = configuration.evaluationBatchSize ?? configuration.batchSize
        withGradientsDisabled {
            for start in stride(from: 0, to: data.count, by: size) {
                let batch = collate((start..<Swift.min(data.count, start + size)).map { data.example(at: $0) })
                let output = loss(batch)
                all.forEach { $0.update(output, batch: batch) }
            }
        }
        var values: [String: Double] = [:]
        for metric in all { if let value = metric.value { values["eval_\(metric.name)"] = value } }
        return values
    }

    private func evaluateAndTrack(epoch: Double) throws -> [String: Double]? {
        guard evaluationData != nil else { return nil }
        let values = evaluate()
        record(TrainingRecord(kind: .eval, step: state.step, epoch: epoch, values: values))
        progress?.evaluation(step: state.step, values: values)
        let goal = configuration.bestGoal
        if configuration.bestModel != .none, let value = values[goal.name],
           EarlyStopping(metric: goal.name, mode: goal.mode, patience: 1).improves(value, on: state.bestValue) {
            state.bestValue = value
            state.bestStep = state.step
            try saveBestModel()
        }
        if let stopping = configuration.earlyStopping, let value = values[stopping.metric] {
            if stopping.improves(value, on: state.earlyStoppingBest) {
                state.earlyStoppingBest = value
                state.evaluationsWithoutImprovement = 0
            } else {
                state.evaluationsWithoutImprovement += 1
                if state.evaluationsWithoutImprovement >= stopping.patience { state.stoppedEarly = true }
            }
        }
        return values
    }
}

@available(*, unavailable, message: "A trainer holds a model and tensors, which are not Sendable")
extension Trainer: Sendable {}
