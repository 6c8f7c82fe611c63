// The loops below name no intrinsic, but the SSE helpers of FloatLanes and VectorMath are inlined
// into them: without this import those `_mm_*` helpers stayed out-of-line calls in the release
// build (seen in the binary; GELU backward about 12% slower).
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Elementwise maps over contiguous float32 buffers with explicit vectors, for the formulas
/// whose bodies the auto-vectoriser leaves scalar at the baseline x86-64 target (polynomial
/// `exp`/`erf`/`tanh` with selects and integer bit tricks). The formula is evaluated on
/// `SIMD8<Float>` in the body and on `Float` in the tail: the same ``FloatLanes`` body, lane for
/// lane the same operations, so every element gets the same result wherever it falls.
enum VectorMap {
    /// Elements per vector; threads get whole vectors, so only the very end has a scalar tail.
    private static var width: Int { VectorMath.FloatVector.scalarCount }

    /// `out[i] = f(x[i])` for `i < count`.
    static func unary<F: UnaryLaneFunction>(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                            count n: Int, costPerElement: Int, _ f: F) {
        Parallel.forRanges((n + width - 1) / width, costPerItem: width * costPerElement) { vectors in
            var j = vectors.lowerBound * width
            let end = Swift.min(n, vectors.upperBound * width)
            while j + width <= end {
                VectorMath.store(f(VectorMath.load(x + j)), out + j)
                j += width
            }
            while j < end {
                out[j] = f(x[j]) as Float
                j += 1
            }
        }
    }

    /// `out[i] = f(a[i], b[i])` for `i < count`.
    static func binary<F: BinaryLaneFunction>(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                              into out: UnsafeMutablePointer<Float>, count n: Int,
                                              costPerElement: Int, _ f: F) {
        Parallel.forRanges((n + width - 1) / width, costPerItem: width * costPerElement) { vectors in
            var j = vectors.lowerBound * width
            let end = Swift.min(n, vectors.upperBound * width)
            while j + width <= end {
                VectorMath.store(f(VectorMath.load(a + j), VectorMath.load(b + j)), out + j)
                j += width
            }
            while j < end {
                out[j] = f(a[j], b[j]) as Float
                j += 1
            }
        }
    }

    /// `x[i] += bias[i]`, then `out[i] = f(x[i])`, for `i < count`, on the calling thread (`out`
    /// may be `x`): one row of a product, its bias and its activation.
    static func biasedUnary<F: UnaryLaneFunction>(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                                                  into out: UnsafeMutablePointer<Float>, count n: Int, _ f: F) {
        var j = 0
        while j + width <= n {
            let v = VectorMath.load(x + j) + VectorMath.load(bias + j)
            VectorMath.store(v, x + j)
            VectorMath.store(f(v), out + j)
            j += width
        }
        while j < n {
            x[j] += bias[j]
            out[j] = f(x[j]) as Float
            j += 1
        }
    }
}
