#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// A float32 function evaluated on 8 lanes at once, with a scalar form for loop tails that
/// computes the same operations in the same order (so every element gets the same result
/// wherever it falls in the buffer).
protocol VectorUnaryFunction {
    func callAsFunction(_ x: VectorMath.FloatVector) -> VectorMath.FloatVector
    func callAsFunction(_ x: Float) -> Float
}

/// A two-argument float32 function on 8 lanes (``VectorUnaryFunction``); backward passes take
/// `(g, x)` or `(g, y)`.
protocol VectorBinaryFunction {
    func callAsFunction(_ a: VectorMath.FloatVector, _ b: VectorMath.FloatVector) -> VectorMath.FloatVector
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

/// Elementwise maps over contiguous float32 tensors with explicit vectors, for the activation
/// functions whose bodies the auto-vectoriser leaves scalar at the baseline x86-64 target
/// (polynomial `exp`/`erf`/`tanh` with selects and integer bit tricks). Other layouts and float64
/// return nil; callers then take the general ``Elementwise`` path (libm for float64).
enum VectorMap {
    /// Elements per vector; threads get whole vectors, so only the very end has a scalar tail.
    private static var width: Int { VectorMath.FloatVector.scalarCount }

    /// `f(x)` into a new contiguous tensor, or nil unless `x` is contiguous float32.
    static func unary<F: VectorUnaryFunction>(_ x: Tensor, costPerElement: Int, _ f: F) -> Tensor? {
        guard x.dtype == .float32, x.isContiguous else { return nil }
        let out = Tensor(uninitializedShape: x.shape, dtype: .float32)
        let px = UnsafePointer(x.pointer(as: Float.self)), po = out.pointer(as: Float.self)
        let n = x.count
        Parallel.forRanges((n + width - 1) / width, costPerItem: width * costPerElement) { vectors in
            var j = vectors.lowerBound * width
            let end = Swift.min(n, vectors.upperBound * width)
            while j + width <= end {
                VectorMath.store(f(VectorMath.load(px + j)), po + j)
                j += width
            }
            while j < end {
                po[j] = f(px[j])
                j += 1
            }
        }
        return out
    }

    /// `f(a, b)` into a new contiguous tensor, or nil unless `a` and `b` are contiguous float32
    /// of the same shape.
    static func binary<F: VectorBinaryFunction>(_ a: Tensor, _ b: Tensor, costPerElement: Int, _ f: F) -> Tensor? {
        guard a.dtype == .float32, b.dtype == .float32, a.shape == b.shape, a.isContiguous, b.isContiguous else {
            return nil
        }
        let out = Tensor(uninitializedShape: a.shape, dtype: .float32)
        let pa = UnsafePointer(a.pointer(as: Float.self)), pb = UnsafePointer(b.pointer(as: Float.self))
        let po = out.pointer(as: Float.self)
        let n = a.count
        Parallel.forRanges((n + width - 1) / width, costPerItem: width * costPerElement) { vectors in
            var j = vectors.lowerBound * width
            let end = Swift.min(n, vectors.upperBound * width)
            while j + width <= end {
                VectorMath.store(f(VectorMath.load(pa + j), VectorMath.load(pb + j)), po + j)
                j += width
            }
            while j < end {
                po[j] = f(pa[j], pb[j])
                j += 1
            }
        }
        return out
    }
}

/// Float32 vector forms of the activations in ``ActivationFunctions`` (same formulas).
enum VectorActivations {
    typealias V = VectorMath.FloatVector
    static let inverseSqrtTwo: Float = 0.707_106_781_186_547_5
    static let inverseSqrtTwoPi: Float = 0.398_942_280_401_432_7
    static let sqrtTwoOverPi: Float = 0.797_884_560_802_865_4
    static let cubic: Float = 0.044_715
    // Abramowitz & Stegun 7.1.26.
    static let abP: Float = 0.327_591_1
    static let abA1: Float = 0.254_829_592
    static let abA2: Float = -0.284_496_736
    static let abA3: Float = 1.421_413_741
    static let abA4: Float = -1.453_152_027
    static let abA5: Float = 1.061_405_429

    /// `x · ½(1 + erf(x/√2))`.
    struct GeluErf: VectorUnaryFunction {
        @inline(__always) func callAsFunction(_ x: V) -> V {
            x * (VectorMath.erf(x * inverseSqrtTwo) + 1) * 0.5
        }
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            x * (VectorMath.erf(x * inverseSqrtTwo) + 1) * 0.5
        }
    }

    /// `g · (Φ(x) + x·φ(x))`. The gradient needs `e = exp(−x²/2)` for φ anyway, so Φ comes from
    /// Abramowitz–Stegun 7.1.26, which builds `erf(z)` from `exp(−z²)` (here `z = |x|/√2`, the
    /// same `e`): `erf(z) = 1 − t·P(t)·e`, `t = 1/(1 + p·z)`, absolute error ≤ 1.5e-7 (below
    /// float32 rounding of Φ near 1). For x < 0, `Φ = ½·t·P(t)·e` directly, without the
    /// cancellation of `1 + erf`.
    struct GeluErfGrad: VectorBinaryFunction {
        @inline(__always) func callAsFunction(_ g: V, _ x: V) -> V {
            let e = VectorMath.expNonPositive(x * x * -0.5)
            #if arch(x86_64)
            let magnitude = V(lowHalf: _mm_andnot_ps(SIMD4<Float>(repeating: -0.0), x.lowHalf),
                              highHalf: _mm_andnot_ps(SIMD4<Float>(repeating: -0.0), x.highHalf))
            #else
            let magnitude = x.replacing(with: -x, where: x .< 0)
            #endif
            let t = 1 / (magnitude * (abP * inverseSqrtTwo) + 1)
            var poly = t * abA5 + abA4
            poly = poly * t + abA3
            poly = poly * t + abA2
            poly = poly * t + abA1
            let tail = poly * t * e * 0.5  // Φ(−|x|)
            let upper = 1 - tail
            let cdf = VectorMath.select(negativeIn: x, tail, else: upper)
            return g * (cdf + x * (e * inverseSqrtTwoPi))
        }
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float {
            let e = VectorMath.expNonPositive(x * x * -0.5)
            let magnitude = x < 0 ? -x : x
            let t = 1 / (magnitude * (abP * inverseSqrtTwo) + 1)
            var poly = t * abA5 + abA4
            poly = poly * t + abA3
            poly = poly * t + abA2
            poly = poly * t + abA1
            let tail = poly * t * e * 0.5
            let upper = 1 - tail
            let cdf = x < 0 ? tail : upper
            return g * (cdf + x * (e * inverseSqrtTwoPi))
        }
    }

    /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
    struct GeluTanh: VectorUnaryFunction {
        @inline(__always) func callAsFunction(_ x: V) -> V {
            let inner = (x + x * x * x * cubic) * sqrtTwoOverPi
            return x * (VectorMath.tanh(inner) + 1) * 0.5
        }
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            let inner = (x + x * x * x * cubic) * sqrtTwoOverPi
            return x * (VectorMath.tanh(inner) + 1) * 0.5
        }
    }

    /// `g · (½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²))`, `t = tanh(inner)`.
    struct GeluTanhGrad: VectorBinaryFunction {
        @inline(__always) func callAsFunction(_ g: V, _ x: V) -> V {
            let x2 = x * x
            let t = VectorMath.tanh((x + x2 * x * cubic) * sqrtTwoOverPi)
            let dInner = (x2 * (3 * cubic) + 1) * sqrtTwoOverPi
            return g * ((t + 1) + x * (1 - t * t) * dInner) * 0.5
        }
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float {
            let x2 = x * x
            let t = VectorMath.tanh((x + x2 * x * cubic) * sqrtTwoOverPi)
            let dInner = (x2 * (3 * cubic) + 1) * sqrtTwoOverPi
            return g * ((t + 1) + x * (1 - t * t) * dInner) * 0.5
        }
    }

    /// `tanh(x)`.
    struct Tanh: VectorUnaryFunction {
        @inline(__always) func callAsFunction(_ x: V) -> V { VectorMath.tanh(x) }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { VectorMath.tanh(x) }
    }

    /// `1 / (1 + e^−x)` through `e = e^−|x|` (never overflows); the sign picks `1/(1+e)` or `e/(1+e)`.
    struct Sigmoid: VectorUnaryFunction {
        @inline(__always) func callAsFunction(_ x: V) -> V {
            let negative = x .< 0
            let e = VectorMath.expNonPositive((-x).replacing(with: x, where: negative))
            let r = 1 / (e + 1)
            return r.replacing(with: e * r, where: negative)
        }
        @inline(__always) func callAsFunction(_ x: Float) -> Float {
            let e = VectorMath.expNonPositive(x < 0 ? x : -x)
            let r = 1 / (e + 1)
            return x < 0 ? e * r : r
        }
    }

    /// `x · sigmoid(x)`.
    struct Silu: VectorUnaryFunction {
        @inline(__always) func callAsFunction(_ x: V) -> V { x * Sigmoid()(x) }
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x * Sigmoid()(x) }
    }

    /// `g · s · (1 + x(1 − s))` with `s = sigmoid(x)`.
    struct SiluGrad: VectorBinaryFunction {
        @inline(__always) func callAsFunction(_ g: V, _ x: V) -> V {
            let s = Sigmoid()(x)
            return g * s * (x * (1 - s) + 1)
        }
        @inline(__always) func callAsFunction(_ g: Float, _ x: Float) -> Float {
            let s = Sigmoid()(x)
            return g * s * (x * (1 - s) + 1)
        }
    }
}
