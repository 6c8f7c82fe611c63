import Foundation
import Testing
@testable import TensorKit

nonisolated(unsafe) private let clipping: [String: Any] = {
    let data = try! Data(contentsOf: fixtureURL("optimizers.json"))
    let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    return root["clipping"] as! [String: Any]
}()

@Suite struct ClippingTests {
    private func parameters(_ dtype: DType) -> [Tensor] {
        let shapes = clipping["shapes"] as! [[Int]]
        let gradients = (clipping["gradients"] as! [[NSNumber]]).map { $0.map(\.doubleValue) }
        return zip(shapes, gradients).map { shape, values in
            let p = Tensor.zeros(shape, dtype: dtype).requiringGrad()
            p.grad = Tensor(values, shape: shape).cast(to: dtype)
            return p
        }
    }

    @Test func clipNormMatchesTorch() {
        for case let item as [String: Any] in clipping["cases"] as! [Any] {
            let dtype: DType = item["dtype"] as! String == "float32" ? .float32 : .float64
            let normType = (item["normType"] as? NSNumber)?.doubleValue ?? .infinity
            let maxNorm = (item["maxNorm"] as! NSNumber).doubleValue
            let params = parameters(dtype)
            let total = clipGradientNorm(params, maxNorm: maxNorm, normType: normType)
            let expectedTotal = (item["totalNorm"] as! NSNumber).doubleValue
            let label = "\(dtype) p=\(normType) max=\(maxNorm)"
            #expect(abs(total - expectedTotal) <= 1e-6 * expectedTotal, "\(label): norm \(total) vs \(expectedTotal)")
            for (p, expected) in zip(params, item["clipped"] as! [[NSNumber]]) {
                expectClose(p.grad!, expected.map(\.doubleValue), tolerance: 1e-6)
            }
        }
    }

    @Test func clipNormHandWorked() {
        // A 3-4-5 triangle: norm 5, scaled to 1 by 1 / (5 + 1e-6).
        let p = Tensor([0, 0] as [Double]).requiringGrad()
        p.grad = Tensor([3, 4] as [Double])
        let frozen = Tensor([1] as [Double])
        #expect(clipGradientNorm([p, frozen], maxNorm: 1) == 5)
        expectClose(p.grad!, [3 / (5 + 1e-6), 4 / (5 + 1e-6)], tolerance: 1e-15)
        #expect(frozen.grad == nil)
        #expect(clipGradientNorm([], maxNorm: 1) == 0)
        // A NaN norm is returned and reaches the gradients, as in PyTorch.
        p.grad = Tensor([Double.nan, 1])
        #expect(clipGradientNorm([p], maxNorm: 1).isNaN)
        #expect(p.grad!.scalars(as: Double.self).allSatisfy { $0.isNaN })
    }

    @Test func clipNormOnNonContiguousGradient() {
        let p = Tensor.zeros([3, 2], dtype: .float64).requiringGrad()
        p.grad = Tensor([3, 0, 0, 4, 0, 0] as [Double], shape: [2, 3]).transposed()
        #expect(clipGradientNorm([p], maxNorm: 2.5) == 5)
        expectClose(p.grad!, [3, 4, 0, 0, 0, 0].map { $0 * 2.5 / (5 + 1e-6) }, shape: [3, 2], tolerance: 1e-15)
    }

    @Test func clipValueClampsEveryElement() {
        let a = Tensor.zeros([2, 2]).requiringGrad(), b = Tensor.zeros([3], dtype: .float64).requiringGrad()
        a.grad = Tensor([-3, 0.5, 2, -0.1] as [Float], shape: [2, 2])
        b.grad = Tensor([1, -1, 0.99] as [Double])
        clipGradientValue([a, b], maxValue: 0.9)
        #expect(a.grad!.scalars(as: Float.self) == [-0.9, 0.5, 0.9, -0.1])
        #expect(b.grad!.scalars(as: Double.self) == [0.9, -0.9, 0.9])
    }

    @Test func clipNormRejectsNonPositiveNormType() async {
        await #expect(processExitsWith: .failure) {
            let p = Tensor([1] as [Float]).requiringGrad()
            p.grad = Tensor([1] as [Float])
            _ = clipGradientNorm([p], maxNorm: 1, normType: 0)
        }
    }
}
