import Foundation
import Testing
@testable import TensorKit

@Suite struct SoftmaxTests {
    @Test(arguments: [DType.float64, .float32])
    func matchesFixture(dtype: DType) throws {
        let (cases, input) = try loadReductionFixture()
        let tolerance = dtype == .float64 ? 1e-12 : 1e-5
        var checked = 0
        for c in cases where c.op == "softmax" || c.op == "logSoftmax" {
            let x = input(c.view, dtype)
            let axis = c.axes![0]
            let result = c.op == "softmax" ? x.softmax(axis: axis) : x.logSoftmax(axis: axis)
            #expect(result.dtype == dtype && result.shape == c.shape, "\(c.op) \(c.view) axis \(axis)")
            expectClose(result, c.values, tolerance: tolerance)
            checked += 1
        }
        #expect(checked == 24)
    }

    @Test(arguments: [DType.float64, .float32])
    func handWorkedAndLargeLogits(dtype: DType) {
        let expected = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]
        let tolerance = dtype == .float64 ? 1e-14 : 1e-6
        expectClose(Tensor([1, 2, 3] as [Double]).cast(to: dtype).softmax(), expected, tolerance: tolerance)
        expectClose(Tensor([1, 2, 3] as [Double]).cast(to: dtype).logSoftmax(), expected.map { log($0) },
                    tolerance: tolerance)
        // Shifting the logits changes nothing, however large they are.
        let large = Tensor([1000, 1001, 1002, -1000, -999, -998] as [Double], shape: [2, 3]).cast(to: dtype)
        let probabilities = large.softmax(axis: 1)
        expectClose(probabilities, expected + expected, tolerance: tolerance)
        #expect(probabilities.scalars(as: Double.self).allSatisfy { $0.isFinite })
        // x − lse loses the digits of lse ≈ 1002 below its ulp, as in any framework.
        expectClose(large.logSoftmax(axis: -1), (expected + expected).map { log($0) }, tolerance: 100 * tolerance)
        // exp(-1000) underflows; log-softmax stays exact where softmax rounds to 0.
        let far = Tensor([0, -1000] as [Double]).cast(to: dtype)
        expectClose(far.softmax(), [1, 0], tolerance: 0)
        expectClose(far.logSoftmax(), [0, -1000], tolerance: tolerance)
        // Along the first axis of a 2 x 2 matrix, and of a rank-0 tensor.
        expectClose(Tensor([0, 0, log(3.0), 0] as [Double], shape: [2, 2]).cast(to: dtype).softmax(axis: 0),
                    [0.25, 0.5, 0.75, 0.5], tolerance: tolerance)
        expectClose(Tensor(scalar: 5.0, dtype: dtype).softmax(), [1], shape: [], tolerance: 0)
        // Masked (−∞) logits get exactly 0, along rows and along columns.
        let partlyMasked = Tensor([0, -.infinity, 0, 2, -.infinity, 2] as [Double], shape: [3, 2]).cast(to: dtype)
        expectClose(partlyMasked.transposed().softmax(axis: 1), [0.5, 0.5, 0, 0, 0.5, 0.5], tolerance: tolerance)
        expectClose(partlyMasked.softmax(axis: 0), [0.5, 0, 0.5, 0.5, 0, 0.5], tolerance: tolerance)
        let logs = partlyMasked.logSoftmax(axis: 0).scalars(as: Double.self)
        #expect(logs[1] == -.infinity && logs[4] == -.infinity)
        // A fully masked row is NaN, as in PyTorch.
        let masked = Tensor([-.infinity, -.infinity] as [Double]).cast(to: dtype)
        #expect(masked.softmax().scalars(as: Double.self).allSatisfy { $0.isNaN })
    }

    @Test func threadedRowsMatchPlainLoops() {
        let rows = 96, n = 700
        let x = randomTensor([rows, n], seed: 21, low: -8, high: 8)
        let values = x.scalars(as: Double.self)
        var reference = [Double]()
        for r in 0..<rows {
            let row = values[(r * n)..<((r + 1) * n)]
            let m = row.max()!
            let total = row.reduce(0) { $0 + exp($1 - m) }
            reference += row.map { exp($0 - m) / total }
        }
        expectClose(x.softmax(), reference, tolerance: 1e-12)
        expectClose(x.logSoftmax(), reference.map { log($0) }, tolerance: 1e-12)
        // The same along axis 0 of the transposed matrix.
        expectClose(x.transposed().softmax(axis: 0).transposed(), reference, tolerance: 1e-12)
        let f = x.cast(to: .float32).softmax()
        expectClose(f, reference, tolerance: 1e-5)
        expectClose(f.sum(axes: [1]), [Double](repeating: 1, count: rows), tolerance: 1e-5)
    }

    @Test func float32AgreesWithFloat64OverAWideRange() {
        // Logit gaps up to 200 reach exp's underflow range (subnormal and zero results).
        // Rounded to float32 first, so the comparison measures the kernels, not the inputs.
        let x = randomTensor([8, 64, 6], seed: 13, low: -100, high: 100).cast(to: .float32).cast(to: .float64)
        for axis in [0, 1, 2] {
            let reference = x.softmax(axis: axis).scalars(as: Double.self)
            let single = x.cast(to: .float32).softmax(axis: axis).scalars(as: Double.self)
            let worst = zip(reference, single).map { abs($0 - $1) / (1e-30 + abs($0)) }
            // Relative error is float32-sized wherever the probability is a normal float.
            let normal = zip(reference, worst).filter { $0.0 > 1e-30 }.map(\.1).max() ?? 0
            #expect(normal < 1e-5, "axis \(axis): worst relative error \(normal)")
            let logReference = x.logSoftmax(axis: axis).scalars(as: Double.self)
            let logSingle = x.cast(to: .float32).logSoftmax(axis: axis).scalars(as: Double.self)
            // x − lse with |lse| up to 100 carries lse's float32 rounding, about 100 · 6e-8.
            let logWorst = zip(logReference, logSingle).map { abs($0 - $1) }.max()!
            #expect(logWorst < 2e-5, "axis \(axis): worst log-softmax error \(logWorst)")
        }
    }

    @Test func vectorisableExpIsAccurate() {
        #expect(VectorMath.exp(0) == 1)
        #expect(VectorMath.exp(-.infinity) == 0 && VectorMath.exp(-104) == 0)
        #expect(VectorMath.exp(.infinity) == .infinity && VectorMath.exp(89) == .infinity)
        #expect(VectorMath.exp(.nan).isNaN)
        #expect(VectorMath.exp(88.5).isFinite)
        var worst = 0.0
        for i in 0...20_000 {
            let x = Float(-87 + 175 * Double(i) / 20_000)
            let exact = Foundation.exp(Double(x))
            worst = Swift.max(worst, abs(Double(VectorMath.exp(x)) - exact) / exact)
        }
        #expect(worst < 2.5e-7, "worst relative error \(worst)")
        // Subnormal results keep a sensible absolute accuracy.
        #expect(abs(Double(VectorMath.exp(-100)) - Foundation.exp(-100.0)) < 1e-45)
    }

    @Test func gradients() {
        let a = randomTensor([3, 4, 5], seed: 8)
        let t = randomTensor([5, 4], seed: 9).transposed()                        // non-contiguous [4, 5]
        let s = randomTensor([4, 8], seed: 10).slice(axis: 1, 1..<8, step: 2)     // non-contiguous [4, 4]
        let b = randomTensor([1, 5], seed: 11)
        for axis in [0, 1, 2, -1] {
            expectGradcheck([a]) { $0[0].softmax(axis: axis) }
            expectGradcheck([a]) { $0[0].logSoftmax(axis: axis) }
        }
        for axis in [0, 1] {
            expectGradcheck([t]) { $0[0].softmax(axis: axis) }
            expectGradcheck([t]) { $0[0].logSoftmax(axis: axis) }
            expectGradcheck([s]) { $0[0].softmax(axis: axis) }
            expectGradcheck([s]) { $0[0].logSoftmax(axis: axis) }
        }
        // Broadcast inputs, and an output gradient with stride 0 (from the sum).
        expectGradcheck([t, b]) { ($0[0] * $0[1]).softmax(axis: 0) }
        expectGradcheck([t, b]) { ($0[0] - $0[1]).logSoftmax(axis: -1).sum(axes: [1]) }
        expectGradcheck([a]) { $0[0].softmax(axis: 1).sum(axes: [0]) * $0[0].select(axis: 0, index: 0) }
        // Large logits keep finite gradients.
        let large = (randomTensor([2, 3], seed: 12) + 1000).detach()
        let leaf = large.requiringGrad()
        (leaf.logSoftmax() * Tensor([1, 0, 0, 0, 1, 0] as [Double], shape: [2, 3])).sum().backward()
        #expect(leaf.grad!.scalars(as: Double.self).allSatisfy { $0.isFinite })
    }

    @Test func badAxisStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).softmax(axis: 2)
        }
        #if DEBUG
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("softmax: axis 2 is out of range for a tensor of rank 2"))
        #endif
        await #expect(processExitsWith: .failure) { _ = Tensor.zeros([2, 3], dtype: .int32).logSoftmax() }
    }
}
