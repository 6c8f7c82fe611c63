import Testing
@testable import TensorKit

/// `Tensor.linearGELU` against `linear` followed by `gelu`: values (the in-place inference pass
/// and the recording one), every gradient, both formulas, with and without a bias.
@Suite struct LinearGELUTests {
    static let formulas: [GELUApproximation] = [.none, .tanh]

    @Test(arguments: formulas)
    func equalsLinearThenGELU(approximate: GELUApproximation) {
        // 13 outputs: rows of one 8-lane vector and a scalar tail, in float32.
        for dtype in [DType.float64, .float32] {
            let x = randomTensor([2, 5, 7], seed: 1).cast(to: dtype)
            let w = randomTensor([13, 7], seed: 2, low: -2, high: 2).cast(to: dtype)
            let b = randomTensor([13], seed: 3).cast(to: dtype)
            for bias in [b, nil] {
                let expected = Tensor.linear(x, weight: w, bias: bias).gelu(approximate: approximate)
                let tolerance = dtype == .float64 ? 1e-12 : 1e-6
                let inference = withGradientsDisabled { Tensor.linearGELU(x, weight: w, bias: bias, approximate: approximate) }
                expectClose(inference, expected.scalars(as: Double.self), shape: [2, 5, 13], tolerance: tolerance)
                let recorded = Tensor.linearGELU(x, weight: w.detach().requiringGrad(), bias: bias, approximate: approximate)
                #expect(recorded.gradFn != nil)
                expectClose(recorded, expected.scalars(as: Double.self), shape: [2, 5, 13], tolerance: tolerance)
            }
        }
    }

    @Test(arguments: formulas)
    func gradcheck(approximate: GELUApproximation) {
        expectGradcheck([randomTensor([3, 4], seed: 4), randomTensor([10, 4], seed: 5), randomTensor([10], seed: 6)]) {
            Tensor.linearGELU($0[0], weight: $0[1], bias: $0[2], approximate: approximate)
        }
        expectGradcheck([randomTensor([2, 2, 4], seed: 7), randomTensor([9, 4], seed: 8)]) {
            Tensor.linearGELU($0[0], weight: $0[1], approximate: approximate)
        }
    }

    /// Gradients equal the composition's in float32 too, also for a frozen weight (input and bias only).
    @Test func gradientsMatchTheCompositionInFloat32() {
        let x = randomTensor([6, 8], seed: 9).cast(to: .float32).requiringGrad()
        let w = randomTensor([20, 8], seed: 10).cast(to: .float32)
        let b = randomTensor([20], seed: 11).cast(to: .float32).requiringGrad()
        let upstream = randomTensor([6, 20], seed: 12).cast(to: .float32)
        for weight in [w.detach().requiringGrad(), w] {
            let tracked = [x, b] + (weight.requiresGrad ? [weight] : [])
            let got = gradients(of: Tensor.linearGELU(x, weight: weight, bias: b), wrt: tracked, seed: upstream)
            let want = gradients(of: Tensor.linear(x, weight: weight, bias: b).gelu(), wrt: tracked, seed: upstream)
            for (g, e) in zip(got, want) { expectClose(g, e.scalars(as: Double.self), shape: e.shape, tolerance: 1e-5) }
        }
    }
}
