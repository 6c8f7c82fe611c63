extension Linalg {
    /// The inverse of each square matrix in the last two axes (LU factorisation, LAPACK
    /// `getrf` + `getri`).
    ///
    /// ```swift
    /// try Linalg.inverse(Tensor([2, 0, 0, 4] as [Double], shape: [2, 2]))   // [[0.5, 0], [0, 0.25]]
    /// ```
    /// - Throws: ``LinearAlgebraError/singularMatrix(op:batchIndex:pivot:)`` for a singular matrix.
    public static func inverse(_ a: Tensor) throws(LinearAlgebraError) -> Tensor {
        let n = squareSide(a, op: "inverse")
        let out = Tensor(uninitializedShape: a.shape, dtype: a.dtype)
        switch a.dtype {
        case .float32: try inverse(a, Float.self, n: n, into: out)
        default: try inverse(a, Double.self, n: n, into: out)
        }
        return out
    }

    private static func inverse<T: LAPACKScalar>(_ a: Tensor, _ t: T.Type, n: Int, into out: Tensor) throws(LinearAlgebraError) {
        let offsets = MatrixBatch.offsets(of: a, batch: batchShape(a))
        let ld = Swift.max(1, n)
        let matrix = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(1, n * n))
        let pivots = UnsafeMutablePointer<Int32>.allocate(capacity: ld)
        var query: T = 0
        _ = T.getri(n: Int32(n), a: matrix, lda: Int32(ld), ipiv: pivots, work: &query, lwork: -1)
        let lwork = MatrixBatch.workspaceSize(query)
        let work = UnsafeMutablePointer<T>.allocate(capacity: lwork)
        defer { matrix.deallocate(); pivots.deallocate(); work.deallocate() }
        let po = out.pointer(as: T.self)
        for i in offsets.indices {
            MatrixBatch.packColumnMajor(a, at: offsets[i], into: matrix, ld: ld)
            var info = T.getrf(m: Int32(n), n: Int32(n), a: matrix, lda: Int32(ld), ipiv: pivots)
            if info == 0 {
                info = T.getri(n: Int32(n), a: matrix, lda: Int32(ld), ipiv: pivots, work: work, lwork: Int32(lwork))
            }
            if let pivot = failure(info, op: "inverse", routine: "getrf/getri") {
                throw .singularMatrix(op: "inverse", batchIndex: i, pivot: pivot - 1)
            }
            MatrixBatch.unpackColumnMajor(matrix, ld: ld, rows: n, cols: n, into: po + i * n * n)
        }
    }
}
