import Foundation
import TensorKit

/// A quantity accumulated over the batches of an evaluation, like a `torchmetrics` metric:
/// ``reset()`` before the pass, ``update(_:batch:)`` per batch, ``value`` at the end.
///
/// Write your own by conforming a class:
///
/// ```swift
/// final class MeanLogitNorm: Metric {
///     let name = "logit_norm"
///     private var total = 0.0, count = 0
///     func reset() { total = 0; count = 0 }
///     func update(_ output: StepOutput, batch: Batch) { ... }
///     var value: Double? { count == 0 ? nil : total / Double(count) }
/// }
/// ```
public protocol Metric: AnyObject {
    /// The key in logs (evaluation values are logged as `eval_<name>`).
    var name: String { get }
    /// Forgets what was accumulated.
    func reset()
    /// Adds one batch.
    func update(_ output: StepOutput, batch: Batch)
    /// The value over everything since ``reset()``; nil when it is undefined (nothing seen, or
    /// no logits).
    var value: Double? { get }
}

/// The mean loss, weighted by each batch's label count, so the result is the mean over all
/// labels whatever the batch sizes.
public final class LossMetric: Metric {
    public let name = "loss"
    private var total = 0.0, weight = 0
    /// A metric with nothing accumulated.
    public init() {}
    public func reset() { total = 0; weight = 0 }
    public func update(_ output: StepOutput, batch: Batch) {
        let count = batch.labelCount
        total += output.loss.item() * Double(count)
        weight += count
    }
    public var value: Double? { weight == 0 ? nil : total / Double(weight) }
}

/// `exp` of the mean loss: the perplexity of a language model.
public final class PerplexityMetric: Metric {
    public let name = "perplexity"
    private let loss = LossMetric()
    /// A metric with nothing accumulated.
    public init() {}
    public func reset() { loss.reset() }
    public func update(_ output: StepOutput, batch: Batch) { loss.update(output, batch: batch) }
    public var value: Double? { loss.value.map { Foundation.exp($0) } }
}

/// The fraction of labels whose arg-max logit is right (classes for a classifier, tokens for a
/// language model), skipping ``Batch/ignoreIndex``.
public final class AccuracyMetric: Metric {
    public let name = "accuracy"
    private var correct = 0, total = 0
    /// A metric with nothing accumulated.
    public init() {}
    public func reset() { correct = 0; total = 0 }
    public func update(_ output: StepOutput, batch: Batch) {
        guard let logits = output.logits else { return }
        let predicted = logits.argmax(axis: -1).scalars(as: Int64.self)
        let labels = batch.labels.scalars(as: Int64.self)
        precondition(predicted.count == labels.count,
                     "AccuracyMetric: logits \(logits.shape) do not match labels \(batch.labels.shape)")
        for (p, l) in zip(predicted, labels) where l != Int64(Batch.ignoreIndex) {
            total += 1
            if p == l { correct += 1 }
        }
    }
    public var value: Double? { total == 0 ? nil : Double(correct) / Double(total) }
}
