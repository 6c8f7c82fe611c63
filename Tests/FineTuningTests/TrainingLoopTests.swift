import Foundation
import Testing
@testable import FineTuning

@Suite struct TrainingLoopTests {
    private let collator = TextClassificationCollator(tokenizer: ByteTokenizer(addBOS: false))

    @Test func tinyGPTLossGoesDown() throws {
        let generator = Generator(seed: 3)
        let model = tinyByteGPT(generator: generator)
        var config = TrainerConfiguration(epochs: 30, batchSize: 6)
        config.warmupSteps = 2
        config.decay = .cosine
        config.progress = .silent
        let data = tinyLanguageData(count: 12)
        let trainer = Trainer(model: model, optimizer: AdamW(parameters: model.trainableParameters(), learningRate: 1e-2),
                              trainData: data, evaluationData: data,
                              collator: LanguageModelingCollator(tokenizer: ByteTokenizer()), configuration: config,
                              generators: [generator], loss: LanguageModelingLoss(model))
        let before = trainer.evaluate()["eval_loss"]!
        let result = try trainer.train()
        #expect(result.stepLosses.count == 60)
        #expect(trainer.totalSteps == 60)
        let after = result.finalEvaluation!["eval_loss"]!
        #expect(after < before * 0.5, "eval loss \(before) → \(after)")
        #expect(result.finalEvaluation!["eval_perplexity"]! == Foundation.exp(after))
        #expect(result.finalEvaluation!["eval_accuracy"]! > 0.4)
        #expect(result.stepLosses.last! < result.stepLosses.first!)
    }

    @Test func classifierLearnsWithClosureLoss() throws {
        let model = BagClassifier()
        let data = tinyClassificationData(count: 64)
        let parts = data.split(validation: 0.25, seed: 1)
        var config = TrainerConfiguration(epochs: 15, batchSize: 8)
        config.progress = .silent
        config.evaluateEvery = 30
        let trainer = Trainer(model: model, optimizer: AdamW(parameters: model.trainableParameters(), learningRate: 0.1),
                              trainData: parts.train, evaluationData: parts.validation, collate: collator.collate,
                              configuration: config, loss: model.output(for:))
        let result = try trainer.train()
        #expect(result.finalEvaluation!["eval_accuracy"]! >= 0.8)
        #expect(result.state.history.filter { $0.kind == .eval }.map(\.step) == [30, 60, 90])
    }

    /// Two micro-batches of 2 accumulated give the gradient of one batch of 4: after one SGD
    /// step with rate 1 the parameters agree (float64, to rounding).
    @Test func gradientAccumulationEqualsBigBatch() throws {
        let data = tinyClassificationData(count: 4)
        func oneStep(batchSize: Int, accumulation: Int) throws -> Module {
            let model = BagClassifier(seed: 5)
            var config = TrainerConfiguration(maxSteps: 1, batchSize: batchSize)
            config.gradientAccumulationSteps = accumulation
            config.maxGradientNorm = nil
            config.shuffle = false
            config.progress = .silent
            let trainer = Trainer(model: model, optimizer: SGD(parameters: model.trainableParameters(), learningRate: 1),
                                  trainData: data, collate: collator.collate, configuration: config, loss: model.output(for:))
            let result = try trainer.train()
            #expect(result.state.batchInEpoch == 4 / batchSize)
            return model
        }
        let big = try oneStep(batchSize: 4, accumulation: 1)
        let accumulated = try oneStep(batchSize: 2, accumulation: 2)
        let untouched = BagClassifier(seed: 5)
        for ((name, a), (_, b)) in zip(big.namedParameters(), accumulated.namedParameters()) {
            expectTensorsClose(a, b, tolerance: 1e-12)
            let moved = zip(a.scalars(as: Double.self), untouched.stateDict()[name]!.scalars(as: Double.self)).contains { $0 != $1 }
            #expect(moved, "\(name) did not change")
        }
    }

    @Test func earlyStoppingTriggersAfterPatience() throws {
        let model = BagClassifier()
        var config = TrainerConfiguration(maxSteps: 50, batchSize: 4)
        config.evaluateEvery = 2
        config.earlyStopping = EarlyStopping(metric: "eval_loss", mode: .min, patience: 2)
        config.bestModel = .memory
        config.progress = .silent
        var evaluations = 0
        let data = tinyClassificationData(count: 16)
        let trainer = Trainer(model: model, optimizer: SGD(parameters: model.trainableParameters(), learningRate: 0.1),
                              trainData: data, evaluationData: data, collate: collator.collate, configuration: config) { batch in
            let output = model.output(for: batch)
            guard !model.isTraining else { return output }
            // Evaluation loss: better at the 1st evaluation, then worse every time.
            evaluations += 1
            return StepOutput(loss: Tensor(scalar: evaluations <= 4 ? 1.0 : 2.0 + Double(evaluations)), logits: output.logits)
        }
        let result = try trainer.train()
        #expect(result.state.stoppedEarly)
        #expect(result.state.step == 6)                 // evals at 2 (best), 4, 6 → stop
        #expect(result.state.bestStep == 2)
        #expect(result.state.evaluationsWithoutImprovement == 2)
        #expect(trainer.bestModelParameters != nil)
        let best = trainer.bestModelParameters!["output.weight"]!.scalars(as: Double.self)
        #expect(best != model.output.weight.scalars(as: Double.self))
        try trainer.restoreBestModel()
        #expect(best == model.output.weight.scalars(as: Double.self))
    }

    @Test func nonFiniteLossStopsAndKeepsLastCheckpoint() throws {
        let directory = trainingTemporaryDirectory()
        let model = BagClassifier()
        var config = TrainerConfiguration(maxSteps: 10, batchSize: 4)
        config.outputDirectory = directory
        config.checkpointEvery = 1
        config.keepLastCheckpoints = 2
        config.durableCheckpoints = false
        config.progress = .silent
        var calls = 0
        let trainer = Trainer(model: model, optimizer: AdamW(parameters: model.trainableParameters(), learningRate: 0.01),
                              trainData: tinyClassificationData(count: 16), collate: collator.collate,
                              configuration: config) { batch in
            calls += 1
            let output = model.output(for: batch)
            return calls == 4 ? StepOutput(loss: output.loss * Double.nan) : output
        }
        var thrown: TrainingError?
        do { try trainer.train() } catch let error as TrainingError { thrown = error }
        let expectedCheckpoint = directory.appendingPathComponent("checkpoints/checkpoint-3", isDirectory: true)
        guard case let .nonFiniteLoss(step, epoch, value, checkpoint)? = thrown else {
            Issue.record("expected nonFiniteLoss, got \(String(describing: thrown))")
            return
        }
        #expect(step == 3 && epoch == 0 && value.isNaN)
        #expect(checkpoint?.standardizedFileURL.path == expectedCheckpoint.standardizedFileURL.path)
        #expect(thrown!.description.contains("loss is nan at step 4"))
        // The model still holds the step-3 parameters (the NaN step updated nothing), and they
        // are what the checkpoint holds.
        let saved = try SafeTensors.load(contentsOf: expectedCheckpoint.appendingPathComponent("model.safetensors"))
        for (name, tensor) in model.namedParameters() {
            #expect(saved[name]!.scalars(as: Double.self) == tensor.scalars(as: Double.self))
            #expect(tensor.scalars(as: Double.self).allSatisfy { $0.isFinite })
        }
    }

    @Test func checkpointsKeepLastK() throws {
        let directory = trainingTemporaryDirectory()
        let model = BagClassifier()
        var config = TrainerConfiguration(maxSteps: 5, batchSize: 4)
        config.outputDirectory = directory
        config.checkpointEvery = 1
        config.keepLastCheckpoints = 2
        config.durableCheckpoints = false
        config.progress = .silent
        let trainer = Trainer(model: model, optimizer: AdamW(parameters: model.trainableParameters()),
                              trainData: tinyClassificationData(count: 8), collate: collator.collate,
                              configuration: config, loss: model.output(for:))
        let result = try trainer.train()
        #expect(result.checkpoints.map(\.lastPathComponent) == ["checkpoint-4", "checkpoint-5"])
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("checkpoints").path).sorted()
        #expect(names == ["checkpoint-4", "checkpoint-5"])   // no temporary folders left behind
        let files = try FileManager.default.contentsOfDirectory(atPath: result.checkpoints[1].path).sorted()
        #expect(files == ["model.safetensors", "optimizer.safetensors", "trainer_state.json"])
        #expect(trainer.checkpointStore!.latest()?.lastPathComponent == "checkpoint-5")
    }

    @Test func adapterCheckpointSavesOnlyTrainableParameters() throws {
        let directory = trainingTemporaryDirectory()
        let model = BagClassifier()
        model.embedding.freeze()
        var config = TrainerConfiguration(maxSteps: 2, batchSize: 4)
        config.outputDirectory = directory
        config.checkpointEvery = 2
        config.checkpointParameters = .trainable
        config.durableCheckpoints = false
        config.progress = .silent
        let trainer = Trainer(model: model, optimizer: AdamW(parameters: model.trainableParameters()),
                              trainData: tinyClassificationData(count: 8), collate: collator.collate,
                              configuration: config, loss: model.output(for:))
        let result = try trainer.train()
        let saved = try SafeTensors.load(contentsOf: result.checkpoints[0].appendingPathComponent("model.safetensors"))
        #expect(saved.keys.sorted() == ["output.bias", "output.weight"])
        // Resuming into a model with other frozen weights loads just the adapter part.
        let fresh = BagClassifier(seed: 9)
        fresh.embedding.freeze()
        let frozenBefore = fresh.embedding.weight.scalars(as: Double.self)
        let resumed = Trainer(model: fresh, optimizer: AdamW(parameters: fresh.trainableParameters()),
                              trainData: tinyClassificationData(count: 8), collate: collator.collate,
                              configuration: config, loss: fresh.output(for:))
        try resumed.train(resumingFrom: result.checkpoints[0])
        #expect(fresh.output.weight.scalars(as: Double.self) == model.output.weight.scalars(as: Double.self))
        #expect(fresh.embedding.weight.scalars(as: Double.self) == frozenBefore)
    }
}
