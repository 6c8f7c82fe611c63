/// Hyperparameters of ``Adam`` and ``AdamW`` for one parameter group (PyTorch's defaults).
public struct AdamOptions: OptimizerOptions, Equatable {
    /// Step size.
    public var learningRate: Double
    /// Decay of the running mean of gradients (PyTorch's `betas[0]`).
    public var beta1: Double
    /// Decay of the running mean of squared gradients (PyTorch's `betas[1]`).
    public var beta2: Double
    /// Added to the denominator for numerical stability.
    public var epsilon: Double
    /// L2 penalty for ``Adam``; decoupled decay for ``AdamW``.
    public var weightDecay: Double
    /// Use the maximum of past squared-gradient averages (AMSGrad).
    public var amsgrad: Bool

    /// Options with PyTorch's defaults (`weightDecay` defaults to 0; ``AdamW`` uses 0.01).
    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false) {
        precondition(learningRate >= 0, "Adam: learning rate must be >= 0, got \(learningRate)")
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2), "Adam: betas must be in [0, 1), got (\(beta1), \(beta2))")
        precondition(epsilon >= 0 && weightDecay >= 0, "Adam: epsilon and weight decay must be >= 0, got \(epsilon), \(weightDecay)")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
    }

    public var hyperparameters: [String: Double] {
        ["lr": learningRate, "beta1": beta1, "beta2": beta2, "eps": epsilon,
         "weight_decay": weightDecay, "amsgrad": amsgrad ? 1 : 0]
    }

    public init(hyperparameters: [String: Double]) throws {
        let read = HyperparameterReader(values: hyperparameters)
        self.init(learningRate: try read("lr"), beta1: try read("beta1", below: 1), beta2: try read("beta2", below: 1),
                  epsilon: try read("eps"), weightDecay: try read("weight_decay"), amsgrad: try read.flag("amsgrad"))
    }
}

/// Adam (Kingma & Ba) with bias correction, optional AMSGrad, and weight decay as an L2 term
/// added to the gradient — `torch.optim.Adam` exactly. For decoupled weight decay use ``AdamW``.
///
/// ```swift
/// let optimizer = Adam(parameters: model.trainableParameters(), learningRate: 1e-3)
/// ```
public final class Adam: GroupedOptimizer<AdamOptions> {
    /// Adam over `parameters` with one set of hyperparameters.
    public convenience init(parameters: [Tensor], learningRate: Double = 1e-3, beta1: Double = 0.9,
                            beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0,
                            amsgrad: Bool = false) {
        self.init(parameters: parameters, options: AdamOptions(
            learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
            weightDecay: weightDecay, amsgrad: amsgrad))
    }

    public override func makeState(for parameter: Tensor, options: AdamOptions) -> [String: Tensor] {
        AdamW.moments(for: parameter, amsgrad: options.amsgrad)
    }

    public override func update(_ parameter: Tensor, gradient: Tensor, state: ParameterState, options: AdamOptions) {
        AdamUpdate.run(parameter, gradient: gradient, state: state, options: options, decoupled: false)
    }
}
