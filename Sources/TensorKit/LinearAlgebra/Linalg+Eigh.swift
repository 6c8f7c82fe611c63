extension Linalg {
    /// Eigenvalues (ascending) and orthonormal eigenvectors of each real symmetric matrix in the
    /// last two axes (divide and conquer, LAPACK `syevd`), like `torch.linalg.eigh`.
    ///
    /// Only the lower triangle of `a` is read. `eigenvectors[..., :, i]` (column `i`) belongs to
    /// `eigenvalues[..., i]`, so `a·V = V·diag(λ)`; each vector is unique only up to sign.
    ///
    /// ```swift
    /// let (values, vectors) = try Linalg.eigh(Tensor([2, 1, 1, 2] as [Double], shape: [2, 2]))
    /// // values: [1, 3]
    /// ```
    /// - Throws: ``LinearAlgebraError/didNotConverge(op:batchIndex:)``.
    public static func eigh(_ a: Tensor) throws(LinearAlgebraError) -> (eigenvalues: Tensor, eigenvectors: Tensor) {
        let n = squareSide(a, op: "eigh")
        let values = Tensor.zeros(batchShape(a) + [n], dtype: a.dtype)
        let vectors = Tensor.zeros(a.shape, dtype: a.dtype)
        switch a.dtype {
        case .float32: try eigh(a, Float.self, n: n, values: values, vectors: vectors)
        default: try eigh(a, Double.self, n: n, values: values, vectors: vectors)
        }
        return (values, vectors)
    }

    private static func eigh<T: LAPACKScalar>(_ a: Tensor, _ t: T.Type, n: Int,
                                              values: Tensor, vectors: Tensor) throws(LinearAlgebraError) {
        if n == 0 { return }
        let offsets = MatrixBatch.offsets(of: a, batch: batchShape(a))
        let matrix = UnsafeMutablePointer<T>.allocate(capacity: n * n)
        var query: T = 0, integerQuery: Int32 = 0
        _ = T.syevd(n: Int32(n), a: matrix, lda: Int32(n), w: values.pointer(as: T.self), work: &query, lwork: -1,
                    iwork: &integerQuery, liwork: -1)
        let lwork = MatrixBatch.workspaceSize(query), liwork = Swift.max(1, Int(integerQuery))
        let work = UnsafeMutablePointer<T>.allocate(capacity: lwork)
        let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: liwork)
        defer { matrix.deallocate(); work.deallocate(); iwork.deallocate() }
        let pw = values.pointer(as: T.self), pv = vectors.pointer(as: T.self)
        for i in offsets.indices {
            MatrixBatch.packColumnMajor(a, at: offsets[i], into: matrix, ld: n)
            let info = T.syevd(n: Int32(n), a: matrix, lda: Int32(n), w: pw + i * n, work: work, lwork: Int32(lwork),
                               iwork: iwork, liwork: Int32(liwork))
            if failure(info, op: "eigh", routine: "syevd") != nil { throw .didNotConverge(op: "eigh", batchIndex: i) }
            // Column j of the column-major result is eigenvector j: unpacking keeps it a column.
            MatrixBatch.unpackColumnMajor(matrix, ld: n, rows: n, cols: n, into: pv + i * n * n)
        }
    }
}
