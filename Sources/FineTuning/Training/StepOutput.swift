import TensorKit

/// What a loss function returns for one batch: the scalar loss to minimise and, when the
/// model has them, the logits metrics such as accuracy read.
public struct StepOutput {
    /// The mean loss over the batch's labels (a scalar tensor; backward runs from it).
    public var loss: Tensor
    /// Logits `[B, classes]` or `[B, L, vocabulary]`, if metrics need them.
    public var logits: Tensor?

    /// An output with a scalar `loss` and optional `logits`.
    public init(loss: Tensor, logits: Tensor? = nil) {
        self.loss = loss
        self.logits = logits
    }
}

@available(*, unavailable, message: "A step output holds tensors, which are not Sendable")
extension StepOutput: Sendable {}

/// Computes the loss (and logits) of a batch; the trainer calls it in training mode with
/// gradients recorded, and in evaluation mode without. A closure `(Batch) -> StepOutput`
/// works too (see ``Trainer``'s initialisers).
public protocol LossComputing {
    /// The loss and logits of `batch`.
    func output(for batch: Batch) -> StepOutput
    /// The metrics a ``Trainer`` computes at each evaluation when it is given none (fresh
    /// instances: metrics accumulate state).
    func defaultMetrics() -> [any Metric]
}

extension LossComputing {
    /// Accuracy and perplexity: what a language model's evaluation reports.
    public func defaultMetrics() -> [any Metric] { [AccuracyMetric(), PerplexityMetric()] }
}

/// Cross-entropy of a ``SequenceClassifier``'s class logits against `batch.labels`.
public struct ClassificationLoss: LossComputing {
    /// The model.
    public let model: SequenceClassifier

    /// The loss of `model`.
    public init(_ model: SequenceClassifier) { self.model = model }

    public func output(for batch: Batch) -> StepOutput {
        let logits = model(batch.inputIDs, tokenTypes: batch.tokenTypeIDs, mask: batch.attentionMask)
        return StepOutput(loss: Tensor.crossEntropy(logits: logits, targets: batch.labels, ignoreIndex: Batch.ignoreIndex),
                          logits: logits)
    }

    /// Accuracy and macro-F1 over the model's classes (perplexity means nothing for a classifier).
    public func defaultMetrics() -> [any Metric] {
        [AccuracyMetric(), MacroF1Metric(classes: model.classifier.weight.shape[0])]
    }
}

/// Next-token cross-entropy of a ``GPT`` against `batch.labels` (as built by
/// ``LanguageModelingCollator``).
public struct LanguageModelingLoss: LossComputing {
    /// The model.
    public let model: GPT

    /// The loss of `model`.
    public init(_ model: GPT) { self.model = model }

    public func output(for batch: Batch) -> StepOutput {
        let logits = model(batch.inputIDs, mask: batch.attentionMask)
        return StepOutput(loss: Tensor.crossEntropy(logits: logits, targets: batch.labels, ignoreIndex: Batch.ignoreIndex),
                          logits: logits)
    }
}
