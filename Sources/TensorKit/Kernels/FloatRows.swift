/// Float32 row loops written with explicit 8-lane vectors (``VectorMath/FloatVector``) and scalar
/// tails, for the fused row kernels (softmax, norms, cross-entropy, attention).
///
/// The release build targets baseline x86-64 and library targets cannot pass `-target-cpu`, so
/// these loops cannot rely on the auto-vectoriser: a reduction like `s += p[j]` stays scalar under
/// strict float order, and a loop around the polynomial `exp` often does too. Here the plain
/// reductions keep two vector accumulators (four SSE registers of independent partial sums); the
/// exp loops take one vector per iteration (the exp body has enough independent work, and
/// unrolling spilled registers). Scalar tails use the same scalar functions, which agree with the
/// vector lanes bit for bit. Sums are reassociated (lane-wise partial sums), so results differ
/// from a sequential sum in the last bits, as in any vectorised framework.
enum FloatRows {
    typealias V = VectorMath.FloatVector
    static var width: Int { V.scalarCount }

    /// Views a pointer to a generic scalar known to be `Float` (the caller checked `T.self`).
    @inline(__always)
    static func floats<T>(_ p: UnsafePointer<T>) -> UnsafePointer<Float> {
        UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    @inline(__always)
    static func floats<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    /// Largest of `n > 0` values (−∞ allowed; NaNs are skipped, so a NaN row element shows up
    /// later through `exp`, not here).
    @inline(__always)
    static func maximum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var m0 = V(repeating: -.infinity), m1 = m0
        var j = 0
        while j + 2 * width <= n {
            m0 = VectorMath.maximum(m0, VectorMath.load(p + j))
            m1 = VectorMath.maximum(m1, VectorMath.load(p + j + width))
            j += 2 * width
        }
        if j + width <= n {
            m0 = VectorMath.maximum(m0, VectorMath.load(p + j))
            j += width
        }
        var m = VectorMath.horizontalMaximum(VectorMath.maximum(m0, m1))
        while j < n {
            if p[j] > m { m = p[j] }
            j += 1
        }
        return m
    }

    /// `Σ p[j]`.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = V(), s1 = V()
        var j = 0
        while j + 2 * width <= n {
            s0 += VectorMath.load(p + j)
            s1 += VectorMath.load(p + j + width)
            j += 2 * width
        }
        if j + width <= n {
            s0 += VectorMath.load(p + j)
            j += width
        }
        var s = (s0 + s1).sum()
        while j < n {
            s += p[j]
            j += 1
        }
        return s
    }

    /// `Σ a[j]·b[j]`.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = V(), s1 = V()
        var j = 0
        while j + 2 * width <= n {
            s0 += VectorMath.load(a + j) * VectorMath.load(b + j)
            s1 += VectorMath.load(a + j + width) * VectorMath.load(b + j + width)
            j += 2 * width
        }
        if j + width <= n {
            s0 += VectorMath.load(a + j) * VectorMath.load(b + j)
            j += width
        }
        var s = (s0 + s1).sum()
        while j < n {
            s += a[j] * b[j]
            j += 1
        }
        return s
    }

    /// `y[j] = exp(x[j]·scale − shift)`, returning `Σ y[j]`. `y` may be `x` (in place). The
    /// arguments must be ≤ 0 up to rounding (`shift` the scaled row maximum):
    /// ``VectorMath/expNonPositive(_:)-(FloatVector)``.
    @inline(__always)
    static func exponentiate(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
                             scale: Float = 1, shift: Float) -> Float {
        // One vector per iteration: the exp body already has two independent register chains,
        // and unrolling further spills the accumulators (16 SSE registers).
        var s0 = V()
        var j = 0
        while j + width <= n {
            let e0 = VectorMath.expNonPositive(VectorMath.load(x + j) * scale - shift)
            VectorMath.store(e0, y + j)
            s0 += e0
            j += width
        }
        var s = s0.sum()
        while j < n {
            let e = VectorMath.expNonPositive(x[j] * scale - shift)
            y[j] = e
            s += e
            j += 1
        }
        return s
    }

    /// `Σ exp(x[j] − shift)`, storing nothing (`shift` at least the row maximum).
    @inline(__always)
    static func exponentialSum(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> Float {
        var s0 = V()
        var j = 0
        while j + width <= n {
            s0 += VectorMath.expNonPositive(VectorMath.load(x + j) - shift)
            j += width
        }
        var s = s0.sum()
        while j < n {
            s += VectorMath.expNonPositive(x[j] - shift)
            j += 1
        }
        return s
    }

    /// `y[j] = x[j]·a + b`. `y` may be `x`.
    @inline(__always)
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, scale a: Float,
                       shift b: Float) {
        var j = 0
        while j + width <= n {
            VectorMath.store(VectorMath.load(x + j) * a + b, y + j)
            j += width
        }
        while j < n {
            y[j] = x[j] * a + b
            j += 1
        }
    }

    /// `y[j] = x[j]·a`. `y` may be `x`.
    @inline(__always)
    static func scale(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, by a: Float) {
        var j = 0
        while j + width <= n {
            VectorMath.store(VectorMath.load(x + j) * a, y + j)
            j += width
        }
        while j < n {
            y[j] = x[j] * a
            j += 1
        }
    }

    /// `Σ (p[j] − shift)²`.
    @inline(__always)
    static func centredSquares(_ p: UnsafePointer<Float>, _ n: Int, shift: Float) -> Float {
        var s0 = V(), s1 = V()
        var j = 0
        while j + 2 * width <= n {
            let d0 = VectorMath.load(p + j) - shift, d1 = VectorMath.load(p + j + width) - shift
            s0 += d0 * d0
            s1 += d1 * d1
            j += 2 * width
        }
        if j + width <= n {
            let d0 = VectorMath.load(p + j) - shift
            s0 += d0 * d0
            j += width
        }
        var s = (s0 + s1).sum()
        while j < n {
            let d = p[j] - shift
            s += d * d
            j += 1
        }
        return s
    }
}
