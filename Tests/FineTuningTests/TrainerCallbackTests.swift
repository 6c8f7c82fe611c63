import Foundation
import Testing
@testable import FineTuning

/// Writes down every event it hears, and can stop the run or rewrite gradients.
private final class EventRecorder: TrainerCallback {
    var events: [String] = []
    var stopAfterStep: Int?
    /// Gradients seen in `gradientsDidAccumulate`, by step about to be taken.
    var gradientNorms: [Double] = []
    /// Multiplies every gradient before the optimizer step (as a rank average would).
    var gradientScale: Double?

    func trainingDidBegin(_ context: TrainerContext) { events.append("begin \(context.state.step)") }

    func gradientsDidAccumulate(_ context: TrainerContext) {
        events.append("gradients \(context.state.step)")
        let grads = context.optimizer.parameters.compactMap(\.grad)
        gradientNorms.append(grads.reduce(0) { $0 + ($1 * $1).sum().item() }.squareRoot())
        if let gradientScale {
            withGradientsDisabled { for grad in grads { grad.assign(grad * gradientScale) } }
        }
    }

    func stepDidEnd(_ context: TrainerContext, record: TrainingRecord) {
        events.append("step \(record.step)")
        #expect(record.kind == .train && record.step == context.state.step)
        #expect(record.values["loss"] != nil && record.values["learning_rate"] != nil)
        if record.step == stopAfterStep { context.requestStop() }
    }

    func evaluationDidEnd(_ context: TrainerContext, record: TrainingRecord) {
        events.append("eval \(record.step)")
        #expect(record.values["eval_loss"] != nil)
    }

    func checkpointDidSave(_ context: TrainerContext, at url: URL) { events.append("checkpoint \(url.lastPathComponent)") }

    func trainingDidEnd(_ context: TrainerContext, result: TrainingResult) { events.append("end \(result.state.step)") }
}

@Suite struct TrainerCallbackTests {
    private let collator = TextClassificationCollator(tokenizer: ByteTokenizer(addBOS: false))

    private func trainer(steps: Int, model: BagClassifier = BagClassifier(), learningRate: Double = 0.1,
                         configure: (inout TrainerConfiguration) -> Void = { _ in }) -> Trainer<TextClassificationExample> {
        let data = tinyClassificationData(count: 32)
        var config = TrainerConfiguration(epochs: 1, batchSize: 8)
        config.maxSteps = steps
        config.progress = .silent
        configure(&config)
        return Trainer(model: model, optimizer: SGD(parameters: model.trainableParameters(), learningRate: learningRate),
                       trainData: data, evaluationData: data, collate: collator.collate, configuration: config,
                       loss: model.output(for:))
    }

    @Test func eventsComeInLoopOrder() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("callbacks-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let trainer = trainer(steps: 4) {
            $0.evaluateEvery = 2
            $0.evaluateAtEnd = true
            $0.checkpointEvery = 2
            $0.outputDirectory = output
        }
        let first = EventRecorder(), second = EventRecorder()
        trainer.callbacks = [first, second]
        try trainer.train()
        #expect(first.events == [
            "begin 0",
            "gradients 0", "step 1",
            "gradients 1", "step 2", "eval 2", "checkpoint checkpoint-2",
            "gradients 2", "step 3",
            "gradients 3", "step 4", "eval 4", "checkpoint checkpoint-4",
            "end 4",
        ])
        #expect(second.events == first.events)
    }

    @Test func aCallbackCanStopTheRun() throws {
        let trainer = trainer(steps: 10)
        let recorder = EventRecorder()
        recorder.stopAfterStep = 3
        trainer.callbacks = [recorder]
        let result = try trainer.train()
        #expect(result.state.step == 3)
        #expect(result.stepLosses.count == 3)
        #expect(!result.state.stoppedEarly)
        #expect(recorder.events.last == "end 3")
    }

    @Test func gradientsAreThereBeforeTheStepAndChangesReachTheOptimizer() throws {
        // Same model and data twice; the first run halves every gradient in the hook. With
        // plain SGD and no clipping that is the same as halving the learning rate.
        let unclipped: (inout TrainerConfiguration) -> Void = { $0.maxGradientNorm = nil }
        let halved = trainer(steps: 3, model: BagClassifier(seed: 5), configure: unclipped)
        let recorder = EventRecorder()
        recorder.gradientScale = 0.5
        halved.callbacks = [recorder]
        try halved.train()
        #expect(recorder.gradientNorms.count == 3 && recorder.gradientNorms.allSatisfy { $0 > 0 })

        let halfRate = trainer(steps: 3, model: BagClassifier(seed: 5), learningRate: 0.05, configure: unclipped)
        try halfRate.train()
        let a = parameterBits(halved.model), b = parameterBits(halfRate.model)
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, bits) in a {
            let x = bits.map { Double(bitPattern: $0) }, y = b[name]!.map { Double(bitPattern: $0) }
            #expect(zip(x, y).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }, "\(name)")
        }
        let untouched = trainer(steps: 3, model: BagClassifier(seed: 5), configure: unclipped)
        try untouched.train()
        #expect(parameterBits(untouched.model) != a)
    }

    @Test func noCallbacksLeavesTheRunAsItWas() throws {
        let plain = trainer(steps: 3, model: BagClassifier(seed: 2))
        let plainResult = try plain.train()
        let observed = trainer(steps: 3, model: BagClassifier(seed: 2))
        observed.callbacks = [EventRecorder()]
        let observedResult = try observed.train()
        #expect(plainResult.stepLosses == observedResult.stepLosses)
        #expect(parameterBits(plain.model) == parameterBits(observed.model))
    }
}
