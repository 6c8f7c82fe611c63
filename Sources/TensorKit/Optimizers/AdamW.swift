/// AdamW (Loshchilov & Hutter): Adam with weight decay applied to the parameter directly
/// (`p *= 1 - lr·wd`) instead of through the gradient — `torch.optim.AdamW` exactly.
///
/// The update is one fused pass per parameter over parameter, gradient and both moments.
///
/// ```swift
/// let optimizer = AdamW(parameters: model.trainableParameters(), learningRate: 3e-4, weightDecay: 0.1)
/// ```
public final class AdamW: GroupedOptimizer<AdamOptions> {
    /// AdamW over `parameters` with one set of hyperparameters (PyTorch's defaults).
    public convenience init(parameters: [Tensor], learningRate: Double = 1e-3, beta1: Double = 0.9,
                            beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01,
                            amsgrad: Bool = false) {
        self.init(parameters: parameters, options: AdamOptions(
            learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
            weightDecay: weightDecay, amsgrad: amsgrad))
    }

    public override func makeState(for parameter: Tensor, options: AdamOptions) -> [String: Tensor] {
        AdamW.moments(for: parameter, amsgrad: options.amsgrad)
    }

    public override func update(_ parameter: Tensor, gradient: Tensor, state: ParameterState, options: AdamOptions) {
        AdamUpdate.run(parameter, gradient: gradient, state: state, options: options, decoupled: true)
    }

    /// Zeroed first and second moments (and the AMSGrad maximum) shaped like `parameter`.
    static func moments(for parameter: Tensor, amsgrad: Bool) -> [String: Tensor] {
        var buffers = ["exp_avg": parameter.zerosLike(), "exp_avg_sq": parameter.zerosLike()]
        if amsgrad { buffers["max_exp_avg_sq"] = parameter.zerosLike() }
        return buffers
    }
}
