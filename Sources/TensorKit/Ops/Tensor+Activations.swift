/// Activation functions: tanh, sigmoid, relu, gelu (exact and tanh-approximated), silu.
///
/// Backward passes are single fused loops over `(g, x)` or `(g, y)` (`y` the saved output), as a
/// framework's fused kernel would be: `g · f'(x)` computed per element with nothing in between.
/// Each formula is written once (``ActivationFunctions``); ``FloatMap`` runs the ones with a
/// `costPerElement` on explicit 8-lane loops for contiguous float32 (``VectorMap``), everything
/// else through the general strided loops (``Elementwise``; libm for float64).
extension Tensor {
    /// Hyperbolic tangent. Backward uses the saved output: `g · (1 − y²)`.
    public func tanh() -> Tensor {
        let out = FloatMap.unary(self, op: "tanh", costPerElement: 8, ActivationFunctions.Tanh())
        let saved = out.detach()
        return Tensor.record("tanh", output: out, inputs: [self]) { g in
            [FloatMap.binary(g, saved, op: "tanh backward", ActivationFunctions.TanhGrad())]
        }
    }

    /// Logistic sigmoid `1 / (1 + e^−x)`, computed without overflow for large |x|. Backward uses
    /// the saved output: `g · y · (1 − y)`.
    public func sigmoid() -> Tensor {
        let out = FloatMap.unary(self, op: "sigmoid", costPerElement: 8, ActivationFunctions.Sigmoid())
        let saved = out.detach()
        return Tensor.record("sigmoid", output: out, inputs: [self]) { g in
            [FloatMap.binary(g, saved, op: "sigmoid backward", ActivationFunctions.SigmoidGrad())]
        }
    }

    /// `max(x, 0)`; NaN stays NaN. The gradient at 0 is 0 (as in PyTorch).
    public func relu() -> Tensor {
        let out = FloatMap.unary(self, op: "relu", ActivationFunctions.Relu())
        let saved = out.detach()
        return Tensor.record("relu", output: out, inputs: [self]) { g in
            [FloatMap.binary(g, saved, op: "relu backward", ActivationFunctions.ReluGrad())]
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
        case .none: out = FloatMap.unary(self, op: "gelu", costPerElement: 8, ActivationFunctions.GeluErf())
        case .tanh: out = FloatMap.unary(self, op: "gelu", costPerElement: 8, ActivationFunctions.GeluTanh())
        }
        return Tensor.record("gelu", output: out, inputs: [self]) { g in
            switch approximate {
            case .none:
                return [FloatMap.binary(g, self, op: "gelu backward", costPerElement: 12, ActivationFunctions.GeluErfGrad())]
            case .tanh:
                return [FloatMap.binary(g, self, op: "gelu backward", costPerElement: 12, ActivationFunctions.GeluTanhGrad())]
            }
        }
    }

    /// Sigmoid linear unit (swish) `x · sigmoid(x)`.
    public func silu() -> Tensor {
        let out = FloatMap.unary(self, op: "silu", costPerElement: 8, ActivationFunctions.Silu())
        return Tensor.record("silu", output: out, inputs: [self]) { g in
            [FloatMap.binary(g, self, op: "silu backward", costPerElement: 8, ActivationFunctions.SiluGrad())]
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

/// The activation formulas and their fused backward passes, each written once over
/// ``FloatLanes``: the same body runs on eight float32 lanes, on one float32 element (loop
/// tails, strided tensors) and on float64 (see ``UnaryLaneFunction``).
enum ActivationFunctions {
    // Computed constants fold into the specialised loops (no lazy global access per element).
    @inline(__always) static var sqrtTwoOverPi: Double { 0.797_884_560_802_865_4 }
    @inline(__always) static var inverseSqrtTwo: Double { 0.707_106_781_186_547_5 }
    @inline(__always) static var inverseSqrtTwoPi: Double { 0.398_942_280_401_432_7 }
    @inline(__always) static var geluCubic: Double { 0.044_715 }

    struct Tanh: UnaryLaneFunction {
        @inline(__always) func callAsFunction<V: FloatLanes>(_ x: V) -> V { V.hyperbolicTangent(x) }
    }
    struct Erf: UnaryLaneFunction {
        @inline(__always) func callAsFunction<V: FloatLanes>(_ x: V) -> V { V.errorFunction(x) }
    }
    /// `g · (1 − y²)` from the saved output.
    struct TanhGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ y: T) -> T { g * (1 - y * y) }
    }
    /// `1 / (1 + e^−x)` through `e = e^−|x|` (never overflows); the sign picks `1/(1+e)` or `e/(1+e)`.
    struct Sigmoid: UnaryLaneFunction {
        @inline(__always) func callAsFunction<V: FloatLanes>(_ x: V) -> V {
            let e = V.exponentialOfNonPositive(V.select(negativeIn: x, x, else: -x))
            let r = V(1) / (e + V(1))
            return V.select(negativeIn: x, e * r, else: r)
        }
    }
    /// `g · y · (1 − y)` from the saved output.
    struct SigmoidGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ y: T) -> T { g * y * (1 - y) }
    }
    struct Relu: UnaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ x: T) -> T { x < 0 ? 0 : x }
    }
    struct ReluGrad: BinaryFloatFunction {
        @inline(__always) func callAsFunction<T: FloatingScalar>(_ g: T, _ y: T) -> T { y > 0 ? g : 0 }
    }
    /// `x · ½(1 + erf(x/√2))`.
    struct GeluErf: UnaryLaneFunction {
        @inline(__always) func callAsFunction<V: FloatLanes>(_ x: V) -> V {
            x * (V.errorFunction(x * V(inverseSqrtTwo)) + V(1)) * V(0.5)
        }
    }
    /// `g · (Φ(x) + x·φ(x))`; the gradient needs `e = exp(−x²/2)` for φ anyway, and
    /// ``FloatLanes/normalDistribution(_:gaussian:)`` builds Φ from the same `e`.
    struct GeluErfGrad: BinaryLaneFunction {
        @inline(__always) func callAsFunction<V: FloatLanes>(_ g: V, _ x: V) -> V {
            let e = V.exponentialOfNonPositive(x * x * V(-0.5))
            let cdf = V.normalDistribution(x, gaussian: e)
            return g * (cdf + x * (e * V(inverseSqrtTwoPi)))
        }
    }
    /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
    struct GeluTanh: UnaryLaneFunction {
        @inline(__always) func callAsFunction<V: FloatLanes>(_ x: V) -> V {
            let inner = (x + x * x * x * V(geluCubic)) * V(sqrtTwoOverPi)
            return x * (V.hyperbolicTangent(inner) + V(1)) * V(0.5)
        }
    }
    /// `g · (½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²))` with `t = tanh(inner)`.
    struct GeluTanhGrad: BinaryLaneFunction {
        @inline(__always) func callAsFunction<V: FloatLanes>(_ g: V, _ x: V) -> V {
            let x2 = x * x
            let t = V.hyperbolicTangent((x + x2 * x * V(geluCubic)) * V(sqrtTwoOverPi))
            let dInner = (x2 * (V(3) * V(geluCubic)) + V(1)) * V(sqrtTwoOverPi)
            return g * ((t + V(1)) + x * (V(1) - t * t) * dInner) * V(0.5)
        }
    }
    /// `x · sigmoid(x)`.
    struct Silu: UnaryLaneFunction {
        @inline(__always) func callAsFunction<V: FloatLanes>(_ x: V) -> V { x * Sigmoid()(x) }
    }
    /// `g · s · (1 + x(1 − s))` with `s = sigmoid(x)`.
    struct SiluGrad: BinaryLaneFunction {
        @inline(__always) func callAsFunction<V: FloatLanes>(_ g: V, _ x: V) -> V {
            let s = Sigmoid()(x)
            return g * s * (x * (V(1) - s) + V(1))
        }
    }
}
