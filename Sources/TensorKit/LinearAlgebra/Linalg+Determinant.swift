extension Linalg {
    /// The determinant of each square matrix in the last two axes (from its LU factorisation,
    /// LAPACK `getrf`); the result has the batch shape (`[]` for one matrix).
    ///
    /// A singular matrix has determinant 0: that is an answer, not an error, so this does not
    /// throw. For large matrices prefer ``slogdet(_:)``, which cannot overflow.
    ///
    /// ```swift
    /// Linalg.det(Tensor([1, 2, 3, 4] as [Double], shape: [2, 2])).item()   // -2
    /// ```
    public static func det(_ a: Tensor) -> Tensor {
        factorDeterminants(a, op: "det").det
    }

    /// Sign and natural logarithm of the absolute value of each determinant, like
    /// `torch.linalg.slogdet`: `det = sign · exp(logAbsDet)`. A singular matrix gives sign 0 and
    /// `logAbsDet` = -∞.
    ///
    /// ```swift
    /// let (sign, logAbs) = Linalg.slogdet(Tensor([1, 2, 3, 4] as [Double], shape: [2, 2]))
    /// // sign -1, logAbs log(2)
    /// ```
    public static func slogdet(_ a: Tensor) -> (sign: Tensor, logAbsDet: Tensor) {
        let result = factorDeterminants(a, op: "slogdet")
        return (result.sign, result.logAbsDet)
    }

    /// The natural logarithm of each determinant, like `torch.logdet`: NaN where the determinant
    /// is negative, -∞ where it is 0.
    public static func logdet(_ a: Tensor) -> Tensor {
        let result = factorDeterminants(a, op: "logdet")
        let out = result.logAbsDet
        for i in 0..<out.count where result.sign.element(atStorageIndex: i) < 0 {
            out.setElement(at: i, to: .nan)
        }
        return out
    }

    private static func factorDeterminants(_ a: Tensor, op: String) -> (det: Tensor, sign: Tensor, logAbsDet: Tensor) {
        let n = squareSide(a, op: op)
        let batch = batchShape(a)
        let det = Tensor(uninitializedShape: batch, dtype: a.dtype)
        let sign = Tensor(uninitializedShape: batch, dtype: a.dtype)
        let logAbsDet = Tensor(uninitializedShape: batch, dtype: a.dtype)
        switch a.dtype {
        case .float32: determinants(a, Float.self, n: n, op: op, det: det, sign: sign, logAbsDet: logAbsDet)
        default: determinants(a, Double.self, n: n, op: op, det: det, sign: sign, logAbsDet: logAbsDet)
        }
        return (det, sign, logAbsDet)
    }

    private static func determinants<T: LAPACKScalar>(_ a: Tensor, _ t: T.Type, n: Int, op: String,
                                                      det: Tensor, sign: Tensor, logAbsDet: Tensor) {
        let offsets = MatrixBatch.offsets(of: a, batch: batchShape(a))
        let ld = Swift.max(1, n)
        let matrix = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(1, n * n))
        let pivots = UnsafeMutablePointer<Int32>.allocate(capacity: ld)
        defer { matrix.deallocate(); pivots.deallocate() }
        let pd = det.pointer(as: T.self), ps = sign.pointer(as: T.self), pl = logAbsDet.pointer(as: T.self)
        for i in offsets.indices {
            MatrixBatch.packColumnMajor(a, at: offsets[i], into: matrix, ld: ld)
            let info = T.getrf(m: Int32(n), n: Int32(n), a: matrix, lda: Int32(ld), ipiv: pivots)
            if failure(info, op: op, routine: "getrf") != nil {
                (pd[i], ps[i], pl[i]) = (0, 0, -T.infinity)
                continue
            }
            // det(A) = det(P)·∏ U[j, j], and each row swap of P flips the sign.
            var product: T = 1, negative = false, logSum: T = 0
            for j in 0..<n {
                let pivot = matrix[j + j * ld]
                product *= pivot
                logSum += T.log(Swift.abs(pivot))
                if pivot < 0 { negative.toggle() }
                if Int(pivots[j]) != j + 1 { negative.toggle() }
            }
            pd[i] = negative ? -Swift.abs(product) : Swift.abs(product)
            (ps[i], pl[i]) = (negative ? -1 : 1, logSum)
        }
    }
}
