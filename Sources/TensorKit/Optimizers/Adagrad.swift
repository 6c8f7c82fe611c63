/// Hyperparameters of ``Adagrad`` for one parameter group.
public struct AdagradOptions: OptimizerOptions, Equatable {
    /// Step size.
    public var learningRate: Double
    /// Learning-rate decay: step `t` uses `lr / (1 + (t - 1) · lrDecay)`.
    public var learningRateDecay: Double
    /// L2 penalty added to the gradient.
    public var weightDecay: Double
    /// Starting value of the squared-gradient sum.
    public var initialAccumulatorValue: Double
    /// Added to the denominator for numerical stability.
    public var epsilon: Double

    /// Options with PyTorch's defaults.
    public init(learningRate: Double = 1e-2, learningRateDecay: Double = 0, weightDecay: Double = 0,
                initialAccumulatorValue: Double = 0, epsilon: Double = 1e-10) {
        precondition(learningRate >= 0 && learningRateDecay >= 0 && weightDecay >= 0 && initialAccumulatorValue >= 0 && epsilon >= 0,
                     "Adagrad: hyperparameters must be >= 0, got lr \(learningRate), lr decay \(learningRateDecay), weight decay \(weightDecay), initial accumulator \(initialAccumulatorValue), eps \(epsilon)")
        self.learningRate = learningRate
        self.learningRateDecay = learningRateDecay
        self.weightDecay = weightDecay
        self.initialAccumulatorValue = initialAccumulatorValue
        self.epsilon = epsilon
    }

    public var hyperparameters: [String: Double] {
        ["lr": learningRate, "lr_decay": learningRateDecay, "weight_decay": weightDecay,
         "initial_accumulator_value": initialAccumulatorValue, "eps": epsilon]
    }

    public init(hyperparameters: [String: Double]) throws {
        let read = HyperparameterReader(values: hyperparameters)
        self.init(learningRate: try read("lr"), learningRateDecay: try read("lr_decay"), weightDecay: try read("weight_decay"),
                  initialAccumulatorValue: try read("initial_accumulator_value"), epsilon: try read("eps"))
    }
}

/// Adagrad (Duchi et al.) — `torch.optim.Adagrad` exactly (dense gradients).
///
/// ```swift
/// let optimizer = Adagrad(parameters: params, learningRate: 0.1, learningRateDecay: 0.01)
/// ```
public final class Adagrad: GroupedOptimizer<AdagradOptions> {
    /// Adagrad over `parameters` with one set of hyperparameters.
    public convenience init(parameters: [Tensor], learningRate: Double = 1e-2, learningRateDecay: Double = 0,
                            weightDecay: Double = 0, initialAccumulatorValue: Double = 0, epsilon: Double = 1e-10) {
        self.init(parameters: parameters, options: AdagradOptions(
            learningRate: learningRate, learningRateDecay: learningRateDecay, weightDecay: weightDecay,
            initialAccumulatorValue: initialAccumulatorValue, epsilon: epsilon))
    }

    public override func makeState(for parameter: Tensor, options: AdagradOptions) -> [String: Tensor] {
        ["sum": Tensor.full(parameter.shape, value: options.initialAccumulatorValue, dtype: parameter.dtype)]
    }

    public override func update(_ parameter: Tensor, gradient: Tensor, state: ParameterState, options: AdagradOptions) {
        switch parameter.dtype {
        case .float32: run(Float.self, parameter, gradient, state, options)
        case .float64: run(Double.self, parameter, gradient, state, options)
        default: preconditionFailure("Adagrad.step: parameters must be float32 or float64, got \(parameter.dtype)")
        }
    }

    private func run<T: FloatingScalar>(_: T.Type, _ parameter: Tensor, _ gradient: Tensor, _ state: ParameterState,
                                        _ options: AdagradOptions) {
        let p = parameter.pointer(as: T.self), g = gradient.pointer(as: T.self)
        let sum = state["sum"].pointer(as: T.self)
        // Weight decay 0 adds 0 · p, the same bits as skipping it for finite parameters, and keeps
        // the loop branch-free so it vectorises.
        let decay = T(options.weightDecay)
        let clr = options.learningRate / (1 + Double(state.step - 1) * options.learningRateDecay)
        let negativeLR = T(-clr), epsilon = T(options.epsilon)
        Parallel.forRanges(parameter.count, costPerItem: 6) { range in
            for i in range {
                let param = p[i]
                let grad = g[i] + decay * param
                let accumulated = sum[i] + 1 * grad * grad
                sum[i] = accumulated
                p[i] = param + negativeLR * grad / (T.sqrtOfNonNegative(accumulated) + epsilon)
            }
        }
    }
}
