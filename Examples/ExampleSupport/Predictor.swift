import Foundation
import FineTuning
import TensorKit

/// Labels texts with a saved run (``SavedRun``): one JSON object per text with the label, its
/// probability and every class's, as `predict` prints them.
public struct Predictor {
    /// The trained classifier, in evaluation mode.
    public let model: SequenceClassifier
    /// Its tokenizer, through the run's collator (same max length).
    public let collator: TextClassificationCollator
    /// Class names by index.
    public let classNames: [String]

    /// The classifier of the run in `folder` (`modelDirectory` overrides the recorded base model).
    public init(run folder: URL, modelDirectory: String? = nil) throws {
        let run = try SavedRun.read(from: folder)
        let (model, tokenizer) = try run.loadClassifier(from: folder, modelDirectory: modelDirectory)
        self.model = model
        collator = TextClassificationCollator(tokenizer: tokenizer, maxLength: run.settings.maxLength)
        classNames = run.classNames
    }

    /// One prediction.
    public struct Prediction: Encodable, Equatable {
        /// The text classified.
        public var text: String
        /// The most probable class.
        public var label: String
        /// Its probability.
        public var score: Double
        /// Every class's probability, by name (rounded to six decimals, as ``score``).
        public var probabilities: [String: Double]
    }

    /// The predictions for `texts`, in order.
    public func predict(_ texts: [String], batchSize: Int = 32) -> [Prediction] {
        var out: [Prediction] = []
        out.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            let chunk = Array(texts[start..<min(texts.count, start + batchSize)])
            let batch = collator.collate(chunk.map { TextClassificationExample(text: $0, label: 0) })
            let probabilities = withGradientsDisabled {
                model(batch.inputIDs, tokenTypes: batch.tokenTypeIDs, mask: batch.attentionMask).softmax(axis: -1)
            }.contiguous().scalars(as: Float.self)
            let classes = classNames.count
            for (row, text) in chunk.enumerated() {
                // Six decimals: float32 probabilities carry no more, and the lines stay readable.
                let p = probabilities[(row * classes)..<((row + 1) * classes)].map { (Double($0) * 1e6).rounded() / 1e6 }
                let best = p.indices.max { p[$0] < p[$1] } ?? 0
                out.append(Prediction(text: text, label: classNames[best], score: p[best],
                                      probabilities: Dictionary(zip(classNames, p), uniquingKeysWith: { first, _ in first })))
            }
        }
        return out
    }

    /// A prediction as one line of JSON (keys sorted: label, probabilities, score, text).
    public static func jsonLine(_ prediction: Prediction) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(prediction)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }
}
