import Foundation

/// Reads a text file for the dataset readers, mapping failures to ``DataError``.
enum TextFile {
    /// The text of `url`; errors name the file as `name` (its last path component by default).
    static func read(_ url: URL, name: String? = nil) throws(DataError) -> String {
        let file = name ?? url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError.unreadable(file: file, reason: error.localizedDescription)
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw DataError.unreadable(file: file, reason: "not valid UTF-8")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }   // byte-order mark from some editors
        return text
    }

    /// Lines without their terminators (`\n` or `\r\n`), numbered from 1; a final empty line
    /// after the last terminator is dropped.
    static func lines(_ text: String) -> [(number: Int, text: Substring)] {
        // "\r\n" is one Character in Swift, so split on both forms.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.enumerated().map { index, line in
            (index + 1, line.hasSuffix("\r") ? line.dropLast() : line)
        }
    }
}
