import TensorKit

/// A linear projection a model can hold either dense (``Linear``) or with its weight kept
/// quantized (``QuantizedLinear``): an adapter host that is also a ``Layer``.
///
/// The transformer layers type their projections this way (``MultiHeadAttention/query``,
/// ``FeedForward/up``, ...), so a model keeps one structure, one set of parameter names and one
/// set of adapter strategies whichever way its weights are stored.
/// ``Module/quantizeLinears(where:)`` swaps chosen ``Linear`` projections for quantized ones.
public protocol LinearLayer: AdapterHost, Layer {}

extension Linear: LinearLayer {}

extension LinearLayer {
    /// The dense weight parameter `[out, in]` of a ``Linear`` projection, so code written when
    /// every projection was a ``Linear`` (`attention.query!.weight`) keeps working.
    ///
    /// A ``QuantizedLinear`` has no such parameter and stops here with a message: read its
    /// ``QuantizedLinear/quantizedWeight``, or ``AdapterHost/denseWeight`` for a float copy.
    public var weight: Tensor {
        guard let linear = self as? Linear else {
            preconditionFailure("\(type(of: self)) [\(outFeatures), \(inFeatures)] has no dense weight parameter; "
                                + "use quantizedWeight, or denseWeight for a float copy")
        }
        return linear.weight
    }
}

/// A module that holds ``LinearLayer`` children by name and can swap one for another kind
/// (``MultiHeadAttention``'s projections, ``FeedForward``'s): what
/// ``Module/quantizeLinears(where:)`` rewrites.
public protocol LinearLayerSlots: Module {
    /// Puts `layer` in the slot of the child named `name` (a property name such as `"query"`);
    /// returns false when no such projection exists. The new layer must map the same sizes.
    /// Module trees are read again afterwards (``Module/invalidateTree()``).
    @discardableResult
    func replaceLinearLayer(named name: String, with layer: any LinearLayer) -> Bool
}

extension LinearLayerSlots {
    /// Stops unless `new` maps the same sizes as `old` (the slot `name` of this module).
    func checkReplacement(_ name: String, _ old: any LinearLayer, _ new: any LinearLayer) {
        precondition(old.inFeatures == new.inFeatures && old.outFeatures == new.outFeatures,
                     "replaceLinearLayer: \(type(of: self)).\(name) maps \(old.inFeatures) → \(old.outFeatures), "
                     + "the new \(type(of: new)) \(new.inFeatures) → \(new.outFeatures)")
    }
}
