import Testing
@testable import TensorKit

/// `layerNorm(_:residual:)`: the values and gradients of `layerNorm(x + residual)`, with and
/// without a recorded graph (inference normalises the sum in place).
@Suite struct ResidualLayerNormTests {
    private let x = randomTensor([3, 5, 7], seed: 1, low: -3, high: 3)
    private let residual = randomTensor([3, 5, 7], seed: 2)
    private let weight = randomTensor([7], seed: 3)
    private let bias = randomTensor([7], seed: 4)

    @Test func matchesTheComposition() {
        let expected = Tensor.layerNorm(x + residual, weight: weight, bias: bias, eps: 1e-5).scalars(as: Double.self)
        expectClose(Tensor.layerNorm(x, residual: residual, weight: weight, bias: bias, eps: 1e-5), expected,
                    shape: [3, 5, 7], tolerance: 1e-12)
        let inference = withGradientsDisabled { Tensor.layerNorm(x, residual: residual, weight: weight, bias: bias, eps: 1e-5) }
        expectClose(inference, expected, shape: [3, 5, 7], tolerance: 1e-12)
        expectClose(Tensor.layerNorm(x, residual: residual.transposed(0, 1).contiguous().transposed(0, 1)),
                    Tensor.layerNorm(x + residual).scalars(as: Double.self), tolerance: 1e-12)
    }

    /// Float32, 300 rows of 384 (several row blocks, 8-lane rows): the same bits as the two ops.
    @Test func float32EqualsTheTwoOps() {
        let a = randomTensor([300, 384], seed: 5, dtype: .float32), b = randomTensor([300, 384], seed: 6, dtype: .float32)
        let (w, c) = (randomTensor([384], seed: 7, dtype: .float32), randomTensor([384], seed: 8, dtype: .float32))
        let expected = Tensor.layerNorm(a + b, weight: w, bias: c, eps: 1e-12).scalars(as: Float.self)
        let fused = withGradientsDisabled { Tensor.layerNorm(a, residual: b, weight: w, bias: c, eps: 1e-12) }
        #expect(fused.scalars(as: Float.self) == expected)
    }

    @Test func gradcheck() {
        expectGradcheck([x, residual, weight, bias]) { Tensor.layerNorm($0[0], residual: $0[1], weight: $0[2], bias: $0[3]).tanh() }
        expectGradcheck([x.transposed(0, 2), residual.transposed(0, 2)]) { Tensor.layerNorm($0[0], residual: $0[1]).tanh() }
    }

    @Test func gradientsMatchTheComposition() {
        let tracked = [x, residual, weight, bias].map { $0.detach().requiringGrad() }
        let seed = randomTensor([3, 5, 7], seed: 9)
        let fused = Tensor.layerNorm(tracked[0], residual: tracked[1], weight: tracked[2], bias: tracked[3])
        let plain = Tensor.layerNorm(tracked[0] + tracked[1], weight: tracked[2], bias: tracked[3])
        let got = gradients(of: fused, wrt: tracked, seed: seed), want = gradients(of: plain, wrt: tracked, seed: seed)
        for (g, w) in zip(got, want) { expectClose(g, w.scalars(as: Double.self), shape: w.shape, tolerance: 1e-12) }
        // Only the residual tracked: it alone gets the gradient.
        let only = residual.detach().requiringGrad()
        let single = gradients(of: Tensor.layerNorm(x, residual: only, weight: weight, bias: bias), wrt: [only], seed: seed)
        expectClose(single[0], want[1].scalars(as: Double.self), tolerance: 1e-12)
    }
}
