/// Activation functions: tanh, sigmoid, relu, gelu (exact and tanh-approximated), silu.
///
/// Backward passes are single fused loops over `(g, x)` or `(g, y)` (`y` the saved output), as a
/// framework's fused kernel would be: `g · f'(x)` computed per element with nothing in between.
/// Contiguous float32 tensors go through explicit 8-lane loops (``VectorMap``,
/// ``VectorActivations``); other layouts and float64 through ``Elementwise`` (libm for float64).
extension Tensor {
    /// Hyperbolic tangent. Backward uses the saved output: `g · (1 − y²)`.
    public func tanh() -> Tensor {
        let out = VectorMap.unary(self, costPerElement: 8, VectorActivations.Tanh())
            ?? ElementwiseMath.forward(self, op: "tanh", ActivationFunctions.Tanh())
        let saved = out.detach()
        return Tensor.record("tanh", output: out, inputs: [self]) { g in
            [Tensor.mapFloat(g, saved, op: "tanh backward", ActivationFunctions.TanhGrad())]
        }
    }

    /// Logistic sigmoid `1 / (1 + e^−x)`, computed without overflow for large |x|. Backward uses
    /// the saved output: `g · y · (1 − y)`.
    public func sigmoid() -> Tensor {
        let out = VectorMap.unary(self, costPerElement: 8, VectorActivations.Sigmoid())
            ?? ElementwiseMath.forward(self, op: "sigmoid", ActivationFunctions.Sigmoid())
        let saved = out.detach()
        return Tensor.record("sigmoid", output: out, inputs: [self]) { g in
            [Tensor.mapFloat(g, saved, op: "sigmoid backward", ActivationFunctions.SigmoidGrad())]
        }
    }

    /// `max(x, 0)`; NaN stays NaN. The gradient at 0 is 0 (as in PyTorch).
    public func relu() -> Tensor {
        let out = ElementwiseMath.forward(self, op: "relu", ActivationFunctions.Relu())
        let saved = out.detach()
        return Tensor.record("relu", output: out, inputs: [self]) { g in
            [Tensor.mapFloat(g, saved, op: "relu backward", ActivationFunctions.ReluGrad())]
        }
    }

    /// Gaussian error linear unit `x · Φ(x)`, exact (with erf) or with the tanh approximation
    /// used by GPT-2 (PyTorch's `gelu(x, approximate="tanh")`).
    ///
    /// ```swift
    /// hidden.gelu(approximate: .tanh)
    /// ```
    public func gelu(approximate: GELUApproximation = .none) -> Tensor {
        let out: Tensor
        switch approximate {
        case .none:
            out = VectorMap.unary(self, costPerElement: 8, VectorActivations.GeluErf())
                ?? ElementwiseMath.forward(self, op: "gelu", ActivationFunctions.GeluErf())
        case .tanh:
            out = VectorMap.unary(self, costPerElement: 8, VectorActivations.GeluTanh())
                ?? ElementwiseMath.forward(self, op: "gelu", ActivationFunctions.GeluTanh())
        }
        return Tensor.record("gelu", output: out, inputs: [self]) { g in
            switch approximate {
            case .none:
                return [VectorMap.binary(g, self, costPerElement: 12, VectorActivations.GeluErfGrad())
                    ?? Tensor.mapFloat(g, self, op: "gelu backward", ActivationFunctions.GeluErfGrad())]
            case .tanh:
                return [VectorMap.binary(g, self, costPerElement: 12, VectorActivations.GeluTanhGrad())
                    ?? Tensor.mapFloat(g, self, op: "gelu backward", ActivationFunctions.GeluTanhGrad())]
            }
        }
    }

    /// Sigmoid linear unit (swish) `x · sigmoid(x)`.
    public func silu() -> Tensor {
        let out = VectorMap.unary(self, costPerElement: 8, VectorActivations.Silu())
            ?? ElementwiseMath.forward(self, op: "silu", ActivationFunctions.Silu())
        return Tensor.record("silu", output: out, inputs: [self]) { g in
            [VectorMap.binary(g, self, costPerElement: 8, VectorActivations.SiluGrad())
                ?? Tensor.mapFloat(g, self, op: "silu backward", ActivationFunctions.SiluGrad())]
        }
    }
}

/// Which formula ``Tensor/gelu(approximate:)`` uses.
public enum GELUApproximation: Sendable {
    /// The exact `x · ½(1 + erf(x / √2))`.
    case none
    /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`, as in GPT-2 and BERT's original code.
    case tanh
}

/// Scalar functions of the activations and their fused backward passes.
enum ActivationFunctions {
    // Computed constants fold into the specialised loops (no lazy global access per element).
    @inline(__always) static var sqrtTwoOverPi: Double { 0.797_884_560_802_865_4 }
    @inline(__always) static var inverseSqrtTwo: Double { 0.707_106_781_186_547_5 }
    @inline(__always) static var inverseSqrtTwoPi: Double { 0.398_942_280_401_432_7 }
    @inline(__always) static var geluCubic: Double { 0.044_715 }

    struct Tanh: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
            // The check folds away once the kernel is specialised.
            if T.self == Float.self { return unsafeBitCast(VectorMath.tanh(unsafeBitCast(x, to: Float.self)), to: T.self) }
            return T.tanh(x)
        }
    }
    struct Erf: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
            if T.self == Float.self { return unsafeBitCast(VectorMath.erf(unsafeBitCast(x, to: Float.self)), to: T.self) }
            return T.erf(x)
        }
    }
    struct TanhGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ y: T) -> T { g * (1 - y * y) }
    }
    /// `e^−|x|` never overflows; the sign picks `1/(1+e)` or `e/(1+e)`.
    struct Sigmoid: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
            let e = MathFunctions.Exp()(x < 0 ? x : -x)
            let r = 1 / (1 + e)
            return x < 0 ? e * r : r
        }
    }
    struct SigmoidGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ y: T) -> T { g * y * (1 - y) }
    }
    struct Relu: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x < 0 ? 0 : x }
    }
    struct ReluGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ y: T) -> T { y > 0 ? g : 0 }
    }
    struct GeluErf: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
            x * (1 + Erf()(x * T(inverseSqrtTwo))) / 2
        }
    }
    /// `g · (Φ(x) + x·φ(x))`.
    struct GeluErfGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ x: T) -> T {
            let cdf = (1 + Erf()(x * T(inverseSqrtTwo))) / 2
            let pdf = T(inverseSqrtTwoPi) * MathFunctions.Exp()(-x * x / 2)
            return g * (cdf + x * pdf)
        }
    }
    struct GeluTanh: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T {
            let inner = T(sqrtTwoOverPi) * (x + T(geluCubic) * x * x * x)
            return x * (1 + Tanh()(inner)) / 2
        }
    }
    /// `g · (½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²))` with `t = tanh(inner)`.
    struct GeluTanhGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ x: T) -> T {
            let x2 = x * x
            let t = Tanh()(T(sqrtTwoOverPi) * (x + T(geluCubic) * x2 * x))
            let dInner = T(sqrtTwoOverPi) * (1 + 3 * T(geluCubic) * x2)
            return g * ((1 + t) + x * (1 - t * t) * dInner) / 2
        }
    }
    struct Silu: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x * Sigmoid()(x) }
    }
    /// `g · s · (1 + x(1 − s))` with `s = sigmoid(x)`.
    struct SiluGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ x: T) -> T {
            let s = Sigmoid()(x)
            return g * s * (1 + x * (1 - s))
        }
    }
}
