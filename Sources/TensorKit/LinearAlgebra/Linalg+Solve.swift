extension Linalg {
    /// The solution `X` of `A·X = B` (LU with partial pivoting, LAPACK `gesv`).
    ///
    /// `a` is `[..., n, n]`; `b` is `[..., n, k]` (several right-hand sides) or a vector `[n]`,
    /// which gives a vector result. Leading axes broadcast.
    ///
    /// ```swift
    /// let a = Tensor([2, 1, 1, 3] as [Double], shape: [2, 2])
    /// try Linalg.solve(a, Tensor([3, 5] as [Double]))   // [0.8, 1.4]
    /// ```
    /// - Throws: ``LinearAlgebraError/singularMatrix(op:batchIndex:pivot:)`` when a matrix of `a`
    ///   is exactly singular.
    public static func solve(_ a: Tensor, _ b: Tensor) throws(LinearAlgebraError) -> Tensor {
        let n = squareSide(a, op: "solve")
        precondition(a.dtype == b.dtype, "solve: dtypes \(a.dtype) and \(b.dtype) differ (shapes \(a.shape) and \(b.shape))")
        let isVector = b.rank == 1
        // A vector right-hand side is a one-column matrix (a view, no copy).
        let rhs = isVector ? b.view(b.layout.inserting(axisAt: 1)) : b
        let batch = rhs.rank >= 2 && rhs.shape[rhs.rank - 2] == n
            ? Shape.broadcast(batchShape(a), batchShape(rhs)) : nil
        guard let batch else { preconditionFailure("solve: shapes \(a.shape) and \(b.shape) are not compatible") }
        let k = rhs.shape[rhs.rank - 1]
        let out = Tensor(uninitializedShape: batch + [n, k], dtype: a.dtype)
        switch a.dtype {
        case .float32: try solve(a, rhs, Float.self, batch: batch, n: n, k: k, into: out)
        default: try solve(a, rhs, Double.self, batch: batch, n: n, k: k, into: out)
        }
        return isVector ? out.view(Layout(shape: batch + [n])) : out
    }

    private static func solve<T: LAPACKScalar>(_ a: Tensor, _ b: Tensor, _ t: T.Type, batch: [Int], n: Int, k: Int,
                                               into out: Tensor) throws(LinearAlgebraError) {
        let offsetsA = MatrixBatch.offsets(of: a, batch: batch), offsetsB = MatrixBatch.offsets(of: b, batch: batch)
        let ld = Swift.max(1, n)
        let lu = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(1, n * n))
        let x = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(1, n * k))
        let pivots = UnsafeMutablePointer<Int32>.allocate(capacity: ld)
        defer { lu.deallocate(); x.deallocate(); pivots.deallocate() }
        let po = out.pointer(as: T.self)
        for i in offsetsA.indices {
            MatrixBatch.packColumnMajor(a, at: offsetsA[i], into: lu, ld: ld)
            MatrixBatch.packColumnMajor(b, at: offsetsB[i], into: x, ld: ld)
            let info = T.gesv(n: Int32(n), nrhs: Int32(k), a: lu, lda: Int32(ld), ipiv: pivots, b: x, ldb: Int32(ld))
            if let pivot = failure(info, op: "solve", routine: "gesv") {
                throw .singularMatrix(op: "solve", batchIndex: i, pivot: pivot - 1)
            }
            MatrixBatch.unpackColumnMajor(x, ld: ld, rows: n, cols: k, into: po + i * n * k)
        }
    }
}
