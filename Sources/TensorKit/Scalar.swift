#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Swift type that can be the element of a tensor; ties the type to its ``DType``.
public protocol TensorScalar: Sendable {
    /// The dtype whose storage holds values of this type.
    static var dtype: DType { get }
    /// Converts to `Double` (used for printing and generic reads, never on hot paths).
    var doubleValue: Double { get }
    /// Converts from `Double`, rounding or truncating as Swift's numeric initialisers do.
    init(fromDouble value: Double)
}

/// Floating-point element types our differentiable kernels are specialised for (`Float`, `Double`).
///
/// Kernels are generic over this protocol and specialised by the optimiser for each type, so no
/// unspecialised generic code runs per element.
public protocol FloatingScalar: TensorScalar, BinaryFloatingPoint where Self.RawSignificand: FixedWidthInteger {
    /// e to the power x.
    static func exp(_ x: Self) -> Self
    /// Natural logarithm.
    static func log(_ x: Self) -> Self
    /// Square root.
    static func sqrt(_ x: Self) -> Self
    /// Hyperbolic tangent.
    static func tanh(_ x: Self) -> Self
    /// Sine.
    static func sin(_ x: Self) -> Self
    /// Cosine.
    static func cos(_ x: Self) -> Self
    /// The error function.
    static func erf(_ x: Self) -> Self
    /// x to the power y.
    static func pow(_ x: Self, _ y: Self) -> Self
    /// log(1 + x), accurate near 0.
    static func log1p(_ x: Self) -> Self
    /// exp(x) − 1, accurate near 0.
    static func expm1(_ x: Self) -> Self
}

/// `Float` is the scalar of ``DType/float32`` tensors; the math functions call the C library.
extension Float: FloatingScalar {
    public static var dtype: DType { .float32 }
    public var doubleValue: Double { Double(self) }
    public init(fromDouble value: Double) { self = Float(value) }
    @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) public static func sqrt(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) public static func tanh(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) public static func sin(_ x: Float) -> Float { sinf(x) }
    @inline(__always) public static func cos(_ x: Float) -> Float { cosf(x) }
    @inline(__always) public static func erf(_ x: Float) -> Float { erff(x) }
    @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    @inline(__always) public static func log1p(_ x: Float) -> Float { log1pf(x) }
    @inline(__always) public static func expm1(_ x: Float) -> Float { expm1f(x) }
}

/// `Double` is the scalar of ``DType/float64`` tensors, the precision gradcheck works in.
extension Double: FloatingScalar {
    public static var dtype: DType { .float64 }
    public var doubleValue: Double { self }
    public init(fromDouble value: Double) { self = value }
    @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    @inline(__always) public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inline(__always) public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inline(__always) public static func erf(_ x: Double) -> Double { Glibc.erf(x) }
    @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
    @inline(__always) public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    @inline(__always) public static func expm1(_ x: Double) -> Double { Glibc.expm1(x) }
}

/// `Int32` is the scalar of ``DType/int32`` tensors (indices, token ids).
extension Int32: TensorScalar {
    public static var dtype: DType { .int32 }
    public var doubleValue: Double { Double(self) }
    public init(fromDouble value: Double) { self = Int32(value) }
}

/// `Int64` is the scalar of ``DType/int64`` tensors (indices, targets, as PyTorch's `long`).
extension Int64: TensorScalar {
    public static var dtype: DType { .int64 }
    public var doubleValue: Double { Double(self) }
    public init(fromDouble value: Double) { self = Int64(value) }
}

/// `Bool` is the scalar of ``DType/bool`` tensors (masks).
extension Bool: TensorScalar {
    public static var dtype: DType { .bool }
    public var doubleValue: Double { self ? 1 : 0 }
    public init(fromDouble value: Double) { self = value != 0 }
}

/// Conversions between `Float` and the 16-bit storage formats, done on bit patterns so they are
/// portable and fast (round-to-nearest-even, NaN preserved).
enum HalfConversion {
    @inline(__always) static func bfloat16Bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    @inline(__always) static func float(fromBFloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    @inline(__always) static func float16Bits(from value: Float) -> UInt16 {
        Float16(value).bitPattern
    }

    @inline(__always) static func float(fromFloat16 bits: UInt16) -> Float {
        Float(Float16(bitPattern: bits))
    }
}
