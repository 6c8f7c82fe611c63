extension Linalg {
    /// The lower-triangular Cholesky factor `L` with `L·Lᵀ = A` of each symmetric
    /// positive-definite matrix in the last two axes (LAPACK `potrf`).
    ///
    /// Only the lower triangle of `a` is read (as `torch.linalg.cholesky` does); the upper
    /// triangle of the result is zero.
    ///
    /// ```swift
    /// try Linalg.cholesky(Tensor([4, 2, 2, 10] as [Double], shape: [2, 2]))   // [[2, 0], [1, 3]]
    /// ```
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(op:batchIndex:minorOrder:)``.
    public static func cholesky(_ a: Tensor) throws(LinearAlgebraError) -> Tensor {
        let n = squareSide(a, op: "cholesky")
        let out = Tensor(uninitializedShape: a.shape, dtype: a.dtype)
        switch a.dtype {
        case .float32: try cholesky(a, Float.self, n: n, into: out)
        default: try cholesky(a, Double.self, n: n, into: out)
        }
        return out
    }

    private static func cholesky<T: LAPACKScalar>(_ a: Tensor, _ t: T.Type, n: Int, into out: Tensor) throws(LinearAlgebraError) {
        let offsets = MatrixBatch.offsets(of: a, batch: batchShape(a))
        let ld = Swift.max(1, n)
        let matrix = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(1, n * n))
        defer { matrix.deallocate() }
        let po = out.pointer(as: T.self)
        for i in offsets.indices {
            MatrixBatch.packColumnMajor(a, at: offsets[i], into: matrix, ld: ld)
            let info = T.potrf(lower: true, n: Int32(n), a: matrix, lda: Int32(ld))
            if let order = failure(info, op: "cholesky", routine: "potrf") {
                throw .notPositiveDefinite(op: "cholesky", batchIndex: i, minorOrder: order)
            }
            // potrf leaves the strict upper triangle untouched: write zeros there instead.
            let destination = po + i * n * n
            for r in 0..<n {
                for c in 0..<n { destination[r * n + c] = c <= r ? matrix[r + c * ld] : 0 }
            }
        }
    }
}
