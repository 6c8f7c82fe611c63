import Foundation
import Testing
@testable import FineTuning

/// A test-only second adapter host: the same map as ``Linear`` with its weight held transposed
/// (`[in, out]`), so anything that reached for `Linear.weight` directly would go wrong.
final class TransposedLinear: Module, Layer, AdapterHost {
    /// `[inFeatures, outFeatures]`.
    var weightInOut: Tensor
    var bias: Tensor?
    let inFeatures: Int
    let outFeatures: Int
    /// False plays a layer whose weight cannot change form (as a quantized one).
    let canRewriteWeight: Bool
    var adapters: [String: LinearAdapter] = [:]
    var activeAdapters: [String] = []
    var adaptersEnabled = true
    var mergedAdapters: [String] = []

    /// The same map as `linear`, its weight copied transposed.
    init(copying linear: Linear, rewritable: Bool = true) {
        inFeatures = linear.inFeatures
        outFeatures = linear.outFeatures
        weightInOut = linear.weight.detach().transposed().contiguous().parameter()
        bias = linear.bias.map { $0.detach().clone().parameter() }
        canRewriteWeight = rewritable
        super.init()
    }

    var computeDType: DType { weightInOut.dtype }
    var denseWeight: Tensor { weightInOut.transposed() }
    func replaceDenseWeight(_ weight: Tensor) { weightInOut.assign(weight.transposed().contiguous()) }
    func baseForward(_ rows: Tensor) -> Tensor {
        let y = rows.matmul(weightInOut)
        return bias.map { y + $0 } ?? y
    }
    func callAsFunction(_ x: Tensor) -> Tensor { adaptedForward(x) }
}

/// Two projections in a row, built on either host kind with the same weights.
final class TwoProjections<Host: Module & Layer>: Module {
    var first: Host
    var second: Host
    init(_ first: Host, _ second: Host) {
        self.first = first
        self.second = second
        super.init()
    }
    func callAsFunction(_ x: Tensor) -> Tensor { second(first(x).tanh()) }
}

@Suite struct AdapterHostTests {
    /// The same model on ``Linear`` and on ``TransposedLinear``.
    private func pair(rewritable: Bool = true) -> (TwoProjections<Linear>, TwoProjections<TransposedLinear>) {
        let generator = Generator(seed: 5)
        let plain = TwoProjections(Linear(6, 5, dtype: .float64, generator: generator),
                                   Linear(5, 4, dtype: .float64, generator: generator))
        let other = TwoProjections(TransposedLinear(copying: plain.first, rewritable: rewritable),
                                   TransposedLinear(copying: plain.second, rewritable: rewritable))
        return (plain, other)
    }

    /// Gives every adapter parameter of both models the same non-trivial values (by name).
    private func randomizeAdapters(_ a: Module, _ b: Module, seed: UInt64) {
        let generator = Generator(seed: seed)
        let theirs = Dictionary(uniqueKeysWithValues: b.adapterParameters().map { ($0.name, $0.tensor) })
        withGradientsDisabled {
            for (name, tensor) in a.adapterParameters() {
                let value = Tensor.normal(tensor.shape, mean: 1, std: 0.3, dtype: tensor.dtype, generator: generator)
                tensor.assign(value)
                theirs[name]?.assign(value)
            }
        }
    }

    private var input: Tensor { Tensor.normal([3, 6], dtype: .float64, generator: Generator(seed: 9)) }

    @Test(arguments: ["lora", "dora", "ia3"])
    func secondHostRunsEveryStrategyLikeLinear(kind: String) throws {
        let (plain, other) = pair()
        for model in [plain, other] as [Module] {
            switch kind {
            case "ia3": try IA3(targetModules: ["first", "second"], feedForwardModules: ["second"]).apply(to: model)
            default:
                let config = LoRAConfig(rank: 2, alpha: 4, targetModules: ["first", "second"])
                try (kind == "dora" ? DoRA(config, generator: Generator(seed: 1)) : LoRA(config, generator: Generator(seed: 1))).apply(to: model)
            }
        }
        // The names (and what trains) are the same whichever layer hosts the adapters.
        #expect(plain.adapterParameters().map(\.name) == other.adapterParameters().map(\.name))
        #expect(plain.adapterParameters().map(\.name).allSatisfy { $0.contains(".adapters.default.") })
        #expect(plain.namedParameters().filter(\.tensor.requiresGrad).map(\.name)
                == other.namedParameters().filter(\.tensor.requiresGrad).map(\.name))
        randomizeAdapters(plain, other, seed: 3)

        let expected = plain(input)
        let output = other(input)
        expectTensorsClose(output, expected, tolerance: 1e-12)
        let base = withGradientsDisabled { plain.withAdaptersDisabled { plain(input) } }
        #expect((expected - base).abs().max().item() > 1e-3, "the adapters should change the output")
        

        // Gradients reach the adapters the same way.
        expected.sum().backward()
        output.sum().backward()
        let theirs = Dictionary(uniqueKeysWithValues: other.adapterParameters().map { ($0.name, $0.tensor) })
        for (name, tensor) in plain.adapterParameters() {
            let grad = try #require(tensor.grad, "\(name) has no gradient")
            expectTensorsClose(try #require(theirs[name]?.grad), grad, tolerance: 1e-12)
        }

        // Merging goes through the host's own weight storage, and unmerging restores it.
        let stored = other.first.weightInOut.clone()
        other.mergeAdapters()
        #expect(other.first.mergedAdapters == ["default"])
        #expect((other.first.weightInOut - stored).abs().max().item() > 1e-3)
        expectTensorsClose(withGradientsDisabled { other(input) }, expected, tolerance: 1e-10)
        other.unmergeAdapters()
        expectTensorsClose(other.first.weightInOut, stored, tolerance: 1e-12)
        expectTensorsClose(withGradientsDisabled { other(input) }, expected, tolerance: 1e-12)
    }

    @Test func adapterFileRoundTripsThroughTheSecondHost() throws {
        let (plain, other) = pair()
        let config = LoRAConfig(rank: 2, alpha: 4, targetModules: ["first", "second"])
        try LoRA(config).apply(to: plain)
        try LoRA(config).apply(to: other)
        randomizeAdapters(plain, other, seed: 4)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-host-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try other.saveAdapter(to: folder)
        let fresh = pair().0
        try fresh.loadAdapter(from: folder)
        expectTensorsClose(withGradientsDisabled { fresh(input) }, withGradientsDisabled { plain(input) }, tolerance: 1e-12)
    }

    @Test func hostThatCannotRewriteItsWeightRefusesPiSSA() throws {
        let (_, other) = pair(rewritable: false)
        var config = LoRAConfig(rank: 2, alpha: 4, targetModules: ["first"])
        config.initialization = .pissa
        #expect(throws: StrategyError.self) { try LoRA(config).apply(to: other) }
        #expect(other.adapterNames.isEmpty)
        // Plain LoRA attaches and runs: only merging needs a rewritable weight.
        config.initialization = .kaiming
        try LoRA(config).apply(to: other)
        #expect(other.adapterNames == ["default"])
    }

    @Test func partialFineTuningFindsEmbeddingsByTheirMarker() throws {
        let model = strategyTestClassifier()
        let embeddings = model.namedModules().filter { $0.module is any InputEmbedding }.map(\.name)
        #expect(embeddings == ["encoder.embeddings", "encoder.embeddings.wordEmbeddings",
                               "encoder.embeddings.positionEmbeddings", "encoder.embeddings.tokenTypeEmbeddings"])
    }
}

/// Merges `model`'s active adapters, expecting every adapted layer to record the merge and its
/// base weight to move; returns the weights from before, by layer path.
@discardableResult
func mergeMovingWeights(_ model: Module, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Tensor] {
    let before = Dictionary(uniqueKeysWithValues: model.adaptedLayers().map { ($0.path, $0.layer.denseWeight.clone()) })
    model.mergeAdapters()
    for (path, layer) in model.adaptedLayers() where !layer.activeAdapters.isEmpty {
        #expect(layer.mergedAdapters == layer.activeAdapters, "\(path) did not merge", sourceLocation: sourceLocation)
        let moved = before[path].map { (layer.denseWeight - $0).abs().max().item() } ?? 0
        #expect(moved > 1e-6, "merging left \(path)'s weight unchanged", sourceLocation: sourceLocation)
    }
    return before
}

/// Unmerges `model`'s adapters, expecting each base weight back as `before` had it.
func unmergeRestoringWeights(_ model: Module, _ before: [String: Tensor], tolerance: Double,
                             sourceLocation: SourceLocation = #_sourceLocation) {
    model.unmergeAdapters()
    for (path, layer) in model.adaptedLayers() {
        #expect(layer.mergedAdapters.isEmpty, "\(path) still merged", sourceLocation: sourceLocation)
        if let weight = before[path] {
            expectTensorsClose(layer.denseWeight, weight, tolerance: tolerance, sourceLocation: sourceLocation)
        }
    }
}
