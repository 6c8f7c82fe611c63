import Testing
@testable import FineTuning

/// `GPT.loss` runs the head fused with the loss; it must equal the loss of the full logits
/// (`model(ids)` then `crossEntropy`) and give every parameter the same gradient.
@Suite struct GPTFusedLossTests {
    static var ids: Tensor { tokenIds([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]]) }
    static var targets: Tensor { tokenIds([[2, 3, 4, 5, 6, 7], [5, 4, 3, 2, 1, 0]]) }
    /// The prompt masked as chat fine-tuning does: only the last positions have targets.
    static var maskedTargets: Tensor { tokenIds([[-100, -100, -100, 5, 6, 7], [-100, 4, -100, -100, 1, 0]]) }

    /// Loss and the gradient of every parameter, in order.
    static func lossAndGradients(_ model: GPT, _ loss: () -> Tensor) -> (Double, [Tensor]) {
        model.parameters().forEach { $0.zeroGrad() }
        let value = loss()
        value.backward()
        return (value.item(), model.parameters().map { $0.grad ?? Tensor.zeros($0.shape, dtype: $0.dtype) })
    }

    static func expectFusedEqualsUnfused(_ model: GPT, ids: Tensor? = nil, targets: Tensor, tolerance: Double,
                                         sourceLocation: SourceLocation = #_sourceLocation) {
        let ids = ids ?? Self.ids
        let fused = lossAndGradients(model) { model.loss(ids, targets: targets) }
        let plain = lossAndGradients(model) { Tensor.crossEntropy(logits: model(ids), targets: targets) }
        #expect(Swift.abs(fused.0 - plain.0) <= tolerance * Swift.abs(plain.0), "loss \(fused.0) vs \(plain.0)",
                sourceLocation: sourceLocation)
        for (a, b) in zip(fused.1, plain.1) { expectTensorsClose(a, b, tolerance: tolerance, sourceLocation: sourceLocation) }
    }

    static func config(tied: Bool, headBias: Bool) -> GPTConfig {
        var config = GPTConfig(vocabularySize: 16, maxPositions: 24, dim: 16, layers: 2, heads: 4, hidden: 32)
        config.tiedHead = tied
        config.headBias = headBias
        config.dtype = .float64
        config.initStd = 0.2
        return config
    }

    @Test(arguments: [(true, false), (true, true), (false, false), (false, true)])
    func equalsTheUnfusedLossInFloat64(tied: Bool, headBias: Bool) {
        let model = GPT(Self.config(tied: tied, headBias: headBias), generator: Generator(seed: 3))
        if let bias = model.head?.bias ?? model.headBias {
            withGradientsDisabled { bias.assign(Tensor.normal(bias.shape, std: 0.5, dtype: .float64, generator: Generator(seed: 4))) }
        }
        Self.expectFusedEqualsUnfused(model, targets: Self.targets, tolerance: 1e-12)
        Self.expectFusedEqualsUnfused(model, targets: Self.maskedTargets, tolerance: 1e-12)
    }

    /// A quantized model (QLoRA): Q8_0 projections and a Q8_0 tied table (``QuantizedEmbedding``,
    /// input and head). The fused loss equals the unfused one (many targets go through the tiled
    /// GEMMs, a few through the few-row kernels), and both equal the same model with the table's
    /// values held as a frozen float embedding, the bias and norms getting the same gradients.
    @Test func quantizedModelEqualsTheUnfusedLoss() {
        var config = Self.config(tied: true, headBias: true)
        config.dtype = .float32
        config.vocabularySize = 40
        config.dim = 64
        let model = GPT(config, generator: Generator(seed: 5))
        _ = model.quantizeLinears { _, linear in QuantizedTensor(quantizing: linear.weight, as: .q8_0) }
        let table = QuantizedEmbedding(weight: QuantizedTensor(quantizing: model.tokenEmbedding.weight, as: .q8_0))
        withGradientsDisabled { model.tokenEmbedding.weight.assign(table.denseWeight) }
        model.tokenEmbedding.freeze()
        // The loss and the gradients of the parameters other than the table, by name.
        func lossAndNamedGradients() -> (Double, [String: Tensor]) {
            let named = model.namedParameters().filter { !$0.name.hasPrefix("tokenEmbedding") }
            named.forEach { $0.tensor.zeroGrad() }
            let loss = model.loss(Self.ids, targets: Self.maskedTargets)
            loss.backward()
            return (loss.item(), Dictionary(uniqueKeysWithValues: named.map { ($0.name, $0.tensor.grad!) }))
        }
        let floatTable = lossAndNamedGradients()
        model.tokenEmbedding = table
        #expect(!model.namedParameters().contains { $0.name.hasPrefix("tokenEmbedding") })
        let blocks = lossAndNamedGradients()
        #expect(Swift.abs(blocks.0 - floatTable.0) <= 1e-5 * Swift.abs(floatTable.0), "loss \(blocks.0) vs \(floatTable.0)")
        #expect(blocks.1.keys.sorted() == floatTable.1.keys.sorted() && blocks.1["headBias"] != nil)
        for (name, gradient) in blocks.1 {
            if let expected = floatTable.1[name] { expectTensorsClose(gradient, expected, tolerance: 1e-5) }
        }
        Self.expectFusedEqualsUnfused(model, targets: Self.targets, tolerance: 1e-5)
        Self.expectFusedEqualsUnfused(model, targets: Self.maskedTargets, tolerance: 1e-5)
        let short = tokenIds([[7, 1, 3]])
        Self.expectFusedEqualsUnfused(model, ids: short, targets: tokenIds([[1, 3, 9]]), tolerance: 1e-5)
    }
}
