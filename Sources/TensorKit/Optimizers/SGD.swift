/// Hyperparameters of ``SGD`` for one parameter group.
public struct SGDOptions: OptimizerOptions, Equatable {
    /// Step size.
    public var learningRate: Double
    /// Momentum factor (0 disables the momentum buffer).
    public var momentum: Double
    /// Dampening of the gradient's contribution to momentum.
    public var dampening: Double
    /// Use Nesterov momentum.
    public var nesterov: Bool
    /// L2 penalty added to the gradient.
    public var weightDecay: Double

    /// Options with PyTorch's defaults.
    public init(learningRate: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                nesterov: Bool = false, weightDecay: Double = 0) {
        precondition(learningRate >= 0 && momentum >= 0 && weightDecay >= 0,
                     "SGD: learning rate, momentum and weight decay must be >= 0, got \(learningRate), \(momentum), \(weightDecay)")
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires momentum > 0 and zero dampening")
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public var hyperparameters: [String: Double] {
        ["lr": learningRate, "momentum": momentum, "dampening": dampening,
         "nesterov": nesterov ? 1 : 0, "weight_decay": weightDecay]
    }

    public init(hyperparameters: [String: Double]) throws {
        let read = HyperparameterReader(values: hyperparameters)
        let momentum = try read("momentum"), dampening = try read("dampening"), nesterov = try read.flag("nesterov")
        if nesterov && !(momentum > 0 && dampening == 0) { throw OptimizerStateError.invalidHyperparameter("nesterov", 1) }
        self.init(learningRate: try read("lr"), momentum: momentum, dampening: dampening,
                  nesterov: nesterov, weightDecay: try read("weight_decay"))
    }
}

/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2
/// weight decay — `torch.optim.SGD` exactly (the momentum buffer starts as the first gradient).
///
/// ```swift
/// let optimizer = SGD(parameters: params, learningRate: 0.1, momentum: 0.9, nesterov: true)
/// ```
public final class SGD: GroupedOptimizer<SGDOptions> {
    /// SGD over `parameters` with one set of hyperparameters.
    public convenience init(parameters: [Tensor], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
                            nesterov: Bool = false, weightDecay: Double = 0) {
        self.init(parameters: parameters, options: SGDOptions(
            learningRate: learningRate, momentum: momentum, dampening: dampening, nesterov: nesterov, weightDecay: weightDecay))
    }

    public override func update(_ parameter: Tensor, gradient: Tensor, state: ParameterState, options: SGDOptions) {
        switch parameter.dtype {
        case .float32: run(Float.self, parameter, gradient, state, options)
        case .float64: run(Double.self, parameter, gradient, state, options)
        default: preconditionFailure("SGD.step: parameters must be float32 or float64, got \(parameter.dtype)")
        }
    }

    private func run<T: FloatingScalar>(_: T.Type, _ parameter: Tensor, _ gradient: Tensor, _ state: ParameterState,
                                        _ options: SGDOptions) {
        let p = parameter.pointer(as: T.self), g = gradient.pointer(as: T.self)
        let decay = T(options.weightDecay), useDecay = options.weightDecay != 0
        let negativeLR = T(-options.learningRate)
        guard options.momentum != 0 else {
            Parallel.forRanges(parameter.count, costPerItem: 2) { range in
                for i in range {
                    var grad = g[i]
                    if useDecay { grad = grad + decay * p[i] }
                    p[i] = p[i] + negativeLR * grad
                }
            }
            return
        }
        // As in PyTorch the buffer starts as the first gradient it sees, created on that step.
        let first = state.buffers["momentum_buffer"] == nil
        if first { state.buffers["momentum_buffer"] = parameter.zerosLike() }
        let buffer = state["momentum_buffer"].pointer(as: T.self)
        let momentum = T(options.momentum), gradientWeight = T(1 - options.dampening)
        let nesterov = options.nesterov
        Parallel.forRanges(parameter.count, costPerItem: 4) { range in
            for i in range {
                var grad = g[i]
                if useDecay { grad = grad + decay * p[i] }
                let velocity = first ? grad : buffer[i] * momentum + gradientWeight * grad
                buffer[i] = velocity
                let direction = nesterov ? grad + momentum * velocity : velocity
                p[i] = p[i] + negativeLR * direction
            }
        }
    }
}
