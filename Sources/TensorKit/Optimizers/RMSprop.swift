/// Hyperparameters of ``RMSprop`` for one parameter group.
public struct RMSpropOptions: OptimizerOptions, Equatable {
    /// Step size.
    public var learningRate: Double
    /// Smoothing constant of the squared-gradient average.
    public var alpha: Double
    /// Added to the denominator for numerical stability.
    public var epsilon: Double
    /// L2 penalty added to the gradient.
    public var weightDecay: Double
    /// Momentum factor (0 disables the momentum buffer).
    public var momentum: Double
    /// Normalise by the estimated variance (subtract the squared mean gradient).
    public var centered: Bool

    /// Options with PyTorch's defaults.
    public init(learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8, weightDecay: Double = 0,
                momentum: Double = 0, centered: Bool = false) {
        precondition(learningRate >= 0 && alpha >= 0 && epsilon >= 0 && weightDecay >= 0 && momentum >= 0,
                     "RMSprop: hyperparameters must be >= 0, got lr \(learningRate), alpha \(alpha), eps \(epsilon), weight decay \(weightDecay), momentum \(momentum)")
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
    }

    public var hyperparameters: [String: Double] {
        ["lr": learningRate, "alpha": alpha, "eps": epsilon, "weight_decay": weightDecay,
         "momentum": momentum, "centered": centered ? 1 : 0]
    }

    public init(hyperparameters: [String: Double]) throws {
        let read = HyperparameterReader(values: hyperparameters)
        self.init(learningRate: try read("lr"), alpha: try read("alpha"), epsilon: try read("eps"),
                  weightDecay: try read("weight_decay"), momentum: try read("momentum"), centered: try read.flag("centered"))
    }
}

/// RMSprop (Hinton) with optional momentum and centering — `torch.optim.RMSprop` exactly.
///
/// ```swift
/// let optimizer = RMSprop(parameters: params, learningRate: 1e-3, momentum: 0.9, centered: true)
/// ```
public final class RMSprop: GroupedOptimizer<RMSpropOptions> {
    /// RMSprop over `parameters` with one set of hyperparameters.
    public convenience init(parameters: [Tensor], learningRate: Double = 1e-2, alpha: Double = 0.99,
                            epsilon: Double = 1e-8, weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false) {
        self.init(parameters: parameters, options: RMSpropOptions(
            learningRate: learningRate, alpha: alpha, epsilon: epsilon, weightDecay: weightDecay,
            momentum: momentum, centered: centered))
    }

    public override func makeState(for parameter: Tensor, options: RMSpropOptions) -> [String: Tensor] {
        var buffers = ["square_avg": parameter.zerosLike()]
        if options.momentum > 0 { buffers["momentum_buffer"] = parameter.zerosLike() }
        if options.centered { buffers["grad_avg"] = parameter.zerosLike() }
        return buffers
    }

    public override func update(_ parameter: Tensor, gradient: Tensor, state: ParameterState, options: RMSpropOptions) {
        switch parameter.dtype {
        case .float32: run(Float.self, parameter, gradient, state, options)
        case .float64: run(Double.self, parameter, gradient, state, options)
        default: preconditionFailure("RMSprop.step: parameters must be float32 or float64, got \(parameter.dtype)")
        }
    }

    private func run<T: FloatingScalar>(_: T.Type, _ parameter: Tensor, _ gradient: Tensor, _ state: ParameterState,
                                        _ options: RMSpropOptions) {
        // Hyperparameters may change between steps; add buffers a new setting needs.
        if options.momentum > 0 && state.buffers["momentum_buffer"] == nil { state.buffers["momentum_buffer"] = parameter.zerosLike() }
        if options.centered && state.buffers["grad_avg"] == nil { state.buffers["grad_avg"] = parameter.zerosLike() }
        let p = parameter.pointer(as: T.self), g = gradient.pointer(as: T.self)
        let square = state["square_avg"].pointer(as: T.self)
        let velocity = options.momentum > 0 ? state["momentum_buffer"].pointer(as: T.self) : square
        let mean = options.centered ? state["grad_avg"].pointer(as: T.self) : square
        let c = Constants<T>(
            decay: T(options.weightDecay), alpha: T(options.alpha), oneMinusAlpha: T(1 - options.alpha),
            lerpIsSmall: Swift.abs(1 - options.alpha) < 0.5, epsilon: T(options.epsilon),
            momentum: T(options.momentum), negativeLR: T(-options.learningRate))
        let buffers = Buffers(p: p, g: g, square: square, velocity: velocity, mean: mean)
        Parallel.forRanges(parameter.count, costPerItem: 8) { range in
            switch (options.centered, options.momentum > 0) {
            case (false, false): Self.apply(buffers, range, c, centered: FlagOff.self, momentum: FlagOff.self)
            case (false, true): Self.apply(buffers, range, c, centered: FlagOff.self, momentum: FlagOn.self)
            case (true, false): Self.apply(buffers, range, c, centered: FlagOn.self, momentum: FlagOff.self)
            case (true, true): Self.apply(buffers, range, c, centered: FlagOn.self, momentum: FlagOn.self)
            }
        }
    }

    private struct Constants<T: FloatingScalar> {
        var decay, alpha, oneMinusAlpha: T
        var lerpIsSmall: Bool
        var epsilon, momentum, negativeLR: T
    }

    private struct Buffers<T: FloatingScalar> {
        var p, g, square, velocity, mean: UnsafeMutablePointer<T>
    }

    /// One RMSprop update over `range`, specialised per setting so each loop is branch-free.
    /// Weight decay 0 adds 0 · p, the same bits as skipping it for finite parameters.
    @inline(__always)
    private static func apply<T: FloatingScalar, Centered: KernelFlag, Momentum: KernelFlag>(
        _ b: Buffers<T>, _ range: Range<Int>, _ c: Constants<T>, centered: Centered.Type, momentum: Momentum.Type
    ) {
        let p = b.p, g = b.g, square = b.square, velocity = b.velocity, mean = b.mean
        for i in range {
            let param = p[i]
            let grad = g[i] + c.decay * param
            let average = square[i] * c.alpha + c.oneMinusAlpha * grad * grad
            square[i] = average
            var denominator: T
            if Centered.isOn {
                let m = mean[i]
                let newMean = c.lerpIsSmall ? m + c.oneMinusAlpha * (grad - m) : grad - (grad - m) * (1 - c.oneMinusAlpha)
                mean[i] = newMean
                // May round below zero; PyTorch then gives NaN, and so does this plain sqrt.
                denominator = T.sqrt(average + -1 * newMean * newMean)
            } else {
                denominator = T.sqrtOfNonNegative(average)
            }
            denominator = denominator + c.epsilon
            if Momentum.isOn {
                let v = velocity[i] * c.momentum + grad / denominator
                velocity[i] = v
                p[i] = param + c.negativeLR * v
            } else {
                p[i] = param + c.negativeLR * grad / denominator
            }
        }
    }
}
