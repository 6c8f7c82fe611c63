import Foundation
import Testing
@testable import FineTuning

/// `MultiHeadAttention` against attention composed by hand from its own weights:
/// `softmax(Q·Kᵀ/√d + mask)·V` per head, key/value heads repeated for grouped queries.
@Suite struct AttentionLayerTests {
    private func reference(_ attention: MultiHeadAttention, _ x: Tensor, mask: Tensor? = nil) -> Tensor {
        let (b, l) = (x.shape[0], x.shape[1])
        let (h, kvh, d) = (attention.heads, attention.kvHeads, attention.headDim)
        func project(_ layer: any LinearLayer, _ heads: Int) -> Tensor {
            x.matmul(layer.weight.transposed()) + layer.bias!   // [B, L, heads·d]
        }
        let q = project(attention.query!, h), k = project(attention.key!, kvh), v = project(attention.value!, kvh)
        var outputs: [Tensor] = []
        for head in 0..<h {
            let group = head / (h / kvh)
            var qh = q.slice(axis: 2, (head * d)..<((head + 1) * d))
            var kh = k.slice(axis: 2, (group * d)..<((group + 1) * d))
            let vh = v.slice(axis: 2, (group * d)..<((group + 1) * d))
            if let rotary = attention.rotary {
                qh = rotary(qh)
                kh = rotary(kh)
            }
            var scores = qh.matmul(kh.transposed(1, 2)) / Double(d).squareRoot()   // [B, L, L]
            var allowed = [Bool](repeating: true, count: b * l * l)
            for n in 0..<b {
                for i in 0..<l {
                    for j in 0..<l {
                        let padded = mask.map { !$0.scalars(as: Bool.self)[n * l + j] } ?? false
                        if padded || (attention.causal && j > i) { allowed[(n * l + i) * l + j] = false }
                    }
                }
            }
            scores = scores.maskedFill(Tensor(allowed, shape: [b, l, l]).logicalNot(), value: -1e30)
            let weights = scores.exp() / scores.exp().sum(axes: [2], keepDims: true)
            outputs.append(weights.matmul(vh))
        }
        let concatenated = Tensor.concat(outputs, axis: 2)
        return concatenated.matmul(attention.output.weight.transposed()) + attention.output.bias!
    }

    @Test(arguments: [(4, 4, false), (4, 4, true), (4, 2, true), (4, 1, false)])
    func matchesHandComposedAttention(heads: Int, kvHeads: Int, causal: Bool) {
        let attention = MultiHeadAttention(dim: 8, heads: heads, kvHeads: kvHeads, causal: causal, dtype: .float64,
                                           generator: Generator(seed: 1))
        let x = Tensor.normal([2, 5, 8], dtype: .float64, generator: Generator(seed: 2))
        expectTensorsClose(attention(x), reference(attention, x), tolerance: 1e-12)
        let mask = Tensor([true, true, true, true, true, true, true, true, false, false], shape: [2, 5])
        expectTensorsClose(attention(x, mask: mask), reference(attention, x, mask: mask), tolerance: 1e-12)
        // Integer masks (Hugging Face's attention_mask) mean the same.
        expectTensorsClose(attention(x, mask: mask.cast(to: .int64)), attention(x, mask: mask), tolerance: 0)
    }

    @Test func rotaryAttentionMatchesReference() {
        let attention = MultiHeadAttention(dim: 8, heads: 2, kvHeads: 1, causal: true, rotary: RotaryEmbedding(dimension: 4),
                                           dtype: .float64, generator: Generator(seed: 3))
        let x = Tensor.normal([1, 6, 8], dtype: .float64, generator: Generator(seed: 4))
        expectTensorsClose(attention(x), reference(attention, x), tolerance: 1e-12)
    }

    @Test func fusedProjectionEqualsSeparateOnes() {
        let separate = MultiHeadAttention(dim: 8, heads: 4, kvHeads: 2, causal: true, dtype: .float64, generator: Generator(seed: 5))
        let fused = MultiHeadAttention(dim: 8, heads: 4, kvHeads: 2, causal: true, fusedQKV: true, dtype: .float64)
        #expect(fused.namedParameters().map(\.name) == ["qkv.weight", "qkv.bias", "output.weight", "output.bias"])
        #expect(fused.qkv!.weight.shape == [16, 8])
        withGradientsDisabled {
            fused.qkv!.weight.assign(Tensor.concat([separate.query!.weight, separate.key!.weight, separate.value!.weight]))
            fused.qkv!.bias!.assign(Tensor.concat([separate.query!.bias!, separate.key!.bias!, separate.value!.bias!]))
            fused.output.weight.assign(separate.output.weight)
            fused.output.bias!.assign(separate.output.bias!)
        }
        let x = Tensor.normal([2, 3, 8], dtype: .float64, generator: Generator(seed: 6))
        expectTensorsClose(fused(x), separate(x), tolerance: 1e-12)
    }

    @Test(arguments: [false, true])
    func cacheGivesTheSameOutputsAsOneFullPass(rotary: Bool) {
        let attention = MultiHeadAttention(dim: 8, heads: 4, kvHeads: 2, causal: true,
                                           rotary: rotary ? RotaryEmbedding(dimension: 2) : nil, dtype: .float64,
                                           generator: Generator(seed: 7))
        let x = Tensor.normal([2, 7, 8], dtype: .float64, generator: Generator(seed: 8))
        let mask = Tensor([Bool](repeating: true, count: 7) + [false] + [Bool](repeating: true, count: 6), shape: [2, 7])
        let full = attention(x, mask: mask)
        let cache = AttentionCache()
        // A 3-token prefill, a 2-token chunk (needs the bottom-right causal mask), then single tokens.
        var pieces: [Tensor] = []
        for range in [0..<3, 3..<5, 5..<6, 6..<7] {
            pieces.append(attention(x.slice(axis: 1, range), mask: mask.slice(axis: 1, 0..<range.upperBound), cache: cache))
        }
        #expect(cache.length == 7 && cache.key!.shape == [2, 2, 7, 2])
        expectTensorsClose(Tensor.concat(pieces, axis: 1), full, tolerance: 1e-12)
        cache.reset()
        #expect(cache.length == 0)
    }

    @Test func ropePreservesNormsAndDependsOnlyOnRelativePosition() {
        let rope = RotaryEmbedding(dimension: 8)
        let q = Tensor.normal([1, 1, 1, 8], dtype: .float64, generator: Generator(seed: 1))
        let k = Tensor.normal([1, 1, 1, 8], dtype: .float64, generator: Generator(seed: 2))
        func dot(_ m: Int, _ n: Int) -> Double { (rope(q, offset: m) * rope(k, offset: n)).sum().item() }
        #expect(Swift.abs(dot(3, 1) - dot(10, 8)) < 1e-12)
        #expect(Swift.abs(dot(0, 5) - dot(7, 12)) < 1e-12)
        #expect(Swift.abs(dot(3, 1) - dot(3, 2)) > 1e-6)   // but it does depend on the distance
        expectTensorsClose(rope(q, offset: 0), q, tolerance: 0)   // position 0 is the identity
        let rotated = rope(q, offset: 17)
        #expect(Swift.abs((rotated * rotated).sum().item() - (q * q).sum().item()) < 1e-12)
        // A sequence rotates position by position: row p equals a single vector at offset p.
        let sequence = Tensor.normal([1, 2, 4, 8], dtype: .float64, generator: Generator(seed: 3))
        let all = rope(sequence, offset: 2)
        expectTensorsClose(all.slice(axis: 2, 3..<4), rope(sequence.slice(axis: 2, 3..<4), offset: 5), tolerance: 1e-12)
    }

    @Test func attentionGradcheck() {
        let attention = MultiHeadAttention(dim: 4, heads: 2, kvHeads: 1, causal: true, rotary: RotaryEmbedding(dimension: 2),
                                           dtype: .float64, generator: Generator(seed: 9))
        let x = Tensor.normal([2, 3, 4], dtype: .float64, generator: Generator(seed: 10))
        let mask = Tensor([true, true, true, false, true, true], shape: [2, 3])
        let result = gradcheck({ attention($0[0], mask: mask).pow(2).sum() }, inputs: [x])
        #expect(result.passed, "\(result)")
        expectParameterGradients(attention) { attention(x, mask: mask).pow(2).sum() }
    }
}
