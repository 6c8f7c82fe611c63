import CBLAS
import Synchronization

/// The bridge from strided matrices to `cblas_sgemm` / `cblas_dgemm`.
///
/// BLAS reads a row-major matrix through one leading dimension and a transpose flag, so a 2-D
/// layout maps onto it without a copy in two cases (as in candle's layout → BLAS mapping):
/// - unit column stride: passed as is, the row stride becomes the leading dimension;
/// - unit row stride (a transposed view): passed with `CblasTrans`, the column stride becomes
///   the leading dimension.
/// Anything else (stride 0 from broadcasting, steps in both axes) has to be copied first.
enum GEMM {
    /// How BLAS should read one row-major matrix operand.
    struct Operand: Equatable {
        /// Pass `CblasTrans`: the memory holds the transpose of the logical matrix, row-major.
        var transpose: Bool
        /// Leading dimension (elements between consecutive rows of the stored matrix).
        var leadingDimension: Int
    }

    /// The BLAS reading of a `rows × cols` matrix with the given element strides, or nil when
    /// it needs a contiguous copy first. Axes of length 1 impose no stride, since no step is
    /// ever taken along them.
    static func operand(rows: Int, cols: Int, rowStride: Int, colStride: Int) -> Operand? {
        if (colStride == 1 || cols <= 1) && (rows <= 1 || rowStride >= Swift.max(1, cols)) {
            return Operand(transpose: false, leadingDimension: rows <= 1 ? Swift.max(1, cols) : rowStride)
        }
        if (rowStride == 1 || rows <= 1) && (cols <= 1 || colStride >= Swift.max(1, rows)) {
            return Operand(transpose: true, leadingDimension: cols <= 1 ? Swift.max(1, rows) : colStride)
        }
        return nil
    }

    /// The BLAS reading of the last two axes of `layout` (rank ≥ 2), or nil when a copy is needed.
    static func operand(_ layout: Layout) -> Operand? {
        let r = layout.rank
        precondition(r >= 2, "gemm: needs a matrix, got shape \(layout.shape)")
        return operand(rows: layout.shape[r - 2], cols: layout.shape[r - 1],
                       rowStride: layout.strides[r - 2], colStride: layout.strides[r - 1])
    }

    /// Products are serialised here, so a product split across threads (``split``) has the
    /// cores to itself and a BLAS library that runs its own threads is never entered twice.
    static let lock = Mutex(())

    /// Products with fewer multiply-adds than this run whole on the calling thread (OpenBLAS's own
    /// threshold for threading).
    static let splitThreshold = 1 << 18

    /// Row or column blocks are multiples of this, so each piece keeps whole register tiles.
    static let splitAlignment = 16

    /// `C = alpha · op(A) · op(B) + beta · C` with row-major `C` (`m × n`, leading dimension `ldc`);
    /// nothing to do when `C` is empty.
    @inline(__always)
    static func gemm<T: BLASScalar>(
        _ t: T.Type, m: Int, n: Int, k: Int, alpha: T = 1,
        a: UnsafePointer<T>, _ opA: Operand, b: UnsafePointer<T>, _ opB: Operand,
        beta: T = 0, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max)
                     && opA.leadingDimension <= Int(Int32.max) && opB.leadingDimension <= Int(Int32.max)
                     && ldc <= Int(Int32.max),
                     "gemm: dimensions m \(m), n \(n), k \(k) exceed the 32-bit BLAS interface")
        guard m > 0, n > 0 else { return }
        GEMMRecording.note(.init(transA: opA.transpose, transB: opB.transpose, m: m, n: n, k: k,
                                 lda: opA.leadingDimension, ldb: opB.leadingDimension, ldc: ldc,
                                 accumulates: beta != 0, isDouble: T.self == Double.self))
        lock.withLock { _ in
            split(T.self, m: m, n: n, k: k, alpha: alpha, a: a, opA, b: b, opB, beta: beta, c: c, ldc: ldc)
        }
    }

    /// Runs the product as ``Threads/blasThreads`` single-threaded BLAS calls on TensorKit's
    /// threads, each over a block of `C`'s rows (or columns, when `C` is wider than tall); whole
    /// when it is small, when there is one thread, or when the BLAS library threads itself.
    static func split<T: BLASScalar>(
        _ t: T.Type, m: Int, n: Int, k: Int, alpha: T,
        a: UnsafePointer<T>, _ opA: Operand, b: UnsafePointer<T>, _ opB: Operand,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        let (lda, ldb) = (opA.leadingDimension, opB.leadingDimension)
        let byRows = m >= n, extent = byRows ? m : n
        let threads = Threads.blasThreads ?? 1
        let pieces = m * n * Swift.max(k, 1) < splitThreshold ? 1 : Swift.min(threads, extent / splitAlignment)
        func run(_ range: Range<Int>) {
            if byRows {
                T.blasGemm(transA: opA.transpose, transB: opB.transpose, m: Int32(range.count), n: Int32(n), k: Int32(k),
                           alpha: alpha, a: a + range.lowerBound * (opA.transpose ? 1 : lda), lda: Int32(lda),
                           b: b, ldb: Int32(ldb), beta: beta, c: c + range.lowerBound * ldc, ldc: Int32(ldc))
            } else {
                T.blasGemm(transA: opA.transpose, transB: opB.transpose, m: Int32(m), n: Int32(range.count), k: Int32(k),
                           alpha: alpha, a: a, lda: Int32(lda),
                           b: b + range.lowerBound * (opB.transpose ? ldb : 1), ldb: Int32(ldb), beta: beta,
                           c: c + range.lowerBound, ldc: Int32(ldc))
            }
        }
        guard pieces > 1 else { return run(0..<extent) }
        // Block boundaries on multiples of the alignment; the last block takes the rest.
        let units = (extent + splitAlignment - 1) / splitAlignment
        Parallel.forPieces(pieces) { piece in
            let start = Swift.min(extent, units * piece / pieces * splitAlignment)
            let end = Swift.min(extent, units * (piece + 1) / pieces * splitAlignment)
            if end > start { run(start..<end) }
        }
    }
}

extension GEMM {
    /// ``gemm(_:m:n:k:alpha:a:_:b:_:beta:c:ldc:)`` for kernels generic over ``FloatingScalar``
    /// (the row kernels of attention), with plain transpose flags and leading dimensions.
    @inline(__always)
    static func gemm<T: FloatingScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
                                        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                        beta: T, c: UnsafeMutablePointer<T>, ldc: Int) {
        let opA = Operand(transpose: transA, leadingDimension: lda), opB = Operand(transpose: transB, leadingDimension: ldb)
        if T.self == Float.self {
            gemm(Float.self, m: m, n: n, k: k, alpha: Float(alpha), a: FloatRows.floats(a), opA,
                 b: FloatRows.floats(b), opB, beta: Float(beta), c: FloatRows.floats(c), ldc: ldc)
        } else {
            precondition(T.self == Double.self, "gemm: needs Float or Double, got \(T.self)")
            gemm(Double.self, m: m, n: n, k: k, alpha: Double(alpha), a: UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), opA,
                 b: UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), opB, beta: Double(beta),
                 c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc: ldc)
        }
    }
}

/// Scalars BLAS multiplies: `Float` (`sgemm`) and `Double` (`dgemm`).
protocol BLASScalar: FloatingScalar {
    /// Row-major GEMM for this precision.
    static func blasGemm(transA: Bool, transB: Bool, m: Int32, n: Int32, k: Int32, alpha: Self,
                         a: UnsafePointer<Self>, lda: Int32, b: UnsafePointer<Self>, ldb: Int32,
                         beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int32)
}

extension Float: BLASScalar {
    @inline(__always)
    static func blasGemm(transA: Bool, transB: Bool, m: Int32, n: Int32, k: Int32, alpha: Float,
                         a: UnsafePointer<Float>, lda: Int32, b: UnsafePointer<Float>, ldb: Int32,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int32) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

extension Double: BLASScalar {
    @inline(__always)
    static func blasGemm(transA: Bool, transB: Bool, m: Int32, n: Int32, k: Int32, alpha: Double,
                         a: UnsafePointer<Double>, lda: Int32, b: UnsafePointer<Double>, ldb: Int32,
                         beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int32) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}
