import Foundation

/// What a classifier's predictions score against the labels: a confusion matrix and what follows
/// from it — per-class precision, recall, F1 and support, accuracy and their macro averages — as
/// scikit-learn's `classification_report` and `confusion_matrix` give them.
///
/// ```swift
/// var metrics = ClassificationMetrics(classNames: ["ham", "spam"])
/// metrics.add(labels: [0, 1, 1], predictions: [0, 1, 0])
/// metrics.recall[1]    // 0.5
/// print(metrics.report())
/// ```
///
/// A class nothing was predicted as has precision 0 (and a class with no examples recall 0), as
/// scikit-learn's `zero_division=0`; the macro averages are over the classes that occur among the
/// labels or the predictions (scikit-learn's default label set), so a class absent from a small
/// evaluation set does not pull them down.
///
/// Encodes as JSON with the class names, the matrix and every derived value; decodes from the
/// class names and the matrix.
public struct ClassificationMetrics: Sendable, Equatable {
    /// Class names by index.
    public let classNames: [String]
    /// `confusion[label][prediction]`: how many examples of class `label` were predicted as
    /// `prediction` (rows are the true classes, as scikit-learn's).
    public private(set) var confusion: [[Int]]

    /// Empty counts for these classes.
    public init(classNames: [String]) {
        self.classNames = classNames
        confusion = Array(repeating: Array(repeating: 0, count: classNames.count), count: classNames.count)
    }

    /// The counts of a finished evaluation; `confusion` must be square with one row per class.
    public init(classNames: [String], confusion: [[Int]]) {
        precondition(confusion.count == classNames.count && confusion.allSatisfy { $0.count == classNames.count },
                     "ClassificationMetrics: the confusion matrix must be \(classNames.count)×\(classNames.count)")
        self.classNames = classNames
        self.confusion = confusion
    }

    /// Counts one example.
    public mutating func add(label: Int, prediction: Int) {
        precondition(confusion.indices.contains(label) && confusion.indices.contains(prediction),
                     "ClassificationMetrics.add: label \(label) or prediction \(prediction) is not a class index below \(classNames.count)")
        confusion[label][prediction] += 1
    }

    /// Counts examples pairwise.
    public mutating func add(labels: [Int], predictions: [Int]) {
        precondition(labels.count == predictions.count,
                     "ClassificationMetrics.add: \(labels.count) labels but \(predictions.count) predictions")
        for (label, prediction) in zip(labels, predictions) { add(label: label, prediction: prediction) }
    }

    /// Examples counted.
    public var count: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
    /// Examples per true class.
    public var support: [Int] { confusion.map { $0.reduce(0, +) } }
    /// Examples per predicted class.
    public var predicted: [Int] { classNames.indices.map { column in confusion.reduce(0) { $0 + $1[column] } } }
    /// The fraction predicted right (0 when nothing was counted).
    public var accuracy: Double { ratio(classNames.indices.reduce(0) { $0 + confusion[$1][$1] }, count) }

    /// Per class: of the examples predicted as the class, the fraction that are.
    public var precision: [Double] {
        let predicted = self.predicted
        return classNames.indices.map { ratio(confusion[$0][$0], predicted[$0]) }
    }
    /// Per class: of the examples of the class, the fraction predicted as it.
    public var recall: [Double] {
        let support = self.support
        return classNames.indices.map { ratio(confusion[$0][$0], support[$0]) }
    }
    /// Per class: the harmonic mean of precision and recall (0 when both are 0).
    public var f1: [Double] {
        zip(precision, recall).map { p, r in p + r == 0 ? 0 : 2 * p * r / (p + r) }
    }

    /// The classes the macro averages run over: those among the labels or the predictions.
    public var presentClasses: [Int] {
        let support = self.support, predicted = self.predicted
        return classNames.indices.filter { support[$0] > 0 || predicted[$0] > 0 }
    }
    /// The unweighted mean of the present classes' precision.
    public var macroPrecision: Double { macro(precision) }
    /// The unweighted mean of the present classes' recall.
    public var macroRecall: Double { macro(recall) }
    /// The unweighted mean of the present classes' F1: every class counts the same, however rare.
    public var macroF1: Double { macro(f1) }

    private func macro(_ values: [Double]) -> Double {
        let classes = presentClasses
        return classes.isEmpty ? 0 : classes.reduce(0) { $0 + values[$1] } / Double(classes.count)
    }

    private func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }

    /// A plain-text report: one row per class (precision, recall, F1, support), accuracy, the
    /// macro averages, then the confusion matrix (rows: true class, columns: predicted).
    public func report() -> String {
        let width = max(12, (classNames.map(\.count).max() ?? 0) + 2)
        func name(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        func number(_ value: Double) -> String { String(format: "%10.4f", value) }
        var lines = [name("") + "  precision    recall        f1   support"]
        let (p, r, f, s) = (precision, recall, f1, support)
        for c in classNames.indices {
            lines.append(name(classNames[c]) + number(p[c]) + number(r[c]) + number(f[c]) + String(format: "%10d", s[c]))
        }
        lines.append(name("accuracy") + String(repeating: " ", count: 20) + number(accuracy) + String(format: "%10d", count))
        lines.append(name("macro avg") + number(macroPrecision) + number(macroRecall) + number(macroF1) + String(format: "%10d", count))
        lines.append("")
        let cell = max(6, (classNames.map(\.count).max() ?? 0) + 1)
        func right(_ s: String) -> String { String(repeating: " ", count: max(0, cell - s.count)) + s }
        lines.append("confusion matrix (rows: true class, columns: predicted)")
        lines.append(name("") + classNames.map(right).joined())
        for c in classNames.indices { lines.append(name(classNames[c]) + confusion[c].map { right(String($0)) }.joined()) }
        return lines.joined(separator: "\n")
    }
}

extension ClassificationMetrics: Codable {
    private enum CodingKeys: String, CodingKey {
        case classNames = "class_names", confusion = "confusion_matrix", count, accuracy
        case macroPrecision = "macro_precision", macroRecall = "macro_recall", macroF1 = "macro_f1", perClass = "per_class"
    }

    /// One class's row of the report.
    private struct ClassValues: Codable {
        var name: String, precision: Double, recall: Double, f1: Double, support: Int
    }

    public init(from decoder: any Swift.Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let names = try container.decode([String].self, forKey: .classNames)
        let confusion = try container.decode([[Int]].self, forKey: .confusion)
        guard confusion.count == names.count, confusion.allSatisfy({ $0.count == names.count && $0.allSatisfy { $0 >= 0 } }) else {
            throw DecodingError.dataCorruptedError(forKey: .confusion, in: container,
                                                   debugDescription: "expected a \(names.count)×\(names.count) matrix of counts")
        }
        self.init(classNames: names, confusion: confusion)
    }

    public func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(classNames, forKey: .classNames)
        try container.encode(confusion, forKey: .confusion)
        try container.encode(count, forKey: .count)
        try container.encode(accuracy, forKey: .accuracy)
        try container.encode(macroPrecision, forKey: .macroPrecision)
        try container.encode(macroRecall, forKey: .macroRecall)
        try container.encode(macroF1, forKey: .macroF1)
        let (p, r, f, s) = (precision, recall, f1, support)
        try container.encode(classNames.indices.map { ClassValues(name: classNames[$0], precision: p[$0], recall: r[$0], f1: f[$0], support: s[$0]) },
                             forKey: .perClass)
    }
}
