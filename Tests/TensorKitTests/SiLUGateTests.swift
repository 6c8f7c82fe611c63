import Testing
@testable import TensorKit

/// SwiGLU's fused gating `silu(gate) · up`, separate and packed: the values and gradients of the
/// composition `gate.silu() * up`.
@Suite struct SiLUGateTests {
    @Test func matchesTheComposition() {
        let gate = randomTensor([3, 4, 5], seed: 1, low: -6, high: 6), up = randomTensor([3, 4, 5], seed: 2)
        let expected = (gate.silu() * up).scalars(as: Double.self)
        expectClose(Tensor.siluGate(gate: gate, up: up), expected, shape: [3, 4, 5], tolerance: 1e-12)
        let packed = Tensor.concat([gate, up], axis: 2)
        expectClose(Tensor.siluGate(packed: packed), expected, shape: [3, 4, 5], tolerance: 1e-12)
    }

    /// Float32 rows of 19 columns: two 8-lane vectors and a scalar tail per row, against float64.
    @Test func float32VectorsAndTailsMatchFloat64() {
        let gate = randomTensor([6, 19], seed: 3, low: -10, high: 10), up = randomTensor([6, 19], seed: 4)
        let expected = Tensor.siluGate(gate: gate, up: up).scalars(as: Double.self)
        let packed = Tensor.concat([gate, up], axis: 1).cast(to: .float32)
        expectClose(Tensor.siluGate(packed: packed), expected, shape: [6, 19], tolerance: 1e-6)
        expectClose(Tensor.siluGate(gate: gate.cast(to: .float32), up: up.cast(to: .float32)), expected, tolerance: 1e-6)
        let seed = randomTensor([6, 19], seed: 5)
        let g32 = packed.requiringGrad()
        let got = gradients(of: Tensor.siluGate(packed: g32), wrt: [g32], seed: seed.cast(to: .float32))[0]
        let (a, b) = (gate.requiringGrad(), up.requiringGrad())
        let reference = gradients(of: a.silu() * b, wrt: [a, b], seed: seed)
        expectClose(got, Tensor.concat(reference, axis: 1).scalars(as: Double.self), shape: [6, 38], tolerance: 1e-5)
    }

    @Test func gradcheck() {
        expectGradcheck([randomTensor([2, 3, 4], seed: 6, low: -4, high: 4), randomTensor([2, 3, 4], seed: 7)]) {
            Tensor.siluGate(gate: $0[0], up: $0[1])
        }
        expectGradcheck([randomTensor([2, 3, 8], seed: 8, low: -4, high: 4)]) { Tensor.siluGate(packed: $0[0]) }
        // Strided inputs: transposed operands and a packed tensor read through a transpose.
        expectGradcheck([randomTensor([4, 3], seed: 9, low: -4, high: 4).transposed(), randomTensor([4, 3], seed: 10).transposed()]) {
            Tensor.siluGate(gate: $0[0], up: $0[1])
        }
        expectGradcheck([randomTensor([6, 3], seed: 11, low: -4, high: 4).transposed()]) { Tensor.siluGate(packed: $0[0]) }
    }

    @Test func packedGradientIsTheSeparateGradientsSideBySide() {
        let (gate, up) = (randomTensor([5, 7], seed: 12, low: -5, high: 5), randomTensor([5, 7], seed: 13))
        let packed = Tensor.concat([gate, up], axis: 1).requiringGrad()
        let seed = randomTensor([5, 7], seed: 14)
        let got = gradients(of: Tensor.siluGate(packed: packed), wrt: [packed], seed: seed)[0]
        let (a, b) = (gate.requiringGrad(), up.requiringGrad())
        let want = gradients(of: a.silu() * b, wrt: [a, b], seed: seed)
        expectClose(got, Tensor.concat(want, axis: 1).scalars(as: Double.self), shape: [5, 14], tolerance: 1e-12)
    }
}
