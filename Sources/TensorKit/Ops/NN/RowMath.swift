/// Row reductions and a fast `exp` for the fused kernels (softmax inside cross-entropy and
/// attention). Float's `expf` is a library call per element that the compiler cannot vectorise;
/// the branch-free polynomial `exp` below vectorises in a plain map loop, and the reductions
/// keep four independent accumulators (strict float order forbids reassociating one). Double keeps the C library `exp` (float64 is the
/// gradcheck and reference type, where exactness matters more than speed).
protocol FusedExponential: FloatingScalar {
    /// `exp(x)` to within a couple of ulps; `exp(−∞) = 0`.
    static func fusedExp(_ x: Self) -> Self
}

extension Float: FusedExponential {
    /// Cephes' `expf` polynomial with round-to-nearest by the 1.5·2²³ trick and the power of two
    /// built from bits: no calls, no traps, no branches the vectoriser cannot turn into selects.
    /// Inputs below −87.3 (including −∞) give 0; NaN stays NaN.
    @inline(__always)
    static func fusedExp(_ x: Float) -> Float {
        let clamped = x > 88 ? 88 : (x < -87.3 ? -87.3 : x)
        let magic: Float = 12_582_912  // 1.5 · 2²³
        let t = clamped * 1.442_695_04 + magic
        let n = t - magic
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var y: Float = 1.987_569_15e-4
        y = y * r + 1.398_199_95e-3
        y = y * r + 8.333_451_9e-3
        y = y * r + 4.166_579_59e-2
        y = y * r + 1.666_666_55e-1
        y = y * r + 5.000_000_12e-1
        y = y * r * r + r + 1
        let scale = Float(bitPattern: ((t.bitPattern &- magic.bitPattern) &<< 23) &+ 0x3F80_0000)
        let result = y * scale
        return x < -87.3 ? 0 : (x > 88.7 ? .infinity : result)
    }
}

extension Double: FusedExponential {
    @inline(__always)
    static func fusedExp(_ x: Double) -> Double { Double.exp(x) }
}

enum RowMath {
    /// Largest of `n > 0` values (NaN-free input assumed; −∞ allowed).
    @inline(__always)
    static func maximum<T: FloatingScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
        var m0 = -T.infinity, m1 = -T.infinity, m2 = -T.infinity, m3 = -T.infinity
        var j = 0
        while j + 4 <= n {
            m0 = p[j] > m0 ? p[j] : m0
            m1 = p[j + 1] > m1 ? p[j + 1] : m1
            m2 = p[j + 2] > m2 ? p[j + 2] : m2
            m3 = p[j + 3] > m3 ? p[j + 3] : m3
            j += 4
        }
        while j < n {
            m0 = p[j] > m0 ? p[j] : m0
            j += 1
        }
        return Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
    }

    /// Sum of `n` values.
    @inline(__always)
    static func sum<T: FloatingScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0
        var j = 0
        while j + 4 <= n {
            s0 += p[j]
            s1 += p[j + 1]
            s2 += p[j + 2]
            s3 += p[j + 3]
            j += 4
        }
        while j < n {
            s0 += p[j]
            j += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// `p[j] = exp(p[j] − shift)` in place, returning the sum of the results.
    @inline(__always)
    static func exponentiate<T: FusedExponential>(_ p: UnsafeMutablePointer<T>, _ n: Int, shift: T) -> T {
        for j in 0..<n { p[j] = T.fusedExp(p[j] - shift) }
        return sum(p, n)
    }

    /// `Σ a[j]·b[j]`.
    @inline(__always)
    static func dot<T: FloatingScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ n: Int) -> T {
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0
        var j = 0
        while j + 4 <= n {
            s0 += a[j] * b[j]
            s1 += a[j + 1] * b[j + 1]
            s2 += a[j + 2] * b[j + 2]
            s3 += a[j + 3] * b[j + 3]
            j += 4
        }
        while j < n {
            s0 += a[j] * b[j]
            j += 1
        }
        return (s0 + s1) + (s2 + s3)
    }
}
