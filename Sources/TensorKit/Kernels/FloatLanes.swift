#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// What a float formula is evaluated on: one element (`Float`, `Double`, lane width 1) or eight
/// float32 lanes at once (`SIMD8<Float>`).
///
/// A formula written once over `FloatLanes` (a ``UnaryLaneFunction`` or ``BinaryLaneFunction``)
/// runs in the vector body of a float32 loop, in its scalar tail, and in the float64 and strided
/// loops. The primitives below are where the types differ: float32 (one lane or eight) uses the
/// branch-free polynomials of ``VectorMath``, whose lanes agree bit for bit with the scalar forms,
/// so a vector body and its scalar tail give every element the same result; float64 uses libm
/// (it is the gradcheck type).
protocol FloatLanes {
    /// `constant` in every lane (rounded to the lane type, as a literal of that type would be).
    init(_ constant: Double)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    static prefix func - (x: Self) -> Self
    /// `|x|` (clears the sign bit).
    var magnitude: Self { get }
    /// `a` where `x < 0`, `b` elsewhere (and where `x` is NaN).
    static func select(negativeIn x: Self, _ a: Self, else b: Self) -> Self
    /// `e^x` over the whole range (float32: the Cephes polynomial, ≤ 2 ulp; `exp(−∞) = 0`).
    static func exponential(_ x: Self) -> Self
    /// `e^x` for `x ≤ 0` (the float32 form is wrong, not merely inexact, above 88.37).
    static func exponentialOfNonPositive(_ x: Self) -> Self
    /// `tanh(x)`.
    static func hyperbolicTangent(_ x: Self) -> Self
    /// `erf(x)`.
    static func errorFunction(_ x: Self) -> Self
    /// The standard normal CDF `Φ(x)`, given `e = exp(−x²/2)` (which the caller has anyway for
    /// the density). The default is Abramowitz–Stegun 7.1.26, built from `e` (absolute error
    /// ≤ 1.5e-7, below float32 rounding of Φ near 1); float64 overrides it with libm's `erf`.
    static func normalDistribution(_ x: Self, gaussian e: Self) -> Self
}

/// The element types the float kernels compute in (`Float` and `Double`): tensor scalars that
/// are also one lane of a formula.
typealias KernelFloat = FloatingScalar & FloatLanes

extension FloatLanes {
    /// Abramowitz–Stegun 7.1.26: `erf(z) = 1 − t·P(t)·exp(−z²)`, `t = 1/(1 + p·z)`, here with
    /// `z = |x|/√2` so `exp(−z²)` is `e`. For x < 0, `Φ = ½·t·P(t)·e` directly, without the
    /// cancellation of `1 + erf`.
    @inline(__always)
    static func normalDistribution(_ x: Self, gaussian e: Self) -> Self {
        let t = Self(1) / (x.magnitude * (Self(0.327_591_1) * Self(inverseSquareRootOfTwo)) + Self(1))
        var poly = t * Self(1.061_405_429) + Self(-1.453_152_027)
        poly = poly * t + Self(1.421_413_741)
        poly = poly * t + Self(-0.284_496_736)
        poly = poly * t + Self(0.254_829_592)
        let tail = poly * t * e * Self(0.5)  // Φ(−|x|)
        return select(negativeIn: x, tail, else: Self(1) - tail)
    }

    /// `1/√2`.
    @inline(__always) static var inverseSquareRootOfTwo: Double { 0.707_106_781_186_547_5 }
}

extension Float: FloatLanes {
    @inline(__always) static func select(negativeIn x: Float, _ a: Float, else b: Float) -> Float { x < 0 ? a : b }
    @inline(__always) static func exponential(_ x: Float) -> Float { VectorMath.exp(x) }
    @inline(__always) static func exponentialOfNonPositive(_ x: Float) -> Float { VectorMath.expNonPositive(x) }
    @inline(__always) static func hyperbolicTangent(_ x: Float) -> Float { VectorMath.tanh(x) }
    @inline(__always) static func errorFunction(_ x: Float) -> Float { VectorMath.erf(x) }
}

extension Double: FloatLanes {
    @inline(__always) static func select(negativeIn x: Double, _ a: Double, else b: Double) -> Double { x < 0 ? a : b }
    @inline(__always) static func exponential(_ x: Double) -> Double { Double.exp(x) }
    @inline(__always) static func exponentialOfNonPositive(_ x: Double) -> Double { Double.exp(x) }
    @inline(__always) static func hyperbolicTangent(_ x: Double) -> Double { Double.tanh(x) }
    @inline(__always) static func errorFunction(_ x: Double) -> Double { Double.erf(x) }
    @inline(__always) static func normalDistribution(_ x: Double, gaussian e: Double) -> Double {
        (1 + Double.erf(x * inverseSquareRootOfTwo)) / 2
    }
}

extension SIMD8: FloatLanes where Scalar == Float {
    @inline(__always) init(_ constant: Double) { self.init(repeating: Float(constant)) }
    @inline(__always) var magnitude: SIMD8<Float> {
        #if arch(x86_64)
        SIMD8(lowHalf: _mm_andnot_ps(SIMD4<Float>(repeating: -0.0), lowHalf),
              highHalf: _mm_andnot_ps(SIMD4<Float>(repeating: -0.0), highHalf))
        #else
        replacing(with: -self, where: self .< 0)
        #endif
    }
    @inline(__always) static func select(negativeIn x: SIMD8<Float>, _ a: SIMD8<Float>, else b: SIMD8<Float>) -> SIMD8<Float> {
        VectorMath.select(negativeIn: x, a, else: b)
    }
    @inline(__always) static func exponential(_ x: SIMD8<Float>) -> SIMD8<Float> { VectorMath.exp(x) }
    @inline(__always) static func exponentialOfNonPositive(_ x: SIMD8<Float>) -> SIMD8<Float> { VectorMath.expNonPositive(x) }
    @inline(__always) static func hyperbolicTangent(_ x: SIMD8<Float>) -> SIMD8<Float> { VectorMath.tanh(x) }
    @inline(__always) static func errorFunction(_ x: SIMD8<Float>) -> SIMD8<Float> { VectorMath.erf(x) }
}

/// A float formula of one argument written once over ``FloatLanes``, so it runs on eight float32
/// lanes (``VectorMap``) as well as on one element of any float type; its ``UnaryFloatFunction``
/// form (what the general strided loops call) is this same body at width 1.
protocol UnaryLaneFunction: UnaryFloatFunction {
    func callAsFunction<V: FloatLanes>(_ x: V) -> V
}

/// A float formula of two arguments written once over ``FloatLanes`` (see ``UnaryLaneFunction``);
/// backward passes take `(g, x)` or `(g, y)`.
protocol BinaryLaneFunction: BinaryFloatFunction {
    func callAsFunction<V: FloatLanes>(_ a: V, _ b: V) -> V
}

extension UnaryLaneFunction {
    /// The lane formula at width 1 (the type checks fold away once the loop is specialised).
    @inline(__always)
    func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
        if T.self == Float.self { return unsafeBitCast(self(unsafeBitCast(x, to: Float.self)) as Float, to: T.self) }
        precondition(T.self == Double.self, "float formulas run on Float and Double, not \(T.self)")
        return unsafeBitCast(self(unsafeBitCast(x, to: Double.self)) as Double, to: T.self)
    }
}

extension BinaryLaneFunction {
    /// The lane formula at width 1 (the type checks fold away once the loop is specialised).
    @inline(__always)
    func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T {
        if T.self == Float.self {
            return unsafeBitCast(self(unsafeBitCast(a, to: Float.self), unsafeBitCast(b, to: Float.self)) as Float, to: T.self)
        }
        precondition(T.self == Double.self, "float formulas run on Float and Double, not \(T.self)")
        return unsafeBitCast(self(unsafeBitCast(a, to: Double.self), unsafeBitCast(b, to: Double.self)) as Double, to: T.self)
    }
}
