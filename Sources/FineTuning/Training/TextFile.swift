import Foundation

/// Reads a text file for the dataset readers, mapping failures to ``DataError``.
enum TextFile {
    static func read(_ url: URL) throws(DataError) -> String {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError.unreadable(file: url.lastPathComponent, reason: error.localizedDescription)
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw DataError.unreadable(file: url.lastPathComponent, reason: "not valid UTF-8")
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

/// Maps label strings to class indices: either a fixed list, or learned in order of first
/// appearance.
public struct LabelMap: Sendable, Equatable {
    /// Label names by class index.
    public private(set) var names: [String]
    /// Whether unseen labels get new indices (otherwise they throw ``DataError/unknownLabel(file:line:label:)``).
    public var allowsNewLabels: Bool

    /// A map with fixed `names` (index = position), or empty and growing when `names` is nil.
    public init(names: [String]? = nil) {
        self.names = names ?? []
        self.allowsNewLabels = names == nil
    }

    /// The index of `label`: its position among `names`; otherwise a string of digits is taken
    /// as the index itself (below `names.count` for a fixed map); otherwise a new index when the
    /// map grows.
    mutating func index(of label: String, file: String, line: Int) throws(DataError) -> Int {
        if let i = names.firstIndex(of: label) { return i }
        if let number = Int(label), number >= 0, allowsNewLabels || number < names.count { return number }
        guard allowsNewLabels else { throw DataError.unknownLabel(file: file, line: line, label: label) }
        names.append(label)
        return names.count - 1
    }
}
