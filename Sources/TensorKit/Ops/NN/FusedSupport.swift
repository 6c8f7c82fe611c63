import CBLAS

// Shared plumbing of the fused NN kernels: contiguous inputs, row blocks, and a BLAS call
// specialised for Float/Double. Kept separate from the general matmul bridge so the fused ops
// depend on nothing but the core.

extension Tensor {
    /// A contiguous tensor with this one's values, cut off from the graph. Fused ops read their
    /// inputs through raw pointers and record their own node, so the copy must not record one.
    func fusedContiguous() -> Tensor {
        let detached = detach()
        return detached.isContiguous ? detached : detached.clone()
    }

    /// The elements of an int32/int64 tensor as `Int`, in row-major order (indices, targets).
    func fusedIndices(op: String) -> [Int] {
        let source = fusedContiguous()
        let n = source.count
        switch dtype {
        case .int32:
            let p = source.pointer(as: Int32.self)
            return (0..<n).map { Int(p[$0]) }
        case .int64:
            let p = source.pointer(as: Int64.self)
            return (0..<n).map { Int(p[$0]) }
        default:
            preconditionFailure("\(op): indices must be int32 or int64, got \(dtype) (shape \(shape))")
        }
    }
}

/// Splits rows into a few blocks so kernels that also reduce across rows (weight gradients) can
/// keep one partial sum per block and add the blocks afterwards, without locks.
enum RowBlocks {
    /// How many blocks `rows` rows of `costPerRow` work each are worth splitting into.
    static func count(rows: Int, costPerRow: Int) -> Int {
        let work = rows * Swift.max(1, costPerRow)
        return Swift.max(1, Swift.min(Parallel.threadCount, Swift.min(rows, work / Parallel.threshold)))
    }

    /// Rows of block `block` out of `blocks`.
    @inline(__always)
    static func rows(_ block: Int, of blocks: Int, total: Int) -> Range<Int> {
        (total * block / blocks)..<(total * (block + 1) / blocks)
    }
}

/// Row-major `C = alpha · op(A) · op(B) + beta · C` through `cblas_sgemm`/`cblas_dgemm`.
/// Serialised with the matmul bridge's lock: BLAS runs its own threads.
enum FusedBLAS {
    static func gemm<T: FloatingScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
                                        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                        beta: T, c: UnsafeMutablePointer<T>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        let ta = transA ? CblasTrans : CblasNoTrans
        let tb = transB ? CblasTrans : CblasNoTrans
        GEMM.lock.withLock { _ in
        if T.self == Float.self {
            a.withMemoryRebound(to: Float.self, capacity: 1) { a in
                b.withMemoryRebound(to: Float.self, capacity: 1) { b in
                    c.withMemoryRebound(to: Float.self, capacity: 1) { c in
                        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Float(alpha.doubleValue),
                                    a, Int32(lda), b, Int32(ldb), Float(beta.doubleValue), c, Int32(ldc))
                    }
                }
            }
        } else {
            a.withMemoryRebound(to: Double.self, capacity: 1) { a in
                b.withMemoryRebound(to: Double.self, capacity: 1) { b in
                    c.withMemoryRebound(to: Double.self, capacity: 1) { c in
                        cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha.doubleValue,
                                    a, Int32(lda), b, Int32(ldb), beta.doubleValue, c, Int32(ldc))
                    }
                }
            }
        }
        }
    }
}
