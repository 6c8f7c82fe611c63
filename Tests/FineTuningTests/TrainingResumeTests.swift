import Foundation
import Testing
@testable import FineTuning

/// Checkpoint/resume: N steps straight and N/2 + checkpoint + fresh objects + resume + N/2 give
/// bit-identical losses and parameters, with dropout, shuffling, accumulation, warmup/cosine
/// and AdamW all in play.
@Suite struct TrainingResumeTests {
    private func makeTrainer(directory: URL, initSeed: UInt64, dataSeed: UInt64 = 11,
                             groupByLength: Bool = false) -> (Trainer<LanguageModelingExample>, GPT) {
        // The model's generator drives both its initialisation and its dropout masks.
        let generator = Generator(seed: initSeed)
        let model = tinyByteGPT(dropout: 0.1, generator: generator)
        var config = TrainerConfiguration(maxSteps: 8, batchSize: 3)
        config.gradientAccumulationSteps = 2
        config.warmupSteps = 2
        config.decay = .cosine(minFactor: 0.1)
        config.maxGradientNorm = 0.5
        config.seed = dataSeed
        config.groupByLength = groupByLength
        config.outputDirectory = directory
        config.durableCheckpoints = false
        config.evaluateAtEnd = false
        config.logEvery = 1
        config.progress = .silent
        let trainer = Trainer(model: model, optimizer: AdamW(parameters: model.trainableParameters(), learningRate: 3e-3),
                              trainData: tinyLanguageData(count: 10),   // 4 micro-batches/epoch: resume crosses an epoch
                              collator: LanguageModelingCollator(tokenizer: ByteTokenizer()), configuration: config,
                              generators: [generator], loss: LanguageModelingLoss(model))
        return (trainer, model)
    }

    @Test func resumeIsBitIdentical() throws {
        let (straight, straightModel) = makeTrainer(directory: trainingTemporaryDirectory("straight"), initSeed: 1)
        let full = try straight.train()
        #expect(full.stepLosses.count == 8)

        let directory = trainingTemporaryDirectory("paused")
        let (first, _) = makeTrainer(directory: directory, initSeed: 1)
        let firstHalf = try first.train(pausingAfter: 5)
        #expect(firstHalf.stepLosses.count == 5)
        #expect(firstHalf.checkpoints.map(\.lastPathComponent) == ["checkpoint-5"])

        // Brand-new objects, initialised differently: everything must come from the checkpoint.
        let (second, resumedModel) = makeTrainer(directory: directory, initSeed: 99)
        let secondHalf = try second.train(resumingFrom: firstHalf.checkpoints[0])
        #expect(secondHalf.stepLosses.count == 3)

        let joined = firstHalf.stepLosses + secondHalf.stepLosses
        #expect(joined.map(\.bitPattern) == full.stepLosses.map(\.bitPattern), "\(joined) vs \(full.stepLosses)")
        #expect(parameterBits(resumedModel) == parameterBits(straightModel))
        #expect(second.state.step == 8 && second.state.epoch == straight.state.epoch
                && second.state.batchInEpoch == straight.state.batchInEpoch)
        #expect(second.optimizer.learningRates == straight.optimizer.learningRates)
        // The history (and so metrics.jsonl and the plot) continues the first run's.
        #expect(second.state.history.filter { $0.kind == .train }.map(\.step) == Array(1...8))
        let lines = try String(contentsOf: directory.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 8)
    }

    @Test func resumeRejectsAMismatchedModel() throws {
        let directory = trainingTemporaryDirectory()
        let (first, _) = makeTrainer(directory: directory, initSeed: 1)
        let paused = try first.train(pausingAfter: 1)
        let model = BagClassifier()
        var config = TrainerConfiguration(maxSteps: 2, batchSize: 2)
        config.progress = .silent
        let trainer = Trainer(model: model, optimizer: AdamW(parameters: model.trainableParameters()),
                              trainData: tinyClassificationData(count: 4),
                              collate: TextClassificationCollator(tokenizer: ByteTokenizer()).collate,
                              configuration: config, loss: model.output(for:))
        #expect(throws: TrainingError.self) { try trainer.train(resumingFrom: paused.checkpoints[0]) }
        #expect(throws: TrainingError.self) { try trainer.train(resumingFrom: directory.appendingPathComponent("nope")) }
        let (otherSeed, _) = makeTrainer(directory: directory, initSeed: 1, dataSeed: 12)
        do {
            try otherSeed.train(resumingFrom: paused.checkpoints[0])
            Issue.record("a changed data seed should be refused")
        } catch let error as TrainingError {
            #expect(error.description.contains("seed 11 → 12"))
        }
        // Grouping by length orders the batches differently, so the saved position means other data.
        let (grouped, _) = makeTrainer(directory: directory, initSeed: 1, groupByLength: true)
        do {
            try grouped.train(resumingFrom: paused.checkpoints[0])
            Issue.record("a changed groupByLength should be refused")
        } catch let error as TrainingError {
            #expect(error.description.contains("groupByLength false → true"), "\(error)")
        }
    }
}

/// Text examples measured by their UTF-8 length (the byte tokenizer's token count, less specials),
/// so the resume test can turn on length grouping.
extension LanguageModelingExample: SequenceLengthMeasurable {
    public var sequenceLength: Int { text.utf8.count }
}
