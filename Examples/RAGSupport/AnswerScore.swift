import Foundation

/// How one generated answer scored: which values of the fact it names decides.
public enum AnswerVerdict: String, Codable, Sendable {
    /// Names exactly the expected value.
    case correct
    /// Names another value, or several.
    case wrong
    /// Names no value and says it does not know.
    case abstained
    /// Names no value and does not say it does not know.
    case unclear

    /// Scores `answer` to `question`.
    ///
    /// The answer is lower-cased, punctuation becomes spaces, and the city's name is removed (an
    /// answer may repeat it); then the fact's candidates are looked up as whole words, longest
    /// first, each match blanked out so that `West Virginia` does not also count as `Virginia`.
    public init(answer: String, question: CityQuestion) {
        var text = " " + AnswerVerdict.normalized(answer) + " "
        text = text.replacingOccurrences(of: " " + AnswerVerdict.normalized(question.city.name) + " ", with: " # ")
        var named: Set<String> = []
        for candidate in question.fact.candidates.sorted(by: { $0.count > $1.count }) {
            let word = " " + AnswerVerdict.normalized(candidate) + " "
            if text.contains(word) {
                named.insert(candidate)
                text = text.replacingOccurrences(of: word, with: " # ")
            }
        }
        if named.isEmpty {
            let abstains = AnswerVerdict.abstainMarkers.contains { text.contains($0) }
            self = abstains ? .abstained : .unclear
        } else {
            self = named == [question.expected] ? .correct : .wrong
        }
    }

    /// Lower case, letters and digits only, single spaces (`"Don't"` → `"don t"`).
    static func normalized(_ text: String) -> String {
        let mapped = text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : " " }
        return String(mapped).split(separator: " ").joined(separator: " ")
    }

    /// Phrases (normalized, space-delimited) that say "I do not know".
    static let abstainMarkers = [
        " don t know ", " do not know ", " not sure ", " no information ", " cannot ", " can t ", " unknown ",
        " not mentioned ", " not contain ", " doesn t contain ", " does not contain ", " not provided ", " unable ",
        " not specified ", " no mention ", " not available ",
    ]
}

/// The fractions of a set of verdicts.
public struct AnswerTally: Codable, Sendable, Equatable {
    /// Questions scored.
    public var count: Int
    /// Correct answers / count.
    public var accuracy: Double
    /// Abstentions / count.
    public var abstainRate: Double
    /// Answers naming a value that is not the expected one / count; on cities nobody knows,
    /// every named value is made up.
    public var wrongRate: Double

    /// The tally of `verdicts`; all rates 0 when there are none.
    public init(_ verdicts: [AnswerVerdict]) {
        count = verdicts.count
        let n = Double(max(1, verdicts.count))
        accuracy = Double(verdicts.filter { $0 == .correct }.count) / n
        abstainRate = Double(verdicts.filter { $0 == .abstained }.count) / n
        wrongRate = Double(verdicts.filter { $0 == .wrong }.count) / n
    }

    /// On unknown cities: answers that name any value (right by chance or not) / count.
    public var hallucinationRate: Double { accuracy + wrongRate }

    enum CodingKeys: String, CodingKey {
        case count, accuracy
        case abstainRate = "abstain_rate"
        case wrongRate = "wrong_rate"
    }
}
