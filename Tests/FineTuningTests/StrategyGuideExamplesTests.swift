import Foundation
import Testing
@testable import FineTuning

// The code of Documentation/LoRA.md and Documentation/Strategies.md, compiled and run on a tiny
// model so the guides cannot drift from the API.
@Suite struct StrategyGuideExamplesTests {
    @Test func loraGuide() throws {
        let classifier = strategyTestClassifier()
        let model = classifier
        var config = LoRAConfig(rank: 8, alpha: 16, dropout: 0.05)
        config.targetModules = ["query", "value"]
        config.modulesToSave = ["classifier"]
        let summary = try LoRA(config).prepare(classifier)
        #expect(summary.trainable == 4 * (8 * 8 + 8 * 8) + 3 * 8 + 3)
        let parameters = classifier.trainableParameters()
        #expect(parameters.count == 4 * 2 + 2)

        let layer = model.encoder.layers[0].attention.query!
        #expect(Array(layer.adapters.keys) == ["default"] && layer.activeAdapters == ["default"])

        model.mergeAdapters()
        model.unmergeAdapters()
        model.disableAdapters()
        model.enableAdapters()
        let base = model.withAdaptersDisabled { strategyLogits(model) }
        #expect(base.shape == [3, 3])

        try LoRA(LoRAConfig(rank: 8), adapterName: "sentiment").prepare(model)
        try LoRA(LoRAConfig(rank: 4, targetModules: ["query"]), adapterName: "topic").prepare(model)
        try model.setActiveAdapter("sentiment")
        try model.setActiveAdapters(["sentiment", "topic"])
        try model.deleteAdapter("topic")
        #expect(model.adapterNames == ["default", "sentiment"])

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("guide-\(UInt64.random(in: 0 ... .max))")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.saveAdapter("sentiment", to: folder, baseModel: "tiny", taskType: "SEQ_CLS")
        let other = strategyTestClassifier()
        try other.loadAdapter(from: folder, as: "sentiment")
        model.mergeAndUnload()
        #expect(model.adapterNames.isEmpty)
    }

    @Test func strategiesGuide() throws {
        let model = strategyTestClassifier()
        let strategy: any FineTuningStrategy = LoRA(LoRAConfig(rank: 8, alpha: 16))
        let summary = try strategy.prepare(model)
        #expect(summary.description.hasPrefix("trainable params: 512 || all params: "))
        let all: [any FineTuningStrategy] = [
            FullFineTuning(), PartialFineTuning(.freezeEmbeddings, .freezeLowest(1)),
            PartialFineTuning(.trainTop(1), alwaysTrain: ["classifier"]),
            PartialFineTuning(.freeze("*"), .unfreeze("*.attention.*")),
            BitFit(alwaysTrain: ["classifier"]), LayerNormTuning(alwaysTrain: ["classifier"]),
            LoRA(LoRAConfig()), DoRA(LoRAConfig()), IA3(modulesToSave: ["classifier"]),
        ]
        for strategy in all {
            let fresh = strategyTestClassifier()
            let summary = try strategy.prepare(fresh)
            #expect(summary.trainable > 0 && summary.trainable <= summary.total, "\(strategy.name)")
        }
        let classifier = strategyTestClassifier()
        let initTextIds: [Int]? = [5, 6, 7]
        let tuned = PromptTunedClassifier(classifier, virtualTokens: 2, initFrom: initTextIds)
        try PromptTuning(alwaysTrain: ["model.classifier"]).prepare(tuned)
        #expect(tuned(strategyIds, mask: strategyIds.notEqual(0)).shape == [3, 3])
    }
}
