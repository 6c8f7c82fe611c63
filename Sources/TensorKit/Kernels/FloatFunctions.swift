/// A scalar function of one float, written once for both `Float` and `Double`.
///
/// Ops pass a value of a conforming type to ``Tensor/mapFloat(op:_:rule:)``; the loop is
/// specialised for it, so the function is inlined into a vectorisable loop. Inside TensorKit,
/// formulas that also need explicit 8-lane loops are written over `FloatLanes` instead
/// (`UnaryLaneFunction`, which refines this protocol), so they still have one body.
///
/// ```swift
/// struct Square: UnaryFloatFunction {
///     func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x * x }
/// }
/// ```
public protocol UnaryFloatFunction {
    /// The function's value at `x`; specialised for `Float` and `Double` at each call site.
    func callAsFunction<T: FloatingScalar>(_ x: T) -> T
}

/// A scalar function of two floats, written once for both `Float` and `Double`.
public protocol BinaryFloatFunction {
    /// The function's value at `(a, b)`; specialised for `Float` and `Double` at each call site.
    func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T
}

/// Adapts a ``UnaryFloatFunction`` to the kernels' element-function protocol at one type.
struct FloatUnary<Op: UnaryFloatFunction, T: FloatingScalar>: ElementFunction1 {
    let op: Op
    @inline(__always) func callAsFunction(_ a: T) -> T { op(a) }
}

/// Adapts a ``BinaryFloatFunction`` to the kernels' element-function protocol at one type.
struct FloatBinary<Op: BinaryFloatFunction, T: FloatingScalar>: ElementFunction2 {
    let op: Op
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { op(a, b) }
}

/// The basic arithmetic functions.
enum Arithmetic {
    struct Add: BinaryFloatFunction { @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a + b } }
    struct Sub: BinaryFloatFunction { @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a - b } }
    struct Mul: BinaryFloatFunction { @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a * b } }
    struct Div: BinaryFloatFunction { @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a / b } }
    struct Neg: UnaryFloatFunction { @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { -x } }
    /// `x * scale + shift`.
    struct Affine: UnaryFloatFunction {
        let scale: Double, shift: Double
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x * T(scale) + T(shift) }
    }
    /// `s / x`.
    struct Reciprocal: UnaryFloatFunction {
        let numerator: Double
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T(numerator) / x }
    }
}
