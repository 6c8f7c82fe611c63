import Foundation
import Testing
@testable import FineTuning

/// Two projections in a row, on either kind of linear layer.
private final class ProjectionPair: Module {
    var first: any LinearLayer
    var second: any LinearLayer
    init(_ first: any LinearLayer, _ second: any LinearLayer) {
        self.first = first
        self.second = second
        super.init()
    }
    func callAsFunction(_ x: Tensor) -> Tensor { second(first(x).tanh()) }
}

/// The raw bytes of a quantized weight.
private func blockBytes(_ weight: QuantizedTensor) -> [UInt8] {
    weight.withUnsafeBlocks { Array(UnsafeRawBufferPointer(start: $0, count: weight.byteCount)) }
}

/// `QuantizedLinear` hosting adapters, and transformer models with quantized projections, against
/// the same models on `Linear` layers holding the dequantized weights.
@Suite struct QuantizedLinearLayerTests {
    /// A quantized pair (Q8_0 weights, trainable-ready bias copies) and the dense pair holding
    /// its dequantized weights and equal biases.
    private func pairs() -> (quantized: ProjectionPair, dense: ProjectionPair) {
        let generator = Generator(seed: 21)
        let source = [Linear(64, 96, generator: generator), Linear(96, 32, generator: generator)]
        let quantized = source.map {
            QuantizedLinear(weight: QuantizedTensor(quantizing: $0.weight, as: .q8_0), bias: $0.bias!.detach().clone().parameter())
        }
        let dense = quantized.map { layer in
            let linear = Linear(layer.inFeatures, layer.outFeatures)
            withGradientsDisabled {
                linear.weight.assign(layer.denseWeight)
                linear.bias!.assign(layer.bias!)
            }
            return linear
        }
        return (ProjectionPair(quantized[0], quantized[1]), ProjectionPair(dense[0], dense[1]))
    }

    /// Gives every adapter's B factor the same random values on both models.
    private func randomizeB(_ models: ProjectionPair...) {
        for model in models {
            let generator = Generator(seed: 8)
            withGradientsDisabled {
                for (_, layer) in model.adaptedLayers() {
                    guard let lora = layer.adapters["default"] as? LoRAAdapter else { continue }
                    lora.loraB.assign(Tensor.normal(lora.loraB.shape, std: 0.5, generator: generator))
                }
            }
        }
    }

    private let input = Tensor.uniform([3, 5, 64], low: -1, high: 1, generator: Generator(seed: 5))

    @Test func loraTrainsOnFrozenBlocksAndMatchesTheDenseHost() throws {
        let (quantized, dense) = pairs()
        let config = LoRAConfig(rank: 4, alpha: 8, targetModules: ["first", "second"])
        try LoRA(config, generator: Generator(seed: 1)).prepare(quantized)
        try LoRA(config, generator: Generator(seed: 1)).prepare(dense)
        randomizeB(quantized, dense)
        #expect(quantized(input).shape == [3, 5, 32])
        expectTensorsClose(quantized(input), dense(input), tolerance: 1e-5)
        // The same names as on Linear, less the weights that are no parameters.
        let denseNames = dense.namedParameters().map(\.name).filter { !$0.hasSuffix("first.weight") && !$0.hasSuffix("second.weight") }
        #expect(quantized.namedParameters().map(\.name) == denseNames)
        #expect(denseNames.contains("first.adapters.default.loraA"))

        let blocks = [quantized.first, quantized.second].map { blockBytes(($0 as! QuantizedLinear).quantizedWeight) }
        let adapters = parameterNames(quantized) { $0.contains(".adapters.default.") }
        #expect(adapters.count == 4)
        expectTrainsExactly(quantized, adapters) { (quantized(input) * input.sum(axes: [2], keepDims: true)).mean() }
        #expect([quantized.first, quantized.second].map { blockBytes(($0 as! QuantizedLinear).quantizedWeight) } == blocks)

        // Gradients reach the adapters as on the dense host.
        let loss = { (model: ProjectionPair) in (model(self.input) * self.input.sum(axes: [2], keepDims: true)).mean() }
        let (q, d) = pairs()
        try LoRA(config, generator: Generator(seed: 1)).prepare(q)
        try LoRA(config, generator: Generator(seed: 1)).prepare(d)
        randomizeB(q, d)
        loss(q).backward()
        loss(d).backward()
        let qGrads = Dictionary(uniqueKeysWithValues: q.namedParameters().compactMap { n, t in t.grad.map { (n, $0) } })
        for (name, tensor) in d.namedParameters() where tensor.grad != nil {
            let grad = try #require(qGrads[name], "\(name) has no gradient on the quantized host")
            expectTensorsClose(grad, tensor.grad!, tolerance: 1e-5)
        }
    }

    @Test func doraAndIA3MatchTheDenseHost() throws {
        let (quantized, dense) = pairs()
        let config = LoRAConfig(rank: 4, alpha: 8, targetModules: ["first", "second"], useDoRA: true)
        try DoRA(config, generator: Generator(seed: 1)).prepare(quantized)
        try DoRA(config, generator: Generator(seed: 1)).prepare(dense)
        randomizeB(quantized, dense)
        expectTensorsClose(quantized(input), dense(input), tolerance: 1e-5)

        let (q3, d3) = pairs()
        let ia3 = IA3(targetModules: ["first", "second"], feedForwardModules: ["second"])
        try ia3.prepare(q3)
        try ia3.prepare(d3)
        withGradientsDisabled {
            for model in [q3, d3] {
                let generator = Generator(seed: 4)
                for (_, layer) in model.adaptedLayers() {
                    let scaling = (layer.adapters["default"] as! IA3Adapter).scaling
                    scaling.assign(Tensor.uniform(scaling.shape, low: 0.5, high: 1.5, generator: generator))
                }
            }
        }
        expectTensorsClose(q3(input), d3(input), tolerance: 1e-5)
        #expect(!(q3.first as! QuantizedLinear).canRewriteWeight)
    }

    /// The model with Q8_0 projections, and the float model holding their dequantized weights.
    private func quantizedAndDense() throws -> (quantized: GPT, dense: GPT) {
        let quantized = tinyLlamaGPT(), dense = tinyLlamaGPT()
        let replaced = quantized.quantizeLinears { _, linear in QuantizedTensor(quantizing: linear.weight, as: .q8_0) }
        #expect(replaced == 2 * 7)
        withGradientsDisabled {
            for (path, module) in quantized.namedModules() {
                guard let layer = module as? QuantizedLinear else { continue }
                (dense.module(at: path) as! Linear).weight.assign(layer.denseWeight)
            }
        }
        return (quantized, dense)
    }

    @Test func gptWithQuantizedProjectionsMatchesTheDequantizedModel() throws {
        let (quantized, dense) = try quantizedAndDense()
        #expect(quantized.layers[1].attention.query is QuantizedLinear)
        #expect(quantized.layers[0].feedForward.gate is QuantizedLinear)
        #expect(dense.layers[0].attention.query!.weight.shape == [64, 64])
        let names = dense.namedParameters().map(\.name).filter { !($0.hasPrefix("layers.") && $0.hasSuffix(".weight") && !$0.contains("Norm")) }
        #expect(quantized.namedParameters().map(\.name) == names)

        let ids = tokenIds([[1, 5, 9, 3, 22, 7, 0, 31], [2, 2, 4, 8, 16, 32, 39, 1]])
        expectTensorsClose(quantized(ids), dense(ids), tolerance: 1e-4)
        // Batch-1 decoding with the cache takes the fused kernels; the tokens match the float model.
        let prompt = [1, 5, 9, 3]
        let tokens = quantized.generate(prompt, maxNewTokens: 10)
        #expect(tokens.count == 10)
        #expect(tokens == dense.generate(prompt, maxNewTokens: 10))
        #expect(tokens == quantized.generate(prompt, maxNewTokens: 10, useCache: false))
    }

    @Test func loraOnQuantizedQueryAndValueTrains() throws {
        let (quantized, _) = try quantizedAndDense()
        try LoRA(LoRAConfig(rank: 4, alpha: 8), generator: Generator(seed: 3)).prepare(quantized)
        #expect(quantized.adaptedLayers().map(\.path) == ["layers.0.attention.query", "layers.0.attention.value",
                                                         "layers.1.attention.query", "layers.1.attention.value"])
        let blocks = quantized.namedModules().compactMap { ($0.module as? QuantizedLinear).map { blockBytes($0.quantizedWeight) } }
        let ids = tokenIds([[1, 5, 9, 3, 22, 7], [2, 2, 4, 8, 16, 32]])
        let targets = tokenIds([[5, 9, 3, 22, 7, 0], [2, 4, 8, 16, 32, 39]])
        let adapters = parameterNames(quantized) { $0.contains(".adapters.default.") }
        #expect(adapters.count == 8)
        expectTrainsExactly(quantized, adapters, rate: 0.05) { quantized.loss(ids, targets: targets) }
        #expect(quantized.namedModules().compactMap { ($0.module as? QuantizedLinear).map { blockBytes($0.quantizedWeight) } } == blocks)
    }
}
