import TensorKit

/// The position-wise feed-forward network of a transformer block.
///
/// - `.mlp(activation)`: `down(activation(up(x)))` (GPT-2, BERT).
/// - `.gated(activation)`: `down(activation(gate(x)) · up(x))`; with `.silu` this is SwiGLU
///   (LLaMA), with `.gelu` GeGLU.
///
/// Parameters: `gate` (gated only), `up` `[hidden, dim]`, `down` `[dim, hidden]`; each a
/// ``LinearLayer`` (a ``Linear``, or a ``QuantizedLinear`` after ``Module/quantizeLinears(where:)``).
///
/// A gated network runs `gate` and `up` as one GEMM of the input against both weights
/// (`PackedProjection`, the same as attention's query/key/value) when both are dense
/// ``Linear`` layers whose adapters keep the input (LoRA's updates are added into their block),
/// and SwiGLU's `silu(gate) · up` as one fused op reading that product in place
/// (`Tensor.siluGate(packed:)`), whose backward hands the product one `[N, 2·hidden]` gradient.
/// Otherwise (quantized projections, DoRA or IA³ on them) the two run one by one and SwiGLU
/// still goes through the fused op. Parameters, names, checkpoints and adapter files are those
/// of the separate projections either way (``packsProjections``).
///
/// A GELU network whose `up` is a dense ``Linear`` without live adapters runs `up` and the
/// activation as one op (`Tensor.linearGELU(_:weight:bias:approximate:)`): the bias is added in
/// the activation's pass, which works in place when no gradient is recorded.
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
    /// Whether a gated network runs `gate` and `up` as one product with the fused gating, and a
    /// GELU network `up` and GELU as one op, where the layers allow it (see the type's
    /// discussion). True by default; false runs the plain compositions
    /// `down(activation(gate(x)) · up(x))` and `down(activation(up(x)))`, the reference for
    /// benchmarks and tests.
    public var packsProjections = true

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
        case .mlp(let activation): down(activated(x, activation))
        case .gated(let activation): down(gated(x, activation))
        }
    }

    /// `activation(up(x))`, `[..., hidden]`: one fused op (`Tensor.linearGELU`) for GELU after a
    /// dense `up` without live adapters, the composition otherwise.
    private func activated(_ x: Tensor, _ activation: Activation) -> Tensor {
        guard packsProjections, activation == .gelu || activation == .geluTanh,
              let linear = up as? Linear, linear.liveAdapters().isEmpty else { return activation(up(x)) }
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == linear.inFeatures,
                     "FeedForward: input shape \(x.shape) does not end in \(linear.inFeatures)")
        return Tensor.linearGELU(x, weight: linear.weight, bias: linear.bias, approximate: activation == .gelu ? .none : .tanh)
    }

    /// `activation(gate(x)) · up(x)`, `[..., hidden]`.
    private func gated(_ x: Tensor, _ activation: Activation) -> Tensor {
        guard let gate else { preconditionFailure("FeedForward: a gated network has no gate projection") }
        guard packsProjections else { return activation(gate(x)) * up(x) }
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == up.inFeatures,
                     "FeedForward: input shape \(x.shape) does not end in \(up.inFeatures)")
        let width = up.outFeatures
        if let packed = PackedProjection.output(of: [gate, up], rows: x.reshape([-1, up.inFeatures])) {
            let hidden = activation == .silu
                ? Tensor.siluGate(packed: packed)
                : activation(packed.slice(axis: 1, 0..<width)) * packed.slice(axis: 1, width..<(2 * width))
            return hidden.reshape(Array(x.shape.dropLast()) + [width])
        }
        let (g, u) = (gate(x), up(x))
        return activation == .silu ? Tensor.siluGate(gate: g, up: u) : activation(g) * u
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
