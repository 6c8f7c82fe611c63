import TensorKit

/// A module with a single-tensor forward pass, so it can be chained in a ``Sequential``.
///
/// ```swift
/// let mlp = Sequential(Linear(4, 16), GELU(), Linear(16, 2))
/// let y = mlp(Tensor.normal([8, 4]))   // [8, 2]
/// ```
public protocol Layer: Module {
    /// Applies the layer to `x`.
    func callAsFunction(_ x: Tensor) -> Tensor
}

/// Applies its layers in order. Parameters are named by position: `layers.0.weight`.
public final class Sequential: Module, Layer {
    /// The layers, in application order; their parameters are named by position.
    public var layers: [any Layer]

    /// Chains `layers`.
    public init(_ layers: [any Layer]) {
        self.layers = layers
        super.init()
    }

    /// Chains `layers`.
    public convenience init(_ layers: any Layer...) { self.init(layers) }

    /// Applies each layer in turn.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for layer in layers { h = layer(h) }
        return h
    }
}

extension Tensor {
    /// A fresh trainable parameter: `self` with `requiresGrad` set (parameters are leaves).
    func parameter() -> Tensor { requiringGrad(true) }
}
