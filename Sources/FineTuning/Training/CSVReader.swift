import Foundation

/// A column of a delimited file, by header name or by 0-based index.
public enum CSVColumn: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// The column whose header cell is this name (needs a header row).
    case name(String)
    /// The column at this 0-based position.
    case index(Int)

    /// `"text"` means the column named `text`.
    public init(stringLiteral value: String) { self = .name(value) }
    /// `0` means the first column.
    public init(integerLiteral value: Int) { self = .index(value) }
}

/// Reads CSV or TSV files (RFC 4180 quoting, optional header row) into examples.
///
/// ```swift
/// let reader = CSVReader(delimiter: ",", textColumn: "review", labelColumn: "sentiment")
/// var labels = LabelMap(names: ["negative", "positive"])
/// let result = try reader.readClassification(from: url, labels: &labels)
/// ```
///
/// Every record must have as many fields as the first record (the header when there is one);
/// a record that does not, or that has broken quoting, is malformed.
public struct CSVReader: Sendable {
    /// The field separator: `,` for CSV, `\t` for TSV.
    public var delimiter: Character
    /// Whether the first record names the columns.
    public var hasHeader: Bool
    /// The text column.
    public var textColumn: CSVColumn
    /// The label column (classification only).
    public var labelColumn: CSVColumn
    /// Skip (and count) malformed records instead of throwing.
    public var skipMalformed: Bool

    /// A reader; the defaults read a CSV with a header and `text` and `label` columns.
    public init(delimiter: Character = ",", hasHeader: Bool = true, textColumn: CSVColumn = "text",
                labelColumn: CSVColumn = "label", skipMalformed: Bool = false) {
        self.delimiter = delimiter
        self.hasHeader = hasHeader
        self.textColumn = textColumn
        self.labelColumn = labelColumn
        self.skipMalformed = skipMalformed
    }

    /// A tab-separated reader.
    public static func tsv(hasHeader: Bool = true, textColumn: CSVColumn = "text", labelColumn: CSVColumn = "label",
                           skipMalformed: Bool = false) -> CSVReader {
        CSVReader(delimiter: "\t", hasHeader: hasHeader, textColumn: textColumn, labelColumn: labelColumn,
                  skipMalformed: skipMalformed)
    }

    /// Every record as its fields, with the line it starts on; the header (if any) separately.
    public func readRecords(from url: URL) throws(DataError) -> (header: [String]?, records: ReadResult<(line: Int, fields: [String])>) {
        let file = url.lastPathComponent
        var parser = CSVParser(try TextFile.read(url), delimiter: delimiter)
        var header: [String]? = nil
        var width: Int? = nil
        var accumulator = ReadAccumulator<(line: Int, fields: [String])>(skipMalformed: skipMalformed)
        while let next = parser.next() {
            try accumulator.add { () throws(DataError) -> (line: Int, fields: [String])? in
                switch next {
                case .failure(let failure):
                    throw DataError.malformedLine(file: file, line: failure.line, reason: failure.reason)
                case .success(let record):
                    guard let expected = width else {
                        width = record.fields.count
                        if hasHeader { header = record.fields; return nil }
                        return (record.line, record.fields)
                    }
                    guard record.fields.count == expected else {
                        throw DataError.malformedLine(file: file, line: record.line,
                                                      reason: "expected \(expected) fields, found \(record.fields.count)")
                    }
                    return (record.line, record.fields)
                }
            }
        }
        return (header, accumulator.result)
    }

    /// Text classification examples; labels are mapped through `labels`.
    public func readClassification(from url: URL, labels: inout LabelMap) throws(DataError) -> ReadResult<TextClassificationExample> {
        let file = url.lastPathComponent
        let (header, records) = try readRecords(from: url)
        let text = try resolve(textColumn, header: header, file: file)
        let label = try resolve(labelColumn, header: header, file: file)
        var accumulator = ReadAccumulator<TextClassificationExample>(skipMalformed: skipMalformed)
        for record in records.examples {
            try accumulator.add { () throws(DataError) -> TextClassificationExample? in
                let fields = try columns([text, label], of: record, file: file)
                return TextClassificationExample(text: fields[0], label: try labels.index(of: fields[1], file: file, line: record.line))
            }
        }
        var result = accumulator.result
        result.skippedCount += records.skippedCount
        result.skippedErrors = Array((records.skippedErrors + result.skippedErrors).prefix(10))
        return result
    }

    /// Text classification examples with a growing label map.
    public func readClassification(from url: URL) throws(DataError) -> ReadResult<TextClassificationExample> {
        var labels = LabelMap()
        return try readClassification(from: url, labels: &labels)
    }

    /// Language modelling examples from the text column.
    public func readLanguageModeling(from url: URL) throws(DataError) -> ReadResult<LanguageModelingExample> {
        let file = url.lastPathComponent
        let (header, records) = try readRecords(from: url)
        let text = try resolve(textColumn, header: header, file: file)
        var accumulator = ReadAccumulator<LanguageModelingExample>(skipMalformed: skipMalformed)
        for record in records.examples {
            try accumulator.add { () throws(DataError) -> LanguageModelingExample? in
                LanguageModelingExample(text: try columns([text], of: record, file: file)[0])
            }
        }
        var result = accumulator.result
        result.skippedCount += records.skippedCount
        result.skippedErrors = Array((records.skippedErrors + result.skippedErrors).prefix(10))
        return result
    }

    private func resolve(_ column: CSVColumn, header: [String]?, file: String) throws(DataError) -> Int {
        switch column {
        case .index(let i): return i
        case .name(let name):
            guard let header, let i = header.firstIndex(of: name) else { throw DataError.missingColumn(file: file, column: name) }
            return i
        }
    }

    private func columns(_ indices: [Int], of record: (line: Int, fields: [String]), file: String) throws(DataError) -> [String] {
        try indices.map { (i: Int) throws(DataError) -> String in
            guard i >= 0 && i < record.fields.count else {
                throw DataError.malformedLine(file: file, line: record.line,
                                              reason: "no column \(i) (the record has \(record.fields.count) fields)")
            }
            return record.fields[i]
        }
    }
}
