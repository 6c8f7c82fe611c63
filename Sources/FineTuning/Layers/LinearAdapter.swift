import TensorKit

/// A parameter-efficient adapter attached to an ``AdapterHost`` layer (LoRA, DoRA, IA³): the
/// base class every adapter kind overrides.
///
/// Adapters attach to the layer rather than replacing it, so parameter names and the module tree
/// stay those of the base model. The host calls ``transformInput(_:)`` on its input rows before
/// its base map and ``transformOutput(_:input:host:)`` on its output (bias included) after it,
/// for each active adapter that is not merged. An adapter kind also says how it folds into its
/// host's weight (``merge(into:)``), and what trains with it (``activate(on:)``,
/// ``trainsAlso``), so switching, merging and saving adapters need not know the kinds.
open class LinearAdapter: Module {
    /// Whether this adapter's update is currently folded into the host's weight.
    public internal(set) var isMerged = false

    /// An adapter with no parameters of its own; subclasses add theirs.
    public override init() { super.init() }

    /// The rows `[N, in]` the base map should see; identity unless the adapter rescales inputs.
    open func transformInput(_ rows: Tensor) -> Tensor { rows }

    /// The host's output `[N, out]` after this adapter, given the original input rows `[N, in]`.
    open func transformOutput(_ output: Tensor, input rows: Tensor, host: any AdapterHost) -> Tensor { output }

    /// Whether ``transformInput(_:)`` returns its rows as they are, so that a layer running
    /// several hosts as one product (the packed query/key/value projection of
    /// ``MultiHeadAttention``) may feed them the same rows and apply
    /// ``transformOutput(_:input:host:)`` to each host's block of that product. False by
    /// default, which keeps the host on its own.
    open var keepsInput: Bool { false }

    /// Whether all this adapter does is add ``outputUpdate(input:host:)`` to its host's output
    /// (LoRA without DoRA): then the packed product gets the update added into its block, with
    /// no copies of the other blocks. False by default.
    open var onlyAddsToOutput: Bool { false }

    /// The term added to the host's output, for adapters whose ``onlyAddsToOutput`` holds.
    open func outputUpdate(input rows: Tensor, host: any AdapterHost) -> Tensor {
        preconditionFailure("\(type(of: self)) does not only add to its host's output")
    }

    /// Folds the adapter into the host's weight (and bias) through
    /// ``AdapterHost/replaceDenseWeight(_:)``. Called under no-grad, only on hosts that can
    /// rewrite their weight.
    open func merge(into host: any AdapterHost) { preconditionFailure("\(type(of: self)) cannot be merged") }

    /// Undoes ``merge(into:)``. Called under no-grad.
    open func unmerge(from host: any AdapterHost) { preconditionFailure("\(type(of: self)) cannot be unmerged") }

    /// Unfreezes what trains with this adapter on its host when it becomes the active adapter
    /// (the model is frozen just before): its own parameters by default.
    open func activate(on host: any AdapterHost) { unfreeze() }

    /// What trains with this adapter outside its hosts (a head, every bias), unfrozen once when
    /// it becomes the active adapter.
    open var trainsAlso: AdapterTrainingScope { AdapterTrainingScope() }
}

/// Parts of a model that train together with an adapter besides the adapter itself.
public struct AdapterTrainingScope: Equatable, Sendable {
    /// Module paths whose parameters all train (PEFT's `modules_to_save`).
    public var modules: [String]
    /// Parameter-path globs that train (`*bias` for LoRA's bias mode `all`).
    public var parameterPatterns: [String]

    /// A scope of `modules` and `parameterPatterns` (nothing by default).
    public init(modules: [String] = [], parameterPatterns: [String] = []) {
        self.modules = modules
        self.parameterPatterns = parameterPatterns
    }
}

/// Tensors an adapter keeps that are not parameters: reflection finds stored `Tensor`
/// properties only, so a tensor inside this box is neither counted nor saved.
struct AdapterStash {
    var tensor: Tensor?
}
