import Foundation
import Testing
@testable import FineTuning

@Suite struct StrategyPromptTuningTests {
    @Test func classifierTrainsOnlyThePromptAndHead() throws {
        let tuned = PromptTunedClassifier(strategyTestClassifier(), virtualTokens: 2, generator: Generator(seed: 3))
        let summary = try PromptTuning(alwaysTrain: ["model.classifier"]).prepare(tuned)
        #expect(summary.trainable == 2 * 8 + 3 * 8 + 3)
        let logits = tuned(strategyIds, mask: strategyIds.notEqual(0))
        #expect(logits.shape == [3, 3])
        expectTrainsExactly(tuned, ["prompt.weight", "model.classifier.weight", "model.classifier.bias"]) {
            Tensor.crossEntropy(logits: tuned(strategyIds, mask: strategyIds.notEqual(0)), targets: strategyLabels)
        }
    }

    @Test func promptInitialisedFromVocabulary() {
        let model = strategyTestClassifier()
        let tuned = PromptTunedClassifier(model, virtualTokens: 3, initFrom: [5, 7])
        let table = model.encoder.embeddings.wordEmbeddings.weight
        #expect(tuned.prompt.weight.select(axis: 0, index: 0).scalars(as: Float.self) == table.select(axis: 0, index: 5).scalars(as: Float.self))
        #expect(tuned.prompt.weight.select(axis: 0, index: 2).scalars(as: Float.self) == table.select(axis: 0, index: 5).scalars(as: Float.self))
        #expect(tuned.prompt.weight.select(axis: 0, index: 1).scalars(as: Float.self) == table.select(axis: 0, index: 7).scalars(as: Float.self))
    }

    @Test func gptTrainsOnlyThePromptAndLogitsCoverRealPositions() throws {
        let tuned = PromptTunedGPT(strategyTestGPT(), virtualTokens: 2, generator: Generator(seed: 4))
        try PromptTuning().prepare(tuned)
        let ids = tokenIds([[1, 2, 3, 4], [5, 6, 7, 8]])
        let targets = tokenIds([[2, 3, 4, 5], [6, 7, 8, 9]])
        #expect(tuned(ids).shape == [2, 4, 20])
        expectTrainsExactly(tuned, ["prompt.weight"]) { tuned.loss(ids, targets: targets) }
    }

    @Test func promptTuningNeedsAWrappedModel() {
        #expect(throws: StrategyError.self) { try PromptTuning().prepare(strategyTestClassifier()) }
    }
}
