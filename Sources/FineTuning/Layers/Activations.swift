import TensorKit

/// An elementwise activation function, for layers configured by value (feed-forward blocks).
public enum Activation: Sendable, Equatable {
    /// Exact GELU, `x·Φ(x)` (BERT's "gelu").
    case gelu
    /// Tanh-approximated GELU (GPT-2's "gelu_new").
    case geluTanh
    /// `max(x, 0)`.
    case relu
    /// `x·σ(x)` (also called swish).
    case silu
    /// Hyperbolic tangent.
    case tanh

    /// Applies the function to `x`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .gelu: x.gelu()
        case .geluTanh: x.gelu(approximate: .tanh)
        case .relu: x.relu()
        case .silu: x.silu()
        case .tanh: x.tanh()
        }
    }
}

/// GELU as a layer, as `torch.nn.GELU(approximate=...)`.
public final class GELU: Module, Layer {
    /// `.none` for the exact (erf) form, `.tanh` for the approximation.
    public let approximate: GELUApproximation
    /// A GELU layer.
    public init(approximate: GELUApproximation = .none) {
        self.approximate = approximate
        super.init()
    }
    /// Applies the activation elementwise (any shape).
    public func callAsFunction(_ x: Tensor) -> Tensor { x.gelu(approximate: approximate) }
}

/// ReLU as a layer.
public final class ReLU: Module, Layer {
    /// A ReLU layer.
    public override init() { super.init() }
    /// Applies the activation elementwise (any shape).
    public func callAsFunction(_ x: Tensor) -> Tensor { x.relu() }
}

/// SiLU (swish) as a layer.
public final class SiLU: Module, Layer {
    /// A SiLU layer.
    public override init() { super.init() }
    /// Applies the activation elementwise (any shape).
    public func callAsFunction(_ x: Tensor) -> Tensor { x.silu() }
}

/// Tanh as a layer.
public final class Tanh: Module, Layer {
    /// A tanh layer.
    public override init() { super.init() }
    /// Applies the activation elementwise (any shape).
    public func callAsFunction(_ x: Tensor) -> Tensor { x.tanh() }
}
