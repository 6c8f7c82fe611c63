import TensorKit

/// A parameter-efficient adapter attached to a ``Linear`` layer (LoRA, DoRA, IA³).
///
/// Adapters attach to the layer rather than replacing it, so parameter names and the module tree
/// stay those of the base model. The layer calls ``transformInput(_:)`` on its input rows before
/// its own GEMM and ``transformOutput(_:input:layer:)`` on its output (bias included) after it,
/// for each active adapter that is not merged.
open class LinearAdapter: Module {
    /// Whether this adapter's update is currently folded into the layer's weight.
    public internal(set) var isMerged = false

    /// An adapter with no parameters of its own; subclasses add theirs.
    public override init() { super.init() }

    /// The rows `[N, in]` the base GEMM should see; identity unless the adapter rescales inputs.
    open func transformInput(_ rows: Tensor) -> Tensor { rows }

    /// The layer output `[N, out]` after this adapter, given the original input rows `[N, in]`.
    open func transformOutput(_ output: Tensor, input rows: Tensor, layer: Linear) -> Tensor { output }

    /// Folds the adapter into `layer.weight` (and bias) in place. Called under no-grad.
    open func merge(into layer: Linear) { preconditionFailure("\(type(of: self)) cannot be merged") }

    /// Undoes ``merge(into:)``. Called under no-grad.
    open func unmerge(from layer: Linear) { preconditionFailure("\(type(of: self)) cannot be unmerged") }

    /// The adapter's trainable tensors (what its strategy unfreezes and its file saves).
    open var adapterParameters: [(name: String, tensor: Tensor)] { namedParameters() }
}

/// Tensors an adapter keeps that are not parameters: reflection finds stored `Tensor`
/// properties only, so a tensor inside this box is neither counted nor saved.
struct AdapterStash {
    var tensor: Tensor?
}

extension Linear {
    /// Attaches `adapter` under `name`; it becomes active only if no other adapter is.
    ///
    /// - Throws: ``StrategyError/adapterExists(_:)`` when the name is taken.
    public func addAdapter(_ adapter: LinearAdapter, named name: String) throws(StrategyError) {
        guard adapters[name] == nil else { throw .adapterExists(name) }
        adapters[name] = adapter
        adapter.train(isTraining)
    }

    /// Folds every active adapter into the base weight (faster inference; outputs unchanged).
    func mergeLayerAdapters() {
        withGradientsDisabled {
            for name in activeAdapters {
                guard let adapter = adapters[name], !adapter.isMerged else { continue }
                adapter.merge(into: self)
                adapter.isMerged = true
                mergedAdapters.append(name)
            }
        }
    }

    /// Takes every merged adapter back out of the base weight, in reverse order of merging.
    func unmergeLayerAdapters() {
        withGradientsDisabled {
            for name in mergedAdapters.reversed() {
                guard let adapter = adapters[name], adapter.isMerged else { continue }
                adapter.unmerge(from: self)
                adapter.isMerged = false
            }
            mergedAdapters = []
        }
    }
}
