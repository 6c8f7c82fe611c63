import Foundation
import Testing
@testable import FineTuning

// Every Swift snippet of Documentation/LoRA.md, compiled and run: each test holds the guide's code
// for one section (named in the test), on the tiny classifier of StrategyTestSupport unless the
// guide quotes numbers for a real model. Keep the two in step: change the guide, change the test.
@Suite struct LoRAGuideTests {
    /// A fresh folder under the temporary directory.
    private func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("lora-guide-\(UUID().uuidString)")
    }

    /// Gives every LoRA adapter of `model` a random `B` (it starts at zero), so adapters change outputs.
    private func randomizeLoRA(_ model: Module, seed: UInt64 = 3) {
        let generator = Generator(seed: seed)
        let adapters = model.adaptedLayers().flatMap { entry in entry.layer.adapters.keys.sorted().map { entry.layer.adapters[$0]! } }
        withGradientsDisabled {
            for case let adapter as LoRAAdapter in adapters {
                adapter.loraB.assign(Tensor.normal(adapter.loraB.shape, std: 0.5, generator: generator))
            }
        }
    }

    /// "Adapters attach to `Linear`".
    @Test func adaptersAttachToLinear() throws {
        let model = strategyTestClassifier()
        try LoRA().prepare(model)

        let layer = model.encoder.layers[0].attention.query!
        #expect(layer.adapters.keys.sorted() == ["default"] && layer.adapters["default"] is LoRAAdapter)
        #expect(layer.activeAdapters == ["default"])

        // Base names unchanged; adapter parameters under the layer.
        let names = Set(model.namedParameters().map(\.name))
        #expect(names.contains("encoder.layers.0.attention.query.weight"))
        #expect(names.contains("encoder.layers.0.attention.query.adapters.default.loraA"))
        #expect(names.contains("encoder.layers.0.attention.query.adapters.default.loraB"))
    }

    /// "Applying LoRA", on a BERT-base-sized classifier (zero-filled, nothing runs) so the printed
    /// summary is the guide's, number for number.
    @Test func applyingLoRAToBertBase() throws {
        let classifier = withoutRandomInitialization {
            SequenceClassifier(EncoderConfig(vocabularySize: 30522), classes: 2)
        }

        var config = LoRAConfig(rank: 8, alpha: 16, dropout: 0.05)
        config.targetModules = ["query", "value"]      // the default for Encoder and GPT
        config.modulesToSave = ["classifier"]          // the head trains fully and is saved with the adapter
        let summary = try LoRA(config).prepare(classifier)
        #expect("\(summary)" == "trainable params: 296,450 || all params: 109,778,690 || trainable%: 0.2700")
        let parameters = classifier.trainableParameters()   // what the optimizer gets
        #expect(parameters.count == 12 * 2 * 2 + 2)
    }

    /// "Applying LoRA": the field table's defaults and a target that matches nothing.
    @Test func loraConfigAndNoMatch() throws {
        let defaults = LoRAConfig()
        #expect(defaults.targetModules == nil && defaults.bias == .none && defaults.initialization == .kaiming)
        let model = strategyTestClassifier()
        #expect(throws: StrategyError.self) { try LoRA(LoRAConfig(targetModules: ["nowhere"])).prepare(model) }
        #expect(model.adapterNames.isEmpty)
    }

    /// "Merge, unmerge, disable".
    @Test func mergeUnmergeDisable() throws {
        let model = strategyTestClassifier()
        let ids = strategyIds
        try LoRA().prepare(model)
        randomizeLoRA(model)
        let adapted = withGradientsDisabled { model(ids) }

        model.mergeAdapters()      // W += scale·B·A for each active adapter: no adapter cost at inference
        expectTensorsClose(withGradientsDisabled { model(ids) }, adapted)
        model.unmergeAdapters()    // W -= scale·B·A: back to training
        model.disableAdapters()    // the base model alone (unmerges first)
        let baseOnly = withGradientsDisabled { model(ids) }
        model.enableAdapters()
        let base = model.withAdaptersDisabled { model(ids) }
        expectTensorsClose(base, baseOnly)
        #expect((base - adapted).abs().max(axes: [0, 1]).item() > 1e-4)
        model.mergeAndUnload()     // merge and drop every adapter: a plain model with plain names
        expectTensorsClose(withGradientsDisabled { model(ids) }, adapted)
        #expect(model.adapterNames.isEmpty && !model.namedParameters().contains { $0.name.contains("adapters") })
    }

    /// "Several adapters".
    @Test func severalAdapters() throws {
        let model = strategyTestClassifier()

        try LoRA(LoRAConfig(rank: 8), adapterName: "sentiment").prepare(model)
        // ... train ...
        try LoRA(LoRAConfig(rank: 4, targetModules: ["query"]), adapterName: "topic").prepare(model)
        // ... train "topic" (only it trains; "sentiment" is frozen and inactive) ...
        #expect(model.trainableParameters().count == 2 * 2)   // topic's A and B on two query layers
        try model.setActiveAdapter("sentiment")   // switch: only "sentiment" runs and trains
        #expect(model.trainableParameters().count == 2 * 2 * 2)
        try model.setActiveAdapters(["sentiment", "topic"])   // both at once: their updates add up
        try model.deleteAdapter("topic")
        #expect(model.adapterNames == ["sentiment"])

        #expect(throws: StrategyError.unknownAdapter("topic")) { try model.setActiveAdapter("topic") }
        #expect(throws: StrategyError.adapterExists("sentiment")) {
            try LoRA(adapterName: "sentiment").prepare(model)
        }
    }

    /// "Adapter files: Hugging Face PEFT interop, both ways": a `SequenceClassifier` saved with
    /// `BertForSequenceClassification`'s names and loaded back.
    @Test func adapterFiles() throws {
        let model = strategyTestClassifier()
        try LoRA(LoRAConfig(rank: 4, alpha: 8, modulesToSave: ["classifier"])).prepare(model)
        randomizeLoRA(model)
        let other = strategyTestClassifier()
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }

        // Our SequenceClassifier's module paths → BertForSequenceClassification's
        // (`encoder.layers.0.attention.query` → `bert.encoder.layer.0.attention.self.query`).
        func bertModulePath(_ path: String) -> String {
            guard path.hasPrefix("encoder.") else { return path }   // `classifier` is the same in both
            let inner = String(path.dropFirst("encoder.".count))
            return BertNameMapping.taskPrefix + (BertNameMapping.huggingFaceModule(forOurs: inner) ?? inner)
        }
        try model.saveAdapter("default", to: folder, baseModel: "bert-base-uncased", taskType: "SEQ_CLS",
                              hfModulePath: bertModulePath)
        let config = try other.loadAdapter(from: folder, as: "default", hfModulePath: bertModulePath).lora   // LoRAConfig?

        #expect(config?.rank == 4 && config?.alpha == 8 && config?.modulesToSave == ["classifier"])
        let keys = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("adapter_model.safetensors")).names
        #expect(keys.contains("base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight"))
        #expect(keys.contains("base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight"))
        #expect(keys.contains("base_model.model.classifier.weight"))
        expectTensorsClose(withGradientsDisabled { other(strategyIds) }, withGradientsDisabled { model(strategyIds) })
    }

    /// "DoRA" and "IA³": the strategies the sections name.
    @Test func doraAndIA3() throws {
        let config = LoRAConfig(rank: 4)
        #expect(DoRA(config).config.useDoRA && !LoRA(config).config.useDoRA)
        let ia3 = IA3()
        #expect(ia3.targetModules == ["key", "value", "feedForward.down"] && ia3.feedForwardModules == ["feedForward.down"])
        let model = strategyTestClassifier()
        try ia3.prepare(model)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.saveAdapter(to: folder)
        let loaded = try strategyTestClassifier().loadAdapter(from: folder)
        #expect(loaded.lora == nil)
        guard case .ia3(_, let feedForward, _) = loaded else { Issue.record("expected .ia3, got \(loaded)"); return }
        #expect(feedForward == ["encoder.layers.0.feedForward.down", "encoder.layers.1.feedForward.down"])
    }
}
