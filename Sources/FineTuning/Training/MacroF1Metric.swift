import TensorKit

/// Macro-averaged F1 of a classifier's arg-max predictions (logged as `eval_macro_f1`), with the
/// whole ``ClassificationMetrics`` of the last evaluation kept in ``metrics`` (per-class
/// precision, recall, F1 and the confusion matrix). Unlike accuracy, it drops when a rare class
/// is never predicted. Labels equal to ``Batch/ignoreIndex`` are skipped.
public final class MacroF1Metric: Metric {
    public let name = "macro_f1"
    /// The counts since the last ``reset()``.
    public private(set) var metrics: ClassificationMetrics

    /// A metric over these classes.
    public init(classNames: [String]) { metrics = ClassificationMetrics(classNames: classNames) }

    /// A metric over classes named `0`, `1`, ….
    public convenience init(classes: Int) { self.init(classNames: (0..<classes).map(String.init)) }

    public func reset() { metrics = ClassificationMetrics(classNames: metrics.classNames) }

    public func update(_ output: StepOutput, batch: Batch) {
        guard let logits = output.logits else { return }
        let predicted = logits.argmax(axis: -1).scalars(as: Int64.self)
        let labels = batch.labels.scalars(as: Int64.self)
        precondition(predicted.count == labels.count,
                     "MacroF1Metric: logits \(logits.shape) do not match labels \(batch.labels.shape)")
        for (p, l) in zip(predicted, labels) where l != Int64(Batch.ignoreIndex) {
            metrics.add(label: Int(l), prediction: Int(p))
        }
    }

    public var value: Double? { metrics.count == 0 ? nil : metrics.macroF1 }
}
