/// The machinery every optimizer here shares: parameter groups, lazily created per-parameter
/// state, `zeroGrad`, `step`, and state dicts. Subclasses say how to create a parameter's state
/// and how to apply one update.
///
/// State is created on a parameter's first update, and only for parameters that require grad
/// and have a gradient, so frozen parameters cost no memory and are never touched.
///
/// An optimizer built with ``init(following:options:)`` re-reads its parameters from a source
/// (a model's trainable parameters) before each step, so tensors that start training later
/// (a newly activated adapter, an unfrozen layer) are updated too rather than silently skipped.
open class GroupedOptimizer<Options: OptimizerOptions>: Optimizer {
    /// The parameter groups. Change hyperparameters freely between steps
    /// (`optimizer.groups[0].learningRate = 1e-4`).
    public var groups: [ParameterGroup<Options>] {
        didSet { Self.checkDistinct(groups) }
    }

    /// Per-parameter state, keyed by tensor identity (the optimizer holds the tensors, so the
    /// identities stay valid).
    private var states: [ObjectIdentifier: ParameterState] = [:]

    /// Where the first group's parameters come from, re-read before each step (nil: fixed groups).
    private var source: (() -> [Tensor])?

    /// An optimizer over `groups`. A parameter may appear in only one group.
    public init(groups: [ParameterGroup<Options>]) {
        Self.checkDistinct(groups)
        self.groups = groups
    }

    /// An optimizer with one group holding `parameters`.
    public convenience init(parameters: [Tensor], options: Options) {
        self.init(groups: [ParameterGroup(parameters: parameters, options: options)])
    }

    /// An optimizer with one group that follows `source`: before each step, state dict, or read
    /// of ``parameters``, the tensors `source` returns that no group holds yet join the first
    /// group (in `source`'s order). Tensors never leave: one frozen later keeps its place and
    /// state and is skipped while it does not require grad. `source` runs at each of those, so
    /// it should be cheap next to a step.
    public convenience init(following source: @escaping () -> [Tensor], options: Options) {
        self.init(parameters: source(), options: options)
        self.source = source
    }

    /// Adds the tensors the source returns that no group holds yet to the first group; nothing
    /// for an optimizer built from fixed parameters.
    public func syncParameters() {
        guard let source, !groups.isEmpty else { return }
        let fresh = source()
        var held = Set(groups.lazy.flatMap(\.parameters).map(ObjectIdentifier.init))
        let added = fresh.filter { held.insert(ObjectIdentifier($0)).inserted }
        if !added.isEmpty { groups[0].parameters += added }
    }

    /// Adds a group, like PyTorch's `add_param_group`.
    public func addGroup(_ group: ParameterGroup<Options>) {
        groups.append(group)
    }

    /// The name written into state dicts; loading checks it.
    open var typeName: String { String(describing: type(of: self)) }

    /// The buffers a parameter starts with (zeros, usually), created on its first update.
    open func makeState(for parameter: Tensor, options: Options) -> [String: Tensor] { [:] }

    /// Applies one update to `parameter` (contiguous, float32 or float64) in place from
    /// `gradient` (contiguous, same shape and dtype). `state.step` already counts this update.
    open func update(_ parameter: Tensor, gradient: Tensor, state: ParameterState, options: Options) {
        preconditionFailure("\(typeName): update(_:gradient:state:options:) must be overridden")
    }

    // MARK: - Optimizer

    public var parameters: [Tensor] {
        syncParameters()
        return groups.flatMap(\.parameters)
    }

    public var learningRates: [Double] { groups.map(\.options.learningRate) }

    public func setLearningRate(_ learningRate: Double, group: Int) {
        precondition(groups.indices.contains(group), "setLearningRate: group \(group) out of range 0..<\(groups.count)")
        groups[group].options.learningRate = learningRate
    }

    public func zeroGrad() {
        for group in groups { for parameter in group.parameters { parameter.grad = nil } }
    }

    public func step() {
        syncParameters()
        withGradientsDisabled {
            for group in groups {
                for parameter in group.parameters where parameter.requiresGrad {
                    guard let gradient = parameter.grad else { continue }
                    precondition(parameter.dtype.isFloatingPoint && parameter.isContiguous,
                                 "\(typeName).step: parameters must be contiguous float32/float64 (got \(parameter.dtype), shape \(parameter.shape) strides \(parameter.strides))")
                    precondition(gradient.shape == parameter.shape && gradient.dtype == parameter.dtype,
                                 "\(typeName).step: gradient \(gradient.dtype) \(gradient.shape) does not match parameter \(parameter.dtype) \(parameter.shape)")
                    let state = self.state(for: parameter, options: group.options)
                    state.step += 1
                    update(parameter, gradient: gradient.contiguous(), state: state, options: group.options)
                }
            }
        }
    }

    public var stateByteCount: Int { states.values.reduce(0) { $0 + $1.byteCount } }

    /// The state of `parameter`, or nil when it has had no update yet.
    public func state(of parameter: Tensor) -> ParameterState? { states[ObjectIdentifier(parameter)] }

    public func stateDict() -> OptimizerStateDict {
        syncParameters()
        var tensors: [String: Tensor] = [:]
        var steps: [Int?] = []
        var buffers: [[String]?] = []
        var records: [OptimizerStateScalars.Group] = []
        var index = 0
        for group in groups {
            var indices: [Int] = []
            for parameter in group.parameters {
                indices.append(index)
                if let state = states[ObjectIdentifier(parameter)] {
                    steps.append(state.step)
                    buffers.append(state.buffers.keys.sorted())
                    for (name, buffer) in state.buffers {
                        tensors[OptimizerStateDict.key(parameterIndex: index, buffer: name)] = buffer
                    }
                } else {
                    steps.append(nil)
                    buffers.append(nil)
                }
                index += 1
            }
            records.append(.init(parameterIndices: indices, hyperparameters: group.options.hyperparameters))
        }
        return OptimizerStateDict(tensors: tensors, scalars: OptimizerStateScalars(
            optimizer: typeName, groups: records, steps: steps, buffers: buffers))
    }

    public func load(stateDict: OptimizerStateDict) throws {
        let scalars = stateDict.scalars
        guard scalars.optimizer == typeName else {
            throw OptimizerStateError.optimizerMismatch(expected: typeName, found: scalars.optimizer)
        }
        guard scalars.groups.count == groups.count else {
            throw OptimizerStateError.groupMismatch("saved \(scalars.groups.count) groups, optimizer has \(groups.count)")
        }
        let flat = parameters
        guard scalars.steps.count == flat.count, scalars.buffers.count == flat.count else {
            throw OptimizerStateError.groupMismatch("saved state for \(scalars.steps.count) parameters, optimizer has \(flat.count)")
        }
        var options: [Options] = []
        var start = 0
        for (number, (record, group)) in zip(scalars.groups, groups).enumerated() {
            let expected = Array(start..<(start + group.parameters.count))
            guard record.parameterIndices == expected else {
                throw OptimizerStateError.groupMismatch("group \(number) holds parameters \(record.parameterIndices), optimizer has \(expected)")
            }
            options.append(try Options(hyperparameters: record.hyperparameters))
            start += group.parameters.count
        }
        // Validate everything before changing anything, so a bad state leaves the optimizer as it was.
        var loaded: [ObjectIdentifier: ParameterState] = [:]
        for (index, parameter) in flat.enumerated() {
            guard let step = scalars.steps[index] else { continue }
            var buffers: [String: Tensor] = [:]
            for name in scalars.buffers[index] ?? [] {
                let key = OptimizerStateDict.key(parameterIndex: index, buffer: name)
                guard let tensor = stateDict.tensors[key] else { throw OptimizerStateError.missingTensor(key) }
                guard tensor.shape == parameter.shape, tensor.dtype == parameter.dtype else {
                    throw OptimizerStateError.tensorMismatch(key: key, expected: "\(parameter.dtype) \(parameter.shape)",
                                                             found: "\(tensor.dtype) \(tensor.shape)")
                }
                buffers[name] = withGradientsDisabled { tensor.detach().clone() }
            }
            loaded[ObjectIdentifier(parameter)] = ParameterState(step: step, buffers: buffers)
        }
        for index in groups.indices { groups[index].options = options[index] }
        states = loaded
    }

    // MARK: - Helpers

    private func state(for parameter: Tensor, options: Options) -> ParameterState {
        let id = ObjectIdentifier(parameter)
        if let existing = states[id] { return existing }
        let created = ParameterState(buffers: makeState(for: parameter, options: options))
        states[id] = created
        return created
    }

    private static func checkDistinct(_ groups: [ParameterGroup<Options>]) {
        var seen = Set<ObjectIdentifier>()
        for parameter in groups.flatMap(\.parameters) {
            precondition(seen.insert(ObjectIdentifier(parameter)).inserted,
                         "optimizer: a parameter (shape \(parameter.shape)) appears more than once in the parameter groups")
        }
    }
}
