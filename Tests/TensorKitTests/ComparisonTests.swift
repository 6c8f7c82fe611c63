import Foundation
import Testing
@testable import TensorKit

@Suite struct ComparisonTests {
    private func bools(_ t: Tensor) -> [Bool] {
        #expect(t.dtype == .bool)
        return t.scalars(as: Bool.self)
    }

    @Test func floatComparisonsMatchFixture() {
        let fixture = ElementwiseFixture.shared
        let relations: [Comparison] = [.equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual]
        for dtype in [DType.float32, .float64] {
            for arrangement in ElementwiseFixture.Arrangement.allCases {
                let x = fixture.tensor("x", dtype: dtype, arrangement)
                let row = fixture.tensor("row", dtype: dtype, arrangement)
                for relation in relations {
                    let expected = fixture.comparisons[relation.rawValue]!.map { $0 != 0 }
                    let result = x.compare(row, relation)
                    #expect(result.shape == [3, 4])
                    #expect(bools(result) == expected, "\(relation) \(dtype) \(arrangement)")
                }
                #expect(bools(x.less(row)) == bools(row.greater(x)))
            }
        }
    }

    @Test(arguments: [DType.float32, .float64, .int32, .int64])
    func handWorkedComparisons(dtype: DType) {
        let a = Tensor([1, 5, 3, -2, 0, 7] as [Double], shape: [2, 3]).cast(to: dtype)
        let b = Tensor([2, 5, 1] as [Double]).cast(to: dtype)
        #expect(bools(a.equal(b)) == [false, true, false, false, false, false])
        #expect(bools(a.notEqual(b)) == [true, false, true, true, true, true])
        #expect(bools(a.less(b)) == [true, false, false, true, true, false])
        #expect(bools(a.lessEqual(b)) == [true, true, false, true, true, false])
        #expect(bools(a.greater(b)) == [false, false, true, false, false, true])
        #expect(bools(a.greaterEqual(b)) == [false, true, true, false, false, true])
        // Scalars convert to the tensor's dtype.
        #expect(bools(a.equal(5)) == [false, true, false, false, false, false])
        #expect(bools(a.greater(0)) == [true, true, true, false, false, true])
        // Non-contiguous operands.
        let t = a.transposed()
        #expect(bools(t.less(Tensor([2, 0] as [Double]).cast(to: dtype))) == [true, true, false, false, false, false])
        #expect(bools(t.greaterEqual(3)) == [false, false, true, false, true, true])
    }

    @Test func integerTensorsAgainstNonIntegralScalars() {
        let ids = Tensor([1, 2, 3] as [Int32])
        #expect(bools(ids.less(2.5)) == [true, true, false])
        #expect(bools(ids.equal(2.5)) == [false, false, false])
        #expect(bools(ids.greater(-1e12)) == [true, true, true])
        let big = Tensor([Int64.max, 0] as [Int64])
        #expect(bools(big.less(1e30)) == [true, true])
        #expect(bools(big.equal(0)) == [false, true])
    }

    @Test func floatEdgeCases() {
        let x = Tensor([.nan, 0.1, -0.0, .infinity] as [Float])
        #expect(bools(x.equal(x)) == [false, true, true, true])
        #expect(bools(x.notEqual(x)) == [true, false, false, false])
        #expect(bools(x.less(1)) == [false, true, true, false])
        // 0.1 converts to the same float32 value.
        #expect(bools(x.equal(0.1)) == [false, true, false, false])
        #expect(bools(x.equal(0)) == [false, false, true, false])
    }

    @Test func logicalOps() {
        let p = Tensor([true, true, false, false], shape: [2, 2])
        let q = Tensor([true, false, true, false], shape: [2, 2])
        #expect(bools(p.logicalAnd(q)) == [true, false, false, false])
        #expect(bools(p.logicalOr(q)) == [true, true, true, false])
        #expect(bools(p.logicalXor(q)) == [false, true, true, false])
        #expect(bools(p.logicalNot()) == [false, false, true, true])
        #expect(bools(p.transposed().logicalNot()) == [false, true, false, true])
        #expect(bools(p.logicalAnd(Tensor([false, true]))) == [false, true, false, false])
        #expect(bools(p.equal(q)) == [true, false, false, true])
        #expect(bools(p.notEqual(1)) == [false, false, true, true])
        // Masks built from comparisons combine.
        let x = Tensor([-2, -0.5, 0.5, 2] as [Double])
        #expect(bools(x.greater(-1).logicalAnd(x.less(1))) == [false, true, true, false])
    }

    @Test(arguments: [DType.float32, .float64])
    func whereMatchesFixture(dtype: DType) {
        let fixture = ElementwiseFixture.shared
        let weights = fixture.tensor("weights", dtype: dtype)
        for arrangement in ElementwiseFixture.Arrangement.allCases {
            let x = fixture.tensor("x", dtype: dtype, arrangement).requiringGrad()
            let row = fixture.tensor("row", dtype: dtype, arrangement).requiringGrad()
            let out = Tensor.where(x.greater(0), x, row)
            expectClose(out, fixture.where.output, shape: [3, 4], tolerance: 1e-7)
            let grads = gradients(of: (out * weights).sum(), wrt: [x, row])
            expectClose(grads[0], fixture.where.grads[0], tolerance: 1e-7)
            expectClose(grads[1], fixture.where.grads[1], tolerance: 1e-7)
        }
    }

    @Test func whereHandWorked() {
        let c = Tensor([true, false, true], shape: [3, 1])
        let a = Tensor([1, 2] as [Double])
        let b = Tensor([10, 20, 30, 40, 50, 60] as [Double], shape: [3, 2])
        expectClose(Tensor.where(c, a, b), [1, 2, 30, 40, 1, 2], shape: [3, 2])
        expectClose(Tensor.where(c, a, 0), [1, 2, 0, 0, 1, 2], shape: [3, 2])
        expectClose(Tensor.where(c, -1, b.transposed().contiguous().transposed()), [-1, -1, 30, 40, -1, -1])
        // Integer tensors select too (e.g. replacing ignored labels).
        let labels = Tensor([3, -100, 1] as [Int64])
        let kept = Tensor.where(labels.equal(-100), Tensor(scalar: 0, dtype: .int64), labels)
        #expect(kept.scalars(as: Int64.self) == [3, 0, 1])
    }

    @Test func gradcheckWhere() {
        let c = Tensor([true, false, true], shape: [3, 1])
        let a = randomTensor([4], seed: 41)
        let b = randomTensor([4, 3], seed: 42).transposed()
        expectGradcheck([a, b]) { Tensor.where(c, $0[0], $0[1]) }
        expectGradcheck([b]) { Tensor.where(c, 0.5, $0[0]) }
        // A mask computed from the input itself (piecewise function, away from the switch).
        expectGradcheck([randomTensor([3, 4], seed: 43)]) { x in Tensor.where(x[0].greater(0.05), x[0].exp(), x[0] * 3) }
    }

    @Test(arguments: [DType.float32, .float64])
    func maskedFill(dtype: DType) {
        let x = Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3]).cast(to: dtype)
        let causal = Tensor([false, true, true, false, false, true, false, false, false], shape: [3, 3])
        expectClose(x.maskedFill(Tensor([true, false, true]), value: -1), [-1, 2, -1, -1, 5, -1], shape: [2, 3])
        expectClose(x.transposed().maskedFill(Tensor([false, true], shape: [1, 2]), value: 0), [1, 0, 2, 0, 3, 0], shape: [3, 2])
        let scores = Tensor.zeros([3, 3], dtype: dtype).maskedFill(causal, value: -.infinity)
        #expect(scores.scalars(as: Double.self) == [0, -.infinity, -.infinity, 0, 0, -.infinity, 0, 0, 0])
        #expect(Tensor([1, 2] as [Int32]).maskedFill(Tensor([true, false]), value: 7).scalars(as: Int32.self) == [7, 2])
    }

    @Test func gradcheckMaskedFill() {
        let mask = Tensor([true, false, false, true], shape: [1, 4])
        expectGradcheck([randomTensor([4, 3], seed: 51).transposed()]) { $0[0].maskedFill(mask, value: 2) }
        let x = randomTensor([3, 4], seed: 52).requiringGrad()
        expectClose(gradients(of: x.maskedFill(mask, value: 9).sum(), wrt: [x])[0],
                    [0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0])
    }

    @Test func comparisonDtypesMustMatch() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1, 2] as [Float]).less(Tensor([1, 2] as [Double]))
        }.map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("less: dtypes float32 and float64 differ (shapes [2] and [2]); cast one operand first"))
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor([1, 2] as [Int32]).equal(Tensor([1, 2] as [Int64]))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.where(Tensor([1, 0] as [Float]), Tensor([1, 2] as [Float]), Tensor([3, 4] as [Float]))
        }.map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("where: condition must be a bool tensor, got float32 (shape [2])"))
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor([1, 2] as [Float]).maskedFill(Tensor([true, false, true]), value: 0)
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1, 2] as [Int32]).maskedFill(Tensor([true, false]), value: -.infinity)
        }.map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("maskedFill: value -inf is not an int32"))
        }
    }
}
