import Foundation
import FineTuning
import TensorKit

/// One point of a validation curve.
public struct CurvePoint: Codable, Sendable {
    /// The optimizer step (0: before training).
    public var step: Int
    /// Validation accuracy.
    public var accuracy: Double
    /// Validation loss (mean cross-entropy).
    public var loss: Double
}

/// What one run measured; the comparison table is made of these.
public struct RunResult: Codable, Sendable {
    /// The strategy that ran.
    public var strategy: StrategyKind
    /// Its name in the table.
    public var label: String
    /// The built-in dataset (nil for a run on your own files).
    public var task: ExampleTask?
    /// Accuracy and mean loss on the (capped) test part, after the last step.
    public var testAccuracy: Double
    public var testLoss: Double
    /// How many test examples.
    public var testExamples: Int
    /// Per-class precision, recall and F1, macro-F1 and the confusion matrix on the same examples.
    public var testMetrics: ClassificationMetrics?
    /// Which part the test values are on: `test`, or `validation` when no test file was given.
    public var evaluatedOn: String?
    /// ``ParameterSummary`` after the strategy prepared the model.
    public var trainableParameters: Int
    public var totalParameters: Int
    public var trainablePercent: Double
    /// `optimizer.stateByteCount` after training (AdamW: two buffers per trained element).
    public var optimizerStateBytes: Int
    /// `VmHWM` of the process at the end; the process ran only this strategy.
    public var peakRSSBytes: Int?
    /// Training time per optimizer step, evaluations excluded.
    public var millisecondsPerStep: Double
    /// Wall time of the run: loading, training, evaluations, test and saving.
    public var totalSeconds: Double
    /// Optimizer steps taken.
    public var steps: Int
    /// The peak learning rate used.
    public var learningRate: Double
    /// The saved artifact (a file or a folder) and its size on disk.
    public var artifactPath: String
    public var artifactBytes: Int
    /// Validation accuracy and loss by step (step 0 is before training).
    public var validationCurve: [CurvePoint]
}

extension RunResult {
    /// The JSON written as `result.json` (sorted keys, non-finite numbers as strings).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }
}

/// Loads the pretrained model and the data, fine-tunes with one strategy, tests, saves the
/// artifact and measures the run. All example programs go through here.
public struct FineTuneRun {
    /// What to run.
    public var settings: RunSettings
    /// How to fine-tune.
    public var strategy: StrategyKind
    /// Where progress lines go.
    public var log: (String) -> Void
    /// The processes of a data-parallel run (`--distributed` under `mpirun`): each trains on its
    /// share of every batch; only process 0 writes the artifact, run.json and result.json.
    /// Nil: one process.
    public var dataParallel: (any DataParallelGroup)?

    /// A run of `strategy` with `settings`, logging through `log`.
    public init(settings: RunSettings, strategy: StrategyKind, log: @escaping (String) -> Void = { print($0) }) {
        self.settings = settings
        self.strategy = strategy
        self.log = log
    }

    /// The pretrained encoder with a new 2-class head on mean pooling (as sentence-transformers
    /// pools this model). BERT's pooler is dropped: mean pooling does not use it, and a trainable
    /// but unused layer would only inflate the parameter counts.
    public static func loadClassifier(modelDirectory: String, classes: Int, seed: UInt64)
        throws -> (model: SequenceClassifier, tokenizer: any Tokenizer, generator: Generator) {
        let folder = URL(fileURLWithPath: modelDirectory)
        for file in ["config.json", "model.safetensors"]
        where !FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) {
            throw ExampleError.missingModel(path: modelDirectory)
        }
        let pretrained = try PretrainedEncoder(directory: folder)
        let encoder = pretrained.encoder
        encoder.pooler = nil
        let generator = Generator(seed: seed)
        let model = SequenceClassifier(encoder: encoder, classes: classes, pooling: .mean, generator: generator)
        return (model, pretrained.tokenizer, generator)
    }

    /// Runs it and returns the measurements (also written to `<output>/result.json`, with
    /// `run.json`, what ``SavedRun`` needs to load the model again).
    public func run() throws -> RunResult {
        try settings.validate()
        let start = Date()
        // The model is checked before the data is read, so a missing model is the first thing said.
        if !FileManager.default.fileExists(atPath: URL(fileURLWithPath: settings.modelDirectory)
            .appendingPathComponent("model.safetensors").path) {
            throw ExampleError.missingModel(path: settings.modelDirectory)
        }
        let output = URL(fileURLWithPath: settings.outputDirectory)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)

        let data = try ClassificationData.load(settings)
        log(data.summary)

        let (model, tokenizer, generator) = try Self.loadClassifier(
            modelDirectory: settings.modelDirectory, classes: data.classNames.count, seed: settings.seed)
        let summary = try strategy.strategy(settings, generator: generator).prepare(model)
        log("\(strategy.label(settings)): \(summary)")

        let learningRate = settings.learningRate ?? strategy.defaultLearningRate
        let optimizer = AdamW(parameters: model.trainableParameters(), learningRate: learningRate, weightDecay: 0.01)
        var config = TrainerConfiguration(maxSteps: settings.steps, batchSize: settings.batchSize)
        var plannedSteps = settings.steps
        if let epochs = settings.epochs {
            config = TrainerConfiguration(epochs: epochs, batchSize: settings.batchSize)
            let batches = (data.train.count + settings.batchSize - 1) / settings.batchSize
            plannedSteps = epochs * ((batches + settings.gradientAccumulation - 1) / settings.gradientAccumulation)
        }
        config.seed = settings.seed
        config.gradientAccumulationSteps = settings.gradientAccumulation
        config.warmupSteps = settings.warmupSteps ?? max(1, plannedSteps / 10)
        if settings.saveEvery > 0 {
            config.checkpointEvery = settings.saveEvery
            config.checkpointParameters = .trainable   // frozen weights are the base model's: no need to copy them
        }
        config.decay = .linear
        config.evaluateEvery = settings.evaluateEvery > 0 ? settings.evaluateEvery : nil
        // The trainer also evaluates at the end; skip that when the last step is an evaluation step anyway.
        config.evaluateAtEnd = settings.evaluateEvery == 0 || plannedSteps % settings.evaluateEvery != 0
        config.evaluationBatchSize = 64
        config.logEvery = max(1, plannedSteps / 10)
        config.outputDirectory = output
        config.progress = .lines

        // Evaluation runs with gradients off: its time is counted apart from the steps'.
        let lossFunction = ClassificationLoss(model)
        let evaluationClock = Stopwatch()
        let collator = TextClassificationCollator(tokenizer: tokenizer, maxLength: settings.maxLength)
        let trainer = Trainer(model: model, optimizer: optimizer, trainData: data.train, evaluationData: data.validation,
                              collate: collator.collate, configuration: config,
                              metrics: [AccuracyMetric(), MacroF1Metric(classNames: data.classNames)],
                              generators: [generator]) { batch in
            if GradMode.isEnabled { return lossFunction.output(for: batch) }
            return evaluationClock.measure { lossFunction.output(for: batch) }
        }

        trainer.dataParallel = dataParallel
        let isLeader = (dataParallel?.rank ?? 0) == 0
        var checkpoint: URL? = nil
        if settings.resume {
            guard let latest = trainer.checkpointStore?.latest() else {
                throw ExampleError.invalidOption("--resume: no checkpoint in \(output.appendingPathComponent("checkpoints").path) (write them with --save-every)")
            }
            checkpoint = latest
            log("resuming from \(latest.path)")
        }
        // Step 0 of the curve: the untrained head (a resumed run has it in its history already).
        let initial = checkpoint == nil ? trainer.evaluate() : [:]
        let evaluationBeforeTraining = evaluationClock.seconds
        let trainStart = Date()
        let result = try trainer.train(resumingFrom: checkpoint)
        let trainSeconds = Date().timeIntervalSince(trainStart) - (evaluationClock.seconds - evaluationBeforeTraining)
        let steps = result.state.step
        let stepsThisRun = result.stepLosses.count   // a resumed run times only its own steps

        var curve = initial.isEmpty ? [] : [CurvePoint(step: 0, accuracy: initial["eval_accuracy"] ?? .nan, loss: initial["eval_loss"] ?? .nan)]
        for record in result.state.history where record.kind == .eval {
            curve.append(CurvePoint(step: record.step, accuracy: record.values["eval_accuracy"] ?? .nan,
                                    loss: record.values["eval_loss"] ?? .nan))
        }

        let (partName, part) = data.finalPart
        let test = Self.evaluate(model, on: part, collator: collator, classNames: data.classNames)
        log(String(format: "\(partName) accuracy %.4f, macro-F1 %.4f (loss %.4f) on %d examples",
                   test.accuracy, test.metrics.macroF1, test.loss, part.count))
        log(test.metrics.report())

        guard isLeader else {
            return RunResult(strategy: strategy, label: strategy.label(settings), task: nil, testAccuracy: test.accuracy,
                             testLoss: test.loss, testExamples: part.count, testMetrics: test.metrics, evaluatedOn: partName,
                             trainableParameters: summary.trainable, totalParameters: summary.total,
                             trainablePercent: summary.trainablePercent, optimizerStateBytes: optimizer.stateByteCount,
                             peakRSSBytes: ProcessMemory.peakResidentBytes(), millisecondsPerStep: 0,
                             totalSeconds: Date().timeIntervalSince(start), steps: steps, learningRate: learningRate,
                             artifactPath: "", artifactBytes: 0, validationCurve: curve)
        }
        let artifact = try ArtifactWriter.save(model, strategy: strategy, settings: settings, to: output)
        let artifactBytes = diskSize(of: artifact)
        if strategy.savesAdapter, let warning = model.huggingFacePoolingMismatch {
            log("note for Hugging Face users: \(warning)")
        }
        try SavedRun(settings: settings, strategy: strategy, classNames: data.classNames, artifact: artifact.lastPathComponent)
            .write(to: output)

        let runResult = RunResult(
            strategy: strategy, label: strategy.label(settings), task: settings.trainFile == nil ? settings.task : nil,
            testAccuracy: test.accuracy, testLoss: test.loss, testExamples: part.count, testMetrics: test.metrics,
            evaluatedOn: partName,
            trainableParameters: summary.trainable, totalParameters: summary.total,
            trainablePercent: summary.trainablePercent, optimizerStateBytes: optimizer.stateByteCount,
            peakRSSBytes: ProcessMemory.peakResidentBytes(),
            millisecondsPerStep: stepsThisRun > 0 ? 1000 * trainSeconds / Double(stepsThisRun) : 0,
            totalSeconds: Date().timeIntervalSince(start), steps: steps, learningRate: learningRate,
            artifactPath: artifact.path, artifactBytes: artifactBytes, validationCurve: curve)
        try runResult.json().write(to: output.appendingPathComponent("result.json"), options: .atomic)
        return runResult
    }

    /// Accuracy, mean loss and the per-class metrics of `model` on `data`, in evaluation mode
    /// without gradients (`classNames` name the classes in the metrics; by index when nil).
    public static func evaluate<D: Dataset>(_ model: SequenceClassifier, on data: D,
                                            collator: TextClassificationCollator, batchSize: Int = 64,
                                            classNames: [String]? = nil)
        -> (accuracy: Double, loss: Double, metrics: ClassificationMetrics) where D.Example == TextClassificationExample {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var metrics = ClassificationMetrics(classNames: classNames ?? (0..<model.classifier.weight.shape[0]).map(String.init))
        var lossSum = 0.0
        withGradientsDisabled {
            for start in stride(from: 0, to: data.count, by: batchSize) {
                let examples = (start..<min(data.count, start + batchSize)).map { data.example(at: $0) }
                let batch = collator.collate(examples)
                let logits = model(batch.inputIDs, tokenTypes: batch.tokenTypeIDs, mask: batch.attentionMask)
                lossSum += Tensor.crossEntropy(logits: logits, targets: batch.labels).item() * Double(examples.count)
                metrics.add(labels: examples.map(\.label), predictions: predictions(logits))
            }
        }
        return (metrics.accuracy, lossSum / Double(max(1, data.count)), metrics)
    }

    /// The arg-max class of each row of `[B, classes]` logits.
    public static func predictions(_ logits: Tensor) -> [Int] {
        let classes = logits.shape[1]
        let values = logits.contiguous().scalars(as: Float.self)
        return (0..<logits.shape[0]).map { row in
            let slice = values[(row * classes)..<((row + 1) * classes)]
            return slice.indices.max { slice[$0] < slice[$1] }! - row * classes
        }
    }
}

/// Accumulates the wall time of the closures it runs (evaluation time, kept apart from steps').
public final class Stopwatch {
    /// The seconds measured so far.
    public private(set) var seconds = 0.0
    /// A stopwatch at zero.
    public init() {}
    /// Runs `body`, adding its wall time.
    public func measure<R>(_ body: () throws -> R) rethrows -> R {
        let start = Date()
        defer { seconds += Date().timeIntervalSince(start) }
        return try body()
    }
}
