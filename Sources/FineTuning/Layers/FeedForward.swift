import TensorKit

/// The position-wise feed-forward network of a transformer block.
///
/// - `.mlp(activation)`: `down(activation(up(x)))` (GPT-2, BERT).
/// - `.gated(activation)`: `down(activation(gate(x)) · up(x))`; with `.silu` this is SwiGLU
///   (LLaMA), with `.gelu` GeGLU.
///
/// Parameters: `gate` (gated only), `up` `[hidden, dim]`, `down` `[dim, hidden]`; each a
/// ``LinearLayer`` (a ``Linear``, or a ``QuantizedLinear`` after ``Module/quantizeLinears(where:)``).
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
    public var gate: (any LinearLayer)?
    /// `dim → hidden`.
    public var up: any LinearLayer
    /// `hidden → dim`.
    public var down: any LinearLayer
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

extension FeedForward: LinearLayerSlots {
    /// Swaps the projection named `name` (`gate`, `up` or `down`).
    @discardableResult
    public func replaceLinearLayer(named name: String, with layer: any LinearLayer) -> Bool {
        switch name {
        case "gate": guard let old = gate else { return false }; checkReplacement(name, old, layer); gate = layer
        case "up": checkReplacement(name, up, layer); up = layer
        case "down": checkReplacement(name, down, layer); down = layer
        default: return false
        }
        invalidateTree()   // the new layer may predate the cached tree
        return true
    }
}
