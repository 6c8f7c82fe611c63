import Foundation
import Testing
@testable import FineTuning

/// Per-class precision/recall/F1, macro averages, the confusion matrix, the trainer metric and
/// stratified splits, on examples small enough to count by hand.
@Suite struct ClassificationMetricsTests {
    /// 10 examples of 3 classes; by hand: confusion rows [2 1 1] [1 2 0] [0 1 2], predicted
    /// counts 3 4 3, support 4 3 3.
    private func handExample() -> ClassificationMetrics {
        var metrics = ClassificationMetrics(classNames: ["a", "b", "c"])
        metrics.add(labels: [0, 0, 0, 0, 1, 1, 1, 2, 2, 2], predictions: [0, 0, 1, 2, 1, 1, 0, 2, 2, 1])
        return metrics
    }

    private func expectClose(_ a: [Double], _ b: [Double], _ comment: Comment? = nil) {
        #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 }, "\(a) vs \(b)")
    }

    @Test func handComputedExample() {
        let m = handExample()
        #expect(m.confusion == [[2, 1, 1], [1, 2, 0], [0, 1, 2]])
        #expect(m.support == [4, 3, 3] && m.predicted == [3, 4, 3] && m.count == 10)
        expectClose([m.accuracy], [0.6])
        expectClose(m.precision, [2.0 / 3, 0.5, 2.0 / 3])
        expectClose(m.recall, [0.5, 2.0 / 3, 2.0 / 3])
        expectClose(m.f1, [4.0 / 7, 4.0 / 7, 2.0 / 3])
        expectClose([m.macroPrecision, m.macroRecall, m.macroF1], [11.0 / 18, 11.0 / 18, 38.0 / 63])
    }

    /// A class absent from both labels and predictions is left out of the macro averages;
    /// one never predicted has precision 0 (scikit-learn's zero_division=0).
    @Test func absentAndUnpredictedClasses() {
        var m = ClassificationMetrics(classNames: ["x", "y", "z"])
        m.add(labels: [0, 0, 1], predictions: [0, 1, 1])
        #expect(m.presentClasses == [0, 1])
        expectClose([m.macroF1], [2.0 / 3])
        var spam = ClassificationMetrics(classNames: ["ham", "spam"])
        spam.add(labels: [0, 0, 0, 1], predictions: [0, 0, 0, 0])   // accuracy 0.75, spam never found
        expectClose([spam.accuracy, spam.precision[1], spam.recall[1], spam.f1[1]], [0.75, 0, 0, 0])
        expectClose([spam.macroF1], [(6.0 / 7) / 2])
        #expect(ClassificationMetrics(classNames: ["a"]).macroF1 == 0)
    }

    @Test func reportAndJSON() throws {
        let m = handExample()
        let report = m.report()
        #expect(report.contains("precision    recall        f1   support"))
        #expect(report.contains("macro avg"))
        #expect(report.contains("    0.6032"))
        #expect(report.contains("confusion matrix (rows: true class, columns: predicted)"))
        #expect(report.split(separator: "\n").last == "c                0     1     2")
        let data = try JSONEncoder().encode(m)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["confusion_matrix"] as? [[Int]] == [[2, 1, 1], [1, 2, 0], [0, 1, 2]])
        #expect(abs((json["macro_f1"] as? Double ?? 0) - 38.0 / 63) < 1e-12)
        let perClass = try #require(json["per_class"] as? [[String: Any]])
        #expect(perClass.map { $0["name"] as? String } == ["a", "b", "c"] && perClass[0]["support"] as? Int == 4)
        #expect(try JSONDecoder().decode(ClassificationMetrics.self, from: data) == m)
        let bad = Data(#"{"class_names": ["a", "b"], "confusion_matrix": [[1]]}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ClassificationMetrics.self, from: bad) }
    }

    @Test func trainerMetricSkipsIgnoredLabels() {
        let metric = MacroF1Metric(classNames: ["a", "b", "c"])
        let logits = Tensor([Float](arrayLiteral: 5, 0, 0, 0, 5, 0, 0, 0, 5, 5, 0, 0), shape: [4, 3])   // predicts 0 1 2 0
        let batch = Batch(inputIDs: Tensor([Int32](repeating: 1, count: 4), shape: [4, 1]),
                          labels: Tensor([Int64(0), 2, 2, Int64(Batch.ignoreIndex)]))
        metric.reset()
        #expect(metric.value == nil)
        metric.update(StepOutput(loss: Tensor(scalar: 0.0), logits: logits), batch: batch)
        #expect(metric.metrics.confusion == [[1, 0, 0], [0, 0, 0], [0, 1, 1]])
        // a: p 1 r 1; b: p 0 (one false prediction); c: p 1 r ½ → F1 ⅔; macro over the three.
        #expect(abs(metric.value! - (1 + 0 + 2.0 / 3) / 3) < 1e-12)
        metric.reset()
        #expect(metric.metrics.count == 0)
    }

    @Test func classifierLossDefaultsToAccuracyAndMacroF1() {
        var config = EncoderConfig(vocabularySize: 10, dim: 8, layers: 1, heads: 2, hidden: 16)
        config.maxPositions = 8
        let model = SequenceClassifier(config, classes: 3)
        #expect(ClassificationLoss(model).defaultMetrics().map(\.name) == ["accuracy", "macro_f1"])
        #expect(LanguageModelingLoss(GPT(GPTConfig(vocabularySize: 10, maxPositions: 8, dim: 8, layers: 1, heads: 2)))
            .defaultMetrics().map(\.name) == ["accuracy", "perplexity"])
    }

    /// 100 examples, the 13 of class 1 all at the end (a file sorted by label).
    private let sortedLabels = [Int](repeating: 0, count: 87) + [Int](repeating: 1, count: 13)

    @Test func stratifiedPermutationKeepsEveryPrefixBalanced() {
        let order = Shuffle.stratifiedPermutation(labels: sortedLabels, seed: 42)
        #expect(order.sorted() == Array(0..<100))
        var ones = 0
        for (k, index) in order.enumerated() {
            if sortedLabels[index] == 1 { ones += 1 }
            #expect(abs(Double(ones) - Double(k + 1) * 0.13) < 1, "prefix \(k + 1): \(ones) of class 1")
        }
        #expect(order == Shuffle.stratifiedPermutation(labels: sortedLabels, seed: 42))
        #expect(order != Shuffle.stratifiedPermutation(labels: sortedLabels, seed: 7))
        #expect(Shuffle.stratifiedPermutation(labels: [], seed: 1).isEmpty)
        #expect(Shuffle.stratifiedPermutation(labels: [-100, 5, -100], seed: 1).sorted() == [0, 1, 2])
    }

    @Test func stratifiedSplitPartsHoldEveryClass() {
        let data = ArrayDataset(sortedLabels.enumerated().map { TextClassificationExample(text: "t\($0.offset)", label: $0.element) })
        let parts = data.stratifiedSplit(validation: 0.1, test: 0.2, seed: 42)
        #expect((parts.train.count, parts.validation.count, parts.test.count) == (70, 10, 20))
        #expect(Set(parts.train.indices + parts.validation.indices + parts.test.indices).count == 100)
        func ones(_ part: DatasetSubset<ArrayDataset<TextClassificationExample>>, prefix: Int? = nil) -> Int {
            part.indices.prefix(prefix ?? part.count).filter { sortedLabels[$0] == 1 }.count
        }
        #expect((1...2).contains(ones(parts.validation)))
        #expect((2...3).contains(ones(parts.test)))
        #expect((8...10).contains(ones(parts.train)))
        #expect((1...2).contains(ones(parts.train, prefix: 10)))   // a capped part keeps the balance
    }
}
