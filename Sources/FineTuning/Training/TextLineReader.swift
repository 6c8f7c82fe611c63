import Foundation

/// Reads plain text files with one example per line (blank lines skipped), for language
/// modelling.
///
/// ```swift
/// let corpus = try TextLineReader().read(from: url).dataset
/// ```
public struct TextLineReader: Sendable {
    /// Drop leading and trailing whitespace from each line.
    public var trimWhitespace: Bool

    /// A reader; lines are trimmed unless `trimWhitespace` is false.
    public init(trimWhitespace: Bool = true) { self.trimWhitespace = trimWhitespace }

    /// One example per non-blank line. Plain text has no malformed lines; unreadable files
    /// (missing, not UTF-8) throw ``DataError/unreadable(file:reason:)``.
    public func read(from url: URL) throws(DataError) -> ReadResult<LanguageModelingExample> {
        let examples = TextFile.lines(try TextFile.read(url)).compactMap { _, line -> LanguageModelingExample? in
            let text = trimWhitespace ? line.trimmingCharacters(in: .whitespaces) : String(line)
            return text.isEmpty ? nil : LanguageModelingExample(text: text)
        }
        return ReadResult(examples: examples, skippedCount: 0, skippedErrors: [])
    }
}
