/// Row reductions for the fused kernels (softmax inside cross-entropy and attention). The
/// reductions keep four independent accumulators (strict float order forbids reassociating one);
/// float32 goes to the explicit-vector loops of ``FloatRows``. The `exp` is
/// ``FloatLanes/exponential(_:)``: the branch-free polynomial for float32 (libm's `expf` is an
/// opaque call per element), the C library's for float64 (the gradcheck and reference type).

enum RowMath {
    /// Largest of `n > 0` values (NaN-free input assumed; −∞ allowed).
    @inline(__always)
    static func maximum<T: FloatingScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
        if T.self == Float.self { return unsafeBitCast(FloatRows.maximum(FloatRows.floats(p), n), to: T.self) }
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
        if T.self == Float.self { return unsafeBitCast(FloatRows.sum(FloatRows.floats(p), n), to: T.self) }
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
    static func exponentiate<T: KernelFloat>(_ p: UnsafeMutablePointer<T>, _ n: Int, shift: T) -> T {
        if T.self == Float.self {
            let f = FloatRows.floats(p)
            return unsafeBitCast(FloatRows.exponentiate(f, f, n, shift: unsafeBitCast(shift, to: Float.self)), to: T.self)
        }
        for j in 0..<n { p[j] = T.exponential(p[j] - shift) }
        return sum(p, n)
    }

    /// `Σ a[j]·b[j]`.
    @inline(__always)
    static func dot<T: FloatingScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ n: Int) -> T {
        if T.self == Float.self {
            return unsafeBitCast(FloatRows.dot(FloatRows.floats(a), FloatRows.floats(b), n), to: T.self)
        }
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
