import Foundation
import ExampleSupport
import FineTuning

/// One `finetune-llm` run: load the GGUF model, prepare the strategy, train on SFT data with the
/// ``Trainer`` (validation loss curve, checkpoints, metrics log, plot), score the test set, save
/// the artifact and return what was measured.
public struct LLMFineTuneRun {
    /// The settings.
    public var settings: LLMRunSettings
    /// Where progress lines go.
    public var log: (String) -> Void
    /// The processes of a data-parallel run (`finetune-llm --distributed` under `mpirun`): each
    /// trains on its share of every batch; only process 0 scores the test set and writes the
    /// artifact and result.json. Nil: one process.
    public var dataParallel: (any DataParallelGroup)?

    /// A run with `settings`.
    public init(settings: LLMRunSettings, log: @escaping (String) -> Void = { print($0); fflush(nil) }) {
        self.settings = settings
        self.log = log
    }

    /// The records of a run: the fixed-JSON task's generated split, or the JSONL folder.
    struct Records {
        var train: [SFTRecord]
        var validation: [SFTRecord]
        var test: [SFTRecord]
        /// The test questions of the fixed-JSON task (scored by generation), with the training
        /// questions the baseline draws its examples from.
        var trec: (train: [TRECQuestion], test: [TRECQuestion])?
    }

    /// Trains (or, for the baseline, only evaluates) and returns the measurements.
    public func run() throws -> LLMRunResult {
        try settings.validate()
        let start = Date()
        let output = URL(fileURLWithPath: settings.output)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let modelURL = URL(fileURLWithPath: settings.model)
        guard FileManager.default.fileExists(atPath: modelURL.path) else { throw LLMExampleError.missingModel(path: modelURL.path) }
        let data = try loadRecords(into: output)
        let llm = try PretrainedLLM(contentsOf: modelURL, quantized: settings.strategy == .qlora)
        let model = llm.model
        let generator = Generator(seed: settings.seed)

        let summary = try prepare(model, generator: generator)
        let quantizedElements = model.namedModules().compactMap { $0.module as? QuantizedLinear }
            .reduce(0) { $0 + $1.inFeatures * $1.outFeatures }
        log("\(settings.strategy.label(settings)): \(summary.trainable) of \(summary.total + quantizedElements) parameters train")

        var curve: [LLMRunResult.CurvePoint] = []
        var steps = 0, trainSeconds = 0.0, optimizerBytes = 0
        if settings.strategy != .baseline {
            let encoder = llm.sftEncoder(maskPrompt: !settings.trainOnPrompt, maxLength: settings.maxLength)
            let train = try encoder.encode(data.train)
            log("train: \(train.report)")
            let validation = try encoder.encode(Array(data.validation.prefix(settings.validationLimit > 0 ? settings.validationLimit : .max)))
            let optimizer = AdamW(model: model, learningRate: settings.effectiveLearningRate, weightDecay: 0)
            var config = TrainerConfiguration(maxSteps: settings.steps, batchSize: settings.batchSize)
            config.gradientAccumulationSteps = settings.gradAccumulation
            config.seed = settings.seed
            config.warmupSteps = max(1, settings.steps / 10)
            config.decay = .linear
            config.evaluateEvery = settings.evaluateEvery > 0 ? settings.evaluateEvery : nil
            config.evaluateAtEnd = settings.evaluateEvery == 0 || settings.steps % settings.evaluateEvery != 0
            config.evaluationBatchSize = 16
            config.logEvery = max(1, settings.steps / 10)
            config.outputDirectory = output
            config.checkpointEvery = settings.saveEvery > 0 ? settings.saveEvery : nil
            config.checkpointParameters = .trainable
            config.groupByLength = true
            config.progress = .lines
            model.gradientCheckpointing = settings.checkpointing
            let evaluationClock = Stopwatch()
            let trainer = Trainer(model: model, optimizer: optimizer, trainData: train.dataset,
                                  evaluationData: validation.examples.isEmpty ? nil : validation.dataset,
                                  collate: SFTCollator(tokenizer: llm.tokenizer).collate, configuration: config,
                                  metrics: [], generators: [generator]) { batch in
                // Right padding under causal attention: real tokens never see the padding, so no mask.
                let loss = { StepOutput(loss: model.loss(batch.inputIDs, targets: batch.labels)) }
                return GradMode.isEnabled ? loss() : evaluationClock.measure(loss)
            }
            trainer.dataParallel = dataParallel
            var resumeFrom: URL?
            if settings.resume {
                resumeFrom = TrainingCheckpointStore(directory: output.appendingPathComponent("checkpoints")).latest()
                guard resumeFrom != nil else { throw LLMExampleError.nothingToResume(folder: output.path) }
                log("resuming from \(resumeFrom!.lastPathComponent)")
            } else if !validation.examples.isEmpty {
                curve.append(.init(step: 0, loss: trainer.evaluate()["eval_loss"] ?? .nan))
            }
            let evaluationBefore = evaluationClock.seconds
            let trainStart = Date()
            let result = try trainer.train(resumingFrom: resumeFrom)
            trainSeconds = Date().timeIntervalSince(trainStart) - (evaluationClock.seconds - evaluationBefore)
            steps = result.state.step
            optimizerBytes = optimizer.stateByteCount
            for record in result.state.history where record.kind == .eval {
                curve.append(.init(step: record.step, loss: record.values["eval_loss"] ?? .nan))
            }
        }

        let isLeader = (dataParallel?.rank ?? 0) == 0
        let testStart = Date()
        var metrics: TRECJSONMetrics?
        var testLoss: Double?
        var examples: [LLMRunResult.Example] = []
        var testCount = 0
        if isLeader, settings.test, let trec = data.trec {
            let questions = Array(trec.test.prefix(settings.testLimit > 0 ? settings.testLimit : .max))
            let fewShot = settings.strategy == .baseline ? TRECJSONTask.fewShotExamples(from: trec.train) : []
            let (scores, answers) = try TRECJSONEvaluation(llm: llm, examples: fewShot).run(on: questions)
            metrics = scores
            testCount = questions.count
            examples = answers.prefix(3).map { .init(question: $0.question.text, expected: TRECJSONTask.answer(for: $0.question), output: $0.output) }
            log(String(format: "test (%d questions): JSON valid %.1f %%, category %.1f %%, subcategory %.1f %%", questions.count,
                       100 * scores.jsonValid, 100 * scores.categoryAccuracy, 100 * scores.subcategoryAccuracy))
        } else if isLeader, settings.test, !data.test.isEmpty {
            let test = try llm.sftEncoder(maskPrompt: !settings.trainOnPrompt, maxLength: settings.maxLength)
                .encode(Array(data.test.prefix(settings.testLimit > 0 ? settings.testLimit : .max)))
            testLoss = Self.meanLoss(model, on: test.examples, collator: SFTCollator(tokenizer: llm.tokenizer))
            testCount = test.examples.count
            log(String(format: "test loss %.4f (perplexity %.2f) on %d examples", testLoss!, exp(testLoss!), testCount))
        }
        let testSeconds = Date().timeIntervalSince(testStart)

        let artifact = isLeader ? try saveArtifact(model, to: output) : nil
        let result = LLMRunResult(
            strategy: settings.strategy, label: settings.strategy.label(settings), jsonValid: metrics?.jsonValid,
            categoryAccuracy: metrics?.categoryAccuracy, subcategoryAccuracy: metrics?.subcategoryAccuracy,
            testCount: testCount, testLoss: testLoss, trainableParameters: summary.trainable,
            totalParameters: summary.total + quantizedElements, optimizerStateBytes: optimizerBytes,
            peakRSSBytes: ProcessMemory.peakResidentBytes(),
            msPerStep: steps > 0 ? 1000 * trainSeconds / Double(steps) : 0, steps: steps,
            examplesPerStep: settings.batchSize * settings.gradAccumulation,
            learningRate: settings.strategy == .baseline ? 0 : settings.effectiveLearningRate, testSeconds: testSeconds,
            totalSeconds: Date().timeIntervalSince(start), artifactPath: artifact?.path,
            artifactBytes: artifact.map(diskSize(of:)) ?? 0, validationCurve: curve, examples: examples)
        if isLeader {
            try LLMRunResult.encoder.encode(result).write(to: output.appendingPathComponent("result.json"), options: .atomic)
        }
        return result
    }

    /// Freezes and adapts `model` as the strategy says.
    private func prepare(_ model: GPT, generator: Generator) throws -> ParameterSummary {
        let top = settings.numLayers.map { n in Array(max(0, model.layers.count - n)..<model.layers.count) }
        switch settings.strategy {
        case .baseline:
            model.freeze()
            return model.parameterSummary()
        case .full:
            return try FullFineTuning().prepare(model)
        case .partial:
            return try PartialFineTuning(.trainTop(settings.numLayers ?? LLMRunSettings.defaultPartialLayers)).prepare(model)
        case .lora, .qlora, .dora:
            var config = LoRAConfig(rank: settings.rank, alpha: settings.alpha, dropout: 0,
                                    targetModules: settings.targets.map(HuggingFaceLlamaNames.target))
            config.layersToTransform = top
            config.useDoRA = settings.strategy == .dora
            return try LoRA(config, generator: generator).prepare(model)
        }
    }

    /// The adapter folder (adapter strategies) or the trained weights as safetensors (full,
    /// partial); nothing for the baseline.
    private func saveArtifact(_ model: GPT, to output: URL) throws -> URL? {
        switch settings.strategy {
        case .baseline:
            return nil
        case .lora, .qlora, .dora:
            let folder = output.appendingPathComponent("adapter", isDirectory: true)
            try model.saveHuggingFaceAdapter(to: folder)
            return folder
        case .full, .partial:
            let file = output.appendingPathComponent("trained.safetensors")
            let trained = Dictionary(uniqueKeysWithValues: model.namedParameters().filter { $0.tensor.requiresGrad }.map { ($0.name, $0.tensor) })
            try SafeTensors.save(trained, to: file)
            return file
        }
    }

    /// Reads the JSONL folder, or builds the fixed-JSON task's split and writes it as JSONL into
    /// `output/data` for reference.
    private func loadRecords(into output: URL) throws -> Records {
        if let folder = settings.data {
            let splits = try SFTJSONLReader().read(folder: URL(fileURLWithPath: folder))
            return Records(train: splits.train, validation: splits.validation ?? [], test: splits.test ?? [], trec: nil)
        }
        let questions = try TRECQuestions.read(from: URL(fileURLWithPath: settings.trecQuestions))
        let split = try TRECQuestions.split(questions, testCount: 500, validationCount: 200, seed: 42)
        try TRECJSONData.write(train: split.train, validation: split.validation, test: split.test,
                               to: output.appendingPathComponent("data", isDirectory: true))
        return Records(train: TRECJSONData.records(split.train), validation: TRECJSONData.records(split.validation),
                    test: TRECJSONData.records(split.test), trec: (split.train, split.test))
    }

    /// Mean loss over the trained tokens of `examples`, without gradients.
    static func meanLoss(_ model: GPT, on examples: [SFTExample], collator: SFTCollator, batchSize: Int = 16) -> Double {
        withGradientsDisabled {
            var total = 0.0, tokens = 0
            for start in stride(from: 0, to: examples.count, by: batchSize) {
                let batch = collator.collate(Array(examples[start..<min(start + batchSize, examples.count)]))
                total += model.loss(batch.inputIDs, targets: batch.labels).item() * Double(batch.tokenCount)
                tokens += batch.tokenCount
            }
            return tokens == 0 ? .nan : total / Double(tokens)
        }
    }
}

/// Failures of the LLM examples that name the fix.
public enum LLMExampleError: Error, CustomStringConvertible {
    /// The GGUF file is missing.
    case missingModel(path: String)
    /// `--resume` found no checkpoint.
    case nothingToResume(folder: String)

    /// The message.
    public var description: String {
        switch self {
        case .missingModel(let path): "no model at \(path): run `make llm` (or pass --model FILE.gguf)"
        case .nothingToResume(let folder): "--resume: no checkpoint in \(folder)/checkpoints (train with --save-every N first)"
        }
    }
}
