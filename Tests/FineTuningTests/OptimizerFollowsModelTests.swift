import Foundation
import Testing
@testable import FineTuning

/// Optimizers must not silently miss parameters that start training after they were built.
@Suite struct OptimizerFollowsModelTests {
    /// A classifier with LoRA adapters "a" and "b" on its output layer, "a" active.
    private func twoAdapterModel() throws -> BagClassifier {
        let model = BagClassifier()
        let config = LoRAConfig(rank: 2, alpha: 2, targetModules: ["output"])
        try LoRA(config, adapterName: "a", generator: Generator(seed: 1)).apply(to: model)
        try LoRA(config, adapterName: "b", generator: Generator(seed: 2)).apply(to: model)
        try model.setActiveAdapter("a")
        return model
    }

    private func values(_ model: Module, _ name: String) throws -> [Double] {
        try #require(model.namedParameters().first { $0.name == name }?.tensor).scalars(as: Double.self)
    }

    private func backwardOnce(_ model: BagClassifier) {
        let ids = tokenIds([[3, 4, 5], [6, 7, 8]])
        Tensor.crossEntropy(logits: model(ids), targets: Tensor([0, 1] as [Int32])).backward()
    }

    @Test func optimizerBuiltFromTheModelUpdatesAnAdapterActivatedLater() throws {
        let model = try twoAdapterModel()
        let optimizer = SGD(model: model, options: SGDOptions(learningRate: 0.5))
        try model.setActiveAdapter("b")
        let bBefore = try values(model, "output.adapters.b.loraB")
        let aBefore = try values(model, "output.adapters.a.loraB")
        backwardOnce(model)
        try optimizer.checkTracks(model.namedParameters())
        optimizer.step()
        #expect(try values(model, "output.adapters.b.loraB") != bBefore)
        #expect(try values(model, "output.adapters.a.loraB") == aBefore)
        #expect(optimizer.state(of: try #require(model.namedParameters().first { $0.name == "output.adapters.b.loraA" }?.tensor)) != nil)
    }

    @Test func adamWBuiltFromTheModelFollowsUnfreeze() throws {
        let model = BagClassifier()
        model.freeze()
        model.output.unfreeze()
        let optimizer = AdamW(model: model, learningRate: 0.1)
        #expect(optimizer.parameters.count == 2)
        model.embedding.unfreeze()
        let before = model.embedding.weight.scalars(as: Double.self)
        backwardOnce(model)
        optimizer.step()
        #expect(optimizer.parameters.count == 3)
        #expect(model.embedding.weight.scalars(as: Double.self) != before)
    }

    @Test func snapshotOptimizerFailsLoudlyAfterASwitch() throws {
        let model = try twoAdapterModel()
        let optimizer = SGD(parameters: model.trainableParameters(), learningRate: 0.5)
        try model.setActiveAdapter("b")
        backwardOnce(model)
        #expect(throws: UntrackedParametersError(names: ["output.adapters.b.loraA", "output.adapters.b.loraB"])) {
            try optimizer.checkTracks(model.namedParameters())
        }
    }

    @Test func trainerRefusesToStepWithAnUntrackedParameter() throws {
        let model = try twoAdapterModel()
        let optimizer = SGD(parameters: model.trainableParameters(), learningRate: 0.5)
        try model.setActiveAdapter("b")
        var config = TrainerConfiguration(epochs: 1, batchSize: 8)
        config.progress = .silent
        let collator = TextClassificationCollator(tokenizer: ByteTokenizer(addBOS: false))
        let trainer = Trainer(model: model, optimizer: optimizer, trainData: tinyClassificationData(count: 16),
                              collate: collator.collate, configuration: config, loss: model.output(for:))
        let before = parameterBits(model)
        #expect(throws: UntrackedParametersError.self) { try trainer.train() }
        #expect(parameterBits(model) == before, "nothing may be updated before the error")

        // The same run with an optimizer that follows the model trains adapter "b".
        let following = Trainer(model: model, optimizer: SGD(model: model, options: SGDOptions(learningRate: 0.5)),
                                trainData: tinyClassificationData(count: 16), collate: collator.collate,
                                configuration: config, loss: model.output(for:))
        try following.train()
        let after = parameterBits(model)
        #expect(after["output.adapters.b.loraB"] != before["output.adapters.b.loraB"])
        #expect(after["output.adapters.a.loraB"] == before["output.adapters.a.loraB"])
        #expect(after["output.weight"] == before["output.weight"])
    }
}
