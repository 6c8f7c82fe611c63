import Foundation
import Testing
@testable import TensorKit

@Suite struct LinearAlgebraTests {
    private func matrix(_ values: [Double], _ shape: [Int], _ dtype: DType = .float64) -> Tensor {
        Tensor(values, shape: shape).cast(to: dtype)
    }

    private func tolerance(_ dtype: DType) -> Double { dtype == .float64 ? 1e-10 : 2e-4 }

    /// A well-conditioned symmetric positive-definite batch: M·Mᵀ + n·I.
    private func spd(_ batch: [Int], _ n: Int, seed: UInt64, dtype: DType = .float64) -> Tensor {
        let m = randomTensor(batch + [n, n], seed: seed)
        return (m.matmul(m.transposed()) + Tensor.eye(n, dtype: .float64) * Double(n)).cast(to: dtype)
    }

    private func expectIdentity(_ x: Tensor, tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        let n = x.shape[x.rank - 1]
        let eye = Tensor.eye(n, dtype: x.dtype).expand(to: x.shape)
        expectClose(x, eye.scalars(as: Double.self), shape: x.shape, tolerance: tolerance, sourceLocation: sourceLocation)
    }

    // MARK: solve and inverse

    @Test(arguments: [DType.float32, .float64])
    func solveHandWorked(dtype: DType) throws {
        let a = matrix([2, 1, 1, 3], [2, 2], dtype)
        expectClose(try Linalg.solve(a, matrix([3, 5], [2], dtype)), [0.8, 1.4], shape: [2], tolerance: tolerance(dtype))
        let b = matrix([3, 1, 5, 0], [2, 2], dtype)   // two right-hand sides
        expectClose(try Linalg.solve(a, b), [0.8, 0.6, 1.4, -0.2], shape: [2, 2], tolerance: tolerance(dtype))
        // Aᵀ through a transposed view: [[2, 1], [1, 3]] is symmetric, so use a non-symmetric one.
        let c = matrix([1, 2, 0, 1], [2, 2], dtype).transposed()   // [[1, 0], [2, 1]]
        expectClose(try Linalg.solve(c, matrix([1, 4], [2], dtype)), [1, 2], tolerance: tolerance(dtype))
    }

    @Test(arguments: [DType.float32, .float64])
    func solveBroadcastBatchReconstructs(dtype: DType) throws {
        let a = spd([2, 1], 4, seed: 1, dtype: dtype)                    // [2, 1, 4, 4]
        let b = randomTensor([3, 4, 2], seed: 2).cast(to: dtype)         // [3, 4, 2]
        let x = try Linalg.solve(a, b)
        #expect(x.shape == [2, 3, 4, 2] && x.dtype == dtype)
        let expected = b.expand(to: [2, 3, 4, 2]).scalars(as: Double.self)
        expectClose(a.matmul(x), expected, tolerance: tolerance(dtype) * 10)
    }

    @Test(arguments: [DType.float32, .float64])
    func inverseHandWorkedAndIdentity(dtype: DType) throws {
        expectClose(try Linalg.inverse(matrix([2, 0, 0, 4], [2, 2], dtype)), [0.5, 0, 0, 0.25], tolerance: tolerance(dtype))
        expectClose(try Linalg.inverse(matrix([4, 7, 2, 6], [2, 2], dtype)), [0.6, -0.7, -0.2, 0.4], tolerance: tolerance(dtype))
        let a = spd([3], 5, seed: 3, dtype: dtype) + randomTensor([3, 5, 5], seed: 4).cast(to: dtype)  // not symmetric
        let inv = try Linalg.inverse(a.transposed())
        expectIdentity(a.transposed().matmul(inv), tolerance: tolerance(dtype) * 10)
        expectIdentity(inv.matmul(a.transposed()), tolerance: tolerance(dtype) * 10)
    }

    // MARK: factorisations

    @Test(arguments: [DType.float32, .float64])
    func choleskyHandWorkedAndReconstructs(dtype: DType) throws {
        expectClose(try Linalg.cholesky(matrix([4, 2, 2, 10], [2, 2], dtype)), [2, 0, 1, 3], tolerance: tolerance(dtype))
        let a = spd([2, 3], 4, seed: 5, dtype: dtype)
        let l = try Linalg.cholesky(a)
        #expect(l.shape == [2, 3, 4, 4])
        expectClose(l.matmul(l.transposed()), a.scalars(as: Double.self), tolerance: tolerance(dtype) * 10)
        let values = l.reshape([-1, 4, 4]).scalars(as: Double.self)
        for (index, value) in values.enumerated() where (index % 4) > (index / 4) % 4 {
            #expect(value == 0, "upper triangle must be zero")
        }
    }

    @Test(arguments: [DType.float32, .float64])
    func qrReconstructsWithOrthonormalQ(dtype: DType) throws {
        let (q1, r1) = try Linalg.qr(matrix([3, 4], [2, 1], dtype))
        expectClose((q1 * r1.item()).reshape([2]), [3, 4], tolerance: tolerance(dtype))
        #expect(abs(abs(r1.item()) - 5) < tolerance(dtype))
        for shape in [[5, 3], [3, 5], [2, 4, 4]] {
            let a = randomTensor(shape, seed: 6).cast(to: dtype)
            let (q, r) = try Linalg.qr(a)
            let m = shape[shape.count - 2], n = shape[shape.count - 1], k = min(m, n)
            #expect(q.shape == shape.dropLast(2) + [m, k] && r.shape == shape.dropLast(2) + [k, n])
            expectClose(q.matmul(r), a.scalars(as: Double.self), tolerance: tolerance(dtype) * 10)
            expectIdentity(q.transposed().matmul(q), tolerance: tolerance(dtype) * 10)
            let rows = r.reshape([-1, k, n]).scalars(as: Double.self)
            for (index, value) in rows.enumerated() where (index % n) < (index / n) % k {
                #expect(value == 0, "R must be upper triangular")
            }
        }
    }

    @Test(arguments: [DType.float32, .float64])
    func svdReconstructsWithDescendingValues(dtype: DType) throws {
        let (_, s0, _) = try Linalg.svd(matrix([3, 0, 0, -2], [2, 2], dtype))
        expectClose(s0, [3, 2], tolerance: tolerance(dtype))
        // Rank one: [1, 2]ᵀ·[2, 2] has one singular value |[1,2]|·|[2,2]| = √5·√8.
        let (_, s1, _) = try Linalg.svd(matrix([2, 2, 4, 4], [2, 2], dtype))
        expectClose(s1, [(40.0).squareRoot(), 0], tolerance: tolerance(dtype) * 10)
        for shape in [[6, 4], [4, 6], [3, 5, 5]] {
            let a = randomTensor(shape, seed: 7).cast(to: dtype)
            let (u, s, vt) = try Linalg.svd(a)
            let m = shape[shape.count - 2], n = shape[shape.count - 1], k = min(m, n)
            #expect(u.shape == shape.dropLast(2) + [m, k] && s.shape == shape.dropLast(2) + [k]
                    && vt.shape == shape.dropLast(2) + [k, n])
            expectClose((u * s.unsqueezed(axis: -2)).matmul(vt), a.scalars(as: Double.self), tolerance: tolerance(dtype) * 10)
            expectIdentity(u.transposed().matmul(u), tolerance: tolerance(dtype) * 10)
            expectIdentity(vt.matmul(vt.transposed()), tolerance: tolerance(dtype) * 10)
            let values = s.reshape([-1, k]).scalars(as: Double.self)
            for row in stride(from: 0, to: values.count, by: k) {
                for j in row..<(row + k - 1) { #expect(values[j] >= values[j + 1] && values[j + 1] >= 0) }
            }
        }
    }

    @Test(arguments: [DType.float32, .float64])
    func eighSatisfiesEigenEquation(dtype: DType) throws {
        let (values, vectors) = try Linalg.eigh(matrix([2, 1, 1, 2], [2, 2], dtype))
        expectClose(values, [1, 3], tolerance: tolerance(dtype))
        let v = vectors.scalars(as: Double.self).map(abs)
        expectClose(Tensor(v, shape: [2, 2]), Array(repeating: 0.5.squareRoot(), count: 4), tolerance: tolerance(dtype))
        let m = randomTensor([3, 5, 5], seed: 8)
        let a = (m + m.transposed()).cast(to: dtype)
        let (lambda, vecs) = try Linalg.eigh(a)
        #expect(lambda.shape == [3, 5] && vecs.shape == [3, 5, 5])
        expectClose(a.matmul(vecs), (vecs * lambda.unsqueezed(axis: -2)).scalars(as: Double.self), tolerance: tolerance(dtype) * 10)
        expectIdentity(vecs.transposed().matmul(vecs), tolerance: tolerance(dtype) * 10)
        let ls = lambda.scalars(as: Double.self)
        for row in stride(from: 0, to: 15, by: 5) {
            for j in row..<(row + 4) { #expect(ls[j] <= ls[j + 1]) }
        }
    }

    // MARK: determinants

    @Test(arguments: [DType.float32, .float64])
    func determinantsOfKnownMatrices(dtype: DType) {
        let tol = tolerance(dtype)
        expectClose(Linalg.det(matrix([1, 2, 3, 4], [2, 2], dtype)), [-2], shape: [], tolerance: tol)
        expectClose(Linalg.det(matrix([6, 1, 1, 4, -2, 5, 2, 8, 7], [3, 3], dtype)), [-306], tolerance: tol)
        expectClose(Linalg.det(matrix([0, 1, 1, 0], [2, 2], dtype)), [-1], tolerance: tol)   // a row swap
        expectClose(Linalg.det(Tensor.eye(4, dtype: dtype)), [1], tolerance: tol)
        let batch = matrix([1, 2, 3, 4, 1, 2, 2, 4, 2, 0, 0, 3], [3, 2, 2], dtype)
        expectClose(Linalg.det(batch), [-2, 0, 6], shape: [3], tolerance: tol)
        let (sign, logAbs) = Linalg.slogdet(batch)
        expectClose(sign, [-1, 0, 1], shape: [3], tolerance: tol)
        expectClose(logAbs, [Foundation.log(2), -.infinity, Foundation.log(6)], tolerance: tol)
        let logdet = Linalg.logdet(batch).scalars(as: Double.self)
        #expect(logdet[0].isNaN && logdet[1] == -.infinity && abs(logdet[2] - Foundation.log(6)) < tol)
        // det(Aᵀ) = det(A) through a transposed view.
        let a = randomTensor([5, 5], seed: 9).cast(to: dtype)
        expectClose(Linalg.det(a.transposed()), [Linalg.det(a).item()], tolerance: tol * 10)
    }

    // MARK: errors

    @Test func singularAndNonPositiveDefiniteInputsThrow() {
        let singular = matrix([1, 0, 0, 1, 1, 2, 2, 4], [2, 2, 2])   // second matrix singular
        #expect(throws: LinearAlgebraError.singularMatrix(op: "solve", batchIndex: 1, pivot: 1)) {
            try Linalg.solve(singular, Tensor.ones([2], dtype: .float64))
        }
        #expect(throws: LinearAlgebraError.singularMatrix(op: "inverse", batchIndex: 1, pivot: 1)) {
            try Linalg.inverse(singular)
        }
        let indefinite = matrix([4, 0, 0, 1, 1, 2, 2, 1], [2, 2, 2])  // eigenvalues 3 and -1
        #expect(throws: LinearAlgebraError.notPositiveDefinite(op: "cholesky", batchIndex: 1, minorOrder: 2)) {
            try Linalg.cholesky(indefinite.cast(to: .float32))
        }
        do {
            _ = try Linalg.inverse(matrix([0, 0, 0, 0], [2, 2]))
            Issue.record("expected a throw")
        } catch {
            #expect(error.op == "inverse" && error.batchIndex == 0)
            #expect(error.description == "inverse: matrix 0 of the batch is singular (pivot 0 of its LU factorisation is zero)")
        }
    }

    @Test func shapeMistakesStop() async {
        await #expect(processExitsWith: .failure) {
            _ = try? Linalg.solve(Tensor.zeros([3, 3]), Tensor.zeros([2, 1]))
        }
        await #expect(processExitsWith: .failure) {
            _ = try? Linalg.cholesky(Tensor.zeros([2, 3]))
        }
    }
}
