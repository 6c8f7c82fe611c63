import Foundation
import FineTuning

/// The fixed-JSON task: answer a question's TREC classes with exactly
/// `{"category": "<COARSE>", "subcategory": "<fine>"}` and nothing else.
///
/// The few-shot baseline gets the full instruction (the format and the six categories) as its
/// system turn and three worked examples as earlier user/assistant turns. Fine-tuned models get a
/// one-line system turn naming the format, and the question: the labels are what fine-tuning
/// bakes into the weights, so their prompts (and every training example) stay short — about 65
/// tokens instead of 110 with the full instruction, or 330 with the examples. The format is easy for an
/// instruction-tuned model; the labels are the domain knowledge that fine-tuning has to bring.
public enum TRECJSONTask {
    /// The system turn of fine-tuned models (training and test).
    public static let tunedInstruction = #"Reply with only {"category": "<COARSE>", "subcategory": "<fine>"}, the question's TREC classes."#

    /// The system turn of the few-shot baseline.
    public static let instruction = """
        Classify the question with the TREC question taxonomy. Reply with only a JSON object \
        {"category": "<COARSE>", "subcategory": "<fine>"}. Categories: ABBR (abbreviation), \
        DESC (description), ENTY (entity), HUM (human), LOC (location), NUM (numeric value).
        """

    /// The exact answer for `question`.
    public static func answer(for question: TRECQuestion) -> String {
        "{\"category\": \"\(question.category)\", \"subcategory\": \"\(question.subcategory)\"}"
    }

    /// The conversation of one training example: the short system turn, question, answer.
    public static func trainingMessages(for question: TRECQuestion) -> [ChatMessage] {
        promptMessages(for: question, examples: []) + [ChatMessage(role: "assistant", content: answer(for: question))]
    }

    /// The prompt turns (before the assistant's answer): with no `examples` a fine-tuned model's
    /// prompt (short system turn, question); otherwise the baseline's (full instruction, the
    /// examples as worked turns, question).
    public static func promptMessages(for question: TRECQuestion, examples: [TRECQuestion]) -> [ChatMessage] {
        var messages = [ChatMessage(role: "system", content: examples.isEmpty ? tunedInstruction : instruction)]
        for example in examples {
            messages.append(ChatMessage(role: "user", content: example.text))
            messages.append(ChatMessage(role: "assistant", content: answer(for: example)))
        }
        messages.append(ChatMessage(role: "user", content: question.text))
        return messages
    }

    /// Three worked examples for the few-shot baseline: the first training questions of three
    /// different coarse classes (LOC, HUM, NUM), so the examples show the format on varied labels.
    public static func fewShotExamples(from train: [TRECQuestion]) -> [TRECQuestion] {
        ["LOC", "HUM", "NUM"].compactMap { category in train.first { $0.category == category } }
    }

    /// How one generated answer scores.
    public struct Score: Sendable, Equatable, Codable {
        /// The output parses as a JSON object with exactly the keys `category` and `subcategory`
        /// (string values).
        public var valid: Bool
        /// Valid, with the right coarse class.
        public var categoryCorrect: Bool
        /// Valid, with the right coarse and fine classes.
        public var subcategoryCorrect: Bool
    }

    /// Scores `output` (the generated text without special tokens) against `question`.
    public static func score(_ output: String, for question: TRECQuestion) -> Score {
        let text = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              Set(object.keys) == ["category", "subcategory"],
              let category = object["category"] as? String, let subcategory = object["subcategory"] as? String else {
            return Score(valid: false, categoryCorrect: false, subcategoryCorrect: false)
        }
        let categoryCorrect = category == question.category
        return Score(valid: true, categoryCorrect: categoryCorrect,
                     subcategoryCorrect: categoryCorrect && subcategory == question.subcategory)
    }
}

/// The test-set metrics of the fixed-JSON task.
public struct TRECJSONMetrics: Sendable, Equatable, Codable {
    /// Questions answered.
    public var count: Int
    /// Share of outputs that are valid JSON with exactly the two keys.
    public var jsonValid: Double
    /// Share with the right coarse class.
    public var categoryAccuracy: Double
    /// Share with the right coarse and fine classes.
    public var subcategoryAccuracy: Double

    /// The metrics of a list of scores.
    public init(_ scores: [TRECJSONTask.Score]) {
        count = scores.count
        let n = Double(Swift.max(1, scores.count))
        jsonValid = Double(scores.filter(\.valid).count) / n
        categoryAccuracy = Double(scores.filter(\.categoryCorrect).count) / n
        subcategoryAccuracy = Double(scores.filter(\.subcategoryCorrect).count) / n
    }
}
