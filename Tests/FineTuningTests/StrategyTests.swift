import Foundation
import Testing
@testable import FineTuning

@Suite struct StrategyTests {
    @Test func summaryPrintsLikePEFT() {
        // PEFT formats with Python's `:,d` and `:.4f` (rounding): 100·32768/3356160 = 0.97635…
        let summary = ParameterSummary(trainable: 32_768, total: 3_356_160)
        #expect(summary.description == "trainable params: 32,768 || all params: 3,356,160 || trainable%: 0.9764")
        #expect(ParameterSummary(trainable: 610, total: 6_036).description
                == "trainable params: 610 || all params: 6,036 || trainable%: 10.1060")
        #expect(ParameterSummary(trainable: 0, total: 999).description == "trainable params: 0 || all params: 999 || trainable%: 0.0000")
        #expect(ParameterSummary.grouped(1_000) == "1,000")
    }

    @Test func fullTrainsEverything() throws {
        let model = strategyTestClassifier()
        model.freeze()
        let summary = try FullFineTuning().prepare(model)
        #expect(summary.trainable == summary.total)
        expectTrainsExactly(model, Set(model.namedParameters().map(\.name))) { strategyLoss(model) }
    }

    @Test func partialFreezesEmbeddingsAndLowestBlocks() throws {
        let model = strategyTestClassifier()
        try PartialFineTuning(.freezeEmbeddings, .freezeLowest(1)).prepare(model)
        let expected = parameterNames(model) { !$0.hasPrefix("encoder.embeddings.") && !$0.hasPrefix("encoder.layers.0.") }
        #expect(expected.contains("classifier.weight") && expected.contains("encoder.layers.1.attention.query.weight"))
        expectTrainsExactly(model, expected) { strategyLoss(model) }
    }

    @Test func partialTrainTopWithHead() throws {
        let model = strategyTestClassifier()
        try PartialFineTuning(.trainTop(1), .freeze("encoder.pooler.*"), alwaysTrain: ["classifier"]).prepare(model)
        let expected = parameterNames(model) { $0.hasPrefix("encoder.layers.1.") || $0.hasPrefix("classifier.") }
        expectTrainsExactly(model, expected) { strategyLoss(model) }
    }

    @Test func partialByGlob() throws {
        let model = strategyTestClassifier()
        try PartialFineTuning(.freeze("*"), .unfreeze("*.attention.query.*"), alwaysTrain: ["classifier"]).prepare(model)
        let expected = parameterNames(model) { $0.contains(".attention.query.") || $0.hasPrefix("classifier.") }
        #expect(expected.count == 6)
        expectTrainsExactly(model, expected) { strategyLoss(model) }
    }

    @Test func partialOnGPT() throws {
        let model = strategyTestGPT()
        try PartialFineTuning(.freezeEmbeddings, .freezeLowest(1)).prepare(model)
        let trainable = Set(model.namedParameters().filter(\.tensor.requiresGrad).map(\.name))
        #expect(!trainable.contains { $0.hasPrefix("tokenEmbedding") || $0.hasPrefix("layers.0.") })
        #expect(trainable.contains("layers.1.attention.query.weight"))
    }

    @Test func targetsThatMatchNothingThrowNamingThePattern() {
        let model = strategyTestClassifier()
        #expect(throws: StrategyError.noMatch(pattern: "nothing.*", what: "parameter")) {
            try PartialFineTuning(.freeze("nothing.*")).prepare(model)
        }
        #expect(throws: StrategyError.noMatch(pattern: "head", what: "module")) {
            try PartialFineTuning(.freezeEmbeddings, alwaysTrain: ["head"]).prepare(model)
        }
        #expect(throws: StrategyError.self) { try PartialFineTuning(.freezeLowest(5)).prepare(model) }
        #expect(throws: StrategyError.noMatch(pattern: "attention.q", what: "Linear module")) {
            try LoRA(LoRAConfig(targetModules: ["attention.q"])).prepare(model)
        }
        let error = StrategyError.noMatch(pattern: "attention.q", what: "Linear module")
        #expect(error.description.contains("'attention.q'"))
    }

    @Test func bitFitTrainsBiasesOnly() throws {
        let model = strategyTestClassifier()
        try BitFit(alwaysTrain: ["classifier"]).prepare(model)
        let expected = parameterNames(model) { $0.hasSuffix(".bias") || $0.hasPrefix("classifier.") }
        expectTrainsExactly(model, expected) { strategyLoss(model) }
    }

    @Test func layerNormTuningTrainsNormsOnly() throws {
        let model = strategyTestClassifier()
        try LayerNormTuning(alwaysTrain: ["classifier"]).prepare(model)
        let expected = parameterNames(model) { $0.contains("orm.") || $0.hasPrefix("classifier.") }
        #expect(expected.count == 2 + 2 * 4 + 2)
        expectTrainsExactly(model, expected) { strategyLoss(model) }
    }
}
