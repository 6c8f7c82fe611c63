import TensorKit

extension GroupedOptimizer {
    /// An optimizer over `model`'s trainable parameters that follows them: parameters that
    /// start training later (``Module/setActiveAdapter(_:)``, ``Module/unfreeze()``) join its
    /// group before the next step instead of being silently left out, as they would be from a
    /// list taken once with ``Module/trainableParameters()``. Following costs a walk of the
    /// module tree per step (small next to a step of a transformer).
    ///
    /// ```swift
    /// let optimizer = SGD(model: model, options: SGDOptions(learningRate: 0.1))
    /// try model.setActiveAdapter("other")   // its weights train from the next step on
    /// ```
    public convenience init(model: Module, options: Options) {
        self.init(following: { model.trainableParameters() }, options: options)
    }
}

extension AdamW {
    /// AdamW over `model`'s trainable parameters, following them as they change (see
    /// ``GroupedOptimizer/init(model:options:)``), with PyTorch's defaults.
    public convenience init(model: Module, learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                            epsilon: Double = 1e-8, weightDecay: Double = 0.01, amsgrad: Bool = false) {
        self.init(model: model, options: AdamOptions(learningRate: learningRate, beta1: beta1, beta2: beta2,
                                                     epsilon: epsilon, weightDecay: weightDecay, amsgrad: amsgrad))
    }
}
