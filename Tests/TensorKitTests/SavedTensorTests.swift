import Testing
@testable import TensorKit

/// A backward rule keeps only what its gradients read, given which inputs required a gradient
/// when the op ran: with a frozen weight (a LoRA step's base), the input of a linear map is
/// freed as soon as the forward moves on. Each test checks that an input nothing else holds is
/// gone after the forward, and that the gradients that remain are still right.
@Suite struct SavedTensorTests {
    /// Runs `use` on the tensor `make` returns and reports whether that tensor's storage is
    /// gone once the forward has returned (no rule kept it), with the output.
    private func forwardFreesInput(_ make: () -> Tensor, _ use: (Tensor) -> Tensor) -> (freed: Bool, output: Tensor) {
        weak var storage: Storage?
        let output: Tensor = {
            let input = make()
            storage = input.storage
            return use(input)
        }()
        return (storage == nil, output)
    }

    @Test func linearWithAFrozenWeightFreesItsInput() {
        let leaf = randomTensor([6, 5], seed: 1).requiringGrad()
        let weight = randomTensor([4, 5], seed: 2), bias = randomTensor([4], seed: 3).requiringGrad()
        let (freed, y) = forwardFreesInput({ leaf * 2 }) { Tensor.linear($0, weight: weight, bias: bias) }
        #expect(freed, "linear kept its input although its weight is frozen")
        y.sum().backward()
        // d(sum)/dx = ones · W, times the 2 of `leaf * 2`; the bias gets one per row.
        expectClose(leaf.grad!, (Tensor.ones([6, 4], dtype: .float64).matmul(weight) * 2).scalars(as: Double.self),
                    shape: [6, 5], tolerance: 1e-12)
        expectClose(bias.grad!, [Double](repeating: 6, count: 4), tolerance: 1e-12)
    }

    @Test func linearGradientsWithOneSideFrozen() {
        let x = randomTensor([2, 3, 5], seed: 4), w = randomTensor([4, 5], seed: 5), b = randomTensor([4], seed: 6)
        expectGradcheck([x]) { Tensor.linear($0[0], weight: w, bias: b).tanh() }
        expectGradcheck([w]) { Tensor.linear(x, weight: $0[0]).tanh() }
        expectGradcheck([b]) { Tensor.linear(x, weight: w, bias: $0[0]).tanh() }
    }

    @Test func stackedLinearWithFrozenWeightsFreesItsInput() {
        let leaf = randomTensor([6, 5], seed: 7).requiringGrad()
        let weights = [randomTensor([3, 5], seed: 8), randomTensor([2, 5], seed: 9)]
        let (freed, y) = forwardFreesInput({ leaf * 2 }) { Tensor.linear($0, weights: weights, biases: [nil, nil]) }
        #expect(freed, "linear(weights:) kept its input although its weights are frozen")
        y.sum().backward()
        let stacked = Tensor.concat(weights, axis: 0)
        expectClose(leaf.grad!, (Tensor.ones([6, 5], dtype: .float64).matmul(stacked) * 2).scalars(as: Double.self),
                    shape: [6, 5], tolerance: 1e-12)
    }

    @Test func stackedLinearGradientsWithSomeWeightsFrozen() {
        let x = randomTensor([4, 5], seed: 10)
        let (w0, w1) = (randomTensor([3, 5], seed: 11), randomTensor([2, 5], seed: 12))
        let (b0, b1) = (randomTensor([3], seed: 13), randomTensor([2], seed: 14))
        expectGradcheck([x]) { Tensor.linear($0[0], weights: [w0, w1], biases: [b0, b1]).tanh() }
        expectGradcheck([x, w1, b0]) { Tensor.linear($0[0], weights: [w0, $0[1]], biases: [$0[2], b1]).tanh() }
        expectGradcheck([w0, w1]) { Tensor.linear(x, weights: [$0[0], $0[1]], biases: [nil, nil]).tanh() }
    }

    @Test func quantizedLinearFreesItsInput() {
        let weight = QuantizedTensor(quantizing: randomTensor([4, 64], seed: 15, dtype: .float32), as: .q8_0)
        let leaf = randomTensor([3, 64], seed: 16, dtype: .float32).requiringGrad()
        let (freed, y) = forwardFreesInput({ leaf * 2 }) { Tensor.quantizedLinear($0, weight: weight) }
        #expect(freed, "quantizedLinear kept its input, which its backward never reads")
        y.sum().backward()
        expectClose(leaf.grad!, (Tensor.ones([3, 4]).matmul(weight.dequantized()) * 2).scalars(as: Double.self),
                    shape: [3, 64], tolerance: 1e-4)
    }

    @Test func matmulWithAFrozenRightOperandFreesTheLeftOne() {
        let leaf = randomTensor([2, 3, 4], seed: 17).requiringGrad()
        let right = randomTensor([4, 5], seed: 18)
        let (freed, y) = forwardFreesInput({ leaf * 2 }) { $0.matmul(right) }
        #expect(freed, "matmul kept its left operand although the right one needs no gradient")
        y.sum().backward()
        expectClose(leaf.grad!, (Tensor.ones([2, 3, 5], dtype: .float64).matmul(right.transposed()) * 2).scalars(as: Double.self),
                    shape: [2, 3, 4], tolerance: 1e-12)
        let a = randomTensor([2, 3, 4], seed: 19), b = randomTensor([4, 5], seed: 20)
        expectGradcheck([a]) { $0[0].matmul(b).tanh() }
        expectGradcheck([b]) { a.matmul($0[0]).tanh() }
    }

    @Test func productWithAConstantFreesTheOtherFactor() {
        let leaf = randomTensor([3, 4], seed: 21).requiringGrad()
        let table = randomTensor([4], seed: 22)
        let (freed, y) = forwardFreesInput({ leaf * 2 }) { $0 * table }
        #expect(freed, "mul kept a factor only the other factor's gradient reads")
        y.sum().backward()
        let expected = (0..<12).map { 2 * table.scalars(as: Double.self)[$0 % 4] }
        expectClose(leaf.grad!, expected, shape: [3, 4], tolerance: 1e-12)
        let (a, b) = (randomTensor([3, 4], seed: 23), randomTensor([4], seed: 24, low: 0.5, high: 1.5))
        expectGradcheck([a]) { ($0[0] * b).tanh() }
        expectGradcheck([b]) { (a * $0[0]).tanh() }
        expectGradcheck([a]) { ($0[0] / b).tanh() }
        expectGradcheck([b]) { (a / $0[0]).tanh() }
    }

    @Test func residualLayerNormFreesItsAddends() {
        let leaf = randomTensor([3, 8], seed: 26).requiringGrad()
        let residual = randomTensor([3, 8], seed: 27), weights = randomTensor([3, 8], seed: 28)
        let (freed, y) = forwardFreesInput({ leaf * 2 }) { Tensor.layerNorm($0, residual: residual) }
        #expect(freed, "layerNorm(residual:) kept an addend; its backward reads only the sum")
        (y * weights).sum().backward()
        let direct = gradients(of: (Tensor.layerNorm(leaf * 2 + residual) * weights).sum(), wrt: [leaf])[0]
        expectClose(leaf.grad!, direct.scalars(as: Double.self), shape: [3, 8], tolerance: 1e-12)
    }

    @Test func concatFreesItsParts() {
        let leaf = randomTensor([2, 3], seed: 25).requiringGrad()
        let (freed, y) = forwardFreesInput({ leaf * 2 }) { Tensor.concat([$0, $0 * 3], axis: 1) }
        #expect(freed, "concat kept its parts, which its backward never reads")
        y.sum().backward()
        expectClose(leaf.grad!, [Double](repeating: 8, count: 6), shape: [2, 3], tolerance: 1e-12)
    }
}
