/// A set of parameters that share hyperparameters, like an entry of PyTorch's `param_groups`.
///
/// Options are reachable directly on the group:
///
/// ```swift
/// let optimizer = AdamW(groups: [
///     ParameterGroup(parameters: decayed, options: AdamOptions(learningRate: 3e-4, weightDecay: 0.1)),
///     ParameterGroup(parameters: biases, options: AdamOptions(learningRate: 3e-4, weightDecay: 0)),
/// ])
/// optimizer.groups[1].learningRate = 1e-4
/// ```
@dynamicMemberLookup
public struct ParameterGroup<Options: OptimizerOptions> {
    /// The tensors this group updates (shared with the model; updated in place).
    public var parameters: [Tensor]
    /// Hyperparameters of this group.
    public var options: Options

    /// A group of `parameters` updated with `options`.
    public init(parameters: [Tensor], options: Options) {
        self.parameters = parameters
        self.options = options
    }

    /// Reads or writes one of ``options`` (`group.learningRate`, `group.weightDecay`, ...).
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<Options, Value>) -> Value {
        get { options[keyPath: keyPath] }
        set { options[keyPath: keyPath] = newValue }
    }
}
