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
    /// Code run at fixed points of each run (see ``TrainerCallback``), in this order.
    public var callbacks: [any TrainerCallback] = []
    /// Where the run stands.
    public internal(set) var state = TrainerState()
    /// The processes of a data-parallel run this trainer is one of (nil: it trains alone); see
    /// ``DataParallelGroup`` for what changes. The `Distributed` module provides one on MPI.
    public var dataParallel: (any DataParallelGroup)? = nil

    /// Whether this process writes the run's files and progress (process 0 of a data-parallel run).
    var writesOutput: Bool { (dataParallel?.rank ?? 0) == 0 }

    var bestParameters: [String: Tensor]?
    var scheduler: LearningRateScheduler?
    private var schedule: LearningRateSchedule = .constant
    private var log: MetricsLogWriter?
    var progress: ProgressReporter?
    var lastCheckpoint: URL?
    /// The context callbacks see during ``train(resumingFrom:pausingAfter:)``.
    private var context: TrainerContext?
    /// Whether this run has checked that the optimizer holds every parameter that gets a
    /// gradient (once a run: the check walks the model).
    private var tracksChecked = false

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

    /// A trainer using a ``Collator`` and a ``LossComputing`` value; `metrics` defaults to the
    /// loss's ``LossComputing/defaultMetrics()`` (a classifier's accuracy and macro-F1, a language
    /// model's accuracy and perplexity).
    public convenience init<C: Collator, L: LossComputing>(
        model: Module, optimizer: any Optimizer, trainData: any Dataset<Example>,
        evaluationData: (any Dataset<Example>)? = nil, collator: C, configuration: TrainerConfiguration,
        metrics: [any Metric]? = nil, generators: [Generator] = [], loss: L
    ) where C.Example == Example {
        self.init(model: model, optimizer: optimizer, trainData: trainData, evaluationData: evaluationData,
                  collate: collator.collate, configuration: configuration, metrics: metrics ?? loss.defaultMetrics(),
                  generators: generators,
                  loss: loss.output(for:))
    }

    /// The sampler of the training data.
    public var sampler: BatchSampler {
        var sampler = BatchSampler(count: trainData.count, batchSize: configuration.batchSize, shuffle: configuration.shuffle,
                                   seed: configuration.seed, dropLast: configuration.dropLastBatch)
        if configuration.groupByLength { sampler.lengths = trainLengths }
        sampler.shard = dataParallel.map { DataShard(index: $0.rank, count: $0.size) }
        return sampler
    }

    /// The length of each training example when they are ``SequenceLengthMeasurable`` (read once:
    /// the data is fixed for the trainer's life).
    private lazy var trainLengths: [Int]? = {
        guard Example.self is any SequenceLengthMeasurable.Type else { return nil }
        return (0..<trainData.count).map { (trainData.example(at: $0) as? any SequenceLengthMeasurable)?.sequenceLength ?? 0 }
    }()

    /// Optimizer steps per epoch (the last accumulation window of an epoch may be short).
    public var stepsPerEpoch: Int {
        let batches = sampler.batchCount
        return (batches + configuration.gradientAccumulationSteps - 1) / configuration.gradientAccumulationSteps
    }

    /// Optimizer steps in the whole run.
    public var totalSteps: Int { configuration.maxSteps ?? configuration.epochs * stepsPerEpoch }

    /// The checkpoint store, when an output directory is set.
    public var checkpointStore: TrainingCheckpointStore? {
        configuration.outputDirectory.map { TrainingCheckpointStore(directory: $0.appendingPathComponent("checkpoints", isDirectory: true)) }
    }

    /// The best parameters kept in memory (``BestModelStorage/memory``), by name.
    public var bestModelParameters: [String: Tensor]? { bestParameters }

    /// Trains until the step budget is spent, early stopping triggers or a callback asks to stop.
    ///
    /// Each optimizer step is ``TrainerCallback`` events around three pieces: the step itself
    /// (forward and backward over the micro-batches, clipping, the optimizer update), the
    /// evaluation when due, and the checkpoint when due.
    ///
    /// - Parameters:
    ///   - checkpoint: a `checkpoint-<step>` folder to resume from; the model, optimizer,
    ///     scheduler, generators, counters and data position are restored first.
    ///   - pauseStep: stop after this optimizer step, as if interrupted, and write a checkpoint
    ///     there (when an output directory is set) — for time-sliced jobs; a later call with
    ///     `resumingFrom:` continues exactly as if there had been no pause.
    /// - Throws: ``TrainingError/nonFiniteLoss(step:epoch:value:lastCheckpoint:)`` when a loss is
    ///   NaN or infinite (the parameters are not updated with it); `UntrackedParametersError` when
    ///   a parameter gets a gradient but is in no group of the optimizer (checked at the run's first
    ///   step); checkpoint and file errors.
    @discardableResult
    public func train(resumingFrom checkpoint: URL? = nil, pausingAfter pauseStep: Int? = nil) throws -> TrainingResult {
        try checkConfiguration()
        tracksChecked = false
        let total = totalSteps
        let reporter = try beginRun(resumingFrom: checkpoint, totalSteps: total)
        let context = TrainerContext(model: model, optimizer: optimizer, configuration: configuration,
                                     totalSteps: total, state: state)
        self.context = context
        defer { self.context = nil }
        notify { $0.trainingDidBegin($1) }

        var stepLosses: [Double] = []
        var finalEvaluation: [String: Double]? = nil
        let sampler = self.sampler
        var order = sampler.batches(epoch: state.epoch)
        var throughput = ThroughputWindow()
        let end = Swift.min(total, pauseStep ?? total)
        while state.step < end && !state.stoppedEarly && !context.isStopRequested {
            if state.batchInEpoch >= order.count {
                state.epoch += 1
                state.batchInEpoch = 0
                order = sampler.batches(epoch: state.epoch)
            }
            let first = state.batchInEpoch
            let window = Array(order[first..<Swift.min(order.count, first + configuration.gradientAccumulationSteps)])
            let step = try optimizerStep(batches: window, throughput: &throughput)
            state.step += 1
            state.batchInEpoch += window.count
            stepLosses.append(step.loss)
            let epochProgress = Double(state.epoch) + Double(state.batchInEpoch) / Double(order.count)
            try logStep(step, epoch: epochProgress, totalSteps: total, throughput: &throughput)

            if isEvaluationDue(totalSteps: total) { finalEvaluation = try evaluateAndTrack(epoch: epochProgress) }
            if isCheckpointDue(totalSteps: total, pauseStep: end) { try saveCheckpoint() }
            // Throughput counts training only: restart the clock after logging, evaluation
            // and checkpoint writing.
            throughput.restartIfLogged()
        }
        let result = try endRun(reporter: reporter, totalSteps: total, stepLosses: stepLosses, finalEvaluation: finalEvaluation)
        notify { $0.trainingDidEnd($1, result: result) }
        return result
    }

    /// Whether the step just taken ends with an evaluation: every `evaluateEvery` steps, and at
    /// the last step when `evaluateAtEnd`.
    private func isEvaluationDue(totalSteps total: Int) -> Bool {
        guard evaluationData != nil else { return false }
        let due = configuration.evaluateEvery.map { state.step % $0 == 0 } ?? false
        return due || (state.step == total && configuration.evaluateAtEnd)
    }

    /// Whether the step just taken ends with a checkpoint: every `checkpointEvery` steps, at the
    /// last step or early stop of such a run, and at a pause.
    private func isCheckpointDue(totalSteps total: Int, pauseStep end: Int) -> Bool {
        guard configuration.outputDirectory != nil else { return false }
        let last = state.step == total
        let pausing = state.step == end && !last
        return pausing || configuration.checkpointEvery.map { state.step % $0 == 0 || last || state.stoppedEarly } == true
    }

    /// The configuration errors a run would only meet late.
    private func checkConfiguration() throws {
        let c = configuration
        precondition(c.gradientAccumulationSteps > 0, "Trainer: gradientAccumulationSteps must be positive")
        guard sampler.batchCount > 0 else { throw TrainingError.emptyDataset }
        if c.groupByLength && trainLengths == nil {
            throw TrainingError.invalidConfiguration("groupByLength needs examples that are SequenceLengthMeasurable")
        }
        if c.checkpointEvery != nil && c.outputDirectory == nil {
            throw TrainingError.invalidConfiguration("checkpointEvery needs an outputDirectory")
        }
        if c.bestModel == .disk && c.outputDirectory == nil {
            throw TrainingError.invalidConfiguration("bestModel .disk needs an outputDirectory")
        }
        if c.earlyStopping != nil && evaluationData == nil {
            throw TrainingError.invalidConfiguration("earlyStopping needs evaluationData")
        }
    }

    /// Sets up the schedule, restores `checkpoint`, opens the metrics log and prints the banner.
    private func beginRun(resumingFrom checkpoint: URL?, totalSteps total: Int) throws -> ProgressReporter {
        let c = configuration
        schedule = c.schedule(totalSteps: total, base: optimizer.learningRates.first ?? 0)
        let baseRates = optimizer.learningRates
        if let checkpoint { try restore(from: checkpoint) }
        scheduler = LearningRateScheduler(schedule, optimizer: optimizer, startingAt: state.step, baseLearningRates: baseRates)
        try dataParallel?.broadcastParameters(model.namedParameters().filter { $0.tensor.requiresGrad })
        if writesOutput, let directory = c.outputDirectory {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw TrainingError.cannotWrite(path: directory.path, reason: MetricsLogWriter.reason(error))
            }
            log = try MetricsLogWriter(url: directory.appendingPathComponent("metrics.jsonl"), existing: state.history)
        }
        let reporter = ProgressReporter(style: writesOutput ? c.progress : .silent, totalSteps: total, startStep: state.step)
        progress = reporter
        reporter.banner(TrainingBanner.lines(examples: trainData.count, epochs: c.maxSteps == nil ? c.epochs : nil,
                                             batchSize: c.batchSize, accumulation: c.gradientAccumulationSteps,
                                             totalSteps: total, counts: model.parameterCounts(),
                                             resumedAt: checkpoint == nil ? nil : state.step))
        optimizer.zeroGrad()
        return reporter
    }

    /// What one optimizer step measured.
    struct StepMeasurement {
        /// The mean loss over the step's micro-batches.
        var loss: Double
        /// The learning rate the step used.
        var learningRate: Double
        /// The gradient norm before clipping, when clipping by norm.
        var gradientNorm: Double?
    }

    /// One optimizer step over `batches` (the micro-batches of one accumulation window, as
    /// example indices): forward and backward for each, then the
    /// ``TrainerCallback/gradientsDidAccumulate(_:)`` callbacks, clipping, the update and the
    /// scheduler. Counters other than tokens are the caller's.
    private func optimizerStep(batches: [[Int]], throughput: inout ThroughputWindow) throws -> StepMeasurement {
        let c = configuration
        model.train()
        var lossSum = 0.0
        var tokens = 0
        for indices in batches {
            let batch = collate(indices.map { trainData.example(at: $0) })
            let output = loss(batch)
            let value = output.loss.item()
            guard value.isFinite else {
                optimizer.zeroGrad()
                progress?.finish()
                throw TrainingError.nonFiniteLoss(step: state.step, epoch: state.epoch, value: value,
                                                  lastCheckpoint: lastCheckpoint ?? checkpointStore?.latest())
            }
            (batches.count == 1 ? output.loss : output.loss / Double(batches.count)).backward()
            lossSum += value
            tokens += batch.tokenCount
        }
        var stepLoss = lossSum / Double(batches.count)
        if let group = dataParallel {
            try group.averageGradients(optimizer.parameters.filter(\.requiresGrad))
            let means = try group.average([stepLoss, Double(tokens)])
            stepLoss = means[0]
            tokens = Int((means[1] * Double(group.size)).rounded())
        }
        throughput.tokens += tokens
        state.tokensSeen += tokens
        notify { $0.gradientsDidAccumulate($1) }
        if !tracksChecked {
            // A trained tensor in no optimizer group fails loudly instead of silently never updating.
            try optimizer.checkTracks(model.namedParameters())
            tracksChecked = true
        }
        let trainable = optimizer.parameters.filter(\.requiresGrad)
        if let maxValue = c.maxGradientValue { clipGradientValue(trainable, maxValue: maxValue) }
        let gradientNorm = c.maxGradientNorm.map { clipGradientNorm(trainable, maxNorm: $0) }
        let rate = optimizer.learningRates.first ?? 0
        optimizer.step()
        optimizer.zeroGrad()
        scheduler!.step()
        return StepMeasurement(loss: stepLoss, learningRate: rate, gradientNorm: gradientNorm)
    }

    /// Progress output, the metrics log when due, and the ``TrainerCallback/stepDidEnd(_:record:)`` callbacks.
    private func logStep(_ step: StepMeasurement, epoch: Double, totalSteps total: Int, throughput: inout ThroughputWindow) throws {
        let rate = throughput.tokensPerSecond()
        progress?.update(step: state.step, epoch: epoch, loss: step.loss, learningRate: step.learningRate, tokensPerSecond: rate)
        var values = ["loss": step.loss, "learning_rate": step.learningRate, "tokens_per_second": rate]
        if let norm = step.gradientNorm { values["grad_norm"] = norm }
        let stepRecord = TrainingRecord(kind: .train, step: state.step, epoch: epoch, values: values)
        if state.step % Swift.max(1, configuration.logEvery) == 0 || state.step == total {
            try record(stepRecord)
            progress?.line(step: state.step, epoch: epoch, loss: step.loss, learningRate: step.learningRate, tokensPerSecond: rate)
            throughput.tokens = 0
        }
        notify { $0.stepDidEnd($1, record: stepRecord) }
    }

    /// Ends the progress output, restores the best model when asked, and writes the plot.
    private func endRun(reporter: ProgressReporter, totalSteps total: Int, stepLosses: [Double],
                        finalEvaluation: [String: Double]?) throws -> TrainingResult {
        let c = configuration
        reporter.finish()
        if state.stoppedEarly, let stopping = c.earlyStopping {
            reporter.message("early stopping at step \(state.step): \(stopping.metric) has not improved for \(stopping.patience) evaluations")
        }
        if c.restoreBestModelAtEnd && (state.step >= total || state.stoppedEarly) { try restoreBestModel() }
        var plotURL: URL? = nil
        if writesOutput, let directory = c.outputDirectory {
            plotURL = directory.appendingPathComponent("training_curves.svg")
            try AtomicFile.write(Array(TrainingPlot.svg(history: state.history).utf8), to: plotURL!, durable: false)
        }
        model.train()
        return TrainingResult(state: state, stepLosses: stepLosses, finalEvaluation: finalEvaluation,
                              checkpoints: checkpointStore?.checkpoints().map(\.url) ?? [], plot: plotURL)
    }

    func record(_ record: TrainingRecord) throws(TrainingError) {
        state.history.append(record)
        try log?.append(record)
    }

    /// Runs `event` for each callback, with the context of the current run (or, outside a run,
    /// a fresh one) showing the current state.
    func notify(_ event: (any TrainerCallback, TrainerContext) -> Void) {
        guard !callbacks.isEmpty else { return }
        let context = self.context ?? TrainerContext(model: model, optimizer: optimizer, configuration: configuration,
                                                     totalSteps: totalSteps, state: state)
        context.state = state
        for callback in callbacks { event(callback, context) }
    }
}

/// Tokens trained since the last logged step and when counting started: the throughput logged.
struct ThroughputWindow {
    var tokens = 0
    var start = Date()

    func tokensPerSecond() -> Double {
        let elapsed = Date().timeIntervalSince(start)
        return elapsed > 0 ? Double(tokens) / elapsed : 0
    }

    /// Restarts the clock once a logged step emptied the window.
    mutating func restartIfLogged() { if tokens == 0 { start = Date() } }
}

@available(*, unavailable, message: "A trainer holds a model and tensors, which are not Sendable")
extension Trainer: Sendable {}
