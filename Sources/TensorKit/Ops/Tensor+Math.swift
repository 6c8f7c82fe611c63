/// Elementwise math: abs, exp, log, sqrt, rsqrt, pow, sin, cos, clamp, maximum, minimum.
///
/// Each backward rule that needs the input (or the output) and the incoming gradient is one fused
/// pass over both (a ``BinaryFloatFunction`` of `(g, x)`), not a chain of tensor ops, so it
/// allocates only the gradient it returns.
extension Tensor {
    /// Absolute value. The gradient at 0 is 0 (as in PyTorch).
    public func abs() -> Tensor {
        let out = FloatMap.unary(self, op: "abs", MathFunctions.Abs())
        return Tensor.record("abs", output: out, inputs: [self]) { g in
            [FloatMap.binary(g, self, op: "abs backward", MathFunctions.AbsGrad())]
        }
    }

    /// `e` raised to each element.
    ///
    /// Float32 uses a branch-free polynomial (within 2 ulp of libm) so contiguous loops vectorise.
    public func exp() -> Tensor {
        let out = FloatMap.unary(self, op: "exp", MathFunctions.Exp())
        let saved = out.detach()
        return Tensor.record("exp", output: out, inputs: [self]) { g in [g * saved] }
    }

    /// Natural logarithm (NaN below 0, -inf at 0).
    public func log() -> Tensor {
        let out = FloatMap.unary(self, op: "log", MathFunctions.Log())
        return Tensor.record("log", output: out, inputs: [self]) { g in [g / self] }
    }

    /// Square root.
    public func sqrt() -> Tensor {
        let out = FloatMap.unary(self, op: "sqrt", MathFunctions.Sqrt())
        let saved = out.detach()
        return Tensor.record("sqrt", output: out, inputs: [self]) { g in
            [FloatMap.binary(g, saved, op: "sqrt backward", MathFunctions.SqrtGrad())]
        }
    }

    /// Reciprocal square root, `1 / sqrt(x)`.
    public func rsqrt() -> Tensor {
        let out = FloatMap.unary(self, op: "rsqrt", MathFunctions.Rsqrt())
        let saved = out.detach()
        return Tensor.record("rsqrt", output: out, inputs: [self]) { g in
            [FloatMap.binary(g, saved, op: "rsqrt backward", MathFunctions.RsqrtGrad())]
        }
    }

    /// Each element raised to the power `exponent`.
    ///
    /// ```swift
    /// Tensor([1, 2, 3] as [Float]).pow(2)   // [1, 4, 9]
    /// ```
    public func pow(_ exponent: Double) -> Tensor {
        let out = FloatMap.unary(self, op: "pow", MathFunctions.PowScalar(exponent: exponent))
        return Tensor.record("pow", output: out, inputs: [self]) { g in
            [FloatMap.binary(g, self, op: "pow backward", MathFunctions.PowScalarGrad(exponent: exponent))]
        }
    }

    /// Elementwise `self ^ exponent` with broadcasting. The exponent's gradient is
    /// `out · log(self)`, taken as 0 where `self` is 0 (as in PyTorch).
    public func pow(_ exponent: Tensor) -> Tensor {
        let out = FloatMap.binary(self, exponent, op: "pow", MathFunctions.Pow())
        let saved = out.detach()
        return Tensor.record("pow", output: out, inputs: [self, exponent]) { g in
            [self.requiresGrad ? (g * exponent * self.pow(exponent - 1)).sum(toShape: self.shape) : nil,
             exponent.requiresGrad
                ? FloatMap.binary(g * saved, self, op: "pow backward", MathFunctions.TimesLogBase()).sum(toShape: exponent.shape)
                : nil]
        }
    }

    /// Sine (radians).
    public func sin() -> Tensor {
        let out = FloatMap.unary(self, op: "sin", MathFunctions.Sin())
        return Tensor.record("sin", output: out, inputs: [self]) { g in
            [FloatMap.binary(g, self, op: "sin backward", MathFunctions.SinGrad())]
        }
    }

    /// Cosine (radians).
    public func cos() -> Tensor {
        let out = FloatMap.unary(self, op: "cos", MathFunctions.Cos())
        return Tensor.record("cos", output: out, inputs: [self]) { g in
            [FloatMap.binary(g, self, op: "cos backward", MathFunctions.CosGrad())]
        }
    }

    /// Limits each element to `[min, max]` (either bound may be omitted). The gradient passes
    /// where `min ≤ x ≤ max` and is 0 outside, as in PyTorch.
    ///
    /// ```swift
    /// x.clamp(min: -1, max: 1)
    /// ```
    public func clamp(min lower: Double? = nil, max upper: Double? = nil) -> Tensor {
        precondition(lower != nil || upper != nil, "clamp: give min, max or both (shape \(shape))")
        let low = lower ?? -.infinity, high = upper ?? .infinity
        precondition(!(low > high), "clamp: min \(low) is greater than max \(high)")
        let out = FloatMap.unary(self, op: "clamp", MathFunctions.Clamp(low: low, high: high))
        return Tensor.record("clamp", output: out, inputs: [self]) { g in
            [FloatMap.binary(g, self, op: "clamp backward", MathFunctions.ClampGrad(low: low, high: high))]
        }
    }

    /// Elementwise larger of `self` and `other`, with broadcasting. Where they are equal the
    /// gradient is split evenly between the two (as in PyTorch).
    public func maximum(_ other: Tensor) -> Tensor {
        extremum(other, op: "maximum", MathFunctions.Max(), MathFunctions.MaxShare())
    }

    /// Elementwise smaller of `self` and `other`, with broadcasting (ties split the gradient).
    public func minimum(_ other: Tensor) -> Tensor {
        extremum(other, op: "minimum", MathFunctions.Min(), MathFunctions.MinShare())
    }

    /// Elementwise `max(x, value)`: ``clamp(min:max:)`` with a lower bound only.
    public func maximum(_ value: Double) -> Tensor { clamp(min: value) }

    /// Elementwise `min(x, value)`: ``clamp(min:max:)`` with an upper bound only.
    public func minimum(_ value: Double) -> Tensor { clamp(max: value) }

    private func extremum<F: BinaryFloatFunction, S: BinaryFloatFunction>(_ other: Tensor, op: String, _ f: F,
                                                                         _ share: S) -> Tensor {
        let out = FloatMap.binary(self, other, op: op, f)
        return Tensor.record(op, output: out, inputs: [self, other]) { g in
            // `share(a, b)` is the fraction of the gradient that goes to `a`: 1, 0 or ½ at a tie.
            let toSelf = FloatMap.binary(self, other, op: "\(op) backward", share)
            return [self.requiresGrad ? (g * toSelf).sum(toShape: self.shape) : nil,
                    other.requiresGrad ? (g * (1 - toSelf)).sum(toShape: other.shape) : nil]
        }
    }
}

/// Scalar functions of the math ops and their fused backward passes; backward functions take
/// `(g, x)` (or `(g, y)` with the saved output) and return the input gradient.
enum MathFunctions {
    struct Abs: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x < 0 ? -x : x }
    }
    struct AbsGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ x: T) -> T { x > 0 ? g : (x < 0 ? -g : 0) }
    }
    struct Exp: UnaryLaneFunction {
        @inline(__always) func callAsFunction<V: FloatLanes>(_ x: V) -> V { V.exponential(x) }
    }
    struct Log: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.log(x) }
    }
    struct Sqrt: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x.squareRoot() }
    }
    /// `g / (2·sqrt(x))` from the saved output `y = sqrt(x)`.
    struct SqrtGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ y: T) -> T { g / (2 * y) }
    }
    struct Rsqrt: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { 1 / x.squareRoot() }
    }
    /// `d/dx x^(-1/2) = -½·y³` with `y` the saved output.
    struct RsqrtGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ y: T) -> T { -g * y * y * y / 2 }
    }
    struct PowScalar: UnaryFloatFunction {
        let exponent: Double
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
            // Common exponents avoid the libm call (and keep the loop vectorisable).
            switch exponent {
            case 2: return x * x
            case 1: return x
            case 0.5: return x.squareRoot()
            case -1: return 1 / x
            default: return T.pow(x, T(exponent))
            }
        }
    }
    struct PowScalarGrad: BinaryFloatFunction {
        let exponent: Double
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ x: T) -> T {
            switch exponent {
            case 0: return 0
            case 1: return g
            case 2: return 2 * g * x
            default: return g * T(exponent) * T.pow(x, T(exponent - 1))
            }
        }
    }
    struct Pow: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { T.pow(a, b) }
    }
    /// `v · log(a)`, 0 where `a` is 0 (the exponent's gradient of `a^b` with `v = g · a^b`).
    struct TimesLogBase: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ v: T, _ a: T) -> T { a == 0 ? 0 : v * T.log(a) }
    }
    struct Sin: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.sin(x) }
    }
    struct SinGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ x: T) -> T { g * T.cos(x) }
    }
    struct Cos: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { T.cos(x) }
    }
    struct CosGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ x: T) -> T { -g * T.sin(x) }
    }
    /// NaN stays NaN (comparisons with NaN are false).
    struct Clamp: UnaryFloatFunction {
        let low: Double, high: Double
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
            let lo = T(low), hi = T(high)
            return x < lo ? lo : (x > hi ? hi : x)
        }
    }
    struct ClampGrad: BinaryFloatFunction {
        let low: Double, high: Double
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ x: T) -> T {
            x >= T(low) && x <= T(high) ? g : 0
        }
    }
    /// NaN in either operand gives NaN, as in PyTorch.
    struct Max: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T {
            a > b ? a : (a.isNaN ? a : b)
        }
    }
    struct Min: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T {
            a < b ? a : (a.isNaN ? a : b)
        }
    }
    struct MaxShare: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a > b ? 1 : (a == b ? 0.5 : 0) }
    }
    struct MinShare: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ a: T, _ b: T) -> T { a < b ? 1 : (a == b ? 0.5 : 0) }
    }
}
