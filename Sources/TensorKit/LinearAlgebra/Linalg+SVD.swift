extension Linalg {
    /// The thin singular value decomposition `A = U·diag(S)·Vᵀ` of each `m × n` matrix in the
    /// last two axes (divide and conquer, LAPACK `gesdd`).
    ///
    /// With `k = min(m, n)`: `u` is `[..., m, k]`, `s` is `[..., k]` in descending order and
    /// `vt` is `[..., k, n]`. Singular vectors are unique only up to sign.
    ///
    /// ```swift
    /// let (u, s, vt) = try Linalg.svd(w)   // PiSSA keeps the top-r singular triplets
    /// ```
    /// - Throws: ``LinearAlgebraError/didNotConverge(op:batchIndex:)``.
    public static func svd(_ a: Tensor) throws(LinearAlgebraError) -> (u: Tensor, s: Tensor, vt: Tensor) {
        precondition(a.dtype.isFloatingPoint, "svd: needs a float32 or float64 tensor, got \(a.dtype)")
        precondition(a.rank >= 2, "svd: needs matrices in the last two axes, got shape \(a.shape)")
        let m = a.shape[a.rank - 2], n = a.shape[a.rank - 1], k = Swift.min(m, n)
        let batch = batchShape(a)
        let u = Tensor.zeros(batch + [m, k], dtype: a.dtype)
        let s = Tensor.zeros(batch + [k], dtype: a.dtype)
        let vt = Tensor.zeros(batch + [k, n], dtype: a.dtype)
        switch a.dtype {
        case .float32: try svd(a, Float.self, m: m, n: n, u: u, s: s, vt: vt)
        default: try svd(a, Double.self, m: m, n: n, u: u, s: s, vt: vt)
        }
        return (u, s, vt)
    }

    private static func svd<T: LAPACKScalar>(_ a: Tensor, _ t: T.Type, m: Int, n: Int,
                                             u: Tensor, s: Tensor, vt: Tensor) throws(LinearAlgebraError) {
        let k = Swift.min(m, n)
        if k == 0 { return }
        let offsets = MatrixBatch.offsets(of: a, batch: batchShape(a))
        let matrix = UnsafeMutablePointer<T>.allocate(capacity: m * n)
        let uBuffer = UnsafeMutablePointer<T>.allocate(capacity: m * k)
        let vtBuffer = UnsafeMutablePointer<T>.allocate(capacity: k * n)
        let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: 8 * k)
        var query: T = 0
        _ = T.gesdd(m: Int32(m), n: Int32(n), a: matrix, lda: Int32(m), s: s.pointer(as: T.self), u: uBuffer, ldu: Int32(m),
                    vt: vtBuffer, ldvt: Int32(k), work: &query, lwork: -1, iwork: iwork)
        let lwork = MatrixBatch.workspaceSize(query)
        let work = UnsafeMutablePointer<T>.allocate(capacity: lwork)
        defer { matrix.deallocate(); uBuffer.deallocate(); vtBuffer.deallocate(); iwork.deallocate(); work.deallocate() }
        let pu = u.pointer(as: T.self), ps = s.pointer(as: T.self), pv = vt.pointer(as: T.self)
        for i in offsets.indices {
            MatrixBatch.packColumnMajor(a, at: offsets[i], into: matrix, ld: m)
            let info = T.gesdd(m: Int32(m), n: Int32(n), a: matrix, lda: Int32(m), s: ps + i * k, u: uBuffer, ldu: Int32(m),
                               vt: vtBuffer, ldvt: Int32(k), work: work, lwork: Int32(lwork), iwork: iwork)
            if failure(info, op: "svd", routine: "gesdd") != nil { throw .didNotConverge(op: "svd", batchIndex: i) }
            MatrixBatch.unpackColumnMajor(uBuffer, ld: m, rows: m, cols: k, into: pu + i * m * k)
            MatrixBatch.unpackColumnMajor(vtBuffer, ld: k, rows: k, cols: n, into: pv + i * k * n)
        }
    }
}
