import Testing
@testable import FineTuning

/// A SwiGLU `FeedForward` runs gate and up as one GEMM with the fused gating where it can; its
/// outputs and every gradient must be those of the plain composition
/// `down(silu(gate(x)) · up(x))` (`packsProjections = false`), in float64 to 1e-12, with or
/// without adapters, and its names must not change.
@Suite struct PackedFeedForwardTests {
    private func network(bias: Bool = false) -> FeedForward {
        FeedForward(dim: 6, hidden: 10, kind: .swiGLU, bias: bias, dtype: .float64, generator: Generator(seed: 1))
    }

    /// Non-zero adapter factors, so every adapter changes the output.
    private func perturbAdapters(_ module: Module) {
        for (index, (name, p)) in module.namedParameters().enumerated() where name.contains("adapters") {
            p.assign(p + Tensor.normal(p.shape, std: 0.3, dtype: p.dtype, generator: Generator(seed: 40 + UInt64(index))))
        }
    }

    private func expectSameAsComposition(_ ff: FeedForward, sourceLocation: SourceLocation = #_sourceLocation) {
        let x = Tensor.normal([2, 3, 6], dtype: .float64, generator: Generator(seed: 2)).requiringGrad()
        let seed = Tensor.normal([2, 3, 6], dtype: .float64, generator: Generator(seed: 3))
        let tracked = [x] + ff.trainableParameters()
        ff.packsProjections = true
        let packed = ff(x)
        let got = gradients(of: packed, wrt: tracked, seed: seed)
        ff.packsProjections = false
        let plain = ff(x)
        let want = gradients(of: plain, wrt: tracked, seed: seed)
        ff.packsProjections = true
        expectTensorsClose(packed, plain, tolerance: 1e-12, sourceLocation: sourceLocation)
        #expect(got.count == tracked.count, sourceLocation: sourceLocation)
        for (g, w) in zip(got, want) {
            #expect(w.abs().max().item() > 0, sourceLocation: sourceLocation)
            expectTensorsClose(g, w, tolerance: 1e-12, sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [false, true])
    func plainLayersMatchTheComposition(bias: Bool) {
        expectSameAsComposition(network(bias: bias))
    }

    /// GeGLU packs too (the halves are activated as views of the product).
    @Test func gatedGELUMatchesTheComposition() {
        expectSameAsComposition(FeedForward(dim: 6, hidden: 10, kind: .gated(.gelu), dtype: .float64,
                                            generator: Generator(seed: 1)))
    }

    /// A GELU MLP runs `up` and GELU as one op (`Tensor.linearGELU`), with the same values and
    /// gradients; with LoRA on `up` it falls back to the composition.
    @Test(arguments: [Activation.gelu, .geluTanh])
    func geluMLPMatchesTheComposition(activation: Activation) throws {
        for bias in [false, true] {
            expectSameAsComposition(FeedForward(dim: 6, hidden: 10, kind: .mlp(activation), bias: bias, dtype: .float64,
                                                generator: Generator(seed: 1)))
        }
        let adapted = FeedForward(dim: 6, hidden: 10, kind: .mlp(activation), dtype: .float64, generator: Generator(seed: 1))
        try LoRA(LoRAConfig(rank: 2, alpha: 4, targetModules: ["up"]), generator: Generator(seed: 4)).apply(to: adapted)
        perturbAdapters(adapted)
        expectSameAsComposition(adapted)
    }

    /// LoRA adds into the packed blocks; DoRA transforms its block of the product; IA³ on `up`
    /// as a feed-forward target rescales the input, so gate and up run one by one.
    @Test(arguments: ["lora", "dora", "ia3"])
    func adaptersGetTheCompositionGradients(kind: String) throws {
        let ff = network(bias: true)
        switch kind {
        case "lora": try LoRA(LoRAConfig(rank: 2, alpha: 4, targetModules: ["gate", "up"]), generator: Generator(seed: 4)).apply(to: ff)
        case "dora": try LoRA(LoRAConfig(rank: 2, alpha: 4, targetModules: ["gate", "up"], useDoRA: true), generator: Generator(seed: 4)).apply(to: ff)
        default: try IA3(targetModules: ["gate", "up"], feedForwardModules: ["up"]).apply(to: ff)
        }
        perturbAdapters(ff)
        #expect(!ff.trainableParameters().isEmpty)
        expectSameAsComposition(ff)
    }

    @Test func namesAndStateAreThoseOfTheSeparateProjections() throws {
        let ff = network(bias: true)
        #expect(ff.namedParameters().map(\.0).sorted()
                == ["down.bias", "down.weight", "gate.bias", "gate.weight", "up.bias", "up.weight"])
        try LoRA(LoRAConfig(rank: 2, alpha: 4, targetModules: ["gate", "up"]), generator: Generator(seed: 4)).apply(to: ff)
        _ = ff(Tensor.normal([1, 2, 6], dtype: .float64, generator: Generator(seed: 5)))
        #expect(ff.namedParameters().map(\.0).filter { $0.contains("adapters") }.sorted()
                == ["gate.adapters.default.loraA", "gate.adapters.default.loraB",
                    "up.adapters.default.loraA", "up.adapters.default.loraB"])
    }

    /// Quantized projections cannot share a product: they run one by one, with the fused gating.
    @Test func quantizedProjectionsRunSeparately() throws {
        let ff = FeedForward(dim: 32, hidden: 64, kind: .swiGLU, bias: false, generator: Generator(seed: 6))
        let replaced = ff.quantizeLinears { _, linear in QuantizedTensor(quantizing: linear.weight, as: .q8_0) }
        #expect(replaced == 3)
        let x = Tensor.normal([2, 3, 32], generator: Generator(seed: 7))
        let packed = ff(x)
        ff.packsProjections = false
        expectTensorsClose(packed, ff(x), tolerance: 1e-5)
    }
}
