/// Why a data file could not be read. Line numbers count from 1, as an editor shows them.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or is not UTF-8.
    case unreadable(file: String, reason: String)
    /// A line (a record, for CSV: the line where it starts) could not be parsed.
    case malformedLine(file: String, line: Int, reason: String)
    /// A named column or field is absent from the header.
    case missingColumn(file: String, column: String)
    /// A label string is not one of the known labels (and new labels are not allowed).
    case unknownLabel(file: String, line: Int, label: String)
    /// A text (a file, or a folder's files together) holds fewer tokens than the blocks cut from
    /// it need.
    case tooShort(file: String, tokens: Int, needed: Int)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .malformedLine(file, line, reason): return "\(file):\(line): \(reason)"
        case let .missingColumn(file, column): return "\(file): no column '\(column)' in the header"
        case let .unknownLabel(file, line, label): return "\(file):\(line): unknown label '\(label)'"
        case let .tooShort(file, tokens, needed):
            return "\(file): \(tokens) tokens, too short: at least \(needed) are needed (use a smaller block size or more text)"
        }
    }
}

/// The examples a reader produced and how many malformed lines it skipped (always 0 unless
/// `skipMalformed` was set).
public struct ReadResult<Example> {
    /// The examples, in file order.
    public var examples: [Example]
    /// Malformed lines skipped.
    public var skippedCount: Int
    /// The first skipped errors (at most 10), to show the user what was wrong.
    public var skippedErrors: [DataError]

    /// The examples as a dataset.
    public var dataset: ArrayDataset<Example> { ArrayDataset(examples) }
}

/// Collects examples, skipping or throwing on malformed lines.
struct ReadAccumulator<Example> {
    let skipMalformed: Bool
    var result = ReadResult<Example>(examples: [], skippedCount: 0, skippedErrors: [])

    mutating func add(_ produce: () throws(DataError) -> Example?) throws(DataError) {
        do {
            if let example = try produce() { result.examples.append(example) }
        } catch {
            guard skipMalformed else { throw error }
            result.skippedCount += 1
            if result.skippedErrors.count < 10 { result.skippedErrors.append(error) }
        }
    }
}
