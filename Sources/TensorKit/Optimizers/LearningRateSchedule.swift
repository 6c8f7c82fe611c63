import Foundation

/// A learning rate as a function of the step number, queried by step (no hidden state), as the
/// closed forms of PyTorch's schedulers.
///
/// Schedules compose: ``warmup(steps:startFactor:then:)`` ramps linearly from
/// `startFactor · base` to the base rate over its steps, then runs the inner schedule from the
/// inner schedule's step 0. Warmup followed by cosine decay is the usual choice:
///
/// ```swift
/// let schedule = LearningRateSchedule.warmupCosine(warmupSteps: 100, totalSteps: 1000)
/// schedule.learningRate(at: 550, base: 3e-4)
/// ```
public indirect enum LearningRateSchedule: Sendable, Equatable, Codable {
    /// The base rate at every step.
    case constant
    /// The base rate times `gamma` every `stepSize` steps (`StepLR`).
    case step(stepSize: Int, gamma: Double)
    /// The base rate times `gamma` each step (`ExponentialLR`).
    case exponential(gamma: Double)
    /// Half a cosine from the base rate down to `minLearningRate` over `totalSteps`, then flat
    /// at the minimum (`CosineAnnealingLR` with `eta_min`, without its restarts).
    case cosine(totalSteps: Int, minLearningRate: Double)
    /// A straight line from the base rate to `endFactor · base` over `totalSteps`, then flat
    /// (`LinearLR` with `start_factor` 1).
    case linear(totalSteps: Int, endFactor: Double)
    /// A linear ramp from `startFactor · base` to the base rate over `steps`, then `then`
    /// starting from its own step 0.
    case warmup(steps: Int, startFactor: Double, then: LearningRateSchedule)

    /// Cosine decay to `minLearningRate` over `totalSteps` (default minimum 0).
    public static func cosine(totalSteps: Int) -> LearningRateSchedule {
        .cosine(totalSteps: totalSteps, minLearningRate: 0)
    }

    /// Linear warmup from 0 over `steps`, then `then`.
    public static func warmup(steps: Int, then: LearningRateSchedule) -> LearningRateSchedule {
        .warmup(steps: steps, startFactor: 0, then: then)
    }

    /// Linear warmup from 0 over `warmupSteps`, then cosine decay to `minLearningRate` at
    /// `totalSteps` (counting the warmup) — what Hugging Face's
    /// `get_cosine_schedule_with_warmup` gives when `minLearningRate` is 0.
    public static func warmupCosine(warmupSteps: Int, totalSteps: Int, minLearningRate: Double = 0) -> LearningRateSchedule {
        precondition(totalSteps >= warmupSteps, "warmupCosine: totalSteps \(totalSteps) is less than warmupSteps \(warmupSteps)")
        return .warmup(steps: warmupSteps, startFactor: 0,
                       then: .cosine(totalSteps: totalSteps - warmupSteps, minLearningRate: minLearningRate))
    }

    /// The learning rate at `step` (0 is the first update) for a group whose base rate is `base`.
    public func learningRate(at step: Int, base: Double) -> Double {
        precondition(step >= 0, "learningRate(at:): step must be >= 0, got \(step)")
        switch self {
        case .constant:
            return base
        case let .step(stepSize, gamma):
            precondition(stepSize > 0, "LearningRateSchedule.step: stepSize must be positive, got \(stepSize)")
            return base * Foundation.pow(gamma, Double(step / stepSize))
        case let .exponential(gamma):
            return base * Foundation.pow(gamma, Double(step))
        case let .cosine(totalSteps, minimum):
            guard totalSteps > 0, step < totalSteps else { return totalSteps > 0 ? minimum : base }
            return minimum + (base - minimum) * (1 + Foundation.cos(Double.pi * Double(step) / Double(totalSteps))) / 2
        case let .linear(totalSteps, endFactor):
            guard totalSteps > 0 else { return base * endFactor }
            let progress = Double(Swift.min(step, totalSteps)) / Double(totalSteps)
            return base * (1 + (endFactor - 1) * progress)
        case let .warmup(steps, startFactor, inner):
            guard step < steps else { return inner.learningRate(at: step - steps, base: base) }
            return base * (startFactor + (1 - startFactor) * Double(step) / Double(steps))
        }
    }
}
