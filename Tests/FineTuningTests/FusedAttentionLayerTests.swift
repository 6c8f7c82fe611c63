import Testing
@testable import FineTuning

/// `MultiHeadAttention` runs its three projections as one GEMM and attention on the packed
/// result when it can (LoRA updates added into their blocks); its outputs and gradients must be
/// those of the separate projections.
@Suite struct FusedAttentionLayerTests {
    /// The layer's forward spelled out with each projection run on its own (the unfused path,
    /// adapters applied by each layer).
    private func separate(_ attention: MultiHeadAttention, _ x: Tensor, mask: Tensor?) -> Tensor {
        let (b, l, h, d) = (x.shape[0], x.shape[1], attention.heads, attention.headDim)
        let heads = [attention.query!, attention.key!, attention.value!].map {
            $0(x).reshape([b, l, h, d]).permute(0, 2, 1, 3)
        }
        let attended = Tensor.scaledDotProductAttention(heads[0], heads[1], heads[2], causal: attention.causal,
                                                        mask: mask)
        return attention.output(attended.permute(0, 2, 1, 3).reshape([b, l, h * d]))
    }

    private func expectSameGradients(_ attention: MultiHeadAttention, of what: [Tensor]) {
        let x = Tensor.normal([2, 5, 8], generator: Generator(seed: 2)).requiringGrad()
        let mask = Tensor([true, true, true, true, true, true, true, true, false, false], shape: [2, 5])
        let seed = Tensor.normal([2, 5, 8], generator: Generator(seed: 3))
        let fused = attention(x, mask: mask)
        let expected = separate(attention, x, mask: mask)
        expectTensorsClose(fused, expected, tolerance: 1e-6)
        let got = gradients(of: fused, wrt: [x] + what, seed: seed)
        let want = gradients(of: expected, wrt: [x] + what, seed: seed)
        for (g, w) in zip(got, want) {
            #expect(w.abs().max().item() > 0)
            expectTensorsClose(g, w, tolerance: 1e-6)
        }
    }

    @Test(arguments: [false, true])
    func gradientsMatchTheSeparateProjections(causal: Bool) {
        let attention = MultiHeadAttention(dim: 8, heads: 2, causal: causal, generator: Generator(seed: 1))
        expectSameGradients(attention, of: attention.parameters())
    }

    /// LoRA on query and value (frozen base): the updates land in their blocks of the packed
    /// product; the adapters' gradients are those of the layers run one by one.
    @Test func loraAdaptersGetTheSeparatePathGradients() throws {
        let attention = MultiHeadAttention(dim: 8, heads: 2, causal: true, generator: Generator(seed: 1))
        try LoRA(LoRAConfig(rank: 2, alpha: 4, targetModules: ["query", "value"]), generator: Generator(seed: 4))
            .apply(to: attention)
        // Non-zero B factors, so the updates change the output.
        for (name, p) in attention.namedParameters() where name.hasSuffix("loraB") {
            p.assign(Tensor.normal(p.shape, generator: Generator(seed: 5)))
        }
        let trainable = attention.trainableParameters()
        #expect(trainable.count == 4)
        expectSameGradients(attention, of: trainable)
    }
}
