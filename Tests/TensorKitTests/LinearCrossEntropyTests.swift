import Testing
@testable import TensorKit

/// The fused head + loss against the unfused `linear` + `crossEntropy` it replaces.
@Suite struct LinearCrossEntropyTests {
    /// Targets for 7 rows of 11 classes, two of them ignored.
    static var maskedTargets: Tensor { Tensor([3, -100, 0, 10, 5, -100, 7] as [Int32], shape: [7]) }

    /// Loss and gradients of `hidden`, `weight` (and `bias`) after `loss * upstream` backward.
    static func lossAndGradients(_ hidden: Tensor, _ weight: Tensor, _ bias: Tensor?, upstream: Double = 1,
                                 _ loss: (Tensor, Tensor, Tensor?) -> Tensor) -> (Double, [Tensor]) {
        let inputs = [hidden, weight] + (bias.map { [$0] } ?? [])
        let leaves = inputs.map { $0.detach().clone().requiringGrad() }
        let value = loss(leaves[0], leaves[1], bias == nil ? nil : leaves[2])
        (value * upstream).backward()
        return (value.item(), leaves.map { $0.grad! })
    }

    static func expectSame(_ fused: (Double, [Tensor]), _ plain: (Double, [Tensor]), tolerance: Double,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        let ok = Swift.abs(fused.0 - plain.0) <= tolerance * (1 + Swift.abs(plain.0)) || (fused.0.isNaN && plain.0.isNaN)
        #expect(ok, "loss \(fused.0) vs \(plain.0)", sourceLocation: sourceLocation)
        #expect(fused.1.count == plain.1.count, sourceLocation: sourceLocation)
        for (a, b) in zip(fused.1, plain.1) {
            expectClose(a, b.scalars(as: Double.self), shape: b.shape, tolerance: tolerance, sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [false, true], [1, 3, 1 << 20])
    func equalsTheUnfusedLossInFloat64(withBias: Bool, chunkRows: Int) {
        let hidden = randomTensor([7, 5], seed: 1, low: -2, high: 2), weight = randomTensor([11, 5], seed: 2, low: -2, high: 2)
        let bias = withBias ? randomTensor([11], seed: 3) : nil
        for targets in [Self.maskedTargets, Tensor([3, 1, 0, 10, 5, 2, 7] as [Int64], shape: [7])] {
            let fused = Self.lossAndGradients(hidden, weight, bias, upstream: 2.5) {
                Tensor.linearCrossEntropy($0, weight: $1, bias: $2, targets: targets, chunkElements: chunkRows * 11)
            }
            let plain = Self.lossAndGradients(hidden, weight, bias, upstream: 2.5) {
                Tensor.crossEntropy(logits: Tensor.linear($0, weight: $1, bias: $2), targets: targets)
            }
            Self.expectSame(fused, plain, tolerance: 1e-12)
        }
    }

    @Test func equalsTheUnfusedLossInFloat32() {
        let hidden = randomTensor([2, 7, 64], seed: 4, dtype: .float32), weight = randomTensor([300, 64], seed: 5, dtype: .float32)
        let targets = Tensor([3, -100, 0, 299, 5, -100, 7, 1, 2, 3, 4, 5, 6, 8] as [Int32], shape: [2, 7])
        let fused = Self.lossAndGradients(hidden, weight, nil) { h, w, _ in
            Tensor.linearCrossEntropy(h, weight: w, targets: targets, chunkElements: 4 * 300)
        }
        let plain = Self.lossAndGradients(hidden, weight, nil) { h, w, _ in
            Tensor.crossEntropy(logits: Tensor.linear(h, weight: w), targets: targets)
        }
        Self.expectSame(fused, plain, tolerance: 1e-5)
    }

    @Test func gradcheckInFloat64() {
        let targets = Self.maskedTargets
        expectGradcheck([randomTensor([7, 5], seed: 6), randomTensor([11, 5], seed: 7), randomTensor([11], seed: 8)]) {
            Tensor.linearCrossEntropy($0[0], weight: $0[1], bias: $0[2], targets: targets, chunkElements: 2 * 11)
        }
    }

    /// A frozen weight gets no gradient and only the hidden states'; all targets ignored gives
    /// PyTorch's NaN and zero gradients.
    @Test func frozenWeightAndNoTargets() {
        let hidden = randomTensor([7, 5], seed: 9).requiringGrad(), weight = randomTensor([11, 5], seed: 10)
        let loss = Tensor.linearCrossEntropy(hidden, weight: weight, targets: Self.maskedTargets)
        loss.backward()
        #expect(weight.grad == nil)
        let plain = hidden.detach().clone().requiringGrad()
        Tensor.crossEntropy(logits: plain.matmul(weight.transposed()), targets: Self.maskedTargets).backward()
        expectClose(hidden.grad!, plain.grad!.scalars(as: Double.self), tolerance: 1e-12)

        let none = Tensor(Array(repeating: -100, count: 7) as [Int32], shape: [7])
        let empty = Tensor.linearCrossEntropy(hidden, weight: weight.requiringGrad(), targets: none)
        #expect(empty.item().isNaN)
        hidden.zeroGrad()
        empty.backward()
        #expect(hidden.grad!.scalars(as: Double.self).allSatisfy { $0 == 0 })
    }

    @Test func withoutGradModeOnlyTheLoss() {
        let hidden = randomTensor([7, 5], seed: 11).requiringGrad(), weight = randomTensor([11, 5], seed: 12).requiringGrad()
        let loss = withGradientsDisabled { Tensor.linearCrossEntropy(hidden, weight: weight, targets: Self.maskedTargets) }
        #expect(loss.gradFn == nil)
        let plain = Tensor.crossEntropy(logits: Tensor.linear(hidden, weight: weight), targets: Self.maskedTargets)
        #expect(Swift.abs(loss.item() - plain.item()) <= 1e-12)
    }
}
