import Foundation
import Testing
@testable import TensorKit

@Suite struct MatmulTests {
    // MARK: Forward values

    @Test(arguments: [DType.float32, .float64])
    func handWorkedProducts(dtype: DType) {
        let a = Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3]).cast(to: dtype)
        let b = Tensor([7, 8, 9, 10, 11, 12] as [Double], shape: [3, 2]).cast(to: dtype)
        let c = a.matmul(b)
        #expect(c.dtype == dtype)
        expectClose(c, [58, 64, 139, 154], shape: [2, 2])
        let u = Tensor([1, 2, 3] as [Double]).cast(to: dtype)
        let v = Tensor([4, 5, 6] as [Double]).cast(to: dtype)
        expectClose(u.matmul(v), [32], shape: [])
        expectClose(a.matmul(Tensor([1, 0, -1] as [Double]).cast(to: dtype)), [-2, -2], shape: [2])
        expectClose(Tensor([1, 1] as [Double]).cast(to: dtype).matmul(a), [5, 7, 9], shape: [3])
        // aᵀ through the transpose flag: [[1,4],[2,5],[3,6]] · [[1],[1]]
        expectClose(a.transposed().matmul(Tensor.ones([2, 1], dtype: dtype)), [5, 7, 9], shape: [3, 1])
    }

    @Test(arguments: [DType.float32, .float64])
    func matchesNumpyFixture(dtype: DType) throws {
        let data = try Data(contentsOf: fixtureURL("matmul.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(root["cases"] as? [[String: Any]])
        #expect(cases.count == 13)
        let tolerance = dtype == .float64 ? 1e-12 : 1e-5
        for entry in cases {
            let name = entry["name"] as? String ?? "?"
            func operand(_ key: String) throws -> Tensor {
                let values = try #require(entry[key] as? [Double], "\(name).\(key)")
                let shape = try #require(entry["\(key)_shape"] as? [Int], "\(name).\(key)_shape")
                let stored = Tensor(values, shape: shape).cast(to: dtype)
                return entry["transpose_\(key)"] as? Bool == true ? stored.transposed() : stored
            }
            let expected = try #require(entry["out"] as? [Double])
            let shape = try #require(entry["out_shape"] as? [Int])
            let result = try operand("a").matmul(try operand("b"))
            #expect(result.shape == shape, "\(name)")
            expectClose(result, expected, shape: shape, tolerance: tolerance)
        }
    }

    @Test func transposedAndSlicedInputsMatchContiguousCopies() {
        let base = randomTensor([6, 8], seed: 1)
        let w = randomTensor([5, 4], seed: 2)
        let cases: [(Tensor, Tensor)] = [
            (base.slice(axis: 1, 0..<8, step: 2), w.transposed()),          // column step 2: copied
            (base.slice(axis: 0, 1..<5), randomTensor([8, 3], seed: 3)),    // row slice: leading dim 8
            (base.transposed(), randomTensor([6, 2], seed: 4)),             // transpose flag
            (base.transposed().slice(axis: 0, 0..<8, step: 3), randomTensor([6, 2], seed: 5)),
            (Tensor.ones([1, 6], dtype: .float64).expand(to: [3, 6]), base), // stride-0 rows: copied
        ]
        for (a, b) in cases {
            let expected = a.contiguous().matmul(b.contiguous()).scalars(as: Double.self)
            expectClose(a.matmul(b), expected, tolerance: 1e-12)
            let a32 = a.cast(to: .float32), b32 = b.cast(to: .float32)
            expectClose(a32.matmul(b32), expected, tolerance: 1e-5)
        }
    }

    @Test func blasOperandsReadViewsWithoutCopies() {
        let x = Tensor.zeros([6, 8], dtype: .float64)
        #expect(GEMM.operand(x.layout) == GEMM.Operand(transpose: false, leadingDimension: 8))
        #expect(GEMM.operand(x.transposed().layout) == GEMM.Operand(transpose: true, leadingDimension: 8))
        #expect(GEMM.operand(x.slice(axis: 1, 2..<5).layout) == GEMM.Operand(transpose: false, leadingDimension: 8))
        #expect(GEMM.operand(x.slice(axis: 1, 0..<8, step: 2).layout) == nil)
        #expect(GEMM.operand(Tensor.zeros([1, 4]).expand(to: [3, 4]).layout) == nil)
        // A single row or column imposes no stride along its length-1 axis.
        #expect(GEMM.operand(x.slice(axis: 0, 0..<6, step: 2).select(axis: 0, index: 1).unsqueezed(axis: 0).layout)
                == GEMM.Operand(transpose: false, leadingDimension: 8))
        #expect(GEMM.operand(x.slice(axis: 1, 3..<4).layout) == GEMM.Operand(transpose: false, leadingDimension: 8))
    }

    @Test func broadcastBatchesMatchPerMatrixProducts() {
        let pairs: [(Tensor, Tensor)] = [
            (randomTensor([2, 1, 3, 4], seed: 1), randomTensor([3, 4, 2], seed: 2)),
            (randomTensor([2, 3, 4, 5], seed: 3), randomTensor([5, 2], seed: 4)),                // folds into M
            (randomTensor([2, 3, 4, 5], seed: 5), randomTensor([2, 5], seed: 6).transposed()),   // folds, transB
            (randomTensor([5, 3, 4], seed: 7).permute(2, 1, 0), randomTensor([5, 2], seed: 8)),  // tall Aᵀ fold
            (randomTensor([3, 4], seed: 9), randomTensor([2, 4, 5], seed: 10)),
            (randomTensor([2, 3, 4], seed: 11), randomTensor([1, 4, 5], seed: 12)),
            (randomTensor([2, 4, 3], seed: 13).transposed(), randomTensor([2, 5, 4], seed: 14).transposed()),
        ]
        for (a, b) in pairs {
            let c = a.matmul(b)
            let batch = Shape.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))!
            let m = a.shape[a.rank - 2], n = b.shape[b.rank - 1]
            #expect(c.shape == batch + [m, n])
            let ea = a.expand(to: batch + Array(a.shape.suffix(2))).reshape([-1] + Array(a.shape.suffix(2)))
            let eb = b.expand(to: batch + Array(b.shape.suffix(2))).reshape([-1] + Array(b.shape.suffix(2)))
            let flat = c.reshape([-1, m, n])
            for i in 0..<flat.shape[0] {
                let expected = naiveProduct(ea[i], eb[i])
                expectClose(flat[i], expected, tolerance: 1e-12)
            }
        }
    }

    @Test func emptyAxes() {
        expectClose(Tensor.zeros([0, 3]).matmul(Tensor.zeros([3, 2])), [], shape: [0, 2])
        expectClose(Tensor.ones([2, 0], dtype: .float64).matmul(Tensor.ones([0, 3], dtype: .float64)),
                    [0, 0, 0, 0, 0, 0], shape: [2, 3])
        expectClose(Tensor.zeros([0, 2, 3]).matmul(Tensor.zeros([3, 4])), [], shape: [0, 2, 4])
    }

    // MARK: Gradients

    @Test func gradcheckMatrices() {
        expectGradcheck([randomTensor([3, 4], seed: 1), randomTensor([4, 2], seed: 2)]) { $0[0].matmul($0[1]) }
        expectGradcheck([randomTensor([4, 3], seed: 3).transposed(), randomTensor([2, 4], seed: 4).transposed()]) {
            $0[0].matmul($0[1])
        }
        expectGradcheck([randomTensor([3, 8], seed: 5).slice(axis: 1, 0..<8, step: 2), randomTensor([4, 2], seed: 6)]) {
            $0[0].matmul($0[1])
        }
    }

    @Test func gradcheckVectors() {
        expectGradcheck([randomTensor([4], seed: 1), randomTensor([4], seed: 2)]) { $0[0].matmul($0[1]) }
        expectGradcheck([randomTensor([4], seed: 3), randomTensor([4, 3], seed: 4)]) { $0[0].matmul($0[1]) }
        expectGradcheck([randomTensor([3, 4], seed: 5), randomTensor([4], seed: 6)]) { $0[0].matmul($0[1]) }
        expectGradcheck([randomTensor([4], seed: 7), randomTensor([2, 4, 3], seed: 8)]) { $0[0].matmul($0[1]) }
        expectGradcheck([randomTensor([2, 3, 4], seed: 9), randomTensor([4], seed: 10)]) { $0[0].matmul($0[1]) }
    }

    @Test func gradcheckBroadcastBatches() {
        expectGradcheck([randomTensor([2, 1, 3, 4], seed: 1), randomTensor([3, 4, 2], seed: 2)]) { $0[0].matmul($0[1]) }
        // Shared right operand: forward folds the batch into M, backward stacks it into K.
        expectGradcheck([randomTensor([2, 3, 4], seed: 3), randomTensor([5, 4], seed: 4).transposed()]) {
            $0[0].matmul($0[1])
        }
        expectGradcheck([randomTensor([3, 4], seed: 5), randomTensor([2, 4, 5], seed: 6)]) { $0[0].matmul($0[1]) }
        expectGradcheck([randomTensor([2, 4, 3], seed: 7).transposed(), randomTensor([1, 4, 2], seed: 8)]) {
            $0[0].matmul($0[1])
        }
    }

    @Test func float32GradientsMatchFloat64() {
        let a = randomTensor([2, 3, 4], seed: 1), b = randomTensor([4, 5], seed: 2)
        let g64 = gradients(of: a.requiringGrad().matmul(b.requiringGrad()).sum(), wrt: [a, b])
        let a32 = a.cast(to: .float32).requiringGrad(), b32 = b.cast(to: .float32).requiringGrad()
        let g32 = gradients(of: a32.matmul(b32).sum(), wrt: [a32, b32])
        #expect(g32[0].dtype == .float32 && g32[1].shape == [4, 5])
        expectClose(g32[0], g64[0].scalars(as: Double.self), tolerance: 1e-5)
        expectClose(g32[1], g64[1].scalars(as: Double.self), tolerance: 1e-5)
    }

    // MARK: Errors

    @Test func incompatibleShapesStop() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("matmul: shapes [2, 3] and [4, 5] are not compatible"))
        await #expect(processExitsWith: .failure) {
            _ = Tensor.zeros([2, 2, 3]).matmul(Tensor.zeros([3, 3, 2]))
        }
    }

    /// Triple loop in Double over `[m, k]` and `[k, n]` (views allowed).
    private func naiveProduct(_ a: Tensor, _ b: Tensor) -> [Double] {
        let x = a.scalars(as: Double.self), y = b.scalars(as: Double.self)
        let m = a.shape[0], k = a.shape[1], n = b.shape[1]
        var result = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { result[i * n + j] += x[i * k + p] * y[p * n + j] } } }
        return result
    }
}
