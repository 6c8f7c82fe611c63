/// Drives an optimizer's learning rates from a ``LearningRateSchedule``, like a PyTorch
/// scheduler: it remembers each group's base rate, sets the step-0 rate when created, and
/// moves to the next step's rate on ``step()`` (call it after `optimizer.step()`).
///
/// ```swift
/// let scheduler = LearningRateScheduler(.warmupCosine(warmupSteps: 100, totalSteps: 1000), optimizer: optimizer)
/// for batch in batches {
///     loss(batch).backward()
///     optimizer.step(); optimizer.zeroGrad()
///     scheduler.step()
/// }
/// ```
public final class LearningRateScheduler {
    /// The schedule applied.
    public let schedule: LearningRateSchedule
    /// The optimizer whose groups it sets.
    public let optimizer: any Optimizer
    /// Each group's rate when the scheduler was made (PyTorch's `initial_lr`).
    public let baseLearningRates: [Double]
    /// The step whose rate the optimizer currently has.
    public private(set) var currentStep: Int

    /// Takes the optimizer's current rates as the base rates and applies the rate for `step`
    /// (0 for a fresh run; the saved step when resuming).
    public init(_ schedule: LearningRateSchedule, optimizer: any Optimizer, startingAt step: Int = 0,
                baseLearningRates: [Double]? = nil) {
        self.schedule = schedule
        self.optimizer = optimizer
        self.baseLearningRates = baseLearningRates ?? optimizer.learningRates
        precondition(self.baseLearningRates.count == optimizer.learningRates.count,
                     "LearningRateScheduler: \(self.baseLearningRates.count) base rates for \(optimizer.learningRates.count) groups")
        self.currentStep = step
        apply(step: step)
    }

    /// Advances one step and sets the rates for it.
    public func step() {
        currentStep += 1
        apply(step: currentStep)
    }

    /// Sets every group's rate to the schedule's rate at `step`.
    public func apply(step: Int) {
        currentStep = step
        for (group, base) in baseLearningRates.enumerated() {
            optimizer.setLearningRate(schedule.learningRate(at: step, base: base), group: group)
        }
    }

    /// The rates the optimizer has now.
    public var learningRates: [Double] { optimizer.learningRates }
}
