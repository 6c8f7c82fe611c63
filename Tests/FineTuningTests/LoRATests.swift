import Foundation
import Testing
@testable import FineTuning

@Suite struct LoRATests {
    /// Gives every B factor of adapter `name` random values, so the adapter is not a no-op.
    private func randomizeB(_ model: Module, _ name: String = "default", seed: UInt64 = 3) {
        let generator = Generator(seed: seed)
        withGradientsDisabled {
            for (_, layer) in model.adaptedLayers() {
                guard let lora = layer.adapters[name] as? LoRAAdapter else { continue }
                lora.loraB.assign(Tensor.normal(lora.loraB.shape, std: 0.5, dtype: lora.loraB.dtype, generator: generator))
            }
        }
    }

    @Test func attachesToQueryAndValueByDefaultAndIsANoOpAtInit() throws {
        let model = strategyTestClassifier()
        let before = strategyLogits(model)
        let summary = try LoRA(LoRAConfig(rank: 2, alpha: 4), generator: Generator(seed: 1)).prepare(model)
        let adapted = model.adaptedLayers().map(\.path)
        #expect(adapted == ["encoder.layers.0.attention.query", "encoder.layers.0.attention.value",
                            "encoder.layers.1.attention.query", "encoder.layers.1.attention.value"])
        // Four layers, A [2, 8] + B [8, 2] each.
        #expect(summary.trainable == 4 * 32)
        #expect(model.namedParameters().map(\.name).contains("encoder.layers.0.attention.query.adapters.default.loraA"))
        let query = model.encoder.layers[0].attention.query!
        let lora = try #require(query.adapters["default"] as? LoRAAdapter)
        #expect(lora.scale == 2)
        #expect(lora.loraB.scalars(as: Float.self).allSatisfy { $0 == 0 })
        #expect(lora.loraA.scalars(as: Float.self).allSatisfy { Swift.abs($0) <= 1 / Float(8).squareRoot() })
        #expect(strategyLogits(model).scalars(as: Float.self) == before.scalars(as: Float.self))
    }

    @Test func trainsOnlyAdaptersAndModulesToSave() throws {
        let model = strategyTestClassifier()
        try LoRA(LoRAConfig(rank: 2, alpha: 4, modulesToSave: ["classifier"]), generator: Generator(seed: 1)).prepare(model)
        let expected = parameterNames(model) { $0.contains(".adapters.default.") || $0.hasPrefix("classifier.") }
        #expect(expected.count == 4 * 2 + 2)
        expectTrainsExactly(model, expected) { strategyLoss(model) }
    }

    @Test func biasModesAndLayersToTransform() throws {
        let model = strategyTestClassifier()
        try LoRA(LoRAConfig(rank: 2, targetModules: ["key", "*.feedForward.up"], layersToTransform: [1], bias: .loraOnly),
                 generator: Generator(seed: 1)).prepare(model)
        #expect(model.adaptedLayers().map(\.path) == ["encoder.layers.1.attention.key", "encoder.layers.1.feedForward.up"])
        let expected = parameterNames(model) {
            $0.contains(".adapters.") || $0 == "encoder.layers.1.attention.key.bias" || $0 == "encoder.layers.1.feedForward.up.bias"
        }
        expectTrainsExactly(model, expected) { strategyLoss(model) }

        let all = strategyTestClassifier()
        try LoRA(LoRAConfig(rank: 2, bias: .all), generator: Generator(seed: 1)).prepare(all)
        let allExpected = parameterNames(all) { $0.contains(".adapters.") || $0.hasSuffix("bias") }
        expectTrainsExactly(all, allExpected) { strategyLoss(all) }
    }

    @Test func gptDefaultsToQueryAndValue() throws {
        let model = strategyTestGPT()
        try LoRA(LoRAConfig(rank: 2), generator: Generator(seed: 1)).prepare(model)
        #expect(model.adaptedLayers().map(\.path) == ["layers.0.attention.query", "layers.0.attention.value",
                                                        "layers.1.attention.query", "layers.1.attention.value"])
        var fused = GPTConfig(vocabularySize: 20, maxPositions: 8, dim: 8, layers: 1, heads: 2)
        fused.fusedQKV = true
        let fusedModel = GPT(fused, generator: Generator(seed: 2))
        try LoRA(LoRAConfig(rank: 2), generator: Generator(seed: 1)).prepare(fusedModel)
        #expect(fusedModel.adaptedLayers().map(\.path) == ["layers.0.attention.qkv"])
    }

    @Test func rsLoRAScale() throws {
        let layer = Linear(8, 4, generator: Generator(seed: 1))
        let plain = try LoRAAdapter(for: layer, config: LoRAConfig(rank: 4, alpha: 8))
        let rs = try LoRAAdapter(for: layer, config: LoRAConfig(rank: 4, alpha: 8, useRSLoRA: true))
        #expect(plain.scale == 2)
        #expect(rs.scale == 4)
    }

    @Test func forwardIsBasePlusScaledLowRankUpdate() throws {
        let layer = Linear(6, 5, dtype: .float64, generator: Generator(seed: 1))
        try layer.addAdapter(LoRAAdapter(for: layer, config: LoRAConfig(rank: 3, alpha: 6, initialization: .gaussian),
                                         generator: Generator(seed: 2)), named: "default")
        layer.activeAdapters = ["default"]
        let lora = layer.adapters["default"] as! LoRAAdapter
        withGradientsDisabled { lora.loraB.assign(Tensor.normal([5, 3], dtype: .float64, generator: Generator(seed: 3))) }
        let x = Tensor.normal([2, 4, 6], dtype: .float64, generator: Generator(seed: 4))
        let expected = x.matmul(layer.weight.transposed()) + layer.bias! + x.matmul(lora.loraB.matmul(lora.loraA).transposed()) * 2
        expectTensorsClose(withGradientsDisabled { layer(x) }, expected, tolerance: 1e-12)
        // Gradients of A, B, and the (unfrozen) base against finite differences.
        let w = Tensor.normal([2, 4, 5], dtype: .float64, generator: Generator(seed: 5))
        expectParameterGradients(layer) { (layer(x) * w).sum() }
    }

    @Test func mergeAndUnmergeAgree() throws {
        for useDoRA in [false, true] {
            let model = strategyTestClassifier()
            try LoRA(LoRAConfig(rank: 2, alpha: 4, useDoRA: useDoRA), generator: Generator(seed: 1)).prepare(model)
            expectTrainsExactly(model, parameterNames(model) { $0.contains(".adapters.") }) { strategyLoss(model) }
            let query = model.encoder.layers[0].attention.query!
            let baseWeight = query.weight.clone()
            let unmerged = strategyLogits(model)
            model.mergeAdapters()
            #expect(query.mergedAdapters == ["default"])
            #expect(query.weight.scalars(as: Float.self) != baseWeight.scalars(as: Float.self))
            expectTensorsClose(strategyLogits(model), unmerged, tolerance: 1e-5)
            model.unmergeAdapters()
            #expect(query.mergedAdapters.isEmpty)
            expectTensorsClose(query.weight, baseWeight, tolerance: 1e-6)
            expectTensorsClose(strategyLogits(model), unmerged, tolerance: 1e-5)
        }
    }

    @Test func disableGivesTheBaseModel() throws {
        let model = strategyTestClassifier()
        let base = strategyLogits(model)
        try LoRA(LoRAConfig(rank: 2, alpha: 4), generator: Generator(seed: 1)).prepare(model)
        randomizeB(model)
        let adapted = strategyLogits(model)
        #expect(adapted.scalars(as: Float.self) != base.scalars(as: Float.self))
        mergeMovingWeights(model)
        model.withAdaptersDisabled {
            expectTensorsClose(strategyLogits(model), base, tolerance: 1e-6)
        }
        expectTensorsClose(strategyLogits(model), adapted, tolerance: 1e-6)
        let plain = strategyTestClassifier()
        try LoRA(LoRAConfig(rank: 2, alpha: 4), generator: Generator(seed: 1)).prepare(plain)
        randomizeB(plain)
        plain.mergeAndUnload()
        #expect(plain.adapterNames.isEmpty)
        #expect(plain.parameterCounts().total == strategyTestClassifier().parameterCounts().total)
        expectTensorsClose(strategyLogits(plain), adapted, tolerance: 1e-5)
    }

    @Test func severalAdaptersSwitchAndDelete() throws {
        let model = strategyTestClassifier()
        let base = strategyLogits(model)
        try LoRA(LoRAConfig(rank: 2, alpha: 4), adapterName: "a", generator: Generator(seed: 1)).prepare(model)
        randomizeB(model, "a", seed: 5)
        let outA = strategyLogits(model)
        try LoRA(LoRAConfig(rank: 4, alpha: 4, targetModules: ["query"]), adapterName: "b", generator: Generator(seed: 2)).prepare(model)
        randomizeB(model, "b", seed: 6)
        #expect(model.adapterNames == ["a", "b"])
        // "b" is active and the only thing that trains.
        #expect(Set(model.namedParameters().filter(\.tensor.requiresGrad).map(\.name))
                == parameterNames(model) { $0.contains(".adapters.b.") })
        let outB = strategyLogits(model)
        #expect(outB.scalars(as: Float.self) != outA.scalars(as: Float.self))
        #expect(outB.scalars(as: Float.self) != base.scalars(as: Float.self))
        try model.setActiveAdapter("a")
        #expect(strategyLogits(model).scalars(as: Float.self) == outA.scalars(as: Float.self))
        try model.setActiveAdapter("b")
        #expect(strategyLogits(model).scalars(as: Float.self) == outB.scalars(as: Float.self))
        #expect(throws: StrategyError.unknownAdapter("c")) { try model.setActiveAdapter("c") }
        #expect(throws: StrategyError.adapterExists("a")) {
            try LoRA(LoRAConfig(rank: 2), adapterName: "a").prepare(model)
        }
        try model.deleteAdapter("b")
        #expect(model.adapterNames == ["a"])
        #expect(throws: StrategyError.unknownAdapter("b")) { try model.deleteAdapter("b") }
        try model.setActiveAdapter("a")
        #expect(strategyLogits(model).scalars(as: Float.self) == outA.scalars(as: Float.self))
    }

    @Test func pissaAndOLoRAKeepTheOutputAndRewriteTheBase() throws {
        for initialization in [LoRAConfig.Initialization.pissa, .olora] {
            let model = strategyTestClassifier(dtype: .float64)
            let before = strategyLogits(model)
            let weight = model.encoder.layers[0].attention.query!.weight.clone()
            try LoRA(LoRAConfig(rank: 3, alpha: 6, initialization: initialization)).prepare(model)
            let query = model.encoder.layers[0].attention.query!
            let lora = query.adapters["default"] as! LoRAAdapter
            #expect(lora.loraB.scalars(as: Double.self).contains { $0 != 0 })
            #expect(query.weight.scalars(as: Double.self) != weight.scalars(as: Double.self))
            // Residual + principal part is the original weight.
            expectTensorsClose(query.weight + lora.loraB.matmul(lora.loraA) * lora.scale, weight, tolerance: 1e-10)
            expectTensorsClose(strategyLogits(model), before, tolerance: 1e-10)
            if initialization == .pissa {
                // A's rows are orthogonal (scaled right singular vectors).
                let gram = lora.loraA.matmul(lora.loraA.transposed()).scalars(as: Double.self)
                #expect(Swift.abs(gram[1]) < 1e-10 && Swift.abs(gram[2]) < 1e-10)
            }
            expectTrainsExactly(model, parameterNames(model) { $0.contains(".adapters.") }) { strategyLoss(model) }
        }
        let model = strategyTestClassifier()
        #expect(throws: StrategyError.self) { try LoRA(LoRAConfig(rank: 9, initialization: .pissa)).prepare(model) }
    }

    @Test func doraStartsAsANoOpAndTrainsMagnitudes() throws {
        let model = strategyTestClassifier()
        let before = strategyLogits(model)
        try DoRA(LoRAConfig(rank: 2, alpha: 4), generator: Generator(seed: 1)).prepare(model)
        expectTensorsClose(strategyLogits(model), before, tolerance: 1e-6)
        let expected = parameterNames(model) { $0.contains(".adapters.") }
        #expect(expected.filter { $0.hasSuffix("magnitude") }.count == 4)
        expectTrainsExactly(model, expected) { strategyLoss(model) }
    }

    @Test func ia3ScalesKeysValuesAndFeedForward() throws {
        let model = strategyTestClassifier()
        let before = strategyLogits(model)
        try IA3(modulesToSave: ["classifier"]).prepare(model)
        #expect(model.adaptedLayers().count == 6)
        let down = model.encoder.layers[0].feedForward.down.adapters["default"] as! IA3Adapter
        #expect(down.isFeedForward && down.scaling.shape == [16])
        #expect(strategyLogits(model).scalars(as: Float.self) == before.scalars(as: Float.self))
        let expected = parameterNames(model) { $0.contains(".adapters.") || $0.hasPrefix("classifier.") }
        #expect(expected.count == 6 + 2)
        expectTrainsExactly(model, expected) { strategyLoss(model) }
        let trained = strategyLogits(model)
        let unmerged = mergeMovingWeights(model)
        expectTensorsClose(strategyLogits(model), trained, tolerance: 1e-5)
        unmergeRestoringWeights(model, unmerged, tolerance: 1e-6)
        expectTensorsClose(strategyLogits(model), trained, tolerance: 1e-5)
    }
}

@Suite struct LoRAAdapterBehaviourTests {
    @Test func dropoutActsOnTheAdapterInputOnlyWhileTraining() throws {
        let layer = Linear(6, 4, generator: Generator(seed: 1))
        try LoRA(LoRAConfig(rank: 2, alpha: 2, dropout: 0.5, targetModules: ["*"]), generator: Generator(seed: 2)).prepare(layer)
        let lora = layer.adapters["default"] as! LoRAAdapter
        withGradientsDisabled { lora.loraB.assign(Tensor.normal([4, 2], generator: Generator(seed: 3))) }
        let x = Tensor.normal([5, 6], generator: Generator(seed: 4))
        let base = withGradientsDisabled { x.matmul(layer.weight.transposed()) + layer.bias! }
        let full = withGradientsDisabled { base + x.matmul(lora.loraA.transposed()).matmul(lora.loraB.transposed()) }
        layer.train()
        let dropped = withGradientsDisabled { layer(x) }
        #expect(dropped.scalars(as: Float.self) != full.scalars(as: Float.self))
        layer.eval()
        expectTensorsClose(withGradientsDisabled { layer(x) }, full, tolerance: 1e-6)
        layer.disableAdapters()
        expectTensorsClose(withGradientsDisabled { layer(x) }, base, tolerance: 1e-6)
    }

    @Test func twoActiveAdaptersAddUp() throws {
        let layer = Linear(6, 4, dtype: .float64, generator: Generator(seed: 1))
        try LoRA(LoRAConfig(rank: 2, alpha: 2, targetModules: ["*"]), adapterName: "a").prepare(layer)
        try LoRA(LoRAConfig(rank: 3, alpha: 6, targetModules: ["*"]), adapterName: "b").prepare(layer)
        let x = Tensor.normal([5, 6], dtype: .float64, generator: Generator(seed: 4))
        var deltas: [Tensor] = []
        for (i, name) in ["a", "b"].enumerated() {
            let lora = layer.adapters[name] as! LoRAAdapter
            withGradientsDisabled { lora.loraB.assign(Tensor.normal(lora.loraB.shape, dtype: .float64, generator: Generator(seed: UInt64(i)))) }
            deltas.append(x.matmul(lora.loraA.transposed()).matmul(lora.loraB.transposed()) * lora.scale)
        }
        let base = withGradientsDisabled { x.matmul(layer.weight.transposed()) + layer.bias! }
        try layer.setActiveAdapters(["a", "b"])
        expectTensorsClose(withGradientsDisabled { layer(x) }, base + deltas[0] + deltas[1], tolerance: 1e-12)
        let unmerged = mergeMovingWeights(layer)
        #expect(layer.mergedAdapters == ["a", "b"])
        expectTensorsClose(withGradientsDisabled { layer(x) }, base + deltas[0] + deltas[1], tolerance: 1e-12)
        unmergeRestoringWeights(layer, unmerged, tolerance: 1e-12)
        expectTensorsClose(withGradientsDisabled { layer(x) }, base + deltas[0] + deltas[1], tolerance: 1e-12)
        #expect(throws: StrategyError.unknownAdapter("z")) { try layer.setActiveAdapters(["a", "z"]) }
    }
}

extension LoRAAdapterBehaviourTests {
    /// Activation checkpointing recomputes blocks in backward: the adapters' dropout masks must
    /// be replayed too, whether they draw from the default generator or the model's.
    @Test func checkpointingGivesTheSameAdapterGradients() throws {
        for shared in [false, true] {
            var config = EncoderConfig(vocabularySize: 20, dim: 8, layers: 2, heads: 2, hidden: 16)
            config.dropout = 0.1
            config.dtype = .float64
            let generator = Generator(seed: 6)
            let encoder = Encoder(config, generator: generator)
            try LoRA(LoRAConfig(rank: 2, alpha: 4, dropout: 0.3, initialization: .gaussian),
                     generator: shared ? generator : nil).prepare(encoder)
            withGradientsDisabled {
                for (_, layer) in encoder.adaptedLayers() {
                    let lora = layer.adapters["default"] as! LoRAAdapter
                    lora.loraB.assign(Tensor.normal(lora.loraB.shape, dtype: .float64, generator: Generator(seed: 1)))
                }
            }
            let ids = tokenIds([[1, 5, 6, 2, 0], [1, 7, 8, 9, 2]])
            func run(_ checkpointing: Bool) -> [Tensor] {
                encoder.gradientCheckpointing = checkpointing
                encoder.parameters().forEach { $0.zeroGrad() }
                generator.reseed(5)
                Generator.manualSeed(9)
                (encoder(ids, mask: ids.notEqual(0)).pow(2)).sum().backward()
                return encoder.trainableParameters().map { $0.grad ?? $0.zerosLike() }
            }
            let plain = run(false)
            #expect(plain.count == 8)
            for (a, b) in zip(run(true), plain) { expectTensorsClose(a, b, tolerance: 1e-12) }
        }
    }
}

extension LoRAAdapterBehaviourTests {
    @Test func ia3GradientsMatchFiniteDifferences() throws {
        for feedForward in [false, true] {
            let layer = Linear(5, 4, dtype: .float64, generator: Generator(seed: 1))
            let ia3 = IA3Adapter(for: layer, feedForward: feedForward)
            try layer.addAdapter(ia3, named: "default")
            layer.activeAdapters = ["default"]
            withGradientsDisabled { ia3.scaling.assign(Tensor.normal(ia3.scaling.shape, mean: 1, std: 0.3, dtype: .float64, generator: Generator(seed: 2))) }
            let x = Tensor.normal([3, 5], dtype: .float64, generator: Generator(seed: 3))
            let w = Tensor.normal([3, 4], dtype: .float64, generator: Generator(seed: 4))
            expectParameterGradients(layer) { (layer(x) * w).sum() }
        }
    }

    @Test func doraOutputFollowsItsDefinition() throws {
        let layer = Linear(6, 4, dtype: .float64, generator: Generator(seed: 1))
        try DoRA(LoRAConfig(rank: 2, alpha: 4, targetModules: ["*"]), generator: Generator(seed: 2)).prepare(layer)
        let dora = layer.adapters["default"] as! LoRAAdapter
        withGradientsDisabled {
            dora.loraB.assign(Tensor.normal([4, 2], dtype: .float64, generator: Generator(seed: 3)))
            dora.magnitude!.assign(dora.magnitude! * 1.5)
        }
        let x = Tensor.normal([3, 6], dtype: .float64, generator: Generator(seed: 4))
        // W' = m · (W + s·B·A) / ‖W + s·B·A‖_row
        let combined = layer.weight + dora.loraB.matmul(dora.loraA) * dora.scale
        let norms = (combined * combined).sum(axes: [1], keepDims: true).sqrt()
        let adapted = combined * dora.magnitude!.unsqueezed(axis: 1) / norms
        let expected = x.matmul(adapted.transposed()) + layer.bias!
        expectTensorsClose(withGradientsDisabled { layer(x) }, expected, tolerance: 1e-12)
    }
}
