extension Linalg {
    /// The reduced QR decomposition `A = Q·R` of each `m × n` matrix in the last two axes
    /// (Householder reflections, LAPACK `geqrf` + `orgqr`).
    ///
    /// With `k = min(m, n)`, `q` is `[..., m, k]` with orthonormal columns and `r` is
    /// `[..., k, n]`, upper triangular. As in LAPACK, NumPy and PyTorch, diagonal entries of `r`
    /// may be negative.
    ///
    /// ```swift
    /// let (q, r) = try Linalg.qr(a)   // q.matmul(r) ≈ a
    /// ```
    public static func qr(_ a: Tensor) throws(LinearAlgebraError) -> (q: Tensor, r: Tensor) {
        precondition(a.dtype.isFloatingPoint, "qr: needs a float32 or float64 tensor, got \(a.dtype)")
        precondition(a.rank >= 2, "qr: needs matrices in the last two axes, got shape \(a.shape)")
        let m = a.shape[a.rank - 2], n = a.shape[a.rank - 1], k = Swift.min(m, n)
        let batch = batchShape(a)
        let q = Tensor.zeros(batch + [m, k], dtype: a.dtype)
        let r = Tensor.zeros(batch + [k, n], dtype: a.dtype)
        switch a.dtype {
        case .float32: qr(a, Float.self, m: m, n: n, q: q, r: r)
        default: qr(a, Double.self, m: m, n: n, q: q, r: r)
        }
        return (q, r)
    }

    private static func qr<T: LAPACKScalar>(_ a: Tensor, _ t: T.Type, m: Int, n: Int, q: Tensor, r: Tensor) {
        let k = Swift.min(m, n)
        if k == 0 { return }
        let offsets = MatrixBatch.offsets(of: a, batch: batchShape(a))
        let ld = m
        let matrix = UnsafeMutablePointer<T>.allocate(capacity: m * n)
        let tau = UnsafeMutablePointer<T>.allocate(capacity: k)
        var factorQuery: T = 0, orthogonalQuery: T = 0
        _ = T.geqrf(m: Int32(m), n: Int32(n), a: matrix, lda: Int32(ld), tau: tau, work: &factorQuery, lwork: -1)
        _ = T.orgqr(m: Int32(m), n: Int32(k), k: Int32(k), a: matrix, lda: Int32(ld), tau: tau, work: &orthogonalQuery, lwork: -1)
        let lwork = Swift.max(MatrixBatch.workspaceSize(factorQuery), MatrixBatch.workspaceSize(orthogonalQuery))
        let work = UnsafeMutablePointer<T>.allocate(capacity: lwork)
        defer { matrix.deallocate(); tau.deallocate(); work.deallocate() }
        let pq = q.pointer(as: T.self), pr = r.pointer(as: T.self)
        for i in offsets.indices {
            MatrixBatch.packColumnMajor(a, at: offsets[i], into: matrix, ld: ld)
            // Householder QR cannot fail on finite input; info only reports bad arguments.
            _ = failure(T.geqrf(m: Int32(m), n: Int32(n), a: matrix, lda: Int32(ld), tau: tau, work: work,
                                lwork: Int32(lwork)), op: "qr", routine: "geqrf")
            let rOut = pr + i * k * n
            for row in 0..<k {
                for col in row..<n { rOut[row * n + col] = matrix[row + col * ld] }
            }
            _ = failure(T.orgqr(m: Int32(m), n: Int32(k), k: Int32(k), a: matrix, lda: Int32(ld), tau: tau, work: work,
                                lwork: Int32(lwork)), op: "qr", routine: "orgqr")
            MatrixBatch.unpackColumnMajor(matrix, ld: ld, rows: m, cols: k, into: pq + i * m * k)
        }
    }
}
