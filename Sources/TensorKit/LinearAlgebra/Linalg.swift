/// Linear algebra on float32/float64 tensors through LAPACK: ``solve(_:_:)``, ``inverse(_:)``,
/// ``cholesky(_:)``, ``qr(_:)``, ``svd(_:)``, ``eigh(_:)``, ``det(_:)``, ``slogdet(_:)`` and
/// ``logdet(_:)``.
///
/// Every function works on the last two axes and loops over any leading (batch) axes. Inputs
/// may be any strided view; results are new contiguous tensors of the input's dtype. Numerical
/// failures (a singular or non-positive-definite matrix, no convergence) throw a
/// ``LinearAlgebraError`` naming the op and the batch index; shape and dtype mistakes stop with a
/// precondition, like every tensor op. No gradients are recorded.
///
/// ```swift
/// let a = Tensor([4, 2, 2, 3] as [Double], shape: [2, 2])
/// let x = try Linalg.solve(a, Tensor([2, 1] as [Double]))   // [0.5, 0]
/// let l = try Linalg.cholesky(a)                             // lower triangular, l·lᵀ = a
/// ```
public enum Linalg {
    /// The side of the square matrices in `a`, checking rank, squareness and dtype.
    static func squareSide(_ a: Tensor, op: String) -> Int {
        precondition(a.dtype.isFloatingPoint, "\(op): needs a float32 or float64 tensor, got \(a.dtype)")
        precondition(a.rank >= 2 && a.shape[a.rank - 1] == a.shape[a.rank - 2],
                     "\(op): needs square matrices in the last two axes, got shape \(a.shape)")
        return a.shape[a.rank - 1]
    }

    /// Leading (batch) axes of `a`.
    static func batchShape(_ a: Tensor) -> [Int] { Array(a.shape.dropLast(2)) }

    /// Turns a negative LAPACK `info` (an argument LAPACK rejected: a bug here, not bad data)
    /// into a stop, and returns a positive one for the caller to classify.
    static func failure(_ info: Int32, op: String, routine: String) -> Int? {
        precondition(info >= 0, "\(op): LAPACK \(routine) rejected argument \(-info)")
        return info > 0 ? Int(info) : nil
    }
}

/// Where each matrix of a broadcast batch sits in a tensor's storage, and copies between strided
/// matrices and the column-major buffers LAPACK works on.
enum MatrixBatch {
    /// Element offsets (from `t.pointer`) of the matrix in the last two axes of `t` for each
    /// index of `batch` in row-major order; `t`'s own leading axes broadcast to `batch`.
    static func offsets(of t: Tensor, batch: [Int]) -> [Int] {
        let strides = Array(t.layout.broadcastStrides(to: batch + Array(t.shape.suffix(2))).prefix(batch.count))
        let count = batch.reduce(1, *)
        var result = [Int](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: batch.count)
        var offset = 0
        for i in 0..<count {
            result[i] = offset
            var axis = batch.count - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < batch[axis] { break }
                offset -= strides[axis] * batch[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// Copies the matrix at `offset` in the last two axes of `t` into column-major `destination`
    /// with leading dimension `ld`.
    static func packColumnMajor<T: LAPACKScalar>(_ t: Tensor, at offset: Int, into destination: UnsafeMutablePointer<T>, ld: Int) {
        let r = t.rank
        let rows = t.shape[r - 2], cols = t.shape[r - 1]
        let rowStride = t.strides[r - 2], colStride = t.strides[r - 1]
        let source = t.pointer(as: T.self) + offset
        for j in 0..<cols {
            for i in 0..<rows { destination[i + j * ld] = source[i * rowStride + j * colStride] }
        }
    }

    /// Copies a `rows × cols` column-major matrix (leading dimension `ld`) into row-major
    /// contiguous `destination`.
    static func unpackColumnMajor<T: LAPACKScalar>(_ source: UnsafePointer<T>, ld: Int, rows: Int, cols: Int,
                                                  into destination: UnsafeMutablePointer<T>) {
        for i in 0..<rows {
            for j in 0..<cols { destination[i * cols + j] = source[i + j * ld] }
        }
    }

    /// Workspace size LAPACK reported through a `lwork = -1` query.
    static func workspaceSize<T: LAPACKScalar>(_ reported: T) -> Int {
        Swift.max(1, Int(reported.doubleValue.rounded(.up)))
    }
}
