/// Updates parameters in place from their gradients, as `torch.optim` optimizers do.
///
/// Concrete optimizers (``SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``) share this interface,
/// so training loops, schedulers and checkpoints can work with `any Optimizer`.
///
/// ```swift
/// let optimizer = AdamW(parameters: model.trainableParameters(), learningRate: 1e-3)
/// loss.backward()
/// optimizer.step()
/// optimizer.zeroGrad()
/// ```
public protocol Optimizer: AnyObject {
    /// Every parameter, group after group, in the order state dicts number them.
    var parameters: [Tensor] { get }
    /// The learning rate of each parameter group.
    var learningRates: [Double] { get }
    /// Sets the learning rate of parameter group `group`.
    func setLearningRate(_ learningRate: Double, group: Int)
    /// Clears the gradient of every parameter (sets it to nil, like PyTorch's `set_to_none`).
    func zeroGrad()
    /// Applies one update to every parameter that requires grad and has a gradient.
    func step()
    /// Bytes held by optimizer state (moments, momentum buffers); zero before the first step.
    var stateByteCount: Int { get }
    /// The optimizer state: tensors by name plus a Codable struct of scalars.
    func stateDict() -> OptimizerStateDict
    /// Restores state saved by ``stateDict()`` from an optimizer over parameters of the same
    /// shapes, so training resumes exactly where it stopped.
    func load(stateDict: OptimizerStateDict) throws
}

extension Optimizer {
    /// Sets the learning rate of every parameter group.
    public func setLearningRate(_ learningRate: Double) {
        for group in learningRates.indices { setLearningRate(learningRate, group: group) }
    }
}

/// The hyperparameters of one parameter group of an optimizer (learning rate, weight decay, and
/// whatever else the algorithm takes), convertible to and from named scalars for state dicts.
public protocol OptimizerOptions: Sendable {
    /// Step size.
    var learningRate: Double { get set }
    /// Weight decay factor (L2 penalty or decoupled decay, depending on the optimizer).
    var weightDecay: Double { get set }
    /// Every hyperparameter as a named number (flags as 0 or 1), for state dicts.
    var hyperparameters: [String: Double] { get }
    /// Rebuilds options from ``hyperparameters``; throws when a name is missing.
    init(hyperparameters: [String: Double]) throws
}

/// Reads named scalars back into options, naming what is missing or out of range. The values
/// come from files, so they are checked here and throw, rather than reaching the options'
/// preconditions.
struct HyperparameterReader {
    let values: [String: Double]

    /// The value called `name`, which must be finite, non-negative and below `limit`.
    func callAsFunction(_ name: String, below limit: Double = .infinity) throws -> Double {
        guard let value = values[name] else { throw OptimizerStateError.missingHyperparameter(name) }
        guard value.isFinite, value >= 0, value < limit else {
            throw OptimizerStateError.invalidHyperparameter(name, value)
        }
        return value
    }

    /// A flag stored as 0 or 1.
    func flag(_ name: String) throws -> Bool { try self(name) != 0 }
}
