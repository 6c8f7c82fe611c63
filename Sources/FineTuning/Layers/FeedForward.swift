import TensorKit

/// The position-wise feed-forward network of a transformer block.
///
/// - `.mlp(activation)`: `down(activation(up(x)))` (GPT-2, BERT).
/// - `.gated(activation)`: `down(activation(gate(x)) · up(x))`; with `.silu` this is SwiGLU
///   (LLaMA), with `.gelu` GeGLU.
///
/// Parameters: `gate` (gated only), `up` `[hidden, dim]`, `down` `[dim, hidden]`.
public final class FeedForward: Module, Layer {
    /// The shape of the network.
    public enum Kind: Sendable, Equatable {
        /// Two projections with an activation between them.
        case mlp(Activation)
        /// A gated linear unit: the activated `gate` projection multiplies the `up` projection.
        case gated(Activation)

        /// SwiGLU, the LLaMA feed-forward network.
        public static let swiGLU = Kind.gated(.silu)
    }

    /// The gate projection (gated kinds only).
    public var gate: Linear?
    /// `dim → hidden`.
    public var up: Linear
    /// `hidden → dim`.
    public var down: Linear
    /// The kind this network was built as.
    public let kind: Kind

    /// A feed-forward network `dim → hidden → dim`.
    public init(dim: Int, hidden: Int, kind: Kind = .mlp(.gelu), bias: Bool = true, dtype: DType = .float32,
                generator: Generator? = nil) {
        self.kind = kind
        if case .gated = kind { gate = Linear(dim, hidden, bias: bias, dtype: dtype, generator: generator) }
        up = Linear(dim, hidden, bias: bias, dtype: dtype, generator: generator)
        down = Linear(hidden, dim, bias: bias, dtype: dtype, generator: generator)
        super.init()
    }

    /// `[..., dim] → [..., dim]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch kind {
        case .mlp(let activation): down(activation(up(x)))
        case .gated(let activation): down(activation(gate!(x)) * up(x))
        }
    }
}
