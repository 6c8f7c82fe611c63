import Testing
@testable import TensorKit

/// One GEMM for several projections of the same input (`Tensor.linear(_:weights:biases:)`), and
/// attention reading the packed query/key/value projection in place: the same values and
/// gradients as the separate ops.
@Suite struct FusedProjectionTests {
    private let sizes = [4, 3, 5]

    /// Batch 2 (6 rows, as many as outputs per extra weight: one product over stacked weights)
    /// or 1 (3 rows: one product per weight into its columns).
    static let batches = [2, 1]

    private func operands(batch: Int = 2, dtype: DType = .float64) -> (x: Tensor, weights: [Tensor], biases: [Tensor]) {
        let x = randomTensor([batch, 3, 6], seed: 1).cast(to: dtype)
        let weights = sizes.enumerated().map { randomTensor([$1, 6], seed: 10 + UInt64($0)).cast(to: dtype) }
        let biases = sizes.enumerated().map { randomTensor([$1], seed: 20 + UInt64($0)).cast(to: dtype) }
        return (x, weights, biases)
    }

    @Test(arguments: batches)
    func stackedLinearMatchesSeparateProducts(batch: Int) {
        let (x, weights, biases) = operands(batch: batch)
        let separate = Tensor.concat(zip(weights, biases).map { Tensor.linear(x, weight: $0, bias: $1) }, axis: 2)
        expectClose(Tensor.linear(x, weights: weights, biases: biases), separate.scalars(as: Double.self),
                    shape: [batch, 3, 12], tolerance: 1e-12)
        let unbiased = Tensor.concat(weights.map { Tensor.linear(x, weight: $0) }, axis: 2)
        expectClose(Tensor.linear(x, weights: weights, biases: [nil, nil, nil]), unbiased.scalars(as: Double.self),
                    shape: [batch, 3, 12], tolerance: 1e-12)
    }

    @Test(arguments: batches)
    func stackedLinearGradcheck(batch: Int) {
        let (x, weights, biases) = operands(batch: batch)
        expectGradcheck([x] + weights + biases) { t in
            Tensor.linear(t[0], weights: Array(t[1...3]), biases: Array(t[4...6])).tanh()
        }
        // A transposed (strided) input, no biases.
        expectGradcheck([randomTensor([6, 4], seed: 3).transposed()] + weights) { t in
            Tensor.linear(t[0], weights: Array(t[1...3]), biases: [nil, nil, nil]).tanh()
        }
    }

    @Test(arguments: batches)
    func frozenWeightsGetNoGradientAndTheOthersTheSeparateOnes(batch: Int) {
        let (x, weights, biases) = operands(batch: batch)
        let tracked = [x] + weights + biases
        for t in tracked { t.requiresGrad = true }
        weights[1].requiresGrad = false
        biases[1].requiresGrad = false
        let seed = randomTensor([batch, 3, 12], seed: 5)
        let fused = Tensor.linear(x, weights: weights, biases: biases)
        let expected = Tensor.concat(zip(weights, biases).map { Tensor.linear(x, weight: $0, bias: $1) }, axis: 2)
        let live = [x, weights[0], weights[2], biases[0], biases[2]]
        let got = gradients(of: fused, wrt: live, seed: seed)
        let want = gradients(of: expected, wrt: live, seed: seed)
        for (g, w) in zip(got, want) { expectClose(g, w.scalars(as: Double.self), shape: w.shape, tolerance: 1e-12) }
        #expect(fused.gradFn != nil)
    }

    /// `[B, L, 3·H·D]` viewed as the three `[B, H, L, D]` operands of the unpacked op.
    private func unpacked(_ qkv: Tensor, heads: Int) -> (Tensor, Tensor, Tensor) {
        let (b, l, d) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / (3 * heads))
        let parts = qkv.split(sizes: [heads * d, heads * d, heads * d], axis: 2)
        let views = parts.map { $0.reshape([b, l, heads, d]).permute(0, 2, 1, 3) }
        return (views[0], views[1], views[2])
    }

    @Test(arguments: [false, true])
    func packedAttentionMatchesTheUnpackedOp(causal: Bool) {
        let qkv = randomTensor([2, 5, 3 * 3 * 4], seed: 7)
        let mask = Tensor([true, true, true, true, true, true, true, true, false, false], shape: [2, 5])
        for padding in [nil, mask] {
            let (q, k, v) = unpacked(qkv, heads: 3)
            let expected = Tensor.scaledDotProductAttention(q, k, v, causal: causal, mask: padding)
            let packed = Tensor.scaledDotProductAttention(packed: qkv, heads: 3, causal: causal, mask: padding)
            expectClose(packed, expected.scalars(as: Double.self), shape: [2, 3, 5, 4], tolerance: 1e-12)
            #expect(packed.permute(0, 2, 1, 3).isContiguous)
        }
    }

    @Test func packedAttentionGradcheck() {
        let mask = Tensor([true, true, true, false, true, true], shape: [2, 3])
        expectGradcheck([randomTensor([2, 3, 3 * 2 * 2], seed: 8)]) {
            Tensor.scaledDotProductAttention(packed: $0[0], heads: 2, causal: true).tanh()
        }
        expectGradcheck([randomTensor([2, 3, 3 * 2 * 2], seed: 9)]) {
            Tensor.scaledDotProductAttention(packed: $0[0], heads: 2, mask: mask).tanh()
        }
    }

    /// The fused path of a layer (one GEMM, packed attention) against the separate one, float32,
    /// gradients of every weight and of the input, with attention dropout drawn the same way.
    @Test(arguments: [0.0, 0.3])
    func fusedPathGradientsMatchSeparatePathInFloat32(dropout: Double) {
        let x = randomTensor([2, 3, 6], seed: 1).cast(to: .float32)
        let ws = (0..<3).map { randomTensor([6, 6], seed: 30 + UInt64($0)).cast(to: .float32) }
        let bs = (0..<3).map { randomTensor([6], seed: 40 + UInt64($0)).cast(to: .float32) }
        let tracked = [x] + ws + bs
        for t in tracked { t.requiresGrad = true }
        let seed = randomTensor([2, 2, 3, 3], seed: 32).cast(to: .float32)
        let fused = Tensor.scaledDotProductAttention(packed: Tensor.linear(x, weights: ws, biases: bs), heads: 2,
                                                     causal: true, dropout: dropout, generator: Generator(seed: 4))
        let (q, k, v) = (0..<3).map { Tensor.linear(x, weight: ws[$0], bias: bs[$0]).reshape([2, 3, 2, 3]).permute(0, 2, 1, 3) }
            .tuple3
        let separate = Tensor.scaledDotProductAttention(q, k, v, causal: true, dropout: dropout, generator: Generator(seed: 4))
        expectClose(fused, separate.scalars(as: Double.self), shape: [2, 2, 3, 3], tolerance: 1e-6)
        let got = gradients(of: fused, wrt: tracked, seed: seed)
        let want = gradients(of: separate, wrt: tracked, seed: seed)
        for (g, e) in zip(got, want) { expectClose(g, e.scalars(as: Double.self), shape: e.shape, tolerance: 1e-6) }
    }
}

private extension Array {
    var tuple3: (Element, Element, Element) { (self[0], self[1], self[2]) }
}
